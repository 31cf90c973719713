/*
 * util.c - small helpers every module may use: ASCII compares,
 * constant-time compare, randomness, the monotonic clock, integer
 * parsing, reading the files options and requests name, the shared
 * option parser and the error block printer.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <net/if.h>

#include "bytes.h"
#include "defs.h"
#include "dns.h"
#include "fmt.h"
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

/* signal(2)'s job by sigaction, which the program links anyway (BSD
 * semantics: restarted system calls, the handler stays). */
void
ew_signal(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* A broken invariant: say what, and stop with a core (a trap, where
 * abort(3) would link libc's signal-raising machinery for the same). */
void
ew_fatal(const char *what)
{
	ew_dprintf(2, "etherws: %s: %s\n", what, ew_strerror(errno));
	__builtin_trap();
}

/*
 * inet_aton's reading, as glibc has it (Python's socket.inet_aton and
 * getaddrinfo's numeric hosts): one to four parts "a", "a.b", "a.b.c",
 * "a.b.c.d", each decimal, octal (leading 0) or hex (0x), the last one
 * filling the bytes left.  With loose, text after white space following
 * the address is ignored, as inet_aton does; getaddrinfo wants it exact.
 * 1 and out (network order), or 0.  libc's pulls strtoul into a static
 * link.
 */
int
ew_inet_aton(const char *s, uint8_t out[4], int loose)
{
	unsigned long long part[4], v;
	unsigned base, d;
	int n = 0, i, nd;
	char c;

	for (;;) {
		if (!ew_isdigit(*s))
			return 0;
		base = 10;
		v = 0;
		if (*s == '0') {
			base = 8;
			s++;
			if (*s == 'x' || *s == 'X') {
				base = 16;
				s++;
			}
		}
		for (nd = 0;; s++, nd++) {
			c = (char)ew_lower(*s);
			if (ew_isdigit(c))
				d = (unsigned)(c - '0');
			else if (base == 16 && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else
				break;
			if (d >= base)
				return 0;
			v = v * base + d;
			if (v > 0xffffffffULL)
				return 0;
		}
		if (base == 16 && nd == 0)
			return 0;	/* "0x" and no digit */
		part[n++] = v;
		if (*s != '.')
			break;
		if (n == 4)
			return 0;
		s++;
	}
	if (*s != '\0' && !(loose && (*s == ' ' || (*s >= '\t' && *s <= '\r'))))
		return 0;
	/* all but the last part are one byte each */
	for (i = 0; i < n - 1; i++)
		if (part[i] > 0xff)
			return 0;
	if (part[n - 1] > (0xffffffffULL >> (8 * (n - 1))))
		return 0;
	v = part[n - 1];
	for (i = 0; i < n - 1; i++)
		v |= part[i] << (8 * (3 - i));
	for (i = 0; i < 4; i++)
		out[i] = (uint8_t)(v >> (8 * (3 - i)));
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

void
ew_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;
	int fd;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return;
	/* Old kernels without getrandom(2). */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ew_fatal("/dev/urandom");
	}
	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ew_fatal("/dev/urandom");
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

uint64_t
ew_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* Files an option or a request names */

/* close(fd) that leaves errno as the failure before it set it. */
static void
close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

int
ew_file_open(const char *path, size_t max, size_t *size)
{
	struct stat st, fst;
	int fd;

	/* stat first: a device or FIFO is refused before any open. */
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return EW_FILE_NOTREG;
	if ((unsigned long long)st.st_size > max)
		return EW_FILE_TOOBIG;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Replaced between the two looks: judge what was opened. */
	if (fstat(fd, &fst) < 0) {
		close_keep_errno(fd);
		return -1;
	}
	if (!S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
	    fst.st_ino != st.st_ino) {
		close(fd);
		return EW_FILE_NOTREG;
	}
	if ((unsigned long long)fst.st_size > max) {
		close(fd);
		return EW_FILE_TOOBIG;
	}
	*size = (size_t)fst.st_size;
	return fd;
}

/* size bytes of fd (fewer if it shrank) into buf: 0, or -1 (errno). */
static int
file_read_fd(int fd, uint8_t *buf, size_t size, size_t *len)
{
	ssize_t r;

	*len = 0;
	while (*len < size) {
		r = read(fd, buf + *len, size - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	return 0;
}

int
ew_file_read(const char *path, void *buf, size_t cap, size_t *len)
{
	size_t size;
	int fd, rc;

	if ((fd = ew_file_open(path, cap, &size)) < 0)
		return fd;
	rc = file_read_fd(fd, buf, size, len);
	close_keep_errno(fd);
	return rc;
}

int
ew_file_load_fd(int fd, size_t size, char **bufp, size_t *lenp)
{
	size_t len = 0;
	char *buf;
	int e;

	if ((buf = malloc(size + 1)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (file_read_fd(fd, (uint8_t *)buf, size, &len) < 0) {
		e = errno;
		explicit_bzero(buf, size);	/* it may hold a key */
		free(buf);
		errno = e;
		return -1;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

int
ew_file_load(const char *path, size_t max, char **bufp, size_t *lenp)
{
	size_t size;
	int fd, rc;

	if ((fd = ew_file_open(path, max, &size)) < 0)
		return fd;
	rc = ew_file_load_fd(fd, size, bufp, lenp);
	close_keep_errno(fd);
	return rc;
}

void
ew_file_error(int rc, const char *path, size_t max, char *err,
    size_t errlen)
{
	if (rc == EW_FILE_NOTREG)
		ew_snprintf(err, errlen, "cannot read %s: not a regular file",
		    path);
	else
		ew_snprintf(err, errlen, "cannot read %s: missing, unreadable "
		    "or over %zu bytes", path, max);
}

void
ew_file_why(int rc, const char *path, size_t max, char *err, size_t errlen)
{
	int e = errno;

	if (rc == EW_FILE_TOOBIG)
		ew_snprintf(err, errlen, "cannot read %s: over %zu bytes", path,
		    max);
	else if (rc == EW_FILE_NOTREG)
		ew_file_error(rc, path, max, err, errlen);
	else
		ew_snprintf(err, errlen, "cannot read %s: %s", path,
		    ew_strerror(e));
}

const char *
ew_nofollow_strerror(int e)
{
	return e == ELOOP ? "a symbolic link (refused: name the file itself)" :
	    ew_strerror(e);
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

int
ew_edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
	/* Three rows of the optimal string alignment distance: i - 2,
	 * i - 1, i (Levenshtein's, plus a swap of two neighbours: "prot"
	 * is one typo away from "port"). */
	unsigned r[3][EW_EDIT_MAX + 1], *pp, *p, *c, v;
	size_t i, j;

	if (an > EW_EDIT_MAX || bn > EW_EDIT_MAX)
		return EW_EDIT_MAX + 1;
	for (j = 0; j <= bn; j++)
		r[0][j] = (unsigned)j;
	for (i = 1; i <= an; i++) {
		pp = r[(i + 1) % 3];		/* row i - 2 */
		p = r[(i + 2) % 3];		/* row i - 1 */
		c = r[i % 3];
		c[0] = (unsigned)i;
		for (j = 1; j <= bn; j++) {
			v = p[j - 1] + (ew_lower((unsigned char)a[i - 1]) !=
			    ew_lower((unsigned char)b[j - 1]));
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ew_lower((unsigned char)a[i - 1]) ==
			    ew_lower((unsigned char)b[j - 2]) &&
			    ew_lower((unsigned char)a[i - 2]) ==
			    ew_lower((unsigned char)b[j - 1]) && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
	}
	return (int)r[an % 3][bn];
}

int
ew_nearest(const char *word, size_t wlen, const char *(*name)(size_t i,
    const void *tab), const void *tab, size_t n)
{
	int best = -1, bd = 3, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = ew_edit_distance(word, wlen, name(i, tab),
		    strlen(name(i, tab)));
		if (d < bd && (size_t)d * 2 < wlen) {
			bd = d;
			best = (int)i;
		}
	}
	return best;
}

static const char *
opt_name(size_t i, const void *tab)
{
	return ((const struct ew_opt *)tab)[i].name;
}

/* "unknown option --forground (did you mean --foreground?)" */
static int
opt_unknown(const char *arg, const struct ew_opt *defs, int ndefs,
    const char *prog)
{
	const char *w = arg + (arg[1] == '-' ? 2 : 1);
	size_t wl = 0;
	int i;

	while (w[wl] != '\0' && w[wl] != '=')
		wl++;
	i = ew_nearest(w, wl, opt_name, defs, (size_t)ndefs);

	if (i < 0)
		return ew_error(-2, prog, "unknown option %s", arg);
	return ew_error(-2, prog, "unknown option %s (did you mean --%s?)",
	    arg, defs[i].name);
}

/* "ambiguous option --ctlp: --ctlpath or --ctlport?" */
static int
opt_ambiguous(const char *a, size_t nlen, const struct ew_opt *defs,
    int ndefs, const char *prog)
{
	char list[256];
	size_t n = 0;
	int i, k = 0;

	list[0] = '\0';
	for (i = 0; i < ndefs && n < sizeof(list); i++)
		if (strncmp(defs[i].name, a, nlen) == 0)
			n += (size_t)ew_snprintf(list + n, sizeof(list) - n,
			    "%s--%s", k++ > 0 ? " or " : "", defs[i].name);
	return ew_error(-2, prog, "ambiguous option --%.*s: %s?", (int)nlen, a,
	    list);
}

int
ew_getopt(int argc, char **argv, int *idx, const struct ew_opt *defs,
    int ndefs, const char **val, const char *prog)
{
	const char *a, *eq;
	size_t nlen;
	int i, match = -1, nmatch = 0;

	*val = NULL;
	if (*idx >= argc)
		return -1;
	a = argv[*idx];
	if (strcmp(a, "--") == 0) {
		(*idx)++;
		return -1;
	}
	if (a[0] != '-' || a[1] != '-' || a[2] == '\0') {
		if (a[0] == '-' && a[1] != '\0' && !ew_isdigit(a[1]))
			return opt_unknown(a, defs, ndefs, prog);
		return -1;
	}
	a += 2;
	eq = strchr(a, '=');
	nlen = eq ? (size_t)(eq - a) : strlen(a);
	for (i = 0; i < ndefs; i++) {
		if (strncmp(defs[i].name, a, nlen) != 0)
			continue;
		if (defs[i].name[nlen] == '\0') {	/* exact wins */
			match = i;
			nmatch = 1;
			break;
		}
		match = i;
		nmatch++;
	}
	if (nmatch == 0)
		return opt_unknown(argv[*idx], defs, ndefs, prog);
	if (nmatch > 1)
		return opt_ambiguous(a, nlen, defs, ndefs, prog);
	(*idx)++;
	if (!defs[match].has_arg) {
		if (eq != NULL) {
			return ew_error(-2, prog, "--%s takes no value (got "
			    "'%s')", defs[match].name, eq + 1);
		}
		return match;
	}
	if (eq != NULL) {
		*val = eq + 1;
		return match;
	}
	if (*idx >= argc || (argv[*idx][0] == '-' && argv[*idx][1] != '\0' &&
	    !ew_isdigit(argv[*idx][1]))) {
		return ew_error(-2, prog, "--%s needs a value",
		    defs[match].name);
	}
	*val = argv[(*idx)++];
	return match;
}

int
ew_error(int rc, const char *prog, const char *fmt, ...)
{
	const char *name = strrchr(prog, '\n');
	va_list ap;

	/* A usage error: the command's name, not its whole usage (that
	 * is what -h is for), and where to find it. */
	ew_dprintf(2, "%s: error: ", name != NULL ? name + 1 : prog);
	va_start(ap, fmt);
	ew_vdprintf(2, fmt, ap);
	va_end(ap);
	ew_puts(2, "\n");
	if (name != NULL)
		ew_dprintf(2, "'%s -h' lists what it takes.\n", name + 1);
	return rc;
}

/* WebSocket mask keys come from a pool refilled from the kernel, so a
 * busy client port does not make a system call per frame. */
void
ew_mask_key(uint8_t key[4])
{
	static uint8_t pool[4096];
	static size_t used = sizeof(pool);

	if (used + 4 > sizeof(pool)) {
		ew_random(pool, sizeof(pool));
		used = 0;
	}
	memcpy(key, pool + used, 4);
	memset(pool + used, 0, 4);	/* never hand out a key twice */
	used += 4;
}

/*
 * Error texts in glibc's words, whatever the libc: etherws 1.3's messages
 * ("[Errno 98] Address already in use") are Python's, which are
 * glibc's, and musl words many of them differently.
 */
#define ERRTAB \
	X(EPERM, "Operation not permitted") \
	X(ENOENT, "No such file or directory") \
	X(EINTR, "Interrupted system call") \
	X(EIO, "Input/output error") \
	X(ENXIO, "No such device or address") \
	X(EBADF, "Bad file descriptor") \
	X(EAGAIN, "Resource temporarily unavailable") \
	X(ENOMEM, "Cannot allocate memory") \
	X(EACCES, "Permission denied") \
	X(EBUSY, "Device or resource busy") \
	X(EEXIST, "File exists") \
	X(ENODEV, "No such device") \
	X(ENOTDIR, "Not a directory") \
	X(EISDIR, "Is a directory") \
	X(EINVAL, "Invalid argument") \
	X(ENFILE, "Too many open files in system") \
	X(EMFILE, "Too many open files") \
	X(EFBIG, "File too large") \
	X(ENOSPC, "No space left on device") \
	X(EROFS, "Read-only file system") \
	X(EPIPE, "Broken pipe") \
	X(ENAMETOOLONG, "File name too long") \
	X(EPROTO, "Protocol error") \
	X(EMSGSIZE, "Message too long") \
	X(EOPNOTSUPP, "Operation not supported") \
	X(EAFNOSUPPORT, "Address family not supported by protocol") \
	X(EADDRINUSE, "Address already in use") \
	X(EADDRNOTAVAIL, "Cannot assign requested address") \
	X(ENETDOWN, "Network is down") \
	X(ENETUNREACH, "Network is unreachable") \
	X(ECONNABORTED, "Software caused connection abort") \
	X(ECONNRESET, "Connection reset by peer") \
	X(ENOBUFS, "No buffer space available") \
	X(ENOTCONN, "Transport endpoint is not connected") \
	X(ETIMEDOUT, "Connection timed out") \
	X(ECONNREFUSED, "Connection refused") \
	X(EHOSTDOWN, "Host is down") \
	X(EHOSTUNREACH, "No route to host") \
	X(0, "Success") \
	X(ESRCH, "No such process") \
	X(E2BIG, "Argument list too long") \
	X(ENOEXEC, "Exec format error") \
	X(ECHILD, "No child processes") \
	X(EFAULT, "Bad address") \
	X(EXDEV, "Invalid cross-device link") \
	X(ENOTTY, "Inappropriate ioctl for device") \
	X(ETXTBSY, "Text file busy") \
	X(ESPIPE, "Illegal seek") \
	X(EMLINK, "Too many links") \
	X(EDOM, "Numerical argument out of domain") \
	X(ERANGE, "Numerical result out of range") \
	X(EDEADLK, "Resource deadlock avoided") \
	X(ENOSYS, "Function not implemented") \
	X(ENOTEMPTY, "Directory not empty") \
	X(ELOOP, "Too many levels of symbolic links") \
	X(ENODATA, "No data available") \
	X(ETIME, "Timer expired") \
	X(ENONET, "Machine is not on the network") \
	X(ENOLINK, "Link has been severed") \
	X(EBADMSG, "Bad message") \
	X(EOVERFLOW, "Value too large for defined data type") \
	X(EILSEQ, "Invalid or incomplete multibyte or wide character") \
	X(ENOTSOCK, "Socket operation on non-socket") \
	X(EDESTADDRREQ, "Destination address required") \
	X(EPROTOTYPE, "Protocol wrong type for socket") \
	X(ENOPROTOOPT, "Protocol not available") \
	X(EPROTONOSUPPORT, "Protocol not supported") \
	X(ESOCKTNOSUPPORT, "Socket type not supported") \
	X(EPFNOSUPPORT, "Protocol family not supported") \
	X(ENETRESET, "Network dropped connection on reset") \
	X(EISCONN, "Transport endpoint is already connected") \
	X(ESHUTDOWN, "Cannot send after transport endpoint shutdown") \
	X(EALREADY, "Operation already in progress") \
	X(EINPROGRESS, "Operation now in progress") \
	X(ECANCELED, "Operation canceled") \
	X(EDQUOT, "Disk quota exceeded")

/*
 * The numbers, and their texts back to back (NUL after each): two bytes
 * and the words per entry, where pointers would take 16 bytes more.
 * Two, not one: the numbers are the architecture's, and MIPS has them
 * up to 1133 (EDQUOT); a byte would wrap 1133 to 109 and give errno 109
 * the text of EDQUOT.  Each number is checked to fit at compile time.
 */
#define X(e, s)	_Static_assert((e) >= 0 && (e) <= UINT16_MAX, \
    #e " does not fit the errno table's uint16_t");
ERRTAB
#undef X
#define X(e, s)	e,
static const uint16_t ew_errnos[] = { ERRTAB };
#undef X
#define X(e, s)	s "\0"
static const char ew_errtexts[] = ERRTAB;
#undef X

const char *
ew_code_text(const uint8_t *codes, size_t n, const char *texts, int code)
{
	size_t i;

	for (i = 0; i < n; i++, texts += strlen(texts) + 1)
		if (codes[i] == code)
			return texts;
	return NULL;
}

const char *
ew_strerror(int e)
{
	static char other[32];
	const char *t = ew_errtexts;
	size_t i;

	for (i = 0; i < sizeof(ew_errnos) / sizeof(ew_errnos[0]);
	    i++, t += strlen(t) + 1)
		if (ew_errnos[i] == e)
			return t;
	/* glibc's words for an errno it has no text for; we keep texts
	 * only for those a switch can meet (libc's table is kilobytes) */
	ew_snprintf(other, sizeof(other), "Unknown error %d", e);
	return other;
}

/* The codes dns.c gives (getaddrinfo's), in glibc's words. */
static const struct {
	int		 e;
	const char	*s;
} ew_gaitab[] = {
	{ DNS_ENONAME, "Name or service not known" },
	{ DNS_EAGAIN, "Temporary failure in name resolution" },
	{ DNS_ENODATA, "No address associated with hostname" },
	{ DNS_EMEMORY, "Memory allocation failure" },
};

const char *
ew_gai_strerror(int e)
{
	size_t i;

	for (i = 0; i < sizeof(ew_gaitab) / sizeof(ew_gaitab[0]); i++)
		if (ew_gaitab[i].e == e)
			return ew_gaitab[i].s;
	return "Unknown error";		/* glibc's words; no libc resolver */
}

void
ew_iso_time(uint64_t ms, char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	uint64_t now = ew_now_ms();
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec - (time_t)((now > ms ? now - ms : 0) / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    ew_strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		ew_snprintf(buf, cap, "?");
}

int
ew_cidr_parse(const char *s, struct ew_cidr *c)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long long bits;
	int max;

	if (n == 0 || n >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	memset(c, 0, sizeof(*c));
	if (ew_pton(AF_INET, a, c->addr) == 1)
		c->af = AF_INET;
	else if (ew_pton(AF_INET6, a, c->addr) == 1)
		c->af = AF_INET6;
	else
		return -1;
	max = c->af == AF_INET ? 32 : 128;
	bits = max;
	if (slash != NULL && (!ew_isdigit((unsigned char)slash[1]) ||
	    ew_parse_int(slash + 1, &bits) < 0 || bits > max))
		return -1;
	c->bits = (int)bits;
	return 0;
}

int
ew_cidr_match(const struct ew_cidr *c, int af, const uint8_t *addr)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	int whole, rest;

	if (af == AF_INET6 && c->af == AF_INET &&
	    memcmp(addr, mapped, sizeof(mapped)) == 0) {
		af = AF_INET;
		addr += 12;
	}
	if (af != c->af)
		return 0;
	whole = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(addr, c->addr, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((addr[whole] ^ c->addr[whole]) &
	    (0xff << (8 - rest))) == 0;
}

/* SIOCGIFINDEX rather than if_nametoindex: musl's brings strncpy's
 * stpncpy into the static build for the same ioctl. */
uint32_t
ew_scope_id(const char *zone)
{
	struct ifreq ifr;
	size_t len = strlen(zone);
	long long n;
	int s, idx = 0;

	if (ew_isdigit((unsigned char)zone[0]) && ew_parse_int(zone, &n) == 0)
		return n > 0 && n <= 0x7fffffff ? (uint32_t)n : 0;
	if (len >= sizeof(ifr.ifr_name))
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, zone, len);
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	if (ioctl(s, SIOCGIFINDEX, &ifr) == 0)
		idx = ifr.ifr_ifindex;
	close(s);
	return idx > 0 ? (uint32_t)idx : 0;
}

unsigned long long
ew_maxmem_default(unsigned long long ram, unsigned long long size_max)
{
	unsigned long long m = ram / MAXMEM_RAM_SHARE,
	    cap = size_max > 0xffffffffULL ? (unsigned long long)MAXMEM_CAP :
	    MAXMEM_CAP_32;

	if (m < MAXMEM_FLOOR)
		m = MAXMEM_FLOOR;
	return m < cap ? m : cap;
}

unsigned long long
ew_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	/* in 64 bits: a 32-bit program may run on more than 4 GB */
	if (pages <= 0 || size <= 0)
		return 0;
	return (unsigned long long)pages * (unsigned long long)size;
}
