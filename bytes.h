/*
 * bytes.h - locale-free ASCII ctype and big-endian loads and stores:
 * never a pointer cast, so byte order and alignment do not matter.
 * Header only.
 */
#ifndef BYTES_H
#define BYTES_H

#include <stdint.h>

static inline int
ew_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static inline int
ew_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
/* The value of hex digit c (either case), or -1. */
static inline int
ew_hexval(int c)
{
	if (ew_isdigit(c))
		return c - '0';
	c = ew_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}
static inline uint16_t
ew_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t
ew_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t
ew_be64(const uint8_t *p)
{
	return (uint64_t)ew_be32(p) << 32 | ew_be32(p + 4);
}
static inline void
ew_put_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void
ew_put_be32(uint8_t *p, uint32_t v)
{
	ew_put_be16(p, v >> 16);
	ew_put_be16(p + 2, v & 0xffff);
}

#endif /* BYTES_H */
