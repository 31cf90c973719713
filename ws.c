/*
 * ws.c - WebSocket (RFC 6455) framing: the handshake accept value, the
 * frame header encoder, masking, and the incremental receiver.
 *
 * The receiver never allocates per frame.  An unfragmented binary frame
 * that fits in max is unmasked and reported in the caller's buffer; a
 * fragmented message is gathered in rx->frag (one allocation of max
 * bytes, kept until ws_rx_free); anything over max is streamed past
 * without being stored.  So the caller never needs to hold more than
 * max + WS_HDR_MAX bytes for the receiver to make progress.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "base64.h"
#include "sha1.h"
#include "sys.h"
#include "util.h"
#include "ws.h"

void
ws_accept(const char *key, size_t keylen, char out[29])
{
	struct sha1_ctx c;
	uint8_t d[20];

	sha1_init(&c);
	sha1_update(&c, key, keylen);
	sha1_update(&c, WS_GUID, sizeof(WS_GUID) - 1);
	sha1_final(&c, d);
	base64_encode(out, d, sizeof(d));
}

size_t
ws_frame_header(uint8_t *out, int opcode, uint64_t len, const uint8_t *mask)
{
	uint8_t mbit = mask != NULL ? 0x80 : 0;
	size_t n, i;

	out[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		out[1] = (uint8_t)(mbit | len);
		n = 2;
	} else if (len <= 0xffff) {
		out[1] = mbit | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] = mbit | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (mask != NULL) {
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return n;
}

size_t
ws_frame_size(const uint8_t *p)
{
	uint64_t len = p[1] & 0x7f;
	size_t h = 2;

	if (len == 126) {
		len = ew_be16(p + 2);
		h = 4;
	} else if (len == 127) {
		len = (uint64_t)ew_be32(p + 2) << 32 | ew_be32(p + 6);
		h = 10;
	}
	if (p[1] & 0x80)
		h += 4;
	return h + (size_t)len;
}

/*
 * The block masking works in: 16 bytes where the CPU has vector
 * registers (SSE2, NEON) and the compiler vector types (GCC, clang),
 * else a machine word (MIPS, ARMv7 without NEON: smaller code there,
 * and as fast).  One pass of such loads and stores: a 64 KiB
 * super-frame costs about what copying it does, where a copy and then
 * an 8-byte loop took three to eight times that (docs/performance.md).
 */
#if (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__SSE2__) || defined(__ARM_NEON) || defined(__aarch64__))
typedef uint8_t mask_block __attribute__((vector_size(16)));
#else
typedef unsigned long mask_block;
#endif

/*
 * k[j] is the key byte of the j-th byte from here, so XORing a block
 * with k is the same on any byte order; memcpy keeps the loads and
 * stores free of alignment and aliasing trouble (MIPS, ARM) and
 * compiles to plain (or unaligned-safe) ones.  The destination is
 * aligned to a block first when there is enough to gain from it: the
 * stores, at least, then never straddle a line.  dst == src masks in
 * place.
 */
void
ws_mask_copy(uint8_t *dst, const uint8_t *src, size_t len,
    const uint8_t mask[4], size_t off)
{
	uint8_t k[sizeof(mask_block)];
	mask_block m, w;
	uint32_t m4, w4;
	size_t i = 0, j;

	if (len >= 2 * sizeof(mask_block))
		for (; ((uintptr_t)(dst + i) & (sizeof(mask_block) - 1)) != 0;
		    i++)
			dst[i] = src[i] ^ mask[(off + i) & 3];
	for (j = 0; j < 4; j++)
		k[j] = mask[(off + i + j) & 3];
	for (; j < sizeof(k); j++)
		k[j] = k[j - 4];
	memcpy(&m, k, sizeof(m));
	for (; len - i >= sizeof(m); i += sizeof(m)) {
		memcpy(&w, src + i, sizeof(w));
		w ^= m;
		memcpy(dst + i, &w, sizeof(w));
	}
	/* i moved by multiples of 4 since k was made: k[0..4) still fits */
	memcpy(&m4, k, sizeof(m4));
	for (; len - i >= sizeof(m4); i += sizeof(m4)) {
		memcpy(&w4, src + i, sizeof(w4));
		w4 ^= m4;
		memcpy(dst + i, &w4, sizeof(w4));
	}
	for (; i < len; i++)
		dst[i] = src[i] ^ mask[(off + i) & 3];
}

void
ws_mask(uint8_t *p, size_t len, const uint8_t mask[4], size_t off)
{
	ws_mask_copy(p, p, len, mask, off);
}

/* ------------------------------------------------------------------ */
/* Receiver */

struct ws_hdr {
	int		 fin;
	int		 op;
	uint64_t	 plen;		/* payload length */
	size_t		 hlen;		/* header length, mask key included */
	const uint8_t	*mask;		/* NULL if unmasked */
};

void
ws_rx_init(struct ws_rx *rx, int expect_mask, size_t max)
{
	memset(rx, 0, sizeof(*rx));
	rx->expect_mask = expect_mask;
	rx->max = max;
}

void
ws_rx_free(struct ws_rx *rx)
{
	free(rx->frag);
	rx->frag = NULL;
	rx->frag_len = 0;
}

static int
op_valid(int op)
{
	return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

/*
 * The checks that need only the first two bytes, so that an error is
 * reported as early as the peer's bytes allow.  Returns 0 or a close
 * code.  A new message inside an open one is 1002 even if it is text:
 * the sequence error comes first.
 */
static int
hdr_check(const struct ws_rx *rx, const uint8_t *b)
{
	int op = b[0] & 0x0f;

	if ((b[0] & 0x70) != 0 || !op_valid(op))
		return 1002;
	if (((b[1] & 0x80) != 0) != (rx->expect_mask != 0))
		return 1002;
	if ((op & 0x08) != 0)
		return (b[0] & 0x80) == 0 ? 1002 : 0;
	if (op == WS_OP_CONT)
		return rx->in_msg ? 0 : 1002;
	if (rx->in_msg)
		return 1002;
	return op == WS_OP_TEXT ? 1003 : 0;
}

/*
 * Parse a frame header.  Returns the header length (> 0), 0 if more
 * bytes are needed, or minus a close code.  Non-minimal length
 * encodings are accepted; a 64-bit length with the top bit set is not.
 */
static int
hdr_parse(const struct ws_rx *rx, const uint8_t *b, size_t len,
    struct ws_hdr *h)
{
	size_t n, i;
	int code;

	if (len < 2)
		return 0;
	if ((code = hdr_check(rx, b)) != 0)
		return -code;
	h->fin = (b[0] & 0x80) != 0;
	h->op = b[0] & 0x0f;
	h->plen = b[1] & 0x7f;
	n = h->plen == 126 ? 4 : h->plen == 127 ? 10 : 2;
	h->hlen = n + (rx->expect_mask ? 4 : 0);
	if (len < h->hlen)
		return 0;
	if (n == 4)
		h->plen = ew_be16(b + 2);
	else if (n == 10) {
		if ((b[2] & 0x80) != 0)
			return -1002;
		for (h->plen = 0, i = 2; i < 10; i++)
			h->plen = h->plen << 8 | b[i];
	}
	if ((h->op & 0x08) != 0 && h->plen > WS_CTRL_MAX)
		return -1002;
	h->mask = rx->expect_mask ? b + n : NULL;
	return (int)h->hlen;
}

static size_t
rx_error(struct ws_rx *rx, int code, struct ws_event *ev)
{
	rx->closed = 1;
	rx->err = code;
	ev->type = WS_EV_ERROR;
	ev->code = code;
	return 0;
}

/* The last frame of a gathered or skipped message has ended. */
static void
rx_msg_end(struct ws_rx *rx, struct ws_event *ev)
{
	if (rx->msg_drop)
		ev->type = WS_EV_DROPPED;
	else {
		ev->type = WS_EV_MESSAGE;
		ev->data = rx->frag;
		ev->len = rx->frag_len;
	}
	rx->in_msg = 0;
	rx->msg_drop = 0;
	rx->frag_len = 0;
}

/*
 * Stream payload bytes of the current frame: gathered into frag, or
 * discarded when the message is being dropped.  Takes what is there,
 * so neither needs the whole frame in the caller's buffer.
 */
static size_t
rx_stream(struct ws_rx *rx, uint8_t *p, size_t len, struct ws_event *ev)
{
	size_t n = rx->skip < len ? (size_t)rx->skip : len;

	if (!rx->msg_drop && n > 0) {
		memcpy(rx->frag + rx->frag_len, p, n);
		if (rx->expect_mask)
			ws_mask(rx->frag + rx->frag_len, n, rx->skip_mask,
			    rx->skip_phase);
		rx->frag_len += n;
	}
	rx->skip -= n;
	rx->skip_phase = (unsigned)((rx->skip_phase + n) & 3);
	if (rx->skip == 0 && rx->skip_fin)
		rx_msg_end(rx, ev);
	return n;
}

/* Enter the streaming state for the payload of frame h. */
static size_t
rx_stream_start(struct ws_rx *rx, uint8_t *buf, size_t len,
    const struct ws_hdr *h, struct ws_event *ev)
{
	rx->skip = h->plen;
	rx->skip_fin = h->fin;
	rx->skip_phase = 0;
	if (h->mask != NULL)
		memcpy(rx->skip_mask, h->mask, 4);
	return h->hlen + rx_stream(rx, buf + h->hlen, len - h->hlen, ev);
}

/* A status code a peer may send in a Close (RFC 6455 7.4.1, 7.4.2 and
 * IANA's registry, which added 1012-1014): 1005, 1006 and 1015 are for
 * APIs only, 1004 and 1016-2999 are reserved, below 1000 unused. */
static int
close_code_ok(int code)
{
	return (code >= 1000 && code <= 1003) ||
	    (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/* Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF): a Close reason must be (RFC 6455 5.5.1). */
static int
utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80)
			k = 1;
		else if ((k = ew_utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Ping, Pong, Close: small, so wait for the whole frame and report it
 * in place.  A Close whose code may not be sent fails with 1002, one
 * whose reason is not UTF-8 with 1007 (RFC 6455 7.4.1, 8.1). */
static size_t
rx_control(struct ws_rx *rx, uint8_t *buf, size_t len,
    const struct ws_hdr *h, struct ws_event *ev)
{
	uint8_t *p = buf + h->hlen;
	size_t plen = (size_t)h->plen;

	if (len - h->hlen < plen)
		return 0;
	if (h->mask != NULL)
		ws_mask(p, plen, h->mask, 0);
	ev->data = p;
	ev->len = plen;
	if (h->op == WS_OP_PING)
		ev->type = WS_EV_PING;
	else if (h->op == WS_OP_PONG)
		ev->type = WS_EV_PONG;
	else if (plen == 1)
		return rx_error(rx, 1002, ev);
	else {
		ev->type = WS_EV_CLOSE;
		if (plen >= 2) {
			ev->code = ew_be16(p);
			ev->data = p + 2;
			ev->len = plen - 2;
			if (!close_code_ok(ev->code))
				return rx_error(rx, 1002, ev);
			if (!utf8_ok(ev->data, ev->len))
				return rx_error(rx, 1007, ev);
		}
		/* Nothing may follow a Close (RFC 6455 5.5.1). */
		rx->closed = 1;
		rx->err = 1002;
	}
	return h->hlen + plen;
}

/* FIN=1 binary frame outside a fragmented message. */
static size_t
rx_single(struct ws_rx *rx, uint8_t *buf, size_t len,
    const struct ws_hdr *h, struct ws_event *ev)
{
	uint8_t *p = buf + h->hlen;

	if (h->plen > rx->max) {
		rx->msg_drop = 1;
		return rx_stream_start(rx, buf, len, h, ev);
	}
	/* The fast path: whole frame here, unmask and report in place. */
	if (len - h->hlen < h->plen)
		return 0;
	if (h->mask != NULL)
		ws_mask(p, (size_t)h->plen, h->mask, 0);
	ev->type = WS_EV_MESSAGE;
	ev->data = p;
	ev->len = (size_t)h->plen;
	return h->hlen + (size_t)h->plen;
}

/*
 * First (FIN=0 binary) or continuation frame of a fragmented message.
 * If frag cannot be allocated the message is dropped rather than the
 * connection: it is the same outcome as an oversize message.
 */
static size_t
rx_fragment(struct ws_rx *rx, uint8_t *buf, size_t len,
    const struct ws_hdr *h, struct ws_event *ev)
{
	if (h->op != WS_OP_CONT) {
		rx->in_msg = 1;
		rx->msg_op = h->op;
		rx->msg_drop = 0;
		rx->frag_len = 0;
	}
	if (!rx->msg_drop && h->plen > rx->max - rx->frag_len) {
		rx->msg_drop = 1;
		rx->frag_len = 0;
	}
	if (!rx->msg_drop && rx->frag == NULL &&
	    (rx->frag = malloc(rx->max > 0 ? rx->max : 1)) == NULL)
		rx->msg_drop = 1;
	return rx_stream_start(rx, buf, len, h, ev);
}

/*
 * See ws.h.  Each call reports at most one event in ev (always
 * set; WS_EV_NONE if nothing).  WS_EV_ERROR consumes nothing: the
 * caller closes with ev->code.  Once closed (an error, or a Close was
 * reported), every later call consumes nothing and reports WS_EV_ERROR
 * with rx->err again.
 */
size_t
ws_rx_feed(struct ws_rx *rx, uint8_t *buf, size_t len, struct ws_event *ev)
{
	struct ws_hdr h;
	int r;

	ev->type = WS_EV_NONE;
	ev->data = NULL;
	ev->len = 0;
	ev->code = 0;
	if (rx->closed)
		return rx_error(rx, rx->err, ev);
	if (rx->skip > 0)
		return rx_stream(rx, buf, len, ev);
	if ((r = hdr_parse(rx, buf, len, &h)) <= 0)
		return r == 0 ? 0 : rx_error(rx, -r, ev);
	if ((h.op & 0x08) != 0)
		return rx_control(rx, buf, len, &h, ev);
	if (h.op == WS_OP_BINARY && h.fin)
		return rx_single(rx, buf, len, &h, ev);
	return rx_fragment(rx, buf, len, &h, ev);
}

/* WebSocket mask keys come from a pool refilled from the kernel, so a
 * busy client port does not make a system call per frame. */
void
ew_mask_key(uint8_t key[4])
{
	static uint8_t pool[4096];
	static size_t used = sizeof(pool);

	if (used + 4 > sizeof(pool)) {
		ew_random(pool, sizeof(pool));
		used = 0;
	}
	memcpy(key, pool + used, 4);
	memset(pool + used, 0, 4);	/* never hand out a key twice */
	used += 4;
}
