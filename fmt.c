/*
 * fmt.c - the printf subset etherws uses, and a strftime for log dates,
 * with no floating point, no locale and no stdio.
 *
 * Why not libc's: in the static build musl's vfprintf, its float
 * formatting and stdio are a tenth of the binary, for conversions we
 * never use.  Output goes to a caller's buffer (ew_snprintf, with C99's
 * "length it would have had" result) or straight to an fd through a
 * small stack buffer (ew_dprintf, ew_puts); an fd that fails to take
 * output sets a sticky flag, so a command can exit non-zero when its
 * table did not reach stdout (ew_output_failed).
 *
 * Conversions: d u x s %, flags - and 0, width and precision (digits
 * or *), lengths l ll z on d u x: what etherws's messages use (test_fmt
 * checks each against libc).  Anything else (%c, %p, %i, %X, h, hh, j,
 * '+', '#', a '%' at the end ...) is a bug in the call: GCC's format
 * checking knows libc's printf, not this one, and tests/check_formats.py
 * finds such literals before run time.  Without NDEBUG (the normal
 * build, the tests) one writes "etherws: unsupported conversion" and the
 * format to stderr and traps; with NDEBUG (scripts/build-static.sh) it
 * comes out as "%?" and formatting stops there, so no later argument is
 * read as the wrong type.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "bytes.h"
#include "fmt.h"

struct sink {
	char	*buf;
	size_t	 cap;		/* bytes buf holds, NUL included */
	size_t	 len;		/* bytes in buf now */
	size_t	 total;		/* bytes produced, kept or not */
	int	 fd;		/* >= 0: flush buf to it when full */
};

static int output_failed;

int
ew_output_failed(void)
{
	return output_failed;
}

/* write(2) until done; 0, or -1 (and the sticky flag) on failure. */
int
ew_write_all(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			output_failed = 1;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
sink_flush(struct sink *k)
{
	if (k->fd >= 0 && k->len > 0) {
		ew_write_all(k->fd, k->buf, k->len);
		k->len = 0;
	}
}

static void
sink_put(struct sink *k, const char *s, size_t n)
{
	size_t room;

	k->total += n;
	while (n > 0) {
		if (k->len + 1 >= k->cap) {
			if (k->fd < 0)
				return;		/* snprintf: truncated */
			sink_flush(k);
		}
		room = k->cap - 1 - k->len;
		if (room > n)
			room = n;
		memcpy(k->buf + k->len, s, room);
		k->len += room;
		s += room;
		n -= room;
	}
}

static void
sink_rep(struct sink *k, char c, size_t n)
{
	while (n-- > 0)
		sink_put(k, &c, 1);
}

struct spec {
	int	minus, zero;
	size_t	width;
	int	prec;		/* -1: none */
};

/* One integer conversion; digits are made backwards into tmp. */
static void
fmt_int(struct sink *k, const struct spec *sp, unsigned long long v,
    int neg, unsigned base)
{
	char tmp[24];
	size_t nd = 0, prec, body, pad;

	while (v != 0) {
		tmp[sizeof(tmp) - ++nd] = "0123456789abcdef"[v % base];
		v /= base;
	}
	/* "%.0d" of 0 is empty; otherwise at least one digit */
	prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	if (prec < nd)
		prec = nd;
	body = (size_t)neg + prec;
	pad = sp->width > body ? sp->width - body : 0;
	if (!sp->minus && !(sp->zero && sp->prec < 0))
		sink_rep(k, ' ', pad);
	if (neg)
		sink_put(k, "-", 1);
	if (!sp->minus && sp->zero && sp->prec < 0)
		sink_rep(k, '0', pad);
	sink_rep(k, '0', prec - nd);
	sink_put(k, tmp + sizeof(tmp) - nd, nd);
	if (sp->minus)
		sink_rep(k, ' ', pad);
}

static void
fmt_str(struct sink *k, const struct spec *sp, const char *s)
{
	size_t n, pad;

	if (s == NULL)
		s = "(null)";
	if (sp->prec >= 0) {
		const char *e = memchr(s, '\0', (size_t)sp->prec);
		n = e != NULL ? (size_t)(e - s) : (size_t)sp->prec;
	} else
		n = strlen(s);
	pad = sp->width > n ? sp->width - n : 0;
	if (!sp->minus)
		sink_rep(k, ' ', pad);
	sink_put(k, s, n);
	if (sp->minus)
		sink_rep(k, ' ', pad);
}

/* A width or precision: digits, or '*' taking an int argument. */
static int
fmt_num(const char **f, va_list *ap)
{
	int v = 0;

	if (**f == '*') {
		(*f)++;
		return va_arg(*ap, int);
	}
	while (ew_isdigit(**f) && v < 100000)
		v = v * 10 + (*(*f)++ - '0');
	return v;
}

enum { L_INT, L_LONG, L_LLONG, L_SIZE };

static void
fmt_run(struct sink *k, const char *f, va_list *ap)
{
	struct spec sp;
	const char *start, *fmt = f;
	unsigned long long u;
	long long d;
	int len, w;
	char c;

	while (*f != '\0') {
		if (*f != '%') {
			start = f;
			while (*f != '\0' && *f != '%')
				f++;
			sink_put(k, start, (size_t)(f - start));
			continue;
		}
		start = f++;
		memset(&sp, 0, sizeof(sp));
		for (;; f++) {
			if (*f == '-')
				sp.minus = 1;
			else if (*f == '0')
				sp.zero = 1;
			else
				break;
		}
		if ((w = fmt_num(&f, ap)) < 0) {	/* "%*d" with -6 */
			sp.minus = 1;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		sp.width = (size_t)w;
		sp.prec = -1;
		if (*f == '.') {
			f++;
			if ((sp.prec = fmt_num(&f, ap)) < 0)
				sp.prec = -1;
		}
		len = L_INT;
		if (*f == 'l')
			len = *++f == 'l' ? (f++, L_LLONG) : L_LONG;
		else if (*f == 'z')
			len = (f++, L_SIZE);
		c = *f++;
		if (len != L_INT && c != 'd' && c != 'u' && c != 'x')
			c = '\0';		/* "%ls", "%z%": not ours */
		switch (c) {
		case 'd':
			d = len == L_LONG ? va_arg(*ap, long) :
			    len == L_LLONG ? va_arg(*ap, long long) :
			    len == L_SIZE ? (long long)va_arg(*ap, ssize_t) :
			    va_arg(*ap, int);
			u = d < 0 ? 0ULL - (unsigned long long)d :
			    (unsigned long long)d;
			fmt_int(k, &sp, u, d < 0, 10);
			break;
		case 'u':
		case 'x':
			u = len == L_LONG ? va_arg(*ap, unsigned long) :
			    len == L_LLONG ? va_arg(*ap, unsigned long long) :
			    len == L_SIZE ? va_arg(*ap, size_t) :
			    va_arg(*ap, unsigned);
			fmt_int(k, &sp, u, 0, c == 'u' ? 10 : 16);
			break;
		case 's':
			fmt_str(k, &sp, va_arg(*ap, const char *));
			break;
		case '%':
			sink_put(k, "%", 1);
			break;
		default:
#ifndef NDEBUG
			sink_flush(k);		/* what came before it, on an fd */
			ew_dprintf(2, "etherws: unsupported conversion \"%.*s\" "
			    "in format \"%s\"\n", (int)(f - start), start, fmt);
			__builtin_trap();
#else
			/* the arguments from here on may not be what the rest
			 * of fmt expects: read none of them */
			(void)fmt;
			sink_put(k, "%?", 2);
			return;
#endif
		}
	}
}

int
ew_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct sink k = { buf, cap, 0, 0, -1 };
	va_list aq;

	va_copy(aq, ap);	/* fmt_run takes it by address */
	fmt_run(&k, fmt, &aq);
	va_end(aq);
	if (cap > 0)
		buf[k.len] = '\0';
	return k.total > INT_MAX ? INT_MAX : (int)k.total;
}

int
ew_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ew_vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

int
ew_vdprintf(int fd, const char *fmt, va_list ap)
{
	char buf[1024];
	struct sink k = { buf, sizeof(buf), 0, 0, fd };
	va_list aq;

	va_copy(aq, ap);
	fmt_run(&k, fmt, &aq);
	va_end(aq);
	sink_flush(&k);
	return k.total > INT_MAX ? INT_MAX : (int)k.total;
}

int
ew_dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = ew_vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int
ew_puts(int fd, const char *s)
{
	return ew_write_all(fd, s, strlen(s));
}

/* ---- strftime for log dates (C locale) ---- */

static const char wdays[] = "SunMonTueWedThuFriSat";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
static const char *const wdays_long[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const months_long[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

static void
tm_num(struct sink *k, long v, int width, char padc)
{
	struct spec sp;

	memset(&sp, 0, sizeof(sp));
	sp.prec = -1;
	if (padc == '0')
		sp.prec = width;
	else
		sp.width = (size_t)width;
	fmt_int(k, &sp, (unsigned long long)(v < 0 ? -v : v), v < 0, 10);
}

/* The numeric conversions: each one's width, and its value (tm_run). */
static const char tm_numc[] = "CdeHIjmMSuwyY";
static const char tm_width[] = "2222232221121";
/* The composites, in the C locale's words. */
static const char *const tm_comp[] = { "c%a %b %e %H:%M:%S %Y", "D%m/%d/%y",
	"x%m/%d/%y", "F%Y-%m-%d", "R%H:%M", "T%H:%M:%S", "X%H:%M:%S",
	"r%I:%M:%S %p" };

static void
tm_run(struct sink *k, const char *f, const struct tm *tm, int depth)
{
	int wd = tm->tm_wday >= 0 && tm->tm_wday < 7 ? tm->tm_wday : 0;
	int mo = tm->tm_mon >= 0 && tm->tm_mon < 12 ? tm->tm_mon : 0;
	long y = 1900L + tm->tm_year, off, v[sizeof(tm_numc) - 1];
	const char *n;
	size_t i;

	v[0] = y / 100;
	v[1] = v[2] = tm->tm_mday;
	v[3] = tm->tm_hour;
	v[4] = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
	v[5] = tm->tm_yday + 1;
	v[6] = tm->tm_mon + 1;
	v[7] = tm->tm_min;
	v[8] = tm->tm_sec;
	v[9] = wd == 0 ? 7 : wd;
	v[10] = wd;
	v[11] = y % 100;
	v[12] = y;
	for (; *f != '\0'; f++) {
		if (*f != '%' || f[1] == '\0') {
			sink_put(k, f, 1);
			continue;
		}
		f++;
		if ((n = strchr(tm_numc, *f)) != NULL) {
			i = (size_t)(n - tm_numc);
			tm_num(k, v[i], tm_width[i] - '0', *f == 'e' ? ' ' : '0');
			continue;
		}
		for (i = 0; i < sizeof(tm_comp) / sizeof(tm_comp[0]); i++)
			if (tm_comp[i][0] == *f)
				break;
		if (i < sizeof(tm_comp) / sizeof(tm_comp[0])) {
			if (depth == 0)
				tm_run(k, tm_comp[i] + 1, tm, 1);
			continue;
		}
		switch (*f) {
		case 'a': sink_put(k, wdays + 3 * wd, 3); break;
		case 'A': sink_put(k, wdays_long[wd], strlen(wdays_long[wd])); break;
		case 'b':
		case 'h': sink_put(k, months + 3 * mo, 3); break;
		case 'B': sink_put(k, months_long[mo], strlen(months_long[mo])); break;
		case 'n': sink_put(k, "\n", 1); break;
		case 'p': sink_put(k, tm->tm_hour < 12 ? "AM" : "PM", 2); break;
		case 't': sink_put(k, "\t", 1); break;
		case 'z':
			off = tm->tm_gmtoff / 60;
			sink_put(k, off < 0 ? "-" : "+", 1);
			if (off < 0)
				off = -off;
			tm_num(k, off / 60 * 100 + off % 60, 4, '0');
			break;
		case 'Z':
			if (tm->tm_zone != NULL)
				sink_put(k, tm->tm_zone, strlen(tm->tm_zone));
			break;
		case '%': sink_put(k, "%", 1); break;
		default:
			sink_put(k, f - 1, 2);	/* unknown: as written */
			break;
		}
	}
}

size_t
ew_strftime(char *buf, size_t cap, const char *fmt, const struct tm *tm)
{
	struct sink k = { buf, cap, 0, 0, -1 };

	if (cap == 0)
		return 0;
	tm_run(&k, fmt, tm, 0);
	buf[k.len] = '\0';
	return k.len;
}

/* ---- addresses ---- */

/*
 * inet_ntop's text, in glibc's (so Python's) words: dotted quad; IPv6
 * in lowercase hex with the first longest run of two or more zero
 * groups as "::", and a dotted tail for IPv4-mapped and -compatible
 * addresses.  musl's would pull its printf into the static binary.
 * dst, or NULL (errno ENOSPC) when cap is short; ENOSPC also for an af
 * we do not know (EAFNOSUPPORT).
 */
const char *
ew_ntop(int af, const void *src, char *dst, size_t cap)
{
	const uint8_t *a = src;
	char buf[64];
	struct sink k = { buf, sizeof(buf), 0, 0, -1 };
	unsigned w[8];
	int i, base = -1, len = 0, cur = -1, curlen = 0;

	if (af == AF_INET)
		ew_snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2],
		    a[3]);
	else if (af == AF_INET6) {
		for (i = 0; i < 8; i++) {
			w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
			if (w[i] == 0) {
				if (cur < 0) {
					cur = i;
					curlen = 0;
				}
				if (++curlen > len) {
					base = cur;
					len = curlen;
				}
			} else
				cur = -1;
		}
		if (len < 2)
			base = -1;
		for (i = 0; i < 8; i++) {
			if (base >= 0 && i >= base && i < base + len) {
				if (i == base)
					sink_put(&k, ":", 1);
				continue;
			}
			if (i != 0)
				sink_put(&k, ":", 1);
			if (i == 6 && base == 0 && (len == 6 ||
			    (len == 5 && w[5] == 0xffff))) {
				char q[16];

				ew_snprintf(q, sizeof(q), "%u.%u.%u.%u", a[12],
				    a[13], a[14], a[15]);
				sink_put(&k, q, strlen(q));
				break;
			}
			ew_snprintf(k.buf + k.len, k.cap - k.len, "%x", w[i]);
			k.len += strlen(k.buf + k.len);
		}
		if (base >= 0 && base + len == 8)
			sink_put(&k, ":", 1);
		buf[k.len] = '\0';
	} else {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	if (strlen(buf) >= cap) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(dst, buf, strlen(buf) + 1);
	return dst;
}

/*
 * inet_pton, strictly as glibc reads it: IPv4 as four decimal parts
 * 0..255 without leading zeros; IPv6 as up to eight groups of one to four
 * hex digits, one "::" for a run of zero groups, and a dotted IPv4 tail
 * in the last 32 bits.  1 and dst (network order), or 0.  (musl's is
 * kilobyte-sized in a static link for the same.)
 */
static int
pton4(const char *s, const char *end, uint8_t out[4])
{
	unsigned v;
	int parts = 0, nd;

	while (parts < 4) {
		for (v = 0, nd = 0; s < end && ew_isdigit(*s); s++, nd++) {
			if (nd > 0 && v == 0)
				return 0;	/* a leading zero */
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return 0;
		}
		if (nd == 0)
			return 0;
		out[parts++] = (uint8_t)v;
		if (s == end)
			break;
		if (*s++ != '.' || parts == 4)
			return 0;
	}
	return parts == 4 && s == end;
}

int
ew_pton(int af, const char *s, void *dst)
{
	uint8_t a[16];
	const char *p, *end = s + strlen(s);
	int n = 0, gap = -1, nd, i;
	unsigned v, d;

	if (af == AF_INET)
		return pton4(s, end, dst);
	if (af != AF_INET6)
		return 0;
	memset(a, 0, sizeof(a));
	p = s;
	if (p[0] == ':' && p[1] == ':') {
		gap = 0;
		p += 2;
	} else if (*p == ':')
		return 0;
	while (p < end && n < 16) {
		/* a dotted IPv4 tail */
		for (i = 0; p + i < end && p[i] != ':' && p[i] != '.'; i++)
			;
		if (p[i] == '.') {
			if (n > 12 || !pton4(p, end, a + n))
				return 0;
			n += 4;
			p = end;
			break;
		}
		for (v = 0, nd = 0; p < end && nd < 5; p++, nd++) {
			char c = (char)ew_lower(*p);

			if (ew_isdigit(c))
				d = (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				break;
			v = v << 4 | d;
		}
		if (nd == 0 || nd > 4)
			return 0;
		a[n++] = (uint8_t)(v >> 8);
		a[n++] = (uint8_t)v;
		if (p == end)
			break;
		if (*p++ != ':' || p == end)
			return 0;		/* a stray byte, or a final ':' */
		if (*p == ':') {
			if (gap >= 0)
				return 0;	/* a second "::" */
			gap = n;
			if (++p == end)
				break;
		}
	}
	if (p != end || (gap < 0 && n != 16) || (gap >= 0 && n > 14))
		return 0;
	if (gap >= 0) {			/* open the zero run at gap */
		memmove(a + 16 - (n - gap), a + gap, (size_t)(n - gap));
		memset(a + gap, 0, (size_t)(16 - n));
	}
	memcpy(dst, a, 16);
	return 1;
}
