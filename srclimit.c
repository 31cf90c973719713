/*
 * srclimit.c - per-source counts of accepted connections (serve.c's
 * and the control endpoint's): how many one address may hold
 * unfinished, and without --htpasswd how many open tunnels.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "defs.h"
#include "fmt.h"
#include "siphash.h"
#include "srclimit.h"

/*
 * Per-source counts, so that one address (one /64 for IPv6, which a
 * single host may fill) cannot hold every slot: accepted connections
 * that have not yet upgraded or reached their control request, at most
 * SRC_MAX_PENDING; and without --htpasswd, open tunnels (nobody vouched
 * for them), at most all but a 1/SRC_OPEN_SHARE of --maxconn.  A keyed
 * hash: no one picks addresses that share a chain.  All of 127.0.0.0/8
 * is one source: every local user may connect from any of it.  The
 * operator's control connections are not counted (they find a slot).
 */

#define SRC_BUCKETS	1024

struct srcent {
	uint8_t		 key[16];	/* ::ffff:IPv4, or an IPv6 /64 */
	unsigned	 pending, open;
	struct srcent	*next;
};

static struct srcent	*srctab[SRC_BUCKETS];
static struct sipkey	 srckey;
static int		 srckeyed;

int
src_key(const char *ip, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ew_pton(AF_INET, ip, key + 12) == 1)
		key[10] = key[11] = 0xff;
	else if (ew_pton(AF_INET6, ip, key) != 1)
		return -1;
	else if (memcmp(key, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
		memset(key + 8, 0, 8);		/* an IPv6 /64 */
	if (key[10] == 0xff && key[11] == 0xff && key[12] == 127)
		key[13] = key[14] = key[15] = 0;	/* 127/8 */
	return 0;
}

static struct srcent **
src_bucket(const uint8_t key[16])
{
	return &srctab[sip_hash(&srckey, key, 16) & (SRC_BUCKETS - 1)];
}

/* The entry of ip with one more pending connection, or NULL: at the
 * cap. */
struct srcent *
src_take(const char *ip)
{
	struct srcent *e, **b;
	uint8_t key[16];

	if (!srckeyed) {
		sip_key_random(&srckey);
		srckeyed = 1;
	}
	if (src_key(ip, key) < 0)
		return NULL;
	b = src_bucket(key);
	for (e = *b; e != NULL; e = e->next)
		if (memcmp(e->key, key, sizeof(key)) == 0)
			break;
	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return NULL;
		memcpy(e->key, key, sizeof(key));
		e->next = *b;
		*b = e;
	}
	if (e->pending >= SRC_MAX_PENDING)
		return NULL;
	e->pending++;
	return e;
}

/* One connection less for *ep, pending or open (upgraded, past its
 * request, or gone); *ep becomes NULL. */
void
src_put(struct srcent **ep, int open)
{
	struct srcent *e = *ep, **pp;

	if (e == NULL)
		return;
	*ep = NULL;
	if (open)
		e->open--;
	else
		e->pending--;
	if (e->pending > 0 || e->open > 0)
		return;
	for (pp = src_bucket(e->key); *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	free(e);
}

int
src_upgrade(struct srcent **ep, int *open, long long maxconn, int vouched)
{
	struct srcent *e = *ep;
	size_t cap = (size_t)maxconn - (size_t)maxconn / SRC_OPEN_SHARE;

	if (e == NULL || vouched) {
		src_put(ep, 0);
		return 0;
	}
	if (e->open >= cap)
		return -1;
	e->pending--;
	e->open++;
	*open = 1;
	return 0;
}

unsigned
src_open_count(const struct srcent *e)
{
	return e != NULL ? e->open : 0;
}
