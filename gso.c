/*
 * gso.c - the offloads of a virtio_net_hdr done in software, for a port
 * that cannot take them: a checksum left partial (CHECKSUM_PARTIAL) is
 * completed, a TCP super-frame (TSO/GSO) is cut into segments the way
 * Linux's tcp_gso_segment cuts it.
 *
 * The header and the frame both come from a peer or a tap, so
 * vnet_check accepts only what gso_segment can make ordinary frames of,
 * and gso_segment touches only offsets vnet_check has bounded.  Every
 * offset is a size_t sum of 16-bit values: none can overflow.
 */
#include <string.h>

#include "bytes.h"
#include "defs.h"
#include "gso.h"

#define ETH_VLAN	0x8100
#define ETH_IPV4	0x0800
#define ETH_IPV6	0x86dd
#define PROTO_TCP	6
#define TCP_FIN		0x01
#define TCP_PSH		0x08
#define TCP_CWR		0x80

/* Where the headers of a GSO frame lie: l3 the IP header, l4 the TCP
 * header, hl the payload. */
struct gso_hdr {
	size_t		 l3, l4, hl;
	int		 v6;
};

static uint16_t
gso_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static void
gso_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void
vnet_decode(struct vnet *vh, const uint8_t in[VNET_HDR_LEN])
{
	vh->flags = in[0];
	vh->gso_type = in[1];
	vh->hdr_len = gso_le16(in + 2);
	vh->gso_size = gso_le16(in + 4);
	vh->csum_start = gso_le16(in + 6);
	vh->csum_offset = gso_le16(in + 8);
}

void
vnet_encode(uint8_t out[VNET_HDR_LEN], const struct vnet *vh)
{
	out[0] = vh->flags;
	out[1] = vh->gso_type;
	gso_put_le16(out + 2, vh->hdr_len);
	gso_put_le16(out + 4, vh->gso_size);
	gso_put_le16(out + 6, vh->csum_start);
	gso_put_le16(out + 8, vh->csum_offset);
}

int
vnet_plain(const struct vnet *vh)
{
	return vh == NULL || (!(vh->flags & VNET_F_NEEDS_CSUM) &&
	    vh->gso_type == VNET_GSO_NONE);
}

/*
 * vnet_check's work: -1 if gso_segment cannot take the frame, 0 if it
 * is no GSO frame, 1 (and h filled in) if it is one.  A frame shorter
 * than an Ethernet header is refused too, so that nothing shorter is
 * ever passed on.
 */
static int
gso_parse(const struct vnet *vh, const uint8_t *f, size_t len,
    struct gso_hdr *h)
{
	size_t l3 = 14, ihl;
	unsigned type, et, doff;

	if (len < MIN_FRAME || len > MAX_FRAME)
		return -1;
	if (vh == NULL)
		return 0;
	if ((vh->flags & ~(VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID)) != 0 ||
	    vh->hdr_len > len)
		return -1;
	if ((vh->flags & VNET_F_NEEDS_CSUM) &&
	    (size_t)vh->csum_start + vh->csum_offset + 2 > len)
		return -1;
	if (vh->gso_type == VNET_GSO_NONE)
		return 0;
	type = vh->gso_type & ~(unsigned)VNET_GSO_ECN;
	if (type != VNET_GSO_TCPV4 && type != VNET_GSO_TCPV6)
		return -1;
	et = ew_be16(f + 12);
	if (et == ETH_VLAN) {
		if (len < 18)
			return -1;
		et = ew_be16(f + 16);
		l3 = 18;
	}
	h->l3 = l3;
	h->v6 = type == VNET_GSO_TCPV6;
	if (!h->v6) {
		/* MF and the fragment offset clear: a whole datagram. */
		if (et != ETH_IPV4 || len < l3 + 20 || f[l3] >> 4 != 4 ||
		    (ihl = (size_t)(f[l3] & 15) * 4) < 20 ||
		    f[l3 + 9] != PROTO_TCP ||
		    (ew_be16(f + l3 + 6) & 0x3fff) != 0 ||
		    ew_be16(f + l3 + 2) != len - l3)
			return -1;
	} else {
		/* No extension header: TCP must be the first next header. */
		if (et != ETH_IPV6 || len < l3 + 40 || f[l3] >> 4 != 6 ||
		    f[l3 + 6] != PROTO_TCP ||
		    ew_be16(f + l3 + 4) != len - l3 - 40)
			return -1;
		ihl = 40;
	}
	h->l4 = l3 + ihl;
	if (h->l4 + 20 > len || (doff = f[h->l4 + 12] >> 4) < 5)
		return -1;
	h->hl = h->l4 + doff * 4;
	if (h->hl > len || vh->gso_size < GSO_MIN_MSS ||
	    h->hl + vh->gso_size > MAX_FRAME)
		return -1;
	return 1;
}

int
vnet_check(const struct vnet *vh, const uint8_t *frame, size_t len)
{
	struct gso_hdr h;

	return gso_parse(vh, frame, len, &h) < 0 ? -1 : 0;
}

/*
 * Store at field the checksum of (p, n) plus seed, the field counted as
 * it is.  A result of 0 goes out as 0xffff, the same in one's
 * complement, as Linux does (CSUM_MANGLED_0): to UDP 0 means "none".
 */
static void
gso_csum_put(uint8_t *field, uint32_t seed, const uint8_t *p, size_t n)
{
	uint16_t c = (uint16_t)~inet_csum_add(seed, p, n);

	ew_put_be16(field, c != 0 ? c : 0xffff);
}

/*
 * Without GSO, a frame with nothing to complete is passed as it is
 * (seg == frame); one with a checksum to complete is copied to buf
 * first.  buf must not overlap frame.
 */
int
gso_segment(const struct vnet *vh, const uint8_t *frame, size_t len,
    uint8_t *buf, void (*out)(void *arg, const uint8_t *seg, size_t len),
    void *arg)
{
	struct gso_hdr h;
	const uint8_t *p = frame;
	size_t off, n, seglen, mss;
	uint32_t seq, asum;
	uint16_t id;
	uint8_t flags, *ip, *th;
	int r, i;

	if ((r = gso_parse(vh, frame, len, &h)) < 0)
		return -1;
	if (r == 0) {
		if (vh != NULL && (vh->flags & VNET_F_NEEDS_CSUM)) {
			memcpy(buf, frame, len);
			gso_csum_put(buf + vh->csum_start + vh->csum_offset, 0,
			    buf + vh->csum_start, len - vh->csum_start);
			p = buf;
		}
		out(arg, p, len);
		return 1;
	}

	/* The headers are copied once; each segment rewrites the fields
	 * that differ and brings its own payload. */
	memcpy(buf, frame, h.hl);
	ip = buf + h.l3;
	th = buf + h.l4;
	mss = vh->gso_size;
	seq = ew_be32(th + 4);
	id = ew_be16(ip + 4);
	flags = th[13];
	/* The pseudo header's addresses, summed once (proto 6 with them). */
	asum = inet_csum_add(PROTO_TCP, ip + (h.v6 ? 8 : 12), h.v6 ? 32 : 8);
	/* One segment even for no payload: the headers still go. */
	for (i = 0, off = h.hl; i == 0 || off < len; i++, off += mss) {
		n = len - off < mss ? len - off : mss;
		seglen = h.hl + n;
		memcpy(buf + h.hl, frame + off, n);
		if (h.v6)
			ew_put_be16(ip + 4, (unsigned)(seglen - h.l3 - 40));
		else {
			ew_put_be16(ip + 2, (unsigned)(seglen - h.l3));
			ew_put_be16(ip + 4, (uint16_t)(id + i));
			ew_put_be16(ip + 10, 0);
			gso_csum_put(ip + 10, 0, ip, h.l4 - h.l3);
		}
		/* Unsigned arithmetic: wraps mod 2^32 as TCP's does. */
		ew_put_be32(th + 4, seq);
		seq += (uint32_t)mss;
		th[13] = flags;
		if (i > 0)
			th[13] &= (uint8_t)~TCP_CWR;
		if (off + n < len)
			th[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
		ew_put_be16(th + 16, 0);
		gso_csum_put(th + 16, asum + (uint32_t)(seglen - h.l4), th,
		    seglen - h.l4);
		out(arg, buf, seglen);
	}
	return i;
}

/*
 * Big-endian 32-bit words summed into 64 bits, folded at the end: a
 * 32-bit word is two 16-bit words modulo 0xffff, and no carry is lost
 * below 2^32 words (16 GiB).  Byte loads and shifts, not casts: any
 * alignment, any host byte order.
 */
uint16_t
inet_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;

	for (; len >= 4; p += 4, len -= 4)
		acc += ew_be32(p);
	if (len >= 2) {
		acc += ew_be16(p);
		p += 2;
		len -= 2;
	}
	if (len > 0)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}
