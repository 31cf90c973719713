/*
 * sw.c - the sw sub-command: its command line and checks, the daemon's
 * life (start-up, detaching, pidfile, signals, shutdown) and sw_main.
 * The options are its own (sw_conf): it tells each module what it needs
 * of them (modules_init, listen_open), sets the switch up and hands
 * over to the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "auth.h"
#include "cfgrun.h"
#include "cli.h"
#include "conn.h"
#include "ctlallow.h"
#include "errtext.h"
#include "file.h"
#include "fmt.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "privdrop.h"
#include "rpc.h"
#include "serve.h"
#include "sw.h"
#include "switch.h"
#include "sys.h"
#include "tapport.h"
#include "tls.h"
#include "util.h"

static struct sw_conf	 sw_conf;	/* the options */
static struct tls_creds	*creds, *ctlcreds;	/* --sslkey, --ctlsslkey */
static struct htpasswd	*auth, *ctlauth;	/* --htpasswd, --ctlhtpasswd */
static struct ev_timer	 exit_timer, exit_poll_timer;
static struct ev_watcher sig_w;
static int		 shutting_down;

/* ------------------------------------------------------------------ */
/* Signals and shutdown */

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

static void
sw_shutdown(void)
{

	if (shutting_down) {
		loop_stop();
		return;
	}
	shutting_down = 1;
	log_msg(EW_LOG_INFO, "shutting down");
	port_delete_all(1001);
	timer_init(&exit_timer, exit_check);
	timer_arm(&exit_timer, CLOSE_WAIT_MS);
	timer_init(&exit_poll_timer, exit_poll);
	timer_arm(&exit_poll_timer, 0);
}

static void
sig_io(struct ev_watcher *w, uint32_t revents)
{
	struct signalfd_siginfo si;
	char err[640];

	(void)revents;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			privdrop_selftest();	/* the test build's */
			log_reopen();	/* a FileHandler's file, rotated */
			if (sw_conf.config != NULL &&
			    cfgrun_reload(err, sizeof(err)) < 0)
				log_msg(EW_LOG_ERROR, "reload refused: %s",
				    err);
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
	OPT_FDBMAX, OPT_FDBPORTMAX, OPT_NOOFFLOAD, OPT_TRUSTPROXY, OPT_TRUSTPROXYHEADER, OPT_CTLALLOW, OPT_MAXMEM,
	OPT_CONFIG, OPT_TUNNELORIGIN, OPT_USER, OPT_HELP
};
static const struct ew_opt sw_opts[] = {
	{ "debug", 0 }, { "logconf", 1 }, { "syslog", 0 }, { "pidfile", 1 },
	{ "foreground", 0 }, { "ageout", 1 }, { "keepalive", 1 },
	{ "path", 1 }, { "host", 1 }, { "port", 1 }, { "htpasswd", 1 },
	{ "sslkey", 1 }, { "sslcert", 1 }, { "ctlpath", 1 }, { "ctlhost", 1 },
	{ "ctlport", 1 }, { "ctlhtpasswd", 1 }, { "ctlsslkey", 1 },
	{ "ctlsslcert", 1 }, { "stormlimit", 1 }, { "maxconn", 1 },
	{ "ctlmaxconn", 1 }, { "queue", 1 }, { "fdbmax", 1 },
	{ "fdbportmax", 1 },
	{ "nooffload", 0 }, { "trustproxy", 1 },
	{ "trustproxyheader", 1 }, { "ctlallow", 1 },
	{ "maxmem", 1 }, { "config", 1 }, { "tunnelorigin", 1 },
	{ "user", 1 }, { "help", 0 },
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
"                  [--fdbmax N] [--fdbportmax N] [--nooffload]\n"
"                  [--trustproxy ADDR]\n"
"                  [--trustproxyheader X-Forwarded-For|Forwarded]\n"
"                  [--ctlallow USER|@GROUP,...] [--maxmem BYTES]\n"
"                  [--config FILE] [--tunnelorigin ORIGIN,...]\n"
"                  [--user USER]\n";

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
"  --host HOST           WebSocket listen address: an address, [IPv6] or\n"
"                        name; '' (default) every IPv4 and IPv6 address;\n"
"                        :: IPv6 only (as etherws 1.3), 0.0.0.0 IPv4 only\n"
"  --port PORT           WebSocket port (default 80, 443 with TLS)\n"
"  --htpasswd HTPASSWD   Basic auth file for tunnels\n"
"  --sslkey SSLKEY       TLS private key for tunnels\n"
"  --sslcert SSLCERT     TLS certificate chain for tunnels\n"
"  --ctlpath CTLPATH     control path (default /ctl)\n"
"  --ctlhost CTLHOST     control listen address, as --host (default\n"
"                        127.0.0.1)\n"
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
"  --fdbportmax N        FDB entries one port holds at most (default\n"
"                        1/4 of --fdbmax, at most 2048)\n"
"  --nooffload           no TSO/GSO super-frames: taps without\n"
"                        IFF_VNET_HDR, tunnels without them\n"
"  --trustproxy ADDR     a reverse proxy (address or CIDR block; a comma\n"
"                        list, or the option again) whose header names\n"
"                        the peer in logs, limits and showport (never a\n"
"                        tcp-mode or CONNECT proxy: etherws(8))\n"
"  --trustproxyheader X-Forwarded-For|Forwarded\n"
"                        the one header the trusted proxy writes, its\n"
"                        right-most entry believed (default\n"
"                        X-Forwarded-For)\n"
"  --ctlallow USER|@GROUP,...\n"
"                        local users besides root and the switch's own\n"
"                        who may use the control endpoint\n"
"  --tunnelorigin ORIGIN,...\n"
"                        Origins a tunnel client may send besides one\n"
"                        naming the address it came to (etherws 1.3\n"
"                        connecting by name: http://NAME:PORT)\n"
"  --user USER           once started, run as USER with only the network\n"
"                        capabilities and a seccomp filter (etherws(8))\n"
"  --config FILE         ports to make at start, one a line as ctl addport\n"
"                        takes them; SIGHUP or ctl reload applies the\n"
"                        file's changes (etherws(8), Configuration file)\n"
"  --maxmem BYTES        buffers of all connections together; past it the\n";

/* ew_getopt prints "<prog>: error: ...": usage first, as argparse. */
#define SW_PROG	(sw_usage_prog())

static const char *
sw_usage_prog(void)
{
	static char buf[sizeof(sw_usage) + 16];

	ew_snprintf(buf, sizeof(buf), "%setherws sw", sw_usage);
	return buf;
}

/* Usage errors: the usage, then "etherws sw: error: ...", exit 2.
 * ew_cmd_error(rc, "sw", ...): one line "etherws sw: error: ..." and rc (2 for a
 * value the user gave, 1 for what went wrong at run time). */
#define sw_usage_error(...)	ew_error(2, SW_PROG, __VA_ARGS__)

static int
parse_int_opt(const char *name, const char *v, long long *out)
{
	if (ew_parse_int(v, out) < 0)
		return sw_usage_error("invalid --%s %s: not a whole number",
		    name, v);
	return 0;
}

/* *path made absolute (into store) against the cwd: 0, or -1. */
static int
abs_path(const char **path, char *store, size_t cap)
{
	char cwd[PATH_MAX];
	int n;

	if ((*path)[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		n = ew_snprintf(store, cap, "%s/%s", cwd, *path);
	else
		n = ew_snprintf(store, cap, "%s", *path);
	*path = store;
	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Make a file option absolute and check it is a regular file that can
 * be opened (without blocking: file.h's ew_file_open). */
static int
file_opt(const char *opt, const char **path, char *store, size_t cap)
{
	size_t size;
	int fd;

	if (*path == NULL)
		return 0;
	fd = abs_path(path, store, cap) < 0 ? -1 :
	    ew_file_open(store, SIZE_MAX, &size);
	if (fd == EW_FILE_NOTREG)
		return ew_cmd_error(1, "sw", "cannot open --%s %s: not a regular file",
		    opt, store);
	if (fd < 0)
		return ew_cmd_error(1, "sw", "cannot open --%s %s: %s", opt, store,
		    ew_strerror(errno));
	close(fd);
	return 0;
}

/* --trustproxy ADDR[,ADDR...]: into serve_trust. */
static int
trust_opt(const char *v)
{
	char one[64];
	const char *p, *e;
	size_t n;
	int rc;

	for (p = v;; p = e + 1) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
		}
		rc = n < sizeof(one) ? serve_trust_add(one) : -1;
		if (rc == -2)
			return ew_cmd_error(2, "sw", "--trustproxy: %d addresses or blocks "
			    "at most", TRUSTPROXY_MAX);
		if (rc < 0)
			return ew_cmd_error(2, "sw", "invalid --trustproxy %.*s: an IPv4 or "
			    "IPv6 address, or a block such as 10.0.0.0/8",
			    (int)n, p);
		if (*e == '\0')
			return 0;
	}
}

/* What each option of sw_opts sets: a flag's int to 1, a string
 * option's pointer to its argument, a number option's long long (after
 * parse_int_opt); --help, --trustproxy and --trustproxyheader are
 * sw_parse's own. */
enum { SET_FLAG = 1, SET_STR, SET_NUM };
static long long opt_port, opt_ctlport;
static const struct {
	int	 how;
	void	*dst;
} sw_set[] = {
	[OPT_DEBUG] = { SET_FLAG, &sw_conf.debug },
	[OPT_LOGCONF] = { SET_STR, &sw_conf.logconf },
	[OPT_SYSLOG] = { SET_FLAG, &sw_conf.syslog },
	[OPT_PIDFILE] = { SET_STR, &sw_conf.pidfile },
	[OPT_FOREGROUND] = { SET_FLAG, &sw_conf.foreground },
	[OPT_AGEOUT] = { SET_NUM, &sw_conf.ageout },
	[OPT_KEEPALIVE] = { SET_NUM, &sw_conf.keepalive },
	[OPT_PATH] = { SET_STR, &sw_conf.path },
	[OPT_HOST] = { SET_STR, &sw_conf.host },
	[OPT_PORT] = { SET_NUM, &opt_port },
	[OPT_HTPASSWD] = { SET_STR, &sw_conf.htpasswd },
	[OPT_SSLKEY] = { SET_STR, &sw_conf.sslkey },
	[OPT_SSLCERT] = { SET_STR, &sw_conf.sslcert },
	[OPT_CTLPATH] = { SET_STR, &sw_conf.ctlpath },
	[OPT_CTLHOST] = { SET_STR, &sw_conf.ctlhost },
	[OPT_CTLPORT] = { SET_NUM, &opt_ctlport },
	[OPT_CTLHTPASSWD] = { SET_STR, &sw_conf.ctlhtpasswd },
	[OPT_CTLSSLKEY] = { SET_STR, &sw_conf.ctlsslkey },
	[OPT_CTLSSLCERT] = { SET_STR, &sw_conf.ctlsslcert },
	[OPT_STORMLIMIT] = { SET_NUM, &sw_conf.stormlimit },
	[OPT_MAXCONN] = { SET_NUM, &sw_conf.maxconn },
	[OPT_CTLMAXCONN] = { SET_NUM, &sw_conf.ctlmaxconn },
	[OPT_QUEUE] = { SET_NUM, &sw_conf.queue },
	[OPT_FDBMAX] = { SET_NUM, &sw_conf.fdbmax },
	[OPT_FDBPORTMAX] = { SET_NUM, &sw_conf.fdbportmax },
	[OPT_NOOFFLOAD] = { SET_FLAG, &sw_conf.nooffload },
	[OPT_CTLALLOW] = { SET_STR, &sw_conf.ctlallow },
	[OPT_MAXMEM] = { SET_NUM, &sw_conf.maxmem },
	[OPT_CONFIG] = { SET_STR, &sw_conf.config },
	[OPT_TUNNELORIGIN] = { SET_STR, &sw_conf.tunnelorigin },
	[OPT_USER] = { SET_STR, &sw_conf.user },
};

/* --maxmem when not given: a share of this machine's memory. */
static unsigned long long
maxmem_default(void)
{
	return ew_maxmem_default(ew_ram_bytes(), SIZE_MAX);
}

static void
sw_help_exit(void)
{
	ew_puts(1, sw_usage);
	ew_puts(1, sw_help);
	/* the rest of --maxmem: its default, as this machine computes it */
	ew_dprintf(1, "                        tunnels holding the most are cut "
	    "(default: 1/%d\n                        of the RAM within "
	    "%d..%llu MiB; here %llu)\n", MAXMEM_RAM_SHARE, MAXMEM_FLOOR >> 20,
	    ew_maxmem_default(~0ULL, SIZE_MAX) >> 20, maxmem_default());
	exit(0);
}

static int
sw_parse(int argc, char **argv)
{
	const char *v;
	int idx = 1, o, rc;

	sw_conf.ageout = 300;
	sw_conf.stormlimit = STORM_DEFAULT;
	sw_conf.maxconn = MAX_CONNS;
	sw_conf.ctlmaxconn = MAX_CTL_CONNS;
	sw_conf.queue = PORT_QUEUE_MAX;
	sw_conf.maxmem = LLONG_MIN;	/* not given: maxmem_default() */
	sw_conf.fdbmax = FDB_MAX;
	sw_conf.fdbportmax = LLONG_MIN;	/* not given: a share of fdbmax */
	sw_conf.keepalive = 30;
	sw_conf.path = "/";
	sw_conf.ctlpath = "/ctl";
	sw_conf.host = "";
	sw_conf.ctlhost = "127.0.0.1";
	opt_port = LLONG_MIN;	/* not given: 80, or 443 with TLS */
	opt_ctlport = 7867;
	if (argc > 1 && strcmp(argv[1], "-h") == 0)
		sw_help_exit();
	while ((o = ew_getopt(argc, argv, &idx, sw_opts,
	    (int)(sizeof(sw_opts) / sizeof(sw_opts[0])), &v,
	    SW_PROG)) >= 0) {
		rc = 0;
		if (o == OPT_HELP)
			sw_help_exit();
		else if (o == OPT_TRUSTPROXY)
			rc = trust_opt(v);
		else if (o == OPT_TRUSTPROXYHEADER)
			rc = serve_trust_header(v) < 0 ? ew_cmd_error(2, "sw",
			    "invalid --trustproxyheader %s: X-Forwarded-For or "
			    "Forwarded", v) : 0;
		else if (sw_set[o].how == SET_FLAG)
			*(int *)sw_set[o].dst = 1;
		else if (sw_set[o].how == SET_STR)
			*(const char **)sw_set[o].dst = v;
		else
			rc = parse_int_opt(sw_opts[o].name, v, sw_set[o].dst);
		if (rc != 0)
			return rc;
	}
	if (o == -2)
		return 2;
	if (idx < argc)
		return sw_usage_error("unexpected argument %s (sw takes only "
		    "options)", argv[idx]);
	return 0;
}

/* "invalid --<name> <v>: must be lo..hi" (exit 2) unless lo <= v <= hi. */
static int
range_check(const char *name, long long v, long long lo, long long hi)
{
	if (v >= lo && v <= hi)
		return 0;
	return ew_cmd_error(2, "sw", "invalid --%s %lld: must be %lld..%lld", name, v,
	    lo, hi);
}

/* --fdbportmax, or its default: a quarter of the table, so that one
 * port (a tunnel sending made-up MACs) never takes it all, and at most
 * FDB_PORT_MAX, so that on a hub's big table (1,000 sites) one site
 * takes no more than a site's big LAN needs. */
static int
fdbportmax_check(void)
{
	long long d = sw_conf.fdbmax / FDB_PORT_SHARE;

	if (sw_conf.fdbportmax != LLONG_MIN)
		return range_check("fdbportmax", sw_conf.fdbportmax, 1,
		    1 << 22);
	sw_conf.fdbportmax = d < FDB_PORT_MAX ? d : FDB_PORT_MAX;
	return 0;
}

static int	 maxmem_auto;	/* --maxmem not given: maxmem_default() */

/* --maxmem, or its default; at most what a size_t counts (conn.c). */
static int
maxmem_check(void)
{
	long long hi = (unsigned long long)SIZE_MAX < MAXMEM_MAX ?
	    (long long)SIZE_MAX : MAXMEM_MAX;

	if (sw_conf.maxmem == LLONG_MIN) {
		sw_conf.maxmem = (long long)maxmem_default();
		maxmem_auto = 1;
	}
	return range_check("maxmem", sw_conf.maxmem, MAXMEM_MIN, hi);
}

/* key and cert both or neither. */
static int
pair_check(const char *key, const char *cert, const char *pfx)
{
	if (key != NULL && cert == NULL)
		return ew_cmd_error(2, "sw", "--%ssslkey needs --%ssslcert (give both or "
		    "neither)", pfx, pfx);
	if (key == NULL && cert != NULL)
		return ew_cmd_error(2, "sw", "--%ssslcert needs --%ssslkey (give both or "
		    "neither)", pfx, pfx);
	return 0;
}

/* One listener serves both paths: the TLS files must be the same. */
static int
shared_check(const char *opt, const char *a, const char *b)
{
	if (!!a == !!b && (a == NULL || strcmp(a, b) == 0))
		return 0;
	return ew_cmd_error(2, "sw", "--%s and --ctl%s must be the same when one "
	    "listener serves both paths (--host and --port equal to "
	    "--ctlhost and --ctlport)", opt, opt);
}

/* Checks in etherws 1.3's order; returns an exit status or 0. */
static int
sw_check(long long port, long long ctlport)
{
	static char f1[PATH_MAX], f2[PATH_MAX], f3[PATH_MAX], f4[PATH_MAX],
	    f5[PATH_MAX], f6[PATH_MAX], f7[PATH_MAX], f8[PATH_MAX],
	    f9[PATH_MAX];
	int rc;

	/* Seconds become milliseconds in a uint64_t: bounded well below
	 * where that wraps (--ageout 18446744073709552 was 384 ms). */
	if (sw_conf.ageout < 1 || sw_conf.ageout > AGEOUT_MAX_S)
		return ew_cmd_error(2, "sw", "invalid --ageout %lld: must be 1..%d "
		    "(seconds)", sw_conf.ageout, AGEOUT_MAX_S);
	if (sw_conf.keepalive < 0 || sw_conf.keepalive > KEEPALIVE_MAX_S)
		return ew_cmd_error(2, "sw", "invalid --keepalive %lld: must be 0..%d "
		    "(seconds; 0 is off)", sw_conf.keepalive, KEEPALIVE_MAX_S);
	if ((rc = range_check("stormlimit", sw_conf.stormlimit, 0,
	    100000000)) ||
	    (rc = range_check("maxconn", sw_conf.maxconn, 1, 1000000)) ||
	    (rc = range_check("ctlmaxconn", sw_conf.ctlmaxconn, 1, 100000)) ||
	    (rc = range_check("queue", sw_conf.queue, 65536, 1LL << 30)) ||
	    (rc = range_check("fdbmax", sw_conf.fdbmax, 16, 1 << 22)) ||
	    (rc = fdbportmax_check()) ||
	    (rc = maxmem_check()))
		return rc;
	if (file_opt("htpasswd", &sw_conf.htpasswd, f1, sizeof(f1)) ||
	    file_opt("ctlhtpasswd", &sw_conf.ctlhtpasswd, f2, sizeof(f2)) ||
	    file_opt("sslkey", &sw_conf.sslkey, f3, sizeof(f3)) ||
	    file_opt("sslcert", &sw_conf.sslcert, f4, sizeof(f4)) ||
	    file_opt("ctlsslkey", &sw_conf.ctlsslkey, f5, sizeof(f5)) ||
	    file_opt("ctlsslcert", &sw_conf.ctlsslcert, f6, sizeof(f6)) ||
	    file_opt("logconf", &sw_conf.logconf, f7, sizeof(f7)) ||
	    file_opt("config", &sw_conf.config, f9, sizeof(f9)))
		return 1;
	/* The daemon writes it after chdir("/"). */
	if (sw_conf.pidfile != NULL &&
	    abs_path(&sw_conf.pidfile, f8, sizeof(f8)) < 0)
		return ew_cmd_error(1, "sw", "cannot write --pidfile %s: %s", f8,
		    ew_strerror(errno));
	if (sw_conf.path[0] != '/')
		return ew_cmd_error(2, "sw", "invalid --path %s: must start with /",
		    sw_conf.path);
	if (sw_conf.ctlpath[0] != '/')
		return ew_cmd_error(2, "sw", "invalid --ctlpath %s: must start with /",
		    sw_conf.ctlpath);
	if ((rc = pair_check(sw_conf.sslkey, sw_conf.sslcert, "")) ||
	    (rc = pair_check(sw_conf.ctlsslkey, sw_conf.ctlsslcert, "ctl")))
		return rc;
	if (port == LLONG_MIN)
		port = sw_conf.sslkey ? 443 : 80;
	if ((rc = range_check("port", port, 0, 65535)) ||
	    (rc = range_check("ctlport", ctlport, 0, 65535)))
		return rc;
	sw_conf.port = (int)port;
	sw_conf.ctlport = (int)ctlport;
	if (sw_conf.port == sw_conf.ctlport && strcmp(sw_conf.host, sw_conf.ctlhost) == 0) {
		if (strcmp(sw_conf.path, sw_conf.ctlpath) == 0)
			return ew_cmd_error(2, "sw", "--path and --ctlpath must differ when "
			    "one listener serves both (--host and --port equal "
			    "to --ctlhost and --ctlport); both are %s",
			    sw_conf.path);
		if ((rc = shared_check("sslkey", sw_conf.sslkey,
		    sw_conf.ctlsslkey)) || (rc = shared_check("sslcert",
		    sw_conf.sslcert, sw_conf.ctlsslcert)))
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Detaching: the first process exits only once the daemon is ready. */

/*
 * Root writes the pid file, often in a directory others can write to:
 * a symbolic link planted there is refused (O_NOFOLLOW), and so is a
 * FIFO, a device or a second hard link to some other file, and so is a
 * file someone else owns (made beforehand in a sticky directory such as
 * /tmp, world-writable: its owner could rewrite the pid we put there and
 * have a later "kill $(cat PIDFILE)" hit a process of their choice); the
 * file is truncated only once it is known to be ours.  0, or -1 with err
 * set.
 */
static int	 pid_fd = -1;	/* the pid file, kept open with --user */

static int
write_pidfile(char *err, size_t errlen)
{
	struct stat st;
	char buf[32];
	int fd, n, e;

	if (sw_conf.pidfile == NULL)
		return 0;
	fd = open(sw_conf.pidfile, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
	    O_NOFOLLOW | O_NONBLOCK, 0644);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		ew_snprintf(err, errlen, "cannot write --pidfile %s: not a "
		    "regular file with one link (refused: remove it)",
		    sw_conf.pidfile);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		ew_snprintf(err, errlen, "cannot write --pidfile %s: owned by "
		    "uid %lu, not by this user (refused: remove it)",
		    sw_conf.pidfile, (unsigned long)st.st_uid);
		return -1;
	}
	n = ew_snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n)
		goto fail;
	if (sw_conf.user != NULL) {
		pid_fd = fd;	/* pidfile_remove may need it */
		return 0;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	ew_snprintf(err, errlen, "cannot write --pidfile %s: %s",
	    sw_conf.pidfile, ew_nofollow_strerror(e));
	return -1;
}

/*
 * At exit.  After --user the directory (root's /run/etherws) may no
 * longer let us remove it: then it is left empty, which "kill $(cat
 * PIDFILE)" and systemd read as no process (systemd removes its
 * RuntimeDirectory anyway).
 */
static void
pidfile_remove(void)
{
	if (sw_conf.pidfile == NULL)
		return;
	if (unlink(sw_conf.pidfile) < 0 && pid_fd >= 0 &&
	    ftruncate(pid_fd, 0) < 0)
		log_msg(EW_LOG_WARNING, "cannot remove --pidfile %s: %s",
		    sw_conf.pidfile, ew_strerror(errno));
}

/* What the daemon does before it says it is ready: the pid file (as
 * root), then --user. */
static int
daemon_settle(char *err, size_t errlen)
{
	if (write_pidfile(err, errlen) < 0)
		return -1;
	return privdrop_apply(err, errlen);
}

/*
 * _Fork (POSIX 2024; glibc 2.34, musl 1.2.3) is fork without the atfork
 * handlers and the thread and stdio locks around it: etherws has no
 * threads and registers no handlers, and musl's fork would bring its
 * lock code (1.6 KB) into the static build.  The build defines
 * EW_NO__FORK when the libc lacks it (Makefile, build-static.sh).
 */
#ifdef EW_NO__FORK
#define _Fork	fork
#endif

/* The first process: the daemon's status byte (0: ready) and, when it
 * failed, its error text; prints that and exits. */
static void
daemon_wait(int fd)
{
	char buf[1 + 512];
	ssize_t r;
	size_t n = 0;

	while (n < sizeof(buf) - 1) {
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (n > 0 && buf[0] == 0)
		_exit(0);
	buf[n] = '\0';
	ew_cmd_error(1, "sw", "%s", n > 1 ? buf + 1 : "the daemon exited while "
	    "starting (see its log)");
	_exit(1);
}

/* The daemon failed to start: tell the first process why, and go. */
static void
daemon_fail(int fd, const char *err)
{
	char buf[1 + 512];
	int n;

	buf[0] = 1;
	n = ew_snprintf(buf + 1, sizeof(buf) - 1, "%s", err);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	if (write(fd, buf, (size_t)n + 1) < 0)
		_exit(1);
	_exit(1);
}

static int
daemonize(void)
{
	char err[PATH_MAX + 128];
	int pfd[2], fd;
	char c = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = _Fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		daemon_wait(pfd[0]);
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
	log_detach();	/* stderr handlers: nowhere, as in 1.3 */
	if (daemon_settle(err, sizeof(err)) < 0)
		daemon_fail(pfd[1], err);
	if (write(pfd[1], &c, 1) < 0)
		_exit(1);
	close(pfd[1]);
	return 0;
}

/* An htpasswd line that can never match (auth.h), as a warning. */
static void
htpasswd_log(const char *msg)
{
	log_msg(EW_LOG_WARNING, "%s", msg);
}

/* With --debug: the bound in force, and how many idle wss:// tunnels
 * fit in it (an engine each: what 1,000 sites need). */
static void
maxmem_tell(void)
{
	unsigned long long m = (unsigned long long)sw_conf.maxmem;

	log_msg(EW_LOG_DEBUG, "--maxmem %llu bytes (%s; %llu bytes of "
	    "RAM): room for %llu wss:// server or %llu client TLS engines "
	    "(%zu, %zu bytes each)", m, maxmem_auto ? "the default" : "given",
	    ew_ram_bytes(), m / tls_size(0), m / tls_size(1), tls_size(0),
	    tls_size(1));
}

static int
load_creds(const char *key, const char *cert, struct tls_creds **out)
{
	char err[512];

	if (key == NULL)
		return 0;
	*out = tls_creds_new(key, cert, err, sizeof(err));
	if (*out == NULL) {
		ew_cmd_error(1, "sw", "%s", err);
		return -1;
	}
	return 0;
}

/* "ws://host:port/path" of a listener for the ready line: '' is every
 * address, an IPv6 address gets its brackets. */
static void
endpoint_text(char *buf, size_t n, const char *scheme, const char *host,
    int port, const char *path)
{
	int v6 = strchr(host, ':') != NULL && host[0] != '[';

	ew_snprintf(buf, n, "%s://%s%s%s:%d%s", scheme, v6 ? "[" : "",
	    host[0] == '\0' ? "*" : host, v6 ? "]" : "", port, path);
}

/* One line once the switch is ready: a user starting it in the
 * foreground sees that it runs, and where. */
static void
log_ready(void)
{
	char t[URL_MAX + 64], c[URL_MAX + 64];

	endpoint_text(t, sizeof(t), creds != NULL ? "wss" : "ws",
	    sw_conf.host, sw_conf.port, sw_conf.path);
	endpoint_text(c, sizeof(c), ctlcreds != NULL ? "https" : "http",
	    sw_conf.ctlhost, sw_conf.ctlport, sw_conf.ctlpath);
	log_msg(EW_LOG_INFO, "etherws %s ready: tunnels on %s, control on %s",
	    ETHERWS_VERSION, t, c);
}

/* Each module is told what it needs of the options; then the loop and
 * the switch core start. */
static int
modules_init(void)
{
	struct switch_conf sc = {
		.ageout = sw_conf.ageout, .stormlimit = sw_conf.stormlimit,
		.fdbmax = sw_conf.fdbmax, .fdbportmax = sw_conf.fdbportmax,
	};
	struct conn_conf cc = {
		.keepalive = sw_conf.keepalive, .maxconn = sw_conf.maxconn,
		.ctlmaxconn = sw_conf.ctlmaxconn, .queue = sw_conf.queue,
		.maxmem = sw_conf.maxmem, .nooffload = sw_conf.nooffload,
	};
	struct serve_conf vc = {
		.path = sw_conf.path, .ctlpath = sw_conf.ctlpath,
		.host = sw_conf.host, .ctlhost = sw_conf.ctlhost,
		.tunnelorigin = sw_conf.tunnelorigin,
		.maxconn = sw_conf.maxconn, .maxmem = sw_conf.maxmem,
		.auth = auth, .ctlauth = ctlauth,
	};

	conn_configure(&cc);
	serve_configure(&vc);
	tapport_configure(sw_conf.nooffload);
	cfgrun_set_path(sw_conf.config);
	return loop_init() < 0 || switch_init(&sc) < 0 ? -1 : 0;
}

static int
listen_open(char *err, size_t errlen)
{
	struct listen_conf lc = {
		.host = sw_conf.host, .ctlhost = sw_conf.ctlhost,
		.port = sw_conf.port, .ctlport = sw_conf.ctlport,
		.ctlmaxconn = sw_conf.ctlmaxconn,
		.creds = creds, .ctlcreds = ctlcreds,
		.ctlauth = ctlauth != NULL,
	};

	return listeners_open(&lc, err, errlen);
}

int
sw_main(int argc, char **argv)
{
	char err[512];
	int rc;

	if ((rc = sw_parse(argc, argv)) != 0)
		return rc;
	if ((rc = sw_check(opt_port, opt_ctlport)) != 0)
		return rc;
	if ((rc = ctlallow_init(sw_conf.ctlallow, err, sizeof(err))) != 0 ||
	    (rc = privdrop_init(sw_conf.user, err, sizeof(err))) != 0)
		return ew_cmd_error(rc, "sw", "%s", err);
	if (load_creds(sw_conf.sslkey, sw_conf.sslcert, &creds) < 0 ||
	    load_creds(sw_conf.ctlsslkey, sw_conf.ctlsslcert, &ctlcreds) < 0)
		return 1;
	if (sw_conf.logconf != NULL &&
	    (rc = log_config_file(sw_conf.logconf, err, sizeof(err))) != 0)
		return ew_cmd_error(rc, "sw", "--logconf %s: %s", sw_conf.logconf, err);
	if (sw_conf.debug)
		log_set_level(EW_LOG_DEBUG);
	if (sw_conf.syslog)
		log_open_syslog();
	/* After the logging set-up: the files' warnings go where it says. */
	htpasswd_set_warn(htpasswd_log);
	if (sw_conf.htpasswd != NULL &&
	    (auth = htpasswd_open(sw_conf.htpasswd, err, sizeof(err))) == NULL)
		return ew_cmd_error(1, "sw", "--htpasswd: %s", err);
	if (sw_conf.ctlhtpasswd != NULL && (ctlauth =
	    htpasswd_open(sw_conf.ctlhtpasswd, err, sizeof(err))) == NULL)
		return ew_cmd_error(1, "sw", "--ctlhtpasswd: %s", err);
	maxmem_tell();
	if (modules_init() < 0)
		return ew_cmd_error(1, "sw", "cannot start: %s", ew_strerror(errno));
	rpc_init();
	if (listen_open(err, sizeof(err)) < 0)
		return ew_cmd_error(1, "sw", "%s", err);
	/* Before detaching: a bad file is the command's error, exit 2. */
	if (sw_conf.config != NULL &&
	    cfgrun_apply(sw_conf.config, err, sizeof(err)) < 0)
		return ew_cmd_error(2, "sw", "--config %s: %s", sw_conf.config,
		    err);
	if (!sw_conf.foreground) {
		if (daemonize() < 0) {
			ew_dprintf(2, "etherws sw: detach: %s\n", ew_strerror(errno));
			return 1;
		}
	} else if (daemon_settle(err, sizeof(err)) < 0)
		return ew_cmd_error(1, "sw", "%s", err);
	/* After the detach: the daemon must own the signalfd. */
	if (signals_init() < 0) {
		log_msg(EW_LOG_ERROR, "signals: %s", ew_strerror(errno));
		return 1;
	}
	log_ready();
	rc = loop_run();
	switch_free();
	pidfile_remove();
	return rc < 0 ? 1 : 0;
}
