/*
 * test_txq - txq.c, the tunnel tx queue's discipline, on a byte queue
 * built here as conn.c builds it (WebSocket frames, masked or not):
 * frames that waited past CODEL_TARGET_US for an interval are dropped
 * whole at the head, one, then at the control law's pace; never a
 * control frame, never a frame already begun, never from a queue of one
 * frame; sends are rounded to whole frames (txq_whole) and followed
 * across partial sends (txq_taken); a flow with nothing waiting goes by
 * the lane, its next frame not, and the lane goes first only at a frame
 * boundary and never ahead of what was queued after it.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "txq.h"
#include "ws.h"
#include "t.h"

static uint8_t	 q_buf[1 << 20];
static size_t	 q_len;		/* bytes queued = the tail position */

/* A frame of len payload bytes (masked: a client's), queued at now. */
static void
put(struct txq *q, int op, size_t len, int masked, int keep, uint64_t now)
{
	static const uint8_t key[4] = { 1, 2, 3, 4 };
	size_t h = ws_frame_header(q_buf + q_len, op, len,
	    masked ? key : NULL);

	memset(q_buf + q_len + h, 0x5a, len);
	txq_add(q, (uint32_t)q_len, (uint32_t)(q_len + h + len), keep, now);
	q_len += h + len;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Frames that waited 300 ms: nothing the first time (the interval
 * starts), one frame after an interval, then not again at once. */
static void
codel_drops(int masked)
{
	static struct txq q;
	size_t head = 0, n, one;
	uint64_t old = txq_now_us() - 300000;

	memset(&q, 0, sizeof(q));
	q_len = 0;
	put(&q, WS_OP_PING, 8, masked, 1, old);	/* control: kept */
	put(&q, WS_OP_BINARY, 1500, masked, 0, old);
	put(&q, WS_OP_BINARY, 70000, masked, 0, old);	/* 64-bit length */
	put(&q, WS_OP_BINARY, 200, masked, 0, old);
	CHECK(txq_drop(&q, q_buf, q_len, 0, -1) == 0);	/* Ping at head */
	n = ws_frame_size(q_buf);
	CHECK(n == (masked ? 14u : 10u));
	txq_taken(&q, q_buf, q_len, 0, (uint32_t)n);
	head = n;
	CHECK(txq_drop(&q, q_buf + head, q_len - head, (uint32_t)head, -1) ==
	    0);				/* above target: the interval starts */
	CHECK(txq_delay_ms(&q, (uint32_t)head, txq_now_us()) >= 300);
	sleep_ms(CODEL_INTERVAL_MS + 20);
	one = ws_frame_size(q_buf + head);
	CHECK(txq_drop(&q, q_buf + head, q_len - head, (uint32_t)head, -1) ==
	    one);			/* the 1500-byte frame, whole */
	CHECK(q.drops == 1 && q.dropping);
	head += one;
	/* the next drop is interval/sqrt(1) away */
	CHECK(txq_drop(&q, q_buf + head, q_len - head, (uint32_t)head, -1) ==
	    0);
	/* a send that ends inside the 70000-byte frame: it is begun, so
	 * not a candidate; txq_whole rounds a send up to its end */
	CHECK(txq_whole(&q, q_buf + head, q_len - head, (uint32_t)head, 100) ==
	    ws_frame_size(q_buf + head));
	txq_taken(&q, q_buf + head, q_len - head, (uint32_t)head,
	    (uint32_t)(head + 100));
	head += 100;
	sleep_ms(CODEL_INTERVAL_MS + 20);
	CHECK(txq_drop(&q, q_buf + head, q_len - head, (uint32_t)head, -1) ==
	    0);
	/* its end: the 200-byte frame is the head, alone (under
	 * CODEL_MIN_BYTES): kept however long it waited */
	n = 14 + 70000 - (masked ? 0 : 4) - 100;
	txq_taken(&q, q_buf + head, q_len - head, (uint32_t)head,
	    (uint32_t)(head + n));
	head += n;
	CHECK(q.fend == head);
	CHECK(txq_drop(&q, q_buf + head, q_len - head, (uint32_t)head, -1) ==
	    0);
	/* all sent: the episode ends */
	txq_taken(&q, q_buf + head, q_len - head, (uint32_t)head,
	    (uint32_t)q_len);
	CHECK(!q.dropping && q.first_above == 0);
}

/* A wait above target for less than an interval drops nothing. */
static void
codel_fresh(void)
{
	static struct txq q;
	int i;

	memset(&q, 0, sizeof(q));
	q_len = 0;
	for (i = 0; i < 100; i++)
		put(&q, WS_OP_BINARY, 1500, 0, 0, txq_now_us());
	CHECK(txq_drop(&q, q_buf, q_len, 0, -1) == 0);
	sleep_ms(CODEL_INTERVAL_MS + 20);
	CHECK(txq_drop(&q, q_buf, q_len, 0, -1) == 0);
	CHECK(q.drops == 0);
}

/* An Ethernet + IPv4 + UDP frame from port sport. */
static size_t
udp_frame(uint8_t *f, unsigned sport)
{
	memset(f, 0, 64);
	f[0] = 2;
	f[6] = 2;
	f[11] = 1;
	f[12] = 0x08;
	f[14] = 0x45;
	f[23] = 17;
	f[34] = (uint8_t)(sport >> 8);
	f[35] = (uint8_t)sport;
	return 64;
}

static void
lane(void)
{
	static struct txq q;
	uint8_t f[64];
	unsigned a, b;
	size_t len = udp_frame(f, 1000);

	memset(&q, 0, sizeof(q));
	CHECK(txq_lane_new(&q) == 0);
	/* nothing of the flow waits: the lane */
	CHECK(txq_sparse(&q, f, len, len + 2, 0, &a) == 1);
	txq_lane_put(&q, a, len + 2, 0);
	/* its next frame, while that one waits: the queue */
	CHECK(txq_sparse(&q, f, len, len + 2, 0, &b) == 0 && b == a);
	txq_add(&q, 0, (uint32_t)len + 2, 0, txq_now_us());
	txq_queued(&q, b, (uint32_t)len + 2);
	/* the lane's frame goes first, the queue being at a frame start */
	CHECK(txq_lane_turn(&q, 0, len + 2) == 1);
	q.credit = 0;		/* share spent: still first, as the queue's
				 * frame came after it (the gate) */
	q.lane_end = 0;
	CHECK(txq_lane_turn(&q, 0, len + 2) == 1);
	txq_sent(&q, 1, len + 2);
	CHECK(q.laneoff == 0 && q.lanelen == 0);
	/* the flow has a frame in the queue: not sparse until it left */
	CHECK(txq_sparse(&q, f, len, len + 2, 0, &b) == 0);
	CHECK(txq_sparse(&q, f, len, len + 2, (uint32_t)len + 2, &b) == 1);
	txq_free(&q);
}

int
main(void)
{
	codel_drops(0);
	codel_drops(1);
	codel_fresh();
	lane();
	return t_done("test_txq");
}
