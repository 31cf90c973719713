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
 * TCP socket fd.  Returns 1 with *uid set: that socket is on this host
 * (in our network namespace) and held open by a process; 0: there is no
 * such socket here (a remote peer); -1: it is here but nobody can be
 * named (closed already: the kernel keeps such sockets without their
 * owner), or neither inet_diag nor /proc could be asked.
 * *loopback: the connection came to a loopback address (as
 * peeruid_loopback), where a peer not found is not a remote one.  Never blocks.
 */
int peeruid_get(int fd, uint32_t *uid, int *loopback);
/* 1 if sa is a loopback address (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104). */
int peeruid_loopback(const struct sockaddr *sa);

#endif /* PEERUID_H */
