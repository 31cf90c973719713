/*
 * malloc.c - the allocator of the static (musl) build: musl's mallocng
 * is a tenth of that binary's libc share, for generality a one-threaded
 * switch that allocates at connection set-up, not per frame, does not
 * need.  The glibc build does not compile this file.
 *
 * Two kinds of block, each after a 16-byte header giving its class:
 *  - small (payload <= SMALL_MAX): classes of power-of-two payloads from
 *    16 bytes (so a 4 KiB buffer takes 4 KiB and the header, not 8 KiB),
 *    cut from 256 KiB chunks taken with mmap and kept on per-class free
 *    lists.  A freed small block is never given back to the kernel:
 *    small blocks are port structs, names, token arrays and the queues
 *    of busy ports, bounded by the number of ports, not by traffic;
 *  - large: one mmap each, rounded to the page, unmapped on free and
 *    grown in place (mremap) by realloc, so a drained tx queue or a
 *    closed connection's buffers go straight back to the kernel.
 * Not thread-safe; etherws has no threads.  Exhausted memory is NULL
 * with errno ENOMEM, as the C library's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN		16		/* header size and block alignment */
#define MIN_SHIFT	4		/* smallest class: 16 bytes */
#define SMALL_SHIFT	16		/* largest small class: 64 KiB */
#define SMALL_MAX	((size_t)1 << SMALL_SHIFT)
#define CHUNK		((size_t)256 << 10)	/* what small classes cut */
#define PAGE		((size_t)4096)
#define NCLASS		(SMALL_SHIFT - MIN_SHIFT + 1)
#define LARGE		0xffu

struct hdr {
	size_t		 size;		/* large: the mapping's bytes */
	unsigned	 cls;		/* class index, or LARGE */
	unsigned	 pad[(ALIGN - sizeof(size_t) - sizeof(unsigned)) /
			    sizeof(unsigned)];
};
_Static_assert(sizeof(struct hdr) == ALIGN, "header is one alignment unit");

struct freeblk {
	struct freeblk	*next;
};

static struct freeblk	*freel[NCLASS];
static uint8_t		*cut, *cut_end;	/* the chunk small blocks come from */

static void *
map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* The class whose blocks hold n payload bytes (n <= SMALL_MAX). */
static unsigned
class_of(size_t n)
{
	unsigned c = 0;

	while (((size_t)1 << (c + MIN_SHIFT)) < n)
		c++;
	return c;
}

static size_t
class_size(unsigned c)
{
	return (size_t)1 << (c + MIN_SHIFT);
}

/* *fresh: the block has never been used, so it is still zero (mmap). */
static void *
small_alloc(unsigned c, int *fresh)
{
	size_t bs = ALIGN + class_size(c);
	struct hdr *h;

	*fresh = freel[c] == NULL;
	if (freel[c] != NULL) {
		h = (struct hdr *)freel[c];
		freel[c] = freel[c]->next;
	} else {
		/* the rest of the current chunk is dropped when a block
		 * does not fit: less than one 64 KiB block's worth */
		if (cut == NULL || (size_t)(cut_end - cut) < bs) {
			if ((cut = map(CHUNK)) == NULL)
				return NULL;
			cut_end = cut + CHUNK;
		}
		h = (struct hdr *)cut;
		cut += bs;
	}
	h->cls = c;
	return h + 1;
}

static void *
alloc(size_t n, int *fresh)
{
	struct hdr *h;
	size_t len;

	if (n <= SMALL_MAX)
		return small_alloc(class_of(n), fresh);
	*fresh = 1;
	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	len = (n + ALIGN + PAGE - 1) & ~(PAGE - 1);
	if ((h = map(len)) == NULL)
		return NULL;
	h->size = len;
	h->cls = LARGE;
	return h + 1;
}

void *
malloc(size_t n)
{
	int fresh;

	return alloc(n, &fresh);
}

void
free(void *p)
{
	struct hdr *h;
	struct freeblk *f;

	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	if (h->cls == LARGE) {
		munmap(h, h->size);
		return;
	}
	f = (struct freeblk *)h;
	f->next = freel[h->cls];
	freel[h->cls] = f;
}

void *
calloc(size_t m, size_t n)
{
	void *p;
	int fresh;

	if (n != 0 && m > SIZE_MAX / n) {
		errno = ENOMEM;
		return NULL;
	}
	/* fresh mappings are zero already (and stay untouched, out of the
	 * RSS, until used); recycled blocks are not */
	if ((p = alloc(m * n, &fresh)) != NULL && !fresh)
		memset(p, 0, m * n);
	return p;
}

void *
realloc(void *p, size_t n)
{
	struct hdr *h;
	size_t have, len;
	void *q;

	if (p == NULL)
		return malloc(n);
	h = (struct hdr *)p - 1;
	if (h->cls == LARGE && n > SMALL_MAX && n <= SIZE_MAX / 2) {
		len = (n + ALIGN + PAGE - 1) & ~(PAGE - 1);
		q = mremap(h, h->size, len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		h = q;
		h->size = len;
		return h + 1;
	}
	have = h->cls == LARGE ? h->size - ALIGN : class_size(h->cls);
	/* a small block keeps its place while its class is still right */
	if (h->cls != LARGE && n <= SMALL_MAX && class_of(n) == h->cls)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	free(p);
	return q;
}

/*
 * musl's own few allocations (__tz.c keeps a long TZ string) call
 * __libc_malloc, which is not malloc and would link in musl's
 * lite_malloc besides this allocator (740 bytes).  Never freed.
 */
void *__libc_malloc(size_t n);

void *
__libc_malloc(size_t n)
{
	return malloc(n);
}
