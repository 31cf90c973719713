/*
 * fdb.h - the forwarding database (fdb.c): open addressing keyed
 * (vid, mac) with a hard cap
 */
#ifndef FDB_H
#define FDB_H

#include <stddef.h>
#include <stdint.h>

/* A port's share of the table (fdb_set_ports): the caller keeps one in
 * each port; fdb.c counts in it. */
struct fdb_port {
	size_t		 n;		/* entries on the port (expired ones
					 * until the next sweep) */
	uint64_t	 refused;	/* learns refused: its share was full */
};
struct fdb_entry {
	uint8_t		 mac[6];
	uint16_t	 vid;
	int		 port;		/* 0 = empty slot */
	uint64_t	 seen;		/* ms */
};
struct fdb {
	struct fdb_entry *tab;
	size_t		 mask;		/* table size - 1 */
	size_t		 n, max;
	uint64_t	 ageout;	/* ms */
	uint64_t	 full_drops;	/* learning refused: table full */
	uint64_t	 min_seen;	/* <= every entry's seen (sweep sets it) */
	uint64_t	 move_damped;	/* moves refused: MAC still fresh */
	size_t		 port_max;	/* entries one port holds at most */
	uint64_t	 port_drops;	/* learning refused: port's share full */
	/* The port's share, NULL if none (no longer a port): NULL
	 * function, no per-port limit. */
	struct fdb_port *(*port_of)(int port);
};
/* Its numbers, for metrics. */
struct fdb_stats {
	size_t		 entries;	/* in the table (expired ones until
					 * the next sweep) */
	size_t		 max;		/* --fdbmax */
	uint64_t	 full_drops, move_damped;
	uint64_t	 port_drops;	/* refused: the port's share full */
};
int fdb_init(struct fdb *, size_t max, uint64_t ageout_ms);
/* One port holds at most max entries, counted in port_of(port). */
void fdb_set_ports(struct fdb *, size_t max,
    struct fdb_port *(*port_of)(int port));
void fdb_free(struct fdb *);
/* Port of the live entry for (vid, mac), or 0. */
int fdb_lookup(struct fdb *, uint16_t vid, const uint8_t mac[6],
    uint64_t now);
/* Learn or refresh; returns 1 if new, moved or back after it expired,
 * 0 if refreshed or if a move was refused (the MAC is still fresh on
 * another port: MAC_MOVE_HOLD_MS, counted in move_damped), -1 if the
 * table or the port's share of it is full (even after a sweep). */
int fdb_learn(struct fdb *, uint16_t vid, const uint8_t mac[6], int port,
    uint64_t now);
/* Remove expired entries; cb (may be NULL) sees each one first. */
void fdb_sweep(struct fdb *, uint64_t now,
    void (*cb)(const struct fdb_entry *, const char *why));
/* Remove entries not refreshed in the last ms (topology change). */
void fdb_forget_older(struct fdb *, uint64_t now, uint64_t ms);
/* The same, but entries whose port spare(port, arg) keeps stay. */
void fdb_forget_stale(struct fdb *, uint64_t now, uint64_t ms,
    int (*spare)(int port, void *arg), void *arg);
/* Remove every entry of port. */
void fdb_del_port(struct fdb *, int port,
    void (*cb)(const struct fdb_entry *, const char *why));
void fdb_stats(const struct fdb *, struct fdb_stats *);
/* Copy live entries, sorted by vid then MAC, into a malloc'd array. */
size_t fdb_list(struct fdb *, uint64_t now, struct fdb_entry **out);

#endif /* FDB_H */
