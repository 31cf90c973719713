/*
 * errtext.c - errno texts in glibc's words, whatever the libc.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "errtext.h"
#include "fmt.h"

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

const char *
ew_nofollow_strerror(int e)
{
	return e == ELOOP ? "a symbolic link (refused: name the file itself)" :
	    ew_strerror(e);
}
