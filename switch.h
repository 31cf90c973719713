/*
 * switch.h - the switch core (switch.c): what it is told, the FDB,
 * ports coming and going, and switch_input(), where every received
 * frame enters (switch_input_dropped() counts one that never arrived
 * whole).  The core calls ports only through their ops (port.h).
 */
#ifndef SWITCH_H
#define SWITCH_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct vnet;
struct fdb_entry;
struct fdb_stats;

/* What the switch core is told by the daemon (sw.c's options). */
struct switch_conf {
	long long	 ageout;		/* s */
	long long	 stormlimit;		/* flooded frames/s per port */
	long long	 fdbmax;		/* FDB entries */
	long long	 fdbportmax;		/* ... of one port */
};

/* The FDB's numbers (metrics). */
void switch_fdb_stats(struct fdb_stats *);
/* The FDB, the sweep and loop detection, as conf says (copied): 0, or
 * -1 (out of memory). */
int switch_init(const struct switch_conf *conf);
/* The FDB's entries (fdb_list). */
size_t switch_fdb_list(uint64_t now, struct fdb_entry **out);
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
/* A frame received on p that never reached it whole (too big for the
 * device's buffer, a tunnel message over MAX_FRAME): counted in rx and
 * rx_dropped, as switch_input counts a frame it refuses. */
void switch_input_dropped(struct port *);

#endif /* SWITCH_H */
