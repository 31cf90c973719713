/*
 * test_tap.c - tap_linux.c against the real kernel.  Runs as root in a
 * network namespace of its own (unshare at the start of main), so it
 * touches nothing outside, and everything it creates goes away when
 * the process exits.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "defs.h"
#include "fmt.h"
#include "gso.h"
#include "tap.h"
#include "sys.h"
#include "t.h"

#define WAIT_MS		1500	/* every wait is bounded by this */
#define QUIET_MS	300	/* "nothing arrives" window */
#define TEST_TYPE	0x88b5	/* IEEE local experimental ethertype */

static uint8_t rbuf[MAX_FRAME + 4];

/* Is fd readable within ms? */
static int
wait_in(int fd, int ms)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	if (ms < 0)
		ms = 0;
	return poll(&p, 1, ms) > 0;
}

static int
left_ms(uint64_t deadline)
{
	uint64_t now = ew_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* A frame dst 02:..:01, src 02:..:02, then the tag (if vlan_tpid),
 * TEST_TYPE and a payload pattern seeded with seed; total len. */
static size_t
make_frame(uint8_t *f, size_t len, uint16_t vlan_tpid, uint16_t tci,
    uint8_t seed)
{
	size_t i, o = 12;

	memcpy(f, "\x02\x00\x5e\x10\x00\x01\x02\x00\x5e\x10\x00\x02", 12);
	if (vlan_tpid != 0) {
		f[o++] = (uint8_t)(vlan_tpid >> 8);
		f[o++] = (uint8_t)vlan_tpid;
		f[o++] = (uint8_t)(tci >> 8);
		f[o++] = (uint8_t)tci;
	}
	f[o++] = TEST_TYPE >> 8;
	f[o++] = TEST_TYPE & 0xff;
	for (i = o; i < len; i++)
		f[i] = (uint8_t)(seed + i);
	return len;
}

/* Raw AF_PACKET socket bound to ifname, non-blocking; -1 on error. */
static int
raw_open(const char *ifname)
{
	struct sockaddr_ll sll;
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL));
	if (fd == -1)
		return -1;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * netdev_recv on fd until want arrives (1) or WAIT_MS pass (0).  Other
 * frames (IPv6 chatter, say) are skipped.
 */
static int
netdev_expect(int fd, const uint8_t *want, size_t wantlen)
{
	uint64_t deadline = ew_now_ms() + WAIT_MS;
	long r;

	while (left_ms(deadline) > 0) {
		if (!wait_in(fd, left_ms(deadline)))
			continue;
		while ((r = netdev_recv(fd, 0, rbuf, sizeof(rbuf), NULL)) != -EAGAIN) {
			if (r == (long)wantlen &&
			    memcmp(rbuf, want, wantlen) == 0)
				return 1;
			if (r < 0 && r != -EINTR) {
				fprintf(stderr, "netdev_recv: %ld\n", r);
				return 0;
			}
		}
	}
	return 0;
}

/*
 * Read fd with netdev_recv for ms: count the calls that return 0
 * (outgoing skipped) and those that return frame.
 */
static void
netdev_watch(int fd, const uint8_t *frame, size_t len, int ms,
    int *zeros, int *hits)
{
	uint64_t deadline = ew_now_ms() + (uint64_t)ms;
	long r;

	*zeros = *hits = 0;
	while (left_ms(deadline) > 0) {
		if (!wait_in(fd, left_ms(deadline)))
			continue;
		while ((r = netdev_recv(fd, 0, rbuf, sizeof(rbuf), NULL)) != -EAGAIN) {
			if (r == 0)
				(*zeros)++;
			else if (r == (long)len &&
			    memcmp(rbuf, frame, len) == 0)
				(*hits)++;
			else if (r < 0 && r != -EINTR)
				return;
		}
	}
}

/* read()/recv() on fd until want arrives (1) or WAIT_MS pass (0). */
static int
fd_expect(int fd, const uint8_t *want, size_t wantlen)
{
	uint64_t deadline = ew_now_ms() + WAIT_MS;
	ssize_t n;

	while (left_ms(deadline) > 0) {
		if (!wait_in(fd, left_ms(deadline)))
			continue;
		while ((n = read(fd, rbuf, sizeof(rbuf))) >= 0)
			if ((size_t)n == wantlen &&
			    memcmp(rbuf, want, wantlen) == 0)
				return 1;
		if (errno != EAGAIN && errno != EINTR)
			return 0;
	}
	return 0;
}

static int
link_up(const char *name)
{
	struct ifreq ifr;
	int s, rc = -1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == 0)
			rc = 0;
	}
	close(s);
	return rc;
}

/* Best effort: no IPv6 chatter on the links made from here on. */
static void
quiet_ipv6(void)
{
	static const char *const paths[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	size_t i;
	int fd;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if ((fd = open(paths[i], O_WRONLY | O_CLOEXEC)) == -1)
			continue;
		if (write(fd, "1\n", 2) != 2)
			fprintf(stderr, "note: %s not set\n", paths[i]);
		close(fd);
	}
}

static int
is_up(const char *name)
{
	return if_nametoindex(name) != 0;
}

static void
test_tap_names(void)
{
	char name[IFNAME_MAX], name2[IFNAME_MAX], err[256];
	int a, b, c;

	/* Templates count up from the lowest free number. */
	a = tap_open("ewt%d", name, NULL, err, sizeof(err));
	CHECK(a >= 0);
	CHECK(strcmp(name, "ewt0") == 0);
	b = tap_open("ewt%d", name2, NULL, err, sizeof(err));
	CHECK(b >= 0);
	CHECK(strcmp(name2, "ewt1") == 0);
	CHECK((fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
	CHECK((fcntl(a, F_GETFD) & FD_CLOEXEC) != 0);
	CHECK(is_up("ewt0") && is_up("ewt1"));

	/* Brought up. */
	{
		struct ifreq ifr;
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "ewt0");
		CHECK(s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
		CHECK((ifr.ifr_flags & IFF_UP) != 0);
		if (s >= 0)
			close(s);
	}

	/* The same fixed name twice: busy. */
	c = tap_open("ewbusy", name, NULL, err, sizeof(err));
	CHECK(c >= 0);
	CHECK(strcmp(name, "ewbusy") == 0);
	strcpy(err, "unset");
	CHECK(tap_open("ewbusy", name2, NULL, err, sizeof(err)) == -EBUSY);
	CHECK(strcmp(err, "cannot create tap ewbusy: Device or resource busy")
	    == 0);
	if (strcmp(err, "cannot create tap ewbusy: Device or resource busy"))
		fprintf(stderr, "  got: %s\n", err);

	/* Too long (16 bytes): refused, nothing opened. */
	CHECK(tap_open("abcdefghijklmnop", name2, NULL, err, sizeof(err)) ==
	    -EINVAL);
	CHECK(strcmp(err,
	    "invalid tap name abcdefghijklmnop: 15 bytes at most") == 0);
	/* 15 bytes is fine. */
	{
		int d = tap_open("abcdefghijklmno", name2, NULL, err, sizeof(err));

		CHECK(d >= 0);
		CHECK(strcmp(name2, "abcdefghijklmno") == 0);
		if (d >= 0)
			close(d);
	}

	/* Empty: the tap%d default. */
	{
		int d = tap_open("", name2, NULL, err, sizeof(err));

		CHECK(d >= 0);
		CHECK(strncmp(name2, "tap", 3) == 0 &&
		    ew_isdigit((unsigned char)name2[3]));
		if (d >= 0)
			close(d);
	}

	/* A small err buffer is never overrun. */
	{
		char small[8];

		memset(small, 'x', sizeof(small));
		CHECK(tap_open("ewbusy", name2, NULL, small, 4) == -EBUSY);
		CHECK(small[3] == '\0' && small[4] == 'x');
	}

	/* Closing the fd removes the device. */
	if (c >= 0)
		close(c);
	CHECK(!is_up("ewbusy"));
	if (a >= 0)
		close(a);
	CHECK(!is_up("ewt0"));
	CHECK(is_up("ewt1"));
	if (b >= 0)
		close(b);
	CHECK(!is_up("ewt1"));
}

static void
test_ifconf(void)
{
	char name[IFNAME_MAX], err[256], addr[16], mask[16];
	int fd, mtu;

	fd = tap_open("ewcfg%d", name, NULL, err, sizeof(err));
	CHECK(fd >= 0);
	if (fd < 0)
		return;

	/* Fresh: no address. */
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "") == 0 && strcmp(mask, "") == 0);
	CHECK(mtu == 1500);

	/* Address alone: the classful mask. */
	CHECK(ifconf_set(name, "192.168.5.1", NULL, 0, err, sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "192.168.5.1") == 0);
	CHECK(strcmp(mask, "255.255.255.0") == 0);
	CHECK(ifconf_set(name, "10.1.2.3", NULL, 0, err, sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "10.1.2.3") == 0);
	CHECK(strcmp(mask, "255.0.0.0") == 0);

	/* Address, netmask and mtu together. */
	CHECK(ifconf_set(name, "172.16.9.8", "255.255.240.0", 9000, err,
	    sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "172.16.9.8") == 0);
	CHECK(strcmp(mask, "255.255.240.0") == 0);
	CHECK(mtu == 9000);

	/* Netmask alone, mtu alone. */
	CHECK(ifconf_set(name, NULL, "255.255.255.252", 0, err,
	    sizeof(err)) == 0);
	CHECK(ifconf_set(name, NULL, NULL, 1400, err, sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "172.16.9.8") == 0);
	CHECK(strcmp(mask, "255.255.255.252") == 0);
	CHECK(mtu == 1400);

	/* inet_aton's short forms. */
	CHECK(ifconf_set(name, "1.2.3", NULL, 0, err, sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "1.2.0.3") == 0);
	CHECK(strcmp(mask, "255.0.0.0") == 0);

	/* Bad strings. */
	strcpy(err, "unset");
	CHECK(ifconf_set(name, "1.2.3.x", NULL, 0, err, sizeof(err)) == -1);
	CHECK(strcmp(err, "invalid address \"1.2.3.x\": not an IPv4 address")
	    == 0);
	strcpy(err, "unset");
	CHECK(ifconf_set(name, NULL, "", 0, err, sizeof(err)) == -1);
	CHECK(strcmp(err, "invalid netmask \"\": not an IPv4 address") == 0);

	/* An empty address removes it (the address was 1.2.0.3). */
	CHECK(ifconf_set(name, "", NULL, 0, err, sizeof(err)) == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(addr[0] == '\0' && mask[0] == '\0');

	/* First failure aborts; the address before it stays. */
	strcpy(err, "unset");
	CHECK(ifconf_set(name, "192.0.2.10", "255.255.x", 1280, err,
	    sizeof(err)) == -1);
	CHECK(strcmp(err, "invalid netmask \"255.255.x\": not an IPv4 "
	    "address") == 0);
	CHECK(ifconf_get(name, addr, mask, &mtu) == 0);
	CHECK(strcmp(addr, "192.0.2.10") == 0);
	CHECK(mtu == 1400);

	/* A kernel refusal: mtu below the minimum. */
	strcpy(err, "unset");
	CHECK(ifconf_set(name, NULL, NULL, 20, err, sizeof(err)) == -1);
	{
		char want[128];

		snprintf(want, sizeof(want), "cannot set the MTU of %s to 20: "
		    "Invalid argument (outside what the device takes)", name);
		CHECK(strcmp(err, want) == 0);
	}

	/* Missing interface. */
	strcpy(err, "unset");
	CHECK(ifconf_set("ewnothere", "10.0.0.1", NULL, 0, err,
	    sizeof(err)) == -1);
	CHECK(strcmp(err, "cannot set the address of ewnothere to 10.0.0.1: "
	    "No such device") == 0);
	strcpy(err, "unset");
	CHECK(ifconf_set("ewnothere", NULL, NULL, 1500, err,
	    sizeof(err)) == -1);
	CHECK(strcmp(err, "cannot set the MTU of ewnothere to 1500: No such "
	    "device") == 0);
	CHECK(ifconf_get("ewnothere", addr, mask, &mtu) == -ENODEV);
	CHECK(ifconf_get("abcdefghijklmnopq", addr, mask, &mtu) == -ENODEV);

	close(fd);
	CHECK(!is_up(name));
}

/* Frames both ways between a tap fd and a packet socket on its link. */
static void
test_tap_io(void)
{
	char name[IFNAME_MAX], err[256];
	uint8_t f[200];
	size_t len;
	int fd, ps;

	fd = tap_open("ewio%d", name, NULL, err, sizeof(err));
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	ps = raw_open(name);
	CHECK(ps >= 0);
	if (ps < 0) {
		close(fd);
		return;
	}

	/* tap fd -> kernel: one write is one frame. */
	len = make_frame(f, 100, 0, 0, 7);
	CHECK(write(fd, f, len) == (ssize_t)len);
	CHECK(fd_expect(ps, f, len));

	/* kernel -> tap fd: one read is one frame. */
	len = make_frame(f, 180, 0, 0, 9);
	CHECK(send(ps, f, len, 0) == (ssize_t)len);
	CHECK(fd_expect(fd, f, len));

	close(ps);
	close(fd);
}

/*
 * Under qemu-user (EW_QEMU_USER, set by scripts/cross.sh) the kernel is
 * the host's: on a big-endian CPU it still writes and reads the
 * virtio_net_hdr of taps and packet sockets in its own little-endian
 * order, which no real kernel does to a big-endian program.  The 16-bit
 * header fields cannot be checked there (make check-bigendian checks
 * them on a real big-endian kernel); NULL when they can.
 */
static const char *
qemu_vnet_order(void)
{
	const uint16_t one = 1;

	if (getenv("EW_QEMU_USER") == NULL || *(const uint8_t *)&one == 1)
		return NULL;
	return "qemu-user: the host's little-endian kernel gives this "
	    "big-endian CPU virtio_net_hdr fields in the wrong byte order";
}

/*
 * Under qemu-user (Debian 12's 7.2), setsockopt(SOL_PACKET,
 * PACKET_ADD_MEMBERSHIP) is not passed to the kernel (ENOPROTOOPT), so
 * no netdev port opens there: 1 if that is the case.
 */
static int
qemu_no_packet_mreq(void)
{
	struct packet_mreq mr;
	int s, missing;

	if (getenv("EW_QEMU_USER") == NULL)
		return 0;
	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = 1;		/* lo */
	mr.mr_type = PACKET_MR_PROMISC;
	missing = setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1 && errno == ENOPROTOOPT;
	close(s);
	return missing;
}
#define QEMU_NO_MREQ	"qemu-user does not pass setsockopt(SOL_PACKET, " \
	"PACKET_ADD_MEMBERSHIP) to the kernel (ENOPROTOOPT)"

/*
 * tap_read on a vnet tap (netdev_recv on a vnet socket if nd) until a
 * frame of ethertype et at off (and IPv4 protocol proto, if not 0)
 * arrives: its length, or -1 after WAIT_MS.
 */
static long
vnet_expect(int fd, int nd, size_t off, uint16_t et, uint8_t proto,
    struct vnet *vh)
{
	uint64_t deadline = ew_now_ms() + WAIT_MS;
	long r;

	while (left_ms(deadline) > 0) {
		if (!wait_in(fd, left_ms(deadline)))
			continue;
		while ((r = nd ? netdev_recv(fd, 1, rbuf, sizeof(rbuf), vh) :
		    tap_read(fd, 1, rbuf, sizeof(rbuf), vh)) >= 0)
			if (r >= (long)off + 22 && ew_be16(rbuf + off) == et &&
			    (proto == 0 || rbuf[off + 11] == proto))
				return r;
		if (r != -EAGAIN && r != -EINTR)
			return -1;
	}
	return -1;
}

/*
 * IFF_VNET_HDR: the offloads granted, our header stripped on write and
 * the kernel's read into struct vnet -- including a checksum it left
 * for the "device" to complete (TUN_F_CSUM), which only the header
 * tells.
 */
static void
test_tap_vnet(void)
{
	char name[IFNAME_MAX], err[256], cmd[256];
	struct sockaddr_in to;
	struct vnet vh, in;
	uint8_t f[200];
	size_t len;
	long r;
	int fd, ps, us, vnet = 1;

	fd = tap_open("ewvn%d", name, &vnet, err, sizeof(err));
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(vnet == 2);
	ps = raw_open(name);
	CHECK(ps >= 0);

	/* Our writes, with a zero header or none given: the same frame. */
	memset(&vh, 0, sizeof(vh));
	len = make_frame(f, 100, 0, 0, 3);
	CHECK(dev_write(fd, vnet, f, len, NULL) == 0);
	CHECK(ps >= 0 && fd_expect(ps, f, len));
	len = make_frame(f, 150, 0, 0, 4);
	CHECK(dev_write(fd, vnet, f, len, &vh) == 0);
	CHECK(ps >= 0 && fd_expect(ps, f, len));

	/* The kernel's frame: a plain header, the frame after it. */
	len = make_frame(f, 120, 0, 0, 5);
	memset(&in, 0xa5, sizeof(in));
	CHECK(ps >= 0 && send(ps, f, len, 0) == (ssize_t)len);
	r = vnet_expect(fd, 0, 12, TEST_TYPE, 0, &in);
	CHECK(r == (long)len && memcmp(rbuf, f, len) == 0);
	CHECK(in.flags == 0 && in.gso_type == VNET_GSO_NONE);

	/* UDP from the stack: the checksum left to us, at 34 + 6. */
	ew_snprintf(cmd, sizeof(cmd), "ip addr add 10.99.0.1/24 dev %s && "
	    "ip neigh add 10.99.0.2 lladdr 02:00:5e:10:00:09 dev %s",
	    name, name);
	CHECK(system(cmd) == 0);
	us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(us >= 0);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(0x0a630002);
	memset(f, 7, 100);
	CHECK(us >= 0 && sendto(us, f, 100, 0, (struct sockaddr *)&to,
	    sizeof(to)) == 100);
	memset(&in, 0, sizeof(in));
	r = vnet_expect(fd, 0, 12, 0x0800, 17, &in);
	CHECK(r == 14 + 20 + 8 + 100);
	CHECK(in.flags & VNET_F_NEEDS_CSUM);
	if (qemu_vnet_order() != NULL)
		t_skipped("tap csum_start 34, csum_offset 6", qemu_vnet_order());
	else
		CHECK(in.csum_start == 34 && in.csum_offset == 6);
	CHECK(in.gso_type == VNET_GSO_NONE);

	if (us >= 0)
		close(us);
	if (ps >= 0)
		close(ps);
	close(fd);
}

/* A UDP datagram from address src to dst, port 9: 1 if sent. */
static int
udp_out(uint32_t src, uint32_t dst)
{
	struct sockaddr_in a;
	uint8_t pl[100];
	int us, ok;

	if ((us = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(src);
	ok = bind(us, (struct sockaddr *)&a, sizeof(a)) == 0;
	a.sin_port = htons(9);
	a.sin_addr.s_addr = htonl(dst);
	memset(pl, 7, sizeof(pl));
	ok = ok && sendto(us, pl, sizeof(pl), 0, (struct sockaddr *)&a,
	    sizeof(a)) == (ssize_t)sizeof(pl);
	close(us);
	return ok;
}

/*
 * PACKET_VNET_HDR: a veth peer leaves UDP checksums to the "device";
 * only the header says so, and its offsets must still be right after
 * netdev_recv puts a VLAN tag back into the frame.
 */
static void
test_netdev_vnet(void)
{
	char err[256];
	struct vnet in, out;
	uint8_t f[300];
	long r;
	int nd, tx, vnet = 1, txv = 1;

	if (system("ip link add ewv4 type veth peer name ewv5 && "
	    "ip link set ewv4 up && ip link set ewv5 up && "
	    "ip addr add 10.98.0.1/24 dev ewv4 && "
	    "ip neigh add 10.98.0.2 lladdr 02:00:5e:10:00:09 dev ewv4")
	    != 0) {
		fprintf(stderr, "cannot make the veth pair\n");
		CHECK(0);
		return;
	}
	if (qemu_no_packet_mreq()) {
		t_skipped("netdev ports with virtio_net_hdr", QEMU_NO_MREQ);
		return;
	}
	nd = netdev_open("ewv5", &vnet, err, sizeof(err));
	CHECK(nd >= 0);
	CHECK(vnet == 1);
	tx = netdev_open("ewv4", &txv, err, sizeof(err));
	CHECK(tx >= 0 && txv == 1);
	if (nd < 0 || tx < 0)
		return;

	CHECK(udp_out(0x0a620001, 0x0a620002));
	memset(&in, 0, sizeof(in));
	r = vnet_expect(nd, 1, 12, 0x0800, 17, &in);
	CHECK(r == 14 + 20 + 8 + 100);
	CHECK(in.flags & VNET_F_NEEDS_CSUM);
	CHECK(in.csum_start == 34 && in.csum_offset == 6);

	/*
	 * Tagged, sent with our header on the other end (dev_write on a
	 * vnet socket): the receiving kernel moves the tag out of the
	 * frame, netdev_recv puts it back at 12, and the checksum must
	 * then be 4 bytes later than the kernel says.
	 */
	memcpy(f, rbuf, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x00;
	f[15] = 5;
	memcpy(f + 16, rbuf + 12, (size_t)r - 12);
	memset(&out, 0, sizeof(out));
	out.flags = VNET_F_NEEDS_CSUM;
	out.csum_start = 38;
	out.csum_offset = 6;
	CHECK(dev_write(tx, 1, f, (size_t)r + 4, &out) == 0);
	memset(&in, 0, sizeof(in));
	r = vnet_expect(nd, 1, 16, 0x0800, 17, &in);
	CHECK(r == 18 + 20 + 8 + 100);
	CHECK(r > 0 && ew_be16(rbuf + 12) == 0x8100 &&
	    (ew_be16(rbuf + 14) & 0xfff) == 5);
	CHECK(in.flags & VNET_F_NEEDS_CSUM);
	CHECK(in.csum_start == 38 && in.csum_offset == 6);
	close(tx);
	close(nd);
}

static void
test_netdev(void)
{
	char err[256];
	uint8_t f[300], small[64];
	size_t len;
	long r;
	int nd, tx, host, zeros, hits, got;

	/* Missing interface. */
	strcpy(err, "unset");
	CHECK(netdev_open("ewnothere", NULL, err, sizeof(err)) == -ENODEV);
	CHECK(strcmp(err, "cannot attach netdev ewnothere: No such device")
	    == 0);
	strcpy(err, "unset");
	CHECK(netdev_open("abcdefghijklmnopq", NULL, err, sizeof(err)) == -ENODEV);
	CHECK(strcmp(err, "cannot attach netdev abcdefghijklmnopq: No such "
	    "device") == 0);

	if (system("ip link add ewv0 type veth peer name ewv1 && "
	    "ip link set ewv0 up && ip link set ewv1 up") != 0) {
		fprintf(stderr, "cannot make the veth pair\n");
		CHECK(0);
		return;
	}
	if (qemu_no_packet_mreq()) {
		t_skipped("netdev ports", QEMU_NO_MREQ);
		return;
	}
	tx = raw_open("ewv0");
	CHECK(tx >= 0);
	nd = netdev_open("ewv1", NULL, err, sizeof(err));
	CHECK(nd >= 0);
	if (nd < 0)
		fprintf(stderr, "netdev_open: %s\n", err);
	host = raw_open("ewv1");
	CHECK(host >= 0);
	if (tx < 0 || nd < 0 || host < 0)
		return;
	CHECK((fcntl(nd, F_GETFL) & O_NONBLOCK) != 0);
	CHECK((fcntl(nd, F_GETFD) & FD_CLOEXEC) != 0);

	/* Idle: EAGAIN (after any chatter has been read). */
	while ((r = netdev_recv(nd, 0, rbuf, sizeof(rbuf), NULL)) != -EAGAIN &&
	    r >= 0)
		;
	CHECK(r == -EAGAIN);

	/* A frame in at the peer comes out whole. */
	len = make_frame(f, 100, 0, 0, 1);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	CHECK(netdev_expect(nd, f, len));
	/* Minimum size too. */
	len = make_frame(f, 14, 0, 0, 0);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	CHECK(netdev_expect(nd, f, len));

	/* Sent on the netdev socket itself: never read back. */
	len = make_frame(f, 120, 0, 0, 2);
	CHECK(send(nd, f, len, 0) == (ssize_t)len);
	netdev_watch(nd, f, len, QUIET_MS, &zeros, &hits);
	CHECK(hits == 0);
	/* Sent by another socket on the same link (the host): OUTGOING,
	 * skipped with 0. */
	len = make_frame(f, 130, 0, 0, 3);
	CHECK(send(host, f, len, 0) == (ssize_t)len);
	netdev_watch(nd, f, len, QUIET_MS, &zeros, &hits);
	CHECK(hits == 0);
	CHECK(zeros >= 1);

	/* 802.1Q VID 100: the kernel strips the tag; it comes back. */
	len = make_frame(f, 100, 0x8100, 100, 4);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	CHECK(netdev_expect(nd, f, len));
	CHECK(ew_be16(rbuf + 12) == 0x8100 && ew_be16(rbuf + 14) == 100);
	CHECK(ew_be16(rbuf + 16) == TEST_TYPE);
	/* PCP and DEI bits kept, VID 0 (priority tag) too. */
	len = make_frame(f, 90, 0x8100, 0xb000, 5);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	CHECK(netdev_expect(nd, f, len));
	/* 802.1ad outer tag keeps its TPID. */
	len = make_frame(f, 110, 0x88a8, 0x20c8, 6);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	CHECK(netdev_expect(nd, f, len));
	CHECK(ew_be16(rbuf + 12) == 0x88a8 && ew_be16(rbuf + 14) == 0x20c8);

	/* Too big for the buffer: -EMSGSIZE, consumed. */
	len = make_frame(f, 200, 0, 0, 8);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	{
		uint64_t deadline = ew_now_ms() + WAIT_MS;

		got = 0;
		while (!got && left_ms(deadline) > 0) {
			if (!wait_in(nd, left_ms(deadline)))
				continue;
			while ((r = netdev_recv(nd, 0, small,
			    sizeof(small), NULL)) != -EAGAIN)
				if (r == -EMSGSIZE) {
					got = 1;
					break;
				}
		}
		CHECK(got);
	}
	netdev_watch(nd, f, len, QUIET_MS, &zeros, &hits);
	CHECK(hits == 0);
	/* A frame that fits exactly cap - 4 is fine. */
	len = make_frame(f, sizeof(small) - 4, 0, 0, 10);
	CHECK(send(tx, f, len, 0) == (ssize_t)len);
	{
		uint64_t deadline = ew_now_ms() + WAIT_MS;

		got = 0;
		while (!got && left_ms(deadline) > 0) {
			if (!wait_in(nd, left_ms(deadline)))
				continue;
			while (!got && (r = netdev_recv(nd, 0, small,
			    sizeof(small), NULL)) != -EAGAIN)
				if (r == (long)len &&
				    memcmp(small, f, len) == 0)
					got = 1;
		}
		CHECK(got);
	}

	/* The netdev socket sends: the frame arrives at the peer. */
	len = make_frame(f, 150, 0, 0, 11);
	CHECK(write(nd, f, len) == (ssize_t)len);
	CHECK(fd_expect(tx, f, len));

	/* Only ewv1's frames: nothing from a third link leaks in. */
	if (system("ip link add ewv2 type veth peer name ewv3 && "
	    "ip link set ewv2 up && ip link set ewv3 up") == 0) {
		int other = raw_open("ewv2");

		CHECK(other >= 0);
		len = make_frame(f, 160, 0, 0, 12);
		if (other >= 0) {
			CHECK(send(other, f, len, 0) == (ssize_t)len);
			close(other);
		}
		netdev_watch(nd, f, len, QUIET_MS, &zeros, &hits);
		CHECK(hits == 0);
	} else
		CHECK(0);

	close(host);
	close(nd);
	close(tx);
}

int
main(void)
{
	if (unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr, "test_tap: unshare(CLONE_NEWNET): %s "
		    "(needs root / CAP_SYS_ADMIN)\n", strerror(errno));
		return 1;
	}
	quiet_ipv6();
	CHECK(link_up("lo") == 0);

	test_tap_names();
	test_ifconf();
	test_tap_io();
	test_tap_vnet();
	test_netdev();
	test_netdev_vnet();
	return t_done("test_tap");
}
