/*
 * ctlsrv.c - the control endpoint of accepted connections: who the
 * peer is (at accept), the checks every control request passes (no
 * browser, a user it serves, --ctlhtpasswd), its JSON-RPC body handed
 * to rpc.c and the reply, and GET /metrics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "conn.h"
#include "ctlallow.h"
#include "ctlsrv.h"
#include "errtext.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "peeruid.h"
#include "reqcheck.h"
#include "rpc.h"
#include "srclimit.h"
#include "util.h"

static const char	*ctl_path;	/* --ctlpath */
static const char	*ctl_host;	/* --ctlhost: a Host it may name */
static struct htpasswd	*ctl_auth;	/* --ctlhtpasswd, or NULL */

void
ctlsrv_configure(const char *path, const char *host, struct htpasswd *auth)
{
	ctl_path = path;
	ctl_host = host;
	ctl_auth = auth;
}

/* A control reply of type ctype, however large: queued within the
 * connection's memory bound (conn_put makes room); one that does not
 * fit is taken back for a short error reply, and the connection goes
 * only when not even that fits. */
static void
ctl_send(struct conn *c, const char *ctype, const char *body, size_t len)
{
	static const char nomem[] = "{\"jsonrpc\": \"2.0\", \"id\": null, "
	    "\"error\": {\"code\": -32603, \"message\": \"Internal error\", "
	    "\"data\": \"no room for the reply\"}}";
	char head[384];
	size_t cap, before;
	int n;

	if (c->dead)
		return;
	/* Notifications only: nothing to say, and HTTP says it so. */
	if (body == NULL)
		n = ew_snprintf(head, sizeof(head), "HTTP/1.1 204 No Content\r\n"
		    "Connection: close\r\n\r\n");
	else
		n = ew_snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Type: %s\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n", ctype, len);
	before = conn_out_mark(c);
	cap = before + (size_t)n + len;
	if (conn_put(c, head, (size_t)n, cap) < 0 ||
	    (len > 0 && conn_put(c, body, len, cap) < 0)) {
		/* No room left in the control connections' bound (taken
		 * since the request came): a head alone would lie. */
		conn_out_rewind(c, before);
		if (strncmp(ctype, "application/json", 16) == 0)
			n = ew_snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json; charset=UTF-8\r\n"
			    "Content-Length: %zu\r\nConnection: close\r\n"
			    "\r\n%s", sizeof(nomem) - 1, nomem);
		else	/* /metrics: the scraper tries again */
			n = ew_snprintf(head, sizeof(head), "HTTP/1.1 503 "
			    "Service Unavailable\r\nContent-Length: 0\r\n"
			    "Connection: close\r\n\r\n");
		if (out_append(c, head, (size_t)n) < 0) {
			conn_free(c);
			return;
		}
	}
	conn_linger(c);
}

/* rpc.c's answer (ctx: the control connection). */
static void
ctl_reply(void *ctx, const char *body, size_t len)
{
	ctl_send(ctx, "application/json; charset=UTF-8", body, len);
}

/* GET /metrics, past the control endpoint's checks: the switch's
 * numbers in Prometheus' text format (metrics.c). */
static void
ctl_metrics(struct conn *c)
{
	size_t len;
	char *body;

	src_put(&c->src, 0);	/* past its request */
	if ((body = metrics_text(&len)) == NULL)
		return req_error(c, 503, NULL, "Metrics: out of memory");
	ctl_send(c, METRICS_CTYPE, body, len);
	free(body);
}

/*
 * A request a browser made: it has an Origin, a Sec-Fetch-* header, or
 * a Host naming something else than where it came (a page's form
 * posting text/plain cross-origin needs no preflight; DNS rebinding
 * makes the attacker's name reach us).  The original etherws ctl sends
 * "Host: 127.0.0.1:7867" and neither of the others.
 */
static int
from_browser(const struct conn *c, const struct http_msg *m)
{
	const struct http_header *h;
	size_t i;

	if (http_header(m, "Origin") != NULL || req_sec_fetch(m))
		return 1;
	for (i = 0; i < m->nheaders; i++) {
		h = &m->headers[i];
		if (ew_strcaseeq(h->name, h->name_len, "Host") &&
		    !req_host_ok(c, h->value, h->value_len, ctl_host))
			return 1;
	}
	return 0;
}

/*
 * Who is at the other end, asked at accept, while the connection is
 * surely there (its request not read yet): 1 and uid, 0 another host,
 * -1 a local peer nobody can be named for.  Only for listeners with the
 * control endpoint; its rank among control connections.
 */
int
ctlsrv_rank(int fd, int *r, int *eno, uint32_t *uid)
{
	int local;

	*r = peeruid_get(fd, uid, &local);
	*eno = errno;
	if (*r == 1 && ctlallow_uid(*uid))
		return CTL_OPERATOR;
	return *r == 0 ? CTL_REMOTE : CTL_REFUSED;
}

/*
 * A local user other than root, the switch's own and --ctlallow's is
 * refused, as is a local peer that cannot be named, whatever address it
 * came from or to (asked at accept: ctlsrv_rank).
 */
static int
user_ok(struct conn *c)
{
	if (c->owner_r == 1 && ctlallow_uid(c->owner_uid))
		return 1;
	if (c->owner_r == 0)
		return 1;	/* remote: --ctlhtpasswd is the guard */
	if (c->owner_r == 1)
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: %s "
		    "is uid %u", c->peer, (unsigned)c->owner_uid);
	else if (c->owner_errno == ENOTCONN)
		/* It closed before we took it (a ctl that gave up on a
		 * switch that was stopped): not served, nobody to warn. */
		log_debug("control peer %s left before its request was "
		    "read", c->peer);
	else
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: "
		    "cannot tell the user at %s (%s)", c->peer,
		    ew_strerror(c->owner_errno));
	return 0;
}

/* What every request to the control endpoint (methods and metrics)
 * passes: no browser, a local user it serves, --ctlhtpasswd.  1, or 0
 * with the refusal queued. */
static int
ctl_admit(struct conn *c, const struct http_msg *m)
{
	if (from_browser(c, m)) {
		log_msg_rl(EW_LOG_WARNING, c->peerip, "control refused: a "
		    "browser's request (Origin, Sec-Fetch-* or Host) from %s",
		    c->peerip);
		req_error(c, 403, NULL, "Browser requests refused");
		return 0;
	}
	if (!user_ok(c)) {
		req_error(c, 403, NULL, "Local user not allowed");
		return 0;
	}
	return req_login_ok(c, ctl_auth, m, 1);
}

/* A request to --ctlpath or METRICS_PATH on the control endpoint. */
void
ctlsrv_start(struct conn *c, const struct http_msg *m)
{
	static const char r100[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const struct http_header *h;
	long long len;
	char num[32];

	if (!ctl_admit(c, m))
		return;
	if (req_path_is(m, METRICS_PATH) &&
	    ew_strcaseeq(m->method, m->method_len, "GET"))
		return ctl_metrics(c);
	if (!req_path_is(m, ctl_path)) {
		req_error(c, 405, "Allow: GET\r\n", NULL);
		return;
	}
	if (!ew_strcaseeq(m->method, m->method_len, "POST")) {
		req_error(c, 405, "Allow: POST\r\n", NULL);
		return;
	}
	h = http_header(m, "Content-Length");
	if (h == NULL || http_header(m, "Transfer-Encoding") != NULL) {
		req_error(c, 411, NULL, NULL);
		return;
	}
	if (h->value_len == 0 || h->value_len >= sizeof(num)) {
		req_error(c, 400, NULL, NULL);
		return;
	}
	memcpy(num, h->value, h->value_len);
	num[h->value_len] = '\0';
	if (!ew_isdigit(num[0]) || ew_parse_int(num, &len) < 0) {
		req_error(c, 400, NULL, NULL);
		return;
	}
	if (len > CTL_MAX_BODY) {
		req_error(c, 413, NULL, NULL);
		return;
	}
	h = http_header(m, "Expect");
	if (h != NULL && ew_strcaseeq(h->value, h->value_len, "100-continue"))
		out_append(c, r100, sizeof(r100) - 1);
	c->body_len = (size_t)len;
	conn_set_inmax(c, IN_MAX_CTL);
	c->state = CS_BODY;
}

/* What a reply's results may take: within the control connections'
 * bound (what it has left, less the slack for error replies and the
 * HTTP head), CTL_REPLY_MAX at most. */
static size_t
reply_max(void)
{
	size_t room = conn_ctl_room(), keep = CTL_REPLY_SLACK + 256;

	room = room > keep ? room - keep : 0;
	return room < CTL_REPLY_MAX ? room : CTL_REPLY_MAX;
}

void
ctlsrv_body(struct conn *c)
{
	if (c->inlen < c->head_len + c->body_len)
		return;
	c->state = CS_RPC;
	conn_deadline_stop(c);
	src_put(&c->src, 0);
	rpc_request((const char *)c->in + c->head_len, c->body_len,
	    ctl_reply, c, reply_max());
	if (!c->dead)
		conn_update(c);
}
