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

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

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
#define PORT_QUEUE_MAX		(1024 * 1024) /* tunnel tx queue, bytes */
#define FDB_MAX			8192	/* FDB entries */
#define FDB_SWEEP_MS		10000	/* FDB sweep period */
#define JSON_MAX_DEPTH		32	/* nesting of arrays/objects */
#define JSON_MAX_TOKENS		4096	/* tokens in one control request */
#define MAX_CONNS		4096	/* accepted connections (all listeners) */
#define URL_MAX			1024	/* client URL / target text */
#define CRED_MAX		256	/* user or password */
#define IFNAME_MAX		16	/* IFNAMSIZ incl. NUL */
#define BACKOFF_MAX_S		60	/* client reconnect backoff ceiling */
#define RX_BUDGET		64	/* reads per fd per loop iteration */

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

/* Case-insensitive compare of (a, alen) with NUL-terminated b. */
int ew_strcaseeq(const char *a, size_t alen, const char *b);
/* Constant-time compare of two equal-length buffers: 1 if equal. */
int ew_ct_eq(const void *a, const void *b, size_t len);
/* Fill buf with len unpredictable bytes (getrandom, /dev/urandom). */
void ew_random(void *buf, size_t len);
/* Monotonic milliseconds. */
uint64_t ew_now_ms(void);
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
/* Logging (log.c) */

#define EW_LOG_DEBUG	10
#define EW_LOG_INFO	20
#define EW_LOG_WARNING	30
#define EW_LOG_ERROR	40

extern int log_level;
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define log_debug(...) do { if (log_level <= EW_LOG_DEBUG) \
	log_msg(EW_LOG_DEBUG, __VA_ARGS__); } while (0)

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
	uint64_t	 skip;		/* payload bytes still to skip */
	uint8_t		 skip_mask[4];
	int		 skip_fin;
	int		 closed;	/* sticky: error or close seen */
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

/* Open tap device from template name (may hold %d; "" -> "tap%d"),
 * non-blocking, IFF_TAP|IFF_NO_PI, brought up.  Actual name into
 * ifname.  Returns the fd. */
int tap_open(const char *name, char ifname[IFNAME_MAX], char *err,
    size_t errlen);
/* Open an AF_PACKET socket on interface name, promiscuous, with
 * PACKET_AUXDATA.  Returns the fd. */
int netdev_open(const char *name, char *err, size_t errlen);
/* Receive one frame from a netdev socket into buf (cap >= MAX_FRAME +
 * 4): skips outgoing frames (returns 0), re-inserts a stripped VLAN tag.
 * Returns the frame length, 0 to ignore, -EAGAIN, -EMSGSIZE (oversize,
 * consumed) or another -errno. */
long netdev_recv(int fd, uint8_t *buf, size_t cap);
/* setif: any of address/netmask may be NULL (unchanged); mtu 0 =
 * unchanged.  Returns 0, or -1 with err set ("ValueError: Bad IP
 * address", "OSError: [Errno 1] Operation not permitted"). */
int ifconf_set(const char *ifname, const char *address, const char *netmask,
    int mtu, char *err, size_t errlen);
/* Read IPv4 address and netmask ("" if none) and mtu of ifname. */
int ifconf_get(const char *ifname, char addr[16], char mask[16], int *mtu);

/* ------------------------------------------------------------------ */
/* Sub-commands */
int sw_main(int argc, char **argv);	/* sw.c */
int ctl_main(int argc, char **argv);	/* ctl.c */

#endif /* ETHERWS_H */
