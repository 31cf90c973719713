/*
 * file.c - reading the files that options and control requests name,
 * whole, safely, and the words for a failure to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "errtext.h"
#include "file.h"
#include "fmt.h"

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
