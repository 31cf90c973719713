/*
 * tunnel.h - what a tunnel port does with the switch's frames (tunnel.c):
 * they go out over the port's open WebSocket connection, port->tunnel,
 * NULL while the port is down.  A server port (serve.c) and a client
 * port (client.c) differ only in how they close and what showPort says,
 * so their port_ops share these five.
 */
#ifndef TUNNEL_H
#define TUNNEL_H

#include <stddef.h>
#include <stdint.h>

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

#endif /* TUNNEL_H */
