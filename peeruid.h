/*
 * peeruid.h - the local user at the other end of a TCP connection
 * (peeruid.c; Linux: socket diagnostics).
 */
#ifndef PEERUID_H
#define PEERUID_H

#include <stdint.h>

struct sockaddr;

/*
 * Asks the kernel who owns the socket at the other end of the connected
 * TCP socket fd.  Returns 1 with *uid set: that socket is on this host
 * (in our network namespace) and held open by a process; 0: there is no
 * such socket here (a remote peer, or a kernel without inet_diag); -1:
 * it is here but nobody can be named (closed already: the kernel keeps
 * such sockets without their owner), or the kernel could not be asked.
 * *loopback: the connection came to a loopback address (127.0.0.0/8,
 * ::1), where a peer not found is not a remote one.  Never blocks.
 */
int peeruid_get(int fd, uint32_t *uid, int *loopback);
/* 1 if sa is a loopback address (127.0.0.0/8, ::1). */
int peeruid_loopback(const struct sockaddr *sa);

#endif /* PEERUID_H */
