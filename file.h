/*
 * file.h - reading the files options and requests name (file.c)
 */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

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

#endif /* FILE_H */
