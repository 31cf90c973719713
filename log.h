/*
 * log.h - the logger (log.c; the --logconf parser in logconf.c)
 */
#ifndef LOG_H
#define LOG_H

#include <stdint.h>
#include <stddef.h>
#include <time.h>

/*
 * One logger, "etherws", with Python's levels and one handler: stderr
 * with "%(levelname)s:%(name)s:%(message)s" by default, --syslog, or
 * what a --logconf file (etherws.8) says.  Lines are formatted into a
 * fixed buffer and written with one write(2) each; nothing allocates
 * after start-up.  Not thread-safe (the daemon has one thread).
 */
#define EW_LOG_NOTSET	0
#define EW_LOG_DEBUG	10
#define EW_LOG_INFO	20
#define EW_LOG_WARNING	30
#define EW_LOG_ERROR	40
#define EW_LOG_CRITICAL	50

/* Lowest level written anywhere now (logger and handler levels, or
 * above CRITICAL when no output is possible).  Read-only outside log.c:
 * callers test it before building expensive DEBUG lines. */
extern int log_level;
/* The rate limiter's clock (ms, monotonic; ew_now_ms unless a test
 * sets another). */
void log_set_clock(uint64_t (*now_ms)(void));

/*
 * Reads the fileConfig subset (etherws.8) from path and makes it the
 * configuration (a FileHandler's file is opened, relative names taken
 * from the current directory).  Returns 0, 1 on an I/O error (err:
 * "cannot read <path>: <why>", "cannot open <log file>: <why>") or 2
 * when the content is refused (err: "line N: ...", "no section [x]",
 * naming the part); on error nothing changes.
 */
int log_config_file(const char *path, char *err, size_t errlen);
/* Sets the etherws logger's level (--debug); a handler level still
 * filters. */
void log_set_level(int level);
/* --syslog: from now on every line goes to the local syslog socket
 * (our own client, in syslog(3)'s format: ident etherws,
 * LOG_PID, LOG_DAEMON) as its bare message, whatever the handler. */
void log_open_syslog(void);
/* Detached: stderr/stdout handlers write nowhere from now on. */
void log_detach(void);
/* SIGHUP: reopen a FileHandler's file by name (log rotation). */
void log_reopen(void);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * log_msg, at most one line per LOG_RL_MS for each (key, fmt) and
 * LOG_RL_GLOBAL per second in all, for lines a peer can repeat
 * (connected, disconnected, connect failed, timeouts, auth failures).
 * key names the peer (address, URL); the next line written for it says
 * "(N similar messages suppressed)".
 */
void log_msg_rl(int level, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Async-signal-safe: msg as a CRITICAL line, without date or the
 * handler's format, wherever lines go (a signal handler's last word). */
void log_emergency(const char *msg);
/* Formats one line (no newline) with the current handler's format, at
 * wall-clock time sec + msec; returns its length (< cap, NUL-ended). */
size_t log_render(char *out, size_t cap, int level, const char *msg,
    time_t sec, long msec);
#define log_debug(...) do { if (log_level <= EW_LOG_DEBUG) \
	log_msg(EW_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif /* LOG_H */
