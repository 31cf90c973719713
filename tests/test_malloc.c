/*
 * test_malloc - malloc.c, the static build's allocator, under other
 * names (so the test program keeps the C library's for itself): random
 * sequences of malloc, calloc, realloc and free across the small
 * classes and the large (mmap) blocks, each block filled with its own
 * pattern and checked before it changes hands -- overlap, a bad copy on
 * realloc or a recycled block handed out twice shows as a mismatch.
 * Also alignment, calloc's zeroing of recycled blocks, overflow refusals,
 * and that large blocks go back to the kernel (the mapping disappears).
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

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int
main(void)
{
	test_random();
	test_calloc_recycled();
	test_limits();
	test_large_returned();
	return t_done("test_malloc");
}
