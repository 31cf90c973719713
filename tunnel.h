/*
 * tunnel.h - what a tunnel port does with the switch's frames (tunnel.c):
 * they go out over the port's open WebSocket connection, port->tunnel,
 * NULL while the port is down.  A server port (serve.c) and a client
 * port (client.c) differ only in how they close and what showPort says,
 * so their port_ops share these five, and the connection's part of what
 * showPort says.
 */
#ifndef TUNNEL_H
#define TUNNEL_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct jw;
struct port;
struct vnet;

int tunnel_output(struct port *, const uint8_t *frame, size_t len,
    const struct vnet *vh);
int tunnel_output_ctrl(struct port *, const uint8_t *frame, size_t len);
int tunnel_offload(const struct port *);
unsigned tunnel_rtt(const struct port *);
/* Metrics: the transmit queue of the open connection, if any. */
struct port_stats;
void tunnel_stats(const struct port *, struct port_stats *);
/* showPort: the open connection's ', "peer": ..., "tls": ..., "cipher":
 * ..., "queue_bytes": ..., "queue_delay_ms": ..., "codel_dropped": ...'
 * members (the two port kinds' status ops). */
void tunnel_status(const struct conn *, struct jw *);

#endif /* TUNNEL_H */
