/*
 * srclimit.h - per-source counts of accepted connections (srclimit.c):
 * unfinished ones at most SRC_MAX_PENDING an address, and without
 * --htpasswd open tunnels at most all but 1/SRC_OPEN_SHARE of --maxconn.
 */
#ifndef SRCLIMIT_H
#define SRCLIMIT_H

#include <stdint.h>

struct srcent;		/* one source's counts */

/* The source of address text ip: "::ffff:a.b.c.d" for IPv4 (all of
 * 127/8 one), an IPv6 /64.  0, or -1 if ip is no address. */
int src_key(const char *ip, uint8_t key[16]);
/* The entry of ip with one more pending connection, or NULL: at the
 * cap (or out of memory). */
struct srcent *src_take(const char *ip);
/* One connection less for *ep, pending or open (upgraded, past its
 * request, or gone); *ep becomes NULL. */
void src_put(struct srcent **ep, int open);
/* A pending connection of *ep upgrades to a tunnel: when vouched for
 * (--htpasswd) it no longer counts (*ep NULL), else it counts as open
 * (*open set) within its share of maxconn.  0, or -1: its source holds
 * that share already. */
int src_upgrade(struct srcent **ep, int *open, long long maxconn,
    int vouched);
/* The open tunnels of e's source. */
unsigned src_open_count(const struct srcent *e);

#endif /* SRCLIMIT_H */
