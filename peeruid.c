/*
 * peeruid.c - the owner of the socket at the other end of a TCP
 * connection made on this host, by the kernel's socket diagnostics
 * (NETLINK_SOCK_DIAG, one inet_diag_req_v2 naming the exact 4-tuple;
 * IPv4 and IPv6).  Linux only, like the rest of the platform code; the
 * control endpoint uses it to serve no local user but its operator.
 *
 * The request is answered synchronously: the kernel queues its reply
 * while we send, so the receive never waits.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "peeruid.h"

/* The address bytes and port of sa (network order). */
static size_t
sa_addr(const struct sockaddr_storage *ss, const void **addr,
    uint16_t *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		*addr = &s4->sin_addr;
		*port = s4->sin_port;
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		*addr = &s6->sin6_addr;
		*port = s6->sin6_port;
		return 16;
	}
	return 0;
}

int
peeruid_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	}
	return 0;
}

/* One request, one answer: its length in buf, or -1 (errno). */
static ssize_t
diag_ask(const struct inet_diag_req_v2 *r, void *buf, size_t cap)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	r;
	} req;
	struct sockaddr_nl kernel;
	ssize_t n;
	int s, e;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	req.r = *r;
	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (s < 0)
		return -1;
	n = sendto(s, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
	    sizeof(kernel));
	if (n == (ssize_t)sizeof(req))
		n = recv(s, buf, cap, MSG_DONTWAIT);
	else if (n >= 0) {
		errno = EIO;
		n = -1;
	}
	e = errno;
	close(s);
	errno = e;
	return n;
}

/*
 * The kernel's answer about the socket with local (src, sport) and
 * remote (dst, dport) as in r: 1 and *uid, 0 not found, -1.  The lookup
 * may fall back to a listening socket: only the exact 4-tuple counts.
 */
static int
diag_reply(const struct inet_diag_req_v2 *r, size_t alen,
    const uint8_t *buf, ssize_t n, uint32_t *uid)
{
	const struct nlmsghdr *h = (const void *)buf;
	const struct inet_diag_msg *m;
	const struct nlmsgerr *ne;

	if (n < (ssize_t)sizeof(*h) || !NLMSG_OK(h, (size_t)n) ||
	    h->nlmsg_seq != 1) {
		errno = EIO;
		return -1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		ne = NLMSG_DATA(h);
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ne)) || ne->error == 0) {
			errno = EIO;
			return -1;
		}
		if (ne->error == -ENOENT)
			return 0;
		errno = -ne->error;
		return -1;
	}
	m = NLMSG_DATA(h);
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m))) {
		errno = EIO;
		return -1;
	}
	if (m->id.idiag_sport != r->id.idiag_sport ||
	    m->id.idiag_dport != r->id.idiag_dport ||
	    memcmp(m->id.idiag_src, r->id.idiag_src, alen) != 0 ||
	    memcmp(m->id.idiag_dst, r->id.idiag_dst, alen) != 0)
		return 0;
	/* Closed by its process: a time-wait socket reports uid 0, an
	 * orphan no inode.  Nobody to name. */
	if (m->idiag_state == TCP_TIME_WAIT || m->idiag_inode == 0) {
		errno = ENOTCONN;
		return -1;
	}
	*uid = m->idiag_uid;
	return 1;
}

int
peeruid_get(int fd, uint32_t *uid, int *loopback)
{
	struct sockaddr_storage loc, peer;
	socklen_t ll = sizeof(loc), pl = sizeof(peer);
	struct inet_diag_req_v2 r;
	const void *la, *pa;
	uint16_t lport, pport;
	/* The message and the attributes newer kernels add unasked
	 * (shutdown, cgroup, sockopt...); a page is plenty. */
	uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t alen;
	ssize_t n;

	*loopback = 0;
	if (getsockname(fd, (struct sockaddr *)&loc, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return -1;
	*loopback = peeruid_loopback((struct sockaddr *)&loc);
	alen = sa_addr(&loc, &la, &lport);
	if (alen == 0 || sa_addr(&peer, &pa, &pport) != alen) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* The peer's socket: its local end is our peer, its remote us. */
	memset(&r, 0, sizeof(r));
	r.sdiag_family = (uint8_t)loc.ss_family;
	r.sdiag_protocol = IPPROTO_TCP;
	r.idiag_states = ~0U;
	r.id.idiag_sport = pport;
	r.id.idiag_dport = lport;
	memcpy(r.id.idiag_src, pa, alen);
	memcpy(r.id.idiag_dst, la, alen);
	r.id.idiag_cookie[0] = r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if ((n = diag_ask(&r, buf, sizeof(buf))) < 0)
		return -1;
	return diag_reply(&r, alen, buf, n, uid);
}
