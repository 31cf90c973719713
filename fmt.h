/*
 * fmt.h - the printf subset we use (fmt.c)
 */
#ifndef FMT_H
#define FMT_H

#include <stdarg.h>
#include <stddef.h>

/* fmt.c: the printf subset we use (d u x s %, flags - 0, width,
 * precision, l ll z on d u x), into a buffer or onto an fd, and a
 * C-locale strftime; no floating point, no stdio.  Any other conversion
 * traps after a line on stderr, or with NDEBUG ends the output at "%?";
 * tests/check_formats.py checks the literals.  A failed write to an
 * fd is remembered: ew_output_failed(). */
int ew_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ew_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ew_vdprintf(int fd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int ew_dprintf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ew_puts(int fd, const char *s);
int ew_write_all(int fd, const void *p, size_t len);
int ew_output_failed(void);
/* inet_ntop in glibc's words (AF_INET, AF_INET6), without libc's. */
int ew_pton(int af, const char *s, void *dst);
const char *ew_ntop(int af, const void *src, char *dst, size_t cap);
struct tm;
/* Like strftime, but truncates (NUL-terminated) where it does not fit. */
size_t ew_strftime(char *buf, size_t cap, const char *fmt,
    const struct tm *tm);

#endif /* FMT_H */
