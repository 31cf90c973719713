/*
 * switch.c - the switch core: ports coming and going, learning,
 * forwarding, flooding, storm control, the ports' rx/tx counts, the FDB
 * (its own: others see it through switch_fdb_list and switch_fdb_stats)
 * and its sweep.
 *
 * The core knows nothing of sockets, TLS or WebSocket: frames come in
 * through switch_input() and leave through the port's ops (port.h), so
 * it references no symbol of the tap, connection, client, listener or
 * control code.
 */
#include <string.h>

#include "bytes.h"
#include "fdb.h"
#include "fmt.h"
#include "gso.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "switch.h"
#include "sys.h"

static struct switch_conf core_conf;	/* as the daemon said */
static struct fdb	 sw_fdb;

static struct ev_timer	 sweep_timer;

static void
fdb_log(const struct fdb_entry *e, const char *why)
{
	log_debug("fdb %s: port:%d; vid:%d; mac:%02x%02x%02x%02x%02x%02x",
	    why, e->port, e->vid, e->mac[0], e->mac[1], e->mac[2], e->mac[3],
	    e->mac[4], e->mac[5]);
}

void
port_set_up(struct port *p, int up)
{
	if (up == p->up)
		return;
	p->up = up;
	p->since = ew_now_ms();
	if (!up) {
		fdb_del_port(&sw_fdb, p->no, fdb_log);
		probe_port_down(p);
	} else {
		p->up_since = ew_now_ms();
		probe_port_up(p);
	}
}

void
port_set_shut(struct port *p, int shut)
{
	if (shut == p->shut)
		return;
	p->shut = shut;
	p->since = ew_now_ms();
	if (shut) {
		fdb_del_port(&sw_fdb, p->no, fdb_log);
		probe_port_down(p);
	} else if (p->up)
		probe_port_up(p);
}

/* ------------------------------------------------------------------ */
/* The switch */

static void
tx_count(struct port *q, int rc, size_t len)
{
	if (rc == 0) {
		q->tx++;
		q->tx_bytes += len;
	} else
		q->tx_dropped++;
}

/* Can q take (frame, vh) as it is? */
static int
takes(const struct port *q, const struct vnet *vh)
{
	return port_offload(q) || vnet_plain(vh);
}

/* Can q take the users' frames (probe: another switch's probe)? */
static int
usable(const struct port *q, const struct port *from, int probe)
{
	if (q == from || q->shut || !q->up)
		return 0;
	return probe_forwarding(q) || (probe && q->fwd == PORT_PROBING);
}

/* Where gso_segment's ordinary frames go: to one port, or (to NULL)
 * flooded to every usable port that does not take metadata. */
struct seg_to {
	struct port	*to, *from;
	uint64_t	 now;
};
/* One segment at a time: gso_segment builds each here before the next. */
static uint8_t seg_buf[MAX_FRAME];

static void
seg_out(void *arg, const uint8_t *f, size_t len)
{
	struct seg_to *st = arg;
	struct port *q;
	size_t i;

	if (st->to != NULL) {
		tx_count(st->to, port_xmit(st->to, f, len, NULL), len);
		return;
	}
	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (usable(q, st->from, 0) && !port_offload(q))
			tx_count(q, port_xmit(q, f, len, NULL), len);
	}
}

/* Counted output: a super-frame (or a checksum still to complete) to a
 * port without offload goes out as ordinary frames, each counted. */
static void
port_output(struct port *q, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct seg_to st = { q, NULL, 0 };

	if (takes(q, vh))
		tx_count(q, port_xmit(q, frame, len,
		    port_offload(q) ? vh : NULL), len);
	else if (gso_segment(vh, frame, len, seg_buf, seg_out, &st) < 0)
		q->tx_dropped++;	/* vnet_check passed: cannot happen */
}

static void
log_sent(const char *ports, uint16_t vid, const uint8_t *f)
{
	log_debug("sent: port:%s; vid:%d; "
	    "%02x%02x%02x%02x%02x%02x -> %02x%02x%02x%02x%02x%02x",
	    ports, vid, f[6], f[7], f[8], f[9], f[10], f[11],
	    f[0], f[1], f[2], f[3], f[4], f[5]);
}

/* Flood to every other usable port; probes are not counted (they are
 * the switches' own control traffic, not the users' frames).  Ports
 * without offload get a super-frame's segments after the others got
 * it whole: it is cut once, not once per port. */
static void
flood(struct port *from, const uint8_t *frame, size_t len,
    const struct vnet *vh, uint16_t vid, uint64_t now, int probe)
{
	struct seg_to st = { NULL, from, now };
	char list[256];
	size_t i, off = 0;
	struct port *q;
	int cut = 0;

	list[0] = '\0';
	for (i = 0; (q = port_at(i)) != NULL; i++) {
		if (!usable(q, from, probe))
			continue;
		if (probe) {
			if (probe_admit(q, frame, len, now))
				port_send(q, frame, len);
		}
		else if (takes(q, vh))
			port_output(q, frame, len, vh);
		else
			cut = 1;
		if (log_level <= EW_LOG_DEBUG && off < sizeof(list) - 16)
			off += (size_t)ew_snprintf(list + off, sizeof(list) - off,
			    "%s%d", off ? "," : "", q->no);
	}
	if (cut)
		(void)gso_segment(vh, frame, len, seg_buf, seg_out, &st);
	if (log_level <= EW_LOG_DEBUG)
		log_sent(list, vid, frame);
}

/* Storm control: a token bucket of flooded frames per input port, in
 * thousandths so that low limits refill smoothly. */
static int
storm_exceeded(struct port *p, uint64_t now)
{
	uint64_t cap = (uint64_t)core_conf.stormlimit * 1000;

	if (core_conf.stormlimit <= 0)
		return 0;
	if (now > p->storm_last) {
		p->storm_tokens += (now - p->storm_last) *
		    (uint64_t)core_conf.stormlimit;
		if (p->storm_tokens > cap)
			p->storm_tokens = cap;
		p->storm_last = now;
	}
	if (p->storm_tokens < 1000)
		return 1;
	p->storm_tokens -= 1000;
	return 0;
}

/* A probe: ours is consumed; another switch's is flooded (never
 * learned) within storm control, like any flooded frame. */
static void
probe_in(struct port *p, const uint8_t *frame, size_t len, uint64_t now)
{
	if (probe_input(p, frame, len, now))
		return;
	if (storm_exceeded(p, now)) {
		p->rx++;
		p->rx_bytes += len;
		p->storm_dropped++;
		p->rx_dropped++;
		return;
	}
	if (probe_foreign(p, frame, len, now))
		flood(p, frame, len, NULL, 0, now, 1);
}

void
switch_input(struct port *p, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct vnet v;
	uint16_t vid = 0;
	uint64_t now;
	struct port *q;
	int dst, tagged;
	char one[16];

	if (p->shut)
		return;
	now = ew_now_ms();
	probe_heard(p, now);
	if (probe_is(frame, len)) {
		probe_in(p, frame, len, now);
		return;
	}
	p->rx++;
	p->rx_bytes += len;
	tagged = len >= 14 && frame[12] == 0x81 && frame[13] == 0x00;
	if (len < MIN_FRAME || (tagged && len < 18) || len > MAX_FRAME) {
		p->rx_dropped++;
		return;
	}
	if (vh != NULL) {
		/* "Checksum known good" is the sender's kernel's business;
		 * what remains must describe the frame before any port
		 * (or gso_segment) relies on it. */
		v = *vh;
		v.flags &= (uint8_t)~VNET_F_DATA_VALID;
		if (vnet_check(&v, frame, len) < 0) {
			p->rx_dropped++;
			return;
		}
		vh = vnet_plain(&v) ? NULL : &v;
	}
	if (tagged)
		vid = ew_be16(frame + 14) & 0x0fff;
	if (!probe_forwarding(p)) {
		p->rx_dropped++;	/* probing, or the loop's other way */
		return;
	}
	if (!(frame[6] & 1) && fdb_learn(&sw_fdb, vid, frame + 6, p->no, now) > 0)
		log_debug("fdb learned: port:%d; vid:%d; "
		    "mac:%02x%02x%02x%02x%02x%02x", p->no, vid, frame[6],
		    frame[7], frame[8], frame[9], frame[10], frame[11]);
	if (frame[0] & 1 || (dst = fdb_lookup(&sw_fdb, vid, frame, now)) == 0) {
		if (storm_exceeded(p, now)) {
			p->storm_dropped++;
			p->rx_dropped++;
			return;
		}
		flood(p, frame, len, vh, vid, now, 0);
		return;
	}
	q = port_find(dst);
	if (q == NULL || q == p || q->shut || !q->up || !probe_forwarding(q)) {
		p->rx_dropped++;	/* no hairpin, no shut output */
		return;
	}
	port_output(q, frame, len, vh);
	if (log_level <= EW_LOG_DEBUG) {
		ew_snprintf(one, sizeof(one), "%d", q->no);
		log_sent(one, vid, frame);
	}
}

void
switch_input_dropped(struct port *p)
{
	p->rx++;
	p->rx_dropped++;
}

/* ------------------------------------------------------------------ */
/* Ports coming and going, the sweep */

struct port *
port_new(enum port_kind kind, const char *target, const struct port_ops *ops,
    void *priv)
{
	struct port *p;

	p = port_table_add(kind, target, ops, priv);
	if (p == NULL)
		return NULL;
	if (probe_port_new(p) < 0) {
		port_table_remove(p);
		return NULL;
	}
	p->up = 1;
	p->up_since = p->storm_last = p->since = ew_now_ms();
	p->storm_tokens = (uint64_t)core_conf.stormlimit * 1000;
	probe_port_up(p);
	return p;
}

void
port_delete(struct port *p, int close_code)
{
	if (port_find(p->no) != p)
		return;
	port_table_remove(p);
	fdb_del_port(&sw_fdb, p->no, fdb_log);
	probe_port_down(p);
	probe_port_free(p);
	p->ops->close(p, close_code);
}

void
port_delete_all(int close_code)
{
	struct port *p;

	while ((p = port_at(0)) != NULL)
		port_delete(p, close_code);
}

/* fdb.c counts each port's entries in it (--fdbportmax). */
static struct fdb_port *
fdb_port_of(int no)
{
	struct port *p = port_find(no);

	return p != NULL ? &p->fdb : NULL;
}

static void
sweep_cb(struct ev_timer *t)
{
	fdb_sweep(&sw_fdb, ew_now_ms(), fdb_log);
	timer_arm(t, FDB_SWEEP_MS);
}

int
switch_init(const struct switch_conf *conf)
{
	core_conf = *conf;
	if (fdb_init(&sw_fdb, (size_t)core_conf.fdbmax,
	    (uint64_t)core_conf.ageout * 1000) < 0)
		return -1;
	fdb_set_ports(&sw_fdb, (size_t)core_conf.fdbportmax, fdb_port_of);
	probe_init(&sw_fdb);
	timer_init(&sweep_timer, sweep_cb);
	timer_arm(&sweep_timer, FDB_SWEEP_MS);
	return 0;
}

size_t
switch_fdb_list(uint64_t now, struct fdb_entry **out)
{
	return fdb_list(&sw_fdb, now, out);
}

void
switch_fdb_stats(struct fdb_stats *st)
{
	fdb_stats(&sw_fdb, st);
}

void
switch_free(void)
{
	fdb_free(&sw_fdb);
}
