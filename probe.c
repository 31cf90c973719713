/*
 * probe.c - loop detection.  Every PROBE_INTERVAL_MS the switch sends a
 * small probe frame out of every port, and out of a port that comes up:
 * a locally administered multicast destination, the IEEE local
 * experimental EtherType, our random 64-bit id and the port it left by.
 * Any switch, ours or the original etherws, floods it like any other
 * multicast.  Our own probe coming back on a different port than it left
 * by means those two ports are joined by a loop.
 *
 * Every switch on a loop sees its own probes return, and blocking one
 * port on each would cut the loop into pieces.  So a switch that sees a
 * loop waits a random time, then sends a fresh round of probes (a new
 * nonce) and blocks only if one of those comes back too: the first
 * switch to act breaks the loop and the others' fresh probes no longer
 * return.  A blocked port carries none of the others' frames (and none
 * of their probes) but still our own probes, so the block stays while
 * the loop does and ends LOOP_HOLD_MS after our probes stop returning.
 */
#include <string.h>

#include "bytes.h"
#include "defs.h"
#include "fdb.h"
#include "log.h"
#include "loop.h"
#include "port.h"
#include "probe.h"
#include "util.h"

#define PROBE_ETHERTYPE		0x88b5	/* IEEE 802 local experimental 1 */
#define PROBE_LEN		60
#define PROBE_MAGIC		"EWLP"
#define PROBE_VERIFY_MS		500	/* fresh probes must return by then */
#define PROBE_JITTER_MS		1500	/* spread of the decision delay */
#define PROBE_TC_ROUNDS		3	/* rounds that announce a new block */
#define PROBE_TC_FRESH_MS	1000	/* TC: forget entries older than this */

uint64_t		 sw_id;
static struct fdb	*fdb;		/* the switch's */
static uint64_t		 nonce;		/* of the current probe round */
static int		 verifying;	/* a fresh round is out */
static int		 tc_rounds;	/* topology change still to announce */
static struct ev_timer	 round_timer, decide_timer, verify_timer, soon_timer;
static const uint8_t	 probe_dst[6] = { 0x03, 'e', 't', 'h', 'w', 's' };

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* dst, src (locally administered, from our id), type, magic, id, port,
 * nonce; zero padding to the minimum frame size. */
static void
probe_build(uint8_t f[PROBE_LEN], int port)
{
	memset(f, 0, PROBE_LEN);
	memcpy(f, probe_dst, 6);
	f[6] = 0x02;
	f[7] = (uint8_t)(sw_id >> 32);
	f[8] = (uint8_t)(sw_id >> 24);
	f[9] = (uint8_t)(sw_id >> 16);
	f[10] = (uint8_t)(sw_id >> 8);
	f[11] = (uint8_t)sw_id;
	ew_put_be16(f + 12, PROBE_ETHERTYPE);
	memcpy(f + 14, PROBE_MAGIC, 4);
	f[18] = 1;			/* version */
	put64(f + 19, sw_id);
	ew_put_be32(f + 27, (uint32_t)port);
	put64(f + 31, nonce);
	f[39] = tc_rounds > 0;		/* topology change */
}

int
probe_is(const uint8_t *f, size_t len)
{
	return len >= 40 && memcmp(f, probe_dst, 6) == 0 &&
	    f[12] == (PROBE_ETHERTYPE >> 8) && f[13] == (PROBE_ETHERTYPE & 0xff) &&
	    memcmp(f + 14, PROBE_MAGIC, 4) == 0;
}

/* One probe out of q, if it carries frames at all (not counted: control). */
static void
probe_out(struct port *q)
{
	uint8_t f[PROBE_LEN];

	if (q->shut || !q->up)
		return;
	probe_build(f, q->no);
	port_send(q, f, sizeof(f));
}

static void
probe_round(void)
{
	struct port *q;
	size_t i;

	for (i = 0; (q = port_at(i)) != NULL; i++)
		probe_out(q);
	if (tc_rounds > 0)
		tc_rounds--;
}

static void
round_cb(struct ev_timer *t)
{
	probe_round();
	timer_arm(t, PROBE_INTERVAL_MS);
}

/* Ports that came up get a probe of their own: a loop the new port
 * closes brings it back on another port.  Only out of them -- a round
 * out of every port for each new one made 1,000 ports coming up one by
 * one cost half a million probes. */
static void
soon_cb(struct ev_timer *t)
{
	struct port *q;
	size_t i;

	(void)t;
	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (q->probe_soon) {
			q->probe_soon = 0;
			probe_out(q);
		}
}

void
probe_port_up(struct port *p)
{
	/* Soon, not now: the port's connection may still be opening. */
	p->probe_soon = 1;
	timer_arm(&soon_timer, 20);
}

static void
decide_cb(struct ev_timer *t)
{
	(void)t;
	ew_random(&nonce, sizeof(nonce));
	verifying = 1;
	probe_round();
	timer_arm(&verify_timer, PROBE_VERIFY_MS);
}

static void
verify_cb(struct ev_timer *t)
{
	(void)t;
	verifying = 0;		/* the loop is gone: someone else broke it */
}

static void
block(struct port *p, uint64_t now)
{
	p->loop_seen = now;
	if (p->loop_blocked)
		return;
	p->loop_blocked = 1;
	p->loop_blocks++;
	fdb_del_port(fdb, p->no, NULL);
	/* Other switches learned MACs through the loop; tell them. */
	tc_rounds = PROBE_TC_ROUNDS;
	timer_arm(&round_timer, 0);
	log_msg(EW_LOG_WARNING, "loop detected: port %d (%s) blocked",
	    p->no, p->target);
}

/* Our own probe, sent from port `from`, came back on p. */
static void
probe_own(struct port *p, int from, uint64_t n, uint64_t now)
{
	struct port *x = port_find(from);

	if (x == NULL || x == p)
		return;		/* a loop elsewhere: not ours to cut */
	if (x->loop_blocked || p->loop_blocked) {
		/* The known loop, still there: keep the block. */
		if (x->loop_blocked)
			x->loop_seen = now;
		if (p->loop_blocked)
			p->loop_seen = now;
		return;
	}
	if (verifying && n == nonce) {
		/* The newer of the two ports goes.  The window stays open
		 * until verify_cb: with many parallel links every returning
		 * probe cuts one more, and pairs with a blocked port are
		 * skipped above, so the oldest link of the bundle stays. */
		if (p->up_since > x->up_since ||
		    (p->up_since == x->up_since && p->no > x->no))
			block(p, now);
		else
			block(x, now);
		return;
	}
	if (!verifying && decide_timer.idx < 0) {
		uint32_t r;

		ew_random(&r, sizeof(r));
		timer_arm(&decide_timer, r % PROBE_JITTER_MS);
	}
}

/*
 * A probe arrived on p.  Returns 1 if it was ours (consumed), 0 if it is
 * another switch's (the caller floods it without learning).
 */
int
probe_input(struct port *p, const uint8_t *f, size_t len)
{
	uint64_t id = get64(f + 19), now = ew_now_ms();
	int from;

	(void)len;
	if (id != sw_id) {
		/* Another switch cut a loop: entries learned through it may
		 * point the wrong way.  Keep only what is being refreshed,
		 * as STP's topology change does with a short ageing. */
		if (f[39])
			fdb_forget_older(fdb, now, PROBE_TC_FRESH_MS);
		return 0;
	}
	from = (int)ew_be32(f + 27);
	probe_own(p, from, get64(f + 31), now);
	return 1;
}

/* Unblock ports whose loop has been gone for LOOP_HOLD_MS. */
int
probe_blocked(struct port *p, uint64_t now)
{
	if (p->loop_blocked && now - p->loop_seen > LOOP_HOLD_MS) {
		p->loop_blocked = 0;
		log_msg(EW_LOG_INFO, "loop gone: port %d (%s) unblocked",
		    p->no, p->target);
	}
	return p->loop_blocked;
}

void
probe_init(struct fdb *f)
{
	fdb = f;
	ew_random(&sw_id, sizeof(sw_id));
	ew_random(&nonce, sizeof(nonce));
	timer_init(&round_timer, round_cb);
	timer_init(&decide_timer, decide_cb);
	timer_init(&verify_timer, verify_cb);
	timer_init(&soon_timer, soon_cb);
	timer_arm(&round_timer, PROBE_INTERVAL_MS);
}
