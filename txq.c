/*
 * txq.c - the discipline of a tunnel connection's transmit queue: the
 * time each frame waited, and CoDel (RFC 8289) on it.
 *
 * A queue bounded only in bytes (--queue) holds seconds of frames on a
 * slow link: a ping behind a bulk upload waits for all of them.  CoDel
 * bounds the time instead: when the frame at the head has waited more
 * than CODEL_TARGET_US for a whole interval (CODEL_INTERVAL_MS, or the
 * tunnel's round trip if longer), frames are dropped at the head, at a
 * rate that grows with the square root of the drops until the wait is
 * below target again.  The flows inside the tunnel (TCP) see the drops
 * early, back off, and the queue stays short; --queue stays the hard
 * bound beside it.
 *
 * A frame is dropped whole and only before its first byte is sent
 * (WebSocket frames cannot be cut); control frames (Ping, Pong, Close,
 * loop probes) are never dropped.  Enqueue times are kept in a ring of
 * TXQ_RECS records, one per TXQ_GRAIN_US at most: frames queued together
 * share one, and when the ring is full the newest record takes the
 * frames that come (their wait is then overstated, by a queue already
 * far over target).  Nothing is allocated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "siphash.h"
#include "sock.h"
#include "txq.h"
#include "ws.h"

static struct sipkey	 flow_key;	/* random, once a process */
static int		 flow_keyed;

uint64_t
txq_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Position a is before b (32-bit wrap-around order). */
static int
pos_before(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

/* Record i holds a control frame: never dropped. */
static int
kept(const struct txq *q, unsigned i)
{
	return (q->keep >> i & 1) != 0;
}

void
txq_add(struct txq *q, uint32_t start, uint32_t end, int keep, uint64_t now)
{
	struct txq_rec *r;
	uint32_t t = (uint32_t)now;
	unsigned i;

	if (!q->on) {
		q->on = 1;
		q->fend = start;
		if (q->interval_us == 0)
			q->interval_us = CODEL_INTERVAL_MS * 1000;
	}
	if (q->n > 0) {
		i = (q->first + q->n - 1) % TXQ_RECS;
		r = &q->rec[i];
		if (q->n == TXQ_RECS ||
		    (kept(q, i) == (keep != 0) && t - r->t < TXQ_GRAIN_US)) {
			r->end = end;
			if (keep)
				q->keep |= (uint64_t)1 << i;
			return;
		}
	}
	i = (q->first + q->n) % TXQ_RECS;
	q->rec[i].end = end;
	q->rec[i].t = t;
	q->keep = keep ? q->keep | (uint64_t)1 << i :
	    q->keep & ~((uint64_t)1 << i);
	q->n++;
}

/* Forget the records of frames wholly before position pos. */
static void
txq_pop(struct txq *q, uint32_t pos)
{
	while (q->n > 0 && !pos_before(pos, q->rec[q->first].end)) {
		q->first = (q->first + 1) % TXQ_RECS;
		q->n--;
	}
}

void
txq_taken(struct txq *q, const uint8_t *buf, size_t len, uint32_t pos,
    uint32_t to)
{
	size_t off;

	while (q->on && pos_before(q->fend, to)) {
		off = q->fend - pos;
		if (pos_before(q->fend, pos) || off + 2 > len) {
			q->on = 0;	/* lost track (cannot happen): no drops */
			break;
		}
		q->fend += (uint32_t)ws_frame_size(buf + off);
	}
	txq_pop(q, to);
	if (to - pos >= len) {	/* empty: a new episode starts fresh */
		q->first_above = 0;
		q->dropping = 0;
	}
}

size_t
txq_whole(const struct txq *q, const uint8_t *buf, size_t len, uint32_t pos,
    size_t n)
{
	uint32_t e = q->fend;

	if (!q->on || n >= len || pos_before(e, pos))
		return n;
	while (pos_before(e, pos + (uint32_t)n)) {
		if (e - pos + 2 > len)
			return n;
		e += (uint32_t)ws_frame_size(buf + (e - pos));
	}
	return e - pos < len ? e - pos : len;
}

/* Integer square root. */
static uint64_t
isqrt(uint64_t x)
{
	uint64_t r = 0, b = (uint64_t)1 << 62;

	while (b > x)
		b >>= 2;
	while (b != 0) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else
			r >>= 1;
		b >>= 2;
	}
	return r;
}

/* The control law: the next drop interval / sqrt(count) after t. */
static uint64_t
control_law(const struct txq *q, uint64_t t)
{
	/* sqrt(count * 2^16) is 256 sqrt(count): 8 bits of fraction */
	return t + (uint64_t)q->interval_us * 256 /
	    isqrt((uint64_t)q->count << 16);
}

/* RFC 8289's dodequeue: 1 when the wait has been above target for an
 * interval (and more than a frame is queued). */
static int
ok_to_drop(struct txq *q, uint32_t sojourn, size_t len, uint64_t now)
{
	if (sojourn < CODEL_TARGET_US || len <= CODEL_MIN_BYTES) {
		q->first_above = 0;
		return 0;
	}
	if (q->first_above == 0) {
		q->first_above = now + q->interval_us;
		return 0;
	}
	return now >= q->first_above;
}

/* Enter the dropping state: the count resumes near its last value if
 * the previous episode was recent (RFC 8289 section 5.5). */
static void
start_dropping(struct txq *q, uint64_t now)
{
	uint32_t delta = q->count - q->lastcount;

	q->dropping = 1;
	q->count = delta > 1 && (now < q->drop_next ||
	    now - q->drop_next < 16 * (uint64_t)q->interval_us) ? delta : 1;
	q->drop_next = control_law(q, now);
	q->lastcount = q->count;
}

/* The frame at the head, head[0..len) from position pos: its length
 * if CoDel drops it now, else 0. */
static size_t
judge(struct txq *q, const uint8_t *head, size_t len, uint32_t pos,
    uint64_t now)
{
	const struct txq_rec *r;
	size_t flen;
	int ok;

	if (!q->on || q->fend != pos || len < 2)
		return 0;	/* not at a frame's start */
	txq_pop(q, pos);
	if (q->n == 0 || kept(q, q->first))
		return 0;
	r = &q->rec[q->first];
	if ((flen = ws_frame_size(head)) > len)
		return 0;
	ok = ok_to_drop(q, (uint32_t)now - r->t, len, now);
	if (q->dropping) {
		if (!ok) {
			q->dropping = 0;
			return 0;
		}
		if (now < q->drop_next)
			return 0;
		if (q->count < CODEL_COUNT_MAX)
			q->count++;
		q->drop_next = control_law(q, q->drop_next);
	} else if (ok)
		start_dropping(q, now);
	else
		return 0;
	q->fend += (uint32_t)flen;
	q->drops++;
	q->drop_bytes += flen;
	return flen;
}

size_t
txq_drop(struct txq *q, const uint8_t *head, size_t len, uint32_t pos,
    int fd)
{
	uint64_t now = txq_now_us();
	size_t n, all = 0;

	if (!q->on)
		return 0;
	if (now / 1000 - q->rtt_at >= CODEL_RTT_MS) {
		q->rtt_at = now / 1000;
		txq_rtt(q, sock_rtt_ms(fd));
	}
	if (len == 0)		/* nothing queued (head may be NULL) */
		return 0;
	while ((n = judge(q, head + all, len - all, pos + (uint32_t)all,
	    now)) > 0)
		all += n;
	return all;
}

unsigned
txq_delay_ms(const struct txq *q, uint32_t pos, uint64_t now)
{
	unsigned i;

	for (i = 0; i < q->n; i++)
		if (pos_before(pos, q->rec[(q->first + i) % TXQ_RECS].end))
			return ((uint32_t)now -
			    q->rec[(q->first + i) % TXQ_RECS].t) / 1000;
	return 0;
}

void
txq_rtt(struct txq *q, unsigned rtt_ms)
{
	if (rtt_ms < CODEL_INTERVAL_MS)
		rtt_ms = CODEL_INTERVAL_MS;
	if (rtt_ms > CODEL_INTERVAL_MAX_MS)
		rtt_ms = CODEL_INTERVAL_MAX_MS;
	q->interval_us = rtt_ms * 1000;
}

/* ------------------------------------------------------------------ */
/* The lane: frames of sparse flows first */

/* The IP part of a flow's key from the IPv4 or IPv6 header at ip (len
 * bytes of frame from there): protocol, addresses, ports if TCP or UDP
 * (and not a fragment's).  Its length at k. */
static size_t
flow_ip(uint8_t *k, unsigned et, const uint8_t *ip, size_t len)
{
	size_t n = 0, l4 = 0;
	unsigned proto = 0;

	if (et == 0x0800 && len >= 20) {
		proto = k[n++] = ip[9];
		memcpy(k + n, ip + 12, 8);
		n += 8;
		if ((ew_be16(ip + 6) & 0x3fff) == 0)
			l4 = (size_t)(ip[0] & 15) * 4;
	} else if (et == 0x86dd && len >= 40) {
		proto = k[n++] = ip[6];
		memcpy(k + n, ip + 8, 32);
		n += 32;
		l4 = 40;
	}
	if ((proto == 6 || proto == 17) && l4 >= 20 && len >= l4 + 4) {
		memcpy(k + n, ip + l4, 4);
		n += 4;
	}
	return n;
}

/* The bucket of an Ethernet frame's flow: its addresses, one VLAN tag,
 * then what flow_ip takes, under a random key (a peer cannot aim at one
 * bucket). */
static unsigned
flow_of(const uint8_t *f, size_t len)
{
	uint8_t k[64];
	size_t n = 14;
	unsigned et = ew_be16(f + 12);

	memcpy(k, f, 14);
	if ((et == 0x8100 || et == 0x88a8) && len >= 18) {
		memcpy(k + 14, f + 14, 4);
		n = 18;
		et = ew_be16(f + 16);
	}
	n += flow_ip(k + n, et, f + n, len - n);
	if (!flow_keyed) {
		sip_key_random(&flow_key);
		flow_keyed = 1;
	}
	return (unsigned)(sip_hash(&flow_key, k, n) % TXQ_FLOWS);
}

int
txq_sparse(struct txq *q, const uint8_t *f, size_t len, size_t all,
    uint32_t head, unsigned *flow)
{
	unsigned h = *flow = flow_of(f, len);

	return !pos_before(head, q->flow_q[h]) &&
	    !pos_before(q->lane_total - (uint32_t)(q->lanelen - q->laneoff),
	    q->flow_l[h]) && all <= TXQ_LANE_MAX - q->lanelen;
}

int
txq_lane_new(struct txq *q)
{
	if (q->lane == NULL && (q->lane = malloc(TXQ_LANE_MAX)) == NULL)
		return -1;
	q->credit = TXQ_QUANTUM;
	return 0;
}

void
txq_free(struct txq *q)
{
	free(q->lane);
	q->lane = NULL;
	q->laneoff = q->lanelen = q->lane_end = 0;
}

uint8_t *
txq_lane_put(struct txq *q, unsigned flow, size_t n, uint32_t tail)
{
	uint8_t *d = q->lane + q->lanelen;

	q->gate = tail;

	q->lanelen += n;
	q->lane_total += (uint32_t)n;
	q->flow_l[flow] = q->lane_total;
	q->lane_frames++;
	return d;
}

void
txq_queued(struct txq *q, unsigned flow, uint32_t end)
{
	q->flow_q[flow] = end;
}

int
txq_lane_turn(struct txq *q, uint32_t head, size_t len)
{
	if (q->laneoff < q->lane_end)
		return 1;	/* what it began goes first */
	/* the queue's frames from the gate on came after the lane's: they
	 * never go first, whatever the share */
	if (q->laneoff == q->lanelen || (len > 0 && (!q->on ||
	    q->fend != head || (q->credit == 0 && pos_before(head, q->gate)))))
		return 0;
	q->lane_end = q->lanelen;
	return 1;
}

void
txq_sent(struct txq *q, int lane, size_t n)
{
	if (!lane) {
		if (q->credit < TXQ_QUANTUM)
			q->credit = q->credit + n < TXQ_QUANTUM ?
			    q->credit + n : TXQ_QUANTUM;
		return;
	}
	q->laneoff += n;
	if (q->credit != SIZE_MAX)
		q->credit = q->credit > n ? q->credit - n : 0;
	if (q->laneoff == q->lanelen)
		q->laneoff = q->lanelen = q->lane_end = 0;
}
