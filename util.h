/*
 * util.h - small helpers (util.c): compares, randomness, clocks, error
 * texts, the option parser (ASCII ctype and byte order: bytes.h)
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Case-insensitive compare of (a, alen) with NUL-terminated b. */
int ew_strcaseeq(const char *a, size_t alen, const char *b);
/* signal(sig, fn), by sigaction. */
void ew_signal(int sig, void (*fn)(int));
/* "etherws: <what>: <strerror(errno)>" on stderr, then a trap (core). */
void ew_fatal(const char *what) __attribute__((noreturn));
/* inet_aton's forms (glibc's reading): 1 and the address, or 0; loose
 * ignores what follows white space after it, as inet_aton does. */
int ew_inet_aton(const char *s, uint8_t out[4], int loose);
/* The first n (nlen bytes) in h (hlen bytes), or NULL: plain, for
 * short needles (libc's two-way search is kilobytes in a static link). */
const void *ew_memmem(const void *h, size_t hlen, const void *n, size_t nlen);
/* Constant-time compare of two equal-length buffers: 1 if equal. */
int ew_ct_eq(const void *a, const void *b, size_t len);
/* Length (2..4) of the well-formed UTF-8 sequence of more than one byte
 * at p (avail >= 1 bytes there), or 0: an ASCII byte, a stray or invalid
 * byte, an overlong form, a surrogate, past U+10FFFF, or cut short. */
size_t ew_utf8_seq(const unsigned char *p, size_t avail);
/* Fill buf with len unpredictable bytes (getrandom, /dev/urandom). */
void ew_random(void *buf, size_t len);
/* A fresh WebSocket masking key (from a kernel-seeded pool). */
void ew_mask_key(uint8_t key[4]);
/* Monotonic milliseconds. */
uint64_t ew_now_ms(void);
/* strerror / gai_strerror in glibc's (and so Python's) words. */
const char *ew_strerror(int e);
const char *ew_gai_strerror(int e);
/* The text of code in a table of n one-byte codes and their n texts
 * back to back (a NUL after each), or NULL if the code is not there. */
const char *ew_code_text(const uint8_t *codes, size_t n, const char *texts,
    int code);

/* Parse a decimal integer (optional sign) filling the whole string. */
int ew_parse_int(const char *s, long long *out);

/* Command-line option parser shared by sw and ctl (argparse-like:
 * "--name value", "--name=value", unambiguous prefixes). */
struct ew_opt {
	const char	*name;		/* without "--" */
	int		 has_arg;
};
/*
 * Looks at argv[*idx].  Returns the index into defs of the option found
 * (advancing *idx past it and its argument, *val set to the argument or
 * NULL), -1 when argv[*idx] is not an option (or is "--", which is
 * skipped) or argv is exhausted, -2 on an error, after printing
 * "<prog>: error: <what>" to stderr.
 */
int ew_getopt(int argc, char **argv, int *idx, const struct ew_opt *defs,
    int ndefs, const char **val, const char *prog);

/* JSON-RPC's "Internal error" code, which etherws 1.3 also prints for
 * the sw command's start-up failures. */
#define EW_INTERNAL_ERROR	(-32603)
/* Print etherws 1.3's two-line error block on stderr:
 * "  <msg> (<code>)\n    <data>\n". */
void ew_print_error(const char *msg, int code, const char *data);

#endif /* UTIL_H */
