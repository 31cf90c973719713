/*
 * fuzz_ws.c - libFuzzer harness for the WebSocket receiver and handshake
 * helpers (ws.c).
 *
 * Input: byte 0 picks the side (bit 0: expect_mask) and max (bits 1-4);
 * the low nibble of byte 1 is a count N of chunk sizes that follow (one
 * byte each, size = byte + 1); the rest is the byte stream.  The stream
 * is fed to a receiver as a caller would (appending each chunk to the
 * unconsumed tail, feeding until it needs more), once whole and once in
 * the chunks; both runs must report the same events.  Every call must
 * consume at most what it was given, report sane events (a Close only
 * with a code a peer may send and a reason in UTF-8), and never
 * stall with more than max(max, 125) + WS_HDR_MAX bytes pending.
 * Then: a frame built with ws_frame_header/ws_mask from the stream must
 * come back intact, ws_mask must match a byte-wise reference, and
 * ws_accept must give 28 base64 characters of a 20-byte digest.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../ws.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t maxes[16] = {
	0, 1, 2, 3, 7, 16, 64, 125, 126, 127, 200, 300, 1000, 4096,
	65535, 65536
};

#define LOG_MAX	8192

struct logent {
	int		 type, code;
	size_t		 len;
	uint64_t	 hash;
};

struct run {
	struct logent	 ev[LOG_MAX];
	size_t		 n;
	size_t		 consumed;
};

static struct run r_whole, r_split;

static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n-- > 0)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* Feed stream s (len bytes) in chunks (NULL: whole) into a receiver. */
static void
run(struct run *out, const uint8_t *s, size_t len, const size_t *chunks,
    size_t nchunks, int expect_mask, size_t max)
{
	struct ws_rx rx;
	struct ws_event ev;
	uint8_t *buf, *tmp;
	size_t off = 0, end = 0, ci = 0, n, pend, stall;
	int done = 0;

	out->n = 0;
	buf = malloc(len ? len : 1);
	assert(buf != NULL);
	memcpy(buf, s, len);
	ws_rx_init(&rx, expect_mask, max);
	stall = (max > 125 ? max : 125) + WS_HDR_MAX;
	while (!done && end < len) {
		/* Append the next chunk (the last one takes the rest). */
		if (chunks == NULL || ci >= nchunks)
			end = len;
		else {
			end += chunks[ci++];
			if (end > len)
				end = len;
		}
		for (;;) {
			pend = end - off;
			/* Exact-size copy: any over-read hits a redzone. */
			tmp = malloc(pend ? pend : 1);
			assert(tmp != NULL);
			memcpy(tmp, buf + off, pend);
			n = ws_rx_feed(&rx, tmp, pend, &ev);
			assert(n <= pend);
			/* It may unmask in place: the caller keeps that. */
			memcpy(buf + off, tmp, pend);
			switch (ev.type) {
			case WS_EV_NONE:
				break;
			case WS_EV_MESSAGE:
				assert(ev.len <= max);
				assert(ev.data != NULL);
				if (ev.data == rx.frag)
					assert(ev.len <= max);
				else
					assert(ev.data >= tmp &&
					    ev.data + ev.len <= tmp + n);
				break;
			case WS_EV_DROPPED:
				break;
			case WS_EV_PING:
			case WS_EV_PONG:
			case WS_EV_CLOSE:
				assert(ev.len <= 125);
				assert(ev.len == 0 || (ev.data >= tmp &&
				    ev.data + ev.len <= tmp + n));
				/* Only codes a peer may send, and a
				 * reason in UTF-8, are reported. */
				if (ev.type == WS_EV_CLOSE)
					assert(ev.code == 0 ||
					    (close_code_ok(ev.code) &&
					    utf8_ok(ev.data, ev.len)));
				break;
			case WS_EV_ERROR:
				assert(n == 0);
				assert(ev.code == 1002 || ev.code == 1003 ||
				    ev.code == 1007);
				assert(rx.closed);
				break;
			default:
				assert(!"bad event type");
			}
			/* Only NONE and ERROR may come without progress. */
			assert(n > 0 || ev.type == WS_EV_NONE ||
			    ev.type == WS_EV_ERROR);
			if (ev.type != WS_EV_NONE && out->n < LOG_MAX) {
				out->ev[out->n].type = ev.type;
				out->ev[out->n].code = ev.code;
				out->ev[out->n].len = ev.len;
				out->ev[out->n].hash = ev.len ?
				    fnv(ev.data, ev.len) : 0;
				out->n++;
			}
			free(tmp);
			off += n;
			if (ev.type == WS_EV_ERROR || ev.type == WS_EV_CLOSE) {
				/* Sticky: nothing more is consumed. */
				uint8_t b[2] = { 0x82, 0x00 };

				assert(ws_rx_feed(&rx, b, sizeof(b), &ev) == 0);
				assert(ev.type == WS_EV_ERROR);
				done = 1;
				break;
			}
			if (n == 0) {
				/* The receiver promises progress within this
				 * many bytes of buffer. */
				assert(pend < stall);
				break;
			}
		}
	}
	out->consumed = off;
	ws_rx_free(&rx);
	free(buf);
}

/* A message built with our own encoder comes back intact: one frame,
 * then the same payload in two fragments. */
static void
roundtrip(const uint8_t *p, size_t len, int expect_mask, size_t max,
    const uint8_t key[4])
{
	struct ws_rx rx;
	struct ws_event ev;
	uint8_t *f;
	size_t h1, h2, a = len / 2, n, off;
	int got = 0;

	f = malloc(2 * WS_HDR_MAX + len + 1);
	assert(f != NULL);
	/* One frame. */
	h1 = ws_frame_header(f, WS_OP_BINARY, len, expect_mask ? key : NULL);
	assert(h1 >= 2 && h1 <= WS_HDR_MAX);
	memcpy(f + h1, p, len);
	if (expect_mask)
		ws_mask(f + h1, len, key, 0);
	ws_rx_init(&rx, expect_mask, max);
	off = 0;
	while (off < h1 + len) {
		n = ws_rx_feed(&rx, f + off, h1 + len - off, &ev);
		assert(n > 0);
		off += n;
		if (ev.type == WS_EV_MESSAGE) {
			assert(off == h1 + len);
			assert(ev.len == len && memcmp(ev.data, p, len) == 0);
			got = 1;
		} else if (ev.type == WS_EV_DROPPED) {
			assert(off == h1 + len && len > max);
			got = 1;
		} else
			assert(ev.type == WS_EV_NONE);
	}
	assert(got);
	/* Two fragments: FIN=0 binary, then FIN=1 continuation. */
	h1 = ws_frame_header(f, WS_OP_BINARY, a, expect_mask ? key : NULL);
	f[0] &= 0x7f;
	memcpy(f + h1, p, a);
	if (expect_mask)
		ws_mask(f + h1, a, key, 0);
	h2 = ws_frame_header(f + h1 + a, WS_OP_CONT, len - a,
	    expect_mask ? key : NULL);
	memcpy(f + h1 + a + h2, p + a, len - a);
	if (expect_mask)
		ws_mask(f + h1 + a + h2, len - a, key, 0);
	got = 0;
	off = 0;
	while (off < h1 + a + h2 + len - a) {
		n = ws_rx_feed(&rx, f + off, h1 + h2 + len - off, &ev);
		assert(n > 0);
		off += n;
		if (ev.type == WS_EV_MESSAGE) {
			assert(ev.len == len && memcmp(ev.data, p, len) == 0);
			got = 1;
		} else if (ev.type == WS_EV_DROPPED) {
			assert(len > max);
			got = 1;
		} else
			assert(ev.type == WS_EV_NONE);
	}
	assert(got && off == h1 + h2 + len);
	ws_rx_free(&rx);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunks[16], nchunks, i, max, len;
	const uint8_t *s;
	uint8_t *a, *b, key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	char acc[29];
	uint8_t d[21];
	int expect_mask;

	if (size < 2)
		return 0;
	expect_mask = data[0] & 1;
	max = maxes[(data[0] >> 1) & 15];
	nchunks = data[1] & 15;
	if (size < 2 + nchunks)
		return 0;
	for (i = 0; i < nchunks; i++)
		chunks[i] = (size_t)data[2 + i] + 1;
	s = data + 2 + nchunks;
	len = size - 2 - nchunks;

	run(&r_whole, s, len, NULL, 0, expect_mask, max);
	run(&r_split, s, len, chunks, nchunks, expect_mask, max);
	assert(r_whole.n == r_split.n);
	assert(r_whole.consumed == r_split.consumed);
	for (i = 0; i < r_whole.n; i++) {
		assert(r_whole.ev[i].type == r_split.ev[i].type);
		assert(r_whole.ev[i].code == r_split.ev[i].code);
		assert(r_whole.ev[i].len == r_split.ev[i].len);
		assert(r_whole.ev[i].hash == r_split.ev[i].hash);
	}

	if (len >= 4)
		memcpy(key, s, 4);
	roundtrip(s, len, expect_mask, max, key);

	/* ws_mask against the byte-wise definition, at any phase. */
	a = malloc(len ? len : 1);
	b = malloc(len ? len : 1);
	assert(a != NULL && b != NULL);
	memcpy(a, s, len);
	for (i = 0; i < len; i++)
		b[i] = s[i] ^ key[(i + data[1]) & 3];
	ws_mask(a, len, key, data[1]);
	assert(len == 0 || memcmp(a, b, len) == 0);
	free(a);
	free(b);

	ws_accept((const char *)data, size, acc);
	assert(strlen(acc) == 28);
	assert(base64_decode(d, sizeof(d), acc, 28) == 20);
	return 0;
}
