/*
 * sw.c - the switch daemon: command line, start-up, the port table and
 * the learning switch itself.
 *
 * The switch knows nothing of sockets, TLS or WebSocket: frames come in
 * through switch_input() and leave through port_output(); a tunnel port
 * hands its frames to its connection (conn.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "etherws.h"

struct sw_conf	 conf;
struct fdb	 fdb;
struct htpasswd	*sw_auth, *sw_ctlauth;
struct tls_creds *sw_creds, *sw_ctlcreds;

static struct port	**ptab;		/* ascending port numbers */
static size_t		 nports, ptab_cap;
static int		 next_no = 1;
static struct port	*grave;		/* deleted, freed after the round */
static struct ev_timer	 sweep_timer;
static struct ev_timer	 exit_timer, exit_poll_timer;
static struct ev_watcher sig_w;
static int		 shutting_down;

/* ------------------------------------------------------------------ */
/* Port table */

struct port *
port_at(size_t i)
{
	return i < nports ? ptab[i] : NULL;
}

struct port *
port_find(int no)
{
	size_t lo = 0, hi = nports, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ptab[mid]->no == no)
			return ptab[mid];
		if (ptab[mid]->no < no)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct port *
port_new(enum port_kind kind, const char *target)
{
	struct port *p, **n;
	size_t cap;

	if (nports == ptab_cap) {
		cap = ptab_cap ? ptab_cap * 2 : 16;
		n = realloc(ptab, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		ptab = n;
		ptab_cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->no = next_no++;
	p->kind = kind;
	p->fd = -1;
	p->w.fd = -1;
	p->up = 1;
	p->up_since = p->storm_last = ew_now_ms();
	p->storm_tokens = (uint64_t)conf.stormlimit * 1000;
	probe_port_up(p);
	ew_snprintf(p->target, sizeof(p->target), "%s", target);
	ptab[nports++] = p;
	return p;
}

static void
port_reap(void)
{
	struct port *p;

	while ((p = grave) != NULL) {
		grave = p->grave_next;
		free(p);
	}
}

static void
fdb_log(const struct fdb_entry *e, const char *why)
{
	log_debug("fdb %s: port:%d; vid:%d; mac:%02x%02x%02x%02x%02x%02x",
	    why, e->port, e->vid, e->mac[0], e->mac[1], e->mac[2], e->mac[3],
	    e->mac[4], e->mac[5]);
}

void
port_set_up(struct port *p, int up)
{
	p->up = up;
	if (!up)
		fdb_del_port(&fdb, p->no, fdb_log);
	else {
		p->up_since = ew_now_ms();
		probe_port_up(p);
	}
}

void
port_delete(struct port *p, int close_code)
{
	size_t i;

	for (i = 0; i < nports && ptab[i] != p; i++)
		;
	if (i == nports)
		return;
	memmove(&ptab[i], &ptab[i + 1], (nports - i - 1) * sizeof(*ptab));
	nports--;
	fdb_del_port(&fdb, p->no, fdb_log);
	if (p->fd >= 0) {
		loop_del(&p->w);
		close(p->fd);	/* a tap device vanishes with its fd */
		p->fd = -1;
		log_msg(EW_LOG_INFO, "disconnected: %s", p->target);
	}
	if (p->cl != NULL) {
		client_free(p->cl);
		p->cl = NULL;
	}
	if (p->conn != NULL) {
		/* The connection forgets its port here: say it now. */
		log_msg_rl(EW_LOG_INFO, p->target, "disconnected: %s",
		    p->kind == PORT_SERVER ? p->conn->peerip : p->target);
		conn_close(p->conn, close_code);
		p->conn = NULL;
	}
	/* Callers may still be inside this port's callback: free later. */
	p->grave_next = grave;
	grave = p;
	loop_idle(port_reap);
}

/* ------------------------------------------------------------------ */
/* The switch */

/* One frame as it is, with its metadata to a port that takes it (vh
 * NULL: none); 0, or -1 if not sent. */
static int
port_xmit(struct port *q, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	if (q->kind == PORT_TAP || q->kind == PORT_NETDEV)
		return dev_write(q->fd, q->vnet, frame, len, vh);
	if (q->conn != NULL)
		return conn_send_frame(q->conn, frame, len, vh);
	return -1;
}

int
port_send(struct port *q, const uint8_t *frame, size_t len)
{
	/* A loop probe must not be lost to a queue full of the very
	 * storm it is there to stop: past --queue, like Pongs. */
	if (q->conn != NULL)
		return conn_send_ctrl_frame(q->conn, frame, len);
	return port_xmit(q, frame, len, NULL);
}

static void
port_count(struct port *q, int rc)
{
	if (rc == 0)
		q->tx++;
	else
		q->tx_dropped++;
}

int
port_offload(const struct port *q)
{
	return q->conn != NULL ? q->conn->offload : q->vnet;
}

/* Can q take (frame, vh) as it is? */
static int
takes(const struct port *q, const struct vnet *vh)
{
	return port_offload(q) || vnet_plain(vh);
}

static int
usable(struct port *q, const struct port *from, uint64_t now)
{
	return q != from && !q->shut && q->up && !probe_blocked(q, now);
}

/* Where gso_segment's ordinary frames go: to one port, or (to NULL)
 * flooded to every usable port that does not take metadata. */
struct seg_to {
	struct port	*to, *from;
	uint64_t	 now;
};
/* One segment at a time: gso_segment builds each here before the next. */
static uint8_t seg_buf[MAX_FRAME];

static void
seg_out(void *arg, const uint8_t *f, size_t len)
{
	struct seg_to *st = arg;
	struct port *q;
	size_t i;

	if (st->to != NULL) {
		port_count(st->to, port_xmit(st->to, f, len, NULL));
		return;
	}
	for (i = 0; i < nports; i++) {
		q = ptab[i];
		if (usable(q, st->from, st->now) && !port_offload(q))
			port_count(q, port_xmit(q, f, len, NULL));
	}
}

/* Counted output: a super-frame (or a checksum still to complete) to a
 * port without offload goes out as ordinary frames, each counted. */
static void
port_output(struct port *q, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct seg_to st = { q, NULL, 0 };

	if (takes(q, vh))
		port_count(q, port_xmit(q, frame, len,
		    port_offload(q) ? vh : NULL));
	else if (gso_segment(vh, frame, len, seg_buf, seg_out, &st) < 0)
		q->tx_dropped++;	/* vnet_check passed: cannot happen */
}

static void
log_sent(const char *ports, uint16_t vid, const uint8_t *f)
{
	log_debug("sent: port:%s; vid:%d; "
	    "%02x%02x%02x%02x%02x%02x -> %02x%02x%02x%02x%02x%02x",
	    ports, vid, f[6], f[7], f[8], f[9], f[10], f[11],
	    f[0], f[1], f[2], f[3], f[4], f[5]);
}

/* Flood to every other usable port; probes are not counted (they are
 * the switches' own control traffic, not the users' frames).  Ports
 * without offload get a super-frame's segments after the others got
 * it whole: it is cut once, not once per port. */
static void
flood(struct port *from, const uint8_t *frame, size_t len,
    const struct vnet *vh, uint16_t vid, uint64_t now, int probe)
{
	struct seg_to st = { NULL, from, now };
	char list[256];
	size_t i, off = 0;
	struct port *q;
	int cut = 0;

	list[0] = '\0';
	for (i = 0; i < nports; i++) {
		q = ptab[i];
		if (!usable(q, from, now))
			continue;
		if (probe)
			port_send(q, frame, len);
		else if (takes(q, vh))
			port_output(q, frame, len, vh);
		else
			cut = 1;
		if (log_level <= EW_LOG_DEBUG && off < sizeof(list) - 16)
			off += (size_t)ew_snprintf(list + off, sizeof(list) - off,
			    "%s%d", off ? "," : "", q->no);
	}
	if (cut)
		(void)gso_segment(vh, frame, len, seg_buf, seg_out, &st);
	if (log_level <= EW_LOG_DEBUG)
		log_sent(list, vid, frame);
}

/* Storm control: a token bucket of flooded frames per input port, in
 * thousandths so that low limits refill smoothly. */
static int
storm_exceeded(struct port *p, uint64_t now)
{
	uint64_t cap = (uint64_t)conf.stormlimit * 1000;

	if (conf.stormlimit <= 0)
		return 0;
	if (now > p->storm_last) {
		p->storm_tokens += (now - p->storm_last) *
		    (uint64_t)conf.stormlimit;
		if (p->storm_tokens > cap)
			p->storm_tokens = cap;
		p->storm_last = now;
	}
	if (p->storm_tokens < 1000)
		return 1;
	p->storm_tokens -= 1000;
	return 0;
}

void
switch_input(struct port *p, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct vnet v;
	uint16_t vid = 0;
	uint64_t now;
	struct port *q;
	int dst, tagged;
	char one[16];

	if (p->shut)
		return;
	now = ew_now_ms();
	if (probe_is(frame, len)) {
		/* Ours: consumed.  Others': flooded, never learned, and
		 * never across a blocked port. */
		if (!probe_input(p, frame, len) && !probe_blocked(p, now))
			flood(p, frame, len, NULL, 0, now, 1);
		return;
	}
	p->rx++;
	tagged = len >= 14 && frame[12] == 0x81 && frame[13] == 0x00;
	if (len < MIN_FRAME || (tagged && len < 18) || len > MAX_FRAME) {
		p->rx_dropped++;
		return;
	}
	if (vh != NULL) {
		/* "Checksum known good" is the sender's kernel's business;
		 * what remains must describe the frame before any port
		 * (or gso_segment) relies on it. */
		v = *vh;
		v.flags &= (uint8_t)~VNET_F_DATA_VALID;
		if (vnet_check(&v, frame, len) < 0) {
			p->rx_dropped++;
			return;
		}
		vh = vnet_plain(&v) ? NULL : &v;
	}
	if (tagged)
		vid = ew_be16(frame + 14) & 0x0fff;
	if (probe_blocked(p, now)) {
		p->rx_dropped++;	/* the loop's other way round */
		return;
	}
	if (!(frame[6] & 1) && fdb_learn(&fdb, vid, frame + 6, p->no, now) > 0)
		log_debug("fdb learned: port:%d; vid:%d; "
		    "mac:%02x%02x%02x%02x%02x%02x", p->no, vid, frame[6],
		    frame[7], frame[8], frame[9], frame[10], frame[11]);
	if (frame[0] & 1 || (dst = fdb_lookup(&fdb, vid, frame, now)) == 0) {
		if (storm_exceeded(p, now)) {
			p->storm_dropped++;
			p->rx_dropped++;
			return;
		}
		flood(p, frame, len, vh, vid, now, 0);
		return;
	}
	q = port_find(dst);
	if (q == NULL || q == p || q->shut || !q->up || probe_blocked(q, now)) {
		p->rx_dropped++;	/* no hairpin, no shut output */
		return;
	}
	port_output(q, frame, len, vh);
	if (log_level <= EW_LOG_DEBUG) {
		ew_snprintf(one, sizeof(one), "%d", q->no);
		log_sent(one, vid, frame);
	}
}

/* ------------------------------------------------------------------ */
/* tap and netdev ports */

static void
dev_io(struct ev_watcher *w, uint32_t revents)
{
	struct port *p = container_of(w, struct port, w);
	uint8_t buf[MAX_FRAME + 4];
	struct vnet vh;
	long n;
	int i;

	if (!(revents & EPOLLIN))
		return;
	for (i = 0; i < RX_BUDGET; i++) {
		if (p->kind == PORT_TAP)
			n = tap_read(p->fd, p->vnet, buf, sizeof(buf), &vh);
		else
			n = netdev_recv(p->fd, p->vnet, buf, sizeof(buf),
			    &vh);
		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR)
			return;
		if (n == -EMSGSIZE) {
			p->rx++;
			p->rx_dropped++;
			continue;
		}
		if (n == -ENETDOWN) {
			log_msg(EW_LOG_WARNING, "%s: network is down",
			    p->target);
			return;
		}
		if (n < 0) {
			log_msg(EW_LOG_ERROR, "%s: read: %s", p->target,
			    ew_strerror((int)-n));
			port_delete(p, 1000);
			return;
		}
		if (n == 0 && p->kind == PORT_NETDEV)
			continue;	/* our own transmission */
		switch_input(p, buf, (size_t)n, p->vnet ? &vh : NULL);
	}
}

struct port *
port_add_dev(enum port_kind kind, const char *target, char *err,
    size_t errlen)
{
	char ifname[IFNAME_MAX];
	struct port *p;
	int fd, vnet = !conf.nooffload;

	if (kind == PORT_TAP)
		fd = tap_open(target, ifname, &vnet, err, errlen);
	else {
		fd = netdev_open(target, &vnet, err, errlen);
		ew_snprintf(ifname, sizeof(ifname), "%s", target);
	}
	if (fd < 0)
		return NULL;
	p = port_new(kind, ifname);
	if (p == NULL) {
		close(fd);
		ew_snprintf(err, errlen, "OSError: [Errno 12] %s", ew_strerror(ENOMEM));
		return NULL;
	}
	p->fd = fd;
	p->vnet = vnet;
	ew_snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	p->w.cb = dev_io;
	if (loop_add(&p->w, fd, EPOLLIN) < 0) {
		ew_snprintf(err, errlen, "OSError: [Errno %d] %s", errno,
		    ew_strerror(errno));
		p->fd = -1;
		close(fd);
		port_delete(p, 1000);
		return NULL;
	}
	log_msg(EW_LOG_INFO, "connected: %s", p->target);
	return p;
}

/* ------------------------------------------------------------------ */
/* Signals, sweep, shutdown */

static void
sweep_cb(struct ev_timer *t)
{
	fdb_sweep(&fdb, ew_now_ms(), fdb_log);
	timer_arm(t, FDB_SWEEP_MS);
}

static void
exit_check(struct ev_timer *t)
{
	(void)t;	/* the close wait is over */
	loop_stop();
}

/* Every tunnel's close handshake is over: exit before the deadline. */
static void
exit_poll(struct ev_timer *t)
{
	if (conn_count() == 0)
		loop_stop();
	else
		timer_arm(t, 10);
}

void
sw_shutdown(void)
{
	struct port *p;

	if (shutting_down) {
		loop_stop();
		return;
	}
	shutting_down = 1;
	log_msg(EW_LOG_INFO, "shutting down");
	while ((p = port_at(0)) != NULL)
		port_delete(p, 1001);
	timer_init(&exit_timer, exit_check);
	timer_arm(&exit_timer, CLOSE_WAIT_MS);
	timer_init(&exit_poll_timer, exit_poll);
	timer_arm(&exit_poll_timer, 0);
}

static void
sig_io(struct ev_watcher *w, uint32_t revents)
{
	struct signalfd_siginfo si;

	(void)revents;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_reopen();	/* a FileHandler's file, rotated */
			continue;
		}
		if (shutting_down)
			_exit(0);	/* a second signal: at once */
		sw_shutdown();
	}
}

static int
signals_init(void)
{
	sigset_t set;
	int fd;

	ew_signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -1;
	sig_w.cb = sig_io;
	return loop_add(&sig_w, fd, EPOLLIN);
}

/* ------------------------------------------------------------------ */
/* Command line */

enum {
	OPT_DEBUG, OPT_LOGCONF, OPT_SYSLOG, OPT_PIDFILE, OPT_FOREGROUND, OPT_AGEOUT,
	OPT_KEEPALIVE, OPT_PATH, OPT_HOST, OPT_PORT, OPT_HTPASSWD, OPT_SSLKEY, OPT_SSLCERT,
	OPT_CTLPATH, OPT_CTLHOST, OPT_CTLPORT, OPT_CTLHTPASSWD, OPT_CTLSSLKEY,
	OPT_CTLSSLCERT, OPT_STORMLIMIT, OPT_MAXCONN, OPT_CTLMAXCONN, OPT_QUEUE,
	OPT_FDBMAX, OPT_NOOFFLOAD, OPT_HELP
};
static const struct ew_opt sw_opts[] = {
	{ "debug", 0 }, { "logconf", 1 }, { "syslog", 0 }, { "pidfile", 1 },
	{ "foreground", 0 }, { "ageout", 1 }, { "keepalive", 1 },
	{ "path", 1 }, { "host", 1 }, { "port", 1 }, { "htpasswd", 1 },
	{ "sslkey", 1 }, { "sslcert", 1 }, { "ctlpath", 1 }, { "ctlhost", 1 },
	{ "ctlport", 1 }, { "ctlhtpasswd", 1 }, { "ctlsslkey", 1 },
	{ "ctlsslcert", 1 }, { "stormlimit", 1 }, { "maxconn", 1 },
	{ "ctlmaxconn", 1 }, { "queue", 1 }, { "fdbmax", 1 },
	{ "nooffload", 0 }, { "help", 0 },
};

static const char sw_usage[] =
"usage: etherws sw [-h] [--debug] [--logconf LOGCONF] [--syslog]\n"
"                  [--pidfile PIDFILE] [--foreground] [--ageout AGEOUT]\n"
"                  [--keepalive KEEPALIVE] [--path PATH] [--host HOST]\n"
"                  [--port PORT] [--htpasswd HTPASSWD] [--sslkey SSLKEY]\n"
"                  [--sslcert SSLCERT] [--ctlpath CTLPATH]\n"
"                  [--ctlhost CTLHOST] [--ctlport CTLPORT]\n"
"                  [--ctlhtpasswd CTLHTPASSWD] [--ctlsslkey CTLSSLKEY]\n"
"                  [--ctlsslcert CTLSSLCERT] [--stormlimit N]\n"
"                  [--maxconn N] [--ctlmaxconn N] [--queue BYTES]\n"
"                  [--fdbmax N] [--nooffload]\n";

static const char sw_help[] =
"\n"
"Run the Ethernet switch daemon.\n"
"\n"
"options:\n"
"  -h, --help            show this help message and exit\n"
"  --debug               log every frame (DEBUG)\n"
"  --logconf LOGCONF     logging configuration file (fileConfig subset)\n"
"  --syslog              log to syslog\n"
"  --pidfile PIDFILE     write the daemon's pid here\n"
"  --foreground          do not detach\n"
"  --ageout AGEOUT       FDB ageing time, s (default 300)\n"
"  --keepalive KEEPALIVE client ping interval, s; 0 = off (default 30)\n"
"  --path PATH           WebSocket path (default /)\n"
"  --host HOST           WebSocket listen address (default all)\n"
"  --port PORT           WebSocket port (default 80, 443 with TLS)\n"
"  --htpasswd HTPASSWD   Basic auth file for tunnels\n"
"  --sslkey SSLKEY       TLS private key for tunnels\n"
"  --sslcert SSLCERT     TLS certificate chain for tunnels\n"
"  --ctlpath CTLPATH     control path (default /ctl)\n"
"  --ctlhost CTLHOST     control listen address (default 127.0.0.1)\n"
"  --ctlport CTLPORT     control port (default 7867)\n"
"  --ctlhtpasswd CTLHTPASSWD\n"
"                        Basic auth file for control\n"
"  --ctlsslkey CTLSSLKEY TLS private key for control\n"
"  --ctlsslcert CTLSSLCERT\n"
"                        TLS certificate chain for control\n"
"  --stormlimit N        flooded frames/s accepted per port; 0 = no limit\n"
"                        (default 20000)\n"
"  --maxconn N           tunnel connections at most (default 4096)\n"
"  --ctlmaxconn N        control connections at most (default 64)\n"
"  --queue BYTES         transmit queue of a tunnel port (default 1048576)\n"
"  --fdbmax N            FDB entries at most (default 8192)\n"
"  --nooffload           no TSO/GSO super-frames: taps without\n"
"                        IFF_VNET_HDR, tunnels without them\n";

/* ew_getopt prints "<prog>: error: ...": usage first, as argparse. */
#define SW_PROG	(sw_usage_prog())

static const char *
sw_usage_prog(void)
{
	static char buf[sizeof(sw_usage) + 16];

	ew_snprintf(buf, sizeof(buf), "%setherws sw", sw_usage);
	return buf;
}

/* Usage errors: exit 2 with "etherws sw: error: ..." */
static int sw_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static int value_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
sw_usage_error(const char *fmt, ...)
{
	va_list ap;

	ew_puts(2, sw_usage);
	ew_dprintf(2, "etherws sw: error: ");
	va_start(ap, fmt);
	ew_vdprintf(2, fmt, ap);
	va_end(ap);
	ew_puts(2, "\n");
	return 2;
}

static int
value_error(const char *fmt, ...)
{
	char data[512];
	va_list ap;

	va_start(ap, fmt);
	ew_vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	ew_print_error("Internal error", -32603, data);
	return 2;
}

static int
parse_int_opt(const char *name, const char *v, long long *out)
{
	if (ew_parse_int(v, out) < 0)
		return sw_usage_error("argument --%s: invalid int value: '%s'",
		    name, v);
	return 0;
}

/* Make a file option absolute and check it can be opened. */
static int
file_opt(const char **path, char *store, size_t cap)
{
	char cwd[PATH_MAX], data[PATH_MAX + 128];
	int fd, n;

	if (*path == NULL)
		return 0;
	if ((*path)[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		n = ew_snprintf(store, cap, "%s/%s", cwd, *path);
	else
		n = ew_snprintf(store, cap, "%s", *path);
	*path = store;
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		fd = -1;
	} else
		fd = open(store, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ew_snprintf(data, sizeof(data), "IOError: [Errno %d] %s: '%s'",
		    errno, ew_strerror(errno), store);
		ew_print_error("Internal error", -32603, data);
		return 1;
	}
	close(fd);
	return 0;
}

static int
sw_parse(int argc, char **argv, long long *port, long long *ctlport)
{
	const char *v;
	long long n;
	int idx = 1, o, rc;

	conf.ageout = 300;
	conf.stormlimit = STORM_DEFAULT;
	conf.maxconn = MAX_CONNS;
	conf.ctlmaxconn = MAX_CTL_CONNS;
	conf.queue = PORT_QUEUE_MAX;
	conf.fdbmax = FDB_MAX;
	conf.keepalive = 30;
	conf.path = "/";
	conf.ctlpath = "/ctl";
	conf.host = "";
	conf.ctlhost = "127.0.0.1";
	*port = LLONG_MIN;	/* not given: 80, or 443 with TLS */
	if (argc > 1 && strcmp(argv[1], "-h") == 0) {
		ew_puts(1, sw_usage);
		ew_puts(1, sw_help);
		exit(0);
	}
	*ctlport = 7867;
	while ((o = ew_getopt(argc, argv, &idx, sw_opts,
	    (int)(sizeof(sw_opts) / sizeof(sw_opts[0])), &v,
	    SW_PROG)) >= 0) {
		rc = 0;
		switch (o) {
		case OPT_HELP:
			ew_puts(1, sw_usage);
			ew_puts(1, sw_help);
			exit(0);
		case OPT_DEBUG: conf.debug = 1; break;
		case OPT_LOGCONF: conf.logconf = v; break;
		case OPT_SYSLOG: conf.syslog = 1; break;
		case OPT_PIDFILE: conf.pidfile = v; break;
		case OPT_FOREGROUND: conf.foreground = 1; break;
		case OPT_AGEOUT: rc = parse_int_opt("ageout", v, &conf.ageout);
			break;
		case OPT_KEEPALIVE:
			rc = parse_int_opt("keepalive", v, &conf.keepalive);
			break;
		case OPT_PATH: conf.path = v; break;
		case OPT_HOST: conf.host = v; break;
		case OPT_PORT: rc = parse_int_opt("port", v, port); break;
		case OPT_HTPASSWD: conf.htpasswd = v; break;
		case OPT_SSLKEY: conf.sslkey = v; break;
		case OPT_SSLCERT: conf.sslcert = v; break;
		case OPT_CTLPATH: conf.ctlpath = v; break;
		case OPT_CTLHOST: conf.ctlhost = v; break;
		case OPT_CTLPORT: rc = parse_int_opt("ctlport", v, &n);
			*ctlport = n;
			break;
		case OPT_CTLHTPASSWD: conf.ctlhtpasswd = v; break;
		case OPT_CTLSSLKEY: conf.ctlsslkey = v; break;
		case OPT_CTLSSLCERT: conf.ctlsslcert = v; break;
		case OPT_STORMLIMIT:
			rc = parse_int_opt("stormlimit", v, &conf.stormlimit);
			break;
		case OPT_MAXCONN:
			rc = parse_int_opt("maxconn", v, &conf.maxconn);
			break;
		case OPT_CTLMAXCONN:
			rc = parse_int_opt("ctlmaxconn", v, &conf.ctlmaxconn);
			break;
		case OPT_QUEUE: rc = parse_int_opt("queue", v, &conf.queue);
			break;
		case OPT_FDBMAX: rc = parse_int_opt("fdbmax", v, &conf.fdbmax);
			break;
		case OPT_NOOFFLOAD: conf.nooffload = 1; break;
		}
		if (rc != 0)
			return rc;
	}
	if (o == -2)
		return 2;
	if (idx < argc)
		return sw_usage_error("unrecognized arguments: %s", argv[idx]);
	return 0;
}

/* "ValueError: Invalid <name>: <v>" (exit 2) unless lo <= v <= hi. */
static int
range_check(const char *name, long long v, long long lo, long long hi)
{
	if (v >= lo && v <= hi)
		return 0;
	return value_error("ValueError: Invalid %s: %lld", name, v);
}

/* Checks in SPEC.md 2.1's order; returns an exit status or 0. */
static int
sw_check(long long port, long long ctlport)
{
	static char f1[PATH_MAX], f2[PATH_MAX], f3[PATH_MAX], f4[PATH_MAX],
	    f5[PATH_MAX], f6[PATH_MAX], f7[PATH_MAX];
	int rc;

	if (conf.ageout <= 0)
		return value_error("ValueError: Invalid ageout: %lld",
		    conf.ageout);
	if (conf.keepalive < 0)
		return value_error("ValueError: Invalid keepalive: %lld",
		    conf.keepalive);
	if (conf.stormlimit < 0 || conf.stormlimit > 100000000)
		return value_error("ValueError: Invalid stormlimit: %lld",
		    conf.stormlimit);
	if ((rc = range_check("maxconn", conf.maxconn, 1, 1000000)) ||
	    (rc = range_check("ctlmaxconn", conf.ctlmaxconn, 1, 100000)) ||
	    (rc = range_check("queue", conf.queue, 65536, 1LL << 30)) ||
	    (rc = range_check("fdbmax", conf.fdbmax, 16, 1 << 22)))
		return rc;
	if (file_opt(&conf.htpasswd, f1, sizeof(f1)) ||
	    file_opt(&conf.ctlhtpasswd, f2, sizeof(f2)) ||
	    file_opt(&conf.sslkey, f3, sizeof(f3)) ||
	    file_opt(&conf.sslcert, f4, sizeof(f4)) ||
	    file_opt(&conf.ctlsslkey, f5, sizeof(f5)) ||
	    file_opt(&conf.ctlsslcert, f6, sizeof(f6)) ||
	    file_opt(&conf.logconf, f7, sizeof(f7)))
		return 1;
	if (conf.path[0] != '/')
		return value_error("ValueError: Invalid path: %s", conf.path);
	if (conf.ctlpath[0] != '/')
		return value_error("ValueError: Invalid ctlpath: %s",
		    conf.ctlpath);
	if ((conf.sslkey == NULL) != (conf.sslcert == NULL))
		return value_error("%s",
		    "ValueError: Both sslkey and sslcert are required");
	if ((conf.ctlsslkey == NULL) != (conf.ctlsslcert == NULL))
		return value_error("%s",
		    "ValueError: Both ctlsslkey and ctlsslcert are required");
	if (port == LLONG_MIN)
		port = conf.sslkey ? 443 : 80;
	if (port < 0 || port > 65535)
		return value_error("ValueError: Invalid port: %lld", port);
	if (ctlport < 0 || ctlport > 65535)
		return value_error("ValueError: Invalid ctlport: %lld",
		    ctlport);
	conf.port = (int)port;
	conf.ctlport = (int)ctlport;
	if (conf.port == conf.ctlport && strcmp(conf.host, conf.ctlhost) == 0) {
		if (strcmp(conf.path, conf.ctlpath) == 0)
			return value_error("%s",
			    "ValueError: Same path/ctlpath on same host");
		if (!!conf.sslkey != !!conf.ctlsslkey || (conf.sslkey &&
		    strcmp(conf.sslkey, conf.ctlsslkey) != 0))
			return value_error("%s", "ValueError: Different "
			    "sslkey/ctlsslkey on same host");
		if (!!conf.sslcert != !!conf.ctlsslcert || (conf.sslcert &&
		    strcmp(conf.sslcert, conf.ctlsslcert) != 0))
			return value_error("%s", "ValueError: Different "
			    "sslcert/ctlsslcert on same host");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Detaching: the first process exits only once the daemon is ready. */

static int
write_pidfile(void)
{
	char buf[32];
	int fd, n;

	if (conf.pidfile == NULL)
		return 0;
	fd = open(conf.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644);
	if (fd < 0)
		return -1;
	n = ew_snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * _Fork (POSIX 2024; glibc 2.34, musl 1.2.3) is fork without the atfork
 * handlers and the thread and stdio locks around it: etherws has no
 * threads and registers no handlers, and musl's fork would bring its
 * lock code (1.6 KB) into the static build.  An older libc without it:
 * CPPFLAGS += -DEW_NO__FORK in config.mk.
 */
#ifdef EW_NO__FORK
#define _Fork	fork
#endif
static int
daemonize(void)
{
	int pfd[2], fd;
	char c = 1;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = _Fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &c, 1) != 1)
			c = 1;
		_exit(c == 0 ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	pid = _Fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	umask(022);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_detach();	/* stderr handlers: nowhere (SPEC.md 11) */
	if (write_pidfile() < 0) {
		if (write(pfd[1], &c, 1) < 0)
			_exit(1);
		_exit(1);
	}
	c = 0;
	if (write(pfd[1], &c, 1) < 0)
		_exit(1);
	close(pfd[1]);
	return 0;
}

static int
load_creds(const char *key, const char *cert, struct tls_creds **out)
{
	char err[512];

	if (key == NULL)
		return 0;
	*out = calloc(1, sizeof(**out));
	if (*out == NULL || tls_creds_load(*out, key, cert, err,
	    sizeof(err)) < 0) {
		ew_print_error("Internal error", -32603, *out ? err :
		    "MemoryError");
		return -1;
	}
	return 0;
}

int
sw_main(int argc, char **argv)
{
	char err[512];
	long long port, ctlport;
	int rc;

	if ((rc = sw_parse(argc, argv, &port, &ctlport)) != 0)
		return rc;
	if ((rc = sw_check(port, ctlport)) != 0)
		return rc;
	if (conf.htpasswd != NULL &&
	    (sw_auth = htpasswd_open(conf.htpasswd, err, sizeof(err))) == NULL) {
		ew_print_error("Internal error", -32603, err);
		return 1;
	}
	if (conf.ctlhtpasswd != NULL && (sw_ctlauth =
	    htpasswd_open(conf.ctlhtpasswd, err, sizeof(err))) == NULL) {
		ew_print_error("Internal error", -32603, err);
		return 1;
	}
	if (load_creds(conf.sslkey, conf.sslcert, &sw_creds) < 0 ||
	    load_creds(conf.ctlsslkey, conf.ctlsslcert, &sw_ctlcreds) < 0)
		return 1;
	if (conf.logconf != NULL &&
	    (rc = log_config_file(conf.logconf, err, sizeof(err))) != 0) {
		ew_print_error("Internal error", -32603, err);
		return rc;
	}
	if (conf.debug)
		log_set_level(EW_LOG_DEBUG);
	if (conf.syslog)
		log_open_syslog();
	if (fdb_init(&fdb, (size_t)conf.fdbmax,
	    (uint64_t)conf.ageout * 1000) < 0 ||
	    loop_init() < 0) {
		ew_print_error("Internal error", -32603,
		    "OSError: [Errno 12] Cannot allocate memory");
		return 1;
	}
	if (listeners_open(err, sizeof(err)) < 0) {
		ew_print_error("Internal error", -32603, err);
		return 1;
	}
	if (!conf.foreground) {
		if (daemonize() < 0) {
			ew_dprintf(2, "etherws sw: detach: %s\n", ew_strerror(errno));
			return 1;
		}
	} else if (write_pidfile() < 0) {
		ew_snprintf(err, sizeof(err), "IOError: [Errno %d] %s: '%s'",
		    errno, ew_strerror(errno), conf.pidfile);
		ew_print_error("Internal error", -32603, err);
		return 1;
	}
	/* After the detach: the daemon must own the signalfd. */
	if (signals_init() < 0) {
		log_msg(EW_LOG_ERROR, "signals: %s", ew_strerror(errno));
		return 1;
	}
	probe_init();
	timer_init(&sweep_timer, sweep_cb);
	timer_arm(&sweep_timer, FDB_SWEEP_MS);
	rc = loop_run();
	if (conf.pidfile != NULL)
		unlink(conf.pidfile);
	return rc < 0 ? 1 : 0;
}
