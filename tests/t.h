/*
 * t.h - a minimal unit-test harness.  CHECK records a failure and goes
 * on; t_done() prints the summary line and gives main's exit status.
 */
#ifndef T_H
#define T_H
#include <stdio.h>

static int t_pass, t_fail;

#define CHECK(cond) do { \
	if (cond) \
		t_pass++; \
	else { \
		t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
		    __FILE__, __LINE__, #cond); \
	} \
} while (0)

static inline int
t_done(const char *name)
{
	printf("%s: %d checks passed, %d failed\n", name, t_pass, t_fail);
	return t_fail ? 1 : 0;
}
#endif
