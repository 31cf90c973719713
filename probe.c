/*
 * probe.c - loop detection and the ports' forwarding states.
 *
 * Switches send small probe frames: a locally administered multicast
 * destination, the IEEE local experimental EtherType, our random 64-bit
 * id, the port it left by, a round number and flags, keyed with a
 * secret only this switch knows (HMAC-SHA-1).  Any switch, ours or the
 * original etherws, floods another switch's probe like any other
 * multicast.  Our own probe coming back on a port other than the one
 * it left by means the two are joined by a loop.
 *
 * Probe traffic stays flat however big the network grows (the figures
 * are in docs/protocol.md section 5.8):
 * - hellos (flag LOCAL) go hop by hop, once a second out of every port
 *   whose peer is one of ours, and are consumed there: silence is
 *   noticed, and the link's round trip measured (the neighbour echoes
 *   our round and how long it held it), whatever N;
 * - flooded rounds share one budget, as RTCP's receivers do: with N
 *   switches heard lately (probetab.c), each sends its round every
 *   N x PROBE_SHARE_MS, about 2 a second across the network;
 * - other switches' probes flooded out of a port pass a token bucket,
 *   strict on an edge (a host's tap gets a few a second at most);
 * - each switch floods a given probe once: a copy arriving again on
 *   another forwarding port means a loop passes through us, and starts
 *   the decision below at once, so detection does not wait for our own
 *   (rarer) round.
 *
 * Every timer that waits for the far end follows the measured trips
 * (srtt + 4 rttvar of the links, the longest trip of our probes around
 * a loop lately), between a floor for a LAN and a cap for sanity: the
 * probing wait, how long a probe of ours counts, the verification of a
 * decision, the spread of its delay, silence, the hold of a block.
 *
 * A port does not carry the users' frames until it is known to close
 * no loop (RSTP's discarding and forwarding states, with probes in
 * place of BPDUs): a port that is new, comes back up, is released from
 * a block or hears again from a neighbour that had gone quiet is
 * PROBING.  It sends a few probes at once, passes probes but no data,
 * and forwards only if none of ours came back on it within a wait of
 * two trips; if one did, it is blocked (LOOP).
 *
 * Returning probes are evidence against the port they arrive on, and
 * only that one: a peer that reflects or replays our probes gets no
 * port blocked but one its frames come in by.  Only probes with our
 * MAC, from a round sent lately, count.
 *
 * Both ends of a new link that closes a loop probe at once and would
 * both block.  So a probing port that found a loop yields for a window
 * (at most PROBE_DEFER_MAX times) when a switch with a lower id says in
 * its probes that it is probing too: that one blocks, and then our
 * probes no longer come back.
 *
 * A loop between forwarding ports (made elsewhere, by a bridge of
 * taps, a LAN between two sites, a switch that does not probe) is cut
 * after a random delay and a fresh round: the newer port of a pair
 * blocks when a fresh probe comes back on it.  A block ends two of our
 * periods after our probes stopped crossing it, or sooner when a check
 * sent after a change (a TC heard, one of our own) does not cross it,
 * through PROBING again.
 *
 * Whenever a port that is not an edge (a neighbour switch is behind it)
 * starts or stops forwarding, entries that may now point the wrong way
 * go and our probes carry the topology-change flag for PROBE_TC_MS; a
 * neighbour of ours that sees it flushes too.  "Of ours" means proven:
 * its hello echoed one of our recent rounds.  X-Etherws-Id alone is a
 * claim any tunnel peer can make, so a port whose peer made it but has
 * not proved it changes nothing (no flush, no TC) until it does, and
 * its TCs are not obeyed.
 *
 * The per-port state is probe.c's own (probepriv.h), allocated with the
 * port (probe_port_new) and freed after it (probe_port_free).
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "container.h"
#include "defs.h"
#include "fdb.h"
#include "log.h"
#include "loop.h"
#include "port.h"
#include "probe.h"
#include "probepriv.h"
#include "probetab.h"
#include "sha1.h"
#include "sys.h"
#include "util.h"

#define PROBE_ETHERTYPE		0x88b5	/* IEEE 802 local experimental 1 */
#define PROBE_LEN		60
#define PROBE_MAGIC		"EWLP"
#define PROBE_VERSION		2
#define PROBE_AUTH_OFF		19	/* id, port, round, flags: */
#define PROBE_AUTH_LEN		21	/* what the MAC covers */
#define PROBE_MAC_OFF		40
#define PROBE_MAC_LEN		12	/* HMAC-SHA-1, truncated */
#define PROBE_F_TC		0x01	/* topology change: flush */
#define PROBE_F_PROBING		0x02	/* the sender has a port probing */
#define PROBE_F_LOCAL		0x04	/* a hello: for the neighbour alone */
#define PROBE_ECHO_OFF		52	/* a hello's echo: the neighbour's
					 * last round (48 bits), ms held (16) */

static uint64_t	 sw_id;
static struct fdb	*fdb;		/* the switch's */
static struct sha1_ctx	 mac_in, mac_out; /* HMAC key, padded, hashed */
static uint64_t		 round_no;	/* of the last probes sent */
static struct {
	uint64_t	 no, at;	/* round, ms sent */
	uint64_t	 until;		/* ms: counts until at least then */
} rounds[PROBE_ROUNDS_KEPT];
static int		 verifying;	/* a fresh round is out */
static uint64_t		 verify_round;	/* its number */
static uint64_t		 tc_until;	/* ms: our probes say TC until */
static uint64_t		 lower_seen;	/* ms: a lower id said probing */
static uint64_t		 loop_rtt;	/* ms: our probes' longest trip
					 * lately */
static uint64_t		 decide_trip;	/* ms: the trip that asked for the
					 * decision */
static uint64_t		 period = PROBE_INTERVAL_MS; /* ms: of our
					 * own flooded rounds (shared budget) */
static uint64_t		 check_last;	/* ms: blocks last checked */
static struct ev_timer	 round_timer, tick_timer, fast_timer, decide_timer,
			 verify_timer, hello_timer;
static const uint8_t	 probe_dst[6] = { 0x03, 'e', 't', 'h', 'w', 's' };
static void		(*settled_fn)(struct port *); /* probe_on_settled */

static void window_start(struct port *p, uint64_t now);
static void recheck(uint64_t now);
static int is_edge(const struct port *p);
static void changed(struct port *p, uint64_t now);

/* ------------------------------------------------------------------ */
/* The frame */

static void
put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* HMAC-SHA-1 (RFC 2104) of the authenticated fields, with the key's
 * two padded blocks hashed once at start-up. */
static void
probe_mac(const uint8_t *f, uint8_t out[PROBE_MAC_LEN])
{
	struct sha1_ctx c;
	uint8_t h[20];

	c = mac_in;
	sha1_update(&c, f + PROBE_AUTH_OFF, PROBE_AUTH_LEN);
	sha1_final(&c, h);
	c = mac_out;
	sha1_update(&c, h, sizeof(h));
	sha1_final(&c, h);
	memcpy(out, h, PROBE_MAC_LEN);
}

static void
probe_key(void)
{
	struct sha1_ctx c;
	uint8_t key[20], pad[64];
	size_t i;

	ew_random(key, sizeof(key));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (uint8_t)((i < sizeof(key) ? key[i] : 0) ^ 0x36);
	sha1_init(&mac_in);
	sha1_update(&mac_in, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	sha1_init(&mac_out);
	sha1_update(&mac_out, pad, sizeof(pad));
	/* the tables' hash key: from the secret, never sent */
	sha1_init(&c);
	sha1_update(&c, pad, sizeof(pad));
	sha1_update(&c, "probetab", 8);
	sha1_final(&c, key);
	ptab_init(key);
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(key, sizeof(key));
	explicit_bzero(pad, sizeof(pad));
}

/* dst, src (locally administered, from our id), type, magic, version,
 * id, port, round, flags, MAC; zero padding to the minimum frame. */
static void
probe_build(uint8_t f[PROBE_LEN], int port, uint64_t rnd, int flags)
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
	f[18] = PROBE_VERSION;
	put64(f + 19, sw_id);
	ew_put_be32(f + 27, (uint32_t)port);
	put64(f + 31, rnd);
	f[39] = (uint8_t)flags;
	probe_mac(f, f + PROBE_MAC_OFF);
}

int
probe_is(const uint8_t *f, size_t len)
{
	return len >= 40 && memcmp(f, probe_dst, 6) == 0 &&
	    f[12] == (PROBE_ETHERTYPE >> 8) && f[13] == (PROBE_ETHERTYPE & 0xff) &&
	    memcmp(f + 14, PROBE_MAGIC, 4) == 0;
}

int
probe_id_parse(const char *s, size_t n, uint64_t *id)
{
	uint64_t v = 0;
	size_t i;
	int d;

	if (n != 16)
		return -1;
	for (i = 0; i < n; i++) {
		d = ew_isdigit(s[i]) ? s[i] - '0' :
		    ew_lower((unsigned char)s[i]) >= 'a' &&
		    ew_lower((unsigned char)s[i]) <= 'f' ?
		    ew_lower((unsigned char)s[i]) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*id = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Trips: every timer that waits for the far end follows them */

static uint64_t
clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* One round-trip sample of p's link, smoothed as TCP does (RFC 6298:
 * gains 1/8 and 1/4). */
static void
rtt_sample(struct port *p, uint64_t ms)
{
	uint32_t m = (uint32_t)(ms > PROBE_RTT_MAX_MS ? PROBE_RTT_MAX_MS : ms);
	uint32_t d;

	if (p->probe->pr_srtt == 0 && p->probe->pr_rttvar == 0) {
		p->probe->pr_srtt = m;
		p->probe->pr_rttvar = m / 2;
		return;
	}
	d = m > p->probe->pr_srtt ? m - p->probe->pr_srtt : p->probe->pr_srtt - m;
	p->probe->pr_rttvar = p->probe->pr_rttvar - p->probe->pr_rttvar / 4 + d / 4;
	p->probe->pr_srtt = p->probe->pr_srtt - p->probe->pr_srtt / 8 + m / 8;
}

/* The longest a trip to p's peer and back plausibly takes now. */
static uint64_t
port_trip(const struct port *p)
{
	uint64_t t = (uint64_t)p->probe->pr_srtt + 4 * (uint64_t)p->probe->pr_rttvar;
	uint64_t k = port_rtt(p);

	return k > t ? k : t;
}

/* The longest trip a probe of ours plausibly makes now: over any link
 * of ours that is up (a new device port may close a loop whose far side
 * is a long tunnel) or around a loop it made lately. */
static uint64_t
path_ms(void)
{
	uint64_t r = loop_rtt, t;
	struct port *q;
	size_t i;

	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (q->up && !q->shut && (t = port_trip(q)) > r)
			r = t;
	return r > PROBE_RTT_MAX_MS ? PROBE_RTT_MAX_MS : r;
}

/* A probe of ours counts if back within this. */
static uint64_t
return_ms(void)
{
	return clamp(2 * path_ms() + PROBE_WAIT_MIN_MS, PROBE_RETURN_MS,
	    PROBE_RETURN_MAX_MS);
}

/* A decision's fresh round, asked for by a probe that took `trip`:
 * its probes must be back within this. */
static uint64_t
verify_ms(uint64_t trip)
{
	uint64_t r = path_ms();

	return clamp(2 * (trip > r ? trip : r) + PROBE_WAIT_MIN_MS,
	    PROBE_VERIFY_MS, PROBE_VERIFY_MAX_MS);
}

/* The decision's random delay is spread over this: wide against the
 * loop's trip, so that two switches on one loop rarely both cut it. */
static uint64_t
jitter_ms(uint64_t trip)
{
	uint64_t r = path_ms();

	return clamp(PROBE_JITTER_TRIPS * (trip > r ? trip : r),
	    PROBE_JITTER_MS, PROBE_JITTER_MAX_MS);
}

/* A neighbour of ours is silent after this: several of its probe
 * intervals and trips, never less than PROBE_SILENT_MS. */
static uint64_t
silent_ms(const struct port *p)
{
	return clamp(3 * PROBE_INTERVAL_MS + 4 * port_trip(p),
	    PROBE_SILENT_MS, PROBE_SILENT_MAX_MS);
}

/* A block outlives the last of our probes that crossed it by this:
 * two of our rounds (however rare the shared budget makes them) and
 * their trips, never less than LOOP_HOLD_MS.  A change heard meanwhile
 * checks it sooner (recheck). */
static uint64_t
hold_ms(void)
{
	return clamp(2 * period + 2 * path_ms(), LOOP_HOLD_MS,
	    2 * PROBE_PERIOD_MAX_MS + 2 * PROBE_RTT_MAX_MS);
}

/* ------------------------------------------------------------------ */
/* Rounds: every callback that sends probes numbers them anew; a probe
 * that comes back counts only if its round was sent lately. */

static uint64_t
round_new(uint64_t now)
{
	size_t i;

	round_no++;
	i = (size_t)(round_no % PROBE_ROUNDS_KEPT);
	rounds[i].no = round_no;
	rounds[i].at = rounds[i].until = now;
	return round_no;
}

/* 0 and the trip's ms if round r is one of ours, sent lately. */
static int
round_age(uint64_t r, uint64_t now, uint64_t *age)
{
	size_t i = (size_t)(r % PROBE_ROUNDS_KEPT);

	if (rounds[i].no != r || r == 0 ||
	    (now - rounds[i].at > return_ms() && now > rounds[i].until))
		return -1;
	*age = now - rounds[i].at;
	return 0;
}

/* Flags for the probes sent now. */
static int
round_flags(uint64_t now)
{
	struct port *q;
	size_t i;
	int fl = now < tc_until ? PROBE_F_TC : 0;

	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (q->fwd == PORT_PROBING && q->up && !q->shut)
			return fl | PROBE_F_PROBING;
	return fl;
}

/* One probe out of q, if it carries frames at all (not counted: control). */
static void
probe_out(struct port *q, uint64_t rnd, int flags)
{
	uint8_t f[PROBE_LEN];

	if (q->shut || !q->up)
		return;
	probe_build(f, q->no, rnd, flags);
	port_send(q, f, sizeof(f));
}

static void
probe_round(uint64_t now)
{
	uint64_t r = round_new(now);
	int fl = round_flags(now);
	struct port *q;
	size_t i;

	for (i = 0; (q = port_at(i)) != NULL; i++)
		probe_out(q, r, fl);
}

/* ------------------------------------------------------------------ */
/* Hellos: hop by hop, once a PROBE_INTERVAL_MS, out of every port whose
 * peer is one of ours, consumed by it and never flooded: its silence is
 * noticed whatever the size of the network, and the round trip of the
 * link measured, queues included (RTCP's LSR/DLSR: our round echoed with
 * the ms it was held). */

static void
hello_out(struct port *q, uint64_t rnd, uint64_t now)
{
	struct probe_port *s = q->probe;
	uint8_t f[PROBE_LEN];
	uint64_t held = now - s->echo_at;
	int i;

	if (q->shut || !q->up)
		return;
	probe_build(f, q->no, rnd, PROBE_F_LOCAL);
	if (s->echo_at != 0 && held <= 0xffff) {
		for (i = 0; i < 6; i++)
			f[PROBE_ECHO_OFF + i] = (uint8_t)(s->echo_rnd >>
			    (40 - 8 * i));
		ew_put_be16(f + PROBE_ECHO_OFF + 6, (uint16_t)held);
	}
	port_send(q, f, sizeof(f));
}

static void
hello_cb(struct ev_timer *t)
{
	uint64_t now = ew_now_ms(), r = 0;
	struct port *q;
	size_t i;

	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (q->peer_id == 0 || q->shut || !q->up)
			continue;
		if (r == 0)
			r = round_new(now);
		hello_out(q, r, now);
	}
	timer_arm(t, PROBE_INTERVAL_MS);
}

/* Our round whose low 48 bits are e, if we sent it lately: its age.
 * The neighbour held it up to a hello interval before echoing it, so
 * that much more than a return window counts. */
static int
echo_age(uint64_t e, uint64_t now, uint64_t *age)
{
	uint64_t r = (round_no & ~(uint64_t)0xffffffffffff) | e;
	size_t i;

	if (r > round_no)
		r -= (uint64_t)1 << 48;
	i = (size_t)(r % PROBE_ROUNDS_KEPT);
	if (rounds[i].no != r || r == 0 ||
	    now - rounds[i].at > PROBE_INTERVAL_MS + return_ms())
		return -1;
	*age = now - rounds[i].at;
	return 0;
}

/* The neighbour's hello came in on p: remembered for our echo, and its
 * echo of ours is a sample of the link's round trip, and proof that the
 * neighbour hears our hellos and runs our protocol (proven()). */
static void
hello_in(struct port *p, const uint8_t *f, size_t len, uint64_t now)
{
	struct probe_port *s = p->probe;
	uint64_t e = 0, age;
	int i;

	if (p->peer_id == 0 || ew_be64(f + 19) != p->peer_id ||
	    len < PROBE_LEN)
		return;		/* from further away (flooded by an older
				 * switch): nothing of this link */
	s->echo_rnd = ew_be64(f + 31) & 0xffffffffffff;
	s->echo_at = now;
	for (i = 0; i < 6; i++)
		e = e << 8 | f[PROBE_ECHO_OFF + i];
	if (e == 0 || echo_age(e, now, &age) < 0)
		return;
	s->proven = now;
	if (s->change_due && p->fwd == PORT_FORWARDING)
		changed(p, now);
	if (age >= ew_be16(f + PROBE_ECHO_OFF + 6))
		rtt_sample(p, age - ew_be16(f + PROBE_ECHO_OFF + 6));
}

/*
 * p's neighbour proved lately that it is one of our switches: its hello
 * echoed one of our recent rounds, which only a peer that hears our
 * hellos on this link and runs our protocol does.  X-Etherws-Id alone is
 * a claim any tunnel peer can make (a TC from it would flush the FDB
 * at will, and the unicast of every host it flushed would flood to it).
 */
static int
proven(const struct port *p, uint64_t now)
{
	uint64_t at = p->probe->proven;

	return p->peer_id != 0 && at != 0 && now - at <= silent_ms(p);
}

/* ------------------------------------------------------------------ */
/* Other switches' probes out of a port: a token bucket each, stricter
 * on an edge (a host gets a few a second whatever the network and its
 * switches do); one not sent only delays someone's detection.  Between
 * switches, a probe that says its sender has a port probing always
 * passes: that port's verdict (forward or not) rests on it. */

int
probe_admit(struct port *q, const uint8_t *f, size_t len, uint64_t now)
{
	struct probe_port *s = q->probe;
	int edge = is_edge(q);
	uint64_t rate = edge ? PROBE_EDGE_RATE : PROBE_LINK_RATE;
	uint64_t cap = 1000 * (edge ? PROBE_EDGE_BURST : PROBE_LINK_BURST);

	if (now > s->tok_last) {
		s->tokens += (now - s->tok_last) * rate;
		s->tok_last = now;
	}
	if (s->tokens > cap)
		s->tokens = cap;
	if (s->tokens >= 1000) {
		s->tokens -= 1000;
		return 1;
	}
	if (!edge && len > 39 && f[18] >= PROBE_VERSION &&
	    (f[39] & PROBE_F_PROBING))
		return 1;
	s->dropped++;
	return 0;
}

/* p stopped probing (forwarding, blocked, silent, down, shut, deleted):
 * whoever waits for that is told. */
static void
settled(struct port *p)
{
	if (settled_fn != NULL)
		settled_fn(p);
}

void
probe_on_settled(void (*fn)(struct port *))
{
	settled_fn = fn;
}

/* ------------------------------------------------------------------ */
/* Topology changes */

/* An edge port has no switch behind it: nothing learned elsewhere can
 * move to it, and nothing learned on it can move. */
static int
is_edge(const struct port *p)
{
	return p->peer_id == 0 && !p->probe->bridged;
}

/* Something changed (a TC heard, one of ours): each blocked port sends
 * one of ours at once, and is released if none crossed it within a
 * verification (tick_cb).  At most once per PROBE_CHECK_GAP_MS. */
static void
recheck(uint64_t now)
{
	uint64_t r = 0, v = verify_ms(0);
	struct port *q;
	size_t i;

	if (check_last != 0 && now - check_last < PROBE_CHECK_GAP_MS)
		return;
	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (q->fwd != PORT_LOOP || !q->up || q->shut)
			continue;
		if (r == 0) {
			r = round_new(now);
			rounds[r % PROBE_ROUNDS_KEPT].until = now + v;
			check_last = now;
		}
		q->probe->check_at = now;
		probe_out(q, r, round_flags(now));
	}
}

static int
spare(int no, void *arg)
{
	const struct port *except = arg, *q = port_find(no);

	return q == NULL || q == except || is_edge(q);
}

/* Entries on the other non-edge ports not refreshed lately may now be
 * reachable through a new path: forget them (RSTP flushes them all; a
 * MAC still being heard on its port stays). */
static void
flush_stale(struct port *except, uint64_t now)
{
	fdb_forget_stale(fdb, now, PROBE_TC_FRESH_MS, spare, except);
}

/* Tell the neighbours, for PROBE_TC_MS: a round at once if it is news;
 * our blocks may be gone with the change. */
static void
announce(uint64_t now)
{
	int news = now >= tc_until;

	tc_until = now + PROBE_TC_MS;
	if (news)
		timer_arm(&round_timer, 0);
	recheck(now);
}

/* showPort's "since" follows the state listPort shows. */
static void
fwd_set(struct port *p, enum port_fwd fwd, uint64_t now)
{
	if (p->fwd != fwd)
		p->since = now;
	p->fwd = fwd;
}

/* p stops carrying frames (blocked, silent, down, shut, deleted). */
static void
leave_forwarding(struct port *p, uint64_t now)
{
	if (p->fwd != PORT_FORWARDING)
		return;
	fwd_set(p, PORT_PROBING, now);
	fdb_del_port(fdb, p->no, NULL);
	/* A port whose neighbour never proved it is ours made no change
	 * when it came, and makes none when it goes. */
	if (!is_edge(p) && !p->probe->change_due)
		announce(now);
	p->probe->change_due = 0;
}

/* A non-edge port p started forwarding: entries elsewhere may now be
 * reachable through it, and the neighbours must know. */
static void
changed(struct port *p, uint64_t now)
{
	p->probe->change_due = 0;
	flush_stale(p, now);
	announce(now);
}

static void
enter_forwarding(struct port *p, uint64_t now)
{
	fwd_set(p, PORT_FORWARDING, now);
	p->probe->pr_defers = 0;
	log_debug("port %d (%s) forwarding", p->no, p->target);
	/* A peer that only says it is one of ours (X-Etherws-Id) flushes
	 * nothing by connecting: the change waits for its proof (proven),
	 * which a real neighbour gives within a hello interval. */
	if (p->peer_id != 0 && !proven(p, now))
		p->probe->change_due = 1;
	else if (!is_edge(p))
		changed(p, now);
	settled(p);
}

/* ------------------------------------------------------------------ */
/* Blocks */

static void
block(struct port *p, uint64_t now)
{
	leave_forwarding(p, now);
	fwd_set(p, PORT_LOOP, now);
	p->probe->loop_seen = now;
	p->probe->loop_blocks++;
	p->probe->pr_defers = 0;
	log_msg(EW_LOG_WARNING, "loop detected: port %d (%s) blocked",
	    p->no, p->target);
	settled(p);
}

/* A probing port closes a loop: blocked.  The other probing ports'
 * evidence may have come through it: they look again. */
static void
block_probing(struct port *p, uint64_t now)
{
	struct port *q;
	size_t i;

	block(p, now);
	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (q->fwd == PORT_PROBING && q->up && !q->shut)
			window_start(q, now);
}

static void
release(struct port *p, uint64_t now, const char *why)
{
	log_msg(EW_LOG_INFO, "loop gone: port %d (%s) unblocked%s", p->no,
	    p->target, why);
	window_start(p, now);
}

/* ------------------------------------------------------------------ */
/* Probing */

/* How long a probing port waits for its probes: two of the longest
 * trips they plausibly make (path_ms: srtt + 4 rttvar, already past the
 * usual trip), one for its own probe to come back elsewhere and one for
 * the probe sent the other way round in answer. */
static uint64_t
wait_ms(void)
{
	return clamp(PROBE_WAIT_MIN_MS + 2 * path_ms(), PROBE_WAIT_MIN_MS,
	    PROBE_WAIT_MAX_MS);
}

static void
window_start(struct port *p, uint64_t now)
{
	fwd_set(p, PORT_PROBING, now);
	if (port_rtt(p) > 0)
		rtt_sample(p, port_rtt(p));
	p->probe->pr_start = now;
	p->probe->pr_end = now + wait_ms();
	/* Soon, not now: a new tunnel's 101 may still be on its way. */
	p->probe->pr_next = now + PROBE_FIRST_MS;
	p->probe->pr_left = PROBE_BURST;
	p->probe->pr_hit = p->probe->pr_back = p->probe->pr_ext = 0;
	timer_arm(&fast_timer, PROBE_FIRST_MS);
}

/* The window is over: forward, block, yield to a lower id, or wait for
 * the verification still out. */
static void
window_close(struct port *p, uint64_t now)
{
	if (p->probe->pr_hit) {
		if (lower_seen >= p->probe->pr_start &&
		    p->probe->pr_defers < PROBE_DEFER_MAX) {
			p->probe->pr_defers++;
			window_start(p, now);
		} else
			block_probing(p, now);
		return;
	}
	if (p->probe->pr_back && !p->probe->pr_ext) {
		p->probe->pr_ext = 1;
		p->probe->pr_end = now + wait_ms();
		return;
	}
	enter_forwarding(p, now);
}

static int
probing(const struct port *q)
{
	return q->fwd == PORT_PROBING && q->up && !q->shut;
}

/* Probing ports' bursts and windows, and verifications asked for. */
static void
fast_cb(struct ev_timer *t)
{
	uint64_t now = ew_now_ms(), next = UINT64_MAX, r = 0;
	struct port *q;
	size_t i;
	int fl = 0;

	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (!(q->probe->pr_verify || (probing(q) && q->probe->pr_left > 0 &&
		    now >= q->probe->pr_next)))
			continue;
		if (r == 0) {
			r = round_new(now);
			fl = round_flags(now);
		}
		if (probing(q) && q->probe->pr_left > 0 && now >= q->probe->pr_next) {
			q->probe->pr_left--;
			q->probe->pr_next = now + (q->probe->pr_end - q->probe->pr_start) /
			    (PROBE_BURST + 1);
		}
		q->probe->pr_verify = 0;
		probe_out(q, r, fl);
	}
	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (probing(q) && now >= q->probe->pr_end)
			window_close(q, now);
	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (!probing(q))
			continue;
		if (q->probe->pr_left > 0 && q->probe->pr_next < next)
			next = q->probe->pr_next;
		if (q->probe->pr_end < next)
			next = q->probe->pr_end;
	}
	if (next != UINT64_MAX)
		timer_arm(t, next > now ? next - now : 0);
}

/* ------------------------------------------------------------------ */
/* Ports coming and going */

int
probe_port_new(struct port *p)
{
	p->probe = calloc(1, sizeof(*p->probe));
	return p->probe == NULL ? -1 : 0;
}

static void
port_reap(struct ev_grave *g)
{
	free(container_of(g, struct probe_port, grave));
}

void
probe_port_free(struct port *p)
{
	if (p->probe != NULL)
		loop_bury(&p->probe->grave, port_reap);
}

void
probe_port_info(const struct port *p, struct probe_info *i)
{
	const struct probe_port *s = p->probe;

	i->loop_blocks = s->loop_blocks;
	i->probes_rx = s->probes_rx;
	i->probes_dropped = s->dropped;
	i->rtt_ms = s->pr_srtt != 0 ? s->pr_srtt : port_rtt(p);
}

void
probe_port_up(struct port *p)
{
	uint64_t now = ew_now_ms();

	p->probe->heard = now;
	p->probe->bridged = 0;
	p->probe->pr_defers = 0;
	p->probe->echo_at = 0;
	p->probe->proven = 0;
	p->probe->change_due = 0;
	p->probe->tok_last = now;
	p->probe->tokens = 1000 * PROBE_EDGE_BURST;
	window_start(p, now);
}

void
probe_port_down(struct port *p)
{
	uint64_t now = ew_now_ms();
	struct port *q;
	size_t i;

	leave_forwarding(p, now);
	fwd_set(p, PORT_PROBING, now);
	/* A loop may have gone with it: blocked ports look again (a
	 * probing port forwards nothing, so this costs no storm). */
	for (i = 0; (q = port_at(i)) != NULL; i++)
		if (q != p && q->fwd == PORT_LOOP && q->up && !q->shut)
			release(q, now, " (a port went down)");
	settled(p);
}

void
probe_heard(struct port *p, uint64_t now)
{
	p->probe->heard = now;
	if (p->fwd == PORT_SILENT) {
		log_msg(EW_LOG_INFO, "neighbour back: port %d (%s)", p->no,
		    p->target);
		window_start(p, now);
	}
}

/* ------------------------------------------------------------------ */
/* Returning probes */

/* a came up before b (or at once, with a lower number). */
static int
older(const struct port *a, const struct port *b)
{
	return a->up_since < b->up_since ||
	    (a->up_since == b->up_since && a->no < b->no);
}

/* A loop between forwarding ports, seen by a probe that took `trip`:
 * a decision after a random delay, unless one is on its way. */
static void
decide_soon(uint64_t trip)
{
	uint32_t j;

	if (verifying || decide_timer.idx >= 0)
		return;
	ew_random(&j, sizeof(j));
	decide_trip = trip;
	timer_arm(&decide_timer, j % jitter_ms(trip));
}

/* Loops between forwarding ports: after a random delay, a fresh round. */
static void
decide_cb(struct ev_timer *t)
{
	uint64_t now = ew_now_ms(), v = verify_ms(decide_trip);

	(void)t;
	verifying = 1;
	probe_round(now);
	verify_round = round_no;
	/* its probes count for the whole verification */
	rounds[round_no % PROBE_ROUNDS_KEPT].until = now + v;
	timer_arm(&verify_timer, v);
}

static void
verify_cb(struct ev_timer *t)
{
	(void)t;
	verifying = 0;		/* the loop is gone: someone else broke it */
}

/* Our own probe, sent from port `from` in round r, came back on p. */
static void
probe_own(struct port *p, int from, uint64_t r, uint64_t age, uint64_t now)
{
	struct port *x = port_find(from);

	if (x == NULL || x == p)
		return;		/* a loop elsewhere: not ours to cut */
	loop_rtt = age > loop_rtt ? age : loop_rtt - loop_rtt / 8;
	if (x->fwd == PORT_LOOP || p->fwd == PORT_LOOP) {
		/* The known loop, still there: keep the block. */
		if (x->fwd == PORT_LOOP)
			x->probe->loop_seen = now;
		if (p->fwd == PORT_LOOP)
			p->probe->loop_seen = now;
		return;
	}
	if (x->fwd == PORT_SILENT || p->fwd == PORT_SILENT)
		return;
	/* Evidence against p, where it came in, only. */
	if (p->fwd == PORT_PROBING &&
	    (x->fwd == PORT_FORWARDING || older(x, p)))
		p->probe->pr_hit = 1;
	if (x->fwd == PORT_PROBING) {
		/* x's probe came back on p: one of p's, the other way
		 * round, will come back on x if it is a loop. */
		if (!x->probe->pr_back) {
			x->probe->pr_back = 1;
			p->probe->pr_verify = 1;
			timer_arm(&fast_timer, 0);
		}
		return;
	}
	if (p->fwd == PORT_PROBING)
		return;
	if (verifying && r >= verify_round) {
		/* Each returning fresh probe cuts the newer port of its
		 * pair, where it came in; with many parallel links the
		 * oldest stays (pairs with a blocked port are skipped). */
		if (older(x, p))
			block(p, now);
		return;
	}
	decide_soon(age);
}

int
probe_input(struct port *p, const uint8_t *f, size_t len, uint64_t now)
{
	uint8_t mac[PROBE_MAC_LEN];
	uint64_t age, r;

	p->probe->probes_rx++;
	if (ew_be64(f + 19) != sw_id)
		return 0;
	/* Ours, or a forgery or an old replay: consumed either way. */
	if (len < PROBE_MAC_OFF + PROBE_MAC_LEN || f[18] != PROBE_VERSION)
		return 1;
	probe_mac(f, mac);
	r = ew_be64(f + 31);
	if (!ew_ct_eq(mac, f + PROBE_MAC_OFF, PROBE_MAC_LEN) ||
	    round_age(r, now, &age) < 0)
		return 1;
	probe_own(p, (int)ew_be32(f + 27), r, age, now);
	return 1;
}

/* Another switch's probe: its id counted (the shared budget); a copy of
 * one flooded lately means a loop passes through us: not flooded again
 * (a probe never circulates), and if it came in on two forwarding ports
 * of ours, a decision.  1 if it was a copy. */
static int
copy_seen(struct port *p, const uint8_t *f, uint64_t now)
{
	struct port *x;
	int first;

	ptab_id_seen(ew_be64(f + 19), now);
	first = ptab_probe_seen(ew_be64(f + 19), ew_be32(f + 27),
	    ew_be64(f + 31), p->no, now, return_ms());
	if (first == 0)
		return 0;
	x = port_find(first);
	if (x != NULL && x != p && x->fwd == PORT_FORWARDING &&
	    p->fwd == PORT_FORWARDING)
		decide_soon(path_ms());
	return 1;
}

int
probe_foreign(struct port *p, const uint8_t *f, size_t len, uint64_t now)
{
	int fl = len > 39 ? f[39] : 0, v2 = f[18] >= PROBE_VERSION;

	if (v2 && (fl & PROBE_F_LOCAL)) {
		hello_in(p, f, len, now);
		return 0;	/* a hello: never flooded */
	}
	p->probe->bridged = 1;
	if (p->fwd == PORT_LOOP || p->fwd == PORT_SILENT) {
		if (p->fwd == PORT_LOOP && (fl & PROBE_F_TC))
			recheck(now);
		return 0;	/* the loop's other way round */
	}
	if (copy_seen(p, f, now))
		return 0;
	if (v2 && (fl & PROBE_F_PROBING) && ew_be64(f + 19) < sw_id)
		lower_seen = now;
	if (fl & PROBE_F_TC)
		recheck(now);
	/* A topology change: only a neighbour that proved it is ours may
	 * ask, on a port that carries frames, once per PROBE_TC_GAP_MS. */
	if ((fl & PROBE_F_TC) && proven(p, now) &&
	    p->fwd == PORT_FORWARDING && now - p->probe->tc_last >= PROBE_TC_GAP_MS) {
		p->probe->tc_last = now;
		flush_stale(p, now);
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Timers */

static void
round_cb(struct ev_timer *t)
{
	uint64_t now = ew_now_ms(), n;
	uint32_t j;

	/* the trips of the last few rounds count */
	loop_rtt = loop_rtt * 7 / 8;
	probe_round(now);
	/* One budget for all: N switches heard lately (and us) each send a
	 * round every N x PROBE_SHARE_MS, so that any link carries about
	 * 1000 / PROBE_SHARE_MS of them a second whatever N is. */
	n = 1 + ptab_ids(now, PROBE_ID_ROUNDS * period);
	period = clamp(n * PROBE_SHARE_MS, PROBE_INTERVAL_MS,
	    PROBE_PERIOD_MAX_MS);
	if (period <= PROBE_INTERVAL_MS) {
		timer_arm(t, period);
		return;
	}
	/* spread over 0.5 to 1.5 periods: switches do not fall in step */
	ew_random(&j, sizeof(j));
	timer_arm(t, period / 2 + j % period);
}

/* A block ends when our probes stopped crossing it: hold_ms after the
 * last one, or at once if the check sent after a change found nothing
 * within its verification. */
static void
hold_check(struct port *q, uint64_t now)
{
	struct probe_port *s = q->probe;

	if (now - s->loop_seen > hold_ms()) {
		release(q, now, "");
		return;
	}
	if (s->check_at == 0 || now - s->check_at <= verify_ms(0))
		return;
	if (s->loop_seen < s->check_at)
		release(q, now, " (not seen since a change)");
	else
		s->check_at = 0;
}

/* Blocks whose loop is gone; neighbours of ours that went quiet. */
static void
tick_cb(struct ev_timer *t)
{
	uint64_t now = ew_now_ms();
	struct port *q;
	size_t i;

	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (!q->up || q->shut)
			continue;
		/* a neighbour of ours measures the link by hellos */
		if (port_rtt(q) > 0 && q->peer_id == 0)
			rtt_sample(q, port_rtt(q));
		if (q->peer_id != 0 && q->fwd != PORT_SILENT &&
		    now - q->probe->heard > silent_ms(q)) {
			leave_forwarding(q, now);
			fwd_set(q, PORT_SILENT, now);
			log_msg(EW_LOG_WARNING, "neighbour silent: port %d (%s)",
			    q->no, q->target);
			settled(q);
		} else if (q->fwd == PORT_LOOP)
			hold_check(q, now);
	}
	timer_arm(t, PROBE_TICK_MS);
}

void
probe_init(struct fdb *f)
{
	fdb = f;
	ew_random(&sw_id, sizeof(sw_id));
	ew_random(&round_no, sizeof(round_no));
	round_no >>= 16;		/* never wraps */
	probe_key();
	timer_init(&round_timer, round_cb);
	timer_init(&tick_timer, tick_cb);
	timer_init(&fast_timer, fast_cb);
	timer_init(&decide_timer, decide_cb);
	timer_init(&verify_timer, verify_cb);
	timer_init(&hello_timer, hello_cb);
	timer_arm(&hello_timer, PROBE_INTERVAL_MS);
	timer_arm(&round_timer, PROBE_INTERVAL_MS);
	timer_arm(&tick_timer, PROBE_TICK_MS);
}

uint64_t
probe_id(void)
{
	return sw_id;
}
