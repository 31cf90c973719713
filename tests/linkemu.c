/*
 * tests/linkemu - a userspace WAN link between two tap devices, for the
 * end-to-end tests (the kernels they run on have no sch_netem).
 *
 *   tests/linkemu [options] TAP_A TAP_B
 *
 * Creates the two taps (plain frames: no packet-info or vnet header, so
 * the kernel hands over frames already segmented), prints "ready" once
 * both exist, then forwards every frame read from A to B and from B to
 * A through a per-direction queue:
 *
 *   lost (--loss) -> tail-dropped past --limit -> serialized by the
 *   bottleneck (--rate) -> delayed (--delay +- --jitter) -> written
 *
 * Frames keep their order even with jitter (a frame is never due before
 * the one sent ahead of it), except the --reorder share, which has no
 * ordering constraint and so may overtake (with --jitter).  Each option
 * sets both directions; OPTION-ab / OPTION-ba sets one (--delay-ab 30).
 * The taps may be moved to other namespaces once "ready" is out: the
 * open file keeps working.  SIGUSR1 prints the counters as key=value
 * lines, "dump=N" last; SIGTERM and SIGINT print them and exit 0.
 *
 * Standalone on purpose (no module of etherws): one epoll loop over the
 * two taps, a timerfd for the earliest due frame and a signalfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Largest frame forwarded; a longer read (a tap MTU near 64 KiB) is
 * dropped and counted as oversize rather than truncated. */
#define LE_FRAME_MAX	65535
/* Default queue bound per direction: frame bytes held (bottleneck queue
 * and delay line together, as netem's limit), tail drop past it. */
#define LE_LIMIT_DEFAULT (1024 * 1024)
/* Frames read from one tap per wake-up, so neither side starves. */
#define LE_BURST	64
/* Bounds of the options: an hour of delay, 100 Gbit/s, 1 GiB queue. */
#define LE_DELAY_MAX_MS	3600000.0
#define LE_RATE_MAX	100000000ULL
#define LE_LIMIT_MAX	(1024ULL * 1024 * 1024)
#define NS_PER_MS	1000000ULL

struct frame {
	struct frame *prev, *next;
	uint64_t due;		/* CLOCK_MONOTONIC ns */
	uint32_t len;
	unsigned char data[];
};

struct params {
	double delay_ms, jitter_ms, loss_pct, reorder_pct;
	uint64_t rate_kbit;	/* 0: no bottleneck */
	uint64_t limit;		/* bytes */
};

struct dir {
	const char *name;	/* "ab" or "ba" */
	int in, out;		/* read from in, write to out */
	struct params p;
	struct frame *head, *tail;	/* sorted by due */
	uint64_t queued, queued_max;	/* frame bytes held */
	uint64_t tx_free;	/* when the bottleneck is idle again */
	uint64_t last_due;	/* due of the last ordered frame */
	uint64_t fwd, lost, dropped, txerr, oversize, reordered;
};

static struct dir dirs[2];
static uint64_t rng_state;
static unsigned long ndumps;

static void
usage(void)
{
	fprintf(stderr, "usage: linkemu [--delay MS] [--jitter MS] "
	    "[--loss PCT] [--reorder PCT]\n"
	    "    [--rate KBIT] [--limit BYTES] [--seed N] TAP_A TAP_B\n"
	    "  each option but --seed also as OPTION-ab / OPTION-ba "
	    "(one direction)\n");
	exit(2);
}

static void
fatal(const char *what, const char *arg)
{
	fprintf(stderr, "linkemu: %s%s%s: %s\n", what, arg ? " " : "",
	    arg ? arg : "", strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for loss and jitter. */
static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double
rng_unit(void)
{
	return (double)(rng() >> 11) / 9007199254740992.0;
}

static int
chance(double pct)
{
	return pct > 0 && rng_unit() * 100.0 < pct;
}

static double
parse_num(const char *opt, const char *s, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < 0 ||
	    v > max) {
		fprintf(stderr, "linkemu: --%s: %s is not a number in 0..%g\n",
		    opt, s, max);
		exit(2);
	}
	return v;
}

static uint64_t
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || *s == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "linkemu: --%s: %s is not an integer in "
		    "%" PRIu64 "..%" PRIu64 "\n", opt, s, min, max);
		exit(2);
	}
	return v;
}

/* Option index: 6 parameters x (both, ab, ba), then --seed. */
enum { P_DELAY, P_JITTER, P_LOSS, P_REORDER, P_RATE, P_LIMIT, P_N };
static const char *const pnames[P_N] = {
	"delay", "jitter", "loss", "reorder", "rate", "limit"
};

static void
set_param(struct params *p, int k, const char *opt, const char *s)
{
	switch (k) {
	case P_DELAY: p->delay_ms = parse_num(opt, s, LE_DELAY_MAX_MS); break;
	case P_JITTER: p->jitter_ms = parse_num(opt, s, LE_DELAY_MAX_MS); break;
	case P_LOSS: p->loss_pct = parse_num(opt, s, 100); break;
	case P_REORDER: p->reorder_pct = parse_num(opt, s, 100); break;
	case P_RATE: p->rate_kbit = parse_u64(opt, s, 0, LE_RATE_MAX); break;
	default: p->limit = parse_u64(opt, s, 1, LE_LIMIT_MAX); break;
	}
}

static void
parse_args(int argc, char **argv)
{
	static char names[P_N * 3][16];
	struct option opts[P_N * 3 + 2];
	int i, k, c, seeded = 0;

	memset(opts, 0, sizeof(opts));
	for (i = 0; i < P_N * 3; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%s", pnames[i / 3],
		    (const char *[]){ "", "-ab", "-ba" }[i % 3]);
		opts[i] = (struct option){ names[i], required_argument, NULL,
		    1000 + i };
	}
	opts[P_N * 3] = (struct option){ "seed", required_argument, NULL, 's' };
	for (k = 0; k < 2; k++)
		dirs[k].p.limit = LE_LIMIT_DEFAULT;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			rng_state = parse_u64("seed", optarg, 0, UINT64_MAX);
			seeded = 1;
			continue;
		}
		if (c < 1000 || c >= 1000 + P_N * 3)
			usage();
		i = c - 1000;
		for (k = 0; k < 2; k++)
			if (i % 3 == 0 || i % 3 == k + 1)
				set_param(&dirs[k].p, i / 3, names[i], optarg);
	}
	if (argc - optind != 2)
		usage();
	if (!seeded)
		rng_state = now_ns() ^ ((uint64_t)getpid() << 32);
}

/* A tap with plain frames, non-blocking; not persistent: it goes away
 * with this process, wherever it has been moved to. */
static int
tap_create(const char *name)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ || *name == '\0') {
		fprintf(stderr, "linkemu: tap name %s: 1..%d bytes\n", name,
		    IFNAMSIZ - 1);
		exit(2);
	}
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1)
		fatal("open /dev/net/tun for", name);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		fatal("cannot create tap", name);
	return fd;
}

/* Insert f in d's queue by due time, scanning from the tail: ordered
 * frames always belong there, reordered ones near it. */
static void
enqueue(struct dir *d, struct frame *f)
{
	struct frame *at = d->tail;

	while (at != NULL && at->due > f->due)
		at = at->prev;
	f->prev = at;
	f->next = at ? at->next : d->head;
	if (f->next)
		f->next->prev = f;
	else
		d->tail = f;
	if (at)
		at->next = f;
	else
		d->head = f;
	d->queued += f->len;
	if (d->queued > d->queued_max)
		d->queued_max = d->queued;
}

/* When a frame of len bytes read now is due at the far end. */
static uint64_t
due_time(struct dir *d, uint32_t len, uint64_t now)
{
	double ms = d->p.delay_ms;
	uint64_t tx_end = now, due;

	if (d->p.rate_kbit > 0) {
		/* len * 8 bits at rate_kbit * 1000 bit/s, in ns */
		tx_end = (d->tx_free > now ? d->tx_free : now) +
		    (uint64_t)len * 8000000ULL / d->p.rate_kbit;
		d->tx_free = tx_end;
	}
	if (d->p.jitter_ms > 0)
		ms += (rng_unit() * 2.0 - 1.0) * d->p.jitter_ms;
	due = tx_end + (ms > 0 ? (uint64_t)(ms * (double)NS_PER_MS) : 0);
	if (chance(d->p.reorder_pct)) {
		d->reordered++;
		return due;
	}
	if (due < d->last_due)
		due = d->last_due;
	d->last_due = due;
	return due;
}

/* One frame read from d->in: lost, dropped, or queued for d->out. */
static void
take(struct dir *d, const unsigned char *buf, uint32_t len, uint64_t now)
{
	struct frame *f;

	if (chance(d->p.loss_pct)) {
		d->lost++;
		return;
	}
	if (d->queued + len > d->p.limit) {
		d->dropped++;
		return;
	}
	if ((f = malloc(sizeof(*f) + len)) == NULL) {
		d->dropped++;
		return;
	}
	memcpy(f->data, buf, len);
	f->len = len;
	f->due = due_time(d, len, now);
	enqueue(d, f);
}

static void
read_tap(struct dir *d)
{
	static unsigned char buf[LE_FRAME_MAX + 1];
	ssize_t n;
	int i;

	for (i = 0; i < LE_BURST; i++) {
		n = read(d->in, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			fatal("read tap", d->name);
		}
		if (n == 0)
			return;
		if (n > LE_FRAME_MAX)
			d->oversize++;
		else
			take(d, buf, (uint32_t)n, now_ns());
	}
}

/* Write every frame of d due by now; a write error loses the frame
 * (counted): a tap never blocks its writer, so no retry. */
static void
release(struct dir *d, uint64_t now)
{
	struct frame *f;

	while ((f = d->head) != NULL && f->due <= now) {
		d->head = f->next;
		if (d->head)
			d->head->prev = NULL;
		else
			d->tail = NULL;
		d->queued -= f->len;
		if (write(d->out, f->data, f->len) == (ssize_t)f->len)
			d->fwd++;
		else
			d->txerr++;
		free(f);
	}
}

/* Arm the timer for the earliest due frame of both directions. */
static void
arm(int tfd)
{
	struct itimerspec its;
	uint64_t due = 0;
	int k, any = 0;

	for (k = 0; k < 2; k++)
		if (dirs[k].head && (!any || dirs[k].head->due < due)) {
			due = dirs[k].head->due;
			any = 1;
		}
	/* all zero disarms: nothing queued */
	memset(&its, 0, sizeof(its));
	if (any) {
		its.it_value.tv_sec = (time_t)(due / 1000000000ULL);
		its.it_value.tv_nsec = (long)(due % 1000000000ULL);
	}
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime", NULL);
}

/* The counters, one write so a reader never sees half a dump. */
static void
dump(void)
{
	char out[2048];
	size_t n = 0;
	uint64_t qmax = 0;
	int k;

	for (k = 0; k < 2; k++) {
		struct dir *d = &dirs[k];

		n += (size_t)snprintf(out + n, sizeof(out) - n,
		    "fwd_%s=%" PRIu64 "\nlost_%s=%" PRIu64 "\n"
		    "dropped_%s=%" PRIu64 "\ntxerr_%s=%" PRIu64 "\n"
		    "oversize_%s=%" PRIu64 "\nreordered_%s=%" PRIu64 "\n"
		    "queued_%s=%" PRIu64 "\nqueued_max_%s=%" PRIu64 "\n",
		    d->name, d->fwd, d->name, d->lost, d->name, d->dropped,
		    d->name, d->txerr, d->name, d->oversize, d->name,
		    d->reordered, d->name, d->queued, d->name, d->queued_max);
		if (d->queued_max > qmax)
			qmax = d->queued_max;
	}
	n += (size_t)snprintf(out + n, sizeof(out) - n,
	    "queued_max_bytes=%" PRIu64 "\ndump=%lu\n", qmax, ++ndumps);
	if (write(1, out, n) < 0)
		return;	/* nobody listens: nothing to do */
}

/* 1: keep running, 0: exit. */
static int
on_signal(int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		dump();
		if (si.ssi_signo != SIGUSR1)
			return 0;
	}
	return 1;
}

static int
setup_signals(void)
{
	sigset_t set;
	int sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask", NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd", NULL);
	return sfd;
}

static void
watch(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		fatal("epoll_ctl", NULL);
}

enum { T_A, T_B, T_TIMER, T_SIG };

static void
run(int ep, int tfd, int sfd)
{
	struct epoll_event evs[8];
	uint64_t exp;
	int i, n;

	for (;;) {
		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait", NULL);
		}
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case T_A: read_tap(&dirs[0]); break;
			case T_B: read_tap(&dirs[1]); break;
			case T_TIMER:
				if (read(tfd, &exp, sizeof(exp)) < 0 &&
				    errno != EAGAIN)
					fatal("read timerfd", NULL);
				break;
			default:
				if (!on_signal(sfd))
					return;
			}
		}
		release(&dirs[0], now_ns());
		release(&dirs[1], now_ns());
		arm(tfd);
	}
}

int
main(int argc, char **argv)
{
	int a, b, ep, tfd, sfd;

	parse_args(argc, argv);
	sfd = setup_signals();
	a = tap_create(argv[optind]);
	b = tap_create(argv[optind + 1]);
	dirs[0].name = "ab"; dirs[0].in = a; dirs[0].out = b;
	dirs[1].name = "ba"; dirs[1].in = b; dirs[1].out = a;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1", NULL);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd == -1)
		fatal("timerfd_create", NULL);
	watch(ep, a, T_A);
	watch(ep, b, T_B);
	watch(ep, tfd, T_TIMER);
	watch(ep, sfd, T_SIG);
	if (write(1, "ready\n", 6) != 6)
		fatal("write ready", NULL);
	run(ep, tfd, sfd);
	return 0;
}
