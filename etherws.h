/*
 * etherws.h - shared declarations: every named limit, the structs several
 * modules touch, and the cross-module prototypes.
 *
 * Conventions: memory is owned by the caller unless a comment says
 * otherwise; lengths are explicit (size_t); parsers return >0 (bytes
 * consumed), 0 (need more input) or <0 (invalid input).
 */
#ifndef ETHERWS_H
#define ETHERWS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#include <bearssl.h>

#define ETHERWS_VERSION		"1.3.0-c"

/* ------------------------------------------------------------------ */
/* Limits.  Every size a peer controls is checked against one of these
 * before anything grows. */

#define MAX_FRAME		65535	/* largest Ethernet frame / WS message */
#define MIN_FRAME		14	/* dst + src + ethertype */
#define HTTP_MAX_HEADER		8192	/* request/response head, bytes (431) */
#define HTTP_MAX_HEADERS	64	/* header lines per message (431) */
#define CTL_MAX_BODY		65536	/* control request body (413) */
#define CTL_MAX_REPLY		(16 * 1024 * 1024) /* ctl: reply body it accepts */
#define HTTP_TIMEOUT_MS		10000	/* accept -> complete request head */
#define CONNECT_TIMEOUT_MS	10000	/* client attempt: resolve..handshake */
#define CLOSE_WAIT_MS		2000	/* our Close -> peer's Close or EOF */
#define PORT_QUEUE_MAX		(1024 * 1024) /* tunnel tx queue, bytes (--queue) */
#define FDB_MAX			8192	/* FDB entries (--fdbmax) */
#define FDB_SWEEP_MS		10000	/* FDB sweep period */
#define JSON_MAX_DEPTH		32	/* nesting of arrays/objects */
#define JSON_MAX_TOKENS		4096	/* tokens in one control request */
#define MAX_CONNS		4096	/* tunnel connections (--maxconn) */
#define MAX_CTL_CONNS		64	/* control connections (--ctlmaxconn) */
#define URL_MAX			1024	/* client URL / target text */
#define CRED_MAX		256	/* user or password */
#define IFNAME_MAX		16	/* IFNAMSIZ incl. NUL */
#define BACKOFF_MAX_S		60	/* client reconnect backoff ceiling */
#define RX_BUDGET		64	/* reads per fd per loop iteration */
#define PROBE_INTERVAL_MS	2000	/* loop-detection probe period */
#define LOOP_HOLD_MS		10000	/* a blocked port's loop gone this long */
#define MAC_MOVE_HOLD_MS	2000	/* a learned MAC stays put this long */
#define STORM_DEFAULT		20000	/* flooded frames/s per port (--stormlimit) */
#define DNS_TIMEOUT_MS		7500	/* client lookup (< CONNECT_TIMEOUT_MS) */
#define DNS_MAX_NS		3	/* resolv.conf nameservers used */
#define DNS_MAX_SEARCH		6	/* resolv.conf search domains used */
#define DNS_SEARCH_LEN		256	/* their text, bytes incl. NULs */
#define DNS_NAME_MAX		253	/* a name, text, without a final dot */
#define DNS_WIRE_MAX		255	/* a name in wire form (RFC 1035 2.3.4) */
#define DNS_UDP_MAX		512	/* a response (we send no EDNS) */
#define DNS_LINE_MAX		4096	/* hosts/resolv.conf line; longer: skipped */
#define DNS_MAX_CNAME		8	/* CNAMEs followed in one answer */
#define DNS_MAX_PTRS		128	/* compression pointers in one name */

/* ------------------------------------------------------------------ */
/* Small helpers (util.c) */

/* Locale-free ASCII ctype. */
static inline int
ew_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static inline int
ew_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline uint16_t
ew_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t
ew_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}
static inline void
ew_put_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void
ew_put_be32(uint8_t *p, uint32_t v)
{
	ew_put_be16(p, v >> 16);
	ew_put_be16(p + 2, v & 0xffff);
}

/* Case-insensitive compare of (a, alen) with NUL-terminated b. */
int ew_strcaseeq(const char *a, size_t alen, const char *b);
/* signal(sig, fn), by sigaction. */
void ew_signal(int sig, void (*fn)(int));
/* "etherws: <what>: <strerror(errno)>" on stderr, then a trap (core). */
void ew_fatal(const char *what) __attribute__((noreturn));
/* inet_aton's forms (glibc's reading): 1 and the address, or 0; loose
 * ignores what follows white space after it, as inet_aton does. */
int ew_inet_aton(const char *s, uint8_t out[4], int loose);
/* The first n (nlen bytes) in h (hlen bytes), or NULL: plain, for
 * short needles (libc's two-way search is kilobytes in a static link). */
const void *ew_memmem(const void *h, size_t hlen, const void *n, size_t nlen);
/* Constant-time compare of two equal-length buffers: 1 if equal. */
int ew_ct_eq(const void *a, const void *b, size_t len);
/* Fill buf with len unpredictable bytes (getrandom, /dev/urandom). */
void ew_random(void *buf, size_t len);
/* A fresh WebSocket masking key (from a kernel-seeded pool). */
void ew_mask_key(uint8_t key[4]);
/* Monotonic milliseconds. */
uint64_t ew_now_ms(void);
/* strerror / gai_strerror in glibc's (and so Python's) words. */
const char *ew_strerror(int e);
const char *ew_gai_strerror(int e);
/* The text of code in a table of n one-byte codes and their n texts
 * back to back (a NUL after each), or NULL if the code is not there. */
const char *ew_code_text(const uint8_t *codes, size_t n, const char *texts,
    int code);
/* fmt.c: the printf subset we use (d u x s %, flags - 0, width,
 * precision, l ll z on d u x), into a buffer or onto an fd, and a
 * C-locale strftime; no floating point, no stdio.  Any other conversion
 * traps after a line on stderr, or with NDEBUG ends the output at "%?";
 * tests/check_formats.py checks the literals.  A failed write to an
 * fd is remembered: ew_output_failed(). */
int ew_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ew_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ew_vdprintf(int fd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
int ew_dprintf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ew_puts(int fd, const char *s);
int ew_write_all(int fd, const void *p, size_t len);
int ew_output_failed(void);
/* inet_ntop in glibc's words (AF_INET, AF_INET6), without libc's. */
int ew_pton(int af, const char *s, void *dst);
const char *ew_ntop(int af, const void *src, char *dst, size_t cap);
struct tm;
/* Like strftime, but truncates (NUL-terminated) where it does not fit. */
size_t ew_strftime(char *buf, size_t cap, const char *fmt,
    const struct tm *tm);

/* Parse a decimal integer (optional sign) filling the whole string. */
int ew_parse_int(const char *s, long long *out);

/* Command-line option parser shared by sw and ctl (argparse-like:
 * "--name value", "--name=value", unambiguous prefixes). */
struct ew_opt {
	const char	*name;		/* without "--" */
	int		 has_arg;
};
/*
 * Looks at argv[*idx].  Returns the index into defs of the option found
 * (advancing *idx past it and its argument, *val set to the argument or
 * NULL), -1 when argv[*idx] is not an option (or is "--", which is
 * skipped) or argv is exhausted, -2 on an error, after printing
 * "<prog>: error: <what>" to stderr.
 */
int ew_getopt(int argc, char **argv, int *idx, const struct ew_opt *defs,
    int ndefs, const char **val, const char *prog);

/* Print the two-line error block of SPEC.md D2 on stderr:
 * "  <msg> (<code>)\n    <data>\n". */
void ew_print_error(const char *msg, int code, const char *data);

/* ------------------------------------------------------------------ */
/* Logging (log.c; the --logconf parser in logconf.c) */

/*
 * One logger, "etherws", with Python's levels and one handler: stderr
 * with "%(levelname)s:%(name)s:%(message)s" by default, --syslog, or
 * what a --logconf file (SPEC.md 11) says.  Lines are formatted into a
 * fixed buffer and written with one write(2) each; nothing allocates
 * after start-up.  Not thread-safe (the daemon has one thread).
 */
#define EW_LOG_NOTSET	0
#define EW_LOG_DEBUG	10
#define EW_LOG_INFO	20
#define EW_LOG_WARNING	30
#define EW_LOG_ERROR	40
#define EW_LOG_CRITICAL	50

#define LOG_CONF_MAX		65536	/* --logconf file, bytes */
#define LOG_CONF_LINE		1024	/* one line (and one value) of it */
#define LOG_CONF_SECTIONS	64	/* [sections] in it */
#define LOG_CONF_OPTS		512	/* key = value lines in it */
#define LOG_FMT_MAX		256	/* format / datefmt, bytes incl. NUL */
#define LOG_FMT_WIDTH		256	/* largest %(key)Ns width or precision */
#define LOG_MSG_MAX		1024	/* one message, bytes incl. NUL */
#define LOG_LINE_MAX		2048	/* one formatted line, bytes */
#define LOG_RL_SLOTS		64	/* rate-limiter keys remembered */
#define LOG_RL_MS		1000	/* one line per key per this */
#define LOG_RL_GLOBAL		20	/* rate-limited lines per second, all keys */

/* Lowest level written anywhere now (logger and handler levels, or
 * above CRITICAL when no output is possible).  Read-only outside log.c:
 * callers test it before building expensive DEBUG lines. */
extern int log_level;
/* Clock of the rate limiter (ms, monotonic); tests may replace it. */
extern uint64_t (*log_now_ms)(void);

/*
 * Reads the fileConfig subset of SPEC.md 11 from path and makes it the
 * configuration (a FileHandler's file is opened, relative names taken
 * from the current directory).  Returns 0, 1 on an I/O error (err:
 * "IOError: [Errno N] ...") or 2 when the content is refused (err:
 * "ValueError: ..." naming the part); on error nothing changes.
 */
int log_config_file(const char *path, char *err, size_t errlen);
/* Sets the etherws logger's level (--debug); a handler level still
 * filters. */
void log_set_level(int level);
/* --syslog: from now on every line goes to syslog(3) (ident etherws,
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
/* Formats one line (no newline) with the current handler's format, at
 * wall-clock time sec + msec; returns its length (< cap, NUL-ended). */
size_t log_render(char *out, size_t cap, int level, const char *msg,
    time_t sec, long msec);
#define log_debug(...) do { if (log_level <= EW_LOG_DEBUG) \
	log_msg(EW_LOG_DEBUG, __VA_ARGS__); } while (0)

/*
 * Private to the logger: shared by log.c and logconf.c (the --logconf
 * parser builds a struct log_handler, log.c installs it), used nowhere
 * else.
 */
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
/* Opens a log file for appending; never as fd 0-2, which the daemon
 * points at /dev/null when it detaches.  The fd, or -1. */
int log_open_file(const char *path, int trunc);
/* Installs *h (copied; a FileHandler's file already open) as the one
 * handler and level as the etherws logger's level; closes the previous
 * handler's file. */
void log_set_handler(const struct log_handler *h, int level);

/* ------------------------------------------------------------------ */
/* SHA-1 (sha1.c), FIPS 180-4 */

struct sha1_ctx {
	uint32_t	h[5];
	uint64_t	len;		/* bytes so far */
	uint8_t		buf[64];
	size_t		n;		/* bytes in buf */
};
void sha1_init(struct sha1_ctx *);
void sha1_update(struct sha1_ctx *, const void *data, size_t len);
void sha1_final(struct sha1_ctx *, uint8_t out[20]);
void sha1(const void *data, size_t len, uint8_t out[20]);

/* ------------------------------------------------------------------ */
/* base64 (base64.c), RFC 4648 section 4, with padding */

#define BASE64_ENC_LEN(n)	((((n) + 2) / 3) * 4)
/* Writes BASE64_ENC_LEN(len) chars plus a NUL to out; returns the length. */
size_t base64_encode(char *out, const uint8_t *in, size_t len);
/* Strict decode (padding required, no whitespace, canonical final bits).
 * Returns the decoded length, or -1 if invalid or longer than outcap. */
long base64_decode(uint8_t *out, size_t outcap, const char *in, size_t len);

/* ------------------------------------------------------------------ */
/* JSON (json.c): strict RFC 8259 reader into a caller token array, and a
 * bounded writer. */

enum json_type {
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING,
	JSON_ARRAY, JSON_OBJECT
};
struct json_tok {
	enum json_type	type;
	uint32_t	start;	/* offset of the first byte (string: after ") */
	uint32_t	end;	/* offset past the last byte (string: at ") */
	uint32_t	size;	/* array: elements; object: members */
	uint32_t	next;	/* index of the token after this subtree */
};
/*
 * Parses exactly one JSON value (surrounding whitespace allowed) from
 * (s, len).  Object members are a STRING key token followed by the value's
 * tokens.  Returns the number of tokens used (>= 1), or -1 with *err set
 * to a static message saying what is wrong and where ("Expecting value:
 * line 1 column 5 (char 4)" style).  Rejects: trailing commas, bare words,
 * leading zeros, bad escapes, lone surrogates, control characters and
 * invalid UTF-8 in strings, nesting deeper than maxdepth, more than ntok
 * tokens.
 */
int json_parse(const char *s, size_t len, struct json_tok *tok, int ntok,
    int maxdepth, const char **err);
/* Index of the value of member key in object token obj, or -1. */
int json_obj_get(const char *s, const struct json_tok *tok, int obj,
    const char *key);
/* 1 if token i is a string equal to the (unescaped) literal lit. */
int json_str_eq(const char *s, const struct json_tok *tok, int i,
    const char *lit);
/* Unescape string token i into out (NUL-terminated).  Returns the length,
 * or -1 if i is not a string, contains U+0000, or does not fit. */
long json_get_str(const char *s, const struct json_tok *tok, int i,
    char *out, size_t cap);
/* Integral number token (3, -2, 3.0, 1e2) into *v: 0 ok, -1 otherwise. */
int json_get_int(const char *s, const struct json_tok *tok, int i,
    long long *v);
/* Python truthiness of token i: false, null, 0, "", [], {} are false. */
int json_truthy(const char *s, const struct json_tok *tok, int i);

/* Writer: appends to a caller buffer; on overflow sets ovf and stops. */
struct jw {
	char	*buf;
	size_t	 len, cap;
	int	 ovf;
};
void jw_init(struct jw *, char *buf, size_t cap);
void jw_raw(struct jw *, const char *s);		/* verbatim */
void jw_str(struct jw *, const char *s, size_t len);	/* "quoted" */
void jw_cstr(struct jw *, const char *s);		/* "quoted" or null */
void jw_int(struct jw *, long long v);
/* jw_raw(pre), then the value: for members, pre is `, "name": ` */
void jw_member_int(struct jw *, const char *pre, long long v);
void jw_member_str(struct jw *, const char *pre, const char *v);

/* ------------------------------------------------------------------ */
/* HTTP/1.1 (http.c): zero-copy head parsers; results point into buf. */

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* surrounding whitespace trimmed */
	size_t		 value_len;
};
struct http_msg {
	/* request line */
	const char	*method;
	size_t		 method_len;
	const char	*target;
	size_t		 target_len;
	/* status line */
	int		 status;
	const char	*reason;
	size_t		 reason_len;
	int		 minor;		/* HTTP/1.x */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t		 nheaders;
};
#define HTTP_INCOMPLETE		0
#define HTTP_BAD		(-1)	/* malformed: 400 */
#define HTTP_TOO_LARGE		(-2)	/* head > maxlen or too many lines: 431 */
/*
 * Parse a request (or response) head from (buf, len), considering at most
 * maxlen bytes.  Returns the head length including the final CRLF CRLF
 * (> 0), HTTP_INCOMPLETE, HTTP_BAD or HTTP_TOO_LARGE.  Bare LF line ends
 * are accepted; obsolete line folding is rejected.
 */
int http_parse_request(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m);
int http_parse_response(const char *buf, size_t len, size_t maxlen,
    struct http_msg *m);
/* First header named name (case-insensitive), or NULL. */
const struct http_header *http_header(const struct http_msg *m,
    const char *name);
/* 1 if the comma-separated value contains token tok (case-insensitive). */
int http_has_token(const char *v, size_t len, const char *tok);
/* Reason phrase for a status code ("Not Found"). */
const char *http_reason(int status);

/* URLs: scheme://[user[:pass]@]host[:port][/path][?query][#frag] */
struct url {
	char	 scheme[8];		/* lower case: "ws", "wss", "http".. */
	char	 host[256];		/* without brackets */
	int	 ipv6;			/* host was a bracketed literal */
	int	 port;			/* explicit or scheme default */
	int	 port_given;
	char	 path[URL_MAX];		/* path + "?query", "/" if empty */
	char	 user[CRED_MAX];
	char	 pass[CRED_MAX];
	int	 has_userinfo;
};
/* 0 on success, -1 if malformed (bad port, empty host, too long).
 * Default ports: http/ws 80, https/wss 443. */
int url_parse(const char *s, struct url *u);

/* ------------------------------------------------------------------ */
/* WebSocket (ws.c), RFC 6455 */

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xA
#define WS_HDR_MAX	14
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Sec-WebSocket-Accept for key: 28 chars + NUL into out. */
void ws_accept(const char *key, size_t keylen, char out[29]);
/* Frame header for a FIN frame of opcode and len; mask NULL = unmasked.
 * Returns the header length (2..14). */
size_t ws_frame_header(uint8_t *out, int opcode, uint64_t len,
    const uint8_t *mask);
/* XOR p[0..len) with mask, starting at mask phase (off & 3). */
void ws_mask(uint8_t *p, size_t len, const uint8_t mask[4], size_t off);

enum ws_ev_type {
	WS_EV_NONE,	/* bytes consumed, nothing to report */
	WS_EV_MESSAGE,	/* complete binary message: data, len */
	WS_EV_DROPPED,	/* a message over max was discarded */
	WS_EV_PING,	/* data, len: answer with a Pong */
	WS_EV_PONG,
	WS_EV_CLOSE,	/* code (0 if none), data/len = reason */
	WS_EV_ERROR	/* protocol error: close with code (1002/1003) */
};
struct ws_event {
	enum ws_ev_type	 type;
	const uint8_t	*data;	/* valid until the next ws_rx_feed call */
	size_t		 len;
	int		 code;
};
/*
 * Incremental receive side of one connection.  A complete unfragmented
 * frame in the input is reported in place (unmasked in the caller's
 * buffer, zero copy); fragments are gathered in frag (allocated on
 * first use, max bytes); a message over max is skipped without being
 * buffered.
 */
struct ws_rx {
	int		 expect_mask;	/* 1 on the server side */
	size_t		 max;		/* largest message accepted */
	/* state */
	int		 in_msg;	/* a fragmented message is open */
	int		 msg_op;
	int		 msg_drop;	/* the open message is over max */
	uint8_t		*frag;
	size_t		 frag_len;
	uint64_t	 skip;		/* payload bytes of the current frame
					 * still to stream (drop or gather) */
	uint8_t		 skip_mask[4];
	unsigned	 skip_phase;	/* mask phase of the next byte */
	int		 skip_fin;
	int		 closed;	/* sticky: error or close seen; then
					 * feed consumes nothing and reports
					 * WS_EV_ERROR with err again */
	int		 err;		/* 1002/1003; 1002 after a Close */
};
void ws_rx_init(struct ws_rx *, int expect_mask, size_t max);
void ws_rx_free(struct ws_rx *);
/*
 * Consume bytes from (buf, len) - which it may modify (unmasking) - and
 * report at most one event.  Returns the number of bytes consumed; 0
 * means a frame header or an in-place frame is incomplete: call again
 * with more bytes appended (the caller keeps the unconsumed tail).
 * A frame whose payload alone exceeds max never needs to be buffered
 * whole: it is consumed as it arrives.
 */
size_t ws_rx_feed(struct ws_rx *, uint8_t *buf, size_t len,
    struct ws_event *ev);

/* ------------------------------------------------------------------ */
/* Tap and netdev (tap_linux.c).  On failure these return -errno and
 * write a message in SPEC.md's words into err (e.g. "OSError: [Errno 16]
 * Device or resource busy", "ValueError: Invalid device name: x"). */

struct vnet;
/* Open tap device from template name (may hold %d; "" -> "tap%d"),
 * non-blocking, IFF_TAP|IFF_NO_PI, brought up.  Actual name into
 * ifname.  vnet NULL or *vnet 0: ordinary frames.  *vnet 1 asks for
 * IFF_VNET_HDR and the TSO/checksum offloads; it is left 2 with them,
 * 1 with the header but no offloads.  Returns the fd. */
int tap_open(const char *name, char ifname[IFNAME_MAX], int *vnet,
    char *err, size_t errlen);
/* One frame from a tap into buf: its length, or -errno (-EAGAIN).
 * vnet: the fd has the header, which goes into *vh. */
long tap_read(int fd, int vnet, uint8_t *buf, size_t cap, struct vnet *vh);
/* One frame to a tap or netdev socket (vh NULL: a zero header if
 * vnet): 0 or -1. */
int dev_write(int fd, int vnet, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* Open an AF_PACKET socket on interface name, promiscuous, with
 * PACKET_AUXDATA; *vnet 1 (vnet not NULL) asks for PACKET_VNET_HDR and
 * is left 0 without it.  Returns the fd. */
int netdev_open(const char *name, int *vnet, char *err, size_t errlen);
/* Receive one frame from a netdev socket into buf (cap >= MAX_FRAME +
 * 4): skips outgoing frames (returns 0), re-inserts a stripped VLAN tag.
 * vnet: the socket has PACKET_VNET_HDR; the header goes into *vh.
 * Returns the frame length, 0 to ignore, -EAGAIN, -EMSGSIZE (oversize,
 * consumed) or another -errno. */
long netdev_recv(int fd, int vnet, uint8_t *buf, size_t cap,
    struct vnet *vh);
/* setif: any of address/netmask may be NULL (unchanged); mtu 0 =
 * unchanged.  Returns 0, or -1 with err set ("ValueError: Bad IP
 * address", "OSError: [Errno 1] Operation not permitted"). */
int ifconf_set(const char *ifname, const char *address, const char *netmask,
    int mtu, char *err, size_t errlen);
/* Read IPv4 address and netmask ("" if none) and mtu of ifname. */
int ifconf_get(const char *ifname, char addr[16], char mask[16], int *mtu);

/* ------------------------------------------------------------------ */
/* Event loop (loop.c): one epoll instance, timers in a min-heap,
 * deferred work run after each dispatch round. */

struct ev_watcher {
	int		 fd;
	uint32_t	 events;	/* current epoll interest */
	void		(*cb)(struct ev_watcher *, uint32_t revents);
};
struct ev_timer {
	uint64_t	 when;		/* absolute, ew_now_ms() */
	long		 idx;		/* heap slot, -1 when not armed */
	void		(*cb)(struct ev_timer *);
};

int loop_init(void);
/* Watch fd; ERR/HUP are reported as IN|OUT.  0 or -1 (errno). */
int loop_add(struct ev_watcher *, int fd, uint32_t events);
/* Change interest; no syscall when unchanged. */
void loop_mod(struct ev_watcher *, uint32_t events);
/* Stop watching; events already fetched for it are dropped. */
void loop_del(struct ev_watcher *);
void timer_init(struct ev_timer *, void (*cb)(struct ev_timer *));
void timer_arm(struct ev_timer *, uint64_t delay_ms);
void timer_stop(struct ev_timer *);
/* Run fn once at the end of this dispatch round (before sleeping). */
void loop_idle(void (*fn)(void));
/* Dispatch until loop_stop(); returns 0, or -1 on epoll failure. */
int loop_run(void);
void loop_stop(void);

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

/* ------------------------------------------------------------------ */
/* FDB (fdb.c): open-addressing hash keyed (vid, mac) with a hard cap. */

struct fdb_entry {
	uint8_t		 mac[6];
	uint16_t	 vid;
	int		 port;		/* 0 = empty slot */
	uint64_t	 seen;		/* ms */
};
struct fdb {
	struct fdb_entry *tab;
	size_t		 mask;		/* table size - 1 */
	size_t		 n, max;
	uint64_t	 ageout;	/* ms */
	uint64_t	 full_drops;	/* learning refused: table full */
	uint64_t	 min_seen;	/* <= every entry's seen (sweep sets it) */
	uint64_t	 move_damped;	/* moves refused: MAC still fresh */
};
int fdb_init(struct fdb *, size_t max, uint64_t ageout_ms);
void fdb_free(struct fdb *);
/* Port of the live entry for (vid, mac), or 0. */
int fdb_lookup(struct fdb *, uint16_t vid, const uint8_t mac[6],
    uint64_t now);
/* Learn or refresh; returns 1 if new or moved, 0 if refreshed, -1 if
 * the table is full (even after a sweep). */
int fdb_learn(struct fdb *, uint16_t vid, const uint8_t mac[6], int port,
    uint64_t now);
/* Remove expired entries; cb (may be NULL) sees each one first. */
void fdb_sweep(struct fdb *, uint64_t now,
    void (*cb)(const struct fdb_entry *, const char *why));
/* Remove entries not refreshed in the last ms (topology change). */
void fdb_forget_older(struct fdb *, uint64_t now, uint64_t ms);
/* Remove every entry of port. */
void fdb_del_port(struct fdb *, int port,
    void (*cb)(const struct fdb_entry *, const char *why));
/* Copy live entries, sorted by vid then MAC, into a malloc'd array. */
size_t fdb_list(struct fdb *, uint64_t now, struct fdb_entry **out);

/* ------------------------------------------------------------------ */
/* TLS connections (tls.c): one BearSSL engine per connection. */

struct tls;
struct tls_creds;
struct tls_anchors;
struct tls *tls_server_new(const struct tls_creds *);
/* host: the URL host (SNI unless an IP literal; checked unless
 * insecure); pin: NULL or a 32-byte SPKI SHA-256. */
struct tls *tls_client_new(const struct tls_anchors *, const char *host,
    int insecure, const uint8_t *pin);
void tls_free(struct tls *);
/* Plaintext out: > 0 bytes, 0 on the peer's close, -1 with errno
 * (EAGAIN: wait for tls_interest(); EPROTO: see tls_error()). */
ssize_t tls_read(struct tls *, int fd, uint8_t *buf, size_t cap);
/* Plaintext in: bytes taken (> 0), or -1 with errno (EAGAIN). */
ssize_t tls_write(struct tls *, int fd, const uint8_t *buf, size_t len);
/* Seal what was written and send records: 0 all sent, -1 (EAGAIN). */
int tls_flush(struct tls *, int fd);
/* EPOLLIN / EPOLLOUT the engine wants now. */
uint32_t tls_interest(const struct tls *);
int tls_established(const struct tls *);
/* 1 while decrypted input waits to be read (epoll cannot see it). */
int tls_pending(const struct tls *);
int tls_error(const struct tls *);	/* br_ssl_engine_last_error() */
/* Send close_notify (best effort, never blocks). */
void tls_close(struct tls *, int fd);

/* ------------------------------------------------------------------ */
/* The switch daemon (sw.c, conn.c, rpc.c) */

struct sw_conf {
	int		 debug, foreground;
	long long	 ageout;		/* s */
	long long	 keepalive;		/* s, 0 = off */
	const char	*path, *ctlpath;
	const char	*host, *ctlhost;
	int		 port, ctlport;
	const char	*htpasswd, *ctlhtpasswd;
	const char	*sslkey, *sslcert, *ctlsslkey, *ctlsslcert;
	const char	*logconf, *pidfile;
	int		 syslog;
	long long	 stormlimit;		/* flooded frames/s per port */
	long long	 maxconn;		/* tunnel connections */
	long long	 ctlmaxconn;		/* control connections */
	long long	 queue;			/* tunnel tx queue, bytes */
	long long	 fdbmax;		/* FDB entries */
	int		 nooffload;		/* no IFF_VNET_HDR, no
						 * OFFLOAD_HEADER */
};
extern struct sw_conf conf;

enum port_kind { PORT_TAP, PORT_NETDEV, PORT_CLIENT, PORT_SERVER };

struct conn;
struct client;

/* A switch port.  Every kind meets the switch through switch_input()
 * (frames in) and port_output() (frames out). */
struct port {
	int		 no;		/* from 1, never reused */
	enum port_kind	 kind;
	char		 target[URL_MAX];
	int		 shut;
	int		 up;		/* tunnel connected / device usable */
	uint64_t	 rx, tx, rx_dropped, tx_dropped;
	/* tap, netdev */
	int		 fd;
	struct ev_watcher w;
	char		 ifname[IFNAME_MAX];
	/* tunnel */
	struct conn	*conn;		/* live connection, NULL while down */
	struct client	*cl;		/* client ports: reconnect state */
	int		 vnet;		/* tap, netdev: IFF_VNET_HDR /
					 * PACKET_VNET_HDR (see port_offload) */
	/* loop and storm protection */
	uint64_t	 up_since;	/* ms: last came up */
	int		 loop_blocked;
	int		 probe_soon;	/* came up: probe out of it shortly */
	uint64_t	 loop_seen;	/* ms: our probe last crossed it */
	uint64_t	 loop_blocks;	/* times blocked */
	uint64_t	 storm_tokens;	/* flooded frames it may still send */
	uint64_t	 storm_last;	/* ms: last refill */
	uint64_t	 storm_dropped;
	struct port	*grave_next;	/* deleted, awaiting the free */
};

/* sw.c: the port table and the switch */
extern struct fdb fdb;
extern struct htpasswd *sw_auth, *sw_ctlauth;	/* NULL: no auth */
extern struct tls_creds *sw_creds, *sw_ctlcreds; /* NULL: plain TCP */
#define TLS_SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"
struct port *port_find(int no);
/* Iterate in ascending order: for (i = 0; (p = port_at(i)); i++). */
struct port *port_at(size_t i);
struct port *port_new(enum port_kind kind, const char *target);
/* Remove from the table and release; tunnels get Close code. */
void port_delete(struct port *, int close_code);
void port_set_up(struct port *, int up);
/* vh: the frame's offload metadata (struct vnet), or NULL. */
void switch_input(struct port *, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* 1 if the port takes struct vnet metadata and super-frames: a vnet
 * tap or netdev socket, or a tunnel that agreed on OFFLOAD_HEADER. */
int port_offload(const struct port *);
/* Send without counting (control frames): 0, or -1 if not sent. */
int port_send(struct port *, const uint8_t *frame, size_t len);

/* probe.c: loop detection */
extern uint64_t sw_id;
void probe_init(void);
void probe_port_up(struct port *);
int probe_is(const uint8_t *frame, size_t len);
/* 1 if the probe was ours (consumed), 0 to flood it without learning. */
int probe_input(struct port *, const uint8_t *frame, size_t len);
/* 1 while the port is blocked by a loop (unblocks after the hold). */
int probe_blocked(struct port *, uint64_t now);
/* tap/netdev add for addPort: returns the port or NULL with err set. */
struct port *port_add_dev(enum port_kind, const char *target, char *err,
    size_t errlen);
void sw_shutdown(void);

/* listen.c, conn.c: listeners and connections */
int listeners_open(char *err, size_t errlen);
/* The WebSocket is open (m: the client's request, or the 101 it got):
 * offload if m has OFFLOAD_HEADER and we offer it; the receiver sized
 * for it.  m must still point at its bytes. */
void conn_ws_open(struct conn *, const struct http_msg *m, int server);
/* Queue a frame for a tunnel port: 0, or -1 when the queue is full. */
int conn_send_frame(struct conn *, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* The same for the switches' own control frames (loop probes): into the
 * OUT_CTRL_SLACK past the queue, as Pongs, so a full queue keeps them. */
int conn_send_ctrl_frame(struct conn *, const uint8_t *frame, size_t len);
/* Start the WebSocket close handshake (port already detached). */
void conn_close(struct conn *, int code);
size_t conn_count(void);
/* Client ports: */
struct client *client_new(const char *url, const char *user,
    const char *pass, const char *cacerts, int insecure, const char *pin,
    char *err, size_t errlen);
/* First attempt for addPort: the reply goes to ctl connection waiter. */
void client_start(struct client *, struct conn *waiter, const char *id,
    size_t idlen);
void client_free(struct client *);
/* Control replies (body is a complete JSON document). */
void ctl_reply(struct conn *, const char *body, size_t len);

/* rpc.c: JSON-RPC 2.0 control methods */
void rpc_request(struct conn *, const char *body, size_t len);
/* Finish an addPort of a client: port != NULL on success, else err. */
void rpc_client_done(struct conn *waiter, const char *id, size_t idlen,
    struct port *, const char *err);

/* ------------------------------------------------------------------ */
/* Basic auth (auth.c) */

#define HTPASSWD_MAX_SIZE	(1024 * 1024)	/* file bytes; over = failure */
#define HTPASSWD_MAX_ENTRIES	16384		/* {SHA} lines; over = failure */

struct htpasswd;	/* opaque */
/*
 * Load path (made absolute by the caller; copied).  Returns NULL with
 * err filled ("IOError: [Errno 2] No such file or directory: '/x'") if
 * it cannot be opened, locked or read.  Free with htpasswd_free.
 */
struct htpasswd *htpasswd_open(const char *path, char *err, size_t errlen);
void htpasswd_free(struct htpasswd *);
/*
 * Check an Authorization header value (value, len): "Basic <b64>",
 * scheme case-insensitive.  Returns 1 if user:password matches a {SHA}
 * entry, 0 otherwise (missing/bad header, unknown user, wrong password,
 * user or password of CRED_MAX bytes or more, or the file could not be
 * re-read).  Re-reads the file first when its inode, device or mtime
 * changed, under flock(LOCK_SH|LOCK_NB); a lock or read failure fails
 * this check.  value need not be NUL-terminated.
 */
int htpasswd_check(struct htpasswd *, const char *value, size_t len);
/* Build "Basic base64(user:pass)" into out (NUL-terminated); returns the
 * length, or -1 if it does not fit (or user/pass reach CRED_MAX). */
long basic_auth_header(char *out, size_t cap, const char *user,
    const char *pass);

/* ------------------------------------------------------------------ */
/* Name resolution (dns.c): numeric addresses, /etc/hosts, then DNS over
 * UDP to the nameservers of /etc/resolv.conf; no libc resolver, no
 * child.  Errors are getaddrinfo's codes, which Python prints
 * ("gaierror: [Errno -2] Name or service not known"): ew_gai_strerror. */

#include <sys/socket.h>

#define DNS_ENONAME	(-2)	/* EAI_NONAME: no such name */
#define DNS_EAGAIN	(-3)	/* EAI_AGAIN: no answer, SERVFAIL, ... */
#define DNS_ENODATA	(-5)	/* EAI_NODATA: the name has no address */
#define DNS_EMEMORY	(-10)	/* EAI_MEMORY */
/* dns_answer's outcomes besides an address count (>= 0; 0 = NODATA) */
#define DNS_R_IGNORE	(-1)	/* not the answer to our query: drop it */
#define DNS_R_NXDOMAIN	(-2)	/* RCODE 3 */
#define DNS_R_FAIL	(-3)	/* other RCODE, malformed, truncated */

struct dns_addr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 a[16];		/* 4 or 16 bytes, network order */
};
struct dns_conf {
	struct dns_addr	 ns[DNS_MAX_NS];
	int		 nns;		/* >= 1 once fed to eof */
	int		 timeout_s, attempts, ndots;
	char		 search[DNS_SEARCH_LEN]; /* NUL-ended, back to back */
	int		 nsearch;
	size_t		 searchlen;
};
struct dns_req;		/* one lookup on the event loop */

/* The files read and the nameservers' port: tests point them elsewhere. */
extern const char *dns_hosts_path, *dns_resolv_path;
extern uint16_t dns_port;

/* An IPv6 literal or an IPv4 one in inet_aton's forms: 1 and *a, or 0. */
int dns_numeric(const char *host, struct dns_addr *a);
/* *a with port as a sockaddr in *ss: its length. */
socklen_t dns_sockaddr(const struct dns_addr *a, int port,
    struct sockaddr_storage *ss);
/*
 * Incremental line parsers: consume the complete lines of (text, len) -
 * and a last unterminated one when eof - and return the bytes used; the
 * caller keeps the rest for the next call.  Lines may hold any bytes.
 * dns_hosts_feed appends the address of each line listing name (ASCII
 * case ignored, a final dot ignored) to out[*n..max).  dns_conf_feed
 * reads resolv.conf lines into *c (dns_conf_init first); at eof a
 * configuration without a nameserver gets 127.0.0.1.
 */
size_t dns_hosts_feed(const char *text, size_t len, int eof,
    const char *name, struct dns_addr *out, int max, int *n);
void dns_conf_init(struct dns_conf *c);
size_t dns_conf_feed(struct dns_conf *c, const char *text, size_t len,
    int eof);
/* An RFC 1035 query for (name, qtype: 1 A, 28 AAAA) with id and RD into
 * buf (cap >= 12 + DNS_WIRE_MAX + 4): its length, or -1 for a name we
 * do not send (empty label, over DNS_NAME_MAX, a byte outside letters,
 * digits, '-', '_' and >= 0x80). */
long dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    int qtype);
/*
 * The response (msg, len) to the query dns_query made of (id, name,
 * qtype): the addresses at the end of its CNAME chain into out[0..max)
 * and their count (0: the name has none of that type), or DNS_R_*.
 * Reads nothing outside msg[0..len).
 */
int dns_answer(const uint8_t *msg, size_t len, uint16_t id,
    const char *name, int qtype, struct dns_addr *out, int max);
/*
 * Resolves name on the event loop, within timeout_ms (0: resolv.conf's
 * tries alone).  Returns n > 0 with out[0..n) filled at once (numeric,
 * hosts, localhost), a DNS_E* code at once, or 0: pending, *rp set;
 * then, once, from the loop: cb(arg, 0, addrs, n) with n > 0, or
 * cb(arg, DNS_E*, addrs, 0).  By then the lookup is over: the caller
 * forgets *rp and must not cancel it; addrs are valid during cb only.
 * out: max >= 1 slots.  Addresses: A before AAAA, DNS_MAX_ADDRS at most.
 */
int dns_start(struct dns_req **rp, const char *name, uint64_t timeout_ms,
    void (*cb)(void *arg, int rc, const struct dns_addr *addrs, int n),
    void *arg, struct dns_addr *out, int max);
/* Abandons a pending lookup: no callback, nothing stays registered.
 * NULL is fine. */
void dns_cancel(struct dns_req *);
/* Blocking: n > 0 addresses into out, or DNS_E*; gives up at deadline
 * (ew_now_ms(); 0: resolv.conf's tries alone) with DNS_EAGAIN. */
int dns_resolve(const char *name, uint64_t deadline, struct dns_addr *out,
    int max);

/* ------------------------------------------------------------------ */
/* Offload (gso.c).  On a tap opened with IFF_VNET_HDR, and between two
 * of our switches that agreed on it in the handshake (OFFLOAD_HEADER),
 * a frame travels with a virtio_net_hdr: it may be a TCP super-frame of
 * up to MAX_FRAME bytes (TSO/GSO), or carry a checksum still to be
 * completed.  A port without offload gets ordinary frames, made here:
 * the checksum completed, the super-frame cut into gso_size segments. */

#define VNET_HDR_LEN		10	/* struct virtio_net_hdr */
#define VNET_F_NEEDS_CSUM	1	/* csum_start/csum_offset valid */
#define VNET_F_DATA_VALID	2	/* checksum known good (dropped) */
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_TCPV6		4
#define VNET_GSO_ECN		0x80	/* flag: the first segment may
					 * carry CWR */
#define GSO_MIN_MSS		88	/* smallest gso_size taken (Linux's
					 * TCP_MIN_MSS): bounds the segments
					 * one message can become */
#define OFFLOAD_HEADER		"X-Etherws-Offload"
#define OFFLOAD_TOKEN		"vnet1"	/* messages: LE virtio_net_hdr +
					 * frame */
#define OFFLOAD_LINE		OFFLOAD_HEADER ": " OFFLOAD_TOKEN "\r\n"

struct vnet {			/* host byte order */
	uint8_t		 flags;		/* VNET_F_* */
	uint8_t		 gso_type;	/* VNET_GSO_*, | VNET_GSO_ECN */
	uint16_t	 hdr_len;	/* a hint: L2..L4 header bytes */
	uint16_t	 gso_size;	/* payload bytes per segment */
	uint16_t	 csum_start;	/* from the frame's first byte */
	uint16_t	 csum_offset;	/* of the field, from csum_start */
};

/* The wire form: 10 bytes, little-endian (virtio 1.0). */
void vnet_decode(struct vnet *, const uint8_t in[VNET_HDR_LEN]);
void vnet_encode(uint8_t out[VNET_HDR_LEN], const struct vnet *);
/* 1 if a port without offload can take the frame as it is: vh NULL,
 * or no checksum to complete and no segmentation. */
int vnet_plain(const struct vnet *vh);
/*
 * 0 if vh describes frame (len bytes) so that gso_segment will make
 * ordinary frames of it, -1 if not: a frame under MIN_FRAME or over
 * MAX_FRAME bytes (also with vh NULL), flags or gso_type unknown, hdr_len
 * over len, a checksum field outside the frame, or for GSO a frame that
 * is not TCP in IPv4 (no fragment) or IPv6 (TCP the first next header)
 * after at most one 802.1Q tag, of the type gso_type says, with the IP
 * length matching len, gso_size < GSO_MIN_MSS, or a segment (headers +
 * gso_size) over MAX_FRAME.
 */
int vnet_check(const struct vnet *vh, const uint8_t *frame, size_t len);
/*
 * Ordinary frames from a frame that passed vnet_check: without GSO the
 * frame with its checksum completed (if NEEDS_CSUM), else each segment
 * of gso_size payload bytes (the last may be shorter) with the headers
 * copied and fixed: IPv4 total length, id + i and header checksum, IPv6
 * payload length, TCP sequence number, FIN and PSH only on the last,
 * CWR only on the first, and the TCP checksum computed in full.  Each
 * is built in buf (cap >= MAX_FRAME, not overlapping frame) and passed
 * to out before the next is built; a frame with no checksum to complete
 * and no GSO is passed as it is (seg == frame).  Returns the number
 * passed, or -1 (nothing passed) if vnet_check fails.
 */
int gso_segment(const struct vnet *vh, const uint8_t *frame, size_t len,
    uint8_t *buf, void (*out)(void *arg, const uint8_t *seg, size_t len),
    void *arg);
/* The Internet checksum (RFC 1071): the one's complement sum of
 * (p, len) added to sum, folded to 16 bits, not complemented. */
uint16_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t len);

/* ------------------------------------------------------------------ */
/* Connections (conn.c, client.c): the state both files share.  Other
 * modules see only struct port and the functions above. */

#include <sys/socket.h>

#define IN_START	16384		/* first receive buffer */
#define IN_MAX_WS	(MAX_FRAME + VNET_HDR_LEN + WS_HDR_MAX + 2)
#define IN_MAX_CTL	(HTTP_MAX_HEADER + CTL_MAX_BODY)
#define OUT_CTRL_SLACK	65536		/* control frames past the cap */
#define DNS_MAX_ADDRS	16

enum conn_state {
	CS_RESOLVE,	/* client: waiting for the name lookup (dns.c) */
	CS_CONNECT,	/* client: TCP connect in progress */
	CS_PROXY,	/* client: CONNECT sent, reading the proxy's answer */
	CS_HRESP,	/* client: upgrade sent, reading the response */
	CS_REQ,		/* accepted: reading a request head */
	CS_BODY,	/* accepted: reading a control request body */
	CS_RPC,		/* control: a method is still running */
	CS_WS,		/* WebSocket open */
	CS_CLOSING,	/* our Close sent: waiting for theirs or EOF */
	CS_LINGER	/* flushing a last reply, then EOF, then close */
};

struct conn {
	struct ev_watcher w;
	int		 ctl;		/* counted as a control connection */
	enum conn_state	 state;
	int		 client;	/* we connected (else accepted) */
	struct listener	*ls;
	uint8_t		*in;		/* received, not yet consumed */
	size_t		 inlen, incap, inmax;
	uint8_t		*out;		/* to send: out[outoff..outlen) */
	size_t		 outoff, outlen, outcap;
	struct ws_rx	 rx;
	struct tls	*tls;		/* NULL for plain TCP */
	int		 offload;	/* messages: virtio_net_hdr + frame */
	struct port	*port;		/* NULL until upgraded / detached */
	struct client	*cl;		/* client attempt owner */
	struct client	*awaiting;	/* control: addPort in progress */
	struct ev_timer	 tmo;		/* handshake / close deadline */
	struct ev_timer	 ka;		/* client keepalive */
	uint64_t	 last_rx;
	int		 ping_out;
	int		 eof_after;	/* close once out drains (CS_LINGER) */
	int		 dead;
	size_t		 head_len, body_len;
	char		 peer[64];	/* "ip:port" / "[ip]:port" */
	char		 peerip[48];
	/* client attempt */
	struct dns_req	*dns;		/* the name lookup, or NULL */
	struct sockaddr_storage addrs[DNS_MAX_ADDRS];
	int		 naddrs, addri;
	char		 key[32];	/* our Sec-WebSocket-Key */
	char		 err[640];	/* why the attempt failed */
	struct conn	*next, *prev;	/* all live connections */
	struct conn	*dirty_next;
	int		 dirty;
};

struct client {
	char		 url[URL_MAX];
	struct url	 u;
	char		 user[CRED_MAX], pass[CRED_MAX];
	char		 cacerts[1024];
	int		 insecure;
	int		 tls;		/* wss:// */
	char		 proxy[URL_MAX];	/* proxy URL as given, or "" */
	char		 proxy_host[256];
	int		 proxy_port;
	char		 proxy_auth[BASE64_ENC_LEN(2 * CRED_MAX) + 8];
	struct tls_anchors *anchors;	/* own file, or the shared bundle */
	int		 own_anchors;
	uint8_t		 pin[32];
	int		 has_pin;
	struct port	*port;		/* NULL until the first success */
	struct conn	*conn;		/* attempt or connection */
	struct conn	*waiter;	/* control connection to answer */
	char		*id;		/* JSON-RPC id text for the answer */
	size_t		 idlen;
	int		 attempt;	/* failures since the last success */
	struct ev_timer	 retry;
};

struct listener {
	struct ev_watcher w;
	int		 ws, ctl;	/* endpoints served */
	const struct tls_creds *creds;	/* TLS listener, or NULL */
	struct ev_timer	 pause;		/* accept() out of fds: retry later */
	struct listener	*next;
};

/* conn.c */
/* Accepted tunnel connections at most, besides --maxconn: listen.c
 * lowers it to fit RLIMIT_NOFILE. */
extern size_t conn_tun_cap;
/* ctl: counted against --ctlmaxconn, else --maxconn; NULL at the cap. */
struct conn *conn_new(int fd, int client, int ctl);
void conn_free(struct conn *);
void conn_lost(struct conn *);
void conn_flush(struct conn *);
void conn_update(struct conn *);
int out_append(struct conn *, const void *p, size_t len);
void in_consume(struct conn *, size_t n);
void ws_process(struct conn *);
/* listen.c */
void sock_tune(int fd);
void addr_text(const struct sockaddr *, char *ip, size_t iplen, char *full,
    size_t fulllen);
/* client.c */
void client_dns_stop(struct conn *);
void client_connect_done(struct conn *);
void client_hresp(struct conn *);
void client_proxy_reply(struct conn *);
/* In a client attempt, before the WebSocket is open. */
static inline int
conn_attempting(const struct conn *c)
{
	return c->cl != NULL && c->port == NULL;
}
void client_failed(struct client *, const char *err);
void client_schedule(struct client *);

/* ------------------------------------------------------------------ */
/* TLS certificates (SPEC.md 9): PEM files into server credentials or
 * trust anchors (pem.c), and the X.509 engine of a client connection
 * with its name, IP and pin checks (x509.c). */

#define TLS_FILE_MAX		(4 * 1024 * 1024) /* PEM file bytes */
#define TLS_DN_MAX		4096	/* an anchor's subject DN, bytes */
#define TLS_LEAF_MAX		16384	/* server leaf certificate, bytes */
/* Our end_chain verdicts, on values of BearSSL's X.509 range (32..63)
 * that BearSSL 0.6 leaves unused.  A DNS name mismatch (our check) is
 * BR_ERR_X509_BAD_SERVER_NAME; a certificate over TLS_LEAF_MAX is
 * BR_ERR_X509_LIMIT_EXCEEDED. */
#define TLS_ERR_PIN_MISMATCH	61	/* leaf SPKI SHA-256 != pin */
#define TLS_ERR_IP_MISMATCH	63	/* IP literal not in iPAddress SANs */

/*
 * The public-key code we link, the same for every use (pem.c): generic
 * i31 arithmetic for the NIST curves and RSA, i31 Curve25519.  BearSSL's
 * defaults add a dedicated P-256 (8 KB), Curve25519 m31 and 62-bit RSA
 * that only make the rare handshake faster; the bulk cipher is what a
 * tunnel spends its time in (tls.c picks it by CPU).
 */
const br_ec_impl *tls_ec(void);
#define tls_rsa_private()	br_rsa_i31_private
#define tls_rsa_sign()		br_rsa_i31_pkcs1_sign
#define tls_rsa_vrfy()		br_rsa_i31_pkcs1_vrfy
#define tls_rsa_modulus()	br_rsa_i31_compute_modulus
#define tls_ecdsa_sign()	br_ecdsa_i31_sign_asn1
#define tls_ecdsa_vrfy()	br_ecdsa_i31_vrfy_asn1

/* Server credentials: chain (leaf first) and private key, loaded once. */
struct tls_creds {
	br_x509_certificate	*chain;
	size_t			 chain_len;
	int			 key_type;	/* BR_KEYTYPE_RSA or _EC */
	br_rsa_private_key	 rsa;		/* deep copies */
	br_ec_private_key	 ec;
	int			 issuer_key_type; /* the leaf's signer key
						   * type (init_full_ec) */
};
/*
 * Load a PEM private key (RSA, EC or PKCS#8; the first one found) and a
 * PEM chain (every CERTIFICATE in order, leaf first).  keyfile and
 * certfile may be the same file; other blocks are skipped; CRLF and a
 * missing final newline are fine.  The key must match the leaf.
 * 0, or -1 with err: "SSLError: <what>: <file>" (no private key,
 * encrypted private key not supported, no certificate, bad PEM, private
 * key does not match certificate...) or "IOError: [Errno N] ...: '<file>'".
 */
int tls_creds_load(struct tls_creds *, const char *keyfile,
    const char *certfile, char *err, size_t errlen);
void tls_creds_free(struct tls_creds *);

struct tls_anchors {
	br_x509_trust_anchor	*ta;
	size_t			 n;
};
/* Every CERTIFICATE of file as a trust anchor (BR_X509_TA_CA when the
 * certificate says CA; a non-CA one is trusted directly, e.g. a
 * self-signed server certificate); certificates with a key type BearSSL
 * cannot use are skipped.  0, or -1 with err as above. */
int tls_anchors_load(struct tls_anchors *, const char *file, char *err,
    size_t errlen);
void tls_anchors_free(struct tls_anchors *);

/*
 * The X.509 engine of one client connection: wraps br_x509_minimal for
 * the chain (anchors, signatures, dates) and checks the name and pin
 * itself on a copy of the leaf.  Setup, after br_ssl_client_init_full
 * (which may be given &x->minimal):
 *	tls_x509_init(x, anchors, host, insecure, pin);
 *	br_ssl_engine_set_x509(&cc->eng, &x->vtable);
 *	br_ssl_client_reset(cc, <host, or NULL for an IP literal>, 0);
 * The name checked is server_name, whatever BearSSL passes along.
 */
struct tls_x509 {
	const br_x509_class	*vtable;	/* first: BearSSL calls it */
	br_x509_minimal_context	 minimal;
	int			 insecure;
	int			 has_pin;
	uint8_t			 pin[32];
	char			 name[256];	/* DNS name, "" = none */
	int			 name_bad;	/* unusable: never matches */
	uint8_t			 ip[16];	/* IP literal ... */
	size_t			 iplen;		/* ... 4 or 16; 0 = DNS */
	/* per chain */
	const char		*chain_name;	/* DNS name checked, or NULL */
	uint32_t		 ncerts;
	size_t			 leaf_want, leaf_len;
	int			 leaf_over;	/* leaf over TLS_LEAF_MAX */
	int			 err;		/* our end_chain verdict */
	int			 use_dec;	/* insecure: key in dec */
	uint8_t			 leaf[TLS_LEAF_MAX];
	br_x509_decoder_context	 dec;		/* insecure: leaf decoder */
};
/*
 * anchors may be NULL only when insecure.  server_name: the URL host
 * (brackets allowed).  An IPv4/IPv6 literal is matched byte-exact
 * against iPAddress SANs; a DNS name against dNSName SANs (ASCII case
 * ignored, '*' only as a whole left-most label over at least two more
 * labels), the subject CN only when there is no dNSName SAN.  pin: NULL
 * or the SHA-256 of the leaf's SubjectPublicKeyInfo DER, checked on top
 * of everything else, or alone when insecure.  insecure without pin: no
 * checks at all; the leaf's key is used with usages KEYX|SIGN.
 */
void tls_x509_init(struct tls_x509 *, const struct tls_anchors *,
    const char *server_name, int insecure, const uint8_t *pin);
/* A message a person understands for a br_ssl_engine_last_error() value
 * (ours included): "certificate verify failed: unknown CA", "...:
 * hostname mismatch", "peer sent alert 48 (unknown CA)", "handshake
 * failed: BearSSL error N"...  Static storage, which the next call may
 * reuse. */
const char *tls_strerror(int err);
/* Parse "sha256//<44 base64 chars>" into out: 0, or -1. */
int tls_pin_parse(const char *s, uint8_t out[32]);

/* ------------------------------------------------------------------ */
/* The ctl client: command line, requests and reply tables (ctl.c); the
 * password prompt and the HTTP/HTTPS exchange (ctl_io.c).  Private to
 * these two files.  Prefix cli_: the switch's control endpoint owns
 * ctl_. */

#define CLI_ERRLEN	512
#define CLI_INTERNAL	(-32603)	/* code of our "Internal error" lines */

/* Exit statuses, and CLI_GO for "carry on: no exit status yet". */
#define CLI_OK		0
#define CLI_RUNTIME	1	/* error reply, transport, prompt EOF */
#define CLI_USAGE	2	/* usage error, failed client-side check */
#define CLI_GO		(-1)

/* Global options. */
struct cli_args {
	const char	*url;
	const char	*user;		/* NULL: no Authorization */
	const char	*passwd;	/* NULL: prompt */
	const char	*sslcert;
	int		 insecure;
};

/* One connection to the control URL, plain or TLS; its own deadline. */
struct cli_io {
	int		 fd;
	uint64_t	 deadline;	/* ew_now_ms() */
	struct tls	*tls;		/* https: the BearSSL client */
	struct tls_anchors ta;		/* its trust anchors */
	/* >0 bytes, 0 EOF (read only), -1 with err set */
	long		(*read)(struct cli_io *, void *, size_t);
	long		(*write)(struct cli_io *, const void *, size_t);
	void		(*close)(struct cli_io *);
	char		 err[CLI_ERRLEN];	/* Internal error data */
};

/* Prompt for a password into buf (/dev/tty without echo, else a line
 * from stdin): 0, or an exit status after printing why. */
int cli_prompt(const char *prompt, char *buf, size_t cap);
/* Replace control characters, which a server should never send. */
void cli_sanitize(char *s);
/* One request/response exchange with a->url (auth: an Authorization
 * value or NULL; body of len bytes).  0 with the reply body in *reply
 * (malloc'd, NUL-terminated; the caller frees it), or -1 with io->err
 * set.  No connection is left open. */
int cli_exchange(struct cli_io *io, const struct cli_args *a,
    const char *auth, const char *body, size_t len, char **reply,
    size_t *replylen);

/* ------------------------------------------------------------------ */
/* Sub-commands */
int sw_main(int argc, char **argv);	/* sw.c */
int ctl_main(int argc, char **argv);	/* ctl.c */

#endif /* ETHERWS_H */
