/*
 * conn.c - tunnel and control connections: listeners, accepted HTTP
 * requests (routed to the WebSocket or the control endpoint), client
 * attempts (resolve, connect, upgrade), the open WebSocket and the close
 * handshake.
 *
 * One entry point per connection (conn_io) runs the layers in order;
 * epoll interest is derived from state after every step; a failing
 * connection is closed and the daemon goes on.  Connections are freed
 * after the dispatch round (conn_reap), never inside their callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "etherws.h"

static struct conn	*conns;
static size_t		 nconns, nctl, ntun;	/* all, control, accepted tunnel */
static struct conn	*dirty_head;
static struct conn	*graveyard;
size_t			 conn_tun_cap = SIZE_MAX;

static void conn_io(struct ev_watcher *, uint32_t);

size_t
conn_count(void)
{
	return nconns;
}

/* ------------------------------------------------------------------ */
/* Buffers */

static int
out_reserve(struct conn *c, size_t need, size_t cap)
{
	uint8_t *n;
	size_t size;

	if (c->outcap - c->outlen >= need)
		return 0;
	if (c->outoff > 0) {	/* compact before growing */
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
		if (c->outcap - c->outlen >= need)
			return 0;
	}
	if (c->outlen + need > cap)
		return -1;
	size = c->outcap ? c->outcap : 4096;
	while (size < c->outlen + need)
		size *= 2;
	if (size > cap)
		size = cap;
	n = realloc(c->out, size);
	if (n == NULL)
		return -1;
	c->out = n;
	c->outcap = size;
	return 0;
}

static void
mark_dirty(struct conn *c);

int
out_append(struct conn *c, const void *p, size_t len)
{
	if (out_reserve(c, len, (size_t)conf.queue + OUT_CTRL_SLACK) < 0)
		return -1;
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	mark_dirty(c);
	return 0;
}

static int
in_grow(struct conn *c)
{
	uint8_t *n;
	size_t size;

	if (c->incap >= c->inmax)
		return -1;
	size = c->incap ? c->incap * 2 : IN_START;
	if (size > c->inmax)
		size = c->inmax;
	n = realloc(c->in, size);
	if (n == NULL)
		return -1;
	c->in = n;
	c->incap = size;
	return 0;
}

void
in_consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/* ------------------------------------------------------------------ */
/* Life cycle */

static void
tmo_cb(struct ev_timer *t);
static void
ka_cb(struct ev_timer *t);

struct conn *
conn_new(int fd, int client, int ctl)
{
	struct conn *c;

	/* Control connections have their own cap, so a flood of tunnel
	 * connections cannot lock the operator out (and vice versa). */
	/* Client attempts are the operator's own ports: never capped, so a
	 * flood on the tunnel listener cannot stop them reconnecting. */
	if (ctl ? nctl >= (size_t)conf.ctlmaxconn : !client &&
	    (ntun >= (size_t)conf.maxconn || ntun >= conn_tun_cap)) {
		log_msg_rl(EW_LOG_WARNING, ctl ? "ctlmaxconn" : "maxconn",
		    "connection refused: %s connections at the limit (%lld)",
		    ctl ? "control" : "tunnel",
		    ctl ? conf.ctlmaxconn : conf.maxconn);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ctl = ctl;
	c->w.fd = -1;
	c->w.cb = conn_io;
	c->client = client;
	c->inmax = IN_MAX_WS;
	timer_init(&c->tmo, tmo_cb);
	timer_init(&c->ka, ka_cb);
	if (fd >= 0 && loop_add(&c->w, fd, EPOLLIN) < 0) {
		free(c);
		return NULL;
	}
	c->next = conns;
	if (conns != NULL)
		conns->prev = c;
	conns = c;
	nconns++;
	nctl += ctl != 0;
	ntun += !ctl && !client;
	return c;
}

static void flush_dirty(void);

static void
conn_reap(void)
{
	struct conn *c;

	/* Idle hooks run in the order they were first asked for: drain
	 * the dirty list (it skips the dead) before freeing any of them. */
	flush_dirty();
	while ((c = graveyard) != NULL) {
		graveyard = c->next;
		ws_rx_free(&c->rx);
		tls_free(c->tls);
		free(c->in);
		free(c->out);
		free(c);
	}
}

/* Release everything now; free the memory after this round. */
void
conn_free(struct conn *c)
{
	int fd = c->w.fd;

	if (c->dead)
		return;
	c->dead = 1;
	if (fd >= 0) {
		loop_del(&c->w);
		close(fd);
	}
	client_dns_stop(c);
	timer_stop(&c->tmo);
	timer_stop(&c->ka);
	if (c->awaiting != NULL)
		c->awaiting->waiter = NULL;
	if (c->cl != NULL && c->cl->conn == c)
		c->cl->conn = NULL;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nconns--;
	nctl -= c->ctl != 0;
	ntun -= !c->ctl && !c->client;
	c->next = graveyard;
	graveyard = c;
	loop_idle(conn_reap);
}

/* The connection of a port is gone: the port follows its kind's rule. */
void
conn_lost(struct conn *c)
{
	struct port *p = c->port;
	struct client *cl;

	if (p == NULL)
		return;
	c->port = NULL;
	p->conn = NULL;
	if (p->kind == PORT_SERVER) {
		log_msg_rl(EW_LOG_INFO, c->peerip, "disconnected: %s", c->peerip);
		port_delete(p, 0);
		return;
	}
	cl = p->cl;
	log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s", p->target);
	port_set_up(p, 0);
	if (cl != NULL) {
		cl->conn = NULL;
		c->cl = NULL;
		client_schedule(cl);
	}
}

static void mark_dirty(struct conn *c);

/* Orderly end: flush what is queued, send FIN, wait for EOF. */
static void
conn_linger(struct conn *c)
{
	c->state = CS_LINGER;
	c->eof_after = 1;
	timer_arm(&c->tmo, CLOSE_WAIT_MS);
	mark_dirty(c);		/* the flush sends FIN once out drains */
	conn_update(c);
}

/* ------------------------------------------------------------------ */
/* Output */

/* Plaintext out: through the TLS engine, or straight to the socket. */
static ssize_t
xp_send(struct conn *c, const uint8_t *p, size_t len)
{
	ssize_t n;

	if (c->tls == NULL)
		return send(c->w.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	n = tls_write(c->tls, c->w.fd, p, len);
	if (n < 0 && errno == EPIPE)
		errno = ECONNRESET;
	return n;
}

static ssize_t
xp_recv(struct conn *c, uint8_t *p, size_t cap)
{
	if (c->tls == NULL)
		return recv(c->w.fd, p, cap, MSG_DONTWAIT);
	return tls_read(c->tls, c->w.fd, p, cap);
}

/* Why a TLS connection failed, in words. */
static void
tls_err_text(struct conn *c, int e)
{
	if (c->tls != NULL && (e == EPROTO || tls_error(c->tls) != 0))
		ew_snprintf(c->err, sizeof(c->err), "SSLError: %s",
		    tls_strerror(tls_error(c->tls)));
	else
		ew_snprintf(c->err, sizeof(c->err), "OSError: [Errno %d] %s", e,
		    ew_strerror(e));
}

/* A client attempt fails (addPort or a retry); anything else is lost. */
static void
conn_fail(struct conn *c)
{
	if (conn_attempting(c)) {
		client_failed(c->cl, c->err);
		return;
	}
	conn_lost(c);
	conn_free(c);
}

void
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = xp_send(c, c->out + c->outoff, c->outlen - c->outoff);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			tls_err_text(c, errno);
			c->outoff = c->outlen = 0;
			conn_fail(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	if (c->tls != NULL && tls_flush(c->tls, c->w.fd) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK) {
		tls_err_text(c, errno);
		conn_fail(c);
		return;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->outcap > 4 * IN_START) {	/* give memory back */
			free(c->out);
			c->out = NULL;
			c->outcap = 0;
		}
		if (c->eof_after == 1) {
			if (c->tls != NULL)
				tls_close(c->tls, c->w.fd);
			shutdown(c->w.fd, SHUT_WR);
			c->eof_after = 2;
		}
	}
	conn_update(c);
}

static void
flush_dirty(void)
{
	struct conn *c;

	while ((c = dirty_head) != NULL) {
		dirty_head = c->dirty_next;
		c->dirty = 0;
		if (!c->dead && c->w.fd >= 0 && c->state != CS_CONNECT)
			conn_flush(c);
	}
}

static void
mark_dirty(struct conn *c)
{
	if (c->dirty || c->dead)
		return;
	c->dirty = 1;
	c->dirty_next = dirty_head;
	dirty_head = c;
	loop_idle(flush_dirty);
}

void
conn_update(struct conn *c)
{
	uint32_t ev = 0;

	if (c->dead || c->w.fd < 0)
		return;
	if (c->state == CS_CONNECT)
		ev = EPOLLOUT;
	else {
		if (c->state != CS_RPC)
			ev |= EPOLLIN;
		if (c->tls != NULL)
			ev |= tls_interest(c->tls);
		else if (c->outoff < c->outlen)
			ev |= EPOLLOUT;
	}
	loop_mod(&c->w, ev);
}

void
conn_ws_open(struct conn *c, const struct http_msg *m, int server)
{
	const struct http_header *h = http_header(m, OFFLOAD_HEADER);

	c->offload = !conf.nooffload && h != NULL &&
	    http_has_token(h->value, h->value_len, OFFLOAD_TOKEN);
	c->state = CS_WS;
	ws_rx_init(&c->rx, server, MAX_FRAME +
	    (c->offload ? VNET_HDR_LEN : 0));
}

/* Queue a message: pre (prelen bytes, e.g. an offload header) then p. */
static int
ws_send2(struct conn *c, int op, const uint8_t *pre, size_t prelen,
    const uint8_t *p, size_t len, size_t cap)
{
	uint8_t hdr[WS_HDR_MAX], key[4], *d;
	size_t h;

	if (c->client)
		ew_mask_key(key);
	h = ws_frame_header(hdr, op, prelen + len, c->client ? key : NULL);
	if (out_reserve(c, h + prelen + len, cap) < 0)
		return -1;
	d = c->out + c->outlen;
	memcpy(d, hdr, h);
	if (prelen > 0)
		memcpy(d + h, pre, prelen);
	if (len > 0)
		memcpy(d + h + prelen, p, len);
	if (c->client)
		ws_mask(d + h, prelen + len, key, 0);
	c->outlen += h + prelen + len;
	mark_dirty(c);
	return 0;
}

static int
ws_send(struct conn *c, int op, const uint8_t *p, size_t len, size_t cap)
{
	return ws_send2(c, op, NULL, 0, p, len, cap);
}

/* A binary message of frame, after its header on an offload tunnel;
 * ctrl: into the slack past --queue (else tail drop at --queue). */
static int
send_frame(struct conn *c, const uint8_t *frame, size_t len,
    const struct vnet *vh, int ctrl)
{
	static const struct vnet none;
	uint8_t h[VNET_HDR_LEN];
	size_t hl = 0;

	if (c->state != CS_WS)
		return -1;
	if (c->offload) {
		vnet_encode(h, vh != NULL ? vh : &none);
		hl = sizeof(h);
	}
	if (ctrl)
		return ws_send2(c, WS_OP_BINARY, h, hl, frame, len,
		    (size_t)conf.queue + OUT_CTRL_SLACK);
	/* Tail drop when the queue would pass --queue bytes. */
	if (c->outlen - c->outoff + hl + len > (size_t)conf.queue)
		return -1;
	return ws_send2(c, WS_OP_BINARY, h, hl, frame, len,
	    (size_t)conf.queue + WS_HDR_MAX + 16);
}

int
conn_send_frame(struct conn *c, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	return send_frame(c, frame, len, vh, 0);
}

int
conn_send_ctrl_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	return send_frame(c, frame, len, NULL, 1);
}

static void
ws_send_close(struct conn *c, int code)
{
	uint8_t b[2];

	b[0] = (uint8_t)(code >> 8);
	b[1] = (uint8_t)code;
	ws_send(c, WS_OP_CLOSE, b, code ? 2 : 0,
	    (size_t)conf.queue + OUT_CTRL_SLACK);
}

void
conn_close(struct conn *c, int code)
{
	c->port = NULL;
	if (c->state != CS_WS) {
		conn_free(c);
		return;
	}
	timer_stop(&c->ka);
	if (code != 0)
		ws_send_close(c, code);
	c->state = CS_CLOSING;
	timer_arm(&c->tmo, CLOSE_WAIT_MS);
	conn_update(c);
}

/* ------------------------------------------------------------------ */
/* HTTP replies from the server side */

static void
http_error(struct conn *c, int status, const char *extra, const char *body)
{
	char buf[512];
	int n;

	if (body == NULL)
		body = http_reason(status);
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\n%s"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, http_reason(status),
	    extra ? extra : "", strlen(body), body);
	out_append(c, buf, (size_t)n);
	conn_linger(c);
}

static void
http_401(struct conn *c, int ctl)
{
	char buf[256];
	int n;

	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 401 %s\r\nWWW-Authenticate: "
	    "Basic realm=\"etherws\"\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n",
	    ctl ? "Authorization Required" : "Unauthorized");
	out_append(c, buf, (size_t)n);
	/* Rate-limited per peer: a password guesser cannot fill the log. */
	log_msg_rl(EW_LOG_WARNING, c->peerip, "authentication failed: %s (%s)",
	    c->peerip, ctl ? "control" : "tunnel");
	conn_linger(c);
}

void
ctl_reply(struct conn *c, const char *body, size_t len)
{
	char head[256];
	int n;

	if (c == NULL || c->dead)
		return;
	n = ew_snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json; charset=UTF-8\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", len);
	if (out_reserve(c, (size_t)n + len, (size_t)n + len + c->outlen) < 0) {
		conn_free(c);
		return;
	}
	memcpy(c->out + c->outlen, head, (size_t)n);
	memcpy(c->out + c->outlen + n, body, len);
	c->outlen += (size_t)n + len;
	mark_dirty(c);
	conn_linger(c);
}

/* ------------------------------------------------------------------ */
/* Server side: route and check a request */

static int
path_is(const struct http_msg *m, const char *path)
{
	size_t n = 0;

	while (n < m->target_len && m->target[n] != '?')
		n++;
	return strlen(path) == n && memcmp(m->target, path, n) == 0;
}

/* Without an htpasswd file the Authorization header is ignored. */
static int
auth_ok(struct htpasswd *db, const struct http_msg *m)
{
	const struct http_header *h;

	if (db == NULL)
		return 1;
	h = http_header(m, "Authorization");
	return h != NULL && htpasswd_check(db, h->value, h->value_len) == 1;
}

static void
ctl_start(struct conn *c, const struct http_msg *m)
{
	static const char r100[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const struct http_header *h;
	long long len;
	char num[32];

	if (!auth_ok(sw_ctlauth, m)) {
		http_401(c, 1);
		return;
	}
	if (!ew_strcaseeq(m->method, m->method_len, "POST")) {
		http_error(c, 405, "Allow: POST\r\n", NULL);
		return;
	}
	h = http_header(m, "Content-Length");
	if (h == NULL || http_header(m, "Transfer-Encoding") != NULL) {
		http_error(c, 411, NULL, NULL);
		return;
	}
	if (h->value_len == 0 || h->value_len >= sizeof(num)) {
		http_error(c, 400, NULL, NULL);
		return;
	}
	memcpy(num, h->value, h->value_len);
	num[h->value_len] = '\0';
	if (!ew_isdigit(num[0]) || ew_parse_int(num, &len) < 0) {
		http_error(c, 400, NULL, NULL);
		return;
	}
	if (len > CTL_MAX_BODY) {
		http_error(c, 413, NULL, NULL);
		return;
	}
	h = http_header(m, "Expect");
	if (h != NULL && ew_strcaseeq(h->value, h->value_len, "100-continue"))
		out_append(c, r100, sizeof(r100) - 1);
	c->body_len = (size_t)len;
	c->inmax = IN_MAX_CTL;
	c->state = CS_BODY;
}

static int
origin_ok(const struct http_msg *m)
{
	const struct http_header *o, *h;
	const char *v, *p;
	size_t n;

	o = http_header(m, "Origin");
	if (o == NULL)
		o = http_header(m, "Sec-WebSocket-Origin");
	if (o == NULL)
		return 1;
	h = http_header(m, "Host");
	v = o->value;
	n = o->value_len;
	p = memchr(v, ':', n);		/* skip "scheme://" */
	if (p != NULL && (size_t)(p - v) + 3 <= n && p[1] == '/' &&
	    p[2] == '/') {
		n -= (size_t)(p + 3 - v);
		v = p + 3;
	}
	if (n > 0 && v[n - 1] == '/')
		n--;
	if (h == NULL || h->value_len != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (ew_lower((unsigned char)v[i]) !=
		    ew_lower((unsigned char)h->value[i]))
			return 0;
	return 1;
}

/* A client port of this very switch (its id in X-Etherws-Id). */
static int
is_self(const struct http_msg *m)
{
	const struct http_header *h = http_header(m, "X-Etherws-Id");
	char want[17];

	if (h == NULL || h->value_len != 16)
		return 0;
	ew_snprintf(want, sizeof(want), "%016llx", (unsigned long long)sw_id);
	return ew_strcaseeq(h->value, 16, want);
}

static void
ws_accepted(struct conn *c, const struct http_msg *m)
{
	const struct http_header *h, *k, *hv;
	char acc[29], buf[256];
	struct port *p;
	int n;

	if (!auth_ok(sw_auth, m))
		return http_401(c, 0);
	if (!ew_strcaseeq(m->method, m->method_len, "GET"))
		return http_error(c, 405, "Allow: GET\r\n", NULL);
	h = http_header(m, "Upgrade");
	if (h == NULL || !ew_strcaseeq(h->value, h->value_len, "websocket"))
		return http_error(c, 400, NULL,
		    "Can \"Upgrade\" only to \"WebSocket\".");
	h = http_header(m, "Connection");
	if (h == NULL || !http_has_token(h->value, h->value_len, "upgrade"))
		return http_error(c, 400, NULL,
		    "\"Connection\" must be \"Upgrade\".");
	if (!origin_ok(m))
		return http_error(c, 403, NULL,
		    "Cross origin websockets not allowed");
	h = http_header(m, "Sec-WebSocket-Version");
	if (h == NULL || !(ew_strcaseeq(h->value, h->value_len, "13") ||
	    ew_strcaseeq(h->value, h->value_len, "8") ||
	    ew_strcaseeq(h->value, h->value_len, "7"))) {
		static const char r426[] = "HTTP/1.1 426 Upgrade Required"
		    "\r\nSec-WebSocket-Version: 7, 8, 13\r\n\r\n";
		out_append(c, r426, sizeof(r426) - 1);
		return conn_linger(c);
	}
	hv = http_header(m, "Host");
	k = http_header(m, "Sec-WebSocket-Key");
	if (hv == NULL || hv->value_len == 0 || k == NULL || k->value_len == 0)
		return http_error(c, 400, NULL, NULL);
	if (is_self(m))
		return http_error(c, 409, "X-Etherws-Self: 1\r\n",
		    "Connection to this switch itself refused");
	ws_accept(k->value, k->value_len, acc);
	/* Offload only when the client asked (only ours do). */
	conn_ws_open(c, m, 1);
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n%s\r\n", acc,
	    c->offload ? OFFLOAD_LINE : "");
	p = port_new(PORT_SERVER, c->peer);
	if (p == NULL || out_append(c, buf, (size_t)n) < 0) {
		if (p != NULL)
			port_delete(p, 0);
		return conn_free(c);
	}
	p->conn = c;
	c->port = p;
	timer_stop(&c->tmo);
	log_msg_rl(EW_LOG_INFO, c->peerip, "connected: %s", c->peerip);
}

static void
req_process(struct conn *c)
{
	struct http_msg m;
	int r;

	r = http_parse_request((const char *)c->in, c->inlen, HTTP_MAX_HEADER,
	    &m);
	if (r == HTTP_INCOMPLETE)
		return;
	if (r == HTTP_BAD)
		return http_error(c, 400, NULL, NULL);
	if (r == HTTP_TOO_LARGE)
		return http_error(c, 431, NULL, NULL);
	c->head_len = (size_t)r;
	if (c->ls->ctl && path_is(&m, conf.ctlpath))
		ctl_start(c, &m);
	else if (c->ls->ws && path_is(&m, conf.path)) {
		ws_accepted(c, &m);
		if (c->state == CS_WS) {
			in_consume(c, c->head_len);
			ws_process(c);
		}
	} else
		http_error(c, 404, NULL, NULL);
}

static void
body_process(struct conn *c)
{
	if (c->inlen < c->head_len + c->body_len)
		return;
	c->state = CS_RPC;
	timer_stop(&c->tmo);
	rpc_request(c, (const char *)c->in + c->head_len, c->body_len);
	if (!c->dead)
		conn_update(c);
}

/* ------------------------------------------------------------------ */
/* The open WebSocket */

static void
ws_fail(struct conn *c, int code)
{
	conn_lost(c);
	ws_send_close(c, code);
	c->state = CS_CLOSING;
	timer_stop(&c->ka);
	timer_arm(&c->tmo, CLOSE_WAIT_MS);
	conn_update(c);
}

static void
ws_event(struct conn *c, struct ws_event *ev)
{
	struct port *p = c->port;
	struct vnet vh;

	switch (ev->type) {
	case WS_EV_MESSAGE:
		if (p == NULL || c->state != CS_WS)
			break;
		if (!c->offload)
			switch_input(p, ev->data, ev->len, NULL);
		else if (ev->len >= VNET_HDR_LEN) {
			vnet_decode(&vh, ev->data);
			switch_input(p, ev->data + VNET_HDR_LEN,
			    ev->len - VNET_HDR_LEN, &vh);
		} else if (!p->shut) {
			p->rx++;
			p->rx_dropped++;
		}
		break;
	case WS_EV_DROPPED:
		if (p != NULL && !p->shut) {
			p->rx++;
			p->rx_dropped++;
		}
		break;
	case WS_EV_PING:
		if (c->state == CS_WS)
			ws_send(c, WS_OP_PONG, ev->data, ev->len,
			    (size_t)conf.queue + OUT_CTRL_SLACK);
		break;
	case WS_EV_CLOSE:
		if (c->state == CS_WS) {
			/* Echo their code, then the server closes at once. */
			conn_lost(c);
			ws_send_close(c, ev->code);
		}
		if (c->client) {
			c->state = CS_CLOSING;
			timer_arm(&c->tmo, CLOSE_WAIT_MS);
		} else
			conn_linger(c);
		break;
	case WS_EV_ERROR:
		if (c->state == CS_WS)
			ws_fail(c, ev->code);
		else
			conn_free(c);
		break;
	default:
		break;
	}
}

void
ws_process(struct conn *c)
{
	struct ws_event ev;
	size_t off = 0, n;

	while (off < c->inlen && !c->dead &&
	    (c->state == CS_WS || c->state == CS_CLOSING)) {
		n = ws_rx_feed(&c->rx, c->in + off, c->inlen - off, &ev);
		if (n == 0 && ev.type != WS_EV_ERROR)
			break;
		off += n;
		if (ev.type != WS_EV_NONE)
			ws_event(c, &ev);
		if (ev.type == WS_EV_ERROR || ev.type == WS_EV_CLOSE) {
			off = c->inlen;
			break;
		}
	}
	if (!c->dead) {
		if (c->state == CS_LINGER)
			off = c->inlen;
		in_consume(c, off);
	}
}

/* ------------------------------------------------------------------ */
/* Reading */

static void
conn_input(struct conn *c)
{
	switch (c->state) {
	case CS_REQ:
		req_process(c);
		if (!c->dead && c->state == CS_BODY)
			body_process(c);
		break;
	case CS_BODY:
		body_process(c);
		break;
	case CS_WS:
	case CS_CLOSING:
		ws_process(c);
		break;
	case CS_LINGER:
		c->inlen = 0;	/* discard */
		break;
	default:
		break;
	}
}


static void
conn_eof(struct conn *c)
{
	if (conn_attempting(c)) {
		if (c->err[0] == '\0' || (c->tls != NULL &&
		    tls_established(c->tls) && tls_error(c->tls) == 0))
			ew_snprintf(c->err, sizeof(c->err), "%s",
			    "WebSocketConnectionClosedException: Connection "
			    "is already closed.");
		client_failed(c->cl, c->err);
		return;
	}
	conn_lost(c);
	conn_free(c);
}

static void
conn_read(struct conn *c)
{
	size_t want;
	ssize_t n;
	int i;

	for (i = 0; !c->dead; i++) {
		if (c->state == CS_RPC)
			return;
		/* Past the budget, only what TLS has already decrypted (at
		 * most one record): epoll cannot report it, the socket may be
		 * empty by now. */
		if (i >= RX_BUDGET && (c->tls == NULL || !tls_pending(c->tls)))
			return;
		if (c->inlen == c->incap && in_grow(c) < 0) {
			if (c->state == CS_LINGER) {
				c->inlen = 0;
				continue;
			}
			/* Cannot happen for a correct parser; be safe. */
			conn_lost(c);
			conn_free(c);
			return;
		}
		want = c->incap - c->inlen;
		n = xp_recv(c, c->in + c->inlen, want);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			tls_err_text(c, errno);
			conn_eof(c);
			return;
		}
		if (n == 0) {
			conn_eof(c);
			return;
		}
		c->inlen += (size_t)n;
		c->last_rx = ew_now_ms();
		c->ping_out = 0;
		if (c->state == CS_HRESP)
			client_hresp(c);
		else if (c->state == CS_PROXY)
			client_proxy_reply(c);
		else
			conn_input(c);
		/* A short read of a plain socket drained it: epoll (level-
		 * triggered) reports what comes next, so skip the recv that
		 * would only say EAGAIN.  TLS may hold decrypted bytes the
		 * socket no longer shows, so it reads on. */
		if (c->tls == NULL && (size_t)n < want)
			return;
	}
}

/* ------------------------------------------------------------------ */
/* Timers */

static void
tmo_cb(struct ev_timer *t)
{
	struct conn *c = container_of(t, struct conn, tmo);

	switch (c->state) {
	case CS_RESOLVE:
	case CS_CONNECT:
	case CS_PROXY:
	case CS_HRESP:
		ew_snprintf(c->err, sizeof(c->err), "timeout: timed out");
		client_failed(c->cl, c->err);
		break;
	default:
		/* Handshake deadline or close wait: just drop it. */
		conn_lost(c);
		conn_free(c);
		break;
	}
}

static void
ka_cb(struct ev_timer *t)
{
	struct conn *c = container_of(t, struct conn, ka);
	uint64_t now = ew_now_ms(), ka = (uint64_t)conf.keepalive * 1000;
	uint8_t payload[8];
	int i;

	if (c->state != CS_WS || ka == 0)
		return;
	if (now - c->last_rx < ka) {
		timer_arm(t, ka - (now - c->last_rx));
		return;
	}
	if (c->ping_out) {
		const char *who = c->port ? c->port->target : c->peer;

		log_msg_rl(EW_LOG_WARNING, who, "keepalive timeout: %s", who);
		conn_lost(c);
		conn_free(c);
		return;
	}
	for (i = 0; i < 8; i++)
		payload[i] = (uint8_t)(now >> (56 - 8 * i));
	ws_send(c, WS_OP_PING, payload, sizeof(payload),
	    (size_t)conf.queue + OUT_CTRL_SLACK);
	c->ping_out = 1;
	c->last_rx = now;	/* the next check is one period away */
	timer_arm(t, ka);
}

/* ------------------------------------------------------------------ */
/* The per-connection entry point */

static void
conn_io(struct ev_watcher *w, uint32_t revents)
{
	struct conn *c = container_of(w, struct conn, w);

	if (c->state == CS_CONNECT) {
		if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			client_connect_done(c);
		return;
	}
	if ((revents & EPOLLOUT) && (c->outoff < c->outlen || c->tls)) {
		conn_flush(c);
		if (c->dead)
			return;
	}
	if (revents & EPOLLIN)
		conn_read(c);
	/* A TLS handshake that just finished may unblock queued output. */
	if (!c->dead && c->tls != NULL && c->outoff < c->outlen)
		conn_flush(c);
	if (!c->dead)
		conn_update(c);
}
