/*
 * authfail.c - a per-address backoff after failed logins.  Without it
 * one address tried 5,556 passwords a second against --htpasswd.  Each
 * address (IPv6: its /64, which one host may fill) gets AUTHFAIL_FREE
 * wrong passwords; every further one holds it back for twice as long as
 * the one before (AUTHFAIL_BASE_MS, at most AUTHFAIL_MAX_MS), during
 * which its requests are refused unchecked.  A right password, or
 * AUTHFAIL_WINDOW_MS without a failure, forgets it.  The table has
 * AUTHFAIL_SLOTS entries, open-addressed under a random SipHash key
 * (nobody picks addresses that collide); a new address takes the
 * oldest entry of its AUTHFAIL_PROBE slots, so the memory is fixed.
 */
#include <string.h>

#include "authfail.h"
#include "defs.h"
#include "siphash.h"

struct afent {
	uint8_t		 key[16];
	uint32_t	 fails;		/* 0: a free slot */
	uint64_t	 last;		/* the latest failure, ms */
	uint64_t	 until;		/* held back until, ms */
};

static struct afent	afs[AUTHFAIL_SLOTS];
static struct sipkey	afkey;
static int		afkeyed;

/* A slot forgotten by now: free, or quiet for the window. */
static int
stale(const struct afent *e, uint64_t now)
{
	return e->fails == 0 || (now >= e->until &&
	    now - e->last >= AUTHFAIL_WINDOW_MS);
}

/* key's entry, or NULL; with make, a fresh one in the oldest (or a
 * stale) slot of its probe window. */
static struct afent *
af_find(const uint8_t key[16], uint64_t now, int make)
{
	struct afent *e, *old = NULL;
	uint64_t h;
	unsigned i;

	if (!afkeyed) {
		sip_key_random(&afkey);
		afkeyed = 1;
	}
	h = sip_hash(&afkey, key, 16);
	for (i = 0; i < AUTHFAIL_PROBE; i++) {
		e = &afs[(h + i) & (AUTHFAIL_SLOTS - 1)];
		if (e->fails != 0 && memcmp(e->key, key, 16) == 0)
			return e;
		if (old == NULL || (!stale(old, now) &&
		    (stale(e, now) || e->last < old->last)))
			old = e;
	}
	if (!make)
		return NULL;
	memset(old, 0, sizeof(*old));
	memcpy(old->key, key, 16);
	return old;
}

uint64_t
authfail_wait(const uint8_t key[16], uint64_t now)
{
	struct afent *e = af_find(key, now, 0);

	return e != NULL && now < e->until ? e->until - now : 0;
}

uint64_t
authfail_failed(const uint8_t key[16], uint64_t now)
{
	struct afent *e = af_find(key, now, 1);
	uint64_t wait;
	uint32_t n;

	if (stale(e, now))
		e->fails = 0;
	e->fails++;
	e->last = now;
	if (e->fails <= AUTHFAIL_FREE)
		return 0;
	/* doublings past which the wait is at its cap anyway */
	n = e->fails - AUTHFAIL_FREE - 1;
	wait = n >= AUTHFAIL_DOUBLINGS ? AUTHFAIL_MAX_MS :
	    (uint64_t)AUTHFAIL_BASE_MS << n;
	if (wait > AUTHFAIL_MAX_MS)
		wait = AUTHFAIL_MAX_MS;
	e->until = now + wait;
	return wait;
}

void
authfail_ok(const uint8_t key[16])
{
	struct afent *e = af_find(key, 0, 0);

	if (e != NULL)
		memset(e, 0, sizeof(*e));
}
