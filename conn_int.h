/*
 * conn_int.h - what conn.c (the socket, buffers, memory bound, output)
 * and conn_ws.c (the open WebSocket) share of a connection's insides.
 * Used by those two only.
 */
#ifndef CONN_INT_H
#define CONN_INT_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct conn_conf;

/* conn.c */
/* What the daemon said (conn_configure). */
extern struct conn_conf conn_conf;
/* c's buffers changed size: conn_mem follows. */
void mem_update(struct conn *c);
/* Room for c to hold grow more bytes within --maxmem (others cut for
 * it): 0, or -1 when c itself was cut or nothing is left to cut. */
int mem_room(struct conn *c, size_t grow);
/* Room for need more bytes in out, which may not pass cap in all. */
int out_reserve(struct conn *c, size_t need, size_t cap);
/* Flushed at the end of this loop round. */
void mark_dirty(struct conn *c);
/* A data frame was queued: what c holds leaves now, mid-round, once
 * TX_PUSH_BYTES (or a quarter of --queue) more wait than the last send
 * left; a failure waits for the round's flush. */
void conn_push(struct conn *c);
/* The open WebSocket is gone: the owner hears of it once. */
void conn_lost(struct conn *c);
/* The position (txq.h) of out[i]. */
uint32_t out_pos(const struct conn *c, size_t i);

/* What conn.c asks of the open WebSocket (conn_ws.c), through the table
 * conn_ws_open puts in c->wsops: conn.c names no function of conn_ws.c, so
 * calls run one way, from conn_ws.c down to conn.c. */
struct conn_ws_ops {
	/* bytes in (state CS_WS or CS_CLOSING) */
	void	(*input)(struct conn *c);
	/* output went out: 1 if that queued more (the Pong of a Ping kept
	 * while our last Pong was on its way) */
	int	(*sent)(struct conn *c);
};

#endif /* CONN_INT_H */
