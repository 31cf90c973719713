/*
 * tunnel.c - the port operations that server and client tunnel ports
 * share: a frame goes to the port's open connection, if it has one.
 */
#include "conn.h"
#include "port.h"
#include "tunnel.h"

int
tunnel_output(struct port *p, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	return p->tunnel != NULL ? conn_send_frame(p->tunnel, frame, len, vh) :
	    -1;
}

int
tunnel_output_ctrl(struct port *p, const uint8_t *frame, size_t len)
{
	return p->tunnel != NULL ? conn_send_ctrl_frame(p->tunnel, frame, len) :
	    -1;
}

int
tunnel_offload(const struct port *p)
{
	const struct conn *c = p->tunnel;

	return c != NULL && c->offload;
}

unsigned
tunnel_rtt(const struct port *p)
{
	return conn_rtt_ms(p->tunnel);
}

void
tunnel_stats(const struct port *p, struct port_stats *st)
{
	const struct conn *c = p->tunnel;

	if (c == NULL)
		return;
	st->has_queue = 1;
	st->queue_bytes = c->outlen - c->outoff;
}
