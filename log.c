/*
 * log.c - the "etherws" logger, after Python's logging as the original
 * used it: one logger, levels DEBUG..CRITICAL, one handler (stderr with
 * "%(levelname)s:%(name)s:%(message)s" by default), --syslog, and a rate
 * limiter for the lines a peer can make repeat.  The handler a --logconf
 * file describes is parsed by logconf.c and installed here.  Codecs never
 * log; connection owners do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "bytes.h"
#include "defs.h"
#include "errtext.h"
#include "fmt.h"
#include "log.h"
#include "logpriv.h"
#include "sys.h"
#include "util.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define DEFAULT_FMT	"%(levelname)s:%(name)s:%(message)s"

int		 log_level = EW_LOG_INFO;
static uint64_t	(*log_now_ms)(void) = ew_now_ms;

static int		 lg_level = EW_LOG_INFO;	/* the etherws logger */
static int		 lg_syslog;			/* --syslog */
static int		 lg_detached;
static struct log_handler lh;	/* zero: stderr, DEFAULT_FMT */

/* ------------------------------------------------------------------ */
/* Output */

static int
log_active(void)
{
	if (lg_syslog)
		return 1;
	switch (lh.kind) {
	case LH_STDERR:
	case LH_STDOUT:
		return !lg_detached;
	case LH_FILE:
		return lh.fd >= 0;
	case LH_SYSLOG:
		return 1;
	}
	return 0;
}

static void
log_update(void)
{
	int lv = lg_level > lh.level ? lg_level : lh.level;

	log_level = log_active() ? lv : LOG_OFF;
}

void
log_set_clock(uint64_t (*now_ms)(void))
{
	log_now_ms = now_ms;
}

void
log_set_level(int level)
{
	lg_level = level;
	log_update();
}

/*
 * syslog: our own client of the local socket, as syslog(3) would write
 * it ("<PRI>Mmm dd hh:mm:ss etherws[PID]: message", one datagram a line)
 * but never blocking: the socket is non-blocking, so a syslog daemon
 * that falls behind loses lines instead of stalling every port.  A
 * daemon restarted since we connected is reconnected to once per line.
 */
#define SYSLOG_PATH	"/dev/log"

static int sl_fd = -1;
static int sl_facility = LOG_DAEMON;

static void
sl_connect(void)
{
	struct sockaddr_un sa;

	sl_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sl_fd < 0)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, SYSLOG_PATH, sizeof(SYSLOG_PATH));
	if (connect(sl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(sl_fd);
		sl_fd = -1;
	}
}

static void
sl_open(int facility)
{
	sl_facility = facility;
	if (sl_fd < 0)
		sl_connect();
}

static void
sl_send(int prio, const char *msg)
{
	char buf[LOG_LINE_MAX + 64], ts[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t len;
	int n, i;

	if (localtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	ew_strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	n = ew_snprintf(buf, sizeof(buf), "<%d>%s etherws[%d]: %s",
	    sl_facility | prio, ts, (int)getpid(), msg);
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	for (i = 0; i < 2; i++) {
		if (sl_fd < 0)
			sl_connect();
		if (sl_fd < 0)
			return;
		if (send(sl_fd, buf, len, MSG_NOSIGNAL) >= 0 ||
		    errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		close(sl_fd);
		sl_fd = -1;
	}
}

void
log_open_syslog(void)
{
	sl_open(LOG_DAEMON);
	lg_syslog = 1;
	log_update();
}

void
log_detach(void)
{
	lg_detached = 1;
	log_update();
}

void
log_set_handler(const struct log_handler *h, int level)
{
	tzset();
	if (lh.kind == LH_FILE && lh.fd >= 0)
		close(lh.fd);
	lh = *h;
	lg_level = level;
	if (lh.kind == LH_SYSLOG)
		sl_open(lh.facility);
	log_update();
}

static const char *
log_levelname(int level, char buf[static 24])
{
	switch (level) {
	case EW_LOG_NOTSET: return "NOTSET";
	case EW_LOG_DEBUG: return "DEBUG";
	case EW_LOG_INFO: return "INFO";
	case EW_LOG_WARNING: return "WARNING";
	case EW_LOG_ERROR: return "ERROR";
	case EW_LOG_CRITICAL: return "CRITICAL";
	}
	ew_snprintf(buf, 24, "Level %d", level);
	return buf;
}

static int
log_prio(int level)
{
	if (level >= EW_LOG_CRITICAL)
		return LOG_CRIT;
	if (level >= EW_LOG_ERROR)
		return LOG_ERR;
	if (level >= EW_LOG_WARNING)
		return LOG_WARNING;
	if (level >= EW_LOG_INFO)
		return LOG_INFO;
	return LOG_DEBUG;
}

/*
 * Root writes here: a symbolic link planted in the file's place is
 * refused (O_NOFOLLOW), a FIFO does not stall the open or the writes
 * (O_NONBLOCK), and a new file is 0644 whatever the umask (Python's
 * 0666 would be world-writable under umask 000).
 */
int
log_open_file(const char *path, int trunc)
{
	int fd, fd2;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY |
	    O_NOFOLLOW | O_NONBLOCK | (trunc ? O_TRUNC : 0), 0644);
	if (fd >= 0 && fd <= 2) {
		fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		fd = fd2;
	}
	return fd;
}

/* One write(2) per line; a short or failed write loses the rest (a
 * logger must not block the switch). */
static void
log_write(int fd, const char *s, size_t n)
{
	ssize_t w;
	int tries = 0;

	while (n > 0 && tries++ < 4) {
		w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Python's "%(key)..." directive, as far as we support it. */
enum { FK_ASCTIME, FK_LEVELNAME, FK_NAME, FK_MESSAGE };
static const char *const fmt_keys[] = {
	"asctime", "levelname", "name", "message"
};

size_t
log_fmt_dir(const char *f, struct log_fmt_dir *d)
{
	const char *p = f + 2, *k = f + 2;
	size_t i;

	while (*p != ')') {
		if (*p == '\0')
			return 0;
		p++;
	}
	d->key = -1;
	for (i = 0; i < nitems(fmt_keys); i++)
		if (strlen(fmt_keys[i]) == (size_t)(p - k) &&
		    memcmp(fmt_keys[i], k, (size_t)(p - k)) == 0)
			d->key = (int)i;
	p++;
	d->left = 0;
	d->width = 0;
	d->prec = -1;
	while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0') {
		if (*p == '-')
			d->left = 1;
		p++;
	}
	for (; ew_isdigit(*p); p++)
		if (d->width <= LOG_FMT_WIDTH)
			d->width = d->width * 10 + (*p - '0');
	if (*p == '.') {
		d->prec = 0;
		for (p++; ew_isdigit(*p); p++)
			if (d->prec <= LOG_FMT_WIDTH)
				d->prec = d->prec * 10 + (*p - '0');
	}
	while (*p == 'h' || *p == 'l' || *p == 'L')
		p++;
	if (*p == '\0')
		return 0;
	d->conv = (unsigned char)*p++;
	return (size_t)(p - f);
}

struct out {
	char	*buf;
	size_t	 cap, len;		/* len < cap always */
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - 1 - o->len)
		n = o->cap - 1 - o->len;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void
out_pad(struct out *o, size_t n)
{
	while (n-- > 0 && o->len < o->cap - 1)
		o->buf[o->len++] = ' ';
}

static const char *
log_asctime(char buf[static LOG_FMT_MAX + 32], time_t sec, long msec)
{
	struct tm tm;
	size_t n;

	if (localtime_r(&sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	if (lh.datefmt[0] != '\0') {
		ew_strftime(buf, LOG_FMT_MAX + 32, lh.datefmt, &tm);
		return buf;
	}
	n = ew_strftime(buf, LOG_FMT_MAX, "%Y-%m-%d %H:%M:%S", &tm);
	ew_snprintf(buf + n, LOG_FMT_MAX + 32 - n, ",%03ld", msec);
	return buf;
}

size_t
log_render(char *buf, size_t cap, int level, const char *msg, time_t sec,
    long msec)
{
	char tbuf[LOG_FMT_MAX + 32], lbuf[24];
	struct out o = { buf, cap, 0 };
	struct log_fmt_dir d;
	const char *f, *v;
	size_t n, vlen;

	if (cap == 0)
		return 0;
	for (f = lh.fmt[0] != '\0' ? lh.fmt : DEFAULT_FMT; *f != '\0'; f++) {
		if (f[0] != '%' || f[1] == '\0') {
			out_put(&o, f, 1);
			continue;
		}
		if (f[1] == '%') {
			out_put(&o, "%", 1);
			f++;
			continue;
		}
		if (f[1] != '(' || (n = log_fmt_dir(f, &d)) == 0 || d.key < 0) {
			out_put(&o, f, 1);	/* refused at configuration */
			continue;
		}
		switch (d.key) {
		case FK_ASCTIME: v = log_asctime(tbuf, sec, msec); break;
		case FK_LEVELNAME: v = log_levelname(level, lbuf); break;
		case FK_NAME: v = "etherws"; break;
		default: v = msg; break;
		}
		vlen = strlen(v);
		if (d.prec >= 0 && vlen > (size_t)d.prec)
			vlen = (size_t)d.prec;
		if (!d.left && (size_t)d.width > vlen)
			out_pad(&o, (size_t)d.width - vlen);
		out_put(&o, v, vlen);
		if (d.left && (size_t)d.width > vlen)
			out_pad(&o, (size_t)d.width - vlen);
		f += n - 1;
	}
	buf[o.len] = '\0';
	return o.len;
}

/* Writes msg (already filtered by level) to wherever lines go now. */
static void
log_emit(int level, const char *msg)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	size_t n;
	int fd;

	if (lg_syslog) {
		sl_send(log_prio(level), msg);
		return;
	}
	if (!log_active())
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = log_render(line, sizeof(line) - 1, level, msg, ts.tv_sec,
	    ts.tv_nsec / 1000000);
	if (lh.kind == LH_SYSLOG) {
		sl_send(log_prio(level), line);
		return;
	}
	line[n++] = '\n';
	fd = lh.kind == LH_FILE ? lh.fd : lh.kind == LH_STDOUT ? 1 : 2;
	log_write(fd, line, n);
}

/*
 * For a signal handler (privdrop.c's SIGSYS): only what is safe there,
 * no clock, no locale, no handler format: "CRITICAL:etherws:<msg>" to
 * the handler's file or stderr, or the bare message to syslog on the
 * socket already open.
 */
void
log_emergency(const char *msg)
{
	char buf[LOG_MSG_MAX + 64];
	int n;

	if (lg_syslog || lh.kind == LH_SYSLOG) {
		n = ew_snprintf(buf, sizeof(buf), "<%d>etherws[%d]: %s",
		    sl_facility | LOG_CRIT, (int)getpid(), msg);
		if (sl_fd >= 0 && n > 0 && (size_t)n < sizeof(buf))
			(void)send(sl_fd, buf, (size_t)n, MSG_NOSIGNAL);
		return;
	}
	if (!log_active())
		return;
	n = ew_snprintf(buf, sizeof(buf), "CRITICAL:etherws:%s\n", msg);
	if (n > 0 && (size_t)n < sizeof(buf))
		log_write(lh.kind == LH_FILE ? lh.fd : lh.kind == LH_STDOUT ?
		    1 : 2, buf, (size_t)n);
}

/*
 * A peer's text must not forge lines nor put bytes in them that are not
 * UTF-8 (a proxy's reason phrase, a name): control bytes and every byte
 * of an invalid sequence become "\xNN"; tabs and well-formed UTF-8 stay.
 * Cut at a whole unit when out (cap > 0 bytes) is full.
 */
static void
log_clean(const char *in, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, n, len = strlen(in);

	for (; *s != '\0'; s += n, len -= n) {
		if (*s >= 0x80)
			n = ew_utf8_seq(s, len);
		else
			n = (*s >= 0x20 && *s != 0x7f) || *s == '\t';
		if (n > 0) {
			if (o + n >= cap)
				break;
			memcpy(out + o, s, n);
			o += n;
			continue;
		}
		n = 1;
		if (o + 4 >= cap)
			break;
		ew_snprintf(out + o, 5, "\\x%02x", *s);
		o += 4;
	}
	out[o] = '\0';
}

void
log_msg(int level, const char *fmt, ...)
{
	char raw[LOG_MSG_MAX], msg[LOG_MSG_MAX];
	va_list ap;

	if (level < log_level)
		return;
	va_start(ap, fmt);
	ew_vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_clean(raw, msg, sizeof(msg));
	log_emit(level, msg);
}

void
log_reopen(void)
{
	int fd;

	if (lh.kind != LH_FILE || lh.fd < 0)
		return;
	fd = log_open_file(lh.path, 0);
	if (fd < 0) {
		log_msg(EW_LOG_ERROR, "cannot reopen %s: %s", lh.path,
		    ew_strerror(errno));
		return;
	}
	close(lh.fd);
	lh.fd = fd;
}

/* ------------------------------------------------------------------ */
/* Rate limiting */

struct rl_slot {
	uint64_t	 hash;		/* of (key, fmt); 0 = free */
	uint64_t	 last;		/* ms of the last line written */
	uint64_t	 touched;	/* ms of the last call (LRU) */
	uint32_t	 suppressed;	/* since the last line written */
	int		 written;	/* last is valid */
};

static struct rl_slot	 rl[LOG_RL_SLOTS];
static uint64_t		 rl_win;	/* start of the global second */
static unsigned		 rl_win_n;	/* lines written in it */
static uint32_t		 rl_lost;	/* counts of evicted slots */

static uint64_t
rl_hash(const char *key, const char *fmt)
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (s = fmt; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h == 0 ? 1 : h;
}

static struct rl_slot *
rl_slot(uint64_t h, uint64_t now)
{
	struct rl_slot *s, *victim = NULL;

	for (s = rl; s < rl + LOG_RL_SLOTS; s++) {
		if (s->hash == h)
			return s;
		if (victim == NULL || (victim->hash != 0 && (s->hash == 0 ||
		    s->touched < victim->touched)))
			victim = s;
	}
	if (victim->hash != 0)
		rl_lost += victim->suppressed;
	memset(victim, 0, sizeof(*victim));
	victim->hash = h;
	victim->touched = now;
	return victim;
}

void
log_msg_rl(int level, const char *key, const char *fmt, ...)
{
	char raw[LOG_MSG_MAX], msg[LOG_MSG_MAX], note[64];
	struct rl_slot *s;
	uint64_t now;
	uint32_t lost;
	size_t n;
	va_list ap;

	if (level < log_level)
		return;
	now = log_now_ms();
	s = rl_slot(rl_hash(key ? key : "", fmt), now);
	s->touched = now;
	if (s->written && now - s->last < LOG_RL_MS) {
		s->suppressed++;
		return;
	}
	if (now - rl_win >= 1000 || now < rl_win) {
		rl_win = now;
		rl_win_n = 0;
	}
	if (rl_win_n >= LOG_RL_GLOBAL) {
		s->suppressed++;
		return;
	}
	rl_win_n++;
	if (rl_lost > 0) {
		lost = rl_lost;
		rl_lost = 0;
		ew_snprintf(note, sizeof(note), "%lu rate-limited message%s "
		    "suppressed", (unsigned long)lost, lost == 1 ? "" : "s");
		log_emit(EW_LOG_WARNING, note);
	}
	va_start(ap, fmt);
	ew_vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_clean(raw, msg, sizeof(msg) - sizeof(note));
	if (s->suppressed > 0) {
		n = strlen(msg);
		ew_snprintf(msg + n, sizeof(msg) - n, " (%lu similar message%s "
		    "suppressed)", (unsigned long)s->suppressed,
		    s->suppressed == 1 ? "" : "s");
	}
	s->written = 1;
	s->last = now;
	s->suppressed = 0;
	log_emit(level, msg);
}
