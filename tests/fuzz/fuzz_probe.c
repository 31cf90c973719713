/*
 * fuzz_probe.c - libFuzzer harness for probe.c: the probe frames that
 * come from the network (probe_is, probe_input, probe_foreign) and the
 * port states they drive, and probe_id_parse (X-Etherws-Id).
 *
 * probe.c is linked with fdb.c and sha1.c and stubs here: four ports
 * (a tap, a tunnel to another switch of ours, one to a stranger, one
 * bridged), a clock the input moves, timers fired in deadline order, a
 * fixed key.  The input is a script of records, each an opcode byte and
 * its operands:
 *   0 K L BYTES  a frame of L bytes (the next ones) in on port K%4,
 *                handled as switch.c does: probe_is, then probe_input,
 *                then probe_foreign;
 *   1 K BYTES    the same, with our id written into the frame (bytes
 *                19..26) and magic and type made right: a forgery of
 *                one of ours (60 bytes);
 *   2 J K        the last probe sent out of port J%4 comes back in on
 *                port K%4 (a real loop);
 *   3 J K OFF V  the same, with byte OFF%60 xor V (V != 0): tampered;
 *   4 MS         the clock moves MS x 8 ms, timers fire;
 *   5 K          port K%4 goes down (probe_port_down), or comes up;
 *   6 rest       the rest is an X-Etherws-Id value.
 * Checked after each record: every port's state is one of the four,
 * and a port that is down is not blocked; a frame probe_is refuses is
 * never taken as a probe; probe_input takes exactly the frames with
 * our id; probe_foreign passes no hello and nothing arriving on a port
 * in loop or silent; a forged or tampered probe (unless what the MAC
 * covers is a probe we sent: a replay) changes no port's state, where
 * probe_heard, which any frame calls, left them; every frame probe.c sends
 * is a 60-byte probe with our id; probe_id_parse accepts exactly 16 hex
 * digits and returns their value.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../probe.c"
#include "../probe_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHK(c)	do { if (!(c)) __builtin_trap(); } while (0)
#define NP	4
#define NSENT	64

/* ------------------------------------------------------------------ */
/* Stubs */

int log_level = EW_LOG_INFO;
void
ew_random(void *buf, size_t len)
{
	memset(buf, 0x5a, len);		/* a fixed id, key and rounds */
}

int
ew_ct_eq(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
log_msg(int level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

static struct port ports[NP];
static size_t nports;

struct port *
port_at(size_t i)
{
	return i < nports ? &ports[i] : NULL;
}

struct port *
port_find(int no)
{
	return no >= 1 && (size_t)no <= nports ? &ports[no - 1] : NULL;
}

unsigned
port_rtt(const struct port *q)
{
	return (unsigned)(q->no * 3);
}

/* What probe.c sent: the last probe per port, and a ring of all. */
static uint8_t last[NP][PROBE_LEN];
static int has_last[NP];
static uint8_t ring[NSENT][PROBE_LEN];
static size_t nring;

int
port_send(struct port *q, const uint8_t *f, size_t len)
{
	CHK(len == PROBE_LEN && probe_is(f, len));
	CHK(ew_be64(f + 19) == sw_id && f[18] == PROBE_VERSION);
	CHK(q->no >= 1 && (size_t)q->no <= nports && q->up && !q->shut);
	memcpy(last[q->no - 1], f, PROBE_LEN);
	has_last[q->no - 1] = 1;
	memcpy(ring[nring++ % NSENT], f, PROBE_LEN);
	return 0;
}

/* ------------------------------------------------------------------ */

static struct fdb fz_fdb;
static int inited;
static struct probe_port *pstate[NP];	/* each port's, kept */

static void
setup(void)
{
	static const uint64_t peer[NP] = { 0, 0x42, 0, 0 };
	size_t i;

	int k;

	clk = 1000000;
	if (!inited) {
		CHK(fdb_init(&fz_fdb, 64, 300000) == 0);
		probe_init(&fz_fdb);
		inited = 1;
	}
	for (i = 0; i < NP; i++)
		fdb_del_port(&fz_fdb, (int)i + 1, NULL);
	/* Everything as probe_init left it, so that an input does the
	 * same whatever ran before it (a crash replays). */
	for (k = 0; k < ntims; k++)
		tims[k]->idx = -1;
	timer_arm(&round_timer, PROBE_INTERVAL_MS);
	timer_arm(&tick_timer, PROBE_TICK_MS);
	timer_arm(&hello_timer, PROBE_INTERVAL_MS);
	memset(rounds, 0, sizeof(rounds));
	round_no = 0x5a5a5a5a5a5a5a5aULL >> 16;
	verifying = 0;
	verify_round = tc_until = lower_seen = loop_rtt = check_last = 0;
	period = PROBE_INTERVAL_MS;
	probe_key();			/* the same key; the tables emptied */
	for (i = 0; i < NP; i++) {
		if (ports[i].probe == NULL)
			CHK(probe_port_new(&ports[i]) == 0);
		memset(ports[i].probe, 0, sizeof(*ports[i].probe));
		pstate[i] = ports[i].probe;
	}
	memset(ports, 0, sizeof(ports));
	memset(has_last, 0, sizeof(has_last));
	nring = 0;
	for (i = 0; i < NP; i++) {
		ports[i].no = (int)i + 1;
		ports[i].up = 1;
		ports[i].fwd = PORT_FORWARDING;
		ports[i].probe = pstate[i];
		ports[i].peer_id = peer[i];
		ports[i].probe->bridged = i == 3;
		ports[i].up_since = clk - 1000 + i;
		ports[i].probe->heard = clk;
		snprintf(ports[i].target, sizeof(ports[i].target), "p%zu", i);
	}
	nports = NP;
}

static void
invariants(void)
{
	size_t i;

	for (i = 0; i < nports; i++) {
		CHK(ports[i].fwd == PORT_PROBING ||
		    ports[i].fwd == PORT_FORWARDING ||
		    ports[i].fwd == PORT_LOOP || ports[i].fwd == PORT_SILENT);
		CHK(ports[i].up || ports[i].fwd != PORT_LOOP);
		CHK(ports[i].fwd != PORT_LOOP ||
		    ports[i].probe->loop_blocks > 0);
	}
}

/* f carries what one of our probes authenticated (id, port, round,
 * flags, MAC): a replay, which may act (if its round is recent). */
static int
replay(const uint8_t *f, size_t len)
{
	size_t i, n = nring < NSENT ? nring : NSENT;

	if (len < PROBE_MAC_OFF + PROBE_MAC_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (memcmp(ring[i] + 18, f + 18, PROBE_MAC_OFF + PROBE_MAC_LEN
		    - 18) == 0)
			return 1;
	return 0;
}

/* A frame in on p as switch.c takes it (never on a port that is down);
 * forged: it must change no port's state, unless it is a replay. */
static void
frame_in(struct port *p, const uint8_t *f, size_t len, int forged)
{
	enum port_fwd before[NP], fwd;
	int ours, r, local;
	size_t i;

	if (!p->up)
		return;
	probe_heard(p, clk);
	if (!probe_is(f, len)) {
		CHK(len < 40 || memcmp(f, probe_dst, 6) != 0 ||
		    f[12] != 0x88 || f[13] != 0xb5 ||
		    memcmp(f + 14, PROBE_MAGIC, 4) != 0);
		return;
	}
	CHK(len >= 40);
	ours = ew_be64(f + 19) == sw_id;
	for (i = 0; i < nports; i++)
		before[i] = ports[i].fwd;
	r = probe_input(p, f, len, clk);
	CHK(r == ours);
	if (forged && !replay(f, len))
		for (i = 0; i < nports; i++)
			CHK(ports[i].fwd == before[i]);
	if (!r) {
		local = f[18] >= PROBE_VERSION && (f[39] & PROBE_F_LOCAL);
		fwd = p->fwd;
		r = probe_foreign(p, f, len, clk);
		/* never flooded: a hello, or what came in on a port in
		 * loop or silent (a copy of one flooded lately neither) */
		CHK(!r || (!local && fwd != PORT_LOOP && fwd != PORT_SILENT));
		for (i = 0; r && i < nports; i++)
			if (&ports[i] != p && ports[i].up && !ports[i].shut)
				(void)probe_admit(&ports[i], f, len, clk);
	}
}

static void
id_parse(const uint8_t *d, size_t n)
{
	char s[32];
	uint64_t id = 0;
	size_t i;
	int ok = n == 16;

	for (i = 0; i < n && ok; i++)
		ok = (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' &&
		    d[i] <= 'f') || (d[i] >= 'A' && d[i] <= 'F');
	CHK((probe_id_parse((const char *)d, n, &id) == 0) == ok);
	if (ok) {
		snprintf(s, sizeof(s), "%016llx", (unsigned long long)id);
		for (i = 0; i < 16; i++)
			CHK(s[i] == (d[i] >= 'A' && d[i] <= 'F' ?
			    d[i] - 'A' + 'a' : d[i]));
	}
}

/* Our probe from port j back in on port k, maybe tampered: then, if
 * the byte is one the MAC covers (or the version), a forgery. */
static void
bounce(size_t j, size_t k, int off, uint8_t x)
{
	uint8_t f[PROBE_LEN];

	if (!has_last[j])
		return;
	memcpy(f, last[j], PROBE_LEN);
	f[off] ^= x;
	frame_in(&ports[k], f, PROBE_LEN, x != 0 && off >= 18 &&
	    off < PROBE_MAC_OFF + PROBE_MAC_LEN);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t f[PROBE_LEN];
	size_t i = 0, l;
	struct port *p;
	int steps;

	setup();
	for (steps = 0; i < n && steps < 256; steps++) {
		switch (d[i++] % 7) {
		case 0:
			if (n - i < 2)
				return 0;
			p = &ports[d[i] % NP];
			l = d[i + 1];
			i += 2;
			l = l < n - i ? l : n - i;
			frame_in(p, d + i, l, 1);
			i += l;
			break;
		case 1:
			if (n - i < 1)
				return 0;
			p = &ports[d[i++] % NP];
			memset(f, 0, sizeof(f));
			l = n - i < sizeof(f) ? n - i : sizeof(f);
			memcpy(f, d + i, l);
			i += l;
			memcpy(f, probe_dst, 6);
			f[12] = 0x88;
			f[13] = 0xb5;
			memcpy(f + 14, PROBE_MAGIC, 4);
			put64(f + 19, sw_id);
			frame_in(p, f, sizeof(f), 1);
			break;
		case 2:
			if (n - i < 2)
				return 0;
			bounce(d[i] % NP, d[i + 1] % NP, 0, 0);
			i += 2;
			break;
		case 3:
			if (n - i < 4)
				return 0;
			if (d[i + 3] != 0)
				bounce(d[i] % NP, d[i + 1] % NP,
				    d[i + 2] % PROBE_LEN, d[i + 3]);
			i += 4;
			break;
		case 4:
			if (n - i < 1)
				return 0;
			advance((uint64_t)d[i++] * 8);
			break;
		case 5:
			if (n - i < 1)
				return 0;
			p = &ports[d[i++] % NP];
			if (p->up) {
				p->up = 0;
				fdb_del_port(&fz_fdb, p->no, NULL);
				probe_port_down(p);
			} else {
				p->up = 1;
				p->up_since = clk;
				probe_port_up(p);
			}
			break;
		default:
			id_parse(d + i, n - i);
			return 0;
		}
		invariants();
	}
	return 0;
}
