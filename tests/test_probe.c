/*
 * test_probe - probe.c's loop detection, linked with fdb.c and with
 * stubs here for what sw.c, loop.c, util.c and log.c would give it: a
 * port table, port_send capturing the frames, a clock the test moves
 * (ew_now_ms), timers that fire when the test advances that clock,
 * scripted random numbers (switch id, nonces, the decision delay) and
 * a log_msg that keeps the last line.
 *
 * Checked: the probe's bytes against the layout written out here;
 * probe_is on ours, on others' and on near misses (length, destination,
 * EtherType, magic); rounds out of the usable ports only; a returning
 * probe arming the randomised decision but not blocking; the fresh
 * round then blocking the newer port of the two (by up_since, then by
 * number) whichever way the probe went, deleting its FDB entries and
 * announcing a topology change for three rounds; a bundle of links
 * keeping its oldest; no block after the verification window; the
 * block kept while our probes return and released LOOP_HOLD_MS after
 * they stop; another switch's probe not consumed, and its topology
 * change flushing entries not refreshed for a second; probe_port_up
 * probing only the ports that came up, shortly after.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "defs.h"
#include "fdb.h"
#include "log.h"
#include "loop.h"
#include "port.h"
#include "probe.h"
#include "util.h"
#include "t.h"

/* ------------------------------------------------------------------ */
/* Stubs. */

static struct fdb fdb;	/* the switch's, handed to probe_init */

/* The clock. */
static uint64_t clk = 5000000;

uint64_t
ew_now_ms(void)
{
	return clk;
}

/* Random numbers: scripted values first, then a fixed sequence. */
static uint64_t rq[16], rstate = 0x853c49e6748fea9bULL;
static int rq_n, rq_pos, nrandom;

static void
rq_push(uint64_t v)
{
	if (rq_n < 16)
		rq[rq_n++] = v;
}

void
ew_random(void *buf, size_t len)
{
	uint64_t v;
	uint32_t w;

	nrandom++;
	if (rq_pos < rq_n)
		v = rq[rq_pos++];
	else {
		rstate ^= rstate << 13;
		rstate ^= rstate >> 7;
		rstate ^= rstate << 17;
		v = rstate;
	}
	if (len == sizeof(v))
		memcpy(buf, &v, sizeof(v));
	else if (len == sizeof(w)) {
		w = (uint32_t)v;
		memcpy(buf, &w, sizeof(w));
	} else
		memset(buf, (int)(v & 0xff), len);
}

/* Timers: armed ones fire in deadline order as advance() moves the
 * clock; every arming is logged (which timer, what delay). */
#define MAXT	8
static struct ev_timer *tims[MAXT];
static int ntims;
static struct { struct ev_timer *t; uint64_t delay; } arms[1024];
static int narms;

static void
track(struct ev_timer *t)
{
	int i;

	for (i = 0; i < ntims; i++)
		if (tims[i] == t)
			return;
	if (ntims < MAXT)
		tims[ntims++] = t;
}

void
timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *))
{
	t->when = 0;
	t->idx = -1;
	t->cb = cb;
	track(t);
}

void
timer_arm(struct ev_timer *t, uint64_t delay_ms)
{
	t->when = clk + delay_ms;
	t->idx = 0;
	track(t);
	if (narms < 1024) {
		arms[narms].t = t;
		arms[narms].delay = delay_ms;
	}
	narms++;
}

static void
advance(uint64_t ms)
{
	uint64_t end = clk + ms;
	struct ev_timer *t;
	int i;

	for (;;) {
		t = NULL;
		for (i = 0; i < ntims; i++)
			if (tims[i]->idx >= 0 && tims[i]->when <= end &&
			    (t == NULL || tims[i]->when < t->when))
				t = tims[i];
		if (t == NULL)
			break;
		if (t->when > clk)
			clk = t->when;
		t->idx = -1;
		t->cb(t);
	}
	clk = end;
}

/* The log. */
static char lastlog[512];
static int lastlevel, nlogs;

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	va_end(ap);
	lastlevel = level;
	nlogs++;
}

/* The port table. */
#define MAXP	8
static struct port ports[MAXP];
static size_t nports;

static struct port *
port_add(int no, uint64_t up_since)
{
	struct port *p = &ports[nports++];

	memset(p, 0, sizeof(*p));
	p->no = no;
	p->up = 1;
	p->up_since = up_since;
	snprintf(p->target, sizeof(p->target), "peer-%d", no);
	return p;
}

struct port *
port_at(size_t i)
{
	return i < nports ? &ports[i] : NULL;
}

struct port *
port_find(int no)
{
	size_t i;

	for (i = 0; i < nports; i++)
		if (ports[i].no == no)
			return &ports[i];
	return NULL;
}

/* Frames sent. */
#define MAXS	256
static struct { int port; size_t len; uint8_t f[64]; } sent[MAXS];
static size_t nsent;

int
port_send(struct port *q, const uint8_t *frame, size_t len)
{
	if (nsent < MAXS) {
		sent[nsent].port = q->no;
		sent[nsent].len = len;
		memcpy(sent[nsent].f, frame, len < 64 ? len : 64);
	}
	nsent++;
	return 0;
}

/* The last frame sent out of port no, or NULL. */
static const uint8_t *
sent_on(int no)
{
	size_t i;

	for (i = nsent < MAXS ? nsent : MAXS; i-- > 0; )
		if (sent[i].port == no)
			return sent[i].f;
	return NULL;
}

static int
nsent_on(int no)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nsent && i < MAXS; i++)
		n += sent[i].port == no;
	return n;
}

/* ------------------------------------------------------------------ */

#define ID	0x1122334455667788ULL
#define NONCE0	0x0102030405060708ULL

static struct ev_timer *round_t;	/* found by its first arming */

/* The probe as the layout says: 03:65:74:68:77:73 (locally
 * administered multicast "\3ethws"), source 02 and the low 40 bits of
 * the id, EtherType 0x88b5, "EWLP", version 1, id (8 bytes, big
 * endian), port (4), nonce (8), topology change (1), zeros up to 60. */
static void
probe_frame(uint8_t f[60], uint64_t id, uint32_t port, uint64_t nonce,
    int tc)
{
	static const uint8_t head[] = { 0x03, 0x65, 0x74, 0x68, 0x77, 0x73,
	    0x02, 0, 0, 0, 0, 0, 0x88, 0xb5, 'E', 'W', 'L', 'P', 1 };
	int i;

	memset(f, 0, 60);
	memcpy(f, head, sizeof(head));
	for (i = 0; i < 5; i++)
		f[7 + i] = (uint8_t)(id >> (32 - 8 * i));
	for (i = 0; i < 8; i++)
		f[19 + i] = (uint8_t)(id >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		f[27 + i] = (uint8_t)(port >> (24 - 8 * i));
	for (i = 0; i < 8; i++)
		f[31 + i] = (uint8_t)(nonce >> (56 - 8 * i));
	f[39] = (uint8_t)tc;
}

/* Arming of t since arming number from, or -1: its delay. */
static long long
armed_since(int from, const struct ev_timer *t)
{
	int i;
	long long d = -1;

	for (i = from; i < narms && i < 1024; i++)
		if (arms[i].t == t)
			d = (long long)arms[i].delay;
	return d;
}

/* Let every pending decision, verification and topology change
 * announcement run out; forget what was sent. */
static void
settle(void)
{
	advance(LOOP_HOLD_MS + PROBE_INTERVAL_MS);
	nsent = 0;
}

/* Just after a round: the next one PROBE_INTERVAL_MS away. */
static void
after_round(void)
{
	advance(round_t->when - clk);
	nsent = 0;
}

/* Armings since number from of timers other than the rounds'. */
static int
armed_other(int from)
{
	int i, n = 0;

	for (i = from; i < narms && i < 1024; i++)
		n += arms[i].t != round_t;
	return n;
}

static void
test_init(void)
{
	rq_push(ID);
	rq_push(NONCE0);
	probe_init(&fdb);
	CHECK(sw_id == ID);
	CHECK(rq_pos == 2);
	/* One timer armed: the rounds. */
	CHECK(narms == 1);
	CHECK(narms == 1 && arms[0].delay == PROBE_INTERVAL_MS);
	round_t = arms[0].t;
	CHECK(round_t->idx >= 0);
	CHECK(nsent == 0);
}

static void
test_layout(void)
{
	uint8_t want[60];
	struct port *p;
	int mark;

	nports = 0;
	port_add(1, 100);
	port_add(2, 100);
	p = port_add(3, 100);
	p->up = 0;			/* down: no probe */
	p = port_add(4, 100);
	p->shut = 1;			/* shut: no probe */
	port_add(0x01020304, 100);
	nsent = 0;
	mark = narms;
	advance(PROBE_INTERVAL_MS - 1);
	CHECK(nsent == 0);
	advance(1);
	CHECK(nsent == 3);
	CHECK(sent[0].port == 1 && sent[1].port == 2 &&
	    sent[2].port == 0x01020304);
	CHECK(sent[0].len == 60 && sent[1].len == 60 && sent[2].len == 60);
	probe_frame(want, ID, 1, NONCE0, 0);
	CHECK(memcmp(sent[0].f, want, 60) == 0);
	probe_frame(want, ID, 2, NONCE0, 0);
	CHECK(memcmp(sent[1].f, want, 60) == 0);
	probe_frame(want, ID, 0x01020304, NONCE0, 0);
	CHECK(memcmp(sent[2].f, want, 60) == 0);
	/* Spelled out once: source 02:44:55:66:77:88, port 01020304. */
	CHECK(memcmp(sent[2].f + 6, "\x02\x44\x55\x66\x77\x88", 6) == 0);
	CHECK(memcmp(sent[2].f + 27, "\x01\x02\x03\x04", 4) == 0);
	/* And the next round PROBE_INTERVAL_MS later. */
	CHECK(armed_since(mark, round_t) == PROBE_INTERVAL_MS);
	advance(PROBE_INTERVAL_MS);
	CHECK(nsent == 6);
	CHECK(nlogs == 0);
}

static void
test_is(void)
{
	uint8_t f[60], g[60];
	int i;

	probe_frame(f, ID, 7, 99, 0);
	CHECK(probe_is(f, 60) == 1);
	CHECK(probe_is(t_guard(f, 60), 60) == 1);
	CHECK(probe_is(t_guard(f, 40), 40) == 1);	/* up to the TC byte */
	CHECK(probe_is(t_guard(f, 39), 39) == 0);
	CHECK(probe_is(t_guard(f, 14), 14) == 0);
	CHECK(probe_is(t_guard(f, 0), 0) == 0);
	/* Another switch's: a probe too. */
	probe_frame(g, 0xdeadbeefcafef00dULL, 1, 2, 1);
	CHECK(probe_is(g, 60) == 1);
	/* Near misses. */
	for (i = 0; i < 6; i++) {
		memcpy(g, f, 60);
		g[i] ^= 0x01;
		CHECK(probe_is(g, 60) == 0);
	}
	memcpy(g, f, 60);
	memset(g, 0xff, 6);			/* broadcast */
	CHECK(probe_is(g, 60) == 0);
	memcpy(g, f, 60);
	g[13] = 0xb6;				/* 0x88b6 */
	CHECK(probe_is(g, 60) == 0);
	memcpy(g, f, 60);
	g[12] = 0x08;				/* 0x08b5 */
	CHECK(probe_is(g, 60) == 0);
	memcpy(g, f, 60);
	g[12] = 0x81;				/* 802.1Q tagged */
	g[13] = 0x00;
	CHECK(probe_is(g, 60) == 0);
	memcpy(g, f, 60);
	g[17] = 'Q';				/* "EWLQ" */
	CHECK(probe_is(g, 60) == 0);
	memcpy(g, f, 60);
	g[14] = 'e';
	CHECK(probe_is(g, 60) == 0);
}

/* The decision step: our probe fB (out of b) comes back on a.  Arms the
 * decision with the scripted delay; the decision sends a fresh round
 * (nonce) and arms the verification.  Returns 0 if all went so. */
static int
decide(struct port *a, struct port *b, uint64_t nonce)
{
	uint8_t f[60], w[60];
	int mark, ok = 1;
	long long d;
	size_t i;

	after_round();
	mark = narms;
	probe_frame(f, ID, (uint32_t)b->no, NONCE0 ^ 0x5a5a, 0);
	rq_push(0x12345);		/* 74565 % PROBE_JITTER_MS: 1065 */
	ok &= probe_input(a, f, 60) == 1;
	ok &= narms == mark + 1;	/* the decision, only */
	d = narms > mark ? (long long)arms[mark].delay : -1;
	ok &= d == 0x12345 % 1500;
	ok &= narms > mark && arms[mark].t != round_t;
	ok &= !a->loop_blocked && !b->loop_blocked;
	/* More of them, either way, before the decision: nothing more. */
	ok &= probe_input(a, f, 60) == 1;
	probe_frame(w, ID, (uint32_t)a->no, NONCE0 ^ 0x5a5a, 0);
	ok &= probe_input(b, w, 60) == 1;
	ok &= narms == mark + 1;
	ok &= !a->loop_blocked && !b->loop_blocked;
	rq_push(nonce);
	nsent = 0;
	advance((uint64_t)(d < 0 ? 0 : d));
	ok &= rq_pos == rq_n;		/* jitter and nonce used */
	/* The fresh round: every port (all usable here), the new nonce. */
	ok &= nsent == nports;
	for (i = 0; i < nsent && i < MAXS; i++) {
		probe_frame(w, ID, (uint32_t)sent[i].port, nonce, 0);
		ok &= memcmp(sent[i].f, w, 60) == 0;
	}
	/* Then the verification window. */
	ok &= narms == mark + 2;
	ok &= narms == mark + 2 && arms[mark + 1].delay == 500 &&
	    arms[mark + 1].t != round_t && arms[mark + 1].t != arms[mark].t;
	if (!ok)
		fprintf(stderr, "decide: port %d from %d: not as expected\n",
		    a->no, b->no);
	return ok ? 0 : -1;
}

static void
test_block(void)
{
	struct port *a, *b;
	uint8_t f[60], m1[6] = { 2, 0, 0, 0, 0, 1 }, m2[6] = { 2, 0, 0, 0,
	    0, 2 };
	const uint64_t n1 = 0xa1a2a3a4a5a6a7a8ULL;
	uint64_t t1;
	int mark, i;

	nports = 0;
	a = port_add(1, 100);		/* the older */
	b = port_add(2, 500);
	settle();
	/* Our probe back on the port it left by, or from a port we do not
	 * have: no loop of ours. */
	mark = narms;
	probe_frame(f, ID, 1, NONCE0, 0);
	CHECK(probe_input(a, f, 60) == 1);
	probe_frame(f, ID, 77, NONCE0, 0);
	CHECK(probe_input(a, f, 60) == 1);
	CHECK(narms == mark);

	CHECK(decide(a, b, n1) == 0);
	/* Verifying: the old nonce does not block. */
	mark = narms;
	probe_frame(f, ID, 2, NONCE0, 0);
	CHECK(probe_input(a, f, 60) == 1);
	CHECK(!a->loop_blocked && !b->loop_blocked);
	CHECK(narms == mark);

	/* Entries learned on both. */
	fdb_learn(&fdb, 0, m1, 1, clk);
	fdb_learn(&fdb, 0, m2, 2, clk);
	/* The fresh one, left by b, back on a: b is the newer. */
	nlogs = 0;
	probe_frame(f, ID, 2, n1, 0);
	CHECK(probe_input(a, f, 60) == 1);
	CHECK(b->loop_blocked == 1 && b->loop_blocks == 1);
	CHECK(b->loop_seen == clk);
	CHECK(a->loop_blocked == 0 && a->loop_blocks == 0);
	CHECK(probe_blocked(b, clk) == 1);
	CHECK(probe_blocked(a, clk) == 0);
	CHECK(fdb_lookup(&fdb, 0, m2, clk) == 0);	/* b's: gone */
	CHECK(fdb_lookup(&fdb, 0, m1, clk) == 1);
	CHECK(nlogs == 1 && lastlevel == EW_LOG_WARNING);
	CHECK(strstr(lastlog, "loop detected") != NULL &&
	    strstr(lastlog, "port 2 (peer-2)") != NULL);
	/* A round at once, announcing the change. */
	CHECK(armed_since(mark, round_t) == 0);
	nsent = 0;
	advance(0);
	CHECK(nsent == 2);
	/* b still sends our probes (they keep the block); all say TC. */
	CHECK(nsent_on(1) == 1 && nsent_on(2) == 1);
	CHECK(sent_on(2) != NULL && sent_on(2)[39] == 1);
	CHECK(sent_on(1) != NULL && sent_on(1)[39] == 1);
	CHECK(sent_on(1) != NULL && memcmp(sent_on(1) + 31,
	    "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8", 8) == 0);
	/* Three rounds in all say TC, then no more. */
	for (i = 0; i < 3; i++) {
		nsent = 0;
		advance(PROBE_INTERVAL_MS);
		CHECK(nsent == 2);
		CHECK(sent_on(1) != NULL && sent_on(1)[39] == (i < 2));
	}
	CHECK(probe_blocked(b, clk) == 1);	/* 6 s: within the hold */

	/* Our probes still come round: the block stays, whichever way
	 * they go; no new decision. */
	mark = narms;
	probe_frame(f, ID, 1, n1, 0);
	CHECK(probe_input(b, f, 60) == 1);	/* a -> b */
	CHECK(b->loop_seen == clk);
	t1 = clk;
	advance(3000);
	probe_frame(f, ID, 2, n1, 0);
	CHECK(probe_input(a, f, 60) == 1);	/* b -> a */
	CHECK(b->loop_seen == clk);
	CHECK(a->loop_seen == 0 && !a->loop_blocked);
	CHECK(armed_other(mark) == 0);
	t1 = clk;
	CHECK(probe_blocked(b, t1 + LOOP_HOLD_MS) == 1);
	CHECK(b->loop_blocked == 1);
	nlogs = 0;
	CHECK(probe_blocked(b, t1 + LOOP_HOLD_MS + 1) == 0);
	CHECK(b->loop_blocked == 0 && b->loop_blocks == 1);
	CHECK(nlogs == 1 && lastlevel == EW_LOG_INFO &&
	    strstr(lastlog, "loop gone: port 2 (peer-2) unblocked") != NULL);
	CHECK(probe_blocked(b, t1 + LOOP_HOLD_MS + 2) == 0);
	CHECK(nlogs == 1);
	CHECK(probe_blocked(a, t1 + LOOP_HOLD_MS + 2) == 0);
	CHECK(nlogs == 1);
	settle();
}

/* The other direction, and equal up_since: the higher number goes. */
static void
test_rule(void)
{
	struct port *a, *b, *c, *d;
	uint8_t f[60];
	const uint64_t n2 = 0xb1b2b3b4b5b6b7b8ULL, n3 = 0xc1ULL;

	/* Left by the older, back on the newer: the newer (p) goes. */
	nports = 0;
	a = port_add(1, 100);
	b = port_add(2, 500);
	settle();
	CHECK(decide(b, a, n2) == 0);
	probe_frame(f, ID, 1, n2, 0);
	CHECK(probe_input(b, f, 60) == 1);
	CHECK(b->loop_blocked == 1 && a->loop_blocked == 0);
	settle();
	CHECK(probe_blocked(b, clk) == 0);

	/* Same up_since: the higher number, both ways. */
	nports = 0;
	c = port_add(5, 700);
	d = port_add(6, 700);
	settle();
	CHECK(decide(c, d, n3) == 0);
	probe_frame(f, ID, 6, n3, 0);		/* d -> c */
	CHECK(probe_input(c, f, 60) == 1);
	CHECK(d->loop_blocked == 1 && c->loop_blocked == 0);
	settle();
	CHECK(probe_blocked(d, clk) == 0);
	CHECK(decide(d, c, n3 + 1) == 0);
	probe_frame(f, ID, 5, n3 + 1, 0);	/* c -> d */
	CHECK(probe_input(d, f, 60) == 1);
	CHECK(d->loop_blocked == 1 && c->loop_blocked == 0);
	settle();
	CHECK(probe_blocked(d, clk) == 0);
}

/* Three parallel links: every returning fresh probe cuts one more, but
 * the oldest link stays. */
static void
test_bundle(void)
{
	struct port *e, *f, *g;
	uint8_t fr[60];
	const uint64_t n = 0xd00dULL;

	nports = 0;
	e = port_add(7, 100);
	f = port_add(8, 200);
	g = port_add(9, 300);
	settle();
	CHECK(decide(f, e, n) == 0);
	probe_frame(fr, ID, 7, n, 0);
	CHECK(probe_input(f, fr, 60) == 1);	/* e -> f: f */
	CHECK(probe_input(g, fr, 60) == 1);	/* e -> g: g */
	probe_frame(fr, ID, 8, n, 0);
	CHECK(probe_input(g, fr, 60) == 1);	/* f -> g: both blocked */
	CHECK(probe_input(e, fr, 60) == 1);	/* f -> e */
	probe_frame(fr, ID, 9, n, 0);
	CHECK(probe_input(e, fr, 60) == 1);	/* g -> e */
	CHECK(e->loop_blocked == 0 && e->loop_blocks == 0);
	CHECK(f->loop_blocked == 1 && f->loop_blocks == 1);
	CHECK(g->loop_blocked == 1 && g->loop_blocks == 1);
	settle();
	CHECK(probe_blocked(f, clk + LOOP_HOLD_MS) == 0);
	CHECK(probe_blocked(g, clk + LOOP_HOLD_MS) == 0);
}

/* The fresh probe back after the verification window: someone else
 * broke the loop meanwhile; no block, a new decision instead. */
static void
test_late(void)
{
	struct port *a, *b;
	uint8_t f[60];
	const uint64_t n = 0xe1e2ULL;
	int mark;

	nports = 0;
	a = port_add(1, 100);
	b = port_add(2, 500);
	settle();
	CHECK(decide(a, b, n) == 0);
	advance(499);
	probe_frame(f, ID, 2, n, 0);
	mark = narms;
	advance(1);			/* the window closes */
	rq_push(7);
	CHECK(probe_input(a, f, 60) == 1);
	CHECK(!a->loop_blocked && !b->loop_blocked);
	CHECK(narms == mark + 1 && arms[mark].delay == 7);
	CHECK(rq_pos == rq_n);
	settle();
	CHECK(!a->loop_blocked && !b->loop_blocked);
}

/* Another switch's probes: not consumed; a topology change in one
 * flushes what was not refreshed in the last second. */
static void
test_foreign(void)
{
	struct port *a, *b;
	uint8_t f[60], m[4][6];
	/* Another id with our low 40 bits (so our source MAC): the id
	 * decides, not the MAC. */
	const uint64_t other = 0xff22334455667788ULL;
	int i, mark;

	nports = 0;
	a = port_add(1, 100);
	b = port_add(2, 500);
	settle();
	fdb_del_port(&fdb, 1, NULL);
	fdb_del_port(&fdb, 2, NULL);
	for (i = 0; i < 4; i++) {
		memcpy(m[i], "\x02\x00\x00\x00\x01\x00", 6);
		m[i][5] = (uint8_t)i;
	}
	fdb_learn(&fdb, 0, m[0], 1, clk - 3000);
	fdb_learn(&fdb, 0, m[1], 2, clk - 1001);
	fdb_learn(&fdb, 0, m[2], 1, clk - 1000);
	fdb_learn(&fdb, 0, m[3], 2, clk - 10);
	mark = narms;
	probe_frame(f, other, 1, NONCE0, 0);
	CHECK(probe_input(b, f, 60) == 0);
	probe_frame(f, other, 2, NONCE0, 0);	/* its port 2, not ours */
	CHECK(probe_input(a, f, 60) == 0);
	CHECK(narms == mark && nsent == 0);
	CHECK(!a->loop_blocked && !b->loop_blocked);
	CHECK(fdb.n == 4);
	/* With TC set. */
	probe_frame(f, other, 1, NONCE0, 1);
	CHECK(probe_input(b, f, 60) == 0);
	CHECK(fdb.n == 2);
	CHECK(fdb_lookup(&fdb, 0, m[0], clk) == 0);
	CHECK(fdb_lookup(&fdb, 0, m[1], clk) == 0);
	CHECK(fdb_lookup(&fdb, 0, m[2], clk) == 1);	/* edge: kept */
	CHECK(fdb_lookup(&fdb, 0, m[3], clk) == 2);
	CHECK(fdb.ageout == 300000);
	CHECK(narms == mark && nsent == 0);
	/* Our id in a foreign-looking frame (another version byte) is
	 * still ours. */
	probe_frame(f, ID, 1, NONCE0, 0);
	f[18] = 2;
	CHECK(probe_input(a, f, 60) == 1);
	fdb_del_port(&fdb, 1, NULL);
	fdb_del_port(&fdb, 2, NULL);
}

/* Ports coming up get a probe of their own, shortly. */
static void
test_port_up(void)
{
	struct port *a, *h, *i, *j, *k;
	uint8_t want[60];
	int mark;

	nports = 0;
	a = port_add(1, 100);
	h = port_add(10, 100);
	i = port_add(11, 100);
	j = port_add(12, 100);
	k = port_add(13, 100);
	settle();
	after_round();
	mark = narms;
	probe_port_up(h);
	CHECK(h->probe_soon == 1);
	CHECK(narms == mark + 1 && arms[mark].delay == 20);
	CHECK(nsent == 0);
	advance(5);
	probe_port_up(i);
	probe_port_up(j);
	j->shut = 1;			/* shut before it goes */
	probe_port_up(k);
	k->up = 0;			/* and k down again */
	advance(19);
	CHECK(nsent == 0);
	advance(1);
	CHECK(nsent == 2);
	CHECK(nsent_on(10) == 1 && nsent_on(11) == 1);
	CHECK(nsent_on(1) == 0 && nsent_on(12) == 0 && nsent_on(13) == 0);
	probe_frame(want, ID, 11, 0, 0);
	CHECK(sent_on(11) != NULL && memcmp(sent_on(11), want, 31) == 0);
	CHECK(!h->probe_soon && !i->probe_soon && !j->probe_soon &&
	    !k->probe_soon);
	CHECK(a->probe_soon == 0);
	/* Nothing more until the next round. */
	nsent = 0;
	advance(round_t->when - clk - 1);
	CHECK(nsent == 0);
	advance(1);
	CHECK(nsent == 3);		/* 1, 10, 11 */
}

int
main(void)
{
	if (fdb_init(&fdb, 64, 300000) < 0)
		return 2;
	test_init();
	test_layout();
	test_is();
	test_block();
	test_rule();
	test_bundle();
	test_late();
	test_foreign();
	test_port_up();
	fdb_free(&fdb);
	return t_done("test_probe");
}
