/*
 * conn_ws.c - a connection's open WebSocket: frames out (data frames by
 * the queue or, for sparse flows, its lane: txq.c), Ping/Pong, the close
 * handshake, messages in, the keepalive.  The socket, buffers and the
 * memory bound are conn.c's (conn_int.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conn.h"
#include "conn_int.h"
#include "container.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "sys.h"
#include "ws.h"

static int pong_late(struct conn *c);
static void conn_ka_cb(struct ev_timer *t);

static const struct conn_ws_ops ws_ops = {
	.input = conn_ws_input,
	.sent = pong_late,
};

void
conn_ws_open(struct conn *c, const struct http_msg *m, int server)
{
	const struct http_header *h = http_header(m, OFFLOAD_HEADER);

	c->offload = !conn_conf.nooffload && h != NULL &&
	    http_has_token(h->value, h->value_len, OFFLOAD_TOKEN);
	c->state = CS_WS;
	c->wsops = &ws_ops;
	timer_init(&c->ka, conn_ka_cb);	/* never armed before this */
	ws_rx_init(&c->rx, server, MAX_FRAME +
	    (c->offload ? VNET_HDR_LEN : 0));
}

/* A data frame (f, len) of all bytes on the wire goes by the lane
 * (txq.c), whose buffer is made within --maxmem: 1, else 0 (*flow is
 * its bucket either way). */
static int
lane_take(struct conn *c, const uint8_t *f, size_t len, size_t all,
    unsigned *flow)
{
	if (!txq_sparse(&c->txq, f, len, all, out_pos(c, c->outoff), flow))
		return 0;
	if (c->txq.lane == NULL && (mem_room(c, TXQ_LANE_MAX) < 0 ||
	    txq_lane_new(&c->txq) < 0))
		return 0;
	mem_update(c);
	return 1;
}

/* Queue a message: pre (prelen bytes, e.g. an offload header) then p;
 * keep: a control message (never dropped, never by the lane). */
static int
ws_send2(struct conn *c, int op, const uint8_t *pre, size_t prelen,
    const uint8_t *p, size_t len, size_t cap, int keep)
{
	uint8_t hdr[WS_HDR_MAX], key[4], *d;
	size_t h, all;
	unsigned flow = 0;
	int lane;

	if (c->client)
		ew_mask_key(key);
	h = ws_frame_header(hdr, op, prelen + len, c->client ? key : NULL);
	all = h + prelen + len;
	lane = !keep && lane_take(c, p, len, all, &flow);
	if (!lane && out_reserve(c, all, cap) < 0)
		return -1;
	d = lane ? txq_lane_put(&c->txq, flow, all,
	    (uint32_t)c->queued) : c->out + c->outlen;
	memcpy(d, hdr, h);
	if (c->client) {	/* masked as it is copied: one pass */
		ws_mask_copy(d + h, pre, prelen, key, 0);
		ws_mask_copy(d + h + prelen, p, len, key, prelen);
	} else {
		if (prelen > 0)
			memcpy(d + h, pre, prelen);
		if (len > 0)
			memcpy(d + h + prelen, p, len);
	}
	if (!lane) {
		c->outlen += all;
		c->queued += all;
		txq_add(&c->txq, (uint32_t)(c->queued - all),
		    (uint32_t)c->queued, keep, txq_now_us());
		if (!keep)
			txq_queued(&c->txq, flow, (uint32_t)c->queued);
	}
	mark_dirty(c);
	if (!keep)
		conn_push(c);
	return 0;
}

static int
ws_send(struct conn *c, int op, const uint8_t *p, size_t len, size_t cap)
{
	return ws_send2(c, op, NULL, 0, p, len, cap, 1);
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
		    (size_t)conn_conf.queue + OUT_CTRL_SLACK, 1);
	/* Tail drop when the queue would pass --queue bytes. */
	if (c->outlen - c->outoff + hl + len > (size_t)conn_conf.queue)
		return -1;
	return ws_send2(c, WS_OP_BINARY, h, hl, frame, len,
	    (size_t)conn_conf.queue + WS_HDR_MAX + 16, 0);
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
pong(struct conn *c, const uint8_t *p, size_t len)
{
	if (ws_send(c, WS_OP_PONG, p, len,
	    (size_t)conn_conf.queue + OUT_CTRL_SLACK) == 0)
		c->pong_end = c->queued;
}

/* Our last Pong has left: answer the Ping kept meanwhile.  1 if that
 * queued something. */
static int
pong_late(struct conn *c)
{
	if (!c->late || c->sent < c->pong_end || c->state != CS_WS)
		return 0;
	c->late = 0;
	pong(c, c->late_ping, c->late_len);
	return c->outoff < c->outlen;
}

static void
ws_send_close(struct conn *c, int code)
{
	uint8_t b[2];

	b[0] = (uint8_t)(code >> 8);
	b[1] = (uint8_t)code;
	c->txq.credit = SIZE_MAX;	/* the lane's frames go first */
	ws_send(c, WS_OP_CLOSE, b, code ? 2 : 0,
	    (size_t)conn_conf.queue + OUT_CTRL_SLACK);
}

void
conn_close(struct conn *c, int code)
{
	c->owner = NULL;
	c->name = NULL;
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
	struct vnet vh;

	switch (ev->type) {
	case WS_EV_MESSAGE:
		if (c->owner == NULL || c->state != CS_WS)
			break;
		if (!c->offload)
			c->ops->message(c, ev->data, ev->len, NULL);
		else if (ev->len >= VNET_HDR_LEN) {
			vnet_decode(&vh, ev->data);
			c->ops->message(c, ev->data + VNET_HDR_LEN,
			    ev->len - VNET_HDR_LEN, &vh);
		} else
			c->ops->dropped(c);
		break;
	case WS_EV_DROPPED:
		if (c->owner != NULL && c->state == CS_WS)
			c->ops->dropped(c);
		break;
	case WS_EV_PING:
		if (c->state != CS_WS)
			break;
		/* While our last Pong is still queued, only the latest
		 * Ping is kept, answered once that Pong has left (RFC 6455
		 * 5.5.3): a peer that pings and never reads cannot pile
		 * Pongs up. */
		if (c->sent < c->pong_end) {
			memcpy(c->late_ping, ev->data, ev->len);
			c->late_len = ev->len;
			c->late = 1;
		} else
			pong(c, ev->data, ev->len);
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

/* The peer broke the protocol: why, in c->err (what its lost port
 * shows) and in the log, with the first bytes where the receiver
 * stopped (a frame's header, or what stands in its place). */
static void
ws_why(struct conn *c, const uint8_t *p, size_t n, int code)
{
	char hex[16 * 3 + 1];
	size_t i, k = n < 16 ? n : 16;

	hex[0] = '\0';
	for (i = 0; i < k; i++)
		ew_snprintf(hex + 3 * i, 4, "%s%02x", i ? " " : "", p[i]);
	ew_snprintf(c->err, sizeof(c->err), "WebSocket protocol error %d "
	    "at: %s", code, hex);
	log_msg_rl(EW_LOG_WARNING, "wsproto", "%s: %s",
	    c->name != NULL ? c->name : c->peer, c->err);
}

void
conn_ws_input(struct conn *c)
{
	struct ws_event ev;
	size_t off = 0, n;
	uint8_t *frag;

	while (off < c->inlen && !c->dead && !c->doomed &&
	    (c->state == CS_WS || c->state == CS_CLOSING)) {
		frag = c->rx.frag;
		n = ws_rx_feed(&c->rx, c->in + off, c->inlen - off, &ev);
		if (c->rx.frag != frag) {
			/* the receiver took its buffer for fragments */
			mem_update(c);
			if (mem_room(c, 0) < 0)
				break;
		}
		if (n == 0 && ev.type != WS_EV_ERROR)
			break;
		if (ev.type == WS_EV_ERROR && c->state == CS_WS)
			ws_why(c, c->in + off, c->inlen - off, ev.code);
		off += n;
		if (ev.type != WS_EV_NONE)
			ws_event(c, &ev);
		if (ev.type == WS_EV_ERROR || ev.type == WS_EV_CLOSE) {
			off = c->inlen;
			break;
		}
	}
	if (!c->dead && !c->doomed) {
		if (c->state == CS_LINGER)
			off = c->inlen;
		in_consume(c, off);
	}
}

void
conn_keepalive(struct conn *c)
{
	c->last_rx = ew_now_ms();
	if (conn_conf.keepalive > 0)
		timer_arm(&c->ka, (uint64_t)conn_conf.keepalive * 1000);
}

static void
conn_ka_cb(struct ev_timer *t)
{
	struct conn *c = container_of(t, struct conn, ka);
	uint64_t now = ew_now_ms(), ka = (uint64_t)conn_conf.keepalive * 1000;
	uint8_t payload[8];
	int i;

	if (c->state != CS_WS || ka == 0)
		return;
	if (now - c->last_rx < ka) {
		timer_arm(t, ka - (now - c->last_rx));
		return;
	}
	if (c->ping_out) {
		const char *who = c->name != NULL ? c->name : c->peer;

		log_msg_rl(EW_LOG_WARNING, who, "keepalive timeout: %s", who);
		conn_lost(c);
		conn_free(c);
		return;
	}
	for (i = 0; i < 8; i++)
		payload[i] = (uint8_t)(now >> (56 - 8 * i));
	ws_send(c, WS_OP_PING, payload, sizeof(payload),
	    (size_t)conn_conf.queue + OUT_CTRL_SLACK);
	c->ping_out = 1;
	c->last_rx = now;	/* the next check is one period away */
	timer_arm(t, ka);
}

