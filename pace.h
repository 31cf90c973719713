/*
 * pace.h - how much a tunnel's socket may hold (pace.c): on a long path,
 * a round trip's worth of what the path delivers, and a little more.
 *
 * The kernel's TCP would otherwise take all it is given and grow its
 * window until the path's bottleneck queue overflows: that queue (the
 * link's, not ours) then holds the waiting, and the losses make all the
 * tunnel's frames wait a round trip for the retransmission.  Bounded,
 * the bytes wait in our queue instead, where CoDel (txq.c) sees their
 * wait and drops the bulk flows' frames, which then slow down.
 * Used by conn.c only.
 */
#ifndef PACE_H
#define PACE_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

struct pace {
	struct ev_timer	 timer;		/* bounded: the next look (the
					 * owner's callback sends again) */
	int		 blocked;	/* at the bound: no EPOLLOUT */
	uint64_t	 wr;		/* bytes ever written to the socket */
	uint64_t	 kq_wr;		/* wr when kq was read */
	uint64_t	 kq;		/* the kernel's unacknowledged bytes
					 * (sent or not) then: SIOCOUTQ */
	uint64_t	 at;		/* us of the last rate sample */
	uint64_t	 acked;		/* bytes acknowledged by then */
	uint64_t	 bw[2], bw_at;	/* delivery rate, bytes/s: the most
					 * of this window and the last */
	uint32_t	 rtt[2];	/* least round trip, us, likewise */
	uint64_t	 rtt_at;
	uint64_t	 rate;		/* SO_MAX_PACING_RATE set, bytes/s
					 * (0: none yet) */
};

/* Bytes of want the socket fd may take now (want itself when the path
 * is short, PACE_RTT_MIN_MS); 0: none, the timer is armed. */
size_t pace_room(struct pace *, int fd, size_t want, uint64_t now);
/* n bytes were written to the socket. */
void pace_sent(struct pace *, size_t n);
/* The round's sends are done: the rate and round trip are sampled now
 * if due (once a round trip, PACE_SAMPLE_MS at least), after the bytes
 * left rather than before. */
void pace_after(struct pace *, int fd, uint64_t now);

#endif /* PACE_H */
