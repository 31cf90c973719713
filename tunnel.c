/*
 * tunnel.c - the port operations that server and client tunnel ports
 * share: a frame goes to the port's open connection, if it has one;
 * the connection's part of the port's status and its round trip.
 */
#include "conn.h"
#include "json.h"
#include "port.h"
#include "sock.h"
#include "tls.h"
#include "tunnel.h"

unsigned
conn_rtt_ms(const struct conn *c)
{
	return c == NULL ? 0 : sock_rtt_ms(c->w.fd);
}

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
	st->queue_delay_ms = (uint64_t)txq_delay_ms(&c->txq,
	    (uint32_t)(c->queued - (c->outlen - c->outoff)), txq_now_us());
	st->codel_dropped = c->txq.drops;
}

void
tunnel_status(const struct conn *c, struct jw *w)
{
	const char *ver, *cipher;

	jw_member_str(w, ", \"peer\": ", c->peer);
	if (c->via[0] != '\0')
		jw_member_str(w, ", \"via\": ", c->via);
	if (c->tls != NULL) {
		tls_info(c->tls, &ver, &cipher);
		jw_raw(w, ", \"tls\": ");
		jw_cstr(w, ver);
		jw_raw(w, ", \"cipher\": ");
		jw_cstr(w, cipher);
	}
	jw_member_int(w, ", \"queue_bytes\": ",
	    (long long)(c->outlen - c->outoff));
	jw_member_int(w, ", \"queue_max\": ", conn_queue_max());
	/* the head frame's wait; the position as conn.c counts it */
	jw_member_int(w, ", \"queue_delay_ms\": ", txq_delay_ms(&c->txq,
	    (uint32_t)(c->queued - (c->outlen - c->outoff)), txq_now_us()));
	jw_member_int(w, ", \"codel_dropped\": ", (long long)c->txq.drops);
}
