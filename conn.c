/*
 * conn.c - tunnel and control connections: the socket, TLS, buffers and
 * their memory bound, output (the tx queue's discipline: txq.c; what the
 * socket may hold: pace.c), input; the open WebSocket itself (frames,
 * ping/pong, keepalive, the close handshake) is conn_ws.c's, through
 * conn_int.h.  What a connection is for -- an accepted request
 * (serve.c, ctlsrv.c), a client attempt and port (client.c) -- is its
 * owner's business, reached through the owner's struct conn_ops.
 *
 * One entry point per connection (conn_io) runs the layers in order;
 * epoll interest is derived from state after every step; a failing
 * connection is closed and the daemon goes on.  Connections are freed
 * after the dispatch round (loop_bury), never inside their callback.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "conn.h"
#include "conn_int.h"
#include "container.h"
#include "errtext.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "sock.h"
#include "sys.h"
#include "tls.h"

static struct conn	*conns;
static size_t		 nconns, nctl, ntun;	/* all, control, accepted tunnel */
static struct conn	*dirty_head;
static size_t		 conn_tun_cap = SIZE_MAX;

static void conn_io(struct ev_watcher *, uint32_t);

size_t
conn_count(void)
{
	return nconns;
}

/* ------------------------------------------------------------------ */
/* Memory: one bound for the buffers of all connections together */

/* Buffer bytes of every tunnel and client connection together (at most
 * --maxmem), and the connections cut so far to keep it there. */
static size_t		 conn_mem;
static uint64_t		 conn_mem_cuts;
struct conn_conf	 conn_conf;
static size_t		 ctl_mem;	/* control connections': CTL_MEM_MAX */
static uint64_t		 conn_evicted;	/* unfinished requests closed at
					 * the limit for new ones */

static struct conn	*cut_head;
static struct ev_timer	 cut_timer;	/* the count, a second after a cut */
static uint64_t		 cuts_told;

void
conn_configure(const struct conn_conf *cf)
{
	conn_conf = *cf;
}

long long
conn_keepalive_s(void)
{
	return conn_conf.keepalive;
}

long long
conn_queue_max(void)
{
	return conn_conf.queue;
}

int
conn_offer_offload(void)
{
	return !conn_conf.nooffload;
}

void
conn_set_tun_cap(size_t cap)
{
	conn_tun_cap = cap;
}

void
conn_stats(struct conn_stats *st)
{
	st->ctl = nctl;
	st->tunnel = ntun;
	st->client = nconns - nctl - ntun;
	st->ctl_max = conn_conf.ctlmaxconn;
	st->tunnel_max = conn_conf.maxconn;
	st->queue_max = (size_t)conn_conf.queue;
	st->mem = conn_mem;
	st->mem_max = (size_t)conn_conf.maxmem;
	st->mem_cuts = conn_mem_cuts;
	st->evicted = conn_evicted;
}

static void conn_fail(struct conn *c);

/* c's buffers changed size: conn_mem follows. */
void
mem_update(struct conn *c)
{
	size_t now;

	if (c->doomed)
		return;
	now = (c->in_shared ? 0 : c->incap) + c->outcap +
	    (c->rx.frag != NULL ? c->rx.max : 0) +
	    (c->tls != NULL ? tls_size(c->client) : 0) +
	    (c->txq.lane != NULL ? TXQ_LANE_MAX : 0);
	if (c->ctl)
		ctl_mem = ctl_mem - c->held + now;
	else
		conn_mem = conn_mem - c->held + now;
	c->held = now;
}

/* The cut connections, closed once the round's callbacks are over (a
 * cut can happen deep inside another connection's input). */
static void
cut_run(void)
{
	struct conn *c;

	while ((c = cut_head) != NULL) {
		cut_head = c->cut_next;
		c->cut_next = NULL;
		ew_snprintf(c->err, sizeof(c->err), "%s",
		    "MemoryError: --maxmem reached");
		conn_fail(c);
	}
}

static void
cut_unlink(struct conn *c)
{
	struct conn **pp;

	for (pp = &cut_head; *pp != NULL; pp = &(*pp)->cut_next)
		if (*pp == c) {
			*pp = c->cut_next;
			break;
		}
}

/* The count, once a burst of cuts is over: a line a second at most, and
 * always one with the final count. */
static void
cut_tell(struct ev_timer *t)
{
	(void)t;
	if (cuts_told == conn_mem_cuts)
		return;
	cuts_told = conn_mem_cuts;
	log_msg(EW_LOG_WARNING, "memory bound (--maxmem %lld): %llu "
	    "connections cut so far, %zu bytes held now", conn_conf.maxmem,
	    (unsigned long long)conn_mem_cuts, conn_mem);
}

/* Cut v, which holds (or would hold) most: what it queued goes now,
 * the connection at the round's end. */
static void
mem_cut(struct conn *v, size_t most)
{
	const char *who = v->name != NULL ? v->name : v->peer;

	conn_mem_cuts++;
	log_msg_rl(EW_LOG_WARNING, "maxmem", "memory bound reached (%zu of "
	    "%lld bytes): %s cut, holding %zu bytes (%llu cut so far; "
	    "raise --maxmem if the peers are honest)",
	    conn_mem, conn_conf.maxmem, who, most,
	    (unsigned long long)conn_mem_cuts);
	if (cut_timer.cb == NULL)
		timer_init(&cut_timer, cut_tell);
	if (cut_timer.idx < 0)
		timer_arm(&cut_timer, 1000);
	v->doomed = 1;
	free(v->out);
	v->out = NULL;
	v->outcap = v->outoff = v->outlen = 0;
	v->sent = v->queued;
	conn_mem -= v->held;
	v->held = 0;
	v->cut_next = cut_head;
	cut_head = v;
	loop_idle(cut_run);
}

/*
 * The oldest accepted tunnel connection but except still in its request
 * (TLS handshake or head), holding memory if held; NULL if none.
 */
static struct conn *
oldest_unfinished(const struct conn *except, int held)
{
	struct conn *c, *old = NULL;

	for (c = conns; c != NULL; c = c->next)
		if (c != except && !c->client && !c->ctl && !c->dead &&
		    !c->doomed && c->state == CS_REQ && (!held || c->held))
			old = c;	/* the list runs newest first */
	return old;
}

size_t
conn_ctl_room(void)
{
	return ctl_mem < CTL_MEM_MAX ? CTL_MEM_MAX - ctl_mem : 0;
}

/*
 * Room for c to hold grow more bytes within --maxmem: while it is not
 * there, the oldest unfinished request holding memory is cut, and where
 * there is none the tunnel connection that would hold the most (c included,
 * with the growth) is cut.  0, or -1 when c itself was cut or nothing is
 * left to cut (control connections are never cut: the operator's).
 */
int
mem_room(struct conn *c, size_t grow)
{
	struct conn *v, *big;
	size_t max = (size_t)conn_conf.maxmem, h, bigh;

	/* Control connections have their own bound and cut nobody: a
	 * local user's TLS handshakes cannot push tunnels out. */
	if (c->ctl)
		return grow > conn_ctl_room() ? -1 : 0;
	while (conn_mem + grow > max) {
		/* Requests never finished go first, oldest first (as at
		 * --maxconn): idle handshakes cannot crowd out the peers
		 * that finished theirs; then whoever holds most. */
		if ((big = oldest_unfinished(c, 1)) != NULL) {
			mem_cut(big, big->held);
			continue;
		}
		bigh = 0;
		for (v = conns; v != NULL; v = v->next) {
			if (v->dead || v->doomed || v->ctl)
				continue;
			h = v == c ? v->held + grow : v->held;
			if (h > bigh) {
				big = v;
				bigh = h;
			}
		}
		if (big == NULL)
			return -1;
		mem_cut(big, bigh);
		if (big == c)
			return -1;
	}
	return 0;
}

int
conn_tls_server(struct conn *c, const struct tls_creds *cr)
{
	if (mem_room(c, tls_size(0)) < 0)
		return CONN_NO_ROOM;
	if ((c->tls = tls_server_new(cr)) == NULL)
		return -1;
	mem_update(c);
	return 0;
}

int
conn_tls_client(struct conn *c, const struct tls_anchors *ta,
    const char *host, int insecure, const uint8_t *pin)
{
	if (mem_room(c, tls_size(1)) < 0)
		return CONN_NO_ROOM;
	if ((c->tls = tls_client_new(ta, host, insecure, pin)) == NULL)
		return -1;
	mem_update(c);
	return 0;
}

/*
 * Every CONN_TRIM_MS: a connection that neither read nor sent since the
 * last time gives back the buffers it holds empty.  A busy one keeps
 * them, so that its reads and sends allocate nothing.
 */
static struct ev_timer	 trim_timer;

static void
conn_trim(struct ev_timer *t)
{
	struct conn *c;

	for (c = conns; c != NULL; c = c->next) {
		if (c->busy || c->dead || c->doomed) {
			c->busy = 0;
			continue;
		}
		if (c->in != NULL && c->inlen == 0 && !c->in_shared) {
			free(c->in);
			c->in = NULL;
			c->incap = 0;
		}
		if (c->out != NULL && c->outoff == c->outlen) {
			free(c->out);
			c->out = NULL;
			c->outcap = c->outoff = c->outlen = 0;
		}
		if (c->txq.laneoff == c->txq.lanelen)
			txq_free(&c->txq);
		mem_update(c);
	}
	if (conns != NULL)
		timer_arm(t, CONN_TRIM_MS);
}

/* ------------------------------------------------------------------ */
/* Buffers */

/* Room for need more bytes in out, which may not pass cap in all. */
int
out_reserve(struct conn *c, size_t need, size_t cap)
{
	uint8_t *n;
	size_t size;

	if (c->doomed)
		return -1;
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
	if (mem_room(c, size - c->outcap) < 0)
		return -1;
	n = realloc(c->out, size);
	if (n == NULL)
		return -1;
	c->out = n;
	c->outcap = size;
	mem_update(c);
	return 0;
}

int
conn_put(struct conn *c, const void *p, size_t len, size_t cap)
{
	if (out_reserve(c, len, cap) < 0)
		return -1;
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	c->queued += len;
	mark_dirty(c);
	return 0;
}

int
out_append(struct conn *c, const void *p, size_t len)
{
	return conn_put(c, p, len, (size_t)conn_conf.queue + OUT_CTRL_SLACK);
}

static int
in_grow(struct conn *c)
{
	uint8_t *n;
	size_t size;

	if (c->incap >= c->inmax || c->doomed)
		return -1;
	size = c->incap ? c->incap * 2 : IN_OWN_MIN;
	if (size > c->inmax)
		size = c->inmax;
	if (c->in_shared) {	/* room there already */
		c->incap = size;
		return 0;
	}
	if (mem_room(c, size - c->incap) < 0)
		return -1;
	n = realloc(c->in, size);
	if (n == NULL)
		return -1;
	c->in = n;
	c->incap = size;
	mem_update(c);
	return 0;
}

void
in_consume(struct conn *c, size_t n)
{
	if (n == 0)
		return;
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/*
 * Reads go to one buffer shared by every connection (conn_read is never
 * nested); what a read leaves unparsed -- the start of a message or of
 * a request head -- moves to a buffer of the connection's own, as large
 * as it needs, kept while the connection is busy (its reads go there)
 * and freed by conn_trim once it is idle and drained.  So an idle
 * connection, or one sending a head byte by byte, holds next to nothing.
 */
static uint8_t	 in_shared_buf[IN_MAX];

static void
in_borrow(struct conn *c)
{
	if (c->in != NULL)
		return;
	c->in = in_shared_buf;
	c->incap = c->inmax < IN_READ ? c->inmax : IN_READ;
	c->in_shared = 1;
}

/* After the reads: the shared buffer is given back, and what is left in
 * it moves to an own buffer.  0, or -1 when there is no room for that
 * (over --maxmem: c may have been cut). */
static int
in_return(struct conn *c)
{
	uint8_t *own;
	size_t size;

	if (c->state == CS_RPC)	/* the request was handed over */
		c->inlen = 0;
	if (!c->in_shared)	/* an own buffer, drained or not, stays */
		return 0;	/* while the connection is busy (conn_trim) */
	c->in_shared = 0;
	size = c->dead || c->doomed ? 0 : c->inlen;
	c->in = NULL;
	c->incap = 0;
	if (size == 0) {
		c->inlen = 0;
		return 0;
	}
	/* a head needs little more; a WebSocket's next read, room */
	size = c->state == CS_WS ? IN_READ : IN_OWN_MIN;
	while (size < c->inlen)
		size *= 2;
	if (size > c->inmax)
		size = c->inmax;
	if (mem_room(c, size) < 0 || (own = malloc(size)) == NULL) {
		c->inlen = 0;
		return -1;
	}
	memcpy(own, in_shared_buf, c->inlen);
	c->in = own;
	c->incap = size;
	mem_update(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Life cycle */

static void
tmo_cb(struct ev_timer *t);

/* The bound on what the socket holds (pace.c) has room again, maybe. */
static void
pace_cb(struct ev_timer *t)
{
	conn_flush(container_of(t, struct conn, pace.timer));
}

/*
 * The tunnel connections are at --maxconn: the oldest accepted one that
 * has not finished its request (TLS handshake or head) makes room, as
 * it does for memory (mem_room).  Whoever holds slots by never
 * finishing, from however many addresses, cannot lock out a peer that
 * finishes in time.  Called at accept, where no connection is in its
 * callbacks: closed at once.  1 if one went.
 */
static int
evict_for_slot(void)
{
	struct conn *old = oldest_unfinished(NULL, 0);

	if (old == NULL)
		return 0;
	conn_evicted++;
	log_msg_rl(EW_LOG_WARNING, "evict", "tunnel connections at the "
	    "limit (%lld): %s closed, its request unfinished, for a new "
	    "one (%llu so far)", conn_conf.maxconn, old->peer,
	    (unsigned long long)conn_evicted);
	conn_free(old);		/* no owner yet: nobody to tell */
	return 1;
}

/*
 * The control connections are at --ctlmaxconn and a newcomer of this
 * rank comes (conn.h: CTL_*): the oldest unfinished one (head or body
 * coming; a refused local user's also while its 403 drains) of a lower
 * rank goes,
 * else, for a remote peer or the operator, the oldest of its own rank.
 * A local user holding every slot with half-sent requests cannot lock
 * root out.  Called at accept: closed at once.  1 if one went.
 */
static int
evict_ctl(int rank)
{
	struct conn *c, *low = NULL, *same = NULL;

	for (c = conns; c != NULL; c = c->next) {	/* newest first */
		if (!c->ctl || c->dead || c->ctl > rank)
			continue;
		if (c->state == CS_REQ || c->state == CS_BODY)
			*(c->ctl < rank ? &low : &same) = c;
		else if (c->state == CS_LINGER && c->ctl == CTL_REFUSED &&
		    rank > CTL_REFUSED)
			low = c;	/* its 403 still draining */
	}
	if (low == NULL && rank >= CTL_REMOTE)
		low = same;
	if (low == NULL)
		return 0;
	conn_evicted++;
	log_msg_rl(EW_LOG_WARNING, "evictctl", "control connections at the "
	    "limit (%lld): %s closed, its request unfinished, for a new "
	    "one (%llu so far)", conn_conf.ctlmaxconn, low->peer,
	    (unsigned long long)conn_evicted);
	conn_free(low);
	return 1;
}

struct conn *
conn_new(int fd, int client, int ctl, const struct conn_ops *ops,
    void *owner)
{
	struct conn *c;

	/* Control connections have their own cap, so a flood of tunnel
	 * connections cannot lock the operator out (and vice versa). */
	/* Client attempts are the operator's own ports: never capped, so a
	 * flood on the tunnel listener cannot stop them reconnecting. */
	if (ctl ? nctl >= (size_t)conn_conf.ctlmaxconn && !evict_ctl(ctl) :
	    !client &&
	    (ntun >= (size_t)conn_conf.maxconn || ntun >= conn_tun_cap) &&
	    !evict_for_slot()) {
		log_msg_rl(EW_LOG_WARNING, ctl ? "ctlmaxconn" : "maxconn",
		    "connection refused: %s connections at the limit (%lld)",
		    ctl ? "control" : "tunnel",
		    ctl ? conn_conf.ctlmaxconn : conn_conf.maxconn);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ctl = ctl;
	c->ops = ops;
	c->owner = owner;
	c->w.fd = -1;
	c->w.cb = conn_io;
	c->client = client;
	c->inmax = IN_MAX_WS;
	timer_init(&c->tmo, tmo_cb);
	timer_init(&c->ka, NULL);	/* conn_ws_open sets its callback */
	timer_init(&c->pace.timer, pace_cb);
	if (fd >= 0 && loop_add(&c->w, fd, EPOLLIN) < 0) {
		free(c);
		return NULL;
	}
	c->next = conns;
	if (conns != NULL)
		conns->prev = c;
	conns = c;
	if (trim_timer.cb == NULL)
		timer_init(&trim_timer, conn_trim);
	if (trim_timer.idx < 0)
		timer_arm(&trim_timer, CONN_TRIM_MS);
	nconns++;
	nctl += ctl != 0;
	ntun += !ctl && !client;
	return c;
}

static void flush_dirty(void);

static void
conn_reap(struct ev_grave *g)
{
	struct conn *c = container_of(g, struct conn, grave);

	/* The dirty list may still hold it (dead, skipped): drain the list
	 * before the memory goes. */
	flush_dirty();
	if (c->ctl)
		ctl_mem -= c->held;
	else
		conn_mem -= c->held;
	ws_rx_free(&c->rx);
	tls_free(c->tls);
	txq_free(&c->txq);
	free(c->in);
	free(c->out);
	free(c);
}

/* Release everything now; free the memory after this round. */
void
conn_free(struct conn *c)
{
	int fd = c->w.fd;

	if (c->dead)
		return;
	c->dead = 1;
	if (c->doomed)
		cut_unlink(c);
	if (fd >= 0) {
		loop_del(&c->w);
		close(fd);
	}
	timer_stop(&c->tmo);
	timer_stop(&c->ka);
	timer_stop(&c->pace.timer);
	if (c->ops != NULL && c->ops->release != NULL)
		c->ops->release(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	nconns--;
	nctl -= c->ctl != 0;
	ntun -= !c->ctl && !c->client;
	loop_bury(&c->grave, conn_reap);
}

/* The open WebSocket is gone: the owner hears of it once. */
void
conn_lost(struct conn *c)
{
	if (c->owner == NULL || c->attempt)
		return;
	if (c->ops->lost != NULL)
		c->ops->lost(c);
	c->owner = NULL;
	c->name = NULL;
}

void
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
		ew_snprintf(c->err, sizeof(c->err), "TLS with %s failed: %s",
		    c->peer, tls_strerror(tls_error(c->tls)));
	else
		ew_snprintf(c->err, sizeof(c->err), "%s: %s", c->peer,
		    ew_strerror(e));
}

/* A client attempt fails (addPort or a retry); anything else is lost. */
static void
conn_fail(struct conn *c)
{
	if (c->attempt) {
		c->ops->failed(c, c->err);
		return;
	}
	conn_lost(c);
	conn_free(c);
}

/* Bytes not sent yet, in the queue and its lane. */
static size_t
unsent(const struct conn *c)
{
	return c->outlen - c->outoff + c->txq.lanelen - c->txq.laneoff;
}

/* Bytes wait to be sent, in the queue or its lane. */
static int
out_waits(const struct conn *c)
{
	return unsent(c) != 0;
}

/* The position (txq.h) of out[i]. */
uint32_t
out_pos(const struct conn *c, size_t i)
{
	return (uint32_t)(c->queued - (c->outlen - i));
}

/* One send, from the lane or the queue (txq.c): 1 if more may go, 0 if
 * not now (the socket's or the pace's bound), -1 if c failed.  mid: in
 * the middle of a round (conn_push), where a failure is not acted on:
 * 0, and the round's flush meets it again. */
static int
out_step(struct conn *c, int mid)
{
	struct txq *q = &c->txq;
	size_t len, room;
	ssize_t n;
	int lane;

	/* c->out is NULL while only the lane holds bytes (trimmed) */
	n = (ssize_t)txq_drop(q, c->out != NULL ? c->out + c->outoff : NULL,
	    c->outlen - c->outoff, out_pos(c, c->outoff), c->w.fd);
	c->outoff += (size_t)n;		/* CoDel's drops: unsent */
	c->sent += (uint64_t)n;
	lane = txq_lane_turn(q, out_pos(c, c->outoff), c->outlen - c->outoff);
	len = lane ? q->lanelen - q->laneoff : c->outlen - c->outoff;
	if (len == 0 || (room = pace_room(&c->pace, c->w.fd, len,
	    txq_now_us())) == 0)
		return 0;
	/* the queue's head frame only, while the lane waits */
	if (!lane)
		room = txq_whole(q, c->out + c->outoff, len,
		    out_pos(c, c->outoff), q->laneoff < q->lanelen ? 1 : room);
	n = xp_send(c, lane ? q->lane + q->laneoff : c->out + c->outoff, room);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EINTR)
			return 1;
		if (mid) {
			if (c->tx_errno == 0)
				c->tx_errno = errno;
			return 0;
		}
		tls_err_text(c, errno);
		c->outoff = c->outlen = 0;
		conn_fail(c);
		return -1;
	}
	pace_sent(&c->pace, (size_t)n);
	txq_sent(q, lane, (size_t)n);
	if (!lane) {
		txq_taken(q, c->out + c->outoff, len, out_pos(c, c->outoff),
		    out_pos(c, c->outoff + (size_t)n));
		c->outoff += (size_t)n;
		c->sent += (uint64_t)n;
	}
	c->busy = 1;
	return 1;
}

void
conn_flush(struct conn *c)
{
	uint64_t wr = c->pace.wr;
	int r;

	if (c->tx_errno != 0) {		/* met mid-round (conn_push) */
		tls_err_text(c, c->tx_errno);
		c->outoff = c->outlen = 0;
		conn_fail(c);
		return;
	}
	do {
		while ((r = out_step(c, 0)) > 0)
			;
		if (r < 0)
			return;
	} while (c->wsops != NULL && c->wsops->sent(c));
	if (c->pace.wr != wr)
		pace_after(&c->pace, c->w.fd, txq_now_us());
	if (c->tls != NULL && tls_flush(c->tls, c->w.fd) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK) {
		tls_err_text(c, errno);
		conn_fail(c);
		return;
	}
	if (!out_waits(c)) {
		c->outoff = c->outlen = 0;
		if (c->outcap > OUT_KEEP) {	/* give a burst's back */
			free(c->out);
			c->out = NULL;
			c->outcap = 0;
			mem_update(c);
		}
		if (c->eof_after == 1) {
			if (c->tls != NULL)
				tls_close(c->tls, c->w.fd);
			shutdown(c->w.fd, SHUT_WR);
			c->eof_after = 2;
		}
	}
	c->push_base = unsent(c);
	conn_update(c);
}

/*
 * What c holds leaves now, in the middle of a round, rather than with
 * the round's flush: a batch that grew large (TX_PUSH_BYTES).  Sends
 * only: c stays on the dirty list, and a failure (its errno kept, as
 * the socket tells it once) is left to the round's flush, where no
 * caller (a switch flooding a frame over its ports) still holds c.
 */
void
conn_push(struct conn *c)
{
	uint64_t wr = c->pace.wr;
	size_t q = (size_t)conn_conf.queue / 4;

	if (unsent(c) < c->push_base + (q < TX_PUSH_BYTES ? q :
	    TX_PUSH_BYTES) || c->dead || c->doomed || c->w.fd < 0 ||
	    c->state != CS_WS)
		return;
	while (out_step(c, 1) > 0)
		;
	c->push_base = unsent(c);	/* a send now would say EAGAIN */
	if (c->pace.wr != wr)
		pace_after(&c->pace, c->w.fd, txq_now_us());
	if (c->tls != NULL && tls_flush(c->tls, c->w.fd) < 0 &&
	    errno != EAGAIN && errno != EWOULDBLOCK && c->tx_errno == 0)
		c->tx_errno = errno;
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

void
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
		else if (out_waits(c) && !c->pace.blocked)
			ev |= EPOLLOUT;	/* at the bound, the timer looks */
	}
	loop_mod(&c->w, ev);
}

/* ------------------------------------------------------------------ */
/* Reading */

static void
conn_input(struct conn *c)
{
	switch (c->state) {
	case CS_WS:
	case CS_CLOSING:
		if (c->wsops != NULL)
			c->wsops->input(c);
		break;
	case CS_LINGER:
		c->inlen = 0;	/* discard */
		break;
	default:		/* the owner's: a request, a response */
		if (c->ops->input != NULL)
			c->ops->input(c);
		break;
	}
}


static void
conn_eof(struct conn *c)
{
	if (c->tx_errno != 0 && c->err[0] == '\0')	/* why, if a push */
		tls_err_text(c, c->tx_errno);		/* learnt it */
	if (c->attempt) {
		if (c->err[0] == '\0' || (c->tls != NULL &&
		    tls_established(c->tls) && tls_error(c->tls) == 0))
			ew_snprintf(c->err, sizeof(c->err), "%s closed the "
			    "connection before the handshake ended", c->peer);
		c->ops->failed(c, c->err);
		return;
	}
	conn_lost(c);
	conn_free(c);
}

static void
conn_read_some(struct conn *c)
{
	size_t want;
	ssize_t n;
	int i;

	for (i = 0; !c->dead && !c->doomed; i++) {
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
			if (c->doomed)	/* cut for memory: closed soon */
				return;
			/* Over --maxmem with nothing to cut, or a parser that
			 * wants more than inmax (cannot happen). */
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
		c->busy = 1;
		c->last_rx = ew_now_ms();
		c->ping_out = 0;
		conn_input(c);
		/* A short read of a plain socket drained it: epoll (level-
		 * triggered) reports what comes next, so skip the recv that
		 * would only say EAGAIN.  TLS may hold decrypted bytes the
		 * socket no longer shows, so it reads on. */
		if (c->tls == NULL && (size_t)n < want)
			return;
	}
}

static void
conn_read(struct conn *c)
{
	in_borrow(c);
	conn_read_some(c);
	if (in_return(c) < 0 && !c->doomed) {
		conn_lost(c);	/* over --maxmem, nothing else to cut */
		conn_free(c);
	}
}

/* ------------------------------------------------------------------ */
/* Timers */

static void
tmo_cb(struct ev_timer *t)
{
	struct conn *c = container_of(t, struct conn, tmo);

	if (c->attempt) {
		ew_snprintf(c->err, sizeof(c->err), "no answer within %d s "
		    "(%s)", CONNECT_TIMEOUT_MS / 1000, c->state == CS_RESOLVE ?
		    "name lookup" : c->state == CS_CONNECT ? "TCP connect" :
		    "TLS and WebSocket handshake");
		c->ops->failed(c, c->err);
		return;
	}
	/* Handshake deadline or close wait: just drop it. */
	conn_lost(c);
	conn_free(c);
}

/* ------------------------------------------------------------------ */
/* The per-connection entry point */

static void
conn_io(struct ev_watcher *w, uint32_t revents)
{
	struct conn *c = container_of(w, struct conn, w);

	if (c->doomed)		/* cut for memory: closed this round */
		return;
	if (c->state == CS_CONNECT) {
		if (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			c->ops->connected(c);
		return;
	}
	/* A control request still running reads nothing, but epoll reports
	 * a reset or hang-up whatever the interest: level-triggered, it
	 * would fire again at once, forever.  Nobody can take the reply:
	 * free the connection (its owner abandons the request). */
	if (c->state == CS_RPC && (revents & (EPOLLERR | EPOLLHUP))) {
		conn_free(c);
		return;
	}
	if ((revents & EPOLLOUT) && (out_waits(c) || c->tls)) {
		conn_flush(c);
		if (c->dead)
			return;
	}
	if (revents & EPOLLIN)
		conn_read(c);
	/* A TLS handshake that just finished may unblock queued output. */
	if (!c->dead && c->tls != NULL && out_waits(c))
		conn_flush(c);
	if (!c->dead)
		conn_update(c);
}

/* ------------------------------------------------------------------ */
/* What the owners (serve.c, ctlsrv.c, client.c, tunnel.c) may ask of
 * and do to a connection, so that its buffers, queue, timers and TLS
 * engine stay conn.c's. */

int
conn_fd(const struct conn *c)
{
	return c->w.fd;
}

int
conn_watch(struct conn *c, int fd)
{
	return loop_add(&c->w, fd, EPOLLOUT);
}

void
conn_unwatch(struct conn *c)
{
	loop_del(&c->w);
}

void
conn_deadline(struct conn *c, uint64_t ms)
{
	timer_arm(&c->tmo, ms);
}

void
conn_deadline_stop(struct conn *c)
{
	timer_stop(&c->tmo);
}

void
conn_set_inmax(struct conn *c, size_t max)
{
	c->inmax = max;
}

struct tls *
conn_tls(const struct conn *c)
{
	return c->tls;
}

int
conn_offloads(const struct conn *c)
{
	return c != NULL && c->offload;
}

size_t
conn_out_mark(const struct conn *c)
{
	return c->outlen;
}

void
conn_out_rewind(struct conn *c, size_t mark)
{
	c->queued -= c->outlen - mark;
	c->outlen = mark;
}

unsigned
conn_rtt_ms(const struct conn *c)
{
	return c == NULL ? 0 : sock_rtt_ms(c->w.fd);
}

void
conn_queue_info(const struct conn *c, uint64_t *bytes, uint64_t *delay_ms,
    uint64_t *drops)
{
	/* the head frame's wait; the position as conn.c counts it */
	*bytes = c->outlen - c->outoff;
	*delay_ms = txq_delay_ms(&c->txq,
	    (uint32_t)(c->queued - (c->outlen - c->outoff)), txq_now_us());
	*drops = c->txq.drops;
}
