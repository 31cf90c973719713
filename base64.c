/*
 * base64.c - RFC 4648 section 4 base64 with padding.  The decoder is
 * strict (one canonical encoding per byte string) because its input
 * comes from peers: Authorization headers and Sec-WebSocket-Key.
 */
#include <limits.h>

#include "base64.h"

static const char b64_alpha[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) |
		    in[i + 2];
		out[o++] = b64_alpha[(v >> 18) & 63];
		out[o++] = b64_alpha[(v >> 12) & 63];
		out[o++] = b64_alpha[(v >> 6) & 63];
		out[o++] = b64_alpha[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alpha[(v >> 18) & 63];
		out[o++] = b64_alpha[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_alpha[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* Value of one alphabet character, or -1 (padding and anything else). */
static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decode one quad q[0..3] with npad trailing '=' (0..2) into out.
 * Returns the number of bytes written or -1.  The bits dropped by
 * padding must be zero, or two encodings would decode alike.
 */
static int
b64_quad(uint8_t *out, const char *q, int npad)
{
	uint32_t v = 0;
	int i, d;

	for (i = 0; i < 4 - npad; i++) {
		d = b64_val((unsigned char)q[i]);
		if (d < 0)
			return -1;
		v |= (uint32_t)d << (18 - 6 * i);
	}
	if (npad == 2 && (v & 0xffff) != 0)
		return -1;
	if (npad == 1 && (v & 0xff) != 0)
		return -1;
	out[0] = (uint8_t)(v >> 16);
	if (npad < 2)
		out[1] = (uint8_t)(v >> 8);
	if (npad < 1)
		out[2] = (uint8_t)v;
	return 3 - npad;
}

long
base64_decode(uint8_t *out, size_t outcap, const char *in, size_t len)
{
	size_t i, o = 0, need;
	int npad = 0, n;

	if (len % 4 != 0)
		return -1;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		npad = in[len - 2] == '=' ? 2 : 1;
	need = len / 4 * 3 - (size_t)npad;
	/* Refuse before writing anything that would not fit. */
	if (need > outcap || need > LONG_MAX)
		return -1;
	for (i = 0; i < len; i += 4) {
		n = b64_quad(out + o, in + i, i + 4 == len ? npad : 0);
		if (n < 0)
			return -1;
		o += (size_t)n;
	}
	return (long)o;
}
