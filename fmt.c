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
 * Conversions: d i u x X o c s p %, flags - 0 + space #, width and
 * precision (digits or *), lengths hh h l ll z j t.  Anything else is
 * copied through as written.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "etherws.h"

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
	int	minus, zero, plus, space, alt;
	size_t	width;
	int	prec;		/* -1: none */
};

/* One integer conversion; digits are made backwards into tmp. */
static void
fmt_int(struct sink *k, const struct spec *sp, unsigned long long v,
    int neg, unsigned base, int upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], pfx[3];
	size_t nd = 0, np = 0, prec, body, pad;

	while (v != 0) {
		tmp[sizeof(tmp) - ++nd] = dig[v % base];
		v /= base;
	}
	if (neg)
		pfx[np++] = '-';
	else if (sp->plus)
		pfx[np++] = '+';
	else if (sp->space)
		pfx[np++] = ' ';
	if (sp->alt && base == 16 && nd > 0) {
		pfx[np++] = '0';
		pfx[np++] = upper ? 'X' : 'x';
	}
	/* "%.0d" of 0 is empty; otherwise at least one digit */
	prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	if (sp->alt && base == 8 && prec <= nd)
		prec = nd + 1;
	if (prec < nd)
		prec = nd;
	body = np + prec;
	pad = sp->width > body ? sp->width - body : 0;
	if (!sp->minus && !(sp->zero && sp->prec < 0))
		sink_rep(k, ' ', pad);
	sink_put(k, pfx, np);
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

enum { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE, L_MAX, L_PTRDIFF };

static void
fmt_run(struct sink *k, const char *f, va_list ap)
{
	struct spec sp;
	const char *start;
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
		sp.prec = -1;
		for (;; f++) {
			if (*f == '-') sp.minus = 1;
			else if (*f == '0') sp.zero = 1;
			else if (*f == '+') sp.plus = 1;
			else if (*f == ' ') sp.space = 1;
			else if (*f == '#') sp.alt = 1;
			else break;
		}
		if (*f == '*') {
			w = va_arg(ap, int);
			if (w < 0) {
				sp.minus = 1;
				w = w == INT_MIN ? INT_MAX : -w;
			}
			sp.width = (size_t)w;
			f++;
		} else
			while (ew_isdigit(*f) && sp.width < 100000)
				sp.width = sp.width * 10 + (size_t)(*f++ - '0');
		if (*f == '.') {
			f++;
			sp.prec = 0;
			if (*f == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				f++;
			} else
				while (ew_isdigit(*f) && sp.prec < 100000)
					sp.prec = sp.prec * 10 + (*f++ - '0');
		}
		len = L_INT;
		if (*f == 'h') {
			len = f[1] == 'h' ? L_CHAR : L_SHORT;
			f += len == L_CHAR ? 2 : 1;
		} else if (*f == 'l') {
			len = f[1] == 'l' ? L_LLONG : L_LONG;
			f += len == L_LLONG ? 2 : 1;
		} else if (*f == 'z') {
			len = L_SIZE;
			f++;
		} else if (*f == 'j') {
			len = L_MAX;
			f++;
		} else if (*f == 't') {
			len = L_PTRDIFF;
			f++;
		}
		switch (c = *f++) {
		case 'd':
		case 'i':
			switch (len) {
			case L_LONG:	d = va_arg(ap, long); break;
			case L_LLONG:
			case L_MAX:	d = va_arg(ap, long long); break;
			case L_SIZE:
			case L_PTRDIFF:	d = (long long)va_arg(ap, ssize_t); break;
			case L_CHAR:	d = (signed char)va_arg(ap, int); break;
			case L_SHORT:	d = (short)va_arg(ap, int); break;
			default:	d = va_arg(ap, int); break;
			}
			u = d < 0 ? 0ULL - (unsigned long long)d :
			    (unsigned long long)d;
			fmt_int(k, &sp, u, d < 0, 10, 0);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (len) {
			case L_LONG:	u = va_arg(ap, unsigned long); break;
			case L_LLONG:
			case L_MAX:	u = va_arg(ap, unsigned long long); break;
			case L_SIZE:
			case L_PTRDIFF:	u = va_arg(ap, size_t); break;
			case L_CHAR:	u = (unsigned char)va_arg(ap, unsigned); break;
			case L_SHORT:	u = (unsigned short)va_arg(ap, unsigned); break;
			default:	u = va_arg(ap, unsigned); break;
			}
			sp.plus = sp.space = 0;
			fmt_int(k, &sp, u, 0, c == 'u' ? 10 : c == 'o' ? 8 : 16,
			    c == 'X');
			break;
		case 'p':
			sp.alt = 1;
			fmt_int(k, &sp, (unsigned long long)(uintptr_t)
			    va_arg(ap, void *), 0, 16, 0);
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);
			size_t pad = sp.width > 1 ? sp.width - 1 : 0;

			if (!sp.minus)
				sink_rep(k, ' ', pad);
			sink_put(k, &ch, 1);
			if (sp.minus)
				sink_rep(k, ' ', pad);
			break;
		}
		case 's':
			fmt_str(k, &sp, va_arg(ap, const char *));
			break;
		case '%':
			sink_put(k, "%", 1);
			break;
		default:
			/* not ours: copy it through, and stop at the end */
			if (c == '\0')
				f--;
			sink_put(k, start, (size_t)(f - start));
			break;
		}
	}
}

int
ew_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct sink k = { buf, cap, 0, 0, -1 };

	fmt_run(&k, fmt, ap);
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

	fmt_run(&k, fmt, ap);
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
	fmt_int(k, &sp, (unsigned long long)(v < 0 ? -v : v), v < 0, 10, 0);
}

static void
tm_run(struct sink *k, const char *f, const struct tm *tm, int depth)
{
	int wd = tm->tm_wday >= 0 && tm->tm_wday < 7 ? tm->tm_wday : 0;
	int mo = tm->tm_mon >= 0 && tm->tm_mon < 12 ? tm->tm_mon : 0;
	int h12 = tm->tm_hour % 12 == 0 ? 12 : tm->tm_hour % 12;
	long off;
	char c;

	for (; *f != '\0'; f++) {
		if (*f != '%' || f[1] == '\0') {
			sink_put(k, f, 1);
			continue;
		}
		switch (c = *++f) {
		case 'a': sink_put(k, wdays + 3 * wd, 3); break;
		case 'A': sink_put(k, wdays_long[wd], strlen(wdays_long[wd])); break;
		case 'b':
		case 'h': sink_put(k, months + 3 * mo, 3); break;
		case 'B': sink_put(k, months_long[mo], strlen(months_long[mo])); break;
		case 'C': tm_num(k, (1900L + tm->tm_year) / 100, 2, '0'); break;
		case 'd': tm_num(k, tm->tm_mday, 2, '0'); break;
		case 'e': tm_num(k, tm->tm_mday, 2, ' '); break;
		case 'H': tm_num(k, tm->tm_hour, 2, '0'); break;
		case 'I': tm_num(k, h12, 2, '0'); break;
		case 'j': tm_num(k, tm->tm_yday + 1, 3, '0'); break;
		case 'm': tm_num(k, tm->tm_mon + 1, 2, '0'); break;
		case 'M': tm_num(k, tm->tm_min, 2, '0'); break;
		case 'n': sink_put(k, "\n", 1); break;
		case 'p': sink_put(k, tm->tm_hour < 12 ? "AM" : "PM", 2); break;
		case 'S': tm_num(k, tm->tm_sec, 2, '0'); break;
		case 't': sink_put(k, "\t", 1); break;
		case 'u': tm_num(k, wd == 0 ? 7 : wd, 1, '0'); break;
		case 'w': tm_num(k, wd, 1, '0'); break;
		case 'y': tm_num(k, (1900L + tm->tm_year) % 100, 2, '0'); break;
		case 'Y': tm_num(k, 1900L + tm->tm_year, 1, '0'); break;
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
		/* the composites, in the C locale's words */
		case 'c': if (depth == 0) tm_run(k, "%a %b %e %H:%M:%S %Y", tm, 1); break;
		case 'D':
		case 'x': if (depth == 0) tm_run(k, "%m/%d/%y", tm, 1); break;
		case 'F': if (depth == 0) tm_run(k, "%Y-%m-%d", tm, 1); break;
		case 'R': if (depth == 0) tm_run(k, "%H:%M", tm, 1); break;
		case 'T':
		case 'X': if (depth == 0) tm_run(k, "%H:%M:%S", tm, 1); break;
		case 'r': if (depth == 0) tm_run(k, "%I:%M:%S %p", tm, 1); break;
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
