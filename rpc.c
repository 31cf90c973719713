/*
 * rpc.c - the JSON-RPC 2.0 control methods (docs/api.md):
 * envelope checks, batches and notifications, the etherws.control
 * methods, and the replies.
 *
 * Replies are built with the bounded writer: first into REPLY_FIRST
 * bytes, then, if that is short, once more into all the room the reply
 * has left (a listFdb of 8192 entries is ~520 KB).  That room is the
 * caller's bound (rpc_request's max: CTL_REPLY_MAX at most), shared by
 * a batch's requests in order of their replies; a result past it is an
 * error reply, so one batch cannot build hundreds of megabytes or stall
 * the switch rebuilding them.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "cfgrun.h"
#include "client.h"
#include "container.h"
#include "fdb.h"
#include "fmt.h"
#include "defs.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "port.h"
#include "probe.h"
#include "rpc.h"
#include "switch.h"
#include "sys.h"
#include "tap.h"
#include "tapport.h"
#include "util.h"

#define NS		"etherws.control."
#define REPLY_FIRST	65536	/* a reply's first buffer */
#define FDB_ENTRY_MIN	59	/* the shortest listFdb entry, bytes */
#define ERR_MAX		512

/* Where a reply goes. */
struct rpc_to {
	rpc_reply_fn	*fn;		/* NULL: nobody waits any more */
	void		*ctx;
	size_t		 max;		/* its reply's bytes at most (a batch's
					 * requests: the batch's room) */
};

/* A reply that waits: an addPort of a client port until its first
 * attempt ends (the client holds it), then, like an addPort or setPort
 * whose port is probing, until the port has settled (probe.c tells
 * rpc_settled) or RPC_SETTLE_MAX_MS passed. */
struct rpc_wait {
	struct rpc_to	 to;
	char		*id;		/* JSON text of the request's id */
	size_t		 idlen;
	int		 port;		/* settling: its number; else 0 */
	struct ev_timer	 tmo;		/* settling: the limit */
	struct cfg_rec	*opts;		/* a client's options (cfgrun.h) */
	struct rpc_wait	*next, *prev;
};

static struct rpc_wait	*waits;

/* A batch: its replies collected in request order, sent as one array
 * once the last one came (an addPort may answer later). */
struct rpc_part {
	struct rpc_batch *b;
	char		*reply;		/* NULL: none (yet, or a notification) */
	size_t		 len;
};
struct rpc_batch {
	struct rpc_to	 to;		/* the HTTP reply; fn NULL: gone */
	size_t		 room;		/* what its replies may still take */
	int		 pending;	/* replies still to come */
	size_t		 n;
	struct rpc_batch *next, *prev;	/* live batches (rpc_abandon) */
	struct rpc_part	 part[];
};

static struct rpc_batch	*batches;

struct req {
	struct rpc_to	 to;
	const char	*s;		/* body */
	struct json_tok	*t;
	int		 obj;		/* the request object's token */
	int		 params;	/* token index or -1 */
	const char	*id;		/* raw JSON text of the id */
	size_t		 idlen;
	char		 err[ERR_MAX];	/* -32602 data on failure */
};

typedef void emit_fn(struct jw *, void *);

static void batch_part(void *ctx, const char *body, size_t len);
static void send_error(const struct rpc_to *to, const char *id, size_t idlen,
    int code, const char *data);

/* The bytes a reply to *to may take. */
static size_t
reply_room(const struct rpc_to *to)
{
	const struct rpc_part *pt = to->ctx;

	return to->fn == batch_part ? pt->b->room : to->max;
}

/* The document into a buffer of cap bytes: 0 and w (its buf malloc'd,
 * w->len bytes), or -1 when it does not fit (or no memory). */
static int
build_doc(const char *id, size_t idlen, emit_fn *emit, void *arg,
    const char *errmsg, int code, const char *data, size_t cap,
    struct jw *w)
{
	char *buf = malloc(cap + 1);	/* jw keeps a NUL */

	if (buf == NULL)
		return -1;
	jw_init(w, buf, cap + 1);
	jw_raw(w, "{\"jsonrpc\": \"2.0\", \"id\": ");
	jw_put(w, id, idlen);
	if (errmsg != NULL) {
		jw_member_int(w, ", \"error\": {\"code\": ", code);
		jw_member_str(w, ", \"message\": ", errmsg);
		jw_member_str(w, ", \"data\": ", data);
		jw_raw(w, "}}");
	} else {
		jw_raw(w, ", \"result\": {\"entries\": [");
		emit(w, arg);
		jw_raw(w, "]}}");
	}
	if (!w->ovf)
		return 0;
	free(buf);
	return -1;
}

/* The reply to *to: the result emit writes (errmsg NULL) or the error.
 * An error always goes (it is short: CTL_REPLY_SLACK covers a batch of
 * them); a result that passes the reply's room becomes one. */
static void
send_doc(const struct rpc_to *to, const char *id, size_t idlen, emit_fn *emit,
    void *arg, const char *errmsg, int code, const char *data)
{
	static const char oom[] = "{\"jsonrpc\": \"2.0\", \"id\": null, "
	    "\"error\": {\"code\": -32603, \"message\": \"Internal error\", "
	    "\"data\": \"out of memory\"}}";
	size_t room = errmsg != NULL ? (size_t)CTL_MAX_BODY + ERR_MAX + 256 :
	    reply_room(to);
	char big[160];
	struct jw w;

	if (to->fn == NULL)
		return;		/* a notification, or nobody waits */
	if (build_doc(id, idlen, emit, arg, errmsg, code, data,
	    room < REPLY_FIRST ? room : REPLY_FIRST, &w) == 0 ||
	    (room > REPLY_FIRST && build_doc(id, idlen, emit, arg, errmsg,
	    code, data, room, &w) == 0)) {
		to->fn(to->ctx, w.buf, w.len);
		free(w.buf);
	} else if (errmsg == NULL) {
		ew_snprintf(big, sizeof(big), "the reply would pass the %zu "
		    "bytes left of the control reply bound (%d): ask for less "
		    "in one batch", room, CTL_REPLY_MAX);
		send_error(to, id, idlen, -32603, big);
	} else
		to->fn(to->ctx, oom, sizeof(oom) - 1);
}

static void
send_error(const struct rpc_to *to, const char *id, size_t idlen, int code,
    const char *data)
{
	const char *msg;

	switch (code) {
	case -32700: msg = "Parse error"; break;
	case -32600: msg = "Invalid Request"; break;
	case -32601: msg = "Method not found"; break;
	case -32602: msg = "Invalid params"; break;
	default: msg = "Internal error"; break;
	}
	if (code == -32602)
		log_msg(EW_LOG_ERROR, "%s", data);
	send_doc(to, id, idlen, NULL, NULL, msg, code, data);
}

/* The reply to r: its result, the entries emit writes with arg. */
static void
req_result(struct req *r, emit_fn *emit, void *arg)
{
	send_doc(&r->to, r->id, r->idlen, emit, arg, NULL, 0, NULL);
}

/* The error reply to r. */
static void
req_error(struct req *r, int code, const char *data)
{
	send_error(&r->to, r->id, r->idlen, code, data);
}

/* ------------------------------------------------------------------ */
/* Result entries */

/* "{"port", "type", "target": what portstat and ifstat share. */
static void
emit_port_head(struct jw *w, const struct port *p)
{
	jw_member_int(w, "{\"port\": ", p->no);
	jw_member_str(w, ", \"type\": ", port_kind_name(p->kind));
	jw_member_str(w, ", \"target\": ", p->target);
}

/* portstat's members, without the closing brace. */
static void
emit_portstat_members(struct jw *w, const struct port *p)
{
	struct probe_info pi;

	emit_port_head(w, p);
	jw_member_int(w, ", \"rx\": ", (long long)p->rx);
	jw_member_int(w, ", \"tx\": ", (long long)p->tx);
	jw_raw(w, p->shut ? ", \"shut\": true" : ", \"shut\": false");
	jw_member_str(w, ", \"state\": ", port_state_name(p));
	jw_member_int(w, ", \"rx_dropped\": ", (long long)p->rx_dropped);
	jw_member_int(w, ", \"tx_dropped\": ", (long long)p->tx_dropped);
	jw_member_int(w, ", \"storm_dropped\": ", (long long)p->storm_dropped);
	probe_port_info(p, &pi);
	jw_member_int(w, ", \"loop_blocks\": ", (long long)pi.loop_blocks);
	/* Takes super-frames and their header: a vnet tap or netdev
	 * socket, or a tunnel that agreed on it in its handshake. */
	jw_raw(w, p->up && port_offload(p) ? ", \"offload\": true" :
	    ", \"offload\": false");
}

static void
emit_portstat(struct jw *w, const struct port *p)
{
	emit_portstat_members(w, p);
	jw_raw(w, "}");
}

/* showPort: portstat, since when the port is in its state, and its
 * kind's own status (peer, TLS, queue, reconnects, last error). */
static void
emit_showport(struct jw *w, void *arg)
{
	const struct port *p = arg;
	struct probe_info pi;
	char when[32];

	emit_portstat_members(w, p);
	ew_iso_time(p->since, when, sizeof(when));
	jw_member_str(w, ", \"since\": ", when);
	jw_member_int(w, ", \"since_s\": ",
	    (long long)((ew_now_ms() - p->since) / 1000));
	probe_port_info(p, &pi);
	jw_member_int(w, ", \"probes_rx\": ", (long long)pi.probes_rx);
	jw_member_int(w, ", \"probes_dropped\": ",
	    (long long)pi.probes_dropped);
	jw_member_int(w, ", \"rtt_ms\": ", (long long)pi.rtt_ms);
	jw_member_int(w, ", \"fdb_entries\": ", (long long)p->fdb.n);
	jw_member_int(w, ", \"learn_refused\": ", (long long)p->fdb.refused);
	port_status(p, w);
	jw_raw(w, "}");
}

static void
emit_one_port(struct jw *w, void *arg)
{
	emit_portstat(w, arg);
}

/* Every port in ascending order, or only tap and netdev ones. */
static void
emit_each(struct jw *w, int devs_only,
    void (*one)(struct jw *, const struct port *))
{
	struct port *p;
	size_t i;
	int first = 1;

	for (i = 0; (p = port_at(i)) != NULL; i++) {
		if (devs_only && p->kind != PORT_TAP && p->kind != PORT_NETDEV)
			continue;
		if (!first)
			jw_raw(w, ", ");
		first = 0;
		one(w, p);
	}
}

static void
emit_ports(struct jw *w, void *arg)
{
	(void)arg;
	emit_each(w, 0, emit_portstat);
}

static void
emit_ifstat(struct jw *w, const struct port *p)
{
	char addr[16], mask[16];
	int mtu = 0;

	if (ifconf_get(p->ifname, addr, mask, &mtu) < 0)
		addr[0] = mask[0] = '\0';
	emit_port_head(w, p);
	jw_member_str(w, ", \"address\": ", addr);
	jw_member_str(w, ", \"netmask\": ", mask);
	jw_member_int(w, ", \"mtu\": ", mtu);
	jw_raw(w, "}");
}

static void
emit_one_if(struct jw *w, void *arg)
{
	emit_ifstat(w, arg);
}

static void
emit_ifs(struct jw *w, void *arg)
{
	(void)arg;
	emit_each(w, 1, emit_ifstat);
}

static void
emit_fdb(struct jw *w, void *arg)
{
	struct fdb_entry *e;
	uint64_t now = ew_now_ms();
	char mac[18];
	size_t i, n;

	(void)arg;
	n = switch_fdb_list(now, &e);
	/* Too many for the room: over at once, not after writing it full. */
	if (n > (w->cap - w->len) / FDB_ENTRY_MIN)
		w->ovf = 1;
	for (i = 0; i < n && !w->ovf; i++) {
		ew_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		    e[i].mac[0], e[i].mac[1], e[i].mac[2], e[i].mac[3],
		    e[i].mac[4], e[i].mac[5]);
		if (i > 0)
			jw_raw(w, ", ");
		jw_member_int(w, "{\"vid\": ", e[i].vid);
		jw_member_str(w, ", \"mac\": ", mac);
		jw_member_int(w, ", \"port\": ", e[i].port);
		jw_member_int(w, ", \"age\": ",
		    (long long)((now - e[i].seen) / 1000));
		jw_raw(w, "}");
	}
	free(e);
}

/* ------------------------------------------------------------------ */
/* Parameter helpers: each returns 0, or -1 with r->err set. */

static void
raw_text(const struct req *r, int i, char *out, size_t cap)
{
	const struct json_tok *t = &r->t[i];
	size_t a = t->start, b = t->end;

	if (t->type == JSON_STRING) {
		a--;
		b++;
	}
	ew_snprintf(out, cap, "%.*s", (int)(b - a), r->s + a);
}

static int
param(struct req *r, const char *key)
{
	if (r->params < 0)
		return -1;
	return json_obj_get(r->s, r->t, r->params, key);
}

static int
need(struct req *r, const char *key)
{
	int i = param(r, key);

	if (i < 0)
		ew_snprintf(r->err, sizeof(r->err), "missing param \"%s\"",
		    key);
	return i;
}

static struct port *
get_port(struct req *r)
{
	char buf[64], raw[128];
	long long no;
	struct port *p;
	int i;

	if ((i = need(r, "port")) < 0)
		return NULL;
	if (r->t[i].type == JSON_NUMBER) {
		if (json_get_int(r->s, r->t, i, &no) < 0)
			no = -1;
	} else if (r->t[i].type != JSON_STRING ||
	    json_get_str(r->s, r->t, i, buf, sizeof(buf)) < 0 ||
	    !ew_isdigit(buf[0]) || ew_parse_int(buf, &no) < 0)
		no = -1;
	if (no <= 0 || no > 0x7fffffff) {
		raw_text(r, i, raw, sizeof(raw));
		ew_snprintf(r->err, sizeof(r->err), "invalid port %s: a port "
		    "number, 1 or more", raw);
		return NULL;
	}
	p = port_find((int)no);
	if (p == NULL)
		ew_snprintf(r->err, sizeof(r->err), "no port %lld", no);
	return p;
}

/* Optional string option: NULL when absent or null. */
static int
opt_str(struct req *r, int obj, const char *key, char *out, size_t cap,
    const char **res)
{
	int i;

	*res = NULL;
	if (obj < 0 || (i = json_obj_get(r->s, r->t, obj, key)) < 0 ||
	    r->t[i].type == JSON_NULL)
		return 0;
	if (r->t[i].type != JSON_STRING ||
	    json_get_str(r->s, r->t, i, out, cap) < 0) {
		ew_snprintf(r->err, sizeof(r->err), "invalid \"%s\": must be "
		    "a string (or null) of %zu bytes at most", key, cap - 1);
		return -1;
	}
	*res = out;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Methods */

static void settle_timeout(struct ev_timer *);

static struct rpc_wait *
wait_new(struct req *r)
{
	struct rpc_wait *w;

	w = calloc(1, sizeof(*w));
	if (w == NULL || (w->id = malloc(r->idlen)) == NULL) {
		free(w);
		ew_snprintf(r->err, sizeof(r->err), "out of memory");
		return NULL;
	}
	memcpy(w->id, r->id, r->idlen);
	w->idlen = r->idlen;
	timer_init(&w->tmo, settle_timeout);
	return w;
}

/* Unlinked (if linked) and freed; NULL is fine. */
static void
wait_free(struct rpc_wait *w)
{
	if (w == NULL)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else if (waits == w)
		waits = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	timer_stop(&w->tmo);
	cfgrun_client_added(w->opts, NULL);
	free(w->id);
	free(w);
}

static void
wait_link(struct rpc_wait *w)
{
	w->prev = NULL;
	w->next = waits;
	if (waits != NULL)
		waits->prev = w;
	waits = w;
}

/* The port as it is now, to whoever still waits; w freed. */
static void
wait_answer(struct rpc_wait *w, struct port *p)
{
	struct rpc_to to = w->to;
	char *id = w->id;
	size_t idlen = w->idlen;
	int no = w->port;
	char err[64];

	/* Out of the list before the reply, which may free the control
	 * connection (and so call rpc_abandon). */
	w->id = NULL;
	wait_free(w);
	if (to.fn != NULL && p != NULL)
		send_doc(&to, id, idlen, emit_one_port, p, NULL, 0, NULL);
	else if (to.fn != NULL) {
		ew_snprintf(err, sizeof(err), "no port %d: deleted while it "
		    "probed", no);
		send_error(&to, id, idlen, -32602, err);
	}
	free(id);
}

static int
probing(const struct port *p)
{
	return p->up && !p->shut && p->fwd == PORT_PROBING;
}

/* Probing took longer than it should: the port as it is. */
static void
settle_timeout(struct ev_timer *t)
{
	struct rpc_wait *w = container_of(t, struct rpc_wait, tmo);

	wait_answer(w, port_find(w->port));
}

/* Reply with p once it has settled: w (linked or not) waits for it, or
 * is answered now. */
static void
settle_wait(struct rpc_wait *w, struct port *p)
{
	if (!probing(p)) {
		wait_answer(w, p);
		return;
	}
	if (w->prev == NULL && waits != w)
		wait_link(w);
	w->port = p->no;
	timer_arm(&w->tmo, RPC_SETTLE_MAX_MS);
}

/* Reply to r with p, now or once it has settled. */
static void
reply_settled(struct req *r, struct port *p)
{
	struct rpc_wait *w;

	if (r->to.fn != NULL && probing(p) && (w = wait_new(r)) != NULL) {
		w->to = r->to;
		settle_wait(w, p);
	} else
		req_result(r, emit_one_port, p);
}

/* probe.c: p stopped probing; its waiting replies go. */
static void
rpc_settled(struct port *p)
{
	struct rpc_wait *w;

again:
	for (w = waits; w != NULL; w = w->next)
		if (w->port == p->no) {
			wait_answer(w, p);
			goto again;	/* the list may have changed */
		}
}


/* A client port's first attempt ended: answered once the new port has
 * settled, or now with the error, if anyone still waits. */
static void
addport_done(void *arg, struct port *p, const char *err)
{
	struct rpc_wait *w = arg;

	if (p != NULL) {	/* its options, for dump and reload */
		cfgrun_client_added(w->opts, p);
		w->opts = NULL;
	}
	if (w->to.fn != NULL && p != NULL) {
		settle_wait(w, p);
		return;
	}
	if (w->to.fn != NULL)
		send_error(&w->to, w->id, w->idlen, -32602, err);
	wait_free(w);
}

static int
m_addport(struct req *r)
{
	char type[16], target[URL_MAX], user[CRED_MAX], pass[CRED_MAX],
	    cacerts[1024], raw[128], pinbuf[128], pwfbuf[CFG_PATH_MAX];
	const char *u, *pw, *ca, *pin, *pwf;
	enum port_kind kind;
	struct rpc_wait *w;
	struct client *cl;
	struct port *p;
	int i, opts, insecure = 0;

	if ((i = need(r, "type")) < 0)
		return -1;
	if (json_get_str(r->s, r->t, i, type, sizeof(type)) < 0)
		type[0] = '\0';
	if (strcmp(type, "tap") == 0)
		kind = PORT_TAP;
	else if (strcmp(type, "netdev") == 0)
		kind = PORT_NETDEV;
	else if (strcmp(type, "client") == 0)
		kind = PORT_CLIENT;
	else {
		raw_text(r, i, raw, sizeof(raw));
		ew_snprintf(r->err, sizeof(r->err), "invalid port type %s: "
		    "tap, netdev or client", r->t[i].type == JSON_STRING ?
		    type : raw);
		return -1;
	}
	if ((i = need(r, "target")) < 0)
		return -1;
	if (json_get_str(r->s, r->t, i, target, sizeof(target)) < 0) {
		ew_snprintf(r->err, sizeof(r->err), "invalid \"target\": "
		    "must be a string of %d bytes at most", URL_MAX - 1);
		return -1;
	}
	if (kind != PORT_CLIENT) {
		p = tapport_add(kind, target, r->err, sizeof(r->err));
		if (p == NULL)
			return -1;
		reply_settled(r, p);
		return 0;
	}
	opts = param(r, "options");
	if (opts >= 0 && r->t[opts].type != JSON_OBJECT)
		opts = -1;
	if (opt_str(r, opts, "user", user, sizeof(user), &u) < 0 ||
	    opt_str(r, opts, "passwd", pass, sizeof(pass), &pw) < 0 ||
	    opt_str(r, opts, "cacerts", cacerts, sizeof(cacerts), &ca) < 0 ||
	    opt_str(r, opts, "pin", pinbuf, sizeof(pinbuf), &pin) < 0 ||
	    opt_str(r, opts, "pwfile", pwfbuf, sizeof(pwfbuf), &pwf) < 0)
		return -1;
	if (opts >= 0 && (i = json_obj_get(r->s, r->t, opts, "insecure")) >= 0)
		insecure = json_truthy(r->s, r->t, i);
	w = wait_new(r);
	if (w != NULL)
		w->opts = cfgrun_client_opts(u, pw, pwf, ca, insecure, pin);
	cl = w == NULL ? NULL : client_new(target, u, pw, ca, insecure, pin,
	    r->err, sizeof(r->err));
	explicit_bzero(pass, sizeof(pass));
	if (cl == NULL) {
		wait_free(w);
		return -1;
	}
	/* Answered by addport_done once the first attempt ends. */
	w->to = r->to;
	wait_link(w);
	client_start(cl, addport_done, w);
	return 0;
}

static int
m_setport(struct req *r)
{
	struct port *p = get_port(r);
	int i;

	if (p == NULL)
		return -1;
	i = param(r, "shut");
	if (i >= 0 && r->t[i].type != JSON_NULL)
		port_set_shut(p, json_truthy(r->s, r->t, i));
	reply_settled(r, p);
	return 0;
}

static int
m_showport(struct req *r)
{
	struct port *p = get_port(r);

	if (p == NULL)
		return -1;
	req_result(r, emit_showport, p);
	return 0;
}

static int
m_delport(struct req *r)
{
	struct port *p = get_port(r);

	if (p == NULL)
		return -1;
	/* The port as it was, before it closes: once deleted it no
	 * longer forwards, and its kind's state (a client's) is gone. */
	req_result(r, emit_one_port, p);
	port_delete(p, 1000);
	return 0;
}

static int
m_setif(struct req *r)
{
	char abuf[64], mbuf[64];
	const char *addr, *mask;
	long long mtu = 0;
	struct port *p = get_port(r);
	int i;

	if (p == NULL)
		return -1;
	if (p->kind != PORT_TAP && p->kind != PORT_NETDEV) {
		ew_snprintf(r->err, sizeof(r->err), "port %d is a %s port: "
		    "only tap and netdev ports have an interface", p->no,
		    port_kind_name(p->kind));
		return -1;
	}
	if (opt_str(r, r->params, "address", abuf, sizeof(abuf), &addr) < 0 ||
	    opt_str(r, r->params, "netmask", mbuf, sizeof(mbuf), &mask) < 0)
		return -1;
	i = param(r, "mtu");
	if (i >= 0 && r->t[i].type != JSON_NULL &&
	    (json_get_int(r->s, r->t, i, &mtu) < 0 || mtu <= 0 ||
	    mtu > MTU_MAX)) {
		raw_text(r, i, abuf, sizeof(abuf));
		ew_snprintf(r->err, sizeof(r->err), "invalid mtu %s: must be "
		    "1..%d", abuf, MTU_MAX);
		return -1;
	}
	if (ifconf_set(p->ifname, addr, mask, (int)mtu, r->err,
	    sizeof(r->err)) < 0)
		return -1;
	req_result(r, emit_one_if, p);
	return 0;
}

/* reload: the --config file applied again; the ports as listPort. */
static int
m_reload(struct req *r)
{
	if (cfgrun_reload(r->err, sizeof(r->err)) < 0)
		return -1;
	req_result(r, emit_ports, NULL);
	return 0;
}

/* dump: the ports as a --config file, the result one JSON string. */
static int
m_dump(struct req *r)
{
	char *text = cfgrun_dump(), *buf = NULL;
	size_t cap;
	struct jw w;

	/* every byte escaped at worst (\u00XX), the id, the envelope */
	cap = text == NULL ? 0 : 6 * strlen(text) + r->idlen + 64;
	if (text != NULL && cap > reply_room(&r->to)) {
		free(text);
		ew_snprintf(r->err, sizeof(r->err), "the dump does not fit in "
		    "the reply's room (%zu bytes)", reply_room(&r->to));
		return -1;
	}
	if (text == NULL || (buf = malloc(cap)) == NULL) {
		free(text);
		ew_snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	jw_init(&w, buf, cap);
	jw_raw(&w, "{\"jsonrpc\": \"2.0\", \"id\": ");
	jw_put(&w, r->id, r->idlen);
	jw_member_str(&w, ", \"result\": ", text);
	jw_raw(&w, "}");
	free(text);
	if (w.ovf) {		/* cannot be: cap is the worst case */
		free(buf);
		ew_snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	if (r->to.fn != NULL)
		r->to.fn(r->to.ctx, buf, w.len);
	free(buf);
	return 0;
}

static int
m_list(struct req *r, emit_fn *emit)
{
	req_result(r, emit, NULL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The envelope */

static int
envelope(struct req *r, char *name, size_t cap)
{
	char method[256], ver[64];
	int i, m;

	if (r->t[r->obj].type != JSON_OBJECT) {
		req_error(r, -32600, r->obj == 0 ? "a request must be a JSON "
		    "object (or a non-empty array of them: a batch)" : "a "
		    "request in a batch must be a JSON object");
		return -1;
	}
	if ((i = json_obj_get(r->s, r->t, r->obj, "jsonrpc")) < 0) {
		req_error(r, -32600, "missing \"jsonrpc\": \"2.0\"");
		return -1;
	}
	if (!json_str_eq(r->s, r->t, i, "2.0")) {
		if (json_get_str(r->s, r->t, i, ver, sizeof(ver)) < 0)
			raw_text(r, i, ver, sizeof(ver));
		ew_snprintf(r->err, sizeof(r->err),
		    "unsupported \"jsonrpc\": %s (must be \"2.0\")", ver);
		req_error(r, -32600, r->err);
		return -1;
	}
	if ((m = json_obj_get(r->s, r->t, r->obj, "method")) < 0) {
		req_error(r, -32600, "missing \"method\"");
		return -1;
	}
	if (json_get_str(r->s, r->t, m, method, sizeof(method)) < 0)
		raw_text(r, m, method, sizeof(method));
	if (r->t[m].type != JSON_STRING ||
	    strncmp(method, NS, strlen(NS)) != 0) {
		ew_snprintf(r->err, sizeof(r->err), "unknown method %s "
		    "(methods are named " NS "NAME)", method);
		req_error(r, -32601, r->err);
		return -1;
	}
	ew_snprintf(name, cap, "%s", method + strlen(NS));
	return 0;
}

/* Run the method of r (its envelope checked). */
static void
dispatch(struct req *r, const char *name)
{
	int i, rc;

	if (strcmp(name, "listPort") == 0)
		rc = m_list(r, emit_ports);
	else if (strcmp(name, "listInterface") == 0)
		rc = m_list(r, emit_ifs);
	else if (strcmp(name, "listFdb") == 0)
		rc = m_list(r, emit_fdb);
	else if (strcmp(name, "reload") == 0)
		rc = m_reload(r);
	else if (strcmp(name, "dump") == 0)
		rc = m_dump(r);
	else if (strcmp(name, "addPort") != 0 && strcmp(name, "setPort") != 0 &&
	    strcmp(name, "delPort") != 0 && strcmp(name, "setInterface") != 0 &&
	    strcmp(name, "showPort") != 0) {
		ew_snprintf(r->err, sizeof(r->err), "unknown method " NS "%s",
		    name);
		req_error(r, -32601, r->err);
		return;
	} else {
		i = json_obj_get(r->s, r->t, r->obj, "params");
		if (i >= 0 && r->t[i].type != JSON_OBJECT) {
			req_error(r, -32602, "\"params\" must be an object");
			return;
		}
		r->params = i;
		if (strcmp(name, "addPort") == 0)
			rc = m_addport(r);
		else if (strcmp(name, "setPort") == 0)
			rc = m_setport(r);
		else if (strcmp(name, "delPort") == 0)
			rc = m_delport(r);
		else if (strcmp(name, "showPort") == 0)
			rc = m_showport(r);
		else
			rc = m_setif(r);
	}
	if (rc < 0)
		req_error(r, -32602, r->err);
}

/*
 * The request at token obj: its reply goes to *to, now or later.  A
 * notification (a valid request without "id") runs and gets no reply,
 * not even an error; an invalid request always gets one (id null).
 * Returns 1 if a reply comes, 0 if none.
 */
static int
rpc_one(const struct rpc_to *to, const char *body, struct json_tok *toks,
    int obj)
{
	struct req r;
	char name[256];
	int i, notify;

	memset(&r, 0, sizeof(r));
	r.to = *to;
	r.s = body;
	r.t = toks;
	r.obj = obj;
	r.id = "null";
	r.idlen = 4;
	r.params = -1;
	i = toks[obj].type == JSON_OBJECT ?
	    json_obj_get(body, toks, obj, "id") : -1;
	if (i >= 0) {
		r.id = body + toks[i].start - (toks[i].type == JSON_STRING);
		r.idlen = toks[i].end - toks[i].start +
		    (toks[i].type == JSON_STRING ? 2 : 0);
	}
	notify = i < 0;
	if (envelope(&r, name, sizeof(name)) < 0)
		return 1;
	if (notify)
		r.to.fn = NULL;
	dispatch(&r, name);
	return !notify;
}

static void
batch_free(struct rpc_batch *b)
{
	size_t k;

	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		batches = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	for (k = 0; k < b->n; k++)
		free(b->part[k].reply);
	free(b);
}

/* One reply less to wait for; the last one sends the array: "[r1, r2]",
 * or no body at all when every request was a notification. */
static void
batch_done(struct rpc_batch *b)
{
	size_t k, len = 2;
	char *out;

	if (--b->pending > 0)
		return;
	for (k = 0; k < b->n; k++)
		if (b->part[k].reply != NULL)
			len += b->part[k].len + 2;
	if (b->to.fn != NULL && len == 2)
		b->to.fn(b->to.ctx, NULL, 0);
	else if (b->to.fn != NULL && (out = malloc(len)) != NULL) {
		len = 0;
		out[len++] = '[';
		for (k = 0; k < b->n; k++) {
			if (b->part[k].reply == NULL)
				continue;
			if (len > 1) {
				memcpy(out + len, ", ", 2);
				len += 2;
			}
			memcpy(out + len, b->part[k].reply, b->part[k].len);
			len += b->part[k].len;
			free(b->part[k].reply);	/* not held twice */
			b->part[k].reply = NULL;
		}
		out[len++] = ']';
		b->to.fn(b->to.ctx, out, len);
		free(out);
	} else if (b->to.fn != NULL)
		send_error(&b->to, "null", 4, -32603, "out of memory");
	batch_free(b);
}

/* rpc_reply_fn of one request of a batch. */
static void
batch_part(void *ctx, const char *body, size_t len)
{
	struct rpc_part *pt = ctx;

	if ((pt->reply = malloc(len > 0 ? len : 1)) != NULL) {
		memcpy(pt->reply, body, len);
		pt->len = len;
		/* ", " and the reply; errors may eat into the slack */
		pt->b->room -= len + 2 < pt->b->room ? len + 2 : pt->b->room;
	}
	batch_done(pt->b);
}

static void
batch_run(const struct rpc_to *to, const char *body, struct json_tok *toks)
{
	struct rpc_batch *b;
	struct rpc_to pto;
	size_t k, n = toks[0].size;
	int i;

	if (n > CTL_MAX_BATCH) {
		char err[ERR_MAX];

		ew_snprintf(err, sizeof(err), "a batch of %zu requests: %d at "
		    "most", n, CTL_MAX_BATCH);
		send_error(to, "null", 4, -32600, err);
		return;
	}
	if ((b = calloc(1, sizeof(*b) + n * sizeof(b->part[0]))) == NULL) {
		send_error(to, "null", 4, -32603, "out of memory");
		return;
	}
	b->to = *to;
	b->room = to->max > 2 ? to->max - 2 : 0;	/* "[]" */
	b->n = n;
	b->pending = 1;		/* held until every request has run */
	b->next = batches;
	if (batches != NULL)
		batches->prev = b;
	batches = b;
	pto.fn = batch_part;
	for (k = 0, i = 1; k < n; k++, i = (int)toks[i].next) {
		b->part[k].b = b;
		pto.ctx = &b->part[k];
		b->pending++;
		if (!rpc_one(&pto, body, toks, i))
			b->pending--;
	}
	batch_done(b);
}

void
rpc_request(const char *body, size_t len, rpc_reply_fn *reply, void *ctx,
    size_t max)
{
	static struct json_tok toks[JSON_MAX_TOKENS];
	struct rpc_to to = { reply, ctx, max };
	const char *perr;
	char err[ERR_MAX];

	if (json_parse(body, len, toks, JSON_MAX_TOKENS, JSON_MAX_DEPTH,
	    &perr) < 0) {
		ew_snprintf(err, sizeof(err), "not JSON: %s", perr);
		send_error(&to, "null", 4, -32700, err);
		return;
	}
	if (toks[0].type == JSON_ARRAY && toks[0].size == 0)
		send_error(&to, "null", 4, -32600, "an empty batch: a batch "
		    "is an array of one request or more");
	else if (toks[0].type == JSON_ARRAY)
		batch_run(&to, body, toks);
	else if (!rpc_one(&to, body, toks, 0))
		reply(ctx, NULL, 0);
}

void
rpc_init(void)
{
	probe_on_settled(rpc_settled);
}

void
rpc_abandon(void *ctx)
{
	struct rpc_wait *w, *next;
	struct rpc_batch *b;

	/* A settling reply goes now; one a client holds, when it ends.  A
	 * batch's requests reply to the batch, which lives until the last
	 * one has (each bounded), and then sends nothing. */
	for (w = waits; w != NULL; w = next) {
		next = w->next;
		if (w->to.ctx != ctx)
			continue;
		w->to.fn = NULL;
		if (w->port != 0)
			wait_free(w);
	}
	for (b = batches; b != NULL; b = b->next)
		if (b->to.ctx == ctx)
			b->to.fn = NULL;
}
