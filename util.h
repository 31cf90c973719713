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
/* The same of n bytes at a and at b (ASCII case only; NUL is a byte). */
int ew_memcaseeq(const void *a, const void *b, size_t n);
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

/*
 * Files an option or a control request names, read whole.  Opened
 * without blocking (a FIFO put there must not stall the switch),
 * without becoming a controlling tty, close-on-exec; only a regular
 * file of at most max bytes is opened at all (opening some devices has
 * effects: /dev/watchdog).  A failure is -1 (errno says why; not found,
 * not permitted, read error, out of memory), EW_FILE_NOTREG or
 * EW_FILE_TOOBIG; ew_file_error words them.
 */
#define EW_FILE_NOTREG	(-2)
#define EW_FILE_TOOBIG	(-3)
/* The fd (read only), its size in *size; or a failure as above. */
int ew_file_open(const char *path, size_t max, size_t *size);
/* The whole file into buf (cap bytes: the limit), its length in *len:
 * 0 or a failure.  Bytes appended after the open are not read. */
int ew_file_read(const char *path, void *buf, size_t cap, size_t *len);
/* The same into a malloc'd buffer with a NUL after the bytes (the
 * caller frees it; a failed read wipes and frees what it held). */
int ew_file_load(const char *path, size_t max, char **buf, size_t *len);
/* ew_file_load's reading of fd, opened by ew_file_open with size. */
int ew_file_load_fd(int fd, size_t size, char **buf, size_t *len);
/* "cannot read <path>: not a regular file", or for every other failure
 * rc "cannot read <path>: missing, unreadable or over <max> bytes": the
 * same words whichever it was, so that a control request naming a file
 * learns no more about it. */
void ew_file_error(int rc, const char *path, size_t max, char *err,
    size_t errlen);
/* For a file the operator named (an option, not a request): why, as
 * "cannot read <path>: <strerror(errno)>", "...: over <max> bytes" or
 * "...: not a regular file".  Call it before errno changes. */
void ew_file_why(int rc, const char *path, size_t max, char *err,
    size_t errlen);

/* ew_strerror for an open with O_NOFOLLOW, where ELOOP means the name
 * is a symbolic link, refused where root writes. */
const char *ew_nofollow_strerror(int e);

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

/* An address block: "10.9.0.0/24", "fe80::/10", or one address
 * ("192.0.2.1" is a /32, "::1" a /128). */
struct ew_cidr {
	int	 af;		/* AF_INET or AF_INET6 */
	uint8_t	 addr[16];	/* network byte order; 4 bytes for IPv4 */
	int	 bits;
};
/* Parse s (no spaces): 0, or -1 if it is no address or block. */
int ew_cidr_parse(const char *s, struct ew_cidr *c);
/* 1 if addr (4 bytes for AF_INET, 16 for AF_INET6) lies in c; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as IPv4. */
int ew_cidr_match(const struct ew_cidr *c, int af, const uint8_t *addr);

/* An IPv6 zone ("eth0", or an index "3") as a sin6_scope_id; 0 if no
 * interface has that name. */
uint32_t ew_scope_id(const char *zone);

/* The wall-clock time of monotonic instant ms (ew_now_ms()) as
 * "2026-12-03T11:30:00Z" (UTC) into buf (at least 21 bytes). */
void ew_iso_time(uint64_t ms, char *buf, size_t cap);

/* Edit distance of (a, an) and (b, bn), letters in any case: insert,
 * delete, replace or swap two neighbours (optimal string alignment);
 * EW_EDIT_MAX + 1 for longer words. */
#define EW_EDIT_MAX	32
int ew_edit_distance(const char *a, size_t an, const char *b, size_t bn);
/* The index of name(i, tab), i < n, nearest to (word, wlen) - a typo's
 * likely meaning (at most 2 edits, and fewer than half its letters) -
 * or -1. */
int ew_nearest(const char *word, size_t wlen, const char *(*name)(size_t i,
    const void *tab), const void *tab, size_t n);
/* The default --maxmem for ram bytes of physical memory (0: unknown)
 * where size_t goes up to size_max: 1/MAXMEM_RAM_SHARE of it, at least
 * MAXMEM_FLOOR, at most MAXMEM_CAP (MAXMEM_CAP_32 with a 32-bit
 * size_t). */
unsigned long long ew_maxmem_default(unsigned long long ram,
    unsigned long long size_max);
/* The physical memory, bytes (sysconf); 0 if unknown. */
unsigned long long ew_ram_bytes(void);

/* "<prog>: error: <what>" on stderr, then rc: the sub-commands' errors.
 * prog may begin with a usage text ("usage: ...\n<prog>", as
 * ew_getopt's prog does): then only its last line is printed, and a
 * line that points to -h (a usage error). */
int ew_error(int rc, const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ew_cmd_error(rc, "sw", ...): one line "etherws sw: error: ..." (cmd
 * a string literal). */
#define ew_cmd_error(rc, cmd, ...)	ew_error(rc, "etherws " cmd, __VA_ARGS__)

#endif /* UTIL_H */
