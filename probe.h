/*
 * probe.h - loop detection (probe.c): probe frames out of every port,
 * the ports' forwarding states (port.h: enum port_fwd), the port that
 * closes a loop blocked, topology changes announced and acted on.
 * Called by the switch core.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct fdb;

/* This switch's random id: in probes, and in X-Etherws-Id so that a
 * server can refuse a client port of its own switch and both ends of a
 * tunnel know the other is one of ours. */
uint64_t probe_id(void);

/* The id, the key, the timers; fdb: the switch's, flushed on changes. */
void probe_init(struct fdb *fdb);
/* p is new: its probe state, 0; or -1 (out of memory). */
int probe_port_new(struct port *p);
/* p left the table: its probe state goes after this dispatch round. */
void probe_port_free(struct port *p);
/* What showPort tells of p's loop detection. */
struct probe_info {
	uint64_t	 loop_blocks;	/* times blocked */
	uint64_t	 probes_rx;	/* probe frames that came in on it */
	uint64_t	 probes_dropped; /* other switches' probes not sent
					 * out of it (its budget) */
	unsigned	 rtt_ms;	/* the link's smoothed round trip */
};
void probe_port_info(const struct port *p, struct probe_info *);
/* p is new, came back up or was un-shut: it probes before it forwards. */
void probe_port_up(struct port *p);
/* p went down, was shut or deleted: it no longer forwards. */
void probe_port_down(struct port *p);
/* A frame came in on p (a neighbour that had gone quiet is back). */
void probe_heard(struct port *p, uint64_t now);
/* 1 if (frame, len) is shaped as a loop probe, ours or another's. */
int probe_is(const uint8_t *frame, size_t len);
/* A probe came in on p: 1 if it carries our id (consumed: acted on if
 * it is authentic and recent), 0 if it is another switch's. */
int probe_input(struct port *p, const uint8_t *frame, size_t len,
    uint64_t now);
/* Another switch's probe that passed storm control: 1 if it is to be
 * flooded (not through a blocked port); its flags acted on. */
int probe_foreign(struct port *p, const uint8_t *frame, size_t len,
    uint64_t now);
/* 1 if another switch's probe (frame, len) may be flooded out of q now
 * (its token bucket); 0: counted in its probes_dropped. */
int probe_admit(struct port *q, const uint8_t *frame, size_t len,
    uint64_t now);
/* 1 if p carries the users' frames now. */
static inline int
probe_forwarding(const struct port *p)
{
	return p->fwd == PORT_FORWARDING;
}
/* fn(p) each time p stops probing: it forwards, is blocked, its
 * neighbour went silent, or it went down, was shut or deleted (fn must
 * not add or delete ports).  NULL: nobody is told. */
void probe_on_settled(void (*fn)(struct port *));
/* 16 hex digits (X-Etherws-Id): 0 and *id, or -1. */
int probe_id_parse(const char *s, size_t n, uint64_t *id);

#endif /* PROBE_H */
