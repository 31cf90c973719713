/*
 * metrics.c - the switch's numbers in the Prometheus text exposition
 * format (version 0.0.4), for GET /metrics on the control endpoint:
 * one family at a time, its "# HELP" and "# TYPE" lines and then its
 * samples; per-port families carry the labels port, type and target.
 *
 * It reads only what the modules expose through functions: the port
 * table and each port's stats op (port.h), the FDB's numbers
 * (switch.h), the connections' numbers (conn.h).  The text is built in
 * one buffer that doubles up to METRICS_MAX; ctlsrv.c queues it like a
 * control reply, within the connection's memory bound (--maxmem, or
 * CTL_MEM_MAX for a control connection).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "defs.h"
#include "fdb.h"
#include "fmt.h"
#include "metrics.h"
#include "port.h"
#include "probe.h"
#include "switch.h"

/* The first buffer: a switch of some ten ports fits in it. */
#define FIRST_CAP	16384
/* A port's label set: the target escaped takes 2 bytes a byte at most. */
#define LABELS_MAX	(2 * URL_MAX + 64)

/* The text so far; err: out of memory or over METRICS_MAX. */
struct mw {
	char	*buf;
	size_t	 len, cap;
	int	 err;
};

/* Room for need more bytes: 0, or -1 (err set). */
static int
mw_grow(struct mw *w, size_t need)
{
	size_t cap = w->cap;
	char *n;

	while (cap - w->len < need) {
		if (cap >= METRICS_MAX) {
			w->err = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((n = realloc(w->buf, cap)) == NULL) {
		w->err = 1;
		return -1;
	}
	w->buf = n;
	w->cap = cap;
	return 0;
}

static void
mw_printf(struct mw *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
mw_printf(struct mw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	while (!w->err) {
		va_start(ap, fmt);
		n = ew_vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
		va_end(ap);
		if ((size_t)n < w->cap - w->len) {
			w->len += (size_t)n;
			return;
		}
		(void)mw_grow(w, (size_t)n + 1);	/* and again */
	}
}

/* "# HELP" and "# TYPE" of a family (help has no backslash or newline). */
static void
family(struct mw *w, const char *name, const char *type, const char *help)
{
	mw_printf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void
single(struct mw *w, const char *name, const char *type, const char *help,
    unsigned long long v)
{
	family(w, name, type, help);
	mw_printf(w, "%s %llu\n", name, v);
}

/* ------------------------------------------------------------------ */
/* Label values */

/* Bytes of the well-formed UTF-8 character at s (n bytes left), 0 if
 * none starts there. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;		/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;		/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;		/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;		/* past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* v as a label value into out (2 * strlen(v) + 1 bytes at least):
 * backslash, double quote and newline escaped as the format says, and
 * a byte that is not UTF-8 as '?' (a device name cut at 15 bytes may
 * end inside a character; the format's text is UTF-8). */
static void
label_escape(const char *v, char *out)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t n = strlen(v), i = 0, k;

	while (i < n) {
		k = utf8_len(s + i, n - i);
		if (k == 0) {
			*out++ = '?';
			i++;
		} else if (s[i] == '\\' || s[i] == '"' || s[i] == '\n') {
			*out++ = '\\';
			*out++ = s[i] == '\n' ? 'n' : (char)s[i];
			i++;
		} else {
			memcpy(out, s + i, k);
			out += k;
			i += k;
		}
	}
	*out = '\0';
}

/* port="N",type="T",target="..." */
static void
port_labels(const struct port *p, char *out, size_t cap)
{
	char t[2 * URL_MAX];

	label_escape(p->target, t);
	ew_snprintf(out, cap, "port=\"%d\",type=\"%s\",target=\"%s\"", p->no,
	    port_kind_name(p->kind), t);
}

/* ------------------------------------------------------------------ */
/* Per-port families */

/* Where a family's number is: a uint64_t of struct port, of struct
 * port_stats for a port whose kind fills in that group, or of the
 * port's loop detection (probe.c's struct probe_info). */
enum from { F_PORT, F_QUEUE, F_CLIENT, F_PROBE };

struct pfam {
	const char	*name, *type, *help;
	enum from	 from;
	size_t		 off;
};

#define P(f)	F_PORT, offsetof(struct port, f)
#define S(g, f)	g, offsetof(struct port_stats, f)
#define L(f)	F_PROBE, offsetof(struct probe_info, f)

static const struct pfam pfams[] = {
	{ "etherws_port_rx_frames_total", "counter", "Frames received on "
	    "the port, dropped ones too.", P(rx) },
	{ "etherws_port_tx_frames_total", "counter", "Frames sent out of "
	    "the port (a super-frame a port takes whole counts once).",
	    P(tx) },
	{ "etherws_port_rx_bytes_total", "counter", "Bytes of the frames "
	    "received (a tunnel message dropped for its size counts as a "
	    "frame only).", P(rx_bytes) },
	{ "etherws_port_tx_bytes_total", "counter", "Bytes of the frames "
	    "sent.", P(tx_bytes) },
	{ "etherws_port_rx_dropped_frames_total", "counter", "Received "
	    "frames dropped: malformed or oversized, the port probing or "
	    "blocked, storm control, no usable destination.", P(rx_dropped) },
	{ "etherws_port_tx_dropped_frames_total", "counter", "Frames not "
	    "sent: transmit queue full (--queue), tunnel down, device write "
	    "error.", P(tx_dropped) },
	{ "etherws_port_storm_dropped_frames_total", "counter", "Flooded "
	    "frames dropped by storm control (--stormlimit); also in "
	    "rx_dropped.", P(storm_dropped) },
	{ "etherws_port_loop_blocks_total", "counter", "Times loop "
	    "detection blocked the port.", L(loop_blocks) },
	{ "etherws_port_probes_rx_total", "counter", "Loop probes and "
	    "hellos that came in on the port.", L(probes_rx) },
	{ "etherws_port_probes_dropped_total", "counter", "Other switches' "
	    "probes not sent out of the port (its probe budget).",
	    L(probes_dropped) },
	{ "etherws_port_queue_bytes", "gauge", "Bytes waiting in the "
	    "transmit queue of a tunnel port's open connection.",
	    S(F_QUEUE, queue_bytes) },
	{ "etherws_port_queue_delay_milliseconds", "gauge", "How long "
	    "the frame at the head of a tunnel port's transmit queue has "
	    "waited.", S(F_QUEUE, queue_delay_ms) },
	{ "etherws_port_codel_dropped_frames_total", "counter", "Frames "
	    "the queue's CoDel dropped because they waited too long (not in "
	    "tx_dropped).", S(F_QUEUE, codel_dropped) },
	{ "etherws_port_connects_total", "counter", "Handshakes a client "
	    "port completed (its reconnects: one less).",
	    S(F_CLIENT, connects) },
	{ "etherws_port_connect_failures_total", "counter", "Attempts of a "
	    "client port that failed.", S(F_CLIENT, failures) },
	{ "etherws_port_failed_attempts", "gauge", "A client port's "
	    "attempts since its last success (showPort's failed_attempts).",
	    S(F_CLIENT, failing) },
};

static void
port_family(struct mw *w, const struct pfam *f)
{
	char lab[LABELS_MAX];
	struct port_stats st;
	struct probe_info pi;
	const struct port *p;
	const char *base;
	uint64_t v;
	size_t i;

	family(w, f->name, f->type, f->help);
	for (i = 0; (p = port_at(i)) != NULL && !w->err; i++) {
		base = (const char *)p;
		if (f->from == F_PROBE) {
			probe_port_info(p, &pi);
			base = (const char *)&pi;
		} else if (f->from != F_PORT) {
			port_stats(p, &st);
			if (f->from == F_QUEUE ? !st.has_queue : !st.has_client)
				continue;
			base = (const char *)&st;
		}
		memcpy(&v, base + f->off, sizeof(v));
		port_labels(p, lab, sizeof(lab));
		mw_printf(w, "%s{%s} %llu\n", f->name, lab,
		    (unsigned long long)v);
	}
}

/* up, and the state as a label (one sample a port, value 1) */
static void
port_states(struct mw *w)
{
	char lab[LABELS_MAX];
	const struct port *p;
	size_t i;

	family(w, "etherws_port_up", "gauge", "1 if the port's device is "
	    "usable or its tunnel connected, else 0.");
	for (i = 0; (p = port_at(i)) != NULL && !w->err; i++) {
		port_labels(p, lab, sizeof(lab));
		mw_printf(w, "etherws_port_up{%s} %d\n", lab, p->up ? 1 : 0);
	}
	family(w, "etherws_port_state", "gauge", "The port's state as "
	    "listPort says it, in the state label: up, probing, loop, "
	    "silent, down or shut (value 1).");
	for (i = 0; (p = port_at(i)) != NULL && !w->err; i++) {
		port_labels(p, lab, sizeof(lab));
		mw_printf(w, "etherws_port_state{%s,state=\"%s\"} 1\n", lab,
		    port_state_name(p));
	}
}

/* ------------------------------------------------------------------ */
/* The switch as a whole */

static void
switch_families(struct mw *w)
{
	struct fdb_stats f;

	switch_fdb_stats(&f);
	family(w, "etherws_info", "gauge", "The switch's version, in the "
	    "version label (value 1).");
	mw_printf(w, "etherws_info{version=\"%s\"} 1\n", ETHERWS_VERSION);
	single(w, "etherws_ports", "gauge", "Ports in the switch.",
	    port_count());
	single(w, "etherws_fdb_entries", "gauge", "Entries in the "
	    "forwarding database (expired ones until the next sweep).",
	    f.entries);
	single(w, "etherws_fdb_entries_limit", "gauge", "Entries the "
	    "forwarding database holds at most (--fdbmax).", f.max);
	single(w, "etherws_fdb_learn_refused_total", "counter", "Addresses "
	    "not learned: the forwarding database, or the port's share of "
	    "it (--fdbportmax), was full.", f.full_drops + f.port_drops);
	single(w, "etherws_fdb_moves_damped_total", "counter", "Moves of a "
	    "learned address to another port refused: it was still fresh.",
	    f.move_damped);
}

static void
conn_families(struct mw *w)
{
	struct conn_stats c;

	conn_stats(&c);
	family(w, "etherws_connections", "gauge", "Open connections by kind: "
	    "control, tunnel (accepted, also while in their request) and "
	    "client (client ports', attempts too).");
	mw_printf(w, "etherws_connections{kind=\"control\"} %zu\n"
	    "etherws_connections{kind=\"tunnel\"} %zu\n"
	    "etherws_connections{kind=\"client\"} %zu\n", c.ctl, c.tunnel,
	    c.client);
	family(w, "etherws_connections_limit", "gauge", "Connections at "
	    "most: control (--ctlmaxconn), tunnel (--maxconn).");
	mw_printf(w, "etherws_connections_limit{kind=\"control\"} %lld\n"
	    "etherws_connections_limit{kind=\"tunnel\"} %lld\n", c.ctl_max,
	    c.tunnel_max);
	single(w, "etherws_connections_evicted_total", "counter", "Accepted "
	    "connections still in their request closed at --maxconn for "
	    "new ones.", c.evicted);
	single(w, "etherws_queue_limit_bytes", "gauge", "A tunnel "
	    "connection's transmit queue at most (--queue).", c.queue_max);
	single(w, "etherws_memory_used_bytes", "gauge", "Buffer bytes of all "
	    "connections together (what --maxmem bounds).", c.mem);
	single(w, "etherws_memory_limit_bytes", "gauge", "The bound on "
	    "them (--maxmem).", c.mem_max);
	single(w, "etherws_memory_cuts_total", "counter", "Connections cut "
	    "to stay within --maxmem.", c.mem_cuts);
}

char *
metrics_text(size_t *len)
{
	struct mw w = { NULL, 0, FIRST_CAP, 0 };
	size_t i;

	if ((w.buf = malloc(w.cap)) == NULL)
		return NULL;
	switch_families(&w);
	conn_families(&w);
	port_states(&w);
	for (i = 0; i < sizeof(pfams) / sizeof(pfams[0]); i++)
		port_family(&w, &pfams[i]);
	if (w.err) {
		free(w.buf);
		return NULL;
	}
	*len = w.len;
	return w.buf;
}
