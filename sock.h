/*
 * sock.h - tunnel sockets' options, round-trip time and address texts
 * (sock.c).
 */
#ifndef SOCK_H
#define SOCK_H

#include <stddef.h>

struct sockaddr;

/* TCP_NODELAY, TCP_NOTSENT_LOWAT, keepalives, TCP_USER_TIMEOUT (from
 * keepalive, --keepalive's seconds): every tunnel socket. */
void sock_tune(int fd, long long keepalive);
/* The kernel's round-trip estimate of the TCP socket fd, ms (0: none
 * yet, or fd < 0). */
unsigned sock_rtt_ms(int fd);
/* The same in us. */
unsigned long sock_rtt_us(int fd);
/* "ip" and "ip:port" / "[ip]:port" of sa. */
void sock_addr_text(const struct sockaddr *sa, char *ip, size_t iplen,
    char *full, size_t fulllen);

#endif /* SOCK_H */
