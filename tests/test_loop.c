/*
 * test_loop - loop.c on the real clock, with timers of a few ms: arm,
 * stop, re-arm, stopping an unarmed timer; hundreds of timers with
 * random deadlines (some stopped, some re-armed) firing in deadline
 * order and never early; a callback stopping other timers or re-arming
 * itself; more timers due than one round runs not starving the fds;
 * idle functions
 * run once after their round, and a loop with idle work not sleeping;
 * fd watchers on pipes (loop_add, loop_mod, loop_del, HUP reported as
 * IN|OUT, level triggering); an event already fetched for a watcher
 * deleted in the same round not delivered; loop_stop from a callback
 * and from an idle function.  A guard timer ends every loop_run that
 * could otherwise wait, and alarm() the whole test.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "container.h"
#include "loop.h"
#include "sys.h"
#include "t.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static unsigned
rndn(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* The guard: ends a loop_run that nothing else ends. */
static struct ev_timer guard;
static int guard_hit;

static void
guard_cb(struct ev_timer *t)
{
	(void)t;
	guard_hit = 1;
	loop_stop();
}

/* Run the loop until something stops it or ms pass; 1 if the guard
 * ended it. */
static int
run_for(uint64_t ms)
{
	guard_hit = 0;
	timer_arm(&guard, ms);
	CHECK(loop_run() == 0);
	timer_stop(&guard);
	return guard_hit;
}

/* ------------------------------------------------------------------ */
/* Timers that log when they fire. */

#define NT	400
static struct ev_timer tm[NT];
static struct ev_timer *fired[4 * NT];
static uint64_t fired_when[4 * NT];
static int nfired, stop_at, early, idx_armed;

static void
log_cb(struct ev_timer *t)
{
	if (nfired < 4 * NT) {
		fired[nfired] = t;
		fired_when[nfired] = t->when;
	}
	nfired++;
	if (ew_now_ms() < t->when)
		early++;
	if (t->idx >= 0)	/* no longer in the heap while it runs */
		idx_armed++;
	if (nfired == stop_at)
		loop_stop();
}

static int
times_fired(const struct ev_timer *t)
{
	int i, n = 0;

	for (i = 0; i < nfired && i < 4 * NT; i++)
		n += fired[i] == t;
	return n;
}

static void
log_reset(int stop)
{
	nfired = early = idx_armed = 0;
	stop_at = stop;
}

static void
test_arm_stop(void)
{
	struct ev_timer *a = &tm[0], *b = &tm[1], *c = &tm[2];
	uint64_t t0;

	timer_init(a, log_cb);
	timer_init(b, log_cb);
	timer_init(c, log_cb);
	CHECK(a->idx == -1 && a->cb == log_cb);
	timer_stop(a);			/* unarmed: nothing happens */
	CHECK(a->idx == -1);

	t0 = ew_now_ms();
	timer_arm(a, 5);
	CHECK(a->idx >= 0);
	CHECK(a->when >= t0 + 5 && a->when <= ew_now_ms() + 5);
	timer_arm(b, 40);
	timer_arm(c, 8);
	timer_stop(a);
	CHECK(a->idx == -1);
	timer_stop(a);			/* twice */
	CHECK(a->idx == -1);
	timer_arm(b, 3);		/* re-armed: sooner, once */
	log_reset(2);
	CHECK(run_for(500) == 0);
	CHECK(nfired == 2);
	CHECK(nfired == 2 && fired[0] == b && fired[1] == c);
	CHECK(early == 0 && idx_armed == 0);
	CHECK(b->idx == -1 && c->idx == -1);
	/* Nothing else is due: a and b (first arming) never come. */
	log_reset(-1);
	CHECK(run_for(50) == 1);
	CHECK(nfired == 0);

	/* Re-armed later than it was: fires at the later time only. */
	t0 = ew_now_ms();
	timer_arm(a, 2);
	timer_arm(a, 30);
	log_reset(1);
	CHECK(run_for(500) == 0);
	CHECK(nfired == 1 && fired[0] == a);
	CHECK(ew_now_ms() >= t0 + 30);
	CHECK(early == 0);

	/* A stopped timer's slot is reused: stop the only one, arm two
	 * (far enough apart that a slow, emulated CPU taking a millisecond
	 * between the two calls cannot tie them). */
	timer_arm(a, 1);
	timer_stop(a);
	timer_arm(b, 20);
	timer_arm(c, 1);
	log_reset(2);
	CHECK(run_for(500) == 0);
	CHECK(nfired == 2 && fired[0] == c && fired[1] == b);
}

/* Deadlines in firing order: 0 if non-decreasing. */
static int
in_order(void)
{
	int i;

	for (i = 1; i < nfired && i < 4 * NT; i++)
		if (fired_when[i] < fired_when[i - 1]) {
			fprintf(stderr, "fired %d: when %llu after %llu\n", i,
			    (unsigned long long)fired_when[i],
			    (unsigned long long)fired_when[i - 1]);
			return -1;
		}
	return 0;
}

/*
 * n timers with random deadlines up to span ms; about a third stopped
 * and a sixth re-armed, in random order.  sleep: wait until all are due
 * before running, so one timer_run pops them all off the heap.
 */
static void
random_timers(int n, unsigned span, int sleep)
{
	static int stopped[NT];
	int i, k, want = 0, bad = 0;

	for (i = 0; i < n; i++) {
		timer_init(&tm[i], log_cb);
		timer_arm(&tm[i], rndn(span));
		stopped[i] = 0;
	}
	for (k = 0; k < n; k++) {
		i = (int)rndn((unsigned)n);
		switch (rndn(6)) {
		case 0: case 1:
			timer_stop(&tm[i]);
			stopped[i] = 1;
			break;
		case 2:
			timer_arm(&tm[i], rndn(span));
			stopped[i] = 0;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		want += !stopped[i];
		if ((tm[i].idx >= 0) == stopped[i])
			bad++;
	}
	CHECK(bad == 0);
	if (sleep)
		usleep((span + 2) * 1000);
	log_reset(want);
	CHECK(run_for(span + 500) == 0);
	CHECK(nfired == want);
	CHECK(in_order() == 0);
	CHECK(early == 0 && idx_armed == 0);
	for (i = 0, bad = 0; i < n; i++)
		if (times_fired(&tm[i]) != !stopped[i] || tm[i].idx != -1)
			bad++;
	CHECK(bad == 0);
}

static void
test_order(void)
{
	random_timers(NT, 20, 1);	/* one heap sort */
	random_timers(NT, 30, 0);	/* over the rounds */
	random_timers(100, 5, 1);	/* equal deadlines */
	random_timers(3, 5, 1);
	random_timers(1, 1, 0);
}

/* Callbacks acting on timers. */
static struct ev_timer ta, tb, tc, td, tp, te, tf;
static int periodic;
static uint64_t periodic_at[8];

static void
a_cb(struct ev_timer *t)
{
	log_cb(t);
	timer_stop(&tb);	/* due in this round too */
	timer_stop(&td);	/* not due yet */
	timer_stop(&tb);	/* twice */
}

static void
e_cb(struct ev_timer *t)
{
	log_cb(t);
	timer_arm(&tf, 0);	/* a new one from a callback */
}

static void
p_cb(struct ev_timer *t)
{
	log_cb(t);
	if (periodic < 8)
		periodic_at[periodic] = ew_now_ms();
	if (++periodic < 5)
		timer_arm(t, 3);	/* itself */
}

static void
test_callbacks(void)
{
	int i, ok = 1;

	timer_init(&ta, a_cb);
	timer_init(&tb, log_cb);
	timer_init(&tc, log_cb);
	timer_init(&td, log_cb);
	timer_init(&tp, p_cb);
	timer_init(&te, e_cb);
	timer_init(&tf, log_cb);
	timer_arm(&ta, 0);
	timer_arm(&tb, 1);
	timer_arm(&tc, 2);
	timer_arm(&td, 40);
	timer_arm(&tp, 1);
	timer_arm(&te, 4);
	usleep(5000);			/* a, b, c, p, e all due */
	log_reset(-1);
	CHECK(run_for(300) == 1);
	CHECK(times_fired(&ta) == 1);
	CHECK(times_fired(&tb) == 0);
	CHECK(times_fired(&tc) == 1);
	CHECK(times_fired(&td) == 0);
	CHECK(times_fired(&tp) == 5);
	CHECK(times_fired(&te) == 1);
	CHECK(times_fired(&tf) == 1);
	CHECK(early == 0 && idx_armed == 0);
	CHECK(fired[0] == &ta);
	for (i = 1; i < 5; i++)
		if (periodic_at[i] < periodic_at[i - 1] + 3)
			ok = 0;
	CHECK(ok);
	CHECK(tb.idx == -1 && td.idx == -1 && tp.idx == -1);
}

/* More timers due at once than one round runs: the fds get their turn
 * in between (the first timer makes a pipe readable). */
#define NBUSY	1500
static struct ev_timer busy[NBUSY];
static int busy_n, busy_at_pipe = -1, starve_pipe[2];
static struct ev_watcher starve_w;

static void
busy_cb(struct ev_timer *t)
{
	log_cb(t);
	if (++busy_n == 1)
		CHECK(write(starve_pipe[1], "x", 1) == 1);
}

static void
starve_cb(struct ev_watcher *w, uint32_t re)
{
	char c;

	(void)re;
	busy_at_pipe = busy_n;
	CHECK(read(w->fd, &c, 1) == 1);
}

static void
test_starve(void)
{
	int i;

	CHECK(pipe(starve_pipe) == 0);
	starve_w.cb = starve_cb;
	CHECK(loop_add(&starve_w, starve_pipe[0], EPOLLIN) == 0);
	for (i = 0; i < NBUSY; i++) {
		timer_init(&busy[i], busy_cb);
		timer_arm(&busy[i], rndn(3));
	}
	usleep(4000);
	log_reset(NBUSY);
	CHECK(run_for(2000) == 0);
	CHECK(busy_at_pipe >= 1 && busy_at_pipe < NBUSY);
	CHECK(nfired == NBUSY);
	CHECK(in_order() == 0);
	loop_del(&starve_w);
	close(starve_pipe[0]);
	close(starve_pipe[1]);
}

/* ------------------------------------------------------------------ */
/* Idle functions. */

static char ilog[64];
static size_t nilog;

static void
il(char c)
{
	if (nilog < sizeof(ilog) - 1)
		ilog[nilog++] = c;
	ilog[nilog] = 0;
}

static void idle_a(void) { il('a'); }
static void idle_b(void) { il('b'); }

static void
idle_stop(void)
{
	il('s');
	loop_stop();
}

static void
idle_y(void)
{
	il('y');
	loop_stop();
}

static void
idle_x(void)
{
	il('x');
	loop_idle(idle_y);	/* the next round */
}

static int idle_pipe[2], prounds;
static struct ev_watcher idle_w;

static void
idle_pipe_cb(struct ev_watcher *w, uint32_t re)
{
	(void)w;
	(void)re;
	il('P');
	/* The byte stays unread: level triggered, P every round. */
	if (++prounds == 3) {
		loop_stop();
		return;
	}
	loop_idle(idle_a);
	loop_idle(idle_b);
	loop_idle(idle_a);	/* once per round, however often asked */
}

static void
idle_timer_cb(struct ev_timer *t)
{
	(void)t;
	il('T');
	loop_idle(idle_stop);
}

static void
test_idle(void)
{
	struct ev_timer it;
	uint64_t t0;

	/* After each round's callbacks, once; the third round stops
	 * before its idle work. */
	CHECK(pipe(idle_pipe) == 0);
	CHECK(write(idle_pipe[1], "x", 1) == 1);
	CHECK(loop_add(&idle_w, idle_pipe[0], EPOLLIN) == 0);
	idle_w.cb = idle_pipe_cb;
	nilog = 0;
	CHECK(run_for(500) == 0);
	CHECK(strcmp(ilog, "PabPabP") == 0);
	loop_del(&idle_w);

	/* loop_stop from an idle function: loop_run returns without
	 * waiting, though nothing is armed or watched. */
	nilog = 0;
	loop_idle(idle_stop);
	t0 = ew_now_ms();
	CHECK(loop_run() == 0);
	CHECK(ew_now_ms() - t0 < 100);
	CHECK(strcmp(ilog, "s") == 0);

	/* Idle work queued by idle work runs in the next round, and the
	 * loop does not sleep in between (the guard is 300 ms away). */
	nilog = 0;
	loop_idle(idle_x);
	t0 = ew_now_ms();
	CHECK(run_for(300) == 0);
	CHECK(ew_now_ms() - t0 < 100);
	CHECK(strcmp(ilog, "xy") == 0);

	/* Queued from a timer: runs after it. */
	nilog = 0;
	timer_init(&it, idle_timer_cb);
	timer_arm(&it, 2);
	CHECK(run_for(500) == 0);
	CHECK(strcmp(ilog, "Ts") == 0);

	close(idle_pipe[0]);
	close(idle_pipe[1]);
}

/* ------------------------------------------------------------------ */
/* loop_bury: after the round's callbacks and idle work, in one go,
 * graves buried by graves included. */

struct obj {
	struct ev_grave	 g;
	char		 tag;
	struct obj	*more;		/* buried by this one's fn */
};

static void
obj_fn(struct ev_grave *g)
{
	struct obj *o = container_of(g, struct obj, g);

	il(o->tag);
	if (o->more != NULL)
		loop_bury(&o->more->g, obj_fn);
	if (o->tag == 'C')
		loop_stop();
}

static struct obj ob_a = { .tag = 'A' }, ob_b = { .tag = 'B' },
    ob_c = { .tag = 'C' };
static struct ev_timer bury_t;

static void
idle_bury(void)
{
	il('i');
}

static void
bury_cb(struct ev_timer *t)
{
	(void)t;
	il('T');
	loop_bury(&ob_a.g, obj_fn);
	loop_idle(idle_bury);
	il('t');		/* still here: nothing freed inside */
}

static void
test_bury(void)
{
	nilog = 0;
	ob_a.more = &ob_c;
	loop_bury(&ob_b.g, obj_fn);	/* before the loop: first round */
	timer_init(&bury_t, bury_cb);
	timer_arm(&bury_t, 2);
	CHECK(run_for(100) == 0);
	/* B in the first round; then the timer, its idle hook, A, and C
	 * that A's fn buried, all in the same round. */
	CHECK(strcmp(ilog, "BTtiAC") == 0);
}

/* ------------------------------------------------------------------ */
/* fd watchers. */

static int wcalls, wstop = 1;
static uint32_t wre;

static void
w_cb(struct ev_watcher *w, uint32_t re)
{
	(void)w;
	wcalls++;
	wre = re;
	if (wcalls >= wstop)
		loop_stop();
}

static void
test_fd(void)
{
	struct ev_watcher r, wr;
	int p[2];
	char c;

	CHECK(pipe(p) == 0);
	memset(&r, 0, sizeof(r));
	r.cb = w_cb;
	CHECK(loop_add(&r, p[0], EPOLLIN) == 0);
	CHECK(r.fd == p[0] && r.events == EPOLLIN);
	/* The same fd twice, a bad fd. */
	memset(&wr, 0, sizeof(wr));
	wr.fd = -1;
	errno = 0;
	CHECK(loop_add(&wr, p[0], EPOLLIN) == -1 && errno == EEXIST);
	CHECK(wr.fd == -1);
	errno = 0;
	CHECK(loop_add(&wr, -1, EPOLLIN) == -1 && errno == EBADF);

	/* Nothing to read: no call. */
	wcalls = 0;
	CHECK(run_for(20) == 1);
	CHECK(wcalls == 0);
	/* A byte: called with EPOLLIN. */
	CHECK(write(p[1], "a", 1) == 1);
	wcalls = 0;
	wstop = 1;
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 1 && wre == EPOLLIN);
	/* Unread: called again each round (level triggered). */
	wcalls = 0;
	wstop = 3;
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 3);
	CHECK(read(p[0], &c, 1) == 1 && c == 'a');
	wstop = 1;

	/* loop_mod to no events: silent although readable. */
	CHECK(write(p[1], "b", 1) == 1);
	loop_mod(&r, 0);
	CHECK(r.events == 0);
	wcalls = 0;
	CHECK(run_for(20) == 1);
	CHECK(wcalls == 0);
	loop_mod(&r, EPOLLIN);
	CHECK(r.events == EPOLLIN);
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 1 && (wre & EPOLLIN));

	/* The write end: EPOLLOUT. */
	wr.cb = w_cb;
	CHECK(loop_add(&wr, p[1], EPOLLOUT) == 0);
	loop_mod(&r, 0);
	wcalls = 0;
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 1 && wre == EPOLLOUT);
	loop_del(&wr);
	CHECK(wr.fd == -1);
	loop_del(&wr);			/* twice: harmless */
	loop_mod(&wr, EPOLLIN);		/* after del: nothing */
	CHECK(wr.fd == -1 && wr.events == EPOLLOUT);
	wcalls = 0;
	CHECK(run_for(20) == 1);
	CHECK(wcalls == 0);

	/* loop_del: readable, but no longer watched. */
	loop_mod(&r, EPOLLIN);
	loop_del(&r);
	CHECK(r.fd == -1);
	wcalls = 0;
	CHECK(run_for(20) == 1);
	CHECK(wcalls == 0);
	/* And added again. */
	CHECK(loop_add(&r, p[0], EPOLLIN) == 0);
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 1);
	CHECK(read(p[0], &c, 1) == 1 && c == 'b');

	/* The other end closed: HUP, reported as IN|OUT as well. */
	close(p[1]);
	wcalls = 0;
	CHECK(run_for(500) == 0);
	CHECK(wcalls == 1);
	CHECK((wre & (EPOLLHUP | EPOLLIN | EPOLLOUT)) ==
	    (EPOLLHUP | EPOLLIN | EPOLLOUT));
	loop_del(&r);
	close(p[0]);
}

/* Two watchers with events in the same round; the first one called
 * deletes the other. */
static struct ev_watcher dw[2];
static int dcalls[2], dpipe[2][2];

static void
del_cb(struct ev_watcher *w, uint32_t re)
{
	int me = w == &dw[1];

	(void)re;
	dcalls[me]++;
	loop_del(&dw[!me]);
	loop_stop();		/* the round still dispatches the rest */
}

static void
test_del_in_round(void)
{
	int i, k, bad = 0;

	for (k = 0; k < 20; k++) {
		for (i = 0; i < 2; i++) {
			CHECK(pipe(dpipe[i]) == 0);
			CHECK(write(dpipe[i][1], "x", 1) == 1);
			dw[i].cb = del_cb;
			dcalls[i] = 0;
		}
		/* In either order: epoll's is not ours to choose. */
		for (i = 0; i < 2; i++)
			CHECK(loop_add(&dw[k % 2 ? 1 - i : i],
			    dpipe[k % 2 ? 1 - i : i][0], EPOLLIN) == 0);
		if (run_for(500) != 0 || dcalls[0] + dcalls[1] != 1)
			bad++;
		for (i = 0; i < 2; i++) {
			loop_del(&dw[i]);
			close(dpipe[i][0]);
			close(dpipe[i][1]);
		}
	}
	CHECK(bad == 0);
}

/* loop_stop from a timer: loop_run returns 0, and runs again after. */
static void
stop_cb(struct ev_timer *t)
{
	(void)t;
	loop_stop();
}

static void
test_stop(void)
{
	struct ev_timer s;
	uint64_t t0 = ew_now_ms();

	timer_init(&s, stop_cb);
	timer_arm(&s, 5);
	CHECK(run_for(1000) == 0);
	CHECK(ew_now_ms() - t0 >= 5 && ew_now_ms() - t0 < 500);
	timer_arm(&s, 1);
	CHECK(run_for(1000) == 0);
	/* loop_stop before loop_run does not stick. */
	loop_stop();
	CHECK(run_for(10) == 1);
}

int
main(void)
{
	alarm(10);		/* a loop that never ends fails */
	if (loop_init() < 0) {
		perror("loop_init");
		return 2;
	}
	timer_init(&guard, guard_cb);
	test_arm_stop();
	test_order();
	test_callbacks();
	test_starve();
	test_idle();
	test_bury();
	test_fd();
	test_del_in_round();
	test_stop();
	return t_done("test_loop");
}
