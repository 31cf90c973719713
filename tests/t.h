/*
 * t.h - a minimal unit-test harness.  CHECK records a failure and goes
 * on; t_done() prints the summary line and gives main's exit status.
 */
#ifndef T_H
#define T_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static int t_pass, t_fail, t_skip;

#define CHECK(cond) do { \
	if (cond) \
		t_pass++; \
	else { \
		t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", \
		    __FILE__, __LINE__, #cond); \
	} \
} while (0)

/* Checks not made (what), and why: an "ok - # SKIP" line that
 * tests/run shows, and one more skipped in t_done's count. */
static inline void
t_skipped(const char *what, const char *why)
{
	t_skip++;
	printf("ok - # SKIP %s: %s\n", what, why);
}

/* Copy (s, len) so that it ends exactly at a guard page: a parser that
 * reads one byte too far faults.  Each call replaces the last copy. */
static inline const void *
t_guard(const void *s, size_t len)
{
	static unsigned char *gmap;
	static size_t gsize;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), pages;

	if (gmap != NULL)
		munmap(gmap, gsize);
	pages = len == 0 ? 1 : (len + pg - 1) / pg;
	gsize = (pages + 1) * pg;
	gmap = mmap(NULL, gsize, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gmap == MAP_FAILED || mprotect(gmap + pages * pg, pg,
	    PROT_NONE) == -1) {
		perror("mmap");
		exit(2);
	}
	memcpy(gmap + pages * pg - len, s, len);
	return gmap + pages * pg - len;
}

static inline int
t_done(const char *name)
{
	if (t_skip > 0)
		printf("%s: %d checks passed, %d failed, %d skipped\n", name,
		    t_pass, t_fail, t_skip);
	else
		printf("%s: %d checks passed, %d failed\n", name, t_pass,
		    t_fail);
	return t_fail ? 1 : 0;
}
#endif
