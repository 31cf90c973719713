/*
 * defs.h - the named limits and the version.
 *
 * Every size a peer, a file or the command line controls is checked
 * against one of these before anything grows, and every default and
 * bound of an option is here.  Not here: the constants of a wire or file
 * format, which stay with their codec (ws.h's opcodes, gso.h's
 * virtio_net_hdr, probe.c's frame layout, bcrypt.h), and a few sizes
 * of one module's own that no input moves (loop.c's LOOP_EVENTS,
 * srclimit.c's SRC_BUCKETS, listen.c's FD_RESERVE, rpc.c's REPLY_FIRST,
 * tap_linux.c's NETDEV_RCVBUF ...).  No code, no types: any module may
 * include it without pulling in another.
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
#define FDB_PORT_SHARE		4	/* one port holds at most 1/4 of them */
#define FDB_PORT_MAX		2048	/* and at most this (--fdbportmax) */
#define FDB_SWEEP_MS		10000	/* FDB sweep period */
#define RX_BUDGET		64	/* reads per fd per loop iteration */
#define PROBE_INTERVAL_MS	1000	/* loop-detection probe period */
/* Every timer that waits for the far end follows the measured trips
 * (probe.c: smoothed as TCP does, srtt + 4 rttvar), between a floor
 * for a LAN and a cap for sanity; 2 s round trips must work. */
#define LOOP_HOLD_MS		3000	/* a blocked port's loop gone this long,
					 * at least (+ 2 rounds + 2 trips) */
#define PROBE_SILENT_MS		3000	/* a neighbour switch of ours heard
					 * from no longer ago, or silent, at
					 * least (3 intervals + 4 trips) */
#define PROBE_SILENT_MAX_MS	20000	/* but never longer */
#define PROBE_TICK_MS		250	/* holds and silences checked */
#define PROBE_WAIT_MIN_MS	200	/* a probing port waits this + 2 trips */
#define PROBE_WAIT_MAX_MS	10000	/* but no longer */
#define PROBE_BURST		3	/* probes out of it per window */
#define PROBE_FIRST_MS		20	/* the first of them after this */
#define PROBE_DEFER_MAX		3	/* windows it yields to a lower id */
#define PROBE_RETURN_MS		1000	/* our probe counts if back by then,
					 * or by 2 trips + PROBE_WAIT_MIN_MS */
#define PROBE_RETURN_MAX_MS	10000	/* but never later */
#define PROBE_ROUNDS_KEPT	128	/* rounds remembered for that */
#define PROBE_VERIFY_MS		500	/* a decision's fresh probes must be
					 * back by then, or by 2 trips +
					 * PROBE_WAIT_MIN_MS */
#define PROBE_VERIFY_MAX_MS	10000	/* but never later */
#define PROBE_JITTER_MS		1500	/* spread of the decision delay, or
					 * PROBE_JITTER_TRIPS loop trips */
#define PROBE_JITTER_TRIPS	6
#define PROBE_JITTER_MAX_MS	10000	/* but no wider */
#define PROBE_RTT_MAX_MS	10000	/* a trip sample beyond this: capped */
/* Probe traffic flat in the size of the network (probe.c, probetab.c):
 * hellos hop by hop; one budget of flooded rounds shared by all. */
#define PROBE_SHARE_MS		500	/* N switches each send a round every
					 * N x this: 2 a second on any link */
#define PROBE_PERIOD_MAX_MS	600000	/* but at least one per 10 min
					 * (1,200 switches) */
#define PROBE_ID_ROUNDS		5	/* an id counts for 5 periods */
#define PROBE_IDS_MAX		2048	/* switch ids counted at most */
#define PROBE_SEEN_MAX		256	/* flooded probes remembered (copies) */
#define PROBE_TAB_RUN		16	/* slots a key may take in them */
#define PROBE_EDGE_RATE		2	/* other switches' probes/s out of an
					 * edge port (a host's tap) */
#define PROBE_EDGE_BURST	3
#define PROBE_LINK_RATE		20	/* ... out of any other port */
#define PROBE_LINK_BURST	40
#define PROBE_CHECK_GAP_MS	1000	/* blocks checked after a change at
					 * most this often */
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
#define METRICS_MAX		(16 * 1024 * 1024) /* GET /metrics body, bytes:
					 * a tap port ~0.7 KB, a client port
					 * ~1.1 KB (1,000 tap ports: 717,176) */
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
/* Failed logins (authfail.c): per address (IPv6: /64), AUTHFAIL_FREE
 * wrong passwords, then each further one holds the address back (its
 * requests refused unchecked, 429) for twice the last wait, from
 * AUTHFAIL_BASE_MS up to AUTHFAIL_MAX_MS; a right password or
 * AUTHFAIL_WINDOW_MS without failures forgets them.  A guesser gets
 * about one try a minute instead of thousands a second. */
#define AUTHFAIL_FREE		5	/* failures before any wait */
#define AUTHFAIL_BASE_MS	1000	/* the first wait */
#define AUTHFAIL_MAX_MS		60000	/* the longest wait */
#define AUTHFAIL_DOUBLINGS	16	/* past these the wait is the cap */
#define AUTHFAIL_WINDOW_MS	(10 * 60 * 1000) /* failures forgotten
					 * after this quiet time */
#define AUTHFAIL_SLOTS		1024	/* addresses remembered (a power of
					 * 2): 40 KiB of memory, fixed */
#define AUTHFAIL_PROBE		8	/* slots an address may use; a new
					 * one takes the oldest of them */
#define MAX_CONNS		4096	/* tunnel connections (--maxconn) */
#define MAX_CTL_CONNS		64	/* control connections (--ctlmaxconn) */
#define CTL_MEM_MAX		(16 * 1024 * 1024) /* buffers and TLS
					 * engines of all control connections
					 * together, replies included: a bound
					 * of their own, besides --maxmem */
#define CTL_REPLY_MAX		(8 * 1024 * 1024) /* one reply (a whole
					 * batch's array) at most: a result
					 * past it is an error */
#define CTL_REPLY_SLACK		(256 * 1024) /* kept past a reply's
					 * results for its error documents
					 * (CTL_MAX_BATCH short ones, the ids
					 * of a CTL_MAX_BODY request) */
#define IN_OWN_MIN		1024	/* a connection's own receive buffer
					 * (what a read left unparsed) at
					 * least; reads go to a shared one */
#define IN_READ			16384	/* what one read takes (more only as
					 * a longer message needs): a flood on
					 * one connection yields to the others
					 * every RX_BUDGET reads; an open
					 * WebSocket's own buffer this at least */
#define TX_PUSH_BYTES		65536	/* a tunnel's unsent bytes that leave
					 * at once, mid-round (a quarter of
					 * --queue if less): a round's reads
					 * (RX_BUDGET super-frames, 4 MiB) would
					 * otherwise pass --queue before the
					 * round's send, tail drops of a LAN
					 * path that is not full */
#define OUT_KEEP		65536	/* a drained tx queue kept up to this
					 * while the connection is busy */
#define CONN_TRIM_MS		1000	/* buffers of connections idle this
					 * long (and drained) are freed */
#define OUT_CTRL_SLACK		65536	/* control frames past the tx cap */
#define TUNNEL_NOTSENT_LOWAT	(32 * 1024) /* unsent bytes a tunnel socket
					 * takes (TCP_NOTSENT_LOWAT): what waits
					 * stays in our queue, timed and
					 * droppable, not in the kernel's */
#define TUNNEL_CC		"cubic"	/* tunnel sockets' congestion control */

/* What a tunnel's socket holds (pace.c): the path's rate x round trip */
#define PACE_GAIN_NUM		9	/* times 9/8: the rate found may grow */
#define PACE_GAIN_DEN		8
#define PACE_SLACK		(48 * 1024) /* bytes past that */
#define PACE_RTT_MIN_MS		5	/* shorter paths are not bounded */
#define PACE_SAMPLE_MS		10	/* rate sampled this often at most */
#define PACE_BW_WIN_MS		2000	/* the rate: the most seen this long */
#define PACE_RTT_WIN_MS		10000	/* the round trip: the least, as long */
#define PACE_POLL_DIV		16	/* bounded: look again in this part
					 * of a round trip (1 ms at least) */

/* The tunnel tx queue's discipline (txq.c): CoDel, RFC 8289 */
#define CODEL_TARGET_US		5000	/* standing queue delay tolerated */
#define CODEL_INTERVAL_MS	100	/* above target this long: drop; the
					 * tunnel's round trip if longer */
#define CODEL_INTERVAL_MAX_MS	1000	/* ... but no longer than this */
#define CODEL_RTT_MS		1000	/* the round trip read this often */
#define CODEL_MIN_BYTES		1600	/* a queue no longer (one full-size
					 * frame) is never dropped from */
#define CODEL_COUNT_MAX		65535	/* drop count of the control law */
#define TXQ_RECS		64	/* enqueue-time records per connection
					 * (at most 64: a bit each) */
#define TXQ_GRAIN_US		1000	/* frames queued within this of one
					 * another share a record */
#define TXQ_FLOWS		32	/* flow buckets: which have frames
					 * waiting (keyed hash) */
#define TXQ_LANE_MAX		4096	/* the lane of sparse flows' frames,
					 * sent first: bytes */
#define TXQ_QUANTUM		8192	/* lane bytes at most per this many
					 * bytes of the queue's (when both
					 * wait): bulk keeps half at least */
#define TRUSTPROXY_MAX		32	/* --trustproxy addresses and blocks */
#define FORWARDED_MAX		32	/* Forwarded/X-Forwarded-For hops read:
					 * the right-most ones (the proxies') */
#define TRUSTPROXY_HEADER	"X-Forwarded-For" /* --trustproxyheader's
					 * default: the one header read */
#define TRUSTPROXY_HEADER_ALT	"Forwarded"	/* its other choice (RFC
					 * 7239's for=) */
#define URL_MAX			1024	/* client URL / target text */
#define CRED_MAX		256	/* user or password */
#define CRED_FILE_MAX		4096	/* ctl --ctlpwfile/--pwfile, bytes */
/* Client reconnects (client.c): a failure that retrying may cure (refused,
 * unreachable, timeout, reset, DNS, 5xx, a dropped tunnel) is retried
 * soon, one that it cannot (401, 403, 404, 409, a certificate that does
 * not verify) slowly.  Each delay is doubled per failure of the same
 * kind up to its cap, then spread by +-BACKOFF_JITTER_PCT so that many
 * sites of one hub do not come back in the same millisecond. */
#define BACKOFF_SHORT_FIRST_MS	500	/* first retry of a transient failure */
#define BACKOFF_SHORT_MAX_MS	2400	/* its cap: tries at most 3 s apart
					 * (with the jitter), so a port is
					 * back within 5 s of its server */
#define BACKOFF_LONG_FIRST_MS	2000	/* first retry of a lasting failure */
#define BACKOFF_LONG_MAX_MS	30000	/* its cap: >= 22.5 s apart after the
					 * first minute, 6 attempts in it */
#define BACKOFF_JITTER_PCT	25	/* delay x U[1 - j, 1 + j] */
#define JSON_MAX_DEPTH		32	/* nesting of arrays/objects */
#define JSON_MAX_TOKENS		4096	/* tokens in one control request */
#define CLI_ERRLEN		512	/* ctl: one error text */
#define CLI_ANSWER_S		5	/* ctl: the switch answers (its reply,
					 * or 100 Continue to our Expect) within
					 * this or is called hung (--timeout) */
#define CLI_TIMEOUT_MS		30000	/* ctl: the whole exchange once it
					 * answered (addPort may take 12 s) */
#define CLI_TIMEOUT_MAX_S	3600	/* ctl --timeout at most */
#define CTLALLOW_MAX		1024	/* uids --ctlallow may stand for */
#define PEERUID_PROC_BUF	1024	/* a /proc/net/tcp{,6} line (150, 178 bytes) */
#define PEERUID_PROC_LINES	65536	/* lines of it read for one lookup (it
					 * runs at accept): a host with more
					 * sockets gets its local control
					 * peers refused where inet_diag
					 * is missing */
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
#define HTPASSWD_MAX_ENTRIES	16384		/* user:hash lines; over = failure */
#define HTPASSWD_BCRYPT_COST_MAX 12	/* bcrypt entries' cost at most: each
					 * Basic-auth attempt on one costs 2^cost
					 * key schedules in the one event loop
					 * (cost 12: ~0.2 s on a PC, seconds on
					 * a router); costlier ones never match
					 * and are warned about */
#define HTPASSWD_WARN_MAX	32	/* lines that never match named per
					 * load; one more line says the rest */
#define HTPASSWD_RACY_MS	2000	/* read this soon after a change:
					 * read again (timestamp ticks) */
#define HTPASSWD_LOCK_MS	1000	/* a changed file locked by a writer
					 * (flock): the old table this long */
#define TLS_FILE_MAX		(4 * 1024 * 1024) /* PEM file bytes */
#define TLS_DN_MAX		4096	/* an anchor's subject DN, bytes */
#define TLS_LEAF_MAX		16384	/* server leaf certificate, bytes */

/* sw --config FILE (config.c): checked before anything grows */
#define CFG_FILE_MAX		(256 * 1024)	/* the file, bytes */
#define CFG_LINE_MAX		4096	/* one line, bytes without its LF */
#define CFG_PORTS_MAX		1024	/* ports declared in it */
#define CFG_WORDS_MAX		32	/* words on one line */
#define CFG_PATH_MAX		1024	/* --pwfile, --cacerts (made absolute) */
#define CFG_PIN_MAX		128	/* --pin sha256//BASE64 text */

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
