/*
 * listen.c - the listening sockets (the tunnel endpoint, the control
 * endpoint, or one serving both paths), accepting connections on them
 * (each tuned with sock.c's sock_tune and handed to serve.c).
 *
 * A listener out of file descriptors is paused and retried rather than
 * left readable (level-triggered epoll would spin), and tunnels are
 * capped below RLIMIT_NOFILE so control and client ports keep theirs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "conn.h"
#include "container.h"
#include "dns.h"
#include "errtext.h"
#include "fmt.h"
#include "listen.h"
#include "log.h"
#include "sock.h"
#include "loop.h"
#include "peeruid.h"
#include "serve.h"

struct listener {
	struct ev_watcher w;
	int		 ws, ctl;	/* endpoints served */
	const struct tls_creds *creds;	/* TLS listener, or NULL */
	struct ev_timer	 pause;		/* accept() out of fds: retry later */
	struct listener	*next;
};

/* File descriptors kept for everything but accepted tunnel connections
 * (listeners, taps, client attempts, resolver sockets) beyond ctlmaxconn. */
#define FD_RESERVE	64

static struct listener	*listeners;
static int		 ctl_open;	/* no --ctlhtpasswd: warn off loopback */

/* ------------------------------------------------------------------ */
/* Listeners */

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
	char ip[48], full[64];
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
		sock_tune(fd, conn_keepalive_s());
		sock_addr_text((struct sockaddr *)&ss, ip, sizeof(ip), full,
		    sizeof(full));
		serve_accept(fd, ls->ws, ls->ctl, ls->creds, full, ip);
	}
}

/* What an error names: the endpoint and the options that choose it. */
static const char *
endpoint_opts(int ws, int ctl)
{
	if (ws && ctl)
		return "the tunnel and control endpoint: --host, --port";
	return ctl ? "the control endpoint: --ctlhost, --ctlport" :
	    "the tunnel endpoint: --host, --port";
}

static int
listen_one(const struct sockaddr *sa, socklen_t sl, int ws, int ctl,
    const struct tls_creds *creds, char *err, size_t errlen)
{
	struct listener *ls;
	char ip[48], full[64];
	int fd, e, on = 1;

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
	if (ctl && ctl_open && !peeruid_loopback(sa)) {
		sock_addr_text(sa, ip, sizeof(ip), full, sizeof(full));
		log_msg(EW_LOG_WARNING, "control endpoint on %s without "
		    "--ctlhtpasswd: whoever reaches it there drives the switch",
		    full);
	}
	return 0;
fail:
	e = errno;
	sock_addr_text(sa, ip, sizeof(ip), full, sizeof(full));
	ew_snprintf(err, errlen, "cannot listen on %s: %s (%s)", full,
	    ew_strerror(e), endpoint_opts(ws, ctl));
	if (fd >= 0)
		close(fd);
	errno = e;
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
			ew_snprintf(err, errlen, "invalid --%shost %s: an "
			    "address, [IPv6 address] or name", ctl && !ws ?
			    "ctl" : "", host);
			return -1;
		}
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
		h = bare;
	}
	/* Start-up: blocking is fine; resolv.conf's tries bound it. */
	na = dns_resolve(h, 0, a, DNS_MAX_ADDRS);
	if (na < 0) {
		ew_snprintf(err, errlen, "cannot resolve --%shost %s: %s",
		    ctl && !ws ? "ctl" : "", h, ew_gai_strerror(na));
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
listeners_open(const struct listen_conf *lc, char *err, size_t errlen)
{
	struct rlimit rl;
	rlim_t keep = (rlim_t)lc->ctlmaxconn + FD_RESERVE;

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
			conn_set_tun_cap(rl.rlim_cur > keep + 16 ?
			    (size_t)(rl.rlim_cur - keep) : 16);
	}
	ctl_open = !lc->ctlauth;
	if (lc->port == lc->ctlport && strcmp(lc->host, lc->ctlhost) == 0)
		return listen_host(lc->host, lc->port, 1, 1, lc->creds, err,
		    errlen);
	if (listen_host(lc->host, lc->port, 1, 0, lc->creds, err, errlen) < 0)
		return -1;
	return listen_host(lc->ctlhost, lc->ctlport, 0, 1, lc->ctlcreds, err,
	    errlen);
}

