/*
 * txq.h - the discipline of a tunnel connection's transmit queue
 * (txq.c): how long its frames have waited, and CoDel (RFC 8289) on
 * that wait, dropping whole frames at the head.
 *
 * The queue itself is conn.c's byte buffer; txq only keeps, beside it,
 * when its frames were queued (a small ring of records, no allocation)
 * and where the frame at its head ends.  Positions are the queue's byte
 * counts since the connection opened (conn's queued), low 32 bits: the
 * queue is far shorter than 4 GiB, so differences are exact.
 * Used by conn.c only.
 */
#ifndef TXQ_H
#define TXQ_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

struct txq_rec {
	uint32_t	 end;		/* position after its last frame */
	uint32_t	 t;		/* its first frame queued, us */
};

struct txq {
	struct txq_rec	 rec[TXQ_RECS];	/* ring, oldest at first */
	uint64_t	 keep;		/* bit i: rec[i] holds a control frame,
					 * never dropped (TXQ_RECS <= 64) */
	unsigned	 first, n;
	int		 on;		/* a frame was queued: fend is valid */
	uint32_t	 fend;		/* end of the frame at the head: the
					 * head is a frame's start when at it */
	/* CoDel's state (RFC 8289 section 5) */
	uint64_t	 first_above;	/* us; 0: under target */
	uint64_t	 drop_next;	/* us */
	uint32_t	 count, lastcount;
	int		 dropping;
	uint32_t	 interval_us;	/* CODEL_INTERVAL_MS or the RTT */
	uint64_t	 rtt_at;	/* ms the RTT was last read */
	uint64_t	 drops, drop_bytes; /* frames dropped, their bytes */
	/* The lane: sparse flows' frames, sent before the queue's next */
	uint8_t		*lane;		/* TXQ_LANE_MAX bytes, or NULL */
	size_t		 laneoff, lanelen, lane_end; /* lane_end: sent up
					 * to it before the queue goes on */
	uint32_t	 lane_total;	/* bytes ever put in it (wraps) */
	uint32_t	 gate;		/* the queue's end when the lane's last
					 * frame came: frames past it are later */
	size_t		 credit;	/* lane bytes before the queue's next
					 * (SIZE_MAX: all, a Close waits) */
	uint32_t	 flow_q[TXQ_FLOWS]; /* per flow bucket: the position
					 * after its last frame in the queue */
	uint32_t	 flow_l[TXQ_FLOWS]; /* and in the lane (lane_total) */
	uint64_t	 lane_frames;	/* frames that went by the lane */
};

/* Monotonic microseconds. */
uint64_t txq_now_us(void);
/* A frame [start, end) was queued now; keep: a control frame. */
void txq_add(struct txq *, uint32_t start, uint32_t end, int keep,
    uint64_t now);
/*
 * The queue, head[0..len) from position pos, is about to be sent: the
 * bytes CoDel drops from its head first (whole frames, none started or
 * kept), which the caller takes off unsent.  fd: the tunnel's socket,
 * whose round trip sets CoDel's interval (read once a CODEL_RTT_MS).
 */
size_t txq_drop(struct txq *, const uint8_t *head, size_t len, uint32_t pos,
    int fd);
/* buf[0..len) (the queue as it was, from position pos) went up to
 * position to: the end of the head frame follows. */
void txq_taken(struct txq *, const uint8_t *buf, size_t len, uint32_t pos,
    uint32_t to);
/* n bytes of buf[0..len) (the queue, from position pos) to be sent,
 * made whole frames: so the next head is a frame's start, which CoDel
 * may drop. */
size_t txq_whole(const struct txq *, const uint8_t *buf, size_t len,
    uint32_t pos, size_t n);
/*
 * A data frame, the Ethernet frame (f, len), all bytes on the wire: 1
 * if it is to go by the lane (a frame of a flow with nothing waiting,
 * in the queue or the lane, and room), *flow its bucket either way.
 * head: the queue's head position.  The lane must exist (txq_lane_new).
 */
int txq_sparse(struct txq *, const uint8_t *f, size_t len, size_t all,
    uint32_t head, unsigned *flow);
/* The lane's buffer: 0, or -1 out of memory. */
int txq_lane_new(struct txq *);
void txq_free(struct txq *);
/* Room for n bytes at the lane's end, taken (txq_sparse said so); tail:
 * the queue's end position (what is queued after it waits for it). */
uint8_t *txq_lane_put(struct txq *, unsigned flow, size_t n, uint32_t tail);
/* A data frame of flow went to the queue, ending at position end. */
void txq_queued(struct txq *, unsigned flow, uint32_t end);
/* 1 if the lane goes next: not empty, the queue's head at a frame's start
 * (at position head, len bytes queued) and the lane's share not spent. */
int txq_lane_turn(struct txq *, uint32_t head, size_t len);
/* n bytes left from the lane (lane 1) or the queue (0). */
void txq_sent(struct txq *, int lane, size_t n);
/* How long the frame at position pos has waited, ms (0: none). */
unsigned txq_delay_ms(const struct txq *, uint32_t pos, uint64_t now);
/* The tunnel's round trip rtt_ms sets CoDel's interval (within
 * CODEL_INTERVAL_MS and CODEL_INTERVAL_MAX_MS). */
void txq_rtt(struct txq *, unsigned rtt_ms);

#endif /* TXQ_H */
