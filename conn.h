/*
 * conn.h - tunnel and control connections: one non-blocking socket, its
 * TLS engine, receive buffer and transmit queue, their memory bound and
 * the deadlines (conn.c); the open WebSocket (frames in and out,
 * ping/pong, keepalive, the close handshake: conn_ws.c); the queue's
 * discipline (struct txq, txq.c) and the bound on what the socket holds
 * (struct pace, pace.c).
 *
 * conn.c knows nothing of ports, clients or HTTP routing: the owner of a
 * connection (serve.c for accepted ones, client.c for ours) gives it a
 * table of callbacks (struct conn_ops) and drives the states before the
 * WebSocket opens; conn.c reports back through the table only.  The
 * owners touch the fields that are theirs (names, state, owner, the
 * request's lengths, the input the callbacks are given); the buffers,
 * queue, timers and TLS engine they reach through conn.c's functions.
 * tunnel.c sends a port's frames into a connection; metrics.c reads
 * conn_stats, sw.c's shutdown waits on conn_count.  conn_int.h is what
 * conn.c and conn_ws.c alone share.
 */
#ifndef CONN_H
#define CONN_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "gso.h"
#include "loop.h"
#include "pace.h"
#include "txq.h"
#include "ws.h"

#define IN_MAX_WS	(MAX_FRAME + VNET_HDR_LEN + WS_HDR_MAX + 2)
#define IN_MAX_CTL	(HTTP_MAX_HEADER + CTL_MAX_BODY)
#define IN_MAX		(IN_MAX_WS > IN_MAX_CTL ? IN_MAX_WS : IN_MAX_CTL)

struct conn_ws_ops;
struct http_msg;
struct sockaddr;
struct srcent;
struct tls;
struct tls_anchors;
struct tls_creds;
struct conn;

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

/*
 * The owner's callbacks.  Any may be NULL where the owner never puts the
 * connection in the state that needs it.  They may free the connection
 * (conn_free); conn.c checks c->dead after each.
 */
struct conn_ops {
	/* CS_CONNECT: the socket became writable (connected or failed). */
	void	(*connected)(struct conn *);
	/* Bytes arrived in c->in in a state before the WebSocket. */
	void	(*input)(struct conn *);
	/* A binary message of the open WebSocket: an Ethernet frame and
	 * its offload metadata (vh NULL without offload). */
	void	(*message)(struct conn *, const uint8_t *frame, size_t len,
		    const struct vnet *vh);
	/* A message that was dropped: over the size limit, or an offload
	 * message too short for its header. */
	void	(*dropped)(struct conn *);
	/* The attempt (c->attempt) failed: EOF, error or deadline; err
	 * says why.  The owner frees the connection. */
	void	(*failed)(struct conn *, const char *err);
	/* The open WebSocket is gone (error, EOF, Close, keepalive); the
	 * connection is freed after this returns. */
	void	(*lost)(struct conn *);
	/* conn_free: forget every pointer to the connection. */
	void	(*release)(struct conn *);
};

struct conn {
	struct ev_watcher w;
	const struct conn_ops *ops;
	/* the open WebSocket's layer (conn_ws.c), set by conn_ws_open:
	 * conn.c reaches it only through this table */
	const struct conn_ws_ops *wsops;
	void		*owner;		/* the ops' object; NULL: detached */
	const char	*name;		/* for logs: the owner's, or peer */
	int		 ctl;		/* counted as a control connection */
	int		 client;	/* we connected (else accepted) */
	int		 attempt;	/* a client attempt, not yet open */
	enum conn_state	 state;
	int		 ws, ctl_ep;	/* accepted: endpoints served */
	uint8_t		*in;		/* received, not yet consumed */
	size_t		 inlen, incap, inmax;
	int		 in_shared;	/* in is the shared read buffer
					 * (during conn_read only) */
	uint8_t		*out;		/* to send: out[outoff..outlen) */
	size_t		 outoff, outlen, outcap;
	struct ws_rx	 rx;
	struct tls	*tls;		/* NULL for plain TCP */
	int		 offload;	/* messages: virtio_net_hdr + frame */
	struct ev_timer	 tmo;		/* handshake / close deadline */
	struct ev_timer	 ka;		/* keepalive */
	uint64_t	 last_rx;
	int		 ping_out;
	int		 eof_after;	/* close once out drains (CS_LINGER) */
	int		 dead;
	size_t		 head_len, body_len;
	char		 peer[64];	/* "ip:port" / "[ip]:port" */
	char		 peerip[48];
	char		 via[64];	/* a trusted proxy's "ip:port", or "" */
	char		 err[640];	/* why the attempt failed */
	struct conn	*next, *prev;	/* all live connections */
	struct conn	*dirty_next;
	int		 dirty;
	/* Memory: the bytes of its buffers (in, out, the WebSocket
	 * receiver's fragments) counted in conn_mem; cut (out dropped,
	 * closed at the end of the round) when --maxmem is reached and
	 * it holds the most. */
	size_t		 held;
	int		 doomed;
	int		 busy;		/* read or sent since the last trim */
	size_t		 push_base;	/* unsent bytes the last send left (at
					 * the socket's or the pace's bound):
					 * conn_push waits for TX_PUSH_BYTES
					 * more before it tries again */
	int		 tx_errno;	/* a send's error met by conn_push,
					 * which the socket reports only once:
					 * the round's flush acts on it */
	struct conn	*cut_next;
	uint64_t	 queued, sent;	/* bytes ever queued, ever taken
					 * (sent, or dropped by CoDel) */
	struct txq	 txq;		/* when out's frames were queued;
					 * CoDel on their wait (txq.c) */
	struct pace	 pace;		/* what the socket may hold (pace.c) */
	uint64_t	 pong_end;	/* queued after our last Pong */
	uint8_t		 late_ping[WS_CTRL_MAX]; /* the latest Ping that came
					 * while our Pong waited: answered
					 * once it has left */
	size_t		 late_len;
	int		 late;
	struct srcent	*src;		/* serve.c, ctlsrv.c: the per-source
					 * count (srclimit.c) it is in, or
					 * NULL */
	int		 src_open;	/* in it as an open tunnel */
	int		 owner_r;	/* a listener with the control
					 * endpoint: peeruid_get at accept
					 * (ctlsrv_rank) */
	int		 owner_errno;	/* its errno when -1 */
	uint32_t	 owner_uid;	/* its uid when 1 */
	struct ev_grave	 grave;
};

/* The kernel's round-trip estimate of the connection's TCP, ms (0:
 * none yet, or c NULL). */
unsigned conn_rtt_ms(const struct conn *c);
/* Its socket (-1: none yet). */
int conn_fd(const struct conn *c);
/* A client's connect on fd in progress: watch it for EPOLLOUT (the
 * connected callback); 0, or -1.  conn_unwatch: no longer (fd failed;
 * the owner closes it). */
int conn_watch(struct conn *c, int fd);
void conn_unwatch(struct conn *c);
/* The handshake's deadline: the attempt fails (or an accepted
 * connection goes) ms from now; conn_deadline_stop: none. */
void conn_deadline(struct conn *c, uint64_t ms);
void conn_deadline_stop(struct conn *c);
/* Received bytes it may hold (IN_MAX_WS, IN_MAX_CTL, IN_MAX). */
void conn_set_inmax(struct conn *c, size_t max);
/* Its TLS engine, or NULL (plain TCP). */
struct tls *conn_tls(const struct conn *c);
/* 1 if its messages carry offload metadata (agreed at the upgrade). */
int conn_offloads(const struct conn *c);
/* The end of what is queued, and back to it: a reply that did not fit
 * whole is taken back (ctlsrv.c). */
size_t conn_out_mark(const struct conn *c);
void conn_out_rewind(struct conn *c, size_t mark);
/* The transmit queue: bytes in it, how long its head frame waited, the
 * frames CoDel dropped ever. */
void conn_queue_info(const struct conn *c, uint64_t *bytes,
    uint64_t *delay_ms, uint64_t *drops);
/* What connections are told by the daemon (sw.c's options). */
struct conn_conf {
	long long	 keepalive;		/* s, 0 = off */
	long long	 maxconn;		/* tunnel connections */
	long long	 ctlmaxconn;		/* control connections */
	long long	 queue;			/* tunnel tx queue, bytes */
	long long	 maxmem;		/* connection buffers, bytes */
	int		 nooffload;		/* offer no OFFLOAD_HEADER */
};
/* Before the first connection (copied). */
void conn_configure(const struct conn_conf *);
/* --keepalive, s (0: off): for sockets others make (sock_tune). */
long long conn_keepalive_s(void);
/* --queue, bytes. */
long long conn_queue_max(void);
/* 1 unless --nooffload: a client port offers OFFLOAD_HEADER. */
int conn_offer_offload(void);
/* Accepted tunnel connections at most, besides --maxconn: listen.c
 * lowers it to fit RLIMIT_NOFILE. */
void conn_set_tun_cap(size_t cap);
/* Control connections' buffers and TLS engines have a bound of their
 * own, CTL_MEM_MAX, and never cut a tunnel: the bytes a reply may
 * still take there (0: none). */
size_t conn_ctl_room(void);
/* A connection on fd (-1: none yet), watched for input.  ctl: counted
 * against --ctlmaxconn (its rank, below), else --maxconn unless client;
 * at --maxconn the oldest accepted connection still in its request is
 * closed for it, and without one: NULL, as out of memory. */
/*
 * The ranks of control connections (conn_new's ctl), known at accept.
 * At --ctlmaxconn a newcomer closes the oldest unfinished control
 * connection (request head or body still coming, or a refusal
 * draining) of a lower rank; a remote peer or the operator, else the
 * oldest of its own rank still in its request; a refused one closes
 * none.  So the operator always finds a slot.
 */
#define CTL_REFUSED	1	/* a local user the request will be refused */
#define CTL_REMOTE	2	/* a peer on another host */
#define CTL_OPERATOR	3	/* root, the switch's own user, --ctlallow */
struct conn *conn_new(int fd, int client, int ctl,
    const struct conn_ops *ops, void *owner);
/* Release everything now (ops->release); memory after this round. */
void conn_free(struct conn *);
/* The connection's TLS engine, a server's (accepted) or a client's
 * (tls_client_new's arguments), counted against --maxmem: room is made
 * first (mem_room: unfinished requests, then whoever holds most, are
 * cut).  0, -1 when out of memory, CONN_NO_ROOM when there is no room
 * (c itself was cut, or nothing else could be). */
#define CONN_NO_ROOM	(-2)
int conn_tls_server(struct conn *, const struct tls_creds *);
int conn_tls_client(struct conn *, const struct tls_anchors *,
    const char *host, int insecure, const uint8_t *pin);
size_t conn_count(void);
/* The numbers of all connections together (metrics). */
struct conn_stats {
	size_t		 ctl, tunnel, client; /* control, accepted tunnel
					 * (in their request too), our client
					 * ports' (attempts too) */
	long long	 ctl_max, tunnel_max;	/* --ctlmaxconn, --maxconn */
	size_t		 queue_max;	/* --queue */
	size_t		 mem, mem_max;	/* buffer bytes held; --maxmem */
	uint64_t	 mem_cuts;	/* cut to stay within --maxmem */
	uint64_t	 evicted;	/* unfinished requests closed for new
					 * ones at --maxconn */
};
void conn_stats(struct conn_stats *);
/* Send what is queued; interest from state. */
void conn_flush(struct conn *);
void conn_update(struct conn *);
/* Queue bytes (at most --queue plus the control slack in all): 0, or
 * -1 when they do not fit.  conn_put: the same with an explicit cap. */
int out_append(struct conn *, const void *p, size_t len);
int conn_put(struct conn *, const void *p, size_t len, size_t cap);
/* Drop the first n received bytes. */
void in_consume(struct conn *, size_t n);
/* Orderly end: flush what is queued, send FIN, wait for EOF. */
void conn_linger(struct conn *);
/* The WebSocket is open (m: the client's request, or the 101 it got):
 * offload if m has OFFLOAD_HEADER and we offer it; the receiver sized
 * for it.  m must still point at its bytes. */
void conn_ws_open(struct conn *, const struct http_msg *m, int server);
/* Decode what c->in holds of the open WebSocket. */
void conn_ws_input(struct conn *);
/* Ping every --keepalive s; drop the connection when a ping goes
 * unanswered for as long (0: off). */
void conn_keepalive(struct conn *);
/* Queue a frame: 0, or -1 when the queue (--queue) is full or the
 * WebSocket not open. */
int conn_send_frame(struct conn *, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* The same for the switches' own control frames (loop probes): into the
 * OUT_CTRL_SLACK past the queue, as Pongs, so a full queue keeps them. */
int conn_send_ctrl_frame(struct conn *, const uint8_t *frame, size_t len);
/* Detach the owner and start the WebSocket close handshake (code 0: no
 * Close frame); a connection not yet open is freed at once. */
void conn_close(struct conn *, int code);

#endif /* CONN_H */
