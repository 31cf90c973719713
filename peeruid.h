/*
 * peeruid.h - the local user at the other end of a TCP connection
 * (peeruid.c; Linux: socket diagnostics, else /proc/net/tcp{,6}).
 */
#ifndef PEERUID_H
#define PEERUID_H

#include <stdint.h>

struct sockaddr;

/*
 * Asks the kernel who owns the socket at the other end of the connected
 * TCP socket fd.  *local: the peer is on this host (in our network
 * namespace): the connection came to a loopback address, or the peer's
 * address is one of ours (the routing table says so; when it cannot be
 * asked, an address a socket may bind to).  Returns 1 with *uid set: a
 * local peer's socket, held open by a process; 0: a peer on another
 * host (nobody looked up); -1: a local peer nobody can be named for
 * (ECONNRESET: its socket is gone, closed or reset; ENOTCONN: the
 * kernel keeps it closed, without its owner), or the connection itself
 * is gone.  Never blocks; one netlink query for a remote peer, a few
 * (or a bounded scan of /proc) for a local one.
 */
int peeruid_get(int fd, uint32_t *uid, int *local);
/* 1 if sa is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). */
int peeruid_loopback(const struct sockaddr *sa);

#endif /* PEERUID_H */
