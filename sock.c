/*
 * sock.c - what every tunnel socket gets and gives: its options
 * (TCP_NODELAY, TCP_NOTSENT_LOWAT, keepalives, TCP_USER_TIMEOUT), the
 * kernel's round-trip estimate, and the texts of its addresses for logs
 * and showPort.
 */
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "defs.h"
#include "fmt.h"
#include "sock.h"

void
sock_tune(int fd, long long keepalive)
{
	int on = 1, v;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	/* Little unsent data in the kernel: EPOLLOUT says what the path
	 * takes, and what waits does so in our queue, where CoDel sees its
	 * wait and may drop it (txq.c); the kernel's would be untimed. */
	v = TUNNEL_NOTSENT_LOWAT;
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v));
	/* The delay is bounded by pace.c, whatever the congestion control;
	 * but BBR's (v1) ProbeRTT drains the window to 4 packets for 200 ms
	 * every 10 s, a stall of every flow inside the tunnel (where that
	 * one is not built in, the system's default stays). */
	setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, TUNNEL_CC,
	    sizeof(TUNNEL_CC) - 1);
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	v = 30;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = 10;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = 3;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	/* Unacknowledged data waits as long as a silent peer would be
	 * kept by the keepalive (2 x --keepalive, seconds), within bounds. */
	v = TCP_USER_TIMEOUT_MAX_MS;
	if (keepalive > 0 && keepalive * 2000 < v)
		v = (int)keepalive * 2000;
	if (v < TCP_USER_TIMEOUT_MIN_MS)
		v = TCP_USER_TIMEOUT_MIN_MS;
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
}

unsigned long
sock_rtt_us(int fd)
{
	struct tcp_info ti;
	socklen_t l = sizeof(ti);

	if (fd < 0 || getsockopt(fd, IPPROTO_TCP,
	    TCP_INFO, &ti, &l) < 0 || l < offsetof(struct tcp_info,
	    tcpi_rttvar))
		return 0;
	return ti.tcpi_rtt;
}

unsigned
sock_rtt_ms(int fd)
{
	return (unsigned)((sock_rtt_us(fd) + 999) / 1000);
}

void
sock_addr_text(const struct sockaddr *sa, char *ip, size_t iplen, char *full,
    size_t fulllen)
{
	int port = 0;

	ip[0] = '\0';
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		ew_ntop(AF_INET, &s4->sin_addr, ip, iplen);
		port = ntohs(s4->sin_port);
		ew_snprintf(full, fulllen, "%s:%d", ip, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		ew_ntop(AF_INET6, &s6->sin6_addr, ip, iplen);
		port = ntohs(s6->sin6_port);
		ew_snprintf(full, fulllen, "[%s]:%d", ip, port);
	} else
		ew_snprintf(full, fulllen, "?");
}
