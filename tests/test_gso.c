/*
 * test_gso - gso.c: the Internet checksum against RFC 1071's example
 * and a byte-at-a-time reference written here; the virtio_net_hdr wire
 * form; vnet_check's rules one by one; completing partial checksums
 * (UDP/IPv4, TCP/IPv6); and TCP super-frames (IPv4, IPv6, 802.1Q) cut
 * into segments, each checked field by field against the original.
 * Frames are read from a copy that ends at a guard page (t_guard).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "gso.h"
#include "t.h"
#include "gso_ref.h"

#define FIN	0x01
#define PSH	0x08
#define ACK	0x10
#define CWR	0x80

/* ------------------------------------------------------------------ */

static void
test_csum(void)
{
	/* RFC 1071 section 3: these bytes sum to 0xddf2. */
	static const uint8_t rfc[8] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	/* The IPv4 header of Wikipedia's "IPv4 header checksum" example:
	 * its checksum (zeroed here) is 0xb861, the complement of the
	 * sum 0x479e. */
	static const uint8_t wiki[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7
	};
	static uint8_t big[4096 + 8];
	uint32_t x = 12345;
	size_t i, n, a;
	int bad = 0, badsplit = 0;

	CHECK(inet_csum_add(0, t_guard(rfc, 8), 8) == 0xddf2);
	CHECK(ref_sum(0, rfc, 8) == 0xddf2);
	/* Odd length: the last byte is the high half of a zero-padded
	 * word.  0001 + f203 + f4f5 + f600 = 2dcf9 -> dcfb. */
	CHECK(inet_csum_add(0, t_guard(rfc, 7), 7) == 0xdcfb);
	CHECK(inet_csum_add(0, t_guard(rfc, 1), 1) == 0x0000);
	CHECK(inet_csum_add(0, t_guard(rfc + 2, 1), 1) == 0xf200);
	CHECK(inet_csum_add(0, t_guard(rfc + 2, 3), 3) == 0xe604);
	CHECK(inet_csum_add(0, rfc, 0) == 0);
	CHECK(inet_csum_add(0x1234, rfc, 0) == 0x1234);
	/* A seed is added with its carries folded: 0xffffffff is
	 * 0xffff + 0xffff = 0x1fffe -> 0xffff. */
	CHECK(inet_csum_add(0xffffffffu, rfc, 0) == 0xffff);
	CHECK(inet_csum_add(0x10000, rfc, 0) == 0x0001);
	CHECK(inet_csum_add(0x2, rfc, 8) == 0xddf4);
	CHECK(inet_csum_add(0x220e, rfc, 8) == 0x0001);	/* ddf2+220e */
	CHECK(inet_csum_add(0x220d, rfc, 8) == 0xffff);
	CHECK(inet_csum_add(0, t_guard(wiki, 20), 20) == 0x479e);
	/* ...and the header with it in folds to 0xffff. */
	memcpy(big, wiki, 20);
	wr16(big + 10, 0xb861);
	CHECK(inet_csum_add(0, big, 20) == 0xffff);

	/* Every length, at every alignment, against the reference;
	 * split at an even offset, the sum carries through the seed. */
	for (i = 0; i < sizeof(big); i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (uint8_t)(x >> 16);
	}
	for (n = 0; n <= 300; n++)
		for (a = 0; a < 8; a++) {
			const uint8_t *g = t_guard(big + a, n);

			if (inet_csum_add((uint32_t)n * 977, g, n) !=
			    ref_sum((uint32_t)n * 977, big + a, n))
				bad++;
			if (n >= 2 * a && inet_csum_add(inet_csum_add(0, g,
			    2 * a), g + 2 * a, n - 2 * a) != ref_sum(0, g, n))
				badsplit++;
		}
	CHECK(bad == 0);
	CHECK(badsplit == 0);
	CHECK(inet_csum_add(7, big, 4096) == ref_sum(7, big, 4096));
	CHECK(inet_csum_add(7, big + 1, 4095) == ref_sum(7, big + 1, 4095));
	/* All ones: many carries. */
	memset(big, 0xff, sizeof(big));
	CHECK(inet_csum_add(0xffffffffu, big, 4096) == 0xffff);
	CHECK(inet_csum_add(0, big, 4095) == ref_sum(0, big, 4095));
}

static void
test_vnet_wire(void)
{
	static const uint8_t wire[VNET_HDR_LEN] = {
		0x01, 0x81, 0x42, 0x00, 0xa8, 0x05, 0x22, 0x00, 0x10, 0x00
	};
	struct vnet vh, back;
	uint8_t out[VNET_HDR_LEN];

	vnet_decode(&vh, wire);
	CHECK(vh.flags == VNET_F_NEEDS_CSUM);
	CHECK(vh.gso_type == (VNET_GSO_TCPV4 | VNET_GSO_ECN));
	CHECK(vh.hdr_len == 0x0042);
	CHECK(vh.gso_size == 1448);
	CHECK(vh.csum_start == 34);
	CHECK(vh.csum_offset == 16);
	memset(out, 0xee, sizeof(out));
	vnet_encode(out, &vh);
	CHECK(memcmp(out, wire, VNET_HDR_LEN) == 0);
	/* Every field at its full width, high bytes distinct. */
	vh.flags = 0xfe;
	vh.gso_type = 0xdc;
	vh.hdr_len = 0xba98;
	vh.gso_size = 0x7654;
	vh.csum_start = 0x3210;
	vh.csum_offset = 0xfedc;
	vnet_encode(out, &vh);
	CHECK(out[0] == 0xfe && out[1] == 0xdc && out[2] == 0x98 &&
	    out[3] == 0xba && out[4] == 0x54 && out[5] == 0x76 &&
	    out[6] == 0x10 && out[7] == 0x32 && out[8] == 0xdc &&
	    out[9] == 0xfe);
	vnet_decode(&back, t_guard(out, VNET_HDR_LEN));
	CHECK(memcmp(&back, &vh, sizeof(vh)) == 0);
}

static void
test_plain(void)
{
	struct vnet vh;

	memset(&vh, 0, sizeof(vh));
	CHECK(vnet_plain(NULL) == 1);
	CHECK(vnet_plain(&vh) == 1);
	vh.flags = VNET_F_DATA_VALID;
	vh.hdr_len = 54;
	vh.gso_size = 1448;	/* without a gso_type, ignored */
	CHECK(vnet_plain(&vh) == 1);
	vh.flags = VNET_F_NEEDS_CSUM;
	CHECK(vnet_plain(&vh) == 0);
	vh.flags = 0;
	vh.gso_type = VNET_GSO_TCPV4;
	CHECK(vnet_plain(&vh) == 0);
	vh.gso_type = VNET_GSO_TCPV6 | VNET_GSO_ECN;
	CHECK(vnet_plain(&vh) == 0);
	vh.gso_type = VNET_GSO_ECN;	/* invalid, but not plain */
	CHECK(vnet_plain(&vh) == 0);
}

/* ------------------------------------------------------------------ */
/* Frames */

struct fr {
	uint8_t		 b[MAX_FRAME + 64];
	size_t		 len, l3, l4, hl;
	int		 v6;
};

/*
 * A TCP frame: 802.1Q tag if vlan, IPv4 with ipopt option bytes or
 * IPv6, TCP with topt option bytes, pay payload bytes of a pattern.
 * Checksum fields hold junk: gso_segment must not trust them.
 */
static void
mk_tcp(struct fr *f, int v6, int vlan, size_t ipopt, size_t topt,
    size_t pay, uint32_t seq, uint16_t id, uint8_t flags)
{
	uint8_t *p = f->b, *ip, *th;
	size_t i;

	memset(f, 0, sizeof(*f));
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	f->l3 = 14;
	if (vlan) {
		wr16(p + 12, 0x8100);
		wr16(p + 14, 0x2007);	/* PCP 1, VID 7 */
		f->l3 = 18;
	}
	wr16(p + f->l3 - 2, v6 ? 0x86dd : 0x0800);
	ip = p + f->l3;
	f->v6 = v6;
	if (v6) {
		f->l4 = f->l3 + 40;
		wr32(ip, 0x6012345a);	/* traffic class, flow label */
		ip[6] = 6;
		ip[7] = 64;
		for (i = 0; i < 16; i++) {
			ip[8 + i] = (uint8_t)(0x20 + i * 3);
			ip[24 + i] = (uint8_t)(0xfd - i * 5);
		}
	} else {
		f->l4 = f->l3 + 20 + ipopt;
		ip[0] = (uint8_t)(0x40 | (5 + ipopt / 4));
		ip[1] = 0x02;		/* ECT(0) */
		wr16(ip + 4, id);
		wr16(ip + 6, 0x4000);	/* DF */
		ip[8] = 64;
		ip[9] = 6;
		wr16(ip + 10, 0xbeef);
		memcpy(ip + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x07", 8);
		for (i = 0; i < ipopt; i++)
			ip[20 + i] = 1;	/* NOP */
	}
	th = p + f->l4;
	wr16(th, 40000);
	wr16(th + 2, 443);
	wr32(th + 4, seq);
	wr32(th + 8, 0x01020304);
	th[12] = (uint8_t)((5 + topt / 4) << 4);
	th[13] = flags;
	wr16(th + 14, 0xfaf0);
	wr16(th + 16, 0x5555);
	wr16(th + 18, 0x0007);	/* urgent pointer: carried as it is */
	for (i = 0; i < topt; i++)
		th[20 + i] = (uint8_t)(i == 0 ? 8 : i == 1 ? 10 : 0x30 + i);
	f->hl = f->l4 + 20 + topt;
	for (i = 0; i < pay; i++)
		p[f->hl + i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
	f->len = f->hl + pay;
	if (v6)
		wr16(ip + 4, (unsigned)(f->len - f->l3 - 40));
	else
		wr16(ip + 2, (unsigned)(f->len - f->l3));
}

static void
mk_vh(struct vnet *vh, const struct fr *f, unsigned mss)
{
	memset(vh, 0, sizeof(*vh));
	vh->flags = VNET_F_NEEDS_CSUM;
	vh->gso_type = f->v6 ? VNET_GSO_TCPV6 : VNET_GSO_TCPV4;
	vh->hdr_len = (uint16_t)f->hl;
	vh->gso_size = (uint16_t)mss;
	vh->csum_start = (uint16_t)f->l4;
	vh->csum_offset = 16;
}

/* What out() was given, all of it, in order. */
#define SEGS_MAX	(MAX_FRAME / GSO_MIN_MSS + 2)
static struct {
	uint8_t		 data[1 << 18];
	size_t		 used, n, len[SEGS_MAX], off[SEGS_MAX];
	int		 overflow;
} got;

static void
collect(void *arg, const uint8_t *seg, size_t len)
{
	(void)arg;
	if (got.n >= SEGS_MAX || got.used + len > sizeof(got.data)) {
		got.overflow = 1;
		return;
	}
	memcpy(got.data + got.used, seg, len);
	got.off[got.n] = got.used;
	got.len[got.n++] = len;
	got.used += len;
}

static uint8_t *outbuf;

static int
run(const struct vnet *vh, const uint8_t *frame, size_t len)
{
	got.n = got.used = 0;
	got.overflow = 0;
	return gso_segment(vh, t_guard(frame, len), len, outbuf, collect,
	    NULL);
}

static int
check(const struct vnet *vh, const struct fr *f)
{
	return vnet_check(vh, t_guard(f->b, f->len), f->len);
}

/*
 * gso_segment's result for f against what segmentation means: the
 * count, each length, IP lengths, ids, header checksums, sequence
 * numbers, flags, TCP checksums (by the reference, pseudo header
 * included), the rest of the headers byte for byte, and the payloads
 * put back together.
 */
static void
check_segs(const struct fr *f, unsigned mss, int r)
{
	size_t pay = f->len - f->hl, want, i, n, at = 0;
	const uint8_t *oip = f->b + f->l3, *oth = f->b + f->l4;
	uint8_t hdr[256];
	int bad_len = 0, bad_ip = 0, bad_tcp = 0, bad_seq = 0, bad_flags = 0,
	    bad_hdr = 0, bad_pay = 0;
	uint8_t fl;

	want = pay == 0 ? 1 : (pay + mss - 1) / mss;
	CHECK(r == (int)want);
	CHECK(got.n == want);
	CHECK(!got.overflow);
	if (got.n != want || f->hl > sizeof(hdr))
		return;
	for (i = 0; i < got.n; i++) {
		const uint8_t *s = got.data + got.off[i];
		const uint8_t *ip = s + f->l3, *th = s + f->l4;
		size_t len = got.len[i];

		n = i + 1 < got.n ? mss : pay - at;
		if (len != f->hl + n) {
			bad_len++;
			continue;
		}
		if (f->v6) {
			if (rd16(ip + 4) != len - f->l3 - 40)
				bad_ip++;
		} else {
			if (rd16(ip + 2) != len - f->l3 ||
			    rd16(ip + 4) != (uint16_t)(rd16(oip + 4) + i) ||
			    ref_sum(0, ip, f->l4 - f->l3) != 0xffff)
				bad_ip++;
		}
		if (ref_sum(ref_pseudo(ip, f->v6, len - f->l4, 6), th,
		    len - f->l4) != 0xffff)
			bad_tcp++;
		if (rd32(th + 4) != (uint32_t)(rd32(oth + 4) + i * mss))
			bad_seq++;
		fl = oth[13];
		if (i > 0)
			fl &= (uint8_t)~CWR;
		if (i + 1 < got.n)
			fl &= (uint8_t)~(FIN | PSH);
		if (th[13] != fl)
			bad_flags++;
		/* Put the fields that may differ back: the rest must be
		 * the original headers. */
		memcpy(hdr, s, f->hl);
		if (f->v6)
			memcpy(hdr + f->l3 + 4, oip + 4, 2);
		else {
			memcpy(hdr + f->l3 + 2, oip + 2, 4);
			memcpy(hdr + f->l3 + 10, oip + 10, 2);
		}
		memcpy(hdr + f->l4 + 4, oth + 4, 4);
		hdr[f->l4 + 13] = oth[13];
		memcpy(hdr + f->l4 + 16, oth + 16, 2);
		if (memcmp(hdr, f->b, f->hl) != 0)
			bad_hdr++;
		if (memcmp(s + f->hl, f->b + f->hl + at, n) != 0)
			bad_pay++;
		at += n;
	}
	CHECK(bad_len == 0);
	CHECK(bad_ip == 0);
	CHECK(bad_tcp == 0);
	CHECK(bad_seq == 0);
	CHECK(bad_flags == 0);
	CHECK(bad_hdr == 0);
	CHECK(bad_pay == 0);
	CHECK(at == pay);
}

static void
seg_case(int v6, int vlan, size_t ipopt, size_t topt, size_t pay,
    unsigned mss, uint32_t seq, uint16_t id, uint8_t flags)
{
	static struct fr f;
	struct vnet vh;

	mk_tcp(&f, v6, vlan, ipopt, topt, pay, seq, id, flags);
	mk_vh(&vh, &f, mss);
	CHECK(check(&vh, &f) == 0);
	check_segs(&f, mss, run(&vh, f.b, f.len));
	/* The ECN flag changes nothing (CWR goes on the first anyway),
	 * nor do checksum hints that are not set. */
	vh.gso_type |= VNET_GSO_ECN;
	vh.flags = 0;
	check_segs(&f, mss, run(&vh, f.b, f.len));
}

static void
test_segment(void)
{
	uint8_t all = FIN | PSH | CWR | ACK;

	/* 10000 bytes in 1448: six full, one of 1312. */
	seg_case(0, 0, 0, 12, 10000, 1448, 1000000, 77, all);
	CHECK(got.n == 7 && got.len[0] == 14 + 20 + 32 + 1448 &&
	    got.len[6] == 14 + 20 + 32 + 1312);
	seg_case(1, 0, 0, 12, 10000, 1448, 0x80000000u, 0, all);
	CHECK(got.n == 7 && got.len[6] == 14 + 40 + 32 + 1312);
	seg_case(0, 1, 0, 12, 10000, 1448, 5, 0x1234, all);
	CHECK(got.n == 7 && got.len[0] == 18 + 20 + 32 + 1448);
	seg_case(1, 1, 0, 0, 10000, 1448, 5, 0, all);
	/* IPv4 options, no TCP options. */
	seg_case(0, 0, 8, 0, 3000, 1000, 9, 1, all);
	/* A multiple of gso_size: no short last segment. */
	seg_case(0, 0, 0, 12, 4 * 1448, 1448, 1, 1, all);
	CHECK(got.n == 4 && got.len[3] == 14 + 20 + 32 + 1448);
	seg_case(1, 0, 0, 12, 4 * 1448, 1448, 1, 1, all);
	/* One byte over: a last segment of one byte. */
	seg_case(0, 0, 0, 0, 2 * 1448 + 1, 1448, 1, 1, all);
	CHECK(got.n == 3 && got.len[2] == 14 + 20 + 20 + 1);
	/* Payload smaller than gso_size, and none at all: one segment
	 * that keeps every flag. */
	seg_case(0, 0, 0, 12, 100, 1448, 1, 1, all);
	seg_case(0, 0, 0, 12, 0, 1448, 1, 1, all);
	CHECK(got.n == 1 && got.len[0] == 14 + 20 + 32);
	CHECK(got.n == 1 && got.data[14 + 20 + 13] == all);
	seg_case(1, 1, 0, 40, 0, 88, 1, 1, FIN | ACK);
	/* The sequence number and the IPv4 id wrap. */
	seg_case(0, 0, 0, 12, 10000, 1448, 0xfffff000u, 0xfffd, all);
	CHECK(got.n == 7 && rd32(got.data + got.off[3] + 34 + 4) ==
	    (uint32_t)(0xfffff000u + 3 * 1448));
	CHECK(rd16(got.data + got.off[3] + 14 + 4) == 0);
	seg_case(1, 0, 0, 12, 10000, 1448, 0xffffffffu, 0, all);
	/* No flags to drop. */
	seg_case(0, 0, 0, 0, 5000, 1200, 1, 1, ACK);
	/* The largest frame in the smallest segments. */
	seg_case(0, 0, 0, 0, MAX_FRAME - 54, GSO_MIN_MSS, 3, 3, all);
	CHECK(got.n == (MAX_FRAME - 54 + GSO_MIN_MSS - 1) / GSO_MIN_MSS);
	seg_case(1, 1, 0, 40, MAX_FRAME - 18 - 40 - 60, GSO_MIN_MSS, 3, 3,
	    all);
	seg_case(0, 1, 40, 40, MAX_FRAME - 18 - 60 - 60, GSO_MIN_MSS, 3, 3,
	    all);
	/* The largest gso_size the headers leave room for. */
	seg_case(0, 0, 0, 0, MAX_FRAME - 54, MAX_FRAME - 54, 1, 1, all);
	CHECK(got.n == 1 && got.len[0] == MAX_FRAME);
	seg_case(0, 0, 0, 0, MAX_FRAME - 54, MAX_FRAME - 55, 1, 1, all);
	CHECK(got.n == 2 && got.len[1] == 55);
}

/*
 * A known answer, worked by hand.  IPv4 10.0.0.1 -> 10.0.0.2, id 1, DF,
 * TTL 64; TCP 12345 -> 80, seq 1, ack 0, PSH|ACK, window 0xffff,
 * payload "hi".
 *   IP words: 4500 002a 0001 4000 4006 0a00 0001 0a00 0002 = d934,
 *   checksum ~d934 = 26cb.
 *   Pseudo header: 0a00 0001 0a00 0002 0006 0016 = 141f.
 *   TCP words: 3039 0050 0000 0001 0000 0000 5018 ffff 0000 0000
 *   6869 = 1e90a -> e90b; + 141f = fd2a, checksum ~fd2a = 02d5.
 */
static void
test_known(void)
{
	static const uint8_t pkt[14 + 20 + 22] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06,
		0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		0x30, 0x39, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x00, 0x50, 0x18, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
		'h', 'i'
	};
	struct vnet vh;
	const uint8_t *s = got.data;

	memset(&vh, 0, sizeof(vh));
	vh.gso_type = VNET_GSO_TCPV4;
	vh.gso_size = 1448;
	CHECK(run(&vh, pkt, sizeof(pkt)) == 1);
	CHECK(got.n == 1 && got.len[0] == sizeof(pkt));
	CHECK(rd16(s + 24) == 0x26cb);
	CHECK(rd16(s + 34 + 16) == 0x02d5);
	CHECK(ref_sum(0, s + 14, 20) == 0xffff);
	CHECK(ref_sum(ref_pseudo(s + 14, 0, 22, 6), s + 34, 22) == 0xffff);
	CHECK(memcmp(s, pkt, 24) == 0 && memcmp(s + 26, pkt + 26, 24) == 0 &&
	    memcmp(s + 52, pkt + 52, 4) == 0);
}

/* ------------------------------------------------------------------ */

/* vnet_check refuses f under vh, and gso_segment passes nothing. */
static int
refused(const struct vnet *vh, const uint8_t *b, size_t len)
{
	int r1 = vnet_check(vh, t_guard(b, len), len), r2;

	r2 = run(vh, b, len);
	return r1 == -1 && r2 == -1 && got.n == 0;
}

static void
test_check(void)
{
	static struct fr f, g;
	struct vnet vh, v, vs;
	uint8_t *ip, *th;
	size_t i;

	/* Accepted. */
	mk_tcp(&f, 0, 0, 0, 0, 3000, 1, 1, ACK);
	mk_vh(&vh, &f, 1448);
	CHECK(check(&vh, &f) == 0);
	CHECK(vnet_check(NULL, f.b, f.len) == 0);
	memset(&v, 0, sizeof(v));
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v.flags = VNET_F_DATA_VALID;
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v.flags = VNET_F_NEEDS_CSUM | VNET_F_DATA_VALID;
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v.hdr_len = (uint16_t)f.len;
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v = vh;
	v.gso_type |= VNET_GSO_ECN;
	CHECK(check(&v, &f) == 0);
	v.flags = 0;
	v.csum_start = v.csum_offset = 0xffff;	/* unused without the flag */
	CHECK(check(&v, &f) == 0);
	CHECK(vnet_check(NULL, f.b, 14) == 0);
	CHECK(vnet_check(NULL, f.b, MAX_FRAME) == 0);

	/* Flags and types. */
	v = vh;
	v.flags |= 4;
	CHECK(refused(&v, f.b, f.len));
	for (i = 0; i < 256; i++) {
		v = vh;
		v.gso_type = (uint8_t)i;
		if (i == VNET_GSO_TCPV4 || i == (VNET_GSO_TCPV4 | VNET_GSO_ECN))
			CHECK(check(&v, &f) == 0);
		else if (i != VNET_GSO_NONE && !refused(&v, f.b, f.len)) {
			fprintf(stderr, "gso_type %zu taken\n", i);
			CHECK(0);
		}
	}
	memset(&v, 0, sizeof(v));
	v.gso_type = VNET_GSO_ECN;	/* ECN without a TCP type */
	CHECK(refused(&v, f.b, f.len));
	v.gso_type = 3;			/* VIRTIO_NET_HDR_GSO_UDP */
	CHECK(refused(&v, f.b, f.len));

	/* hdr_len and the frame's length. */
	v = vh;
	v.hdr_len = (uint16_t)f.len;
	CHECK(check(&v, &f) == 0);
	v.hdr_len = (uint16_t)(f.len + 1);
	CHECK(refused(&v, f.b, f.len));
	CHECK(refused(NULL, f.b, 13));
	CHECK(refused(NULL, f.b, MAX_FRAME + 1));
	memset(&v, 0, sizeof(v));
	CHECK(refused(&v, f.b, 13));
	CHECK(refused(&v, f.b, 0));
	CHECK(refused(&v, f.b, MAX_FRAME + 1));

	/* The checksum field must lie in the frame. */
	memset(&v, 0, sizeof(v));
	v.flags = VNET_F_NEEDS_CSUM;
	v.csum_start = (uint16_t)(f.len - 2);
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v.csum_start = (uint16_t)(f.len - 1);
	CHECK(refused(&v, f.b, f.len));
	v.csum_start = 10;
	v.csum_offset = (uint16_t)(f.len - 12);
	CHECK(vnet_check(&v, f.b, f.len) == 0);
	v.csum_offset++;
	CHECK(refused(&v, f.b, f.len));
	v.csum_start = v.csum_offset = 0xffff;	/* no wrap to small */
	CHECK(refused(&v, f.b, f.len));
	v.csum_start = 0;
	v.csum_offset = 0xfffe;
	CHECK(refused(&v, f.b, MAX_FRAME));
	v.csum_offset = 0xfffd;
	CHECK(vnet_check(&v, f.b, MAX_FRAME) == 0);
	v = vh;
	v.csum_offset = (uint16_t)(f.len - f.l4 - 1);
	CHECK(refused(&v, f.b, f.len));

	/* The frame's structure, judged with neither hdr_len nor a
	 * checksum field to refuse a short frame first. */
	vs = vh;
	vs.flags = 0;
	vs.hdr_len = 0;
	CHECK(check(&vs, &f) == 0);

	/* L2: type and tag. */
	CHECK(refused(&vs, f.b, 13));
	g = f;
	wr16(g.b + 12, 0x0806);
	CHECK(refused(&vs, g.b, g.len));
	wr16(g.b + 12, 0x86dd);
	CHECK(refused(&vs, g.b, g.len));
	mk_tcp(&g, 0, 1, 0, 0, 3000, 1, 1, ACK);
	CHECK(check(&vs, &g) == 0);
	CHECK(refused(&vs, g.b, 17));
	wr16(g.b + 16, 0x8100);		/* a second tag: not taken */
	CHECK(refused(&vs, g.b, g.len));
	wr16(g.b + 16, 0x86dd);
	CHECK(refused(&vs, g.b, g.len));
	wr16(g.b + 16, 0x88a8);
	CHECK(refused(&vs, g.b, g.len));
	wr16(g.b + 16, 0x0800);
	CHECK(check(&vs, &g) == 0);
	wr16(g.b + 12, 0x88a8);		/* an 802.1ad tag: not taken */
	CHECK(refused(&vs, g.b, g.len));

	/* IPv4, one rule at a time. */
	ip = g.b + 14;
#define V4(stmt) do { g = f; stmt; CHECK(refused(&vs, g.b, g.len)); } \
	while (0)
	V4(ip[0] = 0x65);			/* version 6 */
	/* IHL 4, with a TCP header that would parse 16 bytes in. */
	V4((ip[0] = 0x44, ip[28] = 0x50));
	V4(ip[0] = 0x40);
	V4(ip[9] = 17);				/* UDP */
	V4(ip[6] |= 0x20);			/* MF */
	V4(wr16(ip + 6, 0x0001));		/* offset 8 */
	V4(wr16(ip + 6, 0x1000));
	V4(wr16(ip + 2, rd16(ip + 2) + 1));	/* total length */
	V4(wr16(ip + 2, rd16(ip + 2) - 1));
	V4(g.len--);				/* ...the same */
	V4(g.len = 14 + 19);			/* truncated IP header */
	V4((ip[0] = 0x4f, g.len = 14 + 59, wr16(ip + 2, 59)));
	V4((g.len = 14 + 39, wr16(ip + 2, 39)));/* truncated TCP */
#undef V4
	/* The rest of the IPv4 header is not ours to judge. */
	g = f;
	ip[1] = 0xff;
	ip[6] = 0x40;
	ip[8] = 0;
	CHECK(check(&vs, &g) == 0);
	mk_tcp(&g, 0, 0, 40, 0, 1000, 1, 1, ACK);	/* IHL 15 */
	CHECK(check(&vs, &g) == 0);

	/* IPv6. */
	mk_tcp(&f, 1, 0, 0, 0, 3000, 1, 1, ACK);
	mk_vh(&vh, &f, 1448);
	CHECK(check(&vh, &f) == 0);
	vs = vh;
	vs.flags = 0;
	vs.hdr_len = 0;
	v = vh;
	v.gso_type = VNET_GSO_TCPV4;	/* the type must match */
	CHECK(refused(&v, f.b, f.len));
	ip = g.b + 14;
#define V6(stmt) do { g = f; stmt; CHECK(refused(&vs, g.b, g.len)); } \
	while (0)
	V6(wr16(g.b + 12, 0x0800));
	V6(ip[0] = 0x40);
	V6(ip[6] = 0);				/* hop-by-hop first */
	V6(ip[6] = 44);				/* fragment header */
	V6(ip[6] = 17);
	V6(wr16(ip + 4, rd16(ip + 4) + 1));
	V6(wr16(ip + 4, rd16(ip + 4) - 1));
	V6(g.len = 14 + 39);
	V6((g.len = 14 + 40 + 19, wr16(ip + 4, 19)));
	V6((g.len = 14 + 40, wr16(ip + 4, 0)));
#undef V6
	v = vh;
	v.gso_type = VNET_GSO_TCPV6 | VNET_GSO_ECN;
	CHECK(check(&v, &f) == 0);

	/* TCP data offset: 48 bytes of TCP in the frame. */
	mk_tcp(&f, 0, 0, 0, 0, 28, 1, 1, ACK);
	mk_vh(&vh, &f, 1448);
	vs = vh;
	vs.flags = 0;
	vs.hdr_len = 0;
	th = g.b + f.l4;
	g = f;
	CHECK(check(&vs, &g) == 0);
	th[12] = 0x40;
	CHECK(refused(&vs, g.b, g.len));
	th[12] = 0x00;
	CHECK(refused(&vs, g.b, g.len));
	th[12] = 0xf0;			/* 60 bytes */
	CHECK(refused(&vs, g.b, g.len));
	th[12] = 0xd0;			/* 52 bytes */
	CHECK(refused(&vs, g.b, g.len));
	th[12] = 0xc0;			/* exactly the frame: no payload */
	CHECK(check(&vs, &g) == 0);
	CHECK(run(&vs, g.b, g.len) == 1 && got.len[0] == g.len);
	th[12] = 0xb0;			/* 44 bytes and 4 of payload */
	CHECK(check(&vs, &g) == 0);

	/* gso_size. */
	v = vh;
	v.gso_size = GSO_MIN_MSS;
	CHECK(check(&v, &f) == 0);
	v.gso_size = GSO_MIN_MSS - 1;
	CHECK(refused(&v, f.b, f.len));
	v.gso_size = 0;
	CHECK(refused(&v, f.b, f.len));
	v.gso_size = (uint16_t)(MAX_FRAME - f.hl);
	CHECK(check(&v, &f) == 0);
	v.gso_size = (uint16_t)(MAX_FRAME - f.hl + 1);
	CHECK(refused(&v, f.b, f.len));
	v.gso_size = 0xffff;
	CHECK(refused(&v, f.b, f.len));
	/* Without GSO, gso_size is not looked at. */
	v.gso_type = VNET_GSO_NONE;
	CHECK(check(&v, &f) == 0);
}

/* ------------------------------------------------------------------ */
/* Completing a partial checksum */

/* f's checksum at l4 + off, completed by gso_segment, against the
 * reference: the pseudo header, the header with the field zeroed, the
 * payload. */
static void
partial_case(struct fr *f, int v6, size_t ulen, unsigned proto, size_t off)
{
	struct vnet vh;
	uint8_t *ip = f->b + f->l3;
	uint16_t want, ph;

	ph = ref_pseudo(ip, v6, ulen, proto);
	wr16(f->b + f->l4 + off, 0);
	want = (uint16_t)~ref_sum(ph, f->b + f->l4, ulen);
	if (want == 0)
		want = 0xffff;
	/* What Linux leaves in the field: the pseudo header's sum. */
	wr16(f->b + f->l4 + off, ph);
	memset(&vh, 0, sizeof(vh));
	vh.flags = VNET_F_NEEDS_CSUM;
	vh.hdr_len = (uint16_t)(f->l4 + 8);
	vh.csum_start = (uint16_t)f->l4;
	vh.csum_offset = (uint16_t)off;
	CHECK(run(&vh, f->b, f->len) == 1);
	CHECK(got.n == 1 && got.len[0] == f->len);
	CHECK(rd16(got.data + f->l4 + off) == want);
	CHECK(ref_sum(ph, got.data + f->l4, ulen) == 0xffff);
	CHECK(memcmp(got.data, f->b, f->l4 + off) == 0);
	CHECK(memcmp(got.data + f->l4 + off + 2, f->b + f->l4 + off + 2,
	    f->len - f->l4 - off - 2) == 0);
}

static void
test_partial(void)
{
	static struct fr f;
	struct vnet vh;
	uint8_t b[64];
	size_t ulen, i;

	/* UDP/IPv4, odd payload, as the tap gives it. */
	mk_tcp(&f, 0, 0, 0, 0, 0, 0, 0x4242, 0);
	f.b[f.l3 + 9] = 17;
	ulen = 8 + 37;
	wr16(f.b + f.l4, 5353);
	wr16(f.b + f.l4 + 2, 53);
	wr16(f.b + f.l4 + 4, (unsigned)ulen);
	for (i = 0; i < 37; i++)
		f.b[f.l4 + 8 + i] = (uint8_t)(0xa0 ^ i * 29);
	f.len = f.l4 + ulen;
	wr16(f.b + f.l3 + 2, (unsigned)(f.len - f.l3));
	wr16(f.b + f.l3 + 10, 0);
	wr16(f.b + f.l3 + 10, (uint16_t)~ref_sum(0, f.b + f.l3, 20));
	partial_case(&f, 0, ulen, 17, 6);

	/* TCP/IPv6 with options, behind a tag. */
	mk_tcp(&f, 1, 1, 0, 12, 1001, 77, 0, PSH | ACK);
	partial_case(&f, 1, f.len - f.l4, 6, 16);
	/* Sizes around word boundaries. */
	for (i = 0; i < 4; i++) {
		mk_tcp(&f, 0, 0, 0, 0, i, 77, 0, ACK);
		partial_case(&f, 0, f.len - f.l4, 6, 16);
	}
	/* The largest frame. */
	mk_tcp(&f, 0, 0, 0, 0, MAX_FRAME - 54, 77, 0, ACK);
	partial_case(&f, 0, f.len - f.l4, 6, 16);

	/* A sum of 0xffff complements to 0, sent as 0xffff. */
	memset(b, 0, sizeof(b));
	memset(&vh, 0, sizeof(vh));
	vh.flags = VNET_F_NEEDS_CSUM;
	vh.csum_start = 14;
	wr16(b + 14, 0x1234);
	wr16(b + 16, 0xedcb);
	CHECK(run(&vh, b, 20) == 1);
	CHECK(got.n == 1 && rd16(got.data + 14) == 0xffff);
	/* A sum of 0 (all zero) complements to 0xffff itself. */
	wr16(b + 14, 0);
	wr16(b + 16, 0);
	CHECK(run(&vh, b, 20) == 1);
	CHECK(got.n == 1 && rd16(got.data + 14) == 0xffff);
	/* Anything else goes as computed; the field may be the last two
	 * bytes and at an odd offset. */
	wr16(b + 16, 0x0102);
	vh.csum_offset = 3;
	CHECK(run(&vh, b, 19) == 1);
	CHECK(got.n == 1 && rd16(got.data + 17) == (uint16_t)~0x0102);
	CHECK(memcmp(got.data, b, 17) == 0);

	/* Nothing to do: passed as it is (the frame itself). */
	vh.flags = VNET_F_DATA_VALID;
	CHECK(run(&vh, b, 20) == 1);
	CHECK(got.n == 1 && got.len[0] == 20 && memcmp(got.data, b, 20) == 0);
	CHECK(run(NULL, b, 60) == 1);
	CHECK(got.n == 1 && got.len[0] == 60 && memcmp(got.data, b, 60) == 0);
}

int
main(void)
{
	outbuf = malloc(MAX_FRAME);
	if (outbuf == NULL)
		return 2;
	test_csum();
	test_vnet_wire();
	test_plain();
	test_known();
	test_check();
	test_segment();
	test_partial();
	free(outbuf);
	return t_done("test_gso");
}
