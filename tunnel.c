/*
 * tunnel.c - the port operations that server and client tunnel ports
 * share: a frame goes to the port's open connection, if it has one;
 * the connection's part of the port's status and its round trip.
 */
#include "conn.h"
#include "json.h"
#include "port.h"
#include "tls.h"
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
	return conn_offloads(p->tunnel);
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
	conn_queue_info(c, &st->queue_bytes, &st->queue_delay_ms,
	    &st->codel_dropped);
}

void
tunnel_status(const struct conn *c, struct jw *w)
{
	const char *ver, *cipher;
	uint64_t bytes, delay, drops;

	jw_member_str(w, ", \"peer\": ", c->peer);
	if (c->via[0] != '\0')
		jw_member_str(w, ", \"via\": ", c->via);
	if (conn_tls(c) != NULL) {
		tls_info(conn_tls(c), &ver, &cipher);
		jw_raw(w, ", \"tls\": ");
		jw_cstr(w, ver);
		jw_raw(w, ", \"cipher\": ");
		jw_cstr(w, cipher);
	}
	conn_queue_info(c, &bytes, &delay, &drops);
	jw_member_int(w, ", \"queue_bytes\": ", (long long)bytes);
	jw_member_int(w, ", \"queue_max\": ", conn_queue_max());
	jw_member_int(w, ", \"queue_delay_ms\": ", (long long)delay);
	jw_member_int(w, ", \"codel_dropped\": ", (long long)drops);
}
