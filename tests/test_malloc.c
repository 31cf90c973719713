/*
 * test_malloc - malloc.c, the static build's allocator, under other
 * names (so the test program keeps the C library's for itself): random
 * sequences of malloc, calloc, realloc and free across the small
 * classes and the large (mmap) blocks, each block filled with its own
 * pattern and checked before it changes hands -- overlap, a bad copy on
 * realloc or a recycled block handed out twice shows as a mismatch.
 * Also alignment, calloc's zeroing of recycled blocks, overflow refusals,
 * and that large blocks go back to the kernel (the mapping disappears).
 *
 * Then the attacks a heap bug makes of an allocator that trusts its
 * headers, each in a child process that must die of a signal (the
 * allocator traps) rather than go on: a double free (small and large),
 * a header rewritten by an overflow of the block before it, foreign,
 * interior and misaligned pointers given to free and realloc, and a
 * free-list link rewritten by a use after free.  A child that frees
 * correctly must exit normally (the harness can tell).  Last, a burst
 * of blocks (connections coming and going) allocated and freed: the
 * RSS must come back down near where it started.
 */
#include <stddef.h>
void *t_malloc(size_t);
void t_free(void *);
void *t_calloc(size_t, size_t);
void *t_realloc(void *, size_t);

#define malloc	t_malloc
#define free	t_free
#define calloc	t_calloc
#define realloc	t_realloc
#define __libc_malloc	t_libc_malloc
#include "../malloc.c"
#undef malloc
#undef free
#undef calloc
#undef realloc
#undef __libc_malloc

#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "t.h"

#define NSLOT	512

static struct {
	uint8_t	*p;
	size_t	 n;
	uint8_t	 seed;
} slot[NSLOT];

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* sizes around every class edge, and large ones */
static size_t
rnd_size(void)
{
	switch (rnd() % 4) {
	case 0: return rnd() % 64;
	case 1: return ((size_t)1 << (rnd() % 17)) + (rnd() % 3) - 1;
	case 2: return rnd() % 70000;
	default: return 65536 + rnd() % 300000;
	}
}

static void
fill(int i)
{
	size_t k;

	for (k = 0; k < slot[i].n; k++)
		slot[i].p[k] = (uint8_t)(slot[i].seed + k * 7);
}

static int
intact(int i, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (slot[i].p[k] != (uint8_t)(slot[i].seed + k * 7))
			return 0;
	return 1;
}

static void
test_random(void)
{
	int round, i, bad = 0, misaligned = 0;
	size_t n, keep;
	uint8_t *q;

	for (round = 0; round < 40000; round++) {
		i = (int)(rnd() % NSLOT);
		if (slot[i].p != NULL && !intact(i, slot[i].n))
			bad++;
		switch (rnd() % 3) {
		case 0:		/* free and allocate anew */
			t_free(slot[i].p);
			n = rnd_size();
			slot[i].p = (rnd() & 1) ? t_malloc(n) : t_calloc(1, n);
			slot[i].n = n;
			if (slot[i].p == NULL)
				bad++;
			break;
		case 1:		/* realloc: what fits must survive */
			n = rnd_size();
			keep = n < slot[i].n ? n : slot[i].n;
			q = t_realloc(slot[i].p, n);
			if (q == NULL) {
				bad++;
				break;
			}
			slot[i].p = q;
			if (slot[i].p != NULL && !intact(i, keep))
				bad++;
			slot[i].n = n;
			break;
		default:
			t_free(slot[i].p);
			slot[i].p = NULL;
			slot[i].n = 0;
			break;
		}
		if (slot[i].p != NULL) {
			if ((uintptr_t)slot[i].p % 16 != 0)
				misaligned++;
			slot[i].seed = (uint8_t)rnd();
			fill(i);
		}
	}
	for (i = 0; i < NSLOT; i++) {
		if (slot[i].p != NULL && !intact(i, slot[i].n))
			bad++;
		t_free(slot[i].p);
		slot[i].p = NULL;
	}
	CHECK(bad == 0);
	CHECK(misaligned == 0);
}

static void
test_calloc_recycled(void)
{
	uint8_t *p, *q;
	size_t k;
	int zero = 1;

	p = t_malloc(1000);
	CHECK(p != NULL);
	memset(p, 0xa5, 1000);
	t_free(p);
	q = t_calloc(10, 100);		/* the same class: p's block again */
	CHECK(q == p);
	for (k = 0; k < 1000; k++)
		zero &= q[k] == 0;
	CHECK(zero);
	t_free(q);
}

static void
test_limits(void)
{
	volatile size_t four = 4;	/* not folded: the compiler would warn */

	errno = 0;
	CHECK(t_calloc(SIZE_MAX / 2, four) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK(t_malloc(SIZE_MAX - 8) == NULL && errno == ENOMEM);
	CHECK(t_malloc(0) != NULL);
	t_free(NULL);
	CHECK(t_realloc(NULL, 10) != NULL);
}

/* A freed large block is unmapped: touching its pages again would be a
 * fault, so look for the mapping in /proc/self/maps instead. */
static int
mapped(const void *p)
{
	char line[256];
	unsigned long a, b;
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    (uintptr_t)p >= a && (uintptr_t)p < b)
			found = 1;
	fclose(f);
	return found;
}

static void
test_large_returned(void)
{
	uint8_t *p = t_malloc(1 << 20), *q;

	CHECK(p != NULL);
	memset(p, 1, 1 << 20);
	CHECK(mapped(p) == 1);
	/* grown in place or moved, the content stays */
	q = t_realloc(p, 3 << 20);
	CHECK(q != NULL && q[0] == 1 && q[(1 << 20) - 1] == 1);
	t_free(q);
	CHECK(mapped(q) == 0);
}

/* ------------------------------------------------------------------ */
/* Heap corruption: the child must die of a signal. */

static uint8_t	 global_buf[256] __attribute__((aligned(16)));
static uint64_t	 target;

static void
bad_double_small(void)
{
	void *p = t_malloc(40);

	t_free(p);
	t_free(p);
}

static void
bad_double_large(void)
{
	void *p = t_malloc(300000);

	t_free(p);
	t_free(p);
}

/* Two live blocks of n bytes, b right after a (its header between):
 * found among 64 of them, whatever the free lists hold. */
static void
adjacent(size_t n, size_t block, uint8_t **a, uint8_t **b)
{
	uint8_t *p[64];
	int i, j;

	for (i = 0; i < 64; i++)
		p[i] = t_malloc(n);
	for (i = 0; i < 64; i++)
		for (j = 0; j < 64; j++)
			if (p[j] == p[i] + block) {
				*a = p[i];
				*b = p[j];
				return;
			}
	_exit(3);
}

static void
bad_overflow(void)
{
	uint8_t *a, *b;

	adjacent(100, 128 + 16, &a, &b);	/* class 128 */
	memset(a, 'A', 128 + 8);	/* 8 bytes into b's header */
	t_free(b);
}

static void
bad_overflow_check(void)
{
	uint8_t *a, *b;

	adjacent(100, 128 + 16, &a, &b);
	memset(a, 'A', 128 + 16);	/* b's whole header */
	t_free(b);
}

static void
bad_overflow_realloc(void)
{
	uint8_t *a, *b;

	adjacent(3000, 4096 + 16, &a, &b);
	a[4096 + 3] ^= 0x40;		/* one bit of b's header */
	b = t_realloc(b, 10000);
	if (b != NULL)
		b[0] = 1;
}

static void
bad_foreign_stack(void)
{
	uint8_t buf[64] __attribute__((aligned(16)));

	memset(buf, 0, sizeof(buf));
	t_free(buf + 32);
}

static void
bad_foreign_global(void)
{
	t_free(global_buf + 64);
}

static void
bad_interior(void)
{
	uint8_t *p = t_malloc(256);

	memset(p, 0, 256);
	t_free(p + 64);
}

static void
bad_misaligned(void)
{
	uint8_t *p = t_malloc(256);

	t_free(p + 8);
}

static void
bad_realloc_foreign(void)
{
	void *volatile q = t_realloc(global_buf + 32, 100);

	(void)q;
}

static void
bad_use_after_free(void)
{
	uint64_t *p = t_malloc(64), *q = t_malloc(64);

	(void)q;
	t_free(p);
	*p = (uint64_t)(uintptr_t)&target;	/* the free list's link */
	(void)t_malloc(64);	/* p again */
	(void)t_malloc(64);	/* would be &target */
}

static void
good_frees(void)
{
	uint8_t *a = t_malloc(100), *b = t_malloc(100), *c = t_malloc(70000);

	memset(a, 'A', 128);		/* all of a, not one byte more */
	t_free(b);
	t_free(a);
	c = t_realloc(c, 200000);
	t_free(c);
	a = t_malloc(100);
	t_free(a);
}

/* Runs fn in a child: its signal, 0 if it exited 0, or -1. */
static int
in_child(void (*fn)(void))
{
	int st, fd;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		/* the trap's line goes nowhere: expected; and a fault (a
		 * double free of an unmapped block) kills the child as it
		 * would the switch, without a sanitizer's report */
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 2);
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		fn();
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void
test_corruption(void)
{
	static const struct {
		const char	*name;
		void		(*fn)(void);
	} bad[] = {
		{ "double free (small)", bad_double_small },
		{ "double free (large)", bad_double_large },
		{ "overflow into the next header's word", bad_overflow },
		{ "overflow over the next whole header", bad_overflow_check },
		{ "one header bit flipped, then realloc", bad_overflow_realloc },
		{ "free of a stack address", bad_foreign_stack },
		{ "free of a global address", bad_foreign_global },
		{ "free of an interior pointer", bad_interior },
		{ "free of a misaligned pointer", bad_misaligned },
		{ "realloc of a foreign pointer", bad_realloc_foreign },
		{ "free-list link rewritten after free", bad_use_after_free },
	};
	size_t i;
	int sig;

	CHECK(in_child(good_frees) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sig = in_child(bad[i].fn);
		if (sig <= 0)
			fprintf(stderr, "%s: the child %s\n", bad[i].name,
			    sig == 0 ? "went on" : "failed otherwise");
		CHECK(sig > 0);
	}
}

/* ------------------------------------------------------------------ */
/* A burst: RSS comes back down. */

static long
rss_kb(void)
{
	long pages = -1, res = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

#define BURST	6000

static void
test_burst(void)
{
	static uint8_t *p[BURST];
	static const size_t sz[] = { 24, 200, 1000, 3000, 16384, 40000 };
	long before, peak, after;
	size_t i;

	before = rss_kb();
	/* what connections take: structs, names, buffers, TLS engines */
	for (i = 0; i < BURST; i++) {
		p[i] = t_malloc(sz[i % 6]);
		if (p[i] != NULL)
			memset(p[i], 0x5a, sz[i % 6]);
	}
	peak = rss_kb();
	for (i = 0; i < BURST; i += 2)	/* in two sweeps, as they come */
		t_free(p[i]);
	for (i = 1; i < BURST; i += 2)
		t_free(p[i]);
	after = rss_kb();
	printf("# burst: RSS %ld kB before, %ld at the peak, %ld after\n",
	    before, peak, after);
	CHECK(peak - before > 50000);	/* the burst did take memory */
	/* at most one kept chunk per class (13 x 256 KiB) */
	CHECK(after - before < 4096);
}

int
main(void)
{
	test_random();
	test_calloc_recycled();
	test_limits();
	test_large_returned();
	test_corruption();
	test_burst();
	return t_done("test_malloc");
}
