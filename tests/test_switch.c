/*
 * test_switch - the switch core (switch.c) on its own, compiled in
 * (#include: its options and FDB are static there), with the real port
 * table (port.c), FDB (fdb.c), segmentation (gso.c) and loop
 * detection (probe.c, probetab.c), and with fake ports whose ops
 * record what the switch hands them.  Two fake ports may be joined by
 * a wire: what goes out of one comes in on the other when the test
 * pumps it (a cable between two ports of the switch: a loop).  The
 * clock moves only when the test says, firing the timers that fall due
 * (probe_stubs.h); random numbers are a fixed sequence; the log keeps
 * its last line; buried memory is freed at the end of each simulated
 * dispatch round, as loop.c does.  No root, no sockets, no epoll.
 *
 * Checked, as behaviour (which fake port got which frame, how many
 * times, which FDB entry exists): a new port probing (the users' frames
 * neither in nor out, nothing learned) and forwarding after its wait;
 * learning (per VLAN, never a multicast source, MAC moves damped for
 * MAC_MOVE_HOLD_MS, a port's share of the FDB); ageing and the sweep;
 * flooding to every usable port but the source (broadcast, multicast,
 * unknown unicast; other switches' probes as control frames, not
 * counted, not learned); no hairpin; shut, down and deleted ports; a
 * port that fails to send counted in tx_dropped; storm control per
 * input port (a token bucket; unicast to a known MAC and our own probes
 * exempt, other switches' probes not); 802.1Q tags (the VID read
 * through the priority bits, the tag kept, short tagged frames dropped);
 * super-frames and checksums still to complete cut or completed for
 * ports without offload, passed whole with their metadata to ports with
 * it; and the port states of docs/protocol.md section 5 over a wire: a
 * new port closing a loop blocked (loop), no frame flooded into it,
 * held while the loop stays, released through probing LOOP_HOLD_MS
 * after the loop went; a loop between forwarding ports cut at the newer
 * port; a port going down releasing the blocks; topology changes
 * (stale entries on other non-edge ports flushed and the TC flag sent
 * when a non-edge port starts forwarding, nothing for an edge port, an
 * unproven neighbour's TC not obeyed); a neighbour of ours going silent
 * and back.
 */
#define PROBE_STUBS_OWN_BURY
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "defs.h"
#include "fdb.h"
#include "gso.h"
#include "log.h"
#include "loop.h"
#include "port.h"
#include "probe.h"
#include "sys.h"
#include "util.h"
/* the core itself, to set its options (core_conf) between tests and
 * to look in its FDB (sw_fdb), both static in switch.c */
#include "switch.c"
#include "t.h"
#define PROBE_STUBS_LOG
#include "probe_stubs.h"

/* ------------------------------------------------------------------ */
/* Stubs: random numbers, the deferred free (the log: probe_stubs.h). */

/* A fixed sequence (xorshift64): the same run every time. */
void
ew_random(void *buf, size_t len)
{
	static uint64_t s = 0x853c49e6748fea9bULL;
	uint8_t *b = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		b[i] = (uint8_t)(s >> 32);
	}
}

int
ew_ct_eq(const void *a, const void *b, size_t len)
{
	return memcmp(a, b, len) == 0;
}

/* port_delete reads the port after burying it: freed by reap(), the
 * end of the simulated dispatch round. */
static struct ev_grave *graves;

void
loop_bury(struct ev_grave *g, void (*fn)(struct ev_grave *))
{
	g->fn = fn;
	g->next = graves;
	graves = g;
}

static void
reap(void)
{
	struct ev_grave *g;

	while ((g = graves) != NULL) {
		graves = g->next;
		g->fn(g);
	}
}

/* ------------------------------------------------------------------ */
/* Fake ports */

#define NFAKE		8	/* fake ports at once */
#define NREC		64	/* users' frames recorded (more: counted) */
#define REC_MAX		3000	/* bytes of each kept */
#define NPEND		64	/* frames on the wires, not yet delivered */
#define PUMP_MAX	1000	/* deliveries per pump: a storm stops */
#define STEP_MS		5	/* run(): the clock's step between pumps */
#define SETTLE_MS	500	/* a new port's wait (200 ms here) and more */

struct fake {
	struct port	*p;		/* NULL: free, or closed */
	int		 offload;	/* its ops->offload */
	int		 fail;		/* output says -1 */
	int		 closed, close_code;
	struct fake	*wire;		/* the other end of its cable */
	int		 nctrl;		/* control frames out of it */
	int		 ntc;		/* ... ours with the TC flag */
	int		 nforeign;	/* ... other switches' probes */
};
static struct fake fakes[NFAKE];

struct rec {
	struct fake	*to;
	size_t		 len;
	int		 has_vh;
	struct vnet	 vh;
	uint8_t		 f[REC_MAX];
};
static struct rec recs[NREC];
static size_t nrec;

static struct {
	struct fake	*to;
	size_t		 len;
	uint8_t		 f[REC_MAX];
} pend[NPEND];
static size_t phead, npend, wire_lost;

static void
wire_put(struct fake *x, const uint8_t *f, size_t len)
{
	size_t i;

	if (x->wire == NULL)
		return;
	if (npend == NPEND || len > REC_MAX) {
		wire_lost++;
		return;
	}
	i = (phead + npend++) % NPEND;
	pend[i].to = x->wire;
	pend[i].len = len;
	memcpy(pend[i].f, f, len);
}

static int
f_output(struct port *p, const uint8_t *f, size_t len, const struct vnet *vh)
{
	struct fake *x = p->priv;
	struct rec *r;

	if (nrec < NREC) {
		r = &recs[nrec];
		r->to = x;
		r->len = len;
		r->has_vh = vh != NULL;
		if (vh != NULL)
			r->vh = *vh;
		memcpy(r->f, f, len < REC_MAX ? len : REC_MAX);
	}
	nrec++;
	if (x->fail)
		return -1;
	wire_put(x, f, len);
	return 0;
}

static int
f_output_ctrl(struct port *p, const uint8_t *f, size_t len)
{
	struct fake *x = p->priv;

	x->nctrl++;
	if (probe_is(f, len) && ew_be64(f + 19) == probe_id())
		x->ntc += (f[39] & 0x01) != 0;
	else
		x->nforeign++;
	wire_put(x, f, len);
	return 0;
}

static int
f_offload(const struct port *p)
{
	return ((const struct fake *)p->priv)->offload;
}

static void
f_close(struct port *p, int code)
{
	struct fake *x = p->priv;

	x->closed = 1;
	x->close_code = code;
	x->p = NULL;
}

static const struct port_ops fops = {
	.output = f_output, .output_ctrl = f_output_ctrl,
	.offload = f_offload, .close = f_close
};

static struct fake *
fake_new(int offload)
{
	char target[32];
	struct fake *x;
	int i;

	for (i = 0; i < NFAKE && fakes[i].p != NULL; i++)
		;
	if (i == NFAKE)
		abort();
	x = &fakes[i];
	memset(x, 0, sizeof(*x));
	x->offload = offload;
	snprintf(target, sizeof(target), "fake-%d", i);
	x->p = port_new(PORT_TAP, target, &fops, x);
	if (x->p == NULL)
		abort();
	return x;
}

static void
wire(struct fake *a, struct fake *b)
{
	a->wire = b;
	b->wire = a;
}

static void
unwire(struct fake *a, struct fake *b)
{
	a->wire = b->wire = NULL;
	npend = 0;
}

/* Frames on the wires to the other end (if it is up and not shut),
 * as long as any come, at most PUMP_MAX; then the round is over. */
static void
pump(void)
{
	static uint8_t buf[REC_MAX];
	struct fake *to;
	size_t len;
	int n;

	for (n = 0; n < PUMP_MAX && npend > 0; n++) {
		to = pend[phead].to;
		len = pend[phead].len;
		memcpy(buf, pend[phead].f, len);
		phead = (phead + 1) % NPEND;
		npend--;
		if (to->p != NULL && to->p->up && !to->p->shut)
			switch_input(to->p, buf, len, NULL);
	}
	reap();
}

/* ms of the clock, timers firing, the wires pumped every STEP_MS. */
static void
run(uint64_t ms)
{
	uint64_t step;

	while (ms > 0) {
		step = ms < STEP_MS ? ms : STEP_MS;
		advance(step);
		ms -= step;
		pump();
	}
}

/* Every port gone; the FDB must be empty then. */
static void
del_all(void)
{
	struct fdb_stats st;
	int i;

	for (i = 0; i < NFAKE; i++)
		fakes[i].wire = NULL;
	npend = 0;
	port_delete_all(0);
	reap();
	switch_fdb_stats(&st);
	CHECK(st.entries == 0);
}

static void
clear(void)
{
	int i;

	nrec = 0;
	for (i = 0; i < NFAKE; i++)
		fakes[i].nctrl = fakes[i].ntc = fakes[i].nforeign = 0;
}

/* Users' frames x got since clear(). */
static int
got(const struct fake *x)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nrec && i < NREC; i++)
		n += recs[i].to == x;
	return n;
}

/* ------------------------------------------------------------------ */
/* Frames: MACs by number; bytes written one by one (any byte order). */

#define BC	0		/* ff:ff:ff:ff:ff:ff */
#define MC	0x10000		/* + n: 01:00:5e:00:00:n */
#define UNTAGGED (-1)

static void
mac(uint8_t m[6], int n)
{
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x00 };

	if (n == BC) {
		memcpy(m, bc, 6);
		return;
	}
	memcpy(m, mc, 6);
	if (n >= MC) {
		m[5] = (uint8_t)(n - MC);
		return;
	}
	m[0] = 0x02;
	m[4] = (uint8_t)(n >> 8);
	m[5] = (uint8_t)n;
}

static int
lookup(uint16_t vid, int n)
{
	uint8_t m[6];

	mac(m, n);
	return fdb_lookup(&sw_fdb, vid, m, clk);
}

static uint8_t last[MAX_FRAME + 1];	/* the frame send() sent last */
static size_t lastlen;

/* dst, src, an 802.1Q tag (TCI) or none, EtherType 0x88b6, a serial
 * number and a pattern to len bytes. */
static size_t
frame(uint8_t *f, int dst, int src, int tci, size_t len)
{
	static unsigned serial;
	size_t i, h = 12;

	mac(f, dst);
	mac(f + 6, src);
	if (tci != UNTAGGED) {
		f[12] = 0x81;
		f[13] = 0x00;
		f[14] = (uint8_t)(tci >> 8);
		f[15] = (uint8_t)tci;
		h = 16;
	}
	for (i = h; i < len; i++)
		f[i] = (uint8_t)(i * 7 + serial);
	if (len >= h + 2) {
		f[h] = 0x88;
		f[h + 1] = 0xb6;
	}
	if (len >= h + 6)
		ew_put_be32(f + h + 2, ++serial);
	return len;
}

static void
send_len(struct fake *x, int dst, int src, int tci, size_t len)
{
	lastlen = frame(last, dst, src, tci, len);
	switch_input(x->p, last, lastlen, NULL);
}

static void
send(struct fake *x, int dst, int src)
{
	send_len(x, dst, src, UNTAGGED, 60);
}

/* x got the frame sent last, exactly, once since clear(). */
static int
got_last(const struct fake *x)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nrec && i < NREC; i++)
		n += recs[i].to == x && recs[i].len == lastlen &&
		    memcmp(recs[i].f, last, lastlen) == 0;
	return n == 1;
}

/* Another switch's probe (docs/protocol.md 5.1; its MAC not ours to
 * check): id, the port it left by, its round, flags. */
#define FOREIGN_ID	0x0102030405060708ULL

static void
foreign(struct fake *x, uint32_t port, uint64_t rnd, int flags)
{
	static const uint8_t head[] = { 0x03, 0x65, 0x74, 0x68, 0x77, 0x73,
	    0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x88, 0xb5, 'E', 'W', 'L',
	    'P', 2 };
	uint8_t f[60];
	int i;

	memset(f, 0, sizeof(f));
	memcpy(f, head, sizeof(head));
	for (i = 0; i < 8; i++)
		f[19 + i] = (uint8_t)(FOREIGN_ID >> (56 - 8 * i));
	ew_put_be32(f + 27, port);
	for (i = 0; i < 8; i++)
		f[31 + i] = (uint8_t)(rnd >> (56 - 8 * i));
	f[39] = (uint8_t)flags;
	switch_input(x->p, f, sizeof(f), NULL);
}

static int
is_fwd(const struct fake *x, const char *state)
{
	return x->p->fwd == PORT_FORWARDING &&
	    strcmp(port_state_name(x->p), state) == 0;
}

/* ------------------------------------------------------------------ */

/* A new port probes: the users' frames neither in (dropped, not
 * learned) nor out, its probes out of it; it forwards after its wait. */
static void
test_probing(void)
{
	struct fake *a, *b, *c;

	a = fake_new(0);
	b = fake_new(0);
	CHECK(a->p->fwd == PORT_PROBING && b->p->fwd == PORT_PROBING);
	CHECK(strcmp(port_state_name(a->p), "probing") == 0);
	clear();
	send(a, BC, 1);
	CHECK(a->p->rx == 1 && a->p->rx_dropped == 1 && nrec == 0);
	CHECK(lookup(0, 1) == 0);
	run(PROBE_FIRST_MS);
	CHECK(a->nctrl >= 1 && b->nctrl >= 1 && a->ntc == 0 && nrec == 0);
	run(PROBE_WAIT_MIN_MS);
	CHECK(is_fwd(a, "up") && is_fwd(b, "up"));
	c = fake_new(0);
	clear();
	send(a, BC, 1);
	CHECK(got_last(b) && got(c) == 0 && got(a) == 0 && nrec == 1);
	CHECK(lookup(0, 1) == a->p->no);
	send(c, BC, 3);
	CHECK(c->p->rx_dropped == 1 && nrec == 1 && lookup(0, 3) == 0);
	run(SETTLE_MS);
	CHECK(is_fwd(c, "up"));
	clear();
	send(a, BC, 1);
	CHECK(got_last(b) && got_last(c) && got(a) == 0);
	CHECK(b->p->tx == 2 && c->p->tx == 1 && a->p->tx == 0);
	CHECK(b->p->tx_bytes == 120 && a->p->rx_bytes == 180);
	del_all();
}

/* Learning: a source learned on its port and VLAN, the frames to it
 * there alone; never a multicast source; a MAC moves only when it has
 * been quiet on its port for MAC_MOVE_HOLD_MS. */
static void
test_learning(void)
{
	struct fake *a, *b, *c;
	char want[64];

	a = fake_new(0);
	b = fake_new(0);
	c = fake_new(0);
	run(SETTLE_MS);
	clear();
	log_level = EW_LOG_DEBUG;
	send(a, BC, 1);
	snprintf(want, sizeof(want), "sent: port:%d,%d;", b->p->no, c->p->no);
	CHECK(strstr(lastlog, want) != NULL);
	log_level = EW_LOG_INFO;
	CHECK(got_last(b) && got_last(c) && got(a) == 0);
	CHECK(lookup(0, 1) == a->p->no && a->p->fdb.n == 1);
	clear();
	send(b, 1, 2);
	CHECK(got_last(a) && got(b) == 0 && got(c) == 0);
	CHECK(lookup(0, 2) == b->p->no);
	clear();
	send(c, 1, 3);
	CHECK(got_last(a) && nrec == 1);
	clear();
	send(a, 99, 1);				/* unknown unicast */
	CHECK(got_last(b) && got_last(c) && got(a) == 0);
	clear();
	send(c, 2, MC + 5);			/* a multicast source */
	CHECK(got_last(b) && nrec == 1 && lookup(0, MC + 5) == 0);
	clear();
	send(c, MC + 7, 3);			/* to a multicast group */
	CHECK(got_last(a) && got_last(b) && got(c) == 0);

	/* MAC 1 shows up on c: damped while fresh on a, then moved. */
	send(c, BC, 1);
	CHECK(lookup(0, 1) == a->p->no);
	run(MAC_MOVE_HOLD_MS + 1);
	send(c, BC, 1);
	CHECK(lookup(0, 1) == c->p->no);
	CHECK(a->p->fdb.n == 0 && c->p->fdb.n == 2);
	clear();
	send(b, 1, 2);
	CHECK(got_last(c) && nrec == 1);
	del_all();
}

/* Entries age out after --ageout (60 s here) without a frame from
 * them; the sweep removes them; the frames to them flood again. */
static void
test_ageing(void)
{
	struct fake *a, *b, *c;
	struct fdb_stats st;

	a = fake_new(0);
	b = fake_new(0);
	c = fake_new(0);
	run(SETTLE_MS);
	send(a, 2, 1);
	switch_fdb_stats(&st);
	CHECK(lookup(0, 1) == a->p->no && st.entries == 1);
	run(30000);
	send(a, 2, 1);				/* refreshed */
	run(40000);
	CHECK(lookup(0, 1) == a->p->no);	/* 70 s old, 40 s quiet */
	clear();
	send(b, 1, 2);
	CHECK(got_last(a) && nrec == 1);
	run(60000 - 40000 + 1);
	CHECK(lookup(0, 1) == 0 && lookup(0, 2) == b->p->no);
	run(FDB_SWEEP_MS);
	switch_fdb_stats(&st);
	CHECK(st.entries == 1 && a->p->fdb.n == 0);
	clear();
	send(b, 1, 2);
	CHECK(got_last(a) && got_last(c) && got(b) == 0);
	del_all();
}

/* A port holds at most --fdbportmax (64 here) entries; the others
 * still learn. */
static void
test_portmax(void)
{
	struct fake *a, *b;
	int i;

	a = fake_new(0);
	b = fake_new(0);
	run(SETTLE_MS);
	for (i = 0; i < 70; i++)
		send(a, BC, 100 + i);
	CHECK(a->p->fdb.n == 64 && a->p->fdb.refused == 6);
	CHECK(lookup(0, 100) == a->p->no && lookup(0, 169) == 0);
	send(b, BC, 2);
	CHECK(lookup(0, 2) == b->p->no);
	del_all();
}

/* No hairpin; shut, down and deleted ports get nothing; a shut port's
 * frames are ignored; a failed send counts in tx_dropped. */
static void
test_hairpin(void)
{
	struct fake *a, *b, *c;
	uint64_t tx;
	int no;

	a = fake_new(0);
	b = fake_new(0);
	c = fake_new(0);
	run(SETTLE_MS);
	send(a, BC, 1);
	send(b, BC, 2);
	send(c, BC, 3);
	clear();
	send(a, 1, 11);			/* to a MAC on its own port */
	CHECK(nrec == 0 && a->p->rx_dropped == 1);
	CHECK(lookup(0, 11) == a->p->no);
	send(a, 2, 1);
	CHECK(got_last(b) && nrec == 1);

	port_set_shut(b->p, 1);
	CHECK(strcmp(port_state_name(b->p), "shut") == 0 && lookup(0, 2) == 0);
	clear();
	send(a, 2, 1);
	CHECK(got_last(c) && nrec == 1);
	send(b, 1, 2);
	CHECK(b->p->rx == 1 && nrec == 1 && lookup(0, 2) == 0);
	port_set_shut(b->p, 0);
	CHECK(b->p->fwd == PORT_PROBING);
	run(SETTLE_MS);
	CHECK(is_fwd(b, "up"));

	port_set_up(c->p, 0);
	CHECK(strcmp(port_state_name(c->p), "down") == 0 && lookup(0, 3) == 0);
	clear();
	send(a, BC, 1);
	CHECK(got_last(b) && nrec == 1);
	port_set_up(c->p, 1);
	run(SETTLE_MS);
	clear();
	send(a, BC, 1);
	CHECK(got_last(b) && got_last(c));

	send(c, BC, 3);
	no = c->p->no;
	port_delete(c->p, 1001);
	reap();
	CHECK(c->closed && c->close_code == 1001 && port_find(no) == NULL);
	CHECK(lookup(0, 3) == 0);

	b->fail = 1;
	send(b, BC, 2);
	tx = b->p->tx;
	send(a, 2, 1);
	CHECK(b->p->tx_dropped == 1 && b->p->tx == tx);
	b->fail = 0;
	del_all();
}

/* Flooded to every forwarding port but the source; other switches'
 * probes as control frames, not counted, not learned. */
static void
test_flood(void)
{
	struct fake *x[4];
	int i, n;

	for (i = 0; i < 4; i++)
		x[i] = fake_new(0);
	run(SETTLE_MS);
	for (n = 0; n < 3; n++) {
		clear();
		send(x[1], n == 0 ? BC : n == 1 ? MC + 1 : 77, 10 + n);
		CHECK(got(x[1]) == 0 && nrec == 3);
		CHECK(got_last(x[0]) && got_last(x[2]) && got_last(x[3]));
	}
	clear();
	foreign(x[2], 5, 1000, 0);
	CHECK(nrec == 0 && x[2]->nforeign == 0);
	CHECK(x[0]->nforeign == 1 && x[1]->nforeign == 1 &&
	    x[3]->nforeign == 1);
	CHECK(x[0]->p->tx == 3 && x[2]->p->rx == 0);
	CHECK(fdb_lookup(&sw_fdb, 0, (const uint8_t *)
	    "\x02\x04\x05\x06\x07\x08", clk) == 0);	/* its source */
	del_all();
}

/* --stormlimit 5: five flooded frames a second per input port, a
 * second's worth at once; unicast to a known MAC not limited; other
 * switches' probes limited too. */
static void
test_storm(void)
{
	struct fake *a, *b;
	int i;

	core_conf.stormlimit = 5;
	a = fake_new(0);
	b = fake_new(0);
	run(SETTLE_MS);
	clear();
	for (i = 0; i < 8; i++)
		send(a, BC, 1);
	CHECK(got(b) == 5 && a->p->storm_dropped == 3);
	CHECK(a->p->rx == 8 && a->p->rx_dropped == 3);
	send(b, 1, 2);				/* known: unicast */
	clear();
	for (i = 0; i < 3; i++)
		send(a, 2, 1);
	CHECK(got(b) == 3 && a->p->storm_dropped == 3);
	clear();
	send(b, BC, 2);				/* b's own bucket */
	CHECK(got(a) == 1);
	run(400);				/* two frames' worth */
	clear();
	for (i = 0; i < 3; i++)
		send(a, BC, 1);
	CHECK(got(b) == 2 && a->p->storm_dropped == 4);
	foreign(a, 5, 2000, 0);
	CHECK(b->nforeign == 0 && a->p->storm_dropped == 5);
	run(1000);				/* full, no more */
	clear();
	for (i = 0; i < 8; i++)
		send(a, BC, 1);
	CHECK(got(b) == 5 && a->p->storm_dropped == 8);
	core_conf.stormlimit = 0;
	clear();
	for (i = 0; i < 8; i++)
		send(a, BC, 1);
	CHECK(got(b) == 8 && a->p->storm_dropped == 8);
	del_all();
}

/* 802.1Q: learned per VID (the TCI's low 12 bits; priority-tagged is
 * VID 0, as untagged), forwarded with the tag; short frames dropped. */
static void
test_vlan(void)
{
	struct fake *a, *b, *c;
	size_t before;

	a = fake_new(0);
	b = fake_new(0);
	c = fake_new(0);
	run(SETTLE_MS);
	clear();
	send_len(a, BC, 1, 10, 64);
	CHECK(got_last(b) && got_last(c) && last[12] == 0x81);
	CHECK(lookup(10, 1) == a->p->no && lookup(0, 1) == 0 &&
	    lookup(20, 1) == 0);
	clear();
	send_len(b, 1, 2, 20, 64);		/* not known in VLAN 20 */
	CHECK(got_last(a) && got_last(c));
	clear();
	send_len(b, 1, 2, 0xa000 | 10, 64);	/* priority 5, VLAN 10 */
	CHECK(got_last(a) && nrec == 1 && lookup(10, 2) == b->p->no);
	clear();
	send(c, 1, 3);				/* untagged: VLAN 0 */
	CHECK(got_last(a) && got_last(b));
	clear();
	send_len(c, 2, 3, 0xe000, 64);		/* priority-tagged */
	CHECK(got_last(a) && got_last(b) && lookup(0, 3) == c->p->no);
	CHECK(lookup(0, 2) == 0);
	clear();
	before = a->p->rx_dropped;
	send_len(a, BC, 1, 10, 17);		/* tagged, too short */
	send_len(a, BC, 1, UNTAGGED, MIN_FRAME - 1);
	send_len(a, BC, 1, UNTAGGED, MAX_FRAME + 1);
	CHECK(nrec == 0 && a->p->rx_dropped == before + 3);
	send_len(a, BC, 1, UNTAGGED, MIN_FRAME);
	send_len(a, BC, 1, 10, 18);
	CHECK(nrec == 4);
	del_all();
}

/* ------------------------------------------------------------------ */
/* Offload */

#define PAY	2500		/* the super-frame's TCP payload */
#define MSS	1000		/* its gso_size: 3 segments */
#define HDRS	54		/* Ethernet, IPv4, TCP */
#define SEQ0	0x01020304u

/* TCP/IPv4 10.0.0.1:1000 -> 10.0.0.2:2000, ACK PSH, pay bytes of a
 * pattern, the IPv4 checksum done, the TCP one left as a NIC would
 * find it (the pseudo header's sum). */
static size_t
tcp4(uint8_t *f, int dst, int src, size_t pay)
{
	static const uint8_t ip[] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0,
	    64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	size_t i;

	mac(f, dst);
	mac(f + 6, src);
	f[12] = 0x08;
	f[13] = 0x00;
	memcpy(f + 14, ip, sizeof(ip));
	ew_put_be16(f + 16, (unsigned)(40 + pay));
	ew_put_be16(f + 24, (uint16_t)~inet_csum_add(0, f + 14, 20));
	memset(f + 34, 0, 20);
	ew_put_be16(f + 34, 1000);
	ew_put_be16(f + 36, 2000);
	ew_put_be32(f + 38, SEQ0);
	f[46] = 0x50;
	f[47] = 0x18;
	ew_put_be16(f + 48, 0xffff);
	ew_put_be16(f + 50, inet_csum_add(6 + 20 + (uint32_t)pay, f + 26, 8));
	for (i = 0; i < pay; i++)
		f[HDRS + i] = (uint8_t)(i * 13 + 1);
	return HDRS + pay;
}

/* The IPv4 and TCP checksums of a frame tcp4 made (or a segment) hold. */
static int
csums_ok(const uint8_t *f, size_t len)
{
	uint32_t ps = inet_csum_add(6 + (uint32_t)(len - 34), f + 26, 8);

	return inet_csum_add(0, f + 14, 20) == 0xffff &&
	    inet_csum_add(ps, f + 34, len - 34) == 0xffff;
}

/* x's segments since clear() are the super-frame's payload, in order,
 * gso_size at a time, each with its headers fixed up. */
static int
segments_ok(const struct fake *x, const uint8_t *sup)
{
	size_t i, off = 0, n;
	int k = 0, bad = 0;

	for (i = 0; i < nrec && i < NREC; i++) {
		const struct rec *r = &recs[i];

		if (r->to != x)
			continue;
		n = r->len - HDRS;
		bad += r->has_vh || n != (off + MSS < PAY ? MSS : PAY - off);
		bad += ew_be16(r->f + 16) != r->len - 14;
		bad += !csums_ok(r->f, r->len);
		bad += ew_be32(r->f + 38) != SEQ0 + off;
		bad += memcmp(r->f + HDRS, sup + HDRS + off, n) != 0;
		off += n;
		k++;
	}
	return bad == 0 && off == PAY && k == (PAY + MSS - 1) / MSS;
}

/* A super-frame from a port with offload: whole, with its metadata, to
 * the others with offload; cut into counted segments for those without. */
static void
test_segments(void)
{
	static uint8_t sup[HDRS + PAY];
	struct vnet vh = { VNET_F_NEEDS_CSUM, VNET_GSO_TCPV4, HDRS, MSS, 34,
	    16 };
	struct fake *o1, *o2, *p1, *p2;
	uint64_t tx1, tx2;
	size_t len;

	o1 = fake_new(1);
	o2 = fake_new(1);
	p1 = fake_new(0);
	p2 = fake_new(0);
	run(SETTLE_MS);
	send(p1, BC, 3);
	send(o2, BC, 2);
	tx1 = p1->p->tx;
	tx2 = o2->p->tx;
	clear();
	len = tcp4(sup, 77, 1, PAY);		/* unknown: flooded */
	switch_input(o1->p, sup, len, &vh);
	CHECK(got(o2) == 1 && recs[0].to == o2 && recs[0].len == len &&
	    recs[0].has_vh && recs[0].vh.gso_size == MSS &&
	    memcmp(recs[0].f, sup, len) == 0);
	CHECK(got(p1) == 3 && got(p2) == 3 && got(o1) == 0);
	CHECK(segments_ok(p1, sup) && segments_ok(p2, sup));
	CHECK(p1->p->tx == tx1 + 3 && o2->p->tx == tx2 + 1 &&
	    o1->p->rx == 1);
	clear();
	len = tcp4(sup, 3, 1, PAY);		/* to p1 alone */
	switch_input(o1->p, sup, len, &vh);
	CHECK(got(p1) == 3 && nrec == 3 && segments_ok(p1, sup));
	clear();
	len = tcp4(sup, 2, 1, PAY);		/* to o2 alone, whole */
	switch_input(o1->p, sup, len, &vh);
	CHECK(got(o2) == 1 && nrec == 1 && recs[0].has_vh);
	/* gso_size under GSO_MIN_MSS: the metadata lies, dropped */
	clear();
	vh.gso_size = GSO_MIN_MSS - 1;
	switch_input(o1->p, sup, len, &vh);
	CHECK(nrec == 0 && o1->p->rx_dropped == 1);
	del_all();
}

/* A checksum still to complete: done for a port without offload, left
 * to one with it; "known good" alone is no metadata at all. */
static void
test_csum_only(void)
{
	static uint8_t f[HDRS + 100];
	struct vnet vh = { VNET_F_NEEDS_CSUM, VNET_GSO_NONE, 0, 0, 34, 16 };
	struct fake *o1, *o2, *p1;
	size_t len;

	o1 = fake_new(1);
	o2 = fake_new(1);
	p1 = fake_new(0);
	run(SETTLE_MS);
	clear();
	len = tcp4(f, BC, 1, 100);
	CHECK(!csums_ok(f, len));
	switch_input(o1->p, f, len, &vh);
	CHECK(got(p1) == 1 && got(o2) == 1 && nrec == 2);
	CHECK(recs[0].to == o2 && recs[0].has_vh &&
	    memcmp(recs[0].f, f, len) == 0);
	CHECK(recs[1].to == p1 && !recs[1].has_vh && recs[1].len == len &&
	    csums_ok(recs[1].f, len));
	clear();
	vh.flags = VNET_F_DATA_VALID;
	switch_input(o1->p, f, len, &vh);
	CHECK(nrec == 2 && !recs[0].has_vh && !recs[1].has_vh);
	del_all();
}

/* ------------------------------------------------------------------ */
/* Port states over a wire (docs/protocol.md section 5) */

static int
blocks(const struct fake *x)
{
	struct probe_info i;

	probe_port_info(x->p, &i);
	return (int)i.loop_blocks;
}

/* A cable between two ports: the new one closes a loop and is blocked;
 * nothing is flooded into it; held while the loop stays; released
 * through probing once it is gone. */
static void
test_loop_new(struct fake *h, struct fake *l1, struct fake *l2)
{
	char want[64];
	int t;

	wire(l1, l2);
	CHECK(l2->p->fwd == PORT_PROBING);
	run(PROBE_FIRST_MS + STEP_MS);
	CHECK(l2->p->fwd == PORT_PROBING && l1->p->fwd == PORT_FORWARDING);
	run(SETTLE_MS);
	CHECK(l2->p->fwd == PORT_LOOP && is_fwd(l1, "up"));
	CHECK(strcmp(port_state_name(l2->p), "loop") == 0 && blocks(l2) == 1);
	snprintf(want, sizeof(want), "loop detected: port %d", l2->p->no);
	CHECK(strstr(lastlog, want) != NULL);
	/* flooded to l1 alone; back in on l2, dropped: no storm */
	clear();
	send(h, BC, 1);
	pump();
	CHECK(got_last(l1) && nrec == 1 && l2->p->rx_dropped == 1);
	CHECK(wire_lost == 0);
	/* held while the loop stays */
	run(10000);
	CHECK(l2->p->fwd == PORT_LOOP && blocks(l2) == 1 && is_fwd(l1, "up"));
	/* gone: released after LOOP_HOLD_MS (our rounds stopped crossing
	 * it), probing first, then forwarding */
	unwire(l1, l2);
	for (t = 0; t < 10000 && l2->p->fwd == PORT_LOOP; t += STEP_MS)
		run(STEP_MS);
	/* the last crossing was within a round before the cut */
	CHECK(t >= LOOP_HOLD_MS - PROBE_INTERVAL_MS &&
	    t <= LOOP_HOLD_MS + PROBE_TICK_MS + STEP_MS);
	CHECK(l2->p->fwd == PORT_PROBING && strstr(lastlog, "unblocked"));
	run(SETTLE_MS);
	CHECK(is_fwd(l2, "up") && blocks(l2) == 1);
	clear();
	send(h, BC, 1);
	CHECK(got_last(l1) && got_last(l2));
}

/* A loop between two forwarding ports: cut at the newer one.  A port
 * going down releases the blocks; the one coming back closes the loop
 * and is blocked in turn. */
static void
test_loop_fwd(struct fake *h, struct fake *l1, struct fake *l2)
{
	wire(l1, l2);
	run(PROBE_INTERVAL_MS + PROBE_JITTER_MS + PROBE_VERIFY_MS + 100);
	CHECK(l2->p->fwd == PORT_LOOP && blocks(l2) == 2);
	CHECK(is_fwd(l1, "up") && blocks(l1) == 0);
	port_set_up(l1->p, 0);
	CHECK(l2->p->fwd == PORT_PROBING);
	run(SETTLE_MS);
	CHECK(is_fwd(l2, "up"));
	port_set_up(l1->p, 1);
	run(SETTLE_MS);
	CHECK(l1->p->fwd == PORT_LOOP && blocks(l1) == 1 && is_fwd(l2, "up"));
	clear();
	send(h, BC, 1);
	pump();
	CHECK(got_last(l2) && nrec == 1 && l1->p->rx_dropped == 1);
}

static void
test_loop(void)
{
	struct fake *h, *l1, *l2;

	h = fake_new(0);
	l1 = fake_new(0);
	run(SETTLE_MS);
	l2 = fake_new(0);
	test_loop_new(h, l1, l2);
	test_loop_fwd(h, l1, l2);
	del_all();
}

/* A non-edge port (another switch's probe came in on it) starting to
 * forward flushes the stale entries of the other non-edge ports and
 * says TC for PROBE_TC_MS; an edge port's does neither; a neighbour
 * that never proved it is ours is not obeyed. */
static void
test_tc(void)
{
	struct fake *e, *n1, *n2, *n3, *x;

	e = fake_new(0);
	n1 = fake_new(0);
	n2 = fake_new(0);
	run(SETTLE_MS);
	foreign(n1, 1, 3001, 0);
	foreign(n2, 1, 3002, 0);
	send(n1, BC, 21);
	send(n2, BC, 22);
	send(e, BC, 31);
	x = fake_new(0);			/* an edge: no change */
	run(SETTLE_MS);
	clear();
	run(PROBE_INTERVAL_MS + STEP_MS);
	CHECK(is_fwd(x, "up") && e->nctrl > 0 && e->ntc == 0);
	CHECK(lookup(0, 21) == n1->p->no && lookup(0, 22) == n2->p->no);
	n3 = fake_new(0);
	foreign(n3, 1, 3003, 0);		/* not an edge */
	run(PROBE_WAIT_MIN_MS - 50);
	send(n1, BC, 23);			/* fresh */
	clear();
	run(100);
	CHECK(is_fwd(n3, "up"));
	CHECK(lookup(0, 21) == 0 && lookup(0, 22) == 0);
	CHECK(lookup(0, 23) == n1->p->no && lookup(0, 31) == e->p->no);
	CHECK(e->ntc > 0 && x->ntc > 0);
	run(PROBE_TC_MS);
	clear();
	run(PROBE_INTERVAL_MS + STEP_MS);
	CHECK(e->nctrl > 0 && e->ntc == 0);
	/* a TC from a neighbour that never proved it is ours */
	send(n2, BC, 24);
	run(PROBE_TC_FRESH_MS + 100);
	foreign(n1, 1, 3004, 0x01);
	CHECK(lookup(0, 24) == n2->p->no);
	/* a non-edge port stops forwarding: its entries go, TC */
	clear();
	port_set_up(n1->p, 0);
	run(STEP_MS);
	CHECK(lookup(0, 23) == 0 && e->ntc > 0);
	del_all();
}

/* A neighbour of ours (X-Etherws-Id) that sends nothing for
 * PROBE_SILENT_MS goes silent, gets nothing, and probes again when it
 * is heard from. */
static void
test_silent(void)
{
	struct fake *a, *s;
	char want[64];

	a = fake_new(0);
	s = fake_new(0);
	s->p->peer_id = 0x5151515151515151ULL;
	run(SETTLE_MS);
	CHECK(is_fwd(s, "up"));
	run(PROBE_SILENT_MS - SETTLE_MS);
	send(s, BC, 9);				/* heard: not silent */
	run(PROBE_SILENT_MS - SETTLE_MS);
	CHECK(is_fwd(s, "up") && s->nctrl > 0);
	run(SETTLE_MS + PROBE_TICK_MS);
	CHECK(s->p->fwd == PORT_SILENT);
	CHECK(strcmp(port_state_name(s->p), "silent") == 0);
	snprintf(want, sizeof(want), "neighbour silent: port %d", s->p->no);
	CHECK(strstr(lastlog, want) != NULL);
	clear();
	send(a, BC, 1);
	CHECK(nrec == 0);
	send(s, BC, 9);
	CHECK(s->p->fwd == PORT_PROBING && nrec == 0);
	run(SETTLE_MS);
	CHECK(is_fwd(s, "up"));
	clear();
	send(a, BC, 1);
	CHECK(got_last(s));
	del_all();
}

int
main(void)
{
	clk = 1000000;
	core_conf.ageout = 60;
	core_conf.fdbmax = 1024;
	core_conf.fdbportmax = 64;
	if (switch_init(&core_conf) < 0)
		return 2;
	test_probing();
	test_learning();
	test_ageing();
	test_portmax();
	test_hairpin();
	test_flood();
	test_storm();
	test_vlan();
	test_segments();
	test_csum_only();
	test_loop();
	test_tc();
	test_silent();
	port_delete_all(0);
	reap();
	switch_free();
	return t_done("test_switch");
}
