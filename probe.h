/*
 * probe.h - loop detection (probe.c): probe frames out of every port,
 * and the port that closes a loop blocked.  Called by the switch core.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <stdint.h>

struct port;
struct fdb;

/* This switch's random id: in probes, and in X-Etherws-Id so that a
 * server can refuse a client port of its own switch. */
extern uint64_t sw_id;

/* The id, the timers; fdb: the switch's, flushed on loops. */
void probe_init(struct fdb *fdb);
/* p came up (or is new): probe out of it shortly. */
void probe_port_up(struct port *p);
/* 1 if (frame, len) is a loop probe, ours or another switch's. */
int probe_is(const uint8_t *frame, size_t len);
/* 1 if the probe was ours (consumed), 0 to flood it without learning. */
int probe_input(struct port *p, const uint8_t *frame, size_t len);
/* 1 while the port is blocked by a loop (unblocks after the hold). */
int probe_blocked(struct port *p, uint64_t now);

#endif /* PROBE_H */
