/*
 * serve.c - accepted connections: one HTTP request, read within
 * HTTP_TIMEOUT_MS and routed by path.  The tunnel path upgrades to a
 * WebSocket (Basic auth, Origin and version checks, offload agreed) and
 * becomes a server port; the control path goes to ctlsrv.c.  The
 * checks both share are reqcheck.c's, the per-source counts
 * srclimit.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "addr.h"
#include "conn.h"
#include "ctlsrv.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "probe.h"
#include "reqcheck.h"
#include "rpc.h"
#include "serve.h"
#include "srclimit.h"
#include "switch.h"
#include "tunnel.h"
#include "util.h"
#include "ws.h"

static struct serve_conf sv_conf;	/* as the daemon said */
static struct ew_cidr	 serve_trust[TRUSTPROXY_MAX];
static int		 serve_ntrust;
static const char	*serve_trust_hdr = TRUSTPROXY_HEADER;

/* ------------------------------------------------------------------ */
/* Server ports: a port whose frames go to and come from one accepted
 * connection (port->tunnel, tunnel.c; NULL once the connection is
 * gone).  It lives as long as the connection. */

static void
srv_close(struct port *p, int code)
{
	struct conn *c = p->tunnel;

	if (c == NULL)
		return;
	/* The connection forgets its port here: say it now. */
	log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s", c->peerip);
	p->tunnel = NULL;
	conn_close(c, code);
}

static void
srv_status(const struct port *p, struct jw *w)
{
	const struct conn *c = p->tunnel;

	if (c != NULL)
		tunnel_status(c, w);
}

static const struct port_ops server_port_ops = {
	tunnel_output, tunnel_output_ctrl, tunnel_offload, srv_close,
	srv_status, tunnel_rtt, tunnel_stats
};

/* ------------------------------------------------------------------ */
/* The connection's callbacks */

static void
srv_message(struct conn *c, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	switch_input(c->owner, frame, len, vh);
}

static void
srv_dropped(struct conn *c)
{
	struct port *p = c->owner;

	if (!p->shut)
		switch_input_dropped(p);
}

/* A server port lives as long as its connection. */
static void
srv_lost(struct conn *c)
{
	struct port *p = c->owner;

	p->tunnel = NULL;
	log_msg_rl(EW_LOG_INFO, c->peerip, "disconnected: %s", c->peerip);
	port_delete(p, 0);
}

/* The connection goes: out of its per-source count; a control
 * connection whose method still runs (an addPort waiting) abandons it. */
static void
srv_release(struct conn *c)
{
	src_put(&c->src, c->src_open);
	if (c->state == CS_RPC)
		rpc_abandon(c);
}

static void srv_input(struct conn *c);

static const struct conn_ops server_conn_ops = {
	NULL, srv_input, srv_message, srv_dropped, NULL, srv_lost,
	srv_release
};

/* ------------------------------------------------------------------ */
/* The tunnel endpoint: check a request, upgrade */

/* (v, n) is one of --tunnelorigin's comma-separated origins (case-
 * insensitive; a trailing '/' on either side ignored). */
static int
origin_listed(const char *v, size_t n)
{
	const char *p = sv_conf.tunnelorigin, *e;
	size_t k;

	if (n > 0 && v[n - 1] == '/')
		n--;
	for (; p != NULL && *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		k = (size_t)(e - p);
		if (k > 0 && p[k - 1] == '/')
			k--;
		if (k == n && ew_memcaseeq(p, v, n))
			return 1;
	}
	return 0;
}

/*
 * The Origin (or Sec-WebSocket-Origin) of a tunnel upgrade: none (our
 * peers, python3-websockets, node-ws), one --tunnelorigin lists, or,
 * without "scheme://" and a trailing '/', the Host when that Host names
 * the address the connection came to (host_ok).  etherws 1.3's client
 * sends "Origin: http://<Host>"; so does a page after DNS rebinding,
 * but its Host is the attacker's name, never our address, and a
 * browser too old to send Sec-Fetch-* would otherwise get a 101.
 */
static int
origin_ok(const struct conn *c, const struct http_msg *m)
{
	const struct http_header *o, *h;
	const char *v, *p;
	size_t n;

	o = http_header(m, "Origin");
	if (o == NULL)
		o = http_header(m, "Sec-WebSocket-Origin");
	if (o == NULL || origin_listed(o->value, o->value_len))
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
	if (h == NULL || h->value_len != n || !ew_memcaseeq(v, h->value, n))
		return 0;
	if (req_host_ok(c, h->value, h->value_len,
	    c->ctl_ep ? sv_conf.ctlhost : sv_conf.host))
		return 1;
	log_msg_rl(EW_LOG_WARNING, c->peerip, "tunnel refused: %s sent an "
	    "Origin equal to a Host that names no address of ours (a web "
	    "page after DNS rebinding, or etherws 1.3 by name: see "
	    "--tunnelorigin)", c->peerip);
	return 0;
}

/* A client port of this very switch (its id in X-Etherws-Id). */
static int
is_self(const struct http_msg *m)
{
	const struct http_header *h = http_header(m, "X-Etherws-Id");
	char want[17];

	if (h == NULL || h->value_len != 16)
		return 0;
	ew_snprintf(want, sizeof(want), "%016llx", (unsigned long long)probe_id());
	return ew_strcaseeq(h->value, 16, want);
}

/* The peer's switch id, if it says it is one of ours; else 0. */
static uint64_t
peer_id(const struct http_msg *m)
{
	const struct http_header *h = http_header(m, "X-Etherws-Id");
	uint64_t id;

	if (h == NULL || probe_id_parse(h->value, h->value_len, &id) < 0)
		return 0;
	return id;
}

static void
ws_accepted(struct conn *c, const struct http_msg *m)
{
	const struct http_header *h, *k, *hv;
	char acc[29], buf[256], idline[48];
	uint64_t peer;
	struct port *p;
	int n;

	/* No page joins a tunnel: after DNS rebinding, Origin and Host
	 * name the same attacker's host, but the browser's own headers
	 * still tell (and a 401 would only bring up its password box). */
	if (req_sec_fetch(m))
		return req_error(c, 403, NULL, "Browser requests refused");
	if (!req_login_ok(c, sv_conf.auth, m, 0))
		return;
	if (!ew_strcaseeq(m->method, m->method_len, "GET"))
		return req_error(c, 405, "Allow: GET\r\n", NULL);
	h = http_header(m, "Upgrade");
	if (h == NULL || !ew_strcaseeq(h->value, h->value_len, "websocket"))
		return req_error(c, 400, NULL,
		    "Can \"Upgrade\" only to \"WebSocket\".");
	h = http_header(m, "Connection");
	if (h == NULL || !http_has_token(h->value, h->value_len, "upgrade"))
		return req_error(c, 400, NULL,
		    "\"Connection\" must be \"Upgrade\".");
	if (!origin_ok(c, m))
		return req_error(c, 403, NULL,
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
		return req_error(c, 400, NULL, NULL);
	if (is_self(m))
		return req_error(c, 409, "X-Etherws-Self: 1\r\n",
		    "Connection to this switch itself refused");
	if (src_upgrade(&c->src, &c->src_open, sv_conf.maxconn,
	    sv_conf.auth != NULL) < 0) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "connection refused: "
		    "%s holds %u tunnels, its share of --maxconn %lld (give "
		    "--htpasswd to lift it)", c->peerip, src_open_count(c->src),
		    sv_conf.maxconn);
		return req_error(c, 503, NULL,
		    "Too many tunnels from this address");
	}
	ws_accept(k->value, k->value_len, acc);
	/* Offload only when the client asked (only ours do); our id only
	 * to a switch of ours. */
	conn_ws_open(c, m, 1);
	peer = peer_id(m);
	idline[0] = '\0';
	if (peer != 0)
		ew_snprintf(idline, sizeof(idline), "X-Etherws-Id: %016llx\r\n",
		    (unsigned long long)probe_id());
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n%s%s\r\n", acc,
	    conn_offloads(c) ? OFFLOAD_LINE : "", idline);
	p = port_new(PORT_SERVER, c->peer, &server_port_ops, NULL);
	if (p == NULL || out_append(c, buf, (size_t)n) < 0) {
		if (p != NULL)
			port_delete(p, 0);	/* not its connection yet */
		return conn_free(c);
	}
	c->owner = p;
	p->tunnel = c;
	conn_deadline_stop(c);
	/* One of ours: pinged like a client port pings (never the
	 * original, whose whole switch freezes on a Ping). */
	p->peer_id = peer;
	if (peer != 0)
		conn_keepalive(c);
	log_msg_rl(EW_LOG_INFO, c->peerip, "connected: %s", c->peerip);
}

void
serve_configure(const struct serve_conf *cf)
{
	sv_conf = *cf;
	ctlsrv_configure(cf->ctlpath, cf->ctlhost, cf->ctlauth);
}

int
serve_trust_add(const char *addr)
{
	if (serve_ntrust == TRUSTPROXY_MAX)
		return -2;
	if (ew_cidr_parse(addr, &serve_trust[serve_ntrust]) < 0)
		return -1;
	serve_ntrust++;
	return 0;
}

int
serve_trust_header(const char *name)
{
	if (ew_strcaseeq(name, strlen(name), TRUSTPROXY_HEADER))
		serve_trust_hdr = TRUSTPROXY_HEADER;
	else if (ew_strcaseeq(name, strlen(name), TRUSTPROXY_HEADER_ALT))
		serve_trust_hdr = TRUSTPROXY_HEADER_ALT;
	else
		return -1;
	return 0;
}

/* Address text s into (af, a): 1, or 0 if s is no IP address. */
static int
ip_parse(const char *s, int *af, uint8_t a[16])
{
	if (ew_pton(AF_INET, s, a) == 1)
		*af = AF_INET;
	else if (ew_pton(AF_INET6, s, a) == 1)
		*af = AF_INET6;
	else
		return 0;
	return 1;
}

static int
trusted(const char *ip)
{
	uint8_t a[16];
	int af, i;

	if (!ip_parse(ip, &af, a))
		return 0;
	for (i = 0; i < serve_ntrust; i++)
		if (ew_cidr_match(&serve_trust[i], af, a))
			return 1;
	return 0;
}

/*
 * Behind a trusted reverse proxy the peer is the client the proxy
 * names in the one header it writes (--trustproxyheader: X-Forwarded-For
 * or Forwarded); every other forwarding header is the client's own word
 * and ignored (a proxy passes headers it does not write untouched).
 * The proxy appends its entry last (nginx's $proxy_add_x_forwarded_for,
 * HAProxy's option forwardfor), after whatever the client wrote: so the
 * right-most entry is believed, and one further left only while the
 * one right of it is another trusted proxy; a hop that is no address
 * stops the walk.  Only the right-most FORWARDED_MAX entries are kept:
 * a client cannot push the proxy's entry out with a long list of its
 * own.  Logs, rate limits, the server port's target, showport and the
 * per-source caps then name that client; showport keeps the proxy as
 * "via".  A peer not in --trustproxy: headers ignored.  -1: that client
 * is at its cap of unfinished requests.
 */
static int
real_peer(struct conn *c, const struct http_msg *m)
{
	char hop[FORWARDED_MAX][HTTP_ADDR_LEN], txt[HTTP_ADDR_LEN];
	const char *name = serve_trust_hdr, *pick = NULL;
	uint8_t a[16];
	size_t k;
	int n = 0, i, af;

	if (serve_ntrust == 0 || !trusted(c->peerip))
		return 0;
	for (k = 0; k < m->nheaders; k++)	/* every line, in order */
		if (ew_strcaseeq(m->headers[k].name, m->headers[k].name_len,
		    name))
			http_forwarded(m->headers[k].value,
			    m->headers[k].value_len, name[0] == 'X', hop, &n,
			    FORWARDED_MAX);
	for (i = n - 1; i >= 0 && i >= n - FORWARDED_MAX; i--) {
		if (!ip_parse(hop[i % FORWARDED_MAX], &af, a))
			break;
		pick = hop[i % FORWARDED_MAX];
		if (!trusted(pick))
			break;
	}
	if (pick == NULL || !ip_parse(pick, &af, a))
		return 0;
	ew_ntop(af, a, txt, sizeof(txt));	/* its canonical form */
	ew_snprintf(c->via, sizeof(c->via), "%s", c->peer);
	ew_snprintf(c->peerip, sizeof(c->peerip), "%s", txt);
	ew_snprintf(c->peer, sizeof(c->peer), "%s", txt);
	/* The per-source caps count that client, not the proxy. */
	src_put(&c->src, 0);
	return (c->src = src_take(c->peerip)) != NULL ? 0 : -1;
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
		return req_error(c, 400, NULL, NULL);
	if (r == HTTP_TOO_LARGE)
		return req_error(c, 431, NULL, NULL);
	c->head_len = (size_t)r;
	if (real_peer(c, &m) < 0) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "connection refused: %s "
		    "(via %s) has %d unfinished requests", c->peerip, c->via,
		    SRC_MAX_PENDING);
		return req_error(c, 503, NULL,
		    "Too many unfinished requests from this address");
	}
	if (c->ctl_ep && req_path_is(&m, sv_conf.ctlpath))
		ctlsrv_start(c, &m);
	else if (c->ws && req_path_is(&m, sv_conf.path)) {
		ws_accepted(c, &m);
		if (c->state == CS_WS) {
			in_consume(c, c->head_len);
			conn_ws_input(c);
		}
	} else if (c->ctl_ep && req_path_is(&m, METRICS_PATH))
		ctlsrv_start(c, &m);
	else
		req_error(c, 404, NULL, NULL);
}

static void
srv_input(struct conn *c)
{
	if (c->state == CS_REQ)
		req_process(c);
	if (!c->dead && c->state == CS_BODY)
		ctlsrv_body(c);
}

/* ------------------------------------------------------------------ */
/* Accepting */

/*
 * The connection on fd, or NULL when it is refused (fd left open).  A
 * listener with the control endpoint learns who connected now (a local
 * peer's owner; its rank at --ctlmaxconn); the operator's control
 * connections count in no per-source cap.
 */
static struct conn *
accept_conn(int fd, int ws, int ctl, const char *peerip)
{
	struct srcent *e = NULL;
	struct conn *c;
	uint32_t uid = 0;
	int rank = 0, r = -1, eno = 0;

	if (ctl)
		rank = ctlsrv_rank(fd, &r, &eno, &uid);
	if (rank != CTL_OPERATOR && (e = src_take(peerip)) == NULL) {
		log_msg_rl(EW_LOG_WARNING, peerip, "connection refused: %s "
		    "has %d unfinished requests", peerip, SRC_MAX_PENDING);
		return NULL;
	}
	/* A listener serving both paths counts as a tunnel one. */
	c = conn_new(fd, 0, ws ? 0 : rank, &server_conn_ops, NULL);
	if (c == NULL) {	/* over the connection cap */
		src_put(&e, 0);
		return NULL;
	}
	c->src = e;
	c->owner_r = r;
	c->owner_errno = eno;
	c->owner_uid = uid;
	return c;
}

/* c got no TLS engine (rc: conn_tls_server's): logged, unless c was cut
 * for it (mem_cut logged that, naming --maxmem too).  A control
 * connection is never cut: its refusal is logged here. */
static void
tls_refused(const struct conn *c, int rc)
{
	if (c->doomed)
		return;
	if (rc == CONN_NO_ROOM && c->ctl)
		log_msg_rl(EW_LOG_WARNING, "ctlmem", "connection from %s "
		    "refused: no room for its TLS engine within the control "
		    "connections' bound (%d bytes)", c->peer, CTL_MEM_MAX);
	else if (rc == CONN_NO_ROOM)
		log_msg_rl(EW_LOG_WARNING, "maxmem", "connection from %s "
		    "refused: no room for its TLS engine within --maxmem %lld",
		    c->peer, sv_conf.maxmem);
	else
		log_msg_rl(EW_LOG_WARNING, "tls-oom", "connection from %s "
		    "refused: out of memory for its TLS engine", c->peer);
}

void
serve_accept(int fd, int ws, int ctl, const struct tls_creds *creds,
    const char *peer, const char *peerip)
{
	struct conn *c;
	int rc;

	if ((c = accept_conn(fd, ws, ctl, peerip)) == NULL) {
		close(fd);
		return;
	}
	c->ws = ws;
	c->ctl_ep = ctl;
	c->state = CS_REQ;
	/* named first: a cut for its TLS engine logs who */
	ew_snprintf(c->peerip, sizeof(c->peerip), "%s", peerip);
	ew_snprintf(c->peer, sizeof(c->peer), "%s", peer);
	if (creds != NULL && (rc = conn_tls_server(c, creds)) < 0) {
		tls_refused(c, rc);
		conn_free(c);
		return;
	}
	conn_set_inmax(c, IN_MAX);
	conn_deadline(c, HTTP_TIMEOUT_MS);
}
