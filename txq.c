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
#include <time.h>

#include "sock.h"
#include "txq.h"
#include "ws.h"

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

void
txq_add(struct txq *q, uint32_t start, uint32_t end, int keep, uint64_t now)
{
	struct txq_rec *r;
	uint32_t t = (uint32_t)now;

	if (!q->on) {
		q->on = 1;
		q->fend = start;
		if (q->interval_us == 0)
			q->interval_us = CODEL_INTERVAL_MS * 1000;
	}
	if (q->n > 0) {
		r = &q->rec[(q->first + q->n - 1) % TXQ_RECS];
		if (q->n == TXQ_RECS ||
		    (r->keep == keep && t - r->t < TXQ_GRAIN_US)) {
			r->end = end;
			r->keep |= keep;
			return;
		}
	}
	r = &q->rec[(q->first + q->n) % TXQ_RECS];
	r->end = end;
	r->t = t;
	r->keep = keep;
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
	if (q->n == 0 || q->rec[q->first].keep)
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
