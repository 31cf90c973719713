/*
 * util.c - small helpers every module may use: ASCII compares,
 * constant-time compare, randomness, the monotonic clock, integer
 * parsing, the shared option parser and the error block printer.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <netdb.h>

#include "etherws.h"

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
		ew_dprintf(2, "etherws: /dev/urandom: %s\n", ew_strerror(errno));
		abort();
	}
	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ew_dprintf(2, "etherws: /dev/urandom: %s\n", ew_strerror(errno));
			abort();
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
		if (a[0] == '-' && a[1] != '\0' && !ew_isdigit(a[1])) {
			ew_dprintf(2, "%s: error: unrecognized arguments: %s\n",
			    prog, a);
			return -2;
		}
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
	if (nmatch == 0) {
		ew_dprintf(2, "%s: error: unrecognized arguments: %s\n",
		    prog, argv[*idx]);
		return -2;
	}
	if (nmatch > 1) {
		ew_dprintf(2, "%s: error: ambiguous option: --%.*s\n",
		    prog, (int)nlen, a);
		return -2;
	}
	(*idx)++;
	if (!defs[match].has_arg) {
		if (eq != NULL) {
			ew_dprintf(2, "%s: error: argument --%s: ignored "
			    "explicit argument '%s'\n", prog, defs[match].name,
			    eq + 1);
			return -2;
		}
		return match;
	}
	if (eq != NULL) {
		*val = eq + 1;
		return match;
	}
	if (*idx >= argc || (argv[*idx][0] == '-' && argv[*idx][1] != '\0' &&
	    !ew_isdigit(argv[*idx][1]))) {
		ew_dprintf(2, "%s: error: argument --%s: expected one "
		    "argument\n", prog, defs[match].name);
		return -2;
	}
	*val = argv[(*idx)++];
	return match;
}

void
ew_print_error(const char *msg, int code, const char *data)
{
	ew_dprintf(2, "  %s (%d)\n    %s\n", msg, code, data);
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
 * Error texts in glibc's words, whatever the libc: SPEC.md's messages
 * ("[Errno 98] Address already in use") are Python's, which are
 * glibc's, and musl words many of them differently.
 */
static const struct {
	int		 e;
	const char	*s;
} ew_errtab[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ EINTR, "Interrupted system call" },
	{ EIO, "Input/output error" },
	{ ENXIO, "No such device or address" },
	{ EBADF, "Bad file descriptor" },
	{ EAGAIN, "Resource temporarily unavailable" },
	{ ENOMEM, "Cannot allocate memory" },
	{ EACCES, "Permission denied" },
	{ EBUSY, "Device or resource busy" },
	{ EEXIST, "File exists" },
	{ ENODEV, "No such device" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ ENFILE, "Too many open files in system" },
	{ EMFILE, "Too many open files" },
	{ EFBIG, "File too large" },
	{ ENOSPC, "No space left on device" },
	{ EROFS, "Read-only file system" },
	{ EPIPE, "Broken pipe" },
	{ ENAMETOOLONG, "File name too long" },
	{ EPROTO, "Protocol error" },
	{ EMSGSIZE, "Message too long" },
	{ EOPNOTSUPP, "Operation not supported" },
	{ EAFNOSUPPORT, "Address family not supported by protocol" },
	{ EADDRINUSE, "Address already in use" },
	{ EADDRNOTAVAIL, "Cannot assign requested address" },
	{ ENETDOWN, "Network is down" },
	{ ENETUNREACH, "Network is unreachable" },
	{ ECONNABORTED, "Software caused connection abort" },
	{ ECONNRESET, "Connection reset by peer" },
	{ ENOBUFS, "No buffer space available" },
	{ ENOTCONN, "Transport endpoint is not connected" },
	{ ETIMEDOUT, "Connection timed out" },
	{ ECONNREFUSED, "Connection refused" },
	{ EHOSTDOWN, "Host is down" },
	{ EHOSTUNREACH, "No route to host" },
	{ 0, "Success" },
	{ ESRCH, "No such process" },
	{ E2BIG, "Argument list too long" },
	{ ENOEXEC, "Exec format error" },
	{ ECHILD, "No child processes" },
	{ EFAULT, "Bad address" },
	{ EXDEV, "Invalid cross-device link" },
	{ ENOTTY, "Inappropriate ioctl for device" },
	{ ETXTBSY, "Text file busy" },
	{ ESPIPE, "Illegal seek" },
	{ EMLINK, "Too many links" },
	{ EDOM, "Numerical argument out of domain" },
	{ ERANGE, "Numerical result out of range" },
	{ EDEADLK, "Resource deadlock avoided" },
	{ ENOSYS, "Function not implemented" },
	{ ENOTEMPTY, "Directory not empty" },
	{ ELOOP, "Too many levels of symbolic links" },
	{ ENODATA, "No data available" },
	{ ETIME, "Timer expired" },
	{ ENONET, "Machine is not on the network" },
	{ ENOLINK, "Link has been severed" },
	{ EBADMSG, "Bad message" },
	{ EOVERFLOW, "Value too large for defined data type" },
	{ EILSEQ, "Invalid or incomplete multibyte or wide character" },
	{ ENOTSOCK, "Socket operation on non-socket" },
	{ EDESTADDRREQ, "Destination address required" },
	{ EPROTOTYPE, "Protocol wrong type for socket" },
	{ ENOPROTOOPT, "Protocol not available" },
	{ EPROTONOSUPPORT, "Protocol not supported" },
	{ ESOCKTNOSUPPORT, "Socket type not supported" },
	{ EPFNOSUPPORT, "Protocol family not supported" },
	{ ENETRESET, "Network dropped connection on reset" },
	{ EISCONN, "Transport endpoint is already connected" },
	{ ESHUTDOWN, "Cannot send after transport endpoint shutdown" },
	{ EALREADY, "Operation already in progress" },
	{ EINPROGRESS, "Operation now in progress" },
	{ ECANCELED, "Operation canceled" },
	{ EDQUOT, "Disk quota exceeded" },
};

const char *
ew_strerror(int e)
{
	static char other[32];
	size_t i;

	for (i = 0; i < sizeof(ew_errtab) / sizeof(ew_errtab[0]); i++)
		if (ew_errtab[i].e == e)
			return ew_errtab[i].s;
	/* glibc's words for an errno it has no text for; we keep texts
	 * only for those a switch can meet (libc's table is kilobytes) */
	ew_snprintf(other, sizeof(other), "Unknown error %d", e);
	return other;
}

static const struct {
	int		 e;
	const char	*s;
} ew_gaitab[] = {
	{ EAI_NONAME, "Name or service not known" },
	{ EAI_AGAIN, "Temporary failure in name resolution" },
	{ EAI_FAIL, "Non-recoverable failure in name resolution" },
	{ EAI_FAMILY, "ai_family not supported" },
	{ EAI_SOCKTYPE, "ai_socktype not supported" },
	{ EAI_SERVICE, "Servname not supported for ai_socktype" },
	{ EAI_MEMORY, "Memory allocation failure" },
	{ EAI_SYSTEM, "System error" },
#ifdef EAI_NODATA
	{ EAI_NODATA, "No address associated with hostname" },
#endif
#ifdef EAI_ADDRFAMILY
	{ EAI_ADDRFAMILY, "Address family for hostname not supported" },
#endif
};

const char *
ew_gai_strerror(int e)
{
	size_t i;

	for (i = 0; i < sizeof(ew_gaitab) / sizeof(ew_gaitab[0]); i++)
		if (ew_gaitab[i].e == e)
			return ew_gaitab[i].s;
	return gai_strerror(e);
}
