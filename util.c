/*
 * util.c - bytes and text every module reads: ASCII compares without
 * the locale, a constant-time compare, a plain byte search, UTF-8
 * sequences and decimal integers, each without dragging libc's
 * locale-aware or table-driven versions into a static link.
 */
#include <limits.h>
#include <string.h>

#include "bytes.h"
#include "util.h"

int
ew_strcaseeq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (b[i] == '\0' || ew_lower((unsigned char)a[i]) !=
		    ew_lower((unsigned char)b[i]))
			return 0;
	return b[i] == '\0';
}

/* dns.c's names, x509.c's certificate names and serve.c's Origin were
 * three copies of this loop. */
int
ew_memcaseeq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (ew_lower(x[i]) != ew_lower(y[i]))
			return 0;
	return 1;
}

const void *
ew_memmem(const void *h, size_t hlen, const void *n, size_t nlen)
{
	const uint8_t *p = h;
	size_t i;

	if (nlen == 0)
		return h;
	for (i = 0; i + nlen <= hlen; i++)
		if (p[i] == *(const uint8_t *)n && memcmp(p + i, n, nlen) == 0)
			return p + i;
	return NULL;
}

int
ew_ct_eq(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/*
 * The second-byte ranges exclude overlongs (E0, F0), UTF-16 surrogates
 * (ED) and code points above U+10FFFF (F4), per RFC 3629.
 */
size_t
ew_utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return n;
}

int
ew_parse_int(const char *s, long long *out)
{
	unsigned long long v = 0, lim = LLONG_MAX;
	int neg = 0;

	/* [+-]digits and nothing else; strtoll would also skip leading
	 * white space and drag libc's number scanner into a static link */
	if (s == NULL)
		return -1;
	if (*s == '-' || *s == '+') {
		neg = *s++ == '-';
		lim += neg;
	}
	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!ew_isdigit(*s) || v > (lim - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = neg ? (v == lim ? LLONG_MIN : -(long long)v) : (long long)v;
	return 0;
}
