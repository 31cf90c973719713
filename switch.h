/*
 * switch.h - the switch core (switch.c): its configuration, the FDB,
 * ports coming and going, and switch_input(), where every received
 * frame enters.  The core calls ports only through their ops (port.h).
 */
#ifndef SWITCH_H
#define SWITCH_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct vnet;
struct fdb;
struct fdb_stats;

/* The daemon's configuration, filled in by the sw command line (sw.c)
 * before anything starts; read-only afterwards. */
struct sw_conf {
	int		 debug, foreground;
	long long	 ageout;		/* s */
	long long	 keepalive;		/* s, 0 = off */
	const char	*path, *ctlpath;
	const char	*host, *ctlhost;
	int		 port, ctlport;
	const char	*htpasswd, *ctlhtpasswd;
	const char	*ctlallow;		/* more local users (ctlallow.h) */
	const char	*tunnelorigin;		/* Origins a tunnel may send, a
						 * comma list (serve.c) */
	const char	*sslkey, *sslcert, *ctlsslkey, *ctlsslcert;
	const char	*logconf, *pidfile;
	const char	*config;		/* --config FILE, absolute */
	const char	*user;			/* --user NAME (privdrop.h) */
	int		 syslog;
	long long	 stormlimit;		/* flooded frames/s per port */
	long long	 maxconn;		/* tunnel connections */
	long long	 ctlmaxconn;		/* control connections */
	long long	 queue;			/* tunnel tx queue, bytes */
	long long	 maxmem;		/* connection buffers, bytes */
	long long	 fdbmax;		/* FDB entries */
	long long	 fdbportmax;		/* ... of one port */
	int		 nooffload;		/* no IFF_VNET_HDR, no
						 * OFFLOAD_HEADER */
};
extern struct sw_conf sw_conf;
/* The switch's FDB (listFdb reads it). */
extern struct fdb sw_fdb;

/* The FDB's numbers (metrics). */
void switch_fdb_stats(struct fdb_stats *);
/* The FDB, the sweep and loop detection: 0, or -1 (out of memory). */
int switch_init(void);
/* The FDB's memory, once the loop is over (ports already deleted). */
void switch_free(void);
/* A new port of kind, up, in the table, with ops and priv: NULL when
 * out of memory.  Loop detection probes it soon. */
struct port *port_new(enum port_kind kind, const char *target,
    const struct port_ops *ops, void *priv);
/* Out of the table: its FDB entries go, ops->close(p, close_code)
 * releases what it holds; freed after this dispatch round. */
void port_delete(struct port *, int close_code);
/* Down: its FDB entries go; up: it probes before it forwards. */
void port_set_up(struct port *, int up);
/* setPort: shut, as down; un-shut, as up. */
void port_set_shut(struct port *, int shut);
/* Every port, as port_delete(p, close_code). */
void port_delete_all(int close_code);
/* A frame received on p (vh: its offload metadata, or NULL). */
void switch_input(struct port *, const uint8_t *frame, size_t len,
    const struct vnet *vh);

#endif /* SWITCH_H */
