/*
 * logpriv.h - private to the logger: shared by log.c and logconf.c
 * (the --logconf parser builds a struct log_handler, log.c installs it)
 */
#ifndef LOGPRIV_H
#define LOGPRIV_H

#include <limits.h>
#include "defs.h"
#include "log.h"

#define LOG_OFF		(EW_LOG_CRITICAL + 1000)	/* nothing passes */

/* LH_STDERR is 0 and an empty fmt the default format, so the default
 * handler is all zeros: no 4.6 KB image of it in the binary's data. */
enum { LH_STDERR, LH_NONE, LH_STDOUT, LH_FILE, LH_SYSLOG };

struct log_handler {
	int	 kind;			/* LH_* */
	int	 level;			/* its own level, 0 = NOTSET */
	int	 facility;		/* LH_SYSLOG: LOG_DAEMON, ... */
	int	 fd;			/* LH_FILE: O_APPEND, or -1 */
	/* fmt "" (only the built-in handler has it; logconf.c always sets
	 * one): "%(levelname)s:%(name)s:%(message)s" */
	char	 path[PATH_MAX];	/* LH_FILE: absolute */
	char	 fmt[LOG_FMT_MAX];
	char	 datefmt[LOG_FMT_MAX];	/* "" = "%Y-%m-%d %H:%M:%S,mmm" */
};

/* Python's "%(key)..." directive, as far as we support it. */
struct log_fmt_dir {
	int	 key;			/* FK_* of log.c, -1 for another name */
	int	 left;			/* '-' flag */
	int	 width;			/* 0 = none */
	int	 prec;			/* -1 = none */
	int	 conv;			/* conversion character */
};

/* Parses the directive at f (f[0] == '%', f[1] == '('): returns its
 * length, or 0 when it is malformed. */
size_t log_fmt_dir(const char *f, struct log_fmt_dir *d);
/* Opens a log file for appending (never through a symbolic link, new
 * files 0644); never as fd 0-2, which the daemon points at /dev/null
 * when it detaches.  The fd, or -1 (errno). */
int log_open_file(const char *path, int trunc);
/* Installs *h (copied; a FileHandler's file already open) as the one
 * handler and level as the etherws logger's level; closes the previous
 * handler's file. */
void log_set_handler(const struct log_handler *h, int level);

#endif /* LOGPRIV_H */
