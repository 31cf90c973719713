/*
 * fuzz_gso.c - libFuzzer harness for gso.c.
 *
 * Input: a virtio_net_hdr in its wire form (10 bytes), then the frame
 * (the rest, at most MAX_FRAME bytes).  gso_segment must fail exactly
 * when vnet_check does, and pass nothing then; otherwise every frame it
 * passes is 14..MAX_FRAME bytes, at most MAX_FRAME / GSO_MIN_MSS + 1 of
 * them, as many as it returns.  A completed checksum must equal a
 * byte-wise reference's, the rest of the frame unchanged.  Each segment
 * of a super-frame must carry the next payload bytes, the IP length,
 * id and sequence number for its place, the flags for its place, and
 * IPv4 header and TCP checksums that verify (pseudo header included).
 * The header must survive decode and encode.  Flags 0xff (never valid)
 * stand for no header: vh NULL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gso.c"
#include "../gso_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHK(c)	do { if (!(c)) __builtin_trap(); } while (0)

struct fz {
	const struct vnet *vh;
	const uint8_t	*frame, *buf;
	size_t		 len, l3, l4, hl, pay, at;
	int		 gso, v6, n;
};

/* A segment of a super-frame, the fz->n'th. */
static void
seg_gso(struct fz *z, const uint8_t *s, size_t len)
{
	const uint8_t *oip = z->frame + z->l3, *oth = z->frame + z->l4;
	const uint8_t *ip = s + z->l3, *th = s + z->l4;
	uint8_t fl;
	uint32_t i = (uint32_t)z->n;
	size_t n, tl = len - z->l4;
	int last;

	CHK(s == z->buf && len >= z->hl);
	n = len - z->hl;
	CHK(n <= z->vh->gso_size && z->at + n <= z->pay);
	/* Only the last may be short, and only the first empty. */
	last = z->at + n == z->pay;
	CHK(last || n == z->vh->gso_size);
	CHK(n > 0 || z->pay == 0);
	CHK(memcmp(s, z->frame, z->l3) == 0);
	CHK(memcmp(s + z->hl, z->frame + z->hl + z->at, n) == 0);
	z->at += n;

	if (z->v6) {
		CHK(rd16(ip + 4) == len - z->l3 - 40);
		CHK(memcmp(ip, oip, 4) == 0 && memcmp(ip + 6, oip + 6, 34) == 0);
	} else {
		CHK(rd16(ip + 2) == len - z->l3);
		CHK(rd16(ip + 4) == (uint16_t)(rd16(oip + 4) + i));
		CHK(ref_sum(0, ip, z->l4 - z->l3) == 0xffff);
		CHK(memcmp(ip, oip, 2) == 0 && memcmp(ip + 6, oip + 6, 4) == 0);
		CHK(memcmp(ip + 12, oip + 12, z->l4 - z->l3 - 12) == 0);
	}
	CHK(ref_sum(ref_pseudo(ip, z->v6, tl, 6), th, tl) == 0xffff);
	CHK(rd32(th + 4) == (uint32_t)(rd32(oth + 4) + i * z->vh->gso_size));
	fl = oth[13];
	if (i > 0)
		fl &= (uint8_t)~0x80;
	if (!last)
		fl &= (uint8_t)~0x09;
	CHK(th[13] == fl);
	CHK(memcmp(th, oth, 4) == 0 && memcmp(th + 8, oth + 8, 5) == 0);
	CHK(memcmp(th + 14, oth + 14, 2) == 0);
	CHK(memcmp(th + 18, oth + 18, z->hl - z->l4 - 18) == 0);
}

/* The one frame a frame without GSO becomes. */
static void
seg_plain(struct fz *z, const uint8_t *s, size_t len)
{
	const struct vnet *vh = z->vh;
	size_t f;
	uint16_t want;

	CHK(z->n == 0 && len == z->len);
	if (vh == NULL || !(vh->flags & VNET_F_NEEDS_CSUM)) {
		CHK(s == z->frame);
		return;
	}
	CHK(s == z->buf);
	f = (size_t)vh->csum_start + vh->csum_offset;
	want = (uint16_t)~ref_sum(0, z->frame + vh->csum_start,
	    len - vh->csum_start);
	if (want == 0)
		want = 0xffff;
	CHK(rd16(s + f) == want);
	CHK(memcmp(s, z->frame, f) == 0);
	CHK(memcmp(s + f + 2, z->frame + f + 2, len - f - 2) == 0);
}

static void
out(void *arg, const uint8_t *s, size_t len)
{
	struct fz *z = arg;

	CHK(len >= MIN_FRAME && len <= MAX_FRAME);
	CHK(z->n < MAX_FRAME / GSO_MIN_MSS + 1);
	if (z->gso)
		seg_gso(z, s, len);
	else
		seg_plain(z, s, len);
	z->n++;
}

/* Where the headers lie, found here again, for a frame vnet_check took
 * as GSO. */
static void
locate(struct fz *z)
{
	const uint8_t *f = z->frame;

	z->v6 = (z->vh->gso_type & ~VNET_GSO_ECN) == VNET_GSO_TCPV6;
	z->l3 = rd16(f + 12) == 0x8100 ? 18 : 14;
	CHK(z->len >= z->l3 + (z->v6 ? 40 : 20));
	z->l4 = z->l3 + (z->v6 ? 40 : (size_t)(f[z->l3] & 15) * 4);
	CHK(z->len >= z->l4 + 20);
	z->hl = z->l4 + (size_t)(f[z->l4 + 12] >> 4) * 4;
	CHK(z->hl <= z->len && z->hl + z->vh->gso_size <= MAX_FRAME);
	z->pay = z->len - z->hl;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *buf;
	struct vnet vh;
	struct fz z;
	uint8_t *frame, wire[VNET_HDR_LEN];
	int c, r;

	if (size < VNET_HDR_LEN)
		return 0;
	if (buf == NULL && (buf = malloc(MAX_FRAME)) == NULL)
		abort();
	vnet_decode(&vh, data);
	vnet_encode(wire, &vh);
	CHK(memcmp(wire, data, VNET_HDR_LEN) == 0);

	memset(&z, 0, sizeof(z));
	z.len = size - VNET_HDR_LEN;
	if (z.len > MAX_FRAME)
		z.len = MAX_FRAME;
	/* An exact copy: a read past its end hits a redzone. */
	frame = malloc(z.len ? z.len : 1);
	CHK(frame != NULL);
	memcpy(frame, data + VNET_HDR_LEN, z.len);
	z.frame = frame;
	z.buf = buf;

	/* Flags 0xff, never valid, stand for no header at all. */
	z.vh = vh.flags == 0xff ? NULL : &vh;
	c = vnet_check(z.vh, frame, z.len);
	CHK(c == 0 || c == -1);
	z.gso = c == 0 && z.vh != NULL && vh.gso_type != VNET_GSO_NONE;
	if (z.gso)
		locate(&z);
	r = gso_segment(z.vh, frame, z.len, buf, out, &z);
	CHK((r == -1) == (c != 0));
	CHK(r == -1 ? z.n == 0 : r == z.n && r >= 1);
	CHK(z.n <= MAX_FRAME / GSO_MIN_MSS + 1);
	if (z.gso)
		CHK(z.at == z.pay);
	if (c == 0)
		CHK(vnet_plain(z.vh) == (!z.gso && (z.vh == NULL ||
		    !(vh.flags & VNET_F_NEEDS_CSUM))));
	free(frame);
	return 0;
}
