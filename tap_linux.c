/*
 * tap_linux.c - the Linux side of the local ports: tap devices from
 * /dev/net/tun, netdev ports on AF_PACKET sockets, and the IPv4
 * address / netmask / MTU ioctls behind setInterface.  Every Linux
 * specific of the port layer lives in this file.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "bytes.h"
#include "defs.h"
#include "errtext.h"
#include "fmt.h"
#include "gso.h"
#include "tap.h"

_Static_assert(IFNAME_MAX == IFNAMSIZ, "IFNAME_MAX must equal IFNAMSIZ");
_Static_assert(VNET_HDR_LEN == sizeof(struct virtio_net_hdr),
    "VNET_HDR_LEN must equal sizeof(struct virtio_net_hdr)");

#define VLAN_HLEN	4		/* TPID + TCI */
#define MAC_PAIR_LEN	12		/* dst + src: the tag goes after */
#define NETDEV_RCVBUF	(1024 * 1024)	/* asked for, best effort */
#define NETDEV_DRAIN	4096		/* bound on the post-bind flush */

/* "<what> <name>: <strerror>": what failed, on which device, why. */
static void
os_error(char *err, size_t errlen, const char *what, const char *name,
    int e)
{
	if (err != NULL && errlen > 0)
		ew_snprintf(err, errlen, "%s %s: %s", what, name,
		    ew_strerror(e));
}

static void __attribute__((format(printf, 3, 4)))
set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	ew_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The tap's and the packet socket's header: host byte order. */
static void
vnet_from_host(struct vnet *vh, const struct virtio_net_hdr *h)
{
	vh->flags = h->flags;
	vh->gso_type = h->gso_type;
	vh->hdr_len = h->hdr_len;
	vh->gso_size = h->gso_size;
	vh->csum_start = h->csum_start;
	vh->csum_offset = h->csum_offset;
}

/* Zero ifr and put name in it: 0, or -1 if empty or too long. */
static int
ifr_init(struct ifreq *ifr, const char *name)
{
	size_t n;

	memset(ifr, 0, sizeof(*ifr));
	if (name == NULL)
		return -1;
	n = strlen(name);
	if (n == 0 || n >= IFNAMSIZ)
		return -1;
	memcpy(ifr->ifr_name, name, n);
	return 0;
}

/* An AF_INET datagram socket for the interface ioctls, or -1. */
static int
inet_ioctl_socket(void)
{
	return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* Set IFF_UP on name: 0 or an errno value. */
static int
if_up(const char *name)
{
	struct ifreq ifr;
	int s, e = 0;

	if (ifr_init(&ifr, name) == -1)
		return ENODEV;
	if ((s = inet_ioctl_socket()) == -1)
		return errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1)
		e = errno;
	else if ((ifr.ifr_flags & IFF_UP) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1)
			e = errno;
	}
	close(s);
	return e;
}

/*
 * Ask for the kernel's TCP segmentation and checksum offloads: the tap
 * then hands us 64 KB super-frames with a virtio_net_hdr in front, and
 * takes them.  Best effort: 0 if the kernel refused (ordinary frames,
 * still with the header).
 */
static int
tap_offload(int fd)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM |
	    TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)) == 0;
}

int
tap_open(const char *name, char ifname[IFNAME_MAX], int *vnet, char *err,
    size_t errlen)
{
	struct ifreq ifr;
	int fd, e;

	if (name == NULL || *name == '\0')
		name = "tap%d";
	if (ifr_init(&ifr, name) == -1) {
		set_error(err, errlen, "invalid tap name %s: %d bytes at most",
		    name, IFNAME_MAX - 1);
		return -EINVAL;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (vnet != NULL && *vnet)
		ifr.ifr_flags |= IFF_VNET_HDR;

	if ((fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		e = errno;
		os_error(err, errlen, "cannot create tap", name, e);
		return -e;
	}
	/* Not persistent: the device goes away with the last close. */
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		e = errno;
		goto fail;
	}
	/* The header stays (TUNSETIFF took it), the offloads are a wish:
	 * *vnet tells the caller whether super-frames can come. */
	if (vnet != NULL && *vnet)
		*vnet = tap_offload(fd) ? 2 : 1;
	/* The kernel wrote the expanded name back, NUL-terminated. */
	memcpy(ifname, ifr.ifr_name, IFNAME_MAX);
	ifname[IFNAME_MAX - 1] = '\0';
	if ((e = if_up(ifname)) != 0)
		goto fail;
	return fd;

fail:
	close(fd);
	os_error(err, errlen, "cannot create tap", name, e);
	return -e;
}

long
tap_read(int fd, int vnet, uint8_t *buf, size_t cap, struct vnet *vh)
{
	struct virtio_net_hdr h;
	struct iovec iov[2];
	ssize_t n;

	if (!vnet) {
		n = read(fd, buf, cap);
		return n < 0 ? -errno : n;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = buf;
	iov[1].iov_len = cap;
	n = readv(fd, iov, 2);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h))
		return -EMSGSIZE;
	vnet_from_host(vh, &h);
	return n - (ssize_t)sizeof(h);
}

int
dev_write(int fd, int vnet, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct virtio_net_hdr h;
	struct iovec iov[2];

	if (!vnet)
		return write(fd, frame, len) == (ssize_t)len ? 0 : -1;
	memset(&h, 0, sizeof(h));
	if (vh != NULL) {
		h.flags = vh->flags;
		h.gso_type = vh->gso_type;
		h.hdr_len = vh->hdr_len;
		h.gso_size = vh->gso_size;
		h.csum_start = vh->csum_start;
		h.csum_offset = vh->csum_offset;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)frame;
	iov[1].iov_len = len;
	return writev(fd, iov, 2) == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

int
netdev_open(const char *name, int *vnet, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	uint8_t scratch[1];
	unsigned int idx = 0;
	int fd, e, i, on = 1, rcvbuf = NETDEV_RCVBUF;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL));
	if (fd == -1) {
		e = errno;
		os_error(err, errlen, "cannot attach netdev", name, e);
		return -e;
	}

	/* SIOCGIFINDEX on the socket we have (if_nametoindex would open
	 * one more): ENODEV for a missing interface */
	errno = 0;
	if (name != NULL && *name != '\0' && strlen(name) < IFNAMSIZ) {
		struct ifreq ifr;

		(void)ifr_init(&ifr, name);
		if (ioctl(fd, SIOCGIFINDEX, &ifr) == 0)
			idx = (unsigned)ifr.ifr_ifindex;
	}
	if (idx == 0) {
		/* A missing interface is ENODEV; keep e.g. EMFILE as is. */
		e = (errno == 0 || errno == ENXIO) ? ENODEV : errno;
		goto fail;
	}

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		e = errno;
		goto fail;
	}
	/*
	 * Until bind the socket saw every interface; flush what it
	 * queued so no frame from elsewhere reaches the switch.  Bounded,
	 * since a busy link refills the queue as fast as we empty it.
	 */
	for (i = 0; i < NETDEV_DRAIN; i++)
		if (recv(fd, scratch, sizeof(scratch),
		    MSG_TRUNC | MSG_DONTWAIT) == -1 && errno != EINTR)
			break;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) == -1) {
		e = errno;
		goto fail;
	}
	/* The kernel strips VLAN tags into the aux data; we put them back. */
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &on,
	    sizeof(on)) == -1) {
		e = errno;
		goto fail;
	}
	/*
	 * A virtio_net_hdr with every frame, both ways: what the kernel
	 * hands a packet socket may be a GRO or TSO super-frame, or lack
	 * its checksum (a veth peer offloads it), and only the header
	 * says so.  Without it such frames cannot be forwarded right.
	 */
	if (vnet != NULL && *vnet && setsockopt(fd, SOL_PACKET,
	    PACKET_VNET_HDR, &on, sizeof(on)) == -1)
		*vnet = 0;
	/* Best effort: FORCE passes rmem_max with CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	return fd;

fail:
	close(fd);
	os_error(err, errlen, "cannot attach netdev", name, e);
	return -e;
}

long
netdev_recv(int fd, int vnet, uint8_t *buf, size_t cap, struct vnet *vh)
{
	union {
		struct cmsghdr	hdr;
		uint8_t		space[CMSG_SPACE(
				    sizeof(struct tpacket_auxdata))];
	} cbuf;
	struct tpacket_auxdata aux;
	struct sockaddr_ll from;
	struct msghdr msg;
	struct virtio_net_hdr h;
	struct cmsghdr *cm;
	struct iovec iov[2];
	size_t len, room;
	ssize_t n;
	uint16_t tpid = 0, tci = 0;
	int tagged = 0;

	memset(&from, 0, sizeof(from));
	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = buf;
	iov[1].iov_len = cap;
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = vnet ? iov : iov + 1;
	msg.msg_iovlen = vnet ? 2 : 1;
	msg.msg_control = cbuf.space;
	msg.msg_controllen = sizeof(cbuf.space);

	/* MSG_TRUNC: the real length, even past cap. */
	n = recvmsg(fd, &msg, MSG_TRUNC);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -EAGAIN;
		return -errno;
	}
	/* Our own (and the host's) transmissions echo back: never loop. */
	if (from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	len = (size_t)n;
	if (vnet) {
		if (len < sizeof(h))
			return -EMSGSIZE;
		len -= sizeof(h);
		vnet_from_host(vh, &h);
	}
	room = cap > VLAN_HLEN ? cap - VLAN_HLEN : 0;
	if (len > room || len > MAX_FRAME)
		return -EMSGSIZE;

	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_PACKET ||
		    cm->cmsg_type != PACKET_AUXDATA ||
		    cm->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
		/* Old kernels lack the flag but fill in a non-zero TCI. */
		if (aux.tp_vlan_tci != 0 ||
		    (aux.tp_status & TP_STATUS_VLAN_VALID) != 0) {
			tagged = 1;
			tci = aux.tp_vlan_tci;
			tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ?
			    aux.tp_vlan_tpid : ETH_P_8021Q;
		}
	}
	if (tagged && len >= MAC_PAIR_LEN) {
		/* The frame must stay within the limit once tagged again. */
		if (len + VLAN_HLEN > MAX_FRAME)
			return -EMSGSIZE;
		memmove(buf + MAC_PAIR_LEN + VLAN_HLEN, buf + MAC_PAIR_LEN,
		    len - MAC_PAIR_LEN);
		ew_put_be16(buf + MAC_PAIR_LEN, tpid);
		ew_put_be16(buf + MAC_PAIR_LEN + 2, tci);
		len += VLAN_HLEN;
		/* The header's offsets count from the frame's start. */
		if (vnet && (vh->flags & VNET_F_NEEDS_CSUM))
			vh->csum_start += VLAN_HLEN;
		if (vnet && vh->hdr_len != 0)
			vh->hdr_len += VLAN_HLEN;
	}
	return (long)len;
}

/* Parse text and apply it with req (SIOCSIFADDR/SIOCSIFNETMASK). */
static int
set_inaddr(int s, const char *ifname, unsigned long req, const char *text,
    char *err, size_t errlen)
{
	struct sockaddr_in sin;
	struct ifreq ifr;
	struct in_addr a;

	const char *what = req == SIOCSIFADDR ? "address" : "netmask";

	/* An empty address removes it: Linux takes 0.0.0.0 for that. */
	if (*text == '\0' && req == SIOCSIFADDR)
		a.s_addr = 0;
	else if (*text == '\0' || ew_inet_aton(text, (uint8_t *)&a, 1) == 0) {
		set_error(err, errlen, "invalid %s \"%s\": not an IPv4 "
		    "address", what, text);
		return -1;
	}
	(void)ifr_init(&ifr, ifname);		/* checked by the caller */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = a;
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(s, req, &ifr) == -1) {
		set_error(err, errlen, "cannot set the %s of %s to %s: %s",
		    what, ifname, text, ew_strerror(errno));
		return -1;
	}
	return 0;
}

int
ifconf_set(const char *ifname, const char *address, const char *netmask,
    int mtu, char *err, size_t errlen)
{
	struct ifreq ifr;
	int s, rc = -1;

	if (ifr_init(&ifr, ifname) == -1) {
		os_error(err, errlen, "cannot configure", ifname, ENODEV);
		return -1;
	}
	if ((s = inet_ioctl_socket()) == -1) {
		os_error(err, errlen, "cannot configure", ifname, errno);
		return -1;
	}
	/* In order; the first failure stops, earlier changes stay. */
	if (address != NULL &&
	    set_inaddr(s, ifname, SIOCSIFADDR, address, err, errlen) == -1)
		goto out;
	if (netmask != NULL &&
	    set_inaddr(s, ifname, SIOCSIFNETMASK, netmask, err, errlen) == -1)
		goto out;
	if (mtu != 0) {
		ifr.ifr_mtu = mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) == -1) {
			set_error(err, errlen, "cannot set the MTU of %s to %d: "
			    "%s%s", ifname, mtu, ew_strerror(errno),
			    errno == EINVAL ? " (outside what the device "
			    "takes)" : "");
			goto out;
		}
	}
	rc = 0;
out:
	close(s);
	return rc;
}

/* Read an IPv4 address with req into out[16]; none -> "".  0 or -errno. */
static int
get_inaddr(int s, const char *ifname, unsigned long req, char out[16])
{
	struct sockaddr_in sin;
	struct ifreq ifr;

	out[0] = '\0';
	(void)ifr_init(&ifr, ifname);		/* checked by the caller */
	if (ioctl(s, req, &ifr) == -1)
		return errno == EADDRNOTAVAIL ? 0 : -errno;
	memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
	if (sin.sin_family != AF_INET)
		return 0;
	if (ew_ntop(AF_INET, &sin.sin_addr, out, 16) == NULL) {
		out[0] = '\0';
		return -errno;
	}
	return 0;
}

int
ifconf_get(const char *ifname, char addr[16], char mask[16], int *mtu)
{
	struct ifreq ifr;
	int s, rc;

	addr[0] = '\0';
	mask[0] = '\0';
	*mtu = 0;
	if (ifr_init(&ifr, ifname) == -1)
		return -ENODEV;
	if ((s = inet_ioctl_socket()) == -1)
		return -errno;
	if ((rc = get_inaddr(s, ifname, SIOCGIFADDR, addr)) != 0 ||
	    (rc = get_inaddr(s, ifname, SIOCGIFNETMASK, mask)) != 0)
		goto out;
	if (ioctl(s, SIOCGIFMTU, &ifr) == -1) {
		rc = -errno;
		goto out;
	}
	*mtu = ifr.ifr_mtu;
out:
	close(s);
	return rc;
}
