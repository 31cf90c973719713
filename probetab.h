/*
 * probetab.h - probe.c's two tables of other switches' probes
 * (probetab.c): the switch ids heard lately, whose count sets how often
 * each switch sends its own probes (one budget shared by all, as RTCP
 * shares its bandwidth), and the probes flooded lately, so that a copy
 * of one arriving again, on another port, is seen for what it is: a
 * loop passes through this switch.  Both are fixed-size, hashed under a
 * key of the caller's, and forget rather than grow.
 */
#ifndef PROBETAB_H
#define PROBETAB_H

#include <stddef.h>
#include <stdint.h>

/* The hash key: 16 bytes only this switch knows; both tables empty. */
void ptab_init(const uint8_t key[16]);
/* Switch id heard now (another switch's flooded probe). */
void ptab_id_seen(uint64_t id, uint64_t now);
/* Distinct ids heard in the last max_age ms (at most PROBE_IDS_MAX). */
size_t ptab_ids(uint64_t now, uint64_t max_age);
/* Another switch's probe (id, its port, round) came in on port in_port
 * now: 0 if it is new (remembered), else the port a copy came in on in
 * the last window ms (in_port itself if it came in there again). */
int ptab_probe_seen(uint64_t id, uint32_t port, uint64_t rnd, int in_port,
    uint64_t now, uint64_t window);

#endif /* PROBETAB_H */
