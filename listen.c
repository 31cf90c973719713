/*
 * listen.c - the listening sockets (the tunnel endpoint, the control
 * endpoint, or one serving both paths), accepting connections on them,
 * and the TCP options every tunnel socket gets.
 *
 * A listener out of file descriptors is paused and retried rather than
 * left readable (level-triggered epoll would spin), and tunnels are
 * capped below RLIMIT_NOFILE so control and client ports keep theirs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "etherws.h"

/* File descriptors kept for everything but accepted tunnel connections
 * (listeners, taps, client attempts, resolver sockets) beyond ctlmaxconn. */
#define FD_RESERVE	64

static struct listener	*listeners;

/* ------------------------------------------------------------------ */
/* Listeners */

void
sock_tune(int fd)
{
	int on = 1, v;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	v = 30;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	v = 10;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	v = 3;
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	v = 60000;
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &v, sizeof(v));
}

void
addr_text(const struct sockaddr *sa, char *ip, size_t iplen, char *full,
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

static void
listener_resume(struct ev_timer *t)
{
	struct listener *ls = container_of(t, struct listener, pause);

	loop_mod(&ls->w, EPOLLIN);
}

static void
listener_io(struct ev_watcher *w, uint32_t revents)
{
	struct listener *ls = container_of(w, struct listener, w);
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	int fd, i;

	(void)revents;
	for (i = 0; i < RX_BUDGET; i++) {
		sl = sizeof(ss);
		fd = accept4(w->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of fds or memory: the connection stays queued and
			 * the listener readable; pause it instead of spinning. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_msg_rl(EW_LOG_WARNING, "accept",
				    "accept: %s", ew_strerror(errno));
				loop_mod(&ls->w, 0);
				timer_arm(&ls->pause, 100);
			}
			return;
		}
		/* A listener serving both paths counts as a tunnel one. */
		c = conn_new(fd, 0, !ls->ws);
		if (c == NULL) {
			close(fd);	/* over the connection cap */
			continue;
		}
		sock_tune(fd);
		c->ls = ls;
		c->state = CS_REQ;
		if (ls->creds != NULL &&
		    (c->tls = tls_server_new(ls->creds)) == NULL) {
			conn_free(c);
			continue;
		}
		c->inmax = IN_MAX_WS > IN_MAX_CTL ? IN_MAX_WS : IN_MAX_CTL;
		addr_text((struct sockaddr *)&ss, c->peerip, sizeof(c->peerip),
		    c->peer, sizeof(c->peer));
		timer_arm(&c->tmo, HTTP_TIMEOUT_MS);
	}
}

static int
listen_one(const struct sockaddr *sa, socklen_t sl, int ws, int ctl,
    const struct tls_creds *creds, char *err, size_t errlen)
{
	struct listener *ls;
	int fd, on = 1;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, sa, sl) < 0 || listen(fd, 128) < 0)
		goto fail;
	ls = calloc(1, sizeof(*ls));
	if (ls == NULL)
		goto fail;
	ls->w.cb = listener_io;
	timer_init(&ls->pause, listener_resume);
	ls->ws = ws;
	ls->ctl = ctl;
	ls->creds = creds;
	if (loop_add(&ls->w, fd, EPOLLIN) < 0) {
		free(ls);
		goto fail;
	}
	ls->next = listeners;
	listeners = ls;
	return 0;
fail:
	ew_snprintf(err, errlen, "error: [Errno %d] %s", errno, ew_strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
listen_host(const char *host, int port, int ws, int ctl,
    const struct tls_creds *creds, char *err, size_t errlen)
{
	struct dns_addr a[DNS_MAX_ADDRS];
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *h = host;
	int i, na;

	if (host[0] == '\0') {
		/* '' = every IPv4 and IPv6 address. */
		if (listen_host("0.0.0.0", port, ws, ctl, creds, err,
		    errlen) < 0)
			return -1;
		if (listen_host("::", port, ws, ctl, creds, err, errlen) < 0 &&
		    errno != EAFNOSUPPORT)
			return -1;
		return 0;
	}
	if (host[0] == '[') {	/* bracketed IPv6 */
		static char bare[64];
		size_t n = strlen(host);
		if (n < 3 || n - 2 >= sizeof(bare) || host[n - 1] != ']') {
			ew_snprintf(err, errlen, "ValueError: Invalid host: %s",
			    host);
			return -1;
		}
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
		h = bare;
	}
	/* Start-up: blocking is fine; resolv.conf's tries bound it. */
	na = dns_resolve(h, 0, a, DNS_MAX_ADDRS);
	if (na < 0) {
		ew_snprintf(err, errlen, "gaierror: [Errno %d] %s", na,
		    ew_gai_strerror(na));
		return -1;
	}
	for (i = 0; i < na; i++) {
		sl = dns_sockaddr(&a[i], port, &ss);
		if (listen_one((struct sockaddr *)&ss, sl, ws, ctl, creds, err,
		    errlen) < 0)
			return -1;
	}
	return 0;
}

int
listeners_open(char *err, size_t errlen)
{
	struct rlimit rl;
	rlim_t keep = (rlim_t)conf.ctlmaxconn + FD_RESERVE;

	/* Take the hard limit; accept no more tunnels than it leaves room
	 * for, so the control endpoint and client ports always get fds.
	 * prlimit, not setrlimit: musl's setrlimit signals every thread
	 * (we have one) with code a static link then carries. */
	if (prlimit(0, RLIMIT_NOFILE, NULL, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			if (prlimit(0, RLIMIT_NOFILE, &rl, NULL) < 0)
				prlimit(0, RLIMIT_NOFILE, NULL, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY)
			conn_tun_cap = rl.rlim_cur > keep + 16 ?
			    (size_t)(rl.rlim_cur - keep) : 16;
	}
	if (conf.port == conf.ctlport && strcmp(conf.host, conf.ctlhost) == 0)
		return listen_host(conf.host, conf.port, 1, 1, sw_creds, err,
		    errlen);
	if (listen_host(conf.host, conf.port, 1, 0, sw_creds, err, errlen) < 0)
		return -1;
	return listen_host(conf.ctlhost, conf.ctlport, 0, 1, sw_ctlcreds, err,
	    errlen);
}

