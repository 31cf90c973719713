/*
 * test_peeruid - the owner of a loopback TCP peer, asked of the kernel
 * (inet_diag, and /proc/net/tcp{,6} where inet_diag is missing); whether
 * an address is this host's (the routing table, else a bind); and
 * the /proc reader on files written here: both byte orders, time-wait
 * and orphaned sockets, over-long and malformed lines.
 *
 * peeruid.c is included: its /proc reader is static, and its socket()
 * calls come here, which can refuse the netlink family as a kernel
 * without it (or qemu-user) does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>

#include "t.h"

static int no_netlink;		/* socket(AF_NETLINK...) fails */
static int netlink_asked;	/* ... and was called */

static int
test_socket(int domain, int type, int protocol)
{
	if (domain == AF_NETLINK) {
		netlink_asked++;
		if (no_netlink) {
			errno = EPROTONOSUPPORT;
			return -1;
		}
	}
	return socket(domain, type, protocol);
}

#define socket(d, t, p) test_socket(d, t, p)
#include "../peeruid.c"
#undef socket

static char tmpl[] = "/tmp/test_peeruid.XXXXXX";

/* path holds text, or the test cannot go on. */
static const char *
file_with(const char *text)
{
	static char path[sizeof(tmpl)];
	int fd;

	memcpy(path, tmpl, sizeof(tmpl));
	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("test_peeruid: temporary file");
		exit(1);
	}
	close(fd);
	return path;
}

static uint32_t
word(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = { a, b, c, d };
	uint32_t w;

	memcpy(&w, x, 4);
	return w;
}

/* A tcp line as the kernel of byte order be (1 big) writes it:
 * local 10.1.2.3:port, remote 10.9.8.7:rport. */
static void
line4(char *out, size_t cap, int sl, int be, unsigned lport,
    const uint8_t l[4], unsigned rport, const uint8_t r[4], unsigned st,
    unsigned uid, unsigned long inode)
{
	uint32_t lw, rw;

	if (be) {
		lw = (uint32_t)l[0] << 24 | (uint32_t)l[1] << 16 |
		    (uint32_t)l[2] << 8 | l[3];
		rw = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 |
		    (uint32_t)r[2] << 8 | r[3];
	} else {
		lw = (uint32_t)l[3] << 24 | (uint32_t)l[2] << 16 |
		    (uint32_t)l[1] << 8 | l[0];
		rw = (uint32_t)r[3] << 24 | (uint32_t)r[2] << 16 |
		    (uint32_t)r[1] << 8 | r[0];
	}
	snprintf(out, cap, "%4d: %08X:%04X %08X:%04X %02X 00000000:00000000 "
	    "00:00000000 00000000 %5u        0 %lu 1 0000000000000000 20 4 30 "
	    "10 -1                    \n", sl, (unsigned)lw, lport,
	    (unsigned)rw, rport, st, uid, inode);
}

static const char header4[] = "  sl  local_address rem_address   st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

static void
test_parse(void)
{
	static const char v6[] = "   3: 0000000000000000FFFF00000100007F:"
	    "1EBB 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 "
	    "00:00000000 00000000  1000        0 424242 1 0 20 4 30 10 -1";
	static const char v4[] = "   0: 0100007F:1EBB 00000000:0000 0A "
	    "00000000:00000000 00:00000000 00000000   105        0 31337 1";
	struct pline l;

	CHECK(pline_parse(v4, v4 + strlen(v4), 1, &l) == 0);
	CHECK(l.la[0] == 0x0100007F && l.lport == 7867 && l.ra[0] == 0 &&
	    l.rport == 0 && l.state == 10 && l.uid == 105 &&
	    l.inode == 31337);
	CHECK(pline_parse(v6, v6 + strlen(v6), 4, &l) == 0);
	CHECK(l.la[2] == 0xFFFF0000 && l.la[3] == 0x0100007F &&
	    l.rport == 50000 && l.state == 1 && l.uid == 1000 &&
	    l.inode == 424242);
	/* the header, truncations, a tcp6 line read as tcp, lower case */
	CHECK(pline_parse(header4, header4 + sizeof(header4) - 1, 1, &l) < 0);
	CHECK(pline_parse(v4, v4 + 20, 1, &l) < 0);
	CHECK(pline_parse(v4, v4 + 60, 1, &l) < 0);
	CHECK(pline_parse(v6, v6 + strlen(v6), 1, &l) < 0);
	{
		static const char lc[] = "   0: 0100007f:1EBB 00000000:0000 "
		    "0A a:b c d 0 0 1";
		static const char big[] = "   0: 0100007F:1EBB 00000000:0000 "
		    "0A a:b c d 4294967296 0 1";

		CHECK(pline_parse(lc, lc + strlen(lc), 1, &l) < 0);
		CHECK(pline_parse(big, big + strlen(big), 1, &l) < 0);
	}
}

/*
 * A file of byte order be holding our socket (inode 77, 10.1.2.3:7867
 * to 10.9.8.7:50000) and the peer's (uid 1234), with noise: a socket
 * whose addresses are the peer's byte-swapped (the other order would
 * take it, uid 666), a line longer than the buffer, and garbage.
 */
static const char *
sample(int be, int peer_state, unsigned long peer_inode, int with_self)
{
	static const uint8_t us[4] = { 10, 1, 2, 3 }, them[4] = { 10, 9, 8, 7 };
	static char text[8192];
	char line[512];
	size_t n;

	snprintf(text, sizeof(text), "%s", header4);
	line4(line, sizeof(line), 0, !be, 50000, them, 7867, us, 1, 666, 99);
	strcat(text, line);
	n = strlen(text);
	memset(text + n, 'x', PEERUID_PROC_BUF + 100);
	text[n + PEERUID_PROC_BUF + 100] = '\0';
	strcat(text, "\nnot a line at all\n");
	if (with_self) {
		line4(line, sizeof(line), 1, be, 7867, us, 50000, them, 1,
		    105, 77);
		strcat(text, line);
	}
	line4(line, sizeof(line), 2, be, 50000, them, 7867, us,
	    (unsigned)peer_state, 1234, peer_inode);
	strcat(text, line);
	return text;
}

static int
lookup(const char *text, uint32_t *uid)
{
	static const uint8_t us[4] = { 10, 1, 2, 3 }, them[4] = { 10, 9, 8, 7 };
	struct pquery q;
	const char *path = file_with(text);
	int r;

	pquery_init(&q, us, them, 4, htons(7867), htons(50000), 77);
	r = proc_lookup(path, &q, uid);
	unlink(path);
	return r;
}

static void
test_files(void)
{
	int host_be = word(1, 2, 3, 4) == 0x01020304;
	uint32_t uid;
	int be;

	for (be = 0; be < 2; be++) {
		/* our own line says the order, whichever it is */
		uid = 0;
		CHECK(lookup(sample(be, 1, 500, 1), &uid) == 1 &&
		    uid == 1234);
		/* without it the file is taken to be in ours */
		uid = 0;
		if (be == host_be)
			CHECK(lookup(sample(be, 1, 500, 0), &uid) == 1 &&
			    uid == 1234);
		else
			CHECK(lookup(sample(be, 1, 500, 0), &uid) == 1 &&
			    uid == 666);
		/* time-wait, and an orphan (no inode): nobody to name */
		errno = 0;
		CHECK(lookup(sample(be, TCP_TIME_WAIT, 0, 1), &uid) == -1 &&
		    errno == ENOTCONN);
		errno = 0;
		CHECK(lookup(sample(be, 1, 0, 1), &uid) == -1 &&
		    errno == ENOTCONN);
	}
	CHECK(lookup(header4, &uid) == 0);
	CHECK(lookup("", &uid) == 0);
	{
		struct pquery q;

		pquery_init(&q, &uid, &uid, 4, 1, 2, 0);
		CHECK(proc_lookup("/nonexistent/tcp", &q, &uid) == -1);
	}
}

/* A client of family af connected to sa, the listener l's address, and
 * the end l accepted in *srv; l is closed either way.  0 or -1. */
static int
connect_accept(int l, int af, const void *sa, socklen_t sl, int *cli,
    int *srv)
{
	if ((*cli = socket(af, SOCK_STREAM, 0)) < 0) {
		close(l);
		return -1;
	}
	if (connect(*cli, sa, sl) < 0 || (*srv = accept(l, NULL, NULL)) < 0) {
		close(*cli);
		close(l);
		return -1;
	}
	close(l);
	return 0;
}

/* A connected pair on addr (family af): the accepted end in *srv. */
static int
pair(int af, const char *addr, int *cli, int *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int l, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *s = (void *)&ss;

		s->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &s->sin_addr);
	} else {
		struct sockaddr_in6 *s = (void *)&ss;

		s->sin6_family = AF_INET6;
		inet_pton(AF_INET6, addr, &s->sin6_addr);
	}
	if ((l = socket(af, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&ss, af == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (void *)&ss, &sl) < 0) {
		close(l);
		return -1;
	}
	return connect_accept(l, af, &ss, sl, cli, srv);
}

/* IPv4 through a dual-stack IPv6 listener: our end is ::ffff:127.0.0.1,
 * the peer's an IPv4 socket. */
static int
pair_mapped(int *cli, int *srv)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	socklen_t sl = sizeof(s6);
	int l, off = 0;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_any;
	if ((l = socket(AF_INET6, SOCK_STREAM, 0)) < 0)
		return -1;
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(l, (void *)&s6, sizeof(s6)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (void *)&s6, &sl) < 0) {
		close(l);
		return -1;
	}
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_port = s6.sin6_port;
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect_accept(l, AF_INET, &s4, sizeof(s4), cli, srv);
}

/* Both ends' owners are us, asked of inet_diag and of /proc alone. */
static void
ask_both(const char *what, int cli, int srv)
{
	uint32_t uid;
	int lo, r, i, end;

	for (no_netlink = 0; no_netlink < 2; no_netlink++)
		for (end = 0; end < 2; end++) {
			uid = 0xdeadbeef;
			lo = -1;
			i = netlink_asked;
			r = peeruid_get(end ? cli : srv, &uid, &lo);
			if (r != 1 || uid != (uint32_t)geteuid() || lo != 1)
				fprintf(stderr, "%s: %s end%s: %d uid %u "
				    "(%s)\n", what, end ? "client" : "server",
				    no_netlink ? " without netlink" : "", r,
				    (unsigned)uid, strerror(errno));
			CHECK(r == 1 && uid == (uint32_t)geteuid() &&
			    lo == 1);
			CHECK(netlink_asked > i);
		}
	no_netlink = 0;
	close(cli);
	close(srv);
}

static void
test_live(void)
{
	int cli, srv;

	if (access("/proc/net/tcp", R_OK) < 0) {
		t_skipped("live lookups", "no /proc/net/tcp");
		return;
	}
	if (pair(AF_INET, "127.0.0.1", &cli, &srv) == 0)
		ask_both("127.0.0.1", cli, srv);
	else
		CHECK(!"a loopback IPv4 connection");
	if (pair(AF_INET6, "::1", &cli, &srv) == 0)
		ask_both("::1", cli, srv);
	else
		t_skipped("::1", "no IPv6 loopback");
	if (pair_mapped(&cli, &srv) == 0)
		ask_both("::ffff:127.0.0.1", cli, srv);
	else
		t_skipped("::ffff:127.0.0.1", "no dual-stack socket");
}

/* The address text a (family af) is this host's: peer_local's answer,
 * with netlink and without (the bind fallback). */
static void
local_is(int af, const char *a, int want)
{
	uint8_t b[16];
	size_t alen = af == AF_INET ? 4 : 16;
	int r;

	CHECK(inet_pton(af, a, b) == 1);
	for (no_netlink = 0; no_netlink < 2; no_netlink++) {
		r = peer_local(b, alen);
		if (r != want)
			fprintf(stderr, "%s%s: local %d, want %d\n", a,
			    no_netlink ? " without netlink" : "", r, want);
		CHECK(r == want);
	}
	no_netlink = 0;
}

static void
test_local(void)
{
	struct ifaddrs *ifa, *i;
	char txt[64];

	local_is(AF_INET, "127.0.0.1", 1);
	local_is(AF_INET, "127.3.2.1", 1);	/* all of 127/8 */
	local_is(AF_INET6, "::1", 1);
	local_is(AF_INET6, "::ffff:127.0.0.1", 1);
	local_is(AF_INET, "192.0.2.1", 0);	/* TEST-NET-1: nobody's */
	local_is(AF_INET6, "2001:db8::1", 0);
	local_is(AF_INET6, "::ffff:192.0.2.1", 0);
	/* One of this host's own, not loopback: what a local peer on a
	 * non-loopback address comes from. */
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    !peeruid_loopback(i->ifa_addr))
			break;
	if (i != NULL) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    i->ifa_addr)->sin_addr, txt, sizeof(txt));
		local_is(AF_INET, txt, 1);
	} else
		t_skipped("a non-loopback address", "none here");
	freeifaddrs(ifa);
}

int
main(void)
{
	test_parse();
	test_files();
	test_live();
	test_local();
	return t_done("test_peeruid");
}
