/*
 * probetab.c - the switch ids heard lately and the probes flooded
 * lately (probetab.h).  Open addressing over a short run of slots: a
 * key not found in its run takes the run's empty or oldest slot, so a
 * table never grows and an attacker choosing keys can only make it
 * forget (a switch counted once less, a copy flooded once more).
 */
#include <string.h>

#include "defs.h"
#include "probetab.h"
#include "siphash.h"

static struct sipkey	 key;
static struct {
	uint64_t	 id, at;	/* at 0: empty */
} ids[PROBE_IDS_MAX];
static struct {
	uint64_t	 id, rnd, at;
	uint32_t	 port;
	int		 in_port;
} seen[PROBE_SEEN_MAX];

void
ptab_init(const uint8_t k[16])
{
	sip_key(&key, k);
	memset(ids, 0, sizeof(ids));
	memset(seen, 0, sizeof(seen));
}

void
ptab_id_seen(uint64_t id, uint64_t now)
{
	size_t h = (size_t)(sip_hash8(&key, id) % PROBE_IDS_MAX), i, k, old;

	old = h;
	for (k = 0; k < PROBE_TAB_RUN; k++) {
		i = (h + k) % PROBE_IDS_MAX;
		if (ids[i].at != 0 && ids[i].id == id) {
			ids[i].at = now;
			return;
		}
		if (ids[i].at < ids[old].at)
			old = i;
	}
	ids[old].id = id;
	ids[old].at = now;
}

size_t
ptab_ids(uint64_t now, uint64_t max_age)
{
	size_t i, n = 0;

	for (i = 0; i < PROBE_IDS_MAX; i++)
		if (ids[i].at != 0 && now - ids[i].at <= max_age)
			n++;
	return n;
}

int
ptab_probe_seen(uint64_t id, uint32_t port, uint64_t rnd, int in_port,
    uint64_t now, uint64_t window)
{
	uint8_t b[20];
	size_t h, i, k, old;

	memcpy(b, &id, 8);
	memcpy(b + 8, &rnd, 8);
	memcpy(b + 16, &port, 4);
	h = (size_t)(sip_hash(&key, b, sizeof(b)) % PROBE_SEEN_MAX);
	old = h;
	for (k = 0; k < PROBE_TAB_RUN; k++) {
		i = (h + k) % PROBE_SEEN_MAX;
		if (seen[i].at != 0 && seen[i].id == id && seen[i].rnd == rnd &&
		    seen[i].port == port && now - seen[i].at <= window)
			return seen[i].in_port;
		if (seen[i].at < seen[old].at)
			old = i;
	}
	seen[old].id = id;
	seen[old].rnd = rnd;
	seen[old].port = port;
	seen[old].in_port = in_port;
	seen[old].at = now;
	return 0;
}
