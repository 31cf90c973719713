/*
 * test_fmt_ndebug - fmt.c as the release (static, NDEBUG) build compiles
 * it (tests/fmt_ndebug.o): a conversion it lacks comes out as "%?" and
 * nothing after it is formatted, so no later argument is read as the
 * wrong type (fmt.c used to copy "%c" through without taking its
 * argument, so the "%s" of "%d%c%s" took the int meant for the %c and
 * crashed).  The return value is still the
 * length of what was produced, through both sinks.  test_fmt has the
 * supported conversions and the debug build's trap.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "t.h"

/* Formats held in a table: GCC would rightly warn about them as literals. */
static const struct {
	const char *fmt, *out;
} t[] = { { "a%cb", "a%?" }, { "%o", "%?" }, { "%+d", "%?" },
    { "% d", "%?" }, { "%#x", "%?" }, { "%X|%s", "%?" }, { "%i", "%?" },
    { "%hhd", "%?" }, { "%jd", "%?" }, { "%p", "%?" }, { "%n", "%?" },
    { "%ls", "%?" }, { "%zs", "%?" }, { "%l%", "%?" }, { "%*c%s", "%?" },
    { "%d and %c then %s", "5 and %?" }, { "%d%c%s", "5%?" },
    { "%5d|%-3s|%c|%s", "    5|x  |%?" }, { "100%", "100%?" },
    { "%-", "%?" }, { "%%%c%%", "%%?" } };

static void
test_buffer(void)
{
	char buf[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'Q', sizeof(buf));
		/* the arguments for "%d %s %c ...": "%d%c%s" would read
		 * "x", meant for the %c, as its %s if it went on */
		n = ew_snprintf(buf, sizeof(buf), t[i].fmt, 5, "x", 'c', 7);
		if (strcmp(buf, t[i].out) != 0)
			fprintf(stderr, "%s: \"%s\", want \"%s\"\n", t[i].fmt,
			    buf, t[i].out);
		CHECK(strcmp(buf, t[i].out) == 0);
		CHECK(n == (int)strlen(t[i].out));
	}
	/* truncated like anything else; the length it would have had */
	CHECK(ew_snprintf(buf, 3, t[0].fmt, 'x') == 3);
	CHECK(strcmp(buf, "a%") == 0);
	CHECK(ew_snprintf(NULL, 0, t[18].fmt, 0) == 5);	/* "100%" */
}

static void
test_fd(void)
{
	char back[64];
	int p[2], n, got;

	CHECK(pipe(p) == 0);
	n = ew_dprintf(p[1], t[16].fmt, 5, 6, 7);	/* "%d%c%s" */
	CHECK(ew_puts(p[1], "|") == 0);
	close(p[1]);
	got = (int)read(p[0], back, sizeof(back) - 1);
	close(p[0]);
	CHECK(n == 3 && got == 4);
	back[got > 0 ? got : 0] = '\0';
	CHECK(strcmp(back, "5%?|") == 0);
}

int
main(void)
{
	char buf[32];

	/* what it does know is unchanged */
	CHECK(ew_snprintf(buf, sizeof(buf), "%-4s|%03d|%lx|%zu|%%", "ab", 7,
	    255UL, (size_t)9) == 15);
	CHECK(strcmp(buf, "ab  |007|ff|9|%") == 0);
	test_buffer();
	test_fd();
	return t_done("test_fmt_ndebug");
}
