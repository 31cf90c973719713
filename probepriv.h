/*
 * probepriv.h - probe.c's state of one port, for probe.c and its unit
 * tests alone: the switch core and the RPC see a port's loop-detection
 * state through probe.h (its forwarding state, probe_port_info).
 */
#ifndef PROBEPRIV_H
#define PROBEPRIV_H

#include <stdint.h>

#include "loop.h"

struct probe_port {
	uint64_t	 heard;		/* ms: last frame received */
	int		 bridged;	/* another switch's probe came in
					 * since it came up: not an edge */
	uint64_t	 loop_seen;	/* ms: our probe last crossed it */
	uint64_t	 loop_blocks;	/* times blocked */
	uint64_t	 check_at;	/* ms: blocked, a check went out of it
					 * then (0: none pending) */
	uint64_t	 tc_last;	/* ms: last flush its neighbour asked */
	/* probing: the current window */
	uint64_t	 pr_start, pr_end, pr_next; /* ms */
	int		 pr_left;	/* probes still to send in it */
	int		 pr_hit;	/* ours from a forwarding (or older)
					 * port came back on it: a loop */
	int		 pr_back;	/* ours from it came back elsewhere */
	int		 pr_ext;	/* window extended for pr_back */
	int		 pr_defers;	/* windows yielded to a lower id */
	int		 pr_verify;	/* send one of ours out of it soon */
	/* the trip to its peer, smoothed (RFC 6298), ms */
	uint32_t	 pr_srtt, pr_rttvar;
	/* its neighbour's last hello, echoed in ours (RTT) */
	uint64_t	 echo_rnd;	/* its round, low 48 bits */
	uint64_t	 echo_at;	/* ms: when it came (0: none) */
	uint64_t	 proven;	/* ms: its hello last echoed a round of
					 * ours (0: never since it came up) */
	int		 change_due;	/* forwarding before its neighbour
					 * proved it is ours: the change is
					 * made (flush, TC) once it does */
	/* other switches' probes flooded out of it: a token bucket */
	uint64_t	 tokens;	/* thousandths of a probe */
	uint64_t	 tok_last;	/* ms: last refill */
	uint64_t	 dropped;	/* not sent for want of a token */
	uint64_t	 probes_rx;	/* probe frames received on it */
	struct ev_grave	 grave;		/* freed after the dispatch round */
};

#endif /* PROBEPRIV_H */
