/*
 * peeruid.c - the owner of the socket at the other end of a TCP
 * connection made on this host, by the kernel's socket diagnostics
 * (NETLINK_SOCK_DIAG, one inet_diag_req_v2 naming the exact 4-tuple;
 * IPv4 and IPv6).  Linux only, like the rest of the platform code; the
 * control endpoint uses it to serve no local user but its operator.
 *
 * The request is answered synchronously: the kernel queues its reply
 * while we send, so the receive never waits.
 *
 * Where the kernel has no inet_diag (OpenWrt without kmod-inet-diag)
 * or the netlink family cannot be opened (qemu-user), the same answer
 * is read from /proc/net/tcp or tcp6: one line per socket, a pass over
 * a file procfs writes from memory (PEERUID_PROC_LINES at most).
 *
 * Whether the peer is on this host at all is asked first, of the
 * routing table (RTM_GETROUTE: is its address a local one?), not of
 * the peer's socket: that socket may be gone already (closed, reset)
 * while its bytes still wait in ours, and a local peer nobody can name
 * must not pass for a remote one.  Remote peers cost that one query.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "defs.h"
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

		/* ::1, and 127.0.0.0/8 through a dual-stack socket */
		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
		    s6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/* One request, one answer: its length in buf, or -1 (errno). */
/* One netlink request of len bytes to the kernel's proto, its answer
 * into buf: the bytes read, or -1 with errno (EIO: a short send). */
static ssize_t
nl_ask(int proto, const void *req, size_t len, void *buf, size_t cap)
{
	struct sockaddr_nl kernel;
	ssize_t n;
	int s, e;

	memset(&kernel, 0, sizeof(kernel));
	kernel.nl_family = AF_NETLINK;
	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, proto);
	if (s < 0)
		return -1;
	n = sendto(s, req, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
	if (n == (ssize_t)len)
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

static ssize_t
diag_ask(const struct inet_diag_req_v2 *r, void *buf, size_t cap)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	r;
	} req;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	req.r = *r;
	return nl_ask(NETLINK_SOCK_DIAG, &req, sizeof(req), buf, cap);
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

/*
 * /proc/net/tcp{,6}.  A line is
 *   "sl: LOCAL:PORT REMOTE:PORT st tx:rx tr:when retr uid timeout inode ..."
 * with each address written as the kernel's 32-bit words of it in hex,
 * in the kernel's byte order, and ports as numbers.
 */
struct pline {
	uint32_t	 la[4], ra[4];	/* address words as written */
	unsigned	 lport, rport;	/* host order */
	unsigned	 state;
	uint32_t	 uid;
	unsigned long	 inode;
};

/* Past the blanks at *p. */
static void
blanks(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

/* n hex digits at *p into *v; *p moves past them. */
static int
hexn(const char **p, const char *end, unsigned n, uint32_t *v)
{
	unsigned d;

	*v = 0;
	for (; n > 0; n--, (*p)++) {
		if (*p >= end)
			return -1;
		d = (unsigned char)**p;
		if (d >= '0' && d <= '9')
			d -= '0';
		else if (d >= 'A' && d <= 'F')
			d -= 'A' - 10;
		else
			return -1;
		*v = (*v << 4) | d;
	}
	return 0;
}

/* A decimal field at *p (after blanks) into *v. */
static int
decn(const char **p, const char *end, unsigned long *v)
{
	const char *s;

	blanks(p, end);
	s = *p;
	*v = 0;
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++) {
		if (*v > (~0UL - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned long)(**p - '0');
	}
	return *p == s ? -1 : 0;
}

/* Blanks, then a field that is not one: skipped. */
static void
skipf(const char **p, const char *end)
{
	blanks(p, end);
	while (*p < end && **p != ' ')
		(*p)++;
}

/* "ADDR:PORT" after blanks, ADDR words hex words of 8 digits. */
static int
endpoint(const char **p, const char *end, unsigned words, uint32_t *a,
    unsigned *port)
{
	uint32_t v;
	unsigned i;

	blanks(p, end);
	for (i = 0; i < words; i++)
		if (hexn(p, end, 8, &a[i]) < 0)
			return -1;
	if (*p >= end || **p != ':')
		return -1;
	(*p)++;
	if (hexn(p, end, 4, &v) < 0)
		return -1;
	*port = v;
	return 0;
}

/* One line of the file (words: 1 for tcp, 4 for tcp6); -1 the header
 * or anything else. */
static int
pline_parse(const char *p, const char *end, unsigned words, struct pline *l)
{
	unsigned long v;
	uint32_t st;

	skipf(&p, end);				/* "sl:" */
	if (endpoint(&p, end, words, l->la, &l->lport) < 0 ||
	    endpoint(&p, end, words, l->ra, &l->rport) < 0)
		return -1;
	if (p >= end || *p++ != ' ' || hexn(&p, end, 2, &st) < 0)
		return -1;
	l->state = st;
	skipf(&p, end);				/* tx_queue:rx_queue */
	skipf(&p, end);				/* tr:tm->when */
	skipf(&p, end);				/* retrnsmt */
	if (decn(&p, end, &v) < 0 || v > 0xffffffffUL)
		return -1;
	l->uid = (uint32_t)v;
	skipf(&p, end);				/* timeout */
	if (decn(&p, end, &l->inode) < 0)
		return -1;
	return 0;
}

/* What a lookup looks for: the peer's socket and our own, whose line
 * tells the file's byte order. */
struct pquery {
	unsigned	 words;
	uint32_t	 pa[4], la[4];	/* peer's and our address, as ours */
	unsigned	 pport, lport;
	unsigned long	 self;		/* our socket's inode */
	/* what was found: [0] in our byte order, [1] swapped */
	int		 found[2];
	struct pline	 hit[2];
	int		 order;		/* -1 unknown, else as found[] */
};

static uint32_t
bswap(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
	    (v << 24);
}

/* a (as written in the file, byte order o) is b (ours). */
static int
addr_is(const uint32_t *a, const uint32_t *b, unsigned words, int o)
{
	unsigned i;

	for (i = 0; i < words; i++)
		if ((o ? bswap(a[i]) : a[i]) != b[i])
			return 0;
	return 1;
}

/* l's local end is (a, aport) and its remote (b, bport), read in
 * byte order o. */
static int
ends_are(const struct pline *l, const struct pquery *q, const uint32_t *a,
    unsigned aport, const uint32_t *b, unsigned bport, int o)
{
	return l->lport == aport && l->rport == bport &&
	    addr_is(l->la, a, q->words, o) && addr_is(l->ra, b, q->words, o);
}

static void
pquery_line(struct pquery *q, const struct pline *l)
{
	int o;

	for (o = 0; o < 2; o++) {
		if (!q->found[o] &&
		    ends_are(l, q, q->pa, q->pport, q->la, q->lport, o)) {
			q->found[o] = 1;
			q->hit[o] = *l;
		}
		if (q->order < 0 && q->self != 0 && l->inode == q->self &&
		    ends_are(l, q, q->la, q->lport, q->pa, q->pport, o))
			q->order = o;
	}
}

/* Every line of path through q; -1 if it cannot be read. */
static int
proc_scan(const char *path, struct pquery *q)
{
	char buf[PEERUID_PROC_BUF];
	size_t have = 0, lines = 0;
	int skip = 0;		/* the rest of a line too long to hold */
	struct pline l;
	char *nl, *s;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		s = buf;
		while ((nl = memchr(s, '\n', have - (size_t)(s - buf)))) {
			if (!skip && pline_parse(s, nl, q->words, &l) == 0)
				pquery_line(q, &l);
			skip = 0;
			s = nl + 1;
			lines++;
		}
		/* The scan runs in the accept path: a host with more
		 * sockets than this is not searched to its end. */
		if (lines > PEERUID_PROC_LINES) {
			close(fd);
			errno = E2BIG;
			return -1;
		}
		have -= (size_t)(s - buf);
		memmove(buf, s, have);
		if (have == sizeof(buf)) {	/* no line is this long */
			have = 0;
			skip = 1;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * The peer's socket in the file: 1 and *uid, 0 not there, -1 (errno).
 * The words of an address are written in the kernel's byte order; under
 * an emulator of another CPU that is not ours, so our own socket's line
 * says which order the file has.
 */
static int
proc_lookup(const char *path, struct pquery *q, uint32_t *uid)
{
	const struct pline *l;
	int o;

	if (proc_scan(path, q) < 0)
		return -1;
	o = q->order < 0 ? 0 : q->order;
	if (!q->found[o])
		return 0;
	l = &q->hit[o];
	/* Time-wait and orphaned sockets: no owner (uid 0, inode 0). */
	if (l->state == TCP_TIME_WAIT || l->inode == 0) {
		errno = ENOTCONN;
		return -1;
	}
	*uid = l->uid;
	return 1;
}

/* The query for our end (la, lport) and the peer's (pa, pport), alen
 * address bytes, ports in network order; self: our socket's inode. */
static void
pquery_init(struct pquery *q, const void *la, const void *pa, size_t alen,
    uint16_t lport, uint16_t pport, unsigned long self)
{
	memset(q, 0, sizeof(*q));
	q->words = (unsigned)(alen / 4);
	memcpy(q->la, la, alen);
	memcpy(q->pa, pa, alen);
	q->lport = ntohs(lport);
	q->pport = ntohs(pport);
	q->self = self;
	q->order = -1;
}

/*
 * The peer's socket in /proc (our order: -1 not yet known, then as
 * pquery's): 1 and *uid, 0 not there, -1 (errno).
 */
static int
proc_get(int fd, const void *la, const void *pa, size_t alen,
    uint16_t lport, uint16_t pport, int *order, uint32_t *uid)
{
	struct pquery q;
	struct stat st;
	int r;

	pquery_init(&q, la, pa, alen, lport, pport,
	    fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0);
	q.order = *order;
	r = proc_lookup(alen == 4 ? "/proc/net/tcp" : "/proc/net/tcp6", &q,
	    uid);
	*order = q.order;
	return r;
}

/* The peer's socket with these addresses: inet_diag, else /proc. */
static int
ask(int fd, const void *la, const void *pa, size_t alen, uint16_t lport,
    uint16_t pport, int *order, uint32_t *uid)
{
	struct inet_diag_req_v2 r;
	/* The message and the attributes newer kernels add unasked
	 * (shutdown, cgroup, sockopt...); a page is plenty. */
	uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	ssize_t n;
	int rc, e;

	/* The peer's socket: its local end is our peer, its remote us. */
	memset(&r, 0, sizeof(r));
	r.sdiag_family = alen == 4 ? AF_INET : AF_INET6;
	r.sdiag_protocol = IPPROTO_TCP;
	r.idiag_states = ~0U;
	r.id.idiag_sport = pport;
	r.id.idiag_dport = lport;
	memcpy(r.id.idiag_src, pa, alen);
	memcpy(r.id.idiag_dst, la, alen);
	r.id.idiag_cookie[0] = r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if ((n = diag_ask(&r, buf, sizeof(buf))) < 0)
		rc = -1;
	else
		rc = diag_reply(&r, alen, buf, n, uid);
	if (rc == 1 || (rc < 0 && errno == ENOTCONN))
		return rc;
	/* Not found, or no inet_diag to ask (ENOENT: the kernel has no
	 * handler for the family, as it has none for a missing socket). */
	e = errno;
	switch (proc_get(fd, la, pa, alen, lport, pport, order, uid)) {
	case 1:
		return 1;
	case 0:
		return 0;
	default:
		if (errno == ENOTCONN)
			return -1;
		errno = e;
		return rc;
	}
}

static const uint8_t v4pfx[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };

/* The routing table's answer for addr (alen 4 or 16): 1 a local
 * address, 0 not, -1 (errno) no answer. */
static int
route_ask(const uint8_t *addr, size_t alen)
{
	struct {
		struct nlmsghdr	nlh;
		struct rtmsg	rt;
		struct rtattr	rta;
		uint8_t		a[16];
	} req;
	uint8_t buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h = (const void *)buf;
	const struct rtmsg *rt;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt)) +
	    (uint32_t)RTA_LENGTH(alen);
	req.nlh.nlmsg_type = RTM_GETROUTE;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	req.rt.rtm_family = alen == 4 ? AF_INET : AF_INET6;
	req.rt.rtm_dst_len = (unsigned char)(alen * 8);
	req.rta.rta_type = RTA_DST;
	req.rta.rta_len = (unsigned short)RTA_LENGTH(alen);
	memcpy(req.a, addr, alen);
	n = nl_ask(NETLINK_ROUTE, &req, req.nlh.nlmsg_len, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (n < (ssize_t)sizeof(*h) || !NLMSG_OK(h, (size_t)n) ||
	    h->nlmsg_seq != 1) {
		errno = EIO;
		return -1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *ne = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ne)) || ne->error == 0) {
			errno = EIO;
			return -1;
		}
		return 0;	/* no route to it: not ours either */
	}
	rt = NLMSG_DATA(h);
	if (h->nlmsg_type != RTM_NEWROUTE ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt))) {
		errno = EIO;
		return -1;
	}
	return rt->rtm_type == RTN_LOCAL;
}

/* Without an answer from the routing table (an emulator that does not
 * carry it): an address a socket may bind to is ours. */
static int
bind_ask(const uint8_t *addr, size_t alen)
{
	struct sockaddr_storage ss;
	int s, r, e;

	memset(&ss, 0, sizeof(ss));
	if (alen == 4) {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
	}
	if ((s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	r = bind(s, (struct sockaddr *)&ss, alen == 4 ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	e = errno;
	close(s);
	if (r == 0)
		return 1;
	errno = e;
	return e == EADDRNOTAVAIL ? 0 : -1;
}

/* 1 if the peer's address (pa, alen bytes) is one of this host's, 0 if
 * not; when that cannot be told, it counts as ours: a local peer must
 * be named to be served. */
static int
peer_local(const uint8_t *pa, size_t alen)
{
	int r;

	if (alen == 16 && memcmp(pa, v4pfx, 12) == 0) {
		pa += 12;
		alen = 4;
	}
	if (alen == 4 ? pa[0] == 127 : memcmp(pa, &in6addr_loopback, 16) == 0)
		return 1;
	if ((r = route_ask(pa, alen)) < 0)
		r = bind_ask(pa, alen);
	return r != 0;
}

/* The socket of a peer on this host: 1 and *uid, or -1 (errno). */
static int
local_owner(int fd, const uint8_t *la, const uint8_t *pa, size_t alen,
    uint16_t lport, uint16_t pport, uint32_t *uid)
{
	uint8_t ml[16], mp[16];
	int order = -1, r;

	r = ask(fd, la, pa, alen, lport, pport, &order, uid);
	/* IPv4 between an IPv4 socket and a dual-stack IPv6 one: the
	 * other end has the other family. */
	if (r == 0 && alen == 16 && memcmp(la, v4pfx, 12) == 0 &&
	    memcmp(pa, v4pfx, 12) == 0)
		r = ask(fd, la + 12, pa + 12, 4, lport, pport, &order, uid);
	else if (r == 0 && alen == 4) {
		memcpy(ml, v4pfx, 12);
		memcpy(ml + 12, la, 4);
		memcpy(mp, v4pfx, 12);
		memcpy(mp + 12, pa, 4);
		r = ask(fd, ml, mp, 16, lport, pport, &order, uid);
	}
	if (r == 0) {
		/* Ours, yet its socket is gone: closed or reset since. */
		errno = ECONNRESET;
		return -1;
	}
	return r;
}

int
peeruid_get(int fd, uint32_t *uid, int *local)
{
	struct sockaddr_storage loc, peer;
	socklen_t ll = sizeof(loc), pl = sizeof(peer);
	const uint8_t *la, *pa;
	uint16_t lport, pport;
	size_t alen;

	*local = 0;
	if (getsockname(fd, (struct sockaddr *)&loc, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return -1;
	alen = sa_addr(&loc, (const void **)&la, &lport);
	if (alen == 0 || sa_addr(&peer, (const void **)&pa, &pport) != alen) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	*local = peeruid_loopback((struct sockaddr *)&loc) ||
	    peer_local(pa, alen);
	if (!*local)
		return 0;	/* another host's: nobody here to name */
	return local_owner(fd, la, pa, alen, lport, pport, uid);
}
