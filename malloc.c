/*
 * malloc.c - the allocator of the static (musl) build: musl's mallocng
 * is a tenth of that binary's libc share, for generality a one-threaded
 * switch that allocates at connection set-up and per burst, not per
 * frame, does not need.  The glibc build does not compile this file.
 *
 * Two kinds of block, each after a 16-byte header:
 *  - small (payload <= SMALL_MAX): power-of-two classes from 16 bytes,
 *    cut from 256 KiB chunks (mmap, aligned to their size), each chunk
 *    of one class with its own free list.  Blocks are cut as they are
 *    needed, so pages never used stay out of the RSS.  A chunk whose
 *    last block is freed goes back to the kernel unless it is its
 *    class's only chunk with room: a burst of connections leaves no
 *    footprint;
 *  - large: one mmap each, rounded to the page, unmapped on free and
 *    grown in place (mremap) by realloc.
 *
 * free and realloc trust nothing they are given: the header carries a
 * check word keyed with two secrets drawn at start (getrandom), over the
 * block's address and its state, so a pointer that is not a live block
 * of ours (a double free, an interior or foreign pointer) or a header a
 * heap overflow rewrote is detected, and so is a free list whose link a
 * use after free rewrote (links are stored masked and checked against
 * their chunk).  Any of these stops the program (a trap, after one line
 * on stderr): a corrupt heap must not become an arbitrary write.
 * Not thread-safe; etherws has no threads.  Exhausted memory is NULL
 * with errno ENOMEM, as the C library's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>

#define ALIGN		16		/* header size and block alignment */
#define MIN_SHIFT	4		/* smallest class: 16 bytes */
#define SMALL_SHIFT	16		/* largest small class: 64 KiB */
#define SMALL_MAX	((size_t)1 << SMALL_SHIFT)
#define CHUNK		((size_t)256 << 10)	/* what small classes cut */
#define CHDR		64		/* the chunk's header, before blocks */
#define PAGE		((size_t)4096)
#define NCLASS		(SMALL_SHIFT - MIN_SHIFT + 1)

/* A header's state, in the low bits of its word (above them: the class,
 * or a large block's mapping size, a multiple of PAGE). */
#define ST_USED		1u
#define ST_FREE		2u
#define ST_LARGE	3u
#define ST_MASK		3u

struct hdr {
	uint64_t	 word;		/* class << 2 | state, or size | LARGE */
	uint64_t	 check;		/* hdr_check(address, word) */
};
_Static_assert(sizeof(struct hdr) == ALIGN, "header is one alignment unit");

struct chunk {
	uint64_t	 check;		/* hdr_check(address, class) */
	unsigned	 cls, used;	/* class; blocks handed out */
	uint8_t		*cut;		/* blocks never used start here */
	uint64_t	 free;		/* first free block, masked */
	struct chunk	*next, *prev;	/* the class's chunks with room */
};
_Static_assert(sizeof(struct chunk) <= CHDR, "chunk header fits");

static uint64_t		 key1, key2, key3;
static struct chunk	*room[NCLASS];	/* chunks with a block to give */

static void __attribute__((noreturn))
corrupt(const char *what)
{
	static const char pre[] = "etherws: malloc: ";

	if (write(2, pre, sizeof(pre) - 1) >= 0 &&
	    write(2, what, strlen(what)) >= 0)
		(void)write(2, "\n", 1);
	__builtin_trap();
}

static void
keys_init(void)
{
	uint64_t k[3];
	const uint64_t *at;

	/* AT_RANDOM's 16 bytes (the kernel's, for every process) only if
	 * getrandom fails: musl takes its stack canary from them. */
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		at = (const void *)getauxval(AT_RANDOM);
		k[0] = at[0] ^ (uint64_t)(uintptr_t)&k;
		k[1] = at[1] * 0x9e3779b97f4a7c15ULL;
		k[2] = (at[0] ^ at[1]) * 0xc2b2ae3d27d4eb4fULL;
	}
	key1 = k[0];
	key2 = k[1];
	key3 = k[2] | 1;	/* never 0: 0 is "initialised yet?" */
}

/* A keyed check of (address, word): MurmurHash3's finaliser between two
 * secrets, so a forged header needs them. */
static uint64_t
hdr_check(const void *at, uint64_t word)
{
	uint64_t x = key1 ^ (uint64_t)(uintptr_t)at ^ (word << 7 | word >> 57);

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x ^ key2;
}

static void
hdr_set(struct hdr *h, uint64_t word)
{
	h->word = word;
	h->check = hdr_check(h, word);
}

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

static size_t
block_size(unsigned c)
{
	return ALIGN + class_size(c);
}

static uint8_t *
chunk_end(const struct chunk *k)
{
	const uint8_t *b = (const uint8_t *)k + CHDR;

	return (uint8_t *)b + (CHUNK - CHDR) / block_size(k->cls) *
	    block_size(k->cls);
}

/* The chunk of a header that passed its check: its own must pass too,
 * and the header must sit on one of its block boundaries. */
static struct chunk *
chunk_of(const struct hdr *h, unsigned cls)
{
	struct chunk *k = (struct chunk *)((uintptr_t)h & ~(CHUNK - 1));
	const uint8_t *b = (const uint8_t *)h;

	if (cls >= NCLASS || k->check != hdr_check(k, cls) || k->cls != cls ||
	    b < (uint8_t *)k + CHDR || b >= k->cut ||
	    (size_t)(b - ((uint8_t *)k + CHDR)) % block_size(cls) != 0)
		corrupt("block outside its chunk");
	return k;
}

static void
room_add(struct chunk *k)
{
	k->prev = NULL;
	k->next = room[k->cls];
	if (k->next != NULL)
		k->next->prev = k;
	room[k->cls] = k;
}

static void
room_del(struct chunk *k)
{
	if (k->prev != NULL)
		k->prev->next = k->next;
	else
		room[k->cls] = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	k->next = k->prev = NULL;
}

static int
has_room(const struct chunk *k)
{
	return k->free != key3 ||
	    (size_t)(chunk_end(k) - k->cut) >= block_size(k->cls);
}

/* A fresh chunk of class c, aligned to CHUNK (so a block finds it). */
static struct chunk *
chunk_new(unsigned c)
{
	uint8_t *m, *a;
	struct chunk *k;

	if ((m = map(2 * CHUNK)) == NULL)
		return NULL;
	a = (uint8_t *)(((uintptr_t)m + CHUNK - 1) & ~(CHUNK - 1));
	if (a > m)
		munmap(m, (size_t)(a - m));
	munmap(a + CHUNK, (size_t)(m + CHUNK - a));
	k = (struct chunk *)a;
	k->cls = c;
	k->check = hdr_check(k, c);
	k->cut = a + CHDR;
	k->free = key3;		/* masked NULL */
	room_add(k);
	return k;
}

/* *fresh: the block has never been used, so it is still zero (mmap). */
static void *
small_alloc(unsigned c, int *fresh)
{
	struct chunk *k = room[c];
	struct hdr *h;

	if (k == NULL && (k = chunk_new(c)) == NULL)
		return NULL;
	*fresh = k->free == key3;
	if (!*fresh) {
		/* The free list's link lives in the freed payload: a use
		 * after free may have rewritten it.  Checked before use. */
		h = (struct hdr *)(uintptr_t)(k->free ^ key3);
		if (((uintptr_t)h & ~(CHUNK - 1)) != (uintptr_t)k ||
		    chunk_of(h, c) != k || h->word != ((uint64_t)c << 2 |
		    ST_FREE) || h->check != hdr_check(h, h->word))
			corrupt("free list corrupted");
		k->free = *(uint64_t *)(h + 1);
	} else {
		h = (struct hdr *)k->cut;
		k->cut += block_size(c);
	}
	hdr_set(h, (uint64_t)c << 2 | ST_USED);
	k->used++;
	if (!has_room(k))
		room_del(k);
	return h + 1;
}

static void *
alloc(size_t n, int *fresh)
{
	struct hdr *h;
	size_t len;

	if (key3 == 0)
		keys_init();
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
	hdr_set(h, len | ST_LARGE);
	return h + 1;
}

/* The header of p, a live block of ours -- or the program stops. */
static struct hdr *
live(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;

	if (key3 == 0 || (uintptr_t)p % ALIGN != 0)
		corrupt("free of a pointer it never gave");
	if (h->check != hdr_check(h, h->word))
		corrupt("free of a foreign pointer, or a header overwritten");
	switch (h->word & ST_MASK) {
	case ST_USED:
		(void)chunk_of(h, (unsigned)(h->word >> 2));
		return h;
	case ST_LARGE:
		if ((uintptr_t)h % PAGE != 0 || (h->word & (PAGE - 1)) != ST_LARGE)
			corrupt("bad large block");
		return h;
	default:
		corrupt("double free");
	}
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
	struct chunk *k;
	unsigned c;
	int had_room;

	if (p == NULL)
		return;
	h = live(p);
	if ((h->word & ST_MASK) == ST_LARGE) {
		munmap(h, h->word & ~(uint64_t)ST_MASK);
		return;
	}
	c = (unsigned)(h->word >> 2);
	k = chunk_of(h, c);
	had_room = has_room(k);		/* i.e. it is in room[c] */
	hdr_set(h, (uint64_t)c << 2 | ST_FREE);
	*(uint64_t *)(h + 1) = k->free;
	k->free = (uint64_t)(uintptr_t)h ^ key3;
	if (!had_room)
		room_add(k);
	if (--k->used == 0 && (room[c] != k || k->next != NULL)) {
		/* empty, and not its class's only chunk with room */
		room_del(k);
		munmap(k, CHUNK);
	}
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
	h = live(p);
	if ((h->word & ST_MASK) == ST_LARGE && n > SMALL_MAX &&
	    n <= SIZE_MAX / 2) {
		len = (n + ALIGN + PAGE - 1) & ~(PAGE - 1);
		q = mremap(h, h->word & ~(uint64_t)ST_MASK, len,
		    MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		h = q;
		hdr_set(h, len | ST_LARGE);
		return h + 1;
	}
	if ((h->word & ST_MASK) == ST_LARGE)
		have = (h->word & ~(uint64_t)ST_MASK) - ALIGN;
	else {
		have = class_size((unsigned)(h->word >> 2));
		/* a small block keeps its place while its class is right */
		if (n <= SMALL_MAX && class_of(n) == (unsigned)(h->word >> 2))
			return p;
	}
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
