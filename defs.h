/*
 * defs.h - every named limit in one place, and the version.
 *
 * Every size a peer, a file or the command line controls is checked
 * against one of these before anything grows.  No code, no types: any
 * module may include it without pulling in another.
 *
 * Conventions of the whole code base: memory is owned by the caller
 * unless a comment says otherwise; lengths are explicit (size_t);
 * parsers return >0 (bytes consumed), 0 (need more input) or <0
 * (invalid input).
 */
#ifndef DEFS_H
#define DEFS_H

#define ETHERWS_VERSION		"1.3.0-c"

/* Frames and the switch */
#define MAX_FRAME		65535	/* largest Ethernet frame / WS message */
#define MIN_FRAME		14	/* dst + src + ethertype */
#define FDB_MAX			8192	/* FDB entries (--fdbmax) */
#define FDB_SWEEP_MS		10000	/* FDB sweep period */
#define RX_BUDGET		64	/* reads per fd per loop iteration */
#define PROBE_INTERVAL_MS	1000	/* loop-detection probe period */
#define LOOP_HOLD_MS		3000	/* a blocked port's loop gone this long */
#define PROBE_SILENT_MS		3000	/* a neighbour switch of ours heard
					 * from no longer ago, or silent */
#define PROBE_TICK_MS		250	/* holds and silences checked */
#define PROBE_WAIT_MIN_MS	200	/* a probing port waits this + 4 RTT */
#define PROBE_WAIT_MAX_MS	1000	/* but no longer */
#define PROBE_BURST		3	/* probes out of it per window */
#define PROBE_FIRST_MS		20	/* the first of them after this */
#define PROBE_DEFER_MAX		3	/* windows it yields to a lower id */
#define PROBE_RETURN_MS		1000	/* our probe counts if back by then */
#define PROBE_ROUNDS_KEPT	64	/* rounds remembered for that */
#define PROBE_TC_MS		2000	/* our probes announce a change */
#define PROBE_TC_GAP_MS		500	/* a neighbour's flushes, per port */
#define PROBE_TC_FRESH_MS	1000	/* a flush keeps entries this fresh */
#define RPC_SETTLE_MAX_MS	2000	/* addPort/setPort wait for probing
					 * to end at most this long */
#define MAC_MOVE_HOLD_MS	2000	/* a learned MAC stays put this long */
#define STORM_DEFAULT		20000	/* flooded frames/s per port (--stormlimit) */
#define AGEOUT_MAX_S		31536000 /* --ageout at most: a year */
#define KEEPALIVE_MAX_S		86400	/* --keepalive at most: a day */
#define IFNAME_MAX		16	/* IFNAMSIZ incl. NUL */
#define MTU_MIN			576	/* ctl setif --mtu, as etherws 1.3 */
#define MTU_MAX			65535	/* setif mtu: Linux's largest */
#define GSO_MIN_MSS		88	/* smallest gso_size taken (Linux's
					 * TCP_MIN_MSS): bounds the segments
					 * one message can become */

/* HTTP, the control endpoint, connections */
#define HTTP_MAX_HEADER		8192	/* request/response head, bytes (431) */
#define HTTP_MAX_HEADERS	64	/* header lines per message (431) */
#define CTL_MAX_BODY		65536	/* control request body (413) */
#define CTL_MAX_BATCH		256	/* requests in one JSON-RPC batch */
#define CTL_MAX_REPLY		(16 * 1024 * 1024) /* ctl: reply body it accepts */
#define HTTP_TIMEOUT_MS		10000	/* accept -> complete request head */
#define CONNECT_TIMEOUT_MS	10000	/* client attempt: resolve..handshake */
#define CLOSE_WAIT_MS		2000	/* our Close -> peer's Close or EOF */
#define TCP_USER_TIMEOUT_MAX_MS	60000	/* unacknowledged data, at most */
#define TCP_USER_TIMEOUT_MIN_MS	5000	/* and at least (2 x --keepalive) */
#define PORT_QUEUE_MAX		(1024 * 1024) /* tunnel tx queue, bytes (--queue) */
/* --maxmem, the buffers (and TLS engines) of all connections, bytes:
 * by default 1/MAXMEM_RAM_SHARE of the physical memory within
 * MAXMEM_FLOOR..MAXMEM_CAP.  1,000 wss:// tunnels hold 37 MB of server
 * or 58 MB of client engines (x86-64): the default serves them from
 * 512 MB of RAM, and a router with 256 MB or less gets the floor. */
#define MAXMEM_FLOOR		(32 * 1024 * 1024) /* a router's spare
					 * RAM; 30 full queues */
#define MAXMEM_RAM_SHARE	8	/* the default takes 1/8 of the RAM */
#define MAXMEM_CAP		(1024LL * 1024 * 1024) /* but at most 1 GiB */
#define MAXMEM_CAP_32		(256 * 1024 * 1024) /* 256 MiB where size_t
					 * and the address space are 32-bit */
#define MAXMEM_MIN		(1024 * 1024)	/* --maxmem at least */
#define MAXMEM_MAX		(1LL << 40)	/* --maxmem at most (1 TiB;
					 * SIZE_MAX where that is less) */
#define SRC_MAX_PENDING		32	/* accepted connections of one source
					 * address (IPv6: /64) not yet upgraded
					 * or past their control request */
#define SRC_OPEN_SHARE		4	/* without --htpasswd, one address
					 * holds at most all but 1/4 of
					 * --maxconn in open tunnels */
#define MAX_CONNS		4096	/* tunnel connections (--maxconn) */
#define MAX_CTL_CONNS		64	/* control connections (--ctlmaxconn) */
#define IN_OWN_MIN		1024	/* a connection's own receive buffer
					 * (what a read left unparsed) at
					 * least; reads go to a shared one */
#define IN_READ			16384	/* what one read takes (more only as
					 * a longer message needs): a flood on
					 * one connection yields to the others
					 * every RX_BUDGET reads; an open
					 * WebSocket's own buffer this at least */
#define OUT_KEEP		65536	/* a drained tx queue kept up to this
					 * while the connection is busy */
#define CONN_TRIM_MS		1000	/* buffers of connections idle this
					 * long (and drained) are freed */
#define OUT_CTRL_SLACK		65536	/* control frames past the tx cap */
#define TRUSTPROXY_MAX		32	/* --trustproxy addresses and blocks */
#define FORWARDED_MAX		32	/* Forwarded/X-Forwarded-For hops read */
#define URL_MAX			1024	/* client URL / target text */
#define CRED_MAX		256	/* user or password */
#define CRED_FILE_MAX		4096	/* ctl --ctlpwfile/--pwfile, bytes */
#define BACKOFF_MAX_S		60	/* client reconnect backoff ceiling */
#define JSON_MAX_DEPTH		32	/* nesting of arrays/objects */
#define JSON_MAX_TOKENS		4096	/* tokens in one control request */
#define CLI_ERRLEN		512	/* ctl: one error text */
#define CTLALLOW_MAX		1024	/* uids --ctlallow may stand for */
#define PEERUID_PROC_BUF	1024	/* a /proc/net/tcp{,6} line (150, 178 bytes) */
#define ACCOUNTS_FILE_MAX	(4 * 1024 * 1024) /* /etc/passwd, /etc/group
					 * (--ctlallow names), bytes */

/* Name resolution */
#define DNS_TIMEOUT_MS		7500	/* client lookup (< CONNECT_TIMEOUT_MS) */
#define DNS_MAX_ADDRS		16	/* addresses tried per lookup */
#define DNS_MAX_NS		3	/* resolv.conf nameservers used */
#define DNS_MAX_SEARCH		6	/* resolv.conf search domains used */
#define DNS_SEARCH_LEN		256	/* their text, bytes incl. NULs */
#define DNS_NAME_MAX		253	/* a name, text, without a final dot */
#define DNS_WIRE_MAX		255	/* a name in wire form (RFC 1035 2.3.4) */
#define DNS_UDP_MAX		512	/* a response (we send no EDNS) */
#define DNS_LINE_MAX		4096	/* hosts/resolv.conf line; longer: skipped */
#define DNS_MAX_CNAME		8	/* CNAMEs followed in one answer */
#define DNS_MAX_PTRS		128	/* compression pointers in one name */

/* Files */
#define HTPASSWD_MAX_SIZE	(1024 * 1024)	/* file bytes; over = failure */
#define HTPASSWD_MAX_ENTRIES	16384		/* {SHA} lines; over = failure */
#define HTPASSWD_RACY_MS	2000	/* read this soon after a change:
					 * read again (timestamp ticks) */
#define HTPASSWD_LOCK_MS	1000	/* a changed file locked by a writer
					 * (flock): the old table this long */
#define TLS_FILE_MAX		(4 * 1024 * 1024) /* PEM file bytes */
#define TLS_DN_MAX		4096	/* an anchor's subject DN, bytes */
#define TLS_LEAF_MAX		16384	/* server leaf certificate, bytes */

/* Logging */
#define LOG_CONF_MAX		65536	/* --logconf file, bytes */
#define LOG_CONF_LINE		1024	/* one line (and one value) of it */
#define LOG_CONF_SECTIONS	64	/* [sections] in it */
#define LOG_CONF_OPTS		512	/* key = value lines in it */
#define LOG_FMT_MAX		256	/* format / datefmt, bytes incl. NUL */
#define LOG_FMT_WIDTH		256	/* largest %(key)Ns width or precision */
#define LOG_MSG_MAX		1024	/* one message, bytes incl. NUL */
#define LOG_LINE_MAX		2048	/* one formatted line, bytes */
#define LOG_RL_SLOTS		64	/* rate-limiter keys remembered */
#define LOG_RL_MS		1000	/* one line per key per this */
#define LOG_RL_GLOBAL		20	/* rate-limited lines per second, all keys */

#endif /* DEFS_H */
