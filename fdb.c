/*
 * fdb.c - the forwarding database: (vid, mac) -> (port, last seen).
 *
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), sized to twice the hard cap so probes stay short; the
 * hash is keyed (SipHash, a random key per process) so that a peer
 * cannot choose MACs that pile up in one probe run.  The
 * table is allocated once; a MAC flood can fill it but never grow it.
 * Expired entries are invisible to lookups and go on the next sweep.
 */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "fdb.h"
#include "siphash.h"

/* One random key per process: a table of the same size hashes the same
 * way (tests rely on it), and no peer can know where its MACs land. */
static struct sipkey	 fdb_key;
static int		 fdb_keyed;

/*
 * SipHash-2-4 of (mac, vid), keyed: with an unkeyed hash (FNV-1a before)
 * a peer could send MACs computed offline to share one home slot, and
 * every learn and lookup would walk the whole run of them (~95 times the
 * CPU per frame at 8192 entries).
 */
static size_t
fdb_hash(const struct fdb *f, uint16_t vid, const uint8_t mac[6])
{
	uint64_t m = (uint64_t)vid << 48;
	int i;

	for (i = 0; i < 6; i++)
		m |= (uint64_t)mac[i] << (8 * i);
	return (size_t)sip_hash8(&fdb_key, m) & f->mask;
}

int
fdb_init(struct fdb *f, size_t max, uint64_t ageout_ms)
{
	size_t size = 16;

	if (!fdb_keyed) {
		sip_key_random(&fdb_key);
		fdb_keyed = 1;
	}
	while (size < 2 * max)
		size *= 2;
	memset(f, 0, sizeof(*f));
	f->tab = calloc(size, sizeof(*f->tab));
	if (f->tab == NULL)
		return -1;
	f->mask = size - 1;
	f->max = max;
	f->ageout = ageout_ms;
	return 0;
}

void
fdb_set_ports(struct fdb *f, size_t max,
    struct fdb_port *(*port_of)(int port))
{
	f->port_max = max;
	f->port_of = port_of;
}

void
fdb_free(struct fdb *f)
{
	free(f->tab);
	f->tab = NULL;
}

static int
fdb_expired(const struct fdb *f, const struct fdb_entry *e, uint64_t now)
{
	return now - e->seen > f->ageout;
}

/* Slot holding (vid, mac), or the empty slot where it would go. */
static size_t
fdb_slot(const struct fdb *f, uint16_t vid, const uint8_t mac[6])
{
	size_t i = fdb_hash(f, vid, mac);

	while (f->tab[i].port != 0) {
		if (f->tab[i].vid == vid && memcmp(f->tab[i].mac, mac, 6) == 0)
			break;
		i = (i + 1) & f->mask;
	}
	return i;
}

int
fdb_lookup(struct fdb *f, uint16_t vid, const uint8_t mac[6], uint64_t now)
{
	struct fdb_entry *e = &f->tab[fdb_slot(f, vid, mac)];

	if (e->port == 0 || fdb_expired(f, e, now))
		return 0;
	return e->port;
}

/* The port's share of the table, or NULL: no per-port limit, or no
 * longer a port. */
static struct fdb_port *
fdb_share(const struct fdb *f, int port)
{
	return f->port_of != NULL ? f->port_of(port) : NULL;
}

/* One entry fewer on port. */
static void
fdb_uncount(struct fdb *f, int port)
{
	struct fdb_port *q = fdb_share(f, port);

	if (q != NULL && q->n > 0)
		q->n--;
}

/* Remove slot i, shifting back later members of its probe run. */
static void
fdb_remove(struct fdb *f, size_t i)
{
	size_t j = i, home;

	fdb_uncount(f, f->tab[i].port);
	for (;;) {
		f->tab[i].port = 0;
		for (;;) {
			j = (j + 1) & f->mask;
			if (f->tab[j].port == 0) {
				f->n--;
				return;
			}
			home = fdb_hash(f, f->tab[j].vid, f->tab[j].mac);
			/* Can j's entry live at i?  Only if its home is not
			 * cyclically within (i, j]. */
			if (i <= j ? (home <= i || home > j) :
			    (home <= i && home > j))
				break;
		}
		f->tab[i] = f->tab[j];
		i = j;
	}
}

/* What keeps one more entry of q's port out: 1 the table is full (grow:
 * a new entry, not a move), 2 the port's share is, else 0. */
static int
fdb_full(const struct fdb *f, const struct fdb_port *q, int grow)
{
	if (grow && f->n >= f->max)
		return 1;
	if (q != NULL && q->n >= f->port_max)
		return 2;
	return 0;
}

/*
 * Room for one more entry of q's port, counting a refusal.  Sweep only
 * if an entry may have expired: a flood of new MACs into a full table
 * must not cost a full scan each.  A sweep moves entries (slots are
 * stale after it).  The port's share is what keeps one tunnel from
 * filling the table with made-up MACs: a host elsewhere is still learned
 * and its unicast not flooded for up to --ageout.
 */
static int
fdb_room(struct fdb *f, struct fdb_port *q, int grow, uint64_t now)
{
	int full = fdb_full(f, q, grow);

	if (full && now - f->min_seen > f->ageout) {
		fdb_sweep(f, now, NULL);
		full = fdb_full(f, q, grow);
	}
	if (full == 1)
		f->full_drops++;
	else if (full == 2) {
		f->port_drops++;
		q->refused++;
	}
	return !full;
}

int
fdb_learn(struct fdb *f, uint16_t vid, const uint8_t mac[6], int port,
    uint64_t now)
{
	struct fdb_entry *e = &f->tab[fdb_slot(f, vid, mac)];
	struct fdb_port *q;
	int changed;

	if (e->port == port) {
		changed = fdb_expired(f, e, now);
		e->seen = now;
		return changed;
	}
	/* MAC-move damping: a MAC still fresh on its port does not jump to
	 * another one (a loop echoing it, a flapping peer); when its port
	 * goes down its entries go, so a real move waits at most
	 * MAC_MOVE_HOLD_MS. */
	if (e->port != 0 && !fdb_expired(f, e, now) &&
	    now - e->seen < MAC_MOVE_HOLD_MS) {
		f->move_damped++;
		return 0;
	}
	q = fdb_share(f, port);
	if (!fdb_room(f, q, e->port == 0, now))
		return -1;
	e = &f->tab[fdb_slot(f, vid, mac)];
	if (e->port != 0) {
		fdb_uncount(f, e->port);	/* a move */
	} else {
		memcpy(e->mac, mac, 6);
		e->vid = vid;
		f->n++;
	}
	if (q != NULL)
		q->n++;
	e->port = port;
	e->seen = now;
	return 1;
}

/* What fdb_filter removes: every entry of port (port != 0), else every
 * entry not refreshed within ms (ms: the ageing time for a sweep) whose
 * port spare() does not keep. */
struct fdb_sel {
	int		 port;
	uint64_t	 ms;
	int		(*spare)(int port, void *arg);
	void		*arg;
};

static int
fdb_hit(const struct fdb_sel *s, const struct fdb_entry *e, uint64_t now)
{
	if (s->port)
		return e->port == s->port;
	if (now - e->seen <= s->ms)
		return 0;
	return s->spare == NULL || !s->spare(e->port, s->arg);
}

/* Remove every entry matching; restart a slot after a backward shift. */
static void
fdb_filter(struct fdb *f, uint64_t now, const struct fdb_sel *s,
    void (*cb)(const struct fdb_entry *, const char *why))
{
	size_t i;

	for (i = 0; i <= f->mask; i++) {
		for (;;) {
			if (f->tab[i].port == 0 || !fdb_hit(s, &f->tab[i], now))
				break;
			if (cb != NULL)
				cb(&f->tab[i], s->port ? "deleted" : "aged out");
			fdb_remove(f, i);
		}
	}
}

void
fdb_sweep(struct fdb *f, uint64_t now,
    void (*cb)(const struct fdb_entry *, const char *why))
{
	struct fdb_sel s = { 0, f->ageout, NULL, NULL };
	size_t i;

	fdb_filter(f, now, &s, cb);
	f->min_seen = now;
	for (i = 0; i <= f->mask; i++)
		if (f->tab[i].port != 0 && f->tab[i].seen < f->min_seen)
			f->min_seen = f->tab[i].seen;
}

void
fdb_forget_older(struct fdb *f, uint64_t now, uint64_t ms)
{
	fdb_forget_stale(f, now, ms, NULL, NULL);
}

void
fdb_forget_stale(struct fdb *f, uint64_t now, uint64_t ms,
    int (*spare)(int port, void *arg), void *arg)
{
	struct fdb_sel s = { 0, ms, spare, arg };

	fdb_filter(f, now, &s, NULL);
}

void
fdb_del_port(struct fdb *f, int port,
    void (*cb)(const struct fdb_entry *, const char *why))
{
	struct fdb_sel s = { port, 0, NULL, NULL };

	if (port != 0)
		fdb_filter(f, 0, &s, cb);
}

static int
fdb_less(const struct fdb_entry *x, const struct fdb_entry *y)
{
	if (x->vid != y->vid)
		return x->vid < y->vid;
	return memcmp(x->mac, y->mac, 6) < 0;
}

/* Heapsort by (vid, mac): in place, n log n at any n, and a few lines
 * where libc's qsort is kilobytes of the static binary. */
static void
fdb_sift(struct fdb_entry *v, size_t i, size_t n)
{
	struct fdb_entry t;
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && fdb_less(&v[c], &v[c + 1]))
			c++;
		if (!fdb_less(&v[i], &v[c]))
			break;
		t = v[i];
		v[i] = v[c];
		v[c] = t;
		i = c;
	}
}

static void
fdb_sort(struct fdb_entry *v, size_t n)
{
	struct fdb_entry t;
	size_t i;

	for (i = n / 2; i-- > 0; )
		fdb_sift(v, i, n);
	while (n-- > 1) {
		t = v[0];
		v[0] = v[n];
		v[n] = t;
		fdb_sift(v, 0, n);
	}
}

size_t
fdb_list(struct fdb *f, uint64_t now, struct fdb_entry **out)
{
	struct fdb_entry *v;
	size_t i, n = 0;

	*out = NULL;
	v = malloc((f->n ? f->n : 1) * sizeof(*v));
	if (v == NULL)
		return 0;
	for (i = 0; i <= f->mask; i++)
		if (f->tab[i].port != 0 && !fdb_expired(f, &f->tab[i], now))
			v[n++] = f->tab[i];
	fdb_sort(v, n);
	*out = v;
	return n;
}

void
fdb_stats(const struct fdb *f, struct fdb_stats *st)
{
	st->entries = f->n;
	st->max = f->max;
	st->full_drops = f->full_drops;
	st->move_damped = f->move_damped;
	st->port_drops = f->port_drops;
}
