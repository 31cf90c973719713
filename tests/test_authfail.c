/*
 * test_authfail - authfail.c: the free failures, the doubling waits and
 * their cap, no wait for other addresses, a right password forgetting,
 * the quiet window forgetting, and the fixed table: many more addresses
 * than slots cost no memory, and a guesser flooding the table with
 * fresh addresses evicts only the oldest entries of a probe window,
 * never a wait that is running for a newer one (the oldest goes first).
 */
#include <stdint.h>
#include <string.h>

#include "authfail.h"
#include "defs.h"
#include "t.h"

#define T0	1000000		/* a clock that is not near 0 */

static void
addr(uint8_t key[16], uint32_t n)
{
	memset(key, 0, 16);
	key[10] = key[11] = 0xff;
	key[12] = (uint8_t)(n >> 24);
	key[13] = (uint8_t)(n >> 16);
	key[14] = (uint8_t)(n >> 8);
	key[15] = (uint8_t)n;
}

static void
test_doubling(void)
{
	uint8_t a[16], b[16];
	uint64_t now = T0, w;
	int i;

	addr(a, 1);
	addr(b, 2);
	for (i = 0; i < AUTHFAIL_FREE; i++) {
		CHECK(authfail_wait(a, now) == 0);
		CHECK(authfail_failed(a, now) == 0);
	}
	CHECK(authfail_failed(a, now) == AUTHFAIL_BASE_MS);
	CHECK(authfail_wait(a, now) == AUTHFAIL_BASE_MS);
	CHECK(authfail_wait(a, now + 400) == AUTHFAIL_BASE_MS - 400);
	CHECK(authfail_wait(b, now) == 0);	/* another address */
	now += AUTHFAIL_BASE_MS;
	CHECK(authfail_wait(a, now) == 0);
	CHECK(authfail_failed(a, now) == 2 * AUTHFAIL_BASE_MS);
	now += 2 * AUTHFAIL_BASE_MS;
	CHECK(authfail_failed(a, now) == 4 * AUTHFAIL_BASE_MS);
	/* the cap, however long it goes on (no shift overflow) */
	for (i = 0; i < 100; i++) {
		now += AUTHFAIL_MAX_MS;
		w = authfail_failed(a, now);
	}
	CHECK(w == AUTHFAIL_MAX_MS);
	/* a right password forgets: 5 free failures again */
	authfail_ok(a);
	CHECK(authfail_wait(a, now) == 0);
	for (i = 0; i < AUTHFAIL_FREE; i++)
		CHECK(authfail_failed(a, now) == 0);
	CHECK(authfail_failed(a, now) == AUTHFAIL_BASE_MS);
	/* the quiet window forgets too */
	now += AUTHFAIL_WINDOW_MS + AUTHFAIL_BASE_MS;
	CHECK(authfail_wait(a, now) == 0);
	CHECK(authfail_failed(a, now) == 0);
	authfail_ok(a);
}

static void
test_table(void)
{
	uint8_t a[16], k[16];
	uint64_t now = T0 * 10;
	uint32_t i;
	int j, held = 0;

	/* a held back at first; then 50 times the slots in fresh
	 * addresses, each failing once, every one newer than a's entry */
	addr(a, 7);
	for (j = 0; j <= AUTHFAIL_FREE; j++)
		authfail_failed(a, now);
	CHECK(authfail_wait(a, now) == AUTHFAIL_BASE_MS);
	for (i = 0; i < 50 * AUTHFAIL_SLOTS; i++) {
		addr(k, 0x0a000000 + i);
		authfail_failed(k, now + 1 + i / 1000);
	}
	/* a is the oldest in its window: evicted, which only forgets */
	CHECK(authfail_wait(a, now) == 0);
	/* the newest addresses are still remembered */
	for (i = 50 * AUTHFAIL_SLOTS - 64; i < 50 * AUTHFAIL_SLOTS; i++) {
		addr(k, 0x0a000000 + i);
		for (j = 0; j < AUTHFAIL_FREE; j++)
			authfail_failed(k, now + 100);
		held += authfail_wait(k, now + 100) > 0;
	}
	CHECK(held == 64);
}

int
main(void)
{
	test_doubling();
	test_table();
	return t_done("test_authfail");
}
