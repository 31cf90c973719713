/*
 * port.h - a switch port and the port table (port.c).
 *
 * Every kind of port meets the switch the same way: the switch hands
 * frames to the port's ops (output, output_ctrl), and the module that
 * made the port (tapport.c for taps and netdev sockets, serve.c and
 * client.c for tunnels) hands received frames to switch_input().  The
 * switch never calls a port's module by name.
 */
#ifndef PORT_H
#define PORT_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"
#include "fdb.h"

struct jw;
struct port;
struct probe_port;
struct vnet;

/* A port's numbers that only its kind knows (port_stats, for
 * metrics.c): a flag says which groups are filled in. */
struct port_stats {
	int		 has_queue;	/* a tunnel whose connection is open */
	uint64_t	 queue_bytes;	/* waiting in its transmit queue */
	uint64_t	 queue_delay_ms; /* how long its head frame waited */
	uint64_t	 codel_dropped;	/* frames CoDel dropped, ever */
	int		 has_client;	/* a client port */
	uint64_t	 connects;	/* handshakes that succeeded, ever */
	uint64_t	 failures;	/* attempts that failed, ever */
	uint64_t	 failing;	/* attempts failed since the last
					 * success (0 while connected) */
};

enum port_kind { PORT_TAP, PORT_NETDEV, PORT_CLIENT, PORT_SERVER };

/* What a port that is up and not shut does with the users' frames
 * (probe.c decides; RSTP's discarding and forwarding, with our probes
 * in place of BPDUs).  Probes cross every state but loop and silent. */
enum port_fwd {
	PORT_PROBING,		/* new, back up or released: probes only,
				 * until they show it closes no loop */
	PORT_FORWARDING,
	PORT_LOOP,		/* blocked: it closes a loop */
	PORT_SILENT		/* a neighbour switch of ours went quiet */
};

/* What differs between kinds: filled in by the module that made the
 * port (tapport.c; serve.c and client.c, with tunnel.c's shared ops),
 * called only through port.c's functions below (port_xmit, port_send,
 * port_status ...): by the switch core (switch.c, probe.c), by rpc.c
 * for showPort and by metrics.c. */
struct port_ops {
	/* One frame out, with its offload metadata (vh: only to a port
	 * whose offload() says 1, else NULL).  0, or -1 when it was not
	 * sent: the switch counts tx or tx_dropped. */
	int	(*output)(struct port *, const uint8_t *frame, size_t len,
		    const struct vnet *vh);
	/* The switches' own control frame (a loop probe), not counted; it
	 * must not be lost to a queue full of the users' frames.  0 or
	 * -1. */
	int	(*output_ctrl)(struct port *, const uint8_t *frame,
		    size_t len);
	/* 1 if the port takes struct vnet metadata and super-frames now:
	 * a vnet tap or netdev socket, or a tunnel that agreed on it. */
	int	(*offload)(const struct port *);
	/* The port leaves the table: release its device or connection
	 * (code: the WebSocket Close code for a tunnel, 0 for none). */
	void	(*close)(struct port *, int code);
	/* showPort: append the kind's own status members to w, each as
	 * ', "name": value' (peer, TLS, queue, reconnects...).  NULL:
	 * none. */
	void	(*status)(const struct port *, struct jw *w);
	/* Round-trip time to the peer in ms (the TCP estimate), 0 if
	 * unknown or none (NULL: a device, none). */
	unsigned (*rtt)(const struct port *);
	/* Metrics: fill in the kind's own numbers (st comes zeroed).
	 * NULL: none. */
	void	(*stats)(const struct port *, struct port_stats *st);
};

struct port {
	int		 no;		/* from 1, never reused */
	enum port_kind	 kind;
	char		 target[URL_MAX];
	char		 ifname[IFNAME_MAX]; /* tap, netdev: the device */
	int		 shut;
	int		 up;		/* tunnel connected / device usable */
	uint64_t	 rx, tx, rx_dropped, tx_dropped;
	uint64_t	 rx_bytes, tx_bytes; /* of the frames in rx, tx
					 * (rx: those that reached the switch
					 * whole; a tunnel's oversized message
					 * counts in rx, not here) */
	uint64_t	 since;		/* ms: made, or last went up, down,
					 * shut or open */
	const struct port_ops *ops;
	void		*priv;		/* the kind's own state */
	void		*tunnel;	/* client, server: the open WebSocket
					 * connection (tunnel.c), NULL while
					 * down; the switch never reads it */
	/* loop and storm protection (switch.c, probe.c) */
	uint64_t	 peer_id;	/* the peer's switch id, if it said in
					 * its handshake that it is one of
					 * ours (X-Etherws-Id); else 0 */
	enum port_fwd	 fwd;
	uint64_t	 up_since;	/* ms: last came up */
	struct probe_port *probe;	/* probe.c's own state of it */
	uint64_t	 storm_tokens;	/* flooded frames it may still send */
	uint64_t	 storm_last;	/* ms: last refill */
	uint64_t	 storm_dropped;
	struct fdb_port	 fdb;		/* its entries, its refused learns */
};

/* The table, in ascending port numbers.  Iterate with
 * for (i = 0; (p = port_at(i)) != NULL; i++). */
struct port *port_at(size_t i);
size_t port_count(void);
struct port *port_find(int no);
/* A new zeroed port with the next number, in the table: NULL when out
 * of memory.  The switch's port_new() is what modules call. */
struct port *port_table_add(enum port_kind, const char *target,
    const struct port_ops *, void *priv);
/* Out of the table; its memory goes after this dispatch round. */
void port_table_remove(struct port *);

/* Through the port's ops: */
int port_xmit(struct port *, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* A control frame (loop probe), not counted: 0, or -1 if not sent. */
int port_send(struct port *, const uint8_t *frame, size_t len);
int port_offload(const struct port *);
/* Its kind's status members for showPort (port_ops status). */
void port_status(const struct port *, struct jw *);
/* The peer's round-trip time, ms; 0 if unknown. */
unsigned port_rtt(const struct port *);
/* Its kind's numbers for metrics (port_ops stats), zeroed first. */
void port_stats(const struct port *, struct port_stats *);
/* "tap", "netdev", "client", "server". */
const char *port_kind_name(enum port_kind);
/* What listPort says: shut, down, then what loop detection says
 * (probing, loop, silent, up). */
const char *port_state_name(const struct port *);

#endif /* PORT_H */
