/*
 * util.h - bytes and text (util.c): compares, a byte search, UTF-8,
 * decimal integers (ASCII ctype and byte order: bytes.h)
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Case-insensitive compare of (a, alen) with NUL-terminated b. */
int ew_strcaseeq(const char *a, size_t alen, const char *b);
/* The same of n bytes at a and at b (ASCII case only; NUL is a byte). */
int ew_memcaseeq(const void *a, const void *b, size_t n);
/* The first n (nlen bytes) in h (hlen bytes), or NULL: plain, for
 * short needles (libc's two-way search is kilobytes in a static link). */
const void *ew_memmem(const void *h, size_t hlen, const void *n, size_t nlen);
/* Constant-time compare of two equal-length buffers: 1 if equal. */
int ew_ct_eq(const void *a, const void *b, size_t len);
/* Length (2..4) of the well-formed UTF-8 sequence of more than one byte
 * at p (avail >= 1 bytes there), or 0: an ASCII byte, a stray or invalid
 * byte, an overlong form, a surrogate, past U+10FFFF, or cut short. */
size_t ew_utf8_seq(const unsigned char *p, size_t avail);
/* Parse a decimal integer (optional sign) filling the whole string. */
int ew_parse_int(const char *s, long long *out);

#endif /* UTIL_H */
