/*
 * base64.h - base64 (base64.c), RFC 4648 section 4, with padding
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>
#include <stdint.h>

#define BASE64_ENC_LEN(n)	((((n) + 2) / 3) * 4)
/* Writes BASE64_ENC_LEN(len) chars plus a NUL to out; returns the length. */
size_t base64_encode(char *out, const uint8_t *in, size_t len);
/* Strict decode (padding required, no whitespace, canonical final bits).
 * Returns the decoded length, or -1 if invalid or longer than outcap. */
long base64_decode(uint8_t *out, size_t outcap, const char *in, size_t len);

#endif /* BASE64_H */
