/*
 * loop.c - the one event loop: epoll for fds, a binary min-heap for
 * timers, and idle hooks that run once per dispatch round (used to flush
 * batched output, in the manner of redis' beforesleep), and the one
 * deferred free (loop_bury) that runs after them.
 *
 * Level-triggered.  A watcher removed during a round has its remaining
 * fetched events cancelled, so owners may be torn down from any
 * callback as long as the memory itself is freed after the round.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "loop.h"
#include "sys.h"

#define LOOP_EVENTS	64
#define LOOP_IDLE_MAX	8

static int			 epfd = -1;
static int			 running;
static struct epoll_event	 evs[LOOP_EVENTS];
static int			 nevs, evpos;
static struct ev_timer		**heap;
static size_t			 heap_len, heap_cap;
static void			(*idle_fns[LOOP_IDLE_MAX])(void);
static int			 nidle;
static struct ev_grave		*graves;

int
loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

int
loop_add(struct ev_watcher *w, int fd, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	w->fd = fd;
	w->events = events;
	return 0;
}

void
loop_mod(struct ev_watcher *w, uint32_t events)
{
	struct epoll_event ev;

	if (w->fd < 0 || w->events == events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev) == 0)
		w->events = events;
}

void
loop_del(struct ev_watcher *w)
{
	int i;

	if (w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->fd = -1;
	/* Cancel events fetched in this round but not yet dispatched. */
	for (i = evpos; i < nevs; i++)
		if (evs[i].data.ptr == w)
			evs[i].data.ptr = NULL;
}

/* ---- timers: a min-heap of pointers; each timer knows its slot ---- */

static void
heap_set(size_t i, struct ev_timer *t)
{
	heap[i] = t;
	t->idx = (long)i;
}

static void
heap_up(size_t i)
{
	struct ev_timer *t = heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap[parent]->when <= t->when)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void
heap_down(size_t i)
{
	struct ev_timer *t = heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= heap_len)
			break;
		if (c + 1 < heap_len && heap[c + 1]->when < heap[c]->when)
			c++;
		if (t->when <= heap[c]->when)
			break;
		heap_set(i, heap[c]);
		i = c;
	}
	heap_set(i, t);
}

void
timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *))
{
	t->when = 0;
	t->idx = -1;
	t->cb = cb;
}

void
timer_stop(struct ev_timer *t)
{
	size_t i;

	if (t->idx < 0)
		return;
	i = (size_t)t->idx;
	t->idx = -1;
	heap_len--;
	if (i == heap_len)
		return;
	heap_set(i, heap[heap_len]);
	heap_up(i);
	heap_down((size_t)heap[i]->idx);
}

void
timer_arm(struct ev_timer *t, uint64_t delay_ms)
{
	struct ev_timer **n;
	size_t cap;

	timer_stop(t);
	if (heap_len == heap_cap) {
		/* Grows with the number of armed timers, not per event. */
		cap = heap_cap ? heap_cap * 2 : 64;
		n = realloc(heap, cap * sizeof(*n));
		if (n == NULL)	/* broken invariant: cannot keep time */
			ew_fatal("timers");
		heap = n;
		heap_cap = cap;
	}
	t->when = ew_now_ms() + delay_ms;
	heap_set(heap_len++, t);
	heap_up(heap_len - 1);
}

static int
timer_timeout(void)
{
	uint64_t now;

	if (heap_len == 0)
		return -1;
	now = ew_now_ms();
	if (heap[0]->when <= now)
		return 0;
	if (heap[0]->when - now > 60000)
		return 60000;
	return (int)(heap[0]->when - now);
}

static void
timer_run(void)
{
	struct ev_timer *t;
	uint64_t now = ew_now_ms();
	int budget = 1024;	/* a timer re-armed at 0 cannot starve fds */

	while (heap_len > 0 && heap[0]->when <= now && budget-- > 0) {
		t = heap[0];
		timer_stop(t);
		t->cb(t);
	}
}

void
loop_idle(void (*fn)(void))
{
	int i;

	for (i = 0; i < nidle; i++)
		if (idle_fns[i] == fn)
			return;
	if (nidle < LOOP_IDLE_MAX)
		idle_fns[nidle++] = fn;
}

void
loop_bury(struct ev_grave *g, void (*fn)(struct ev_grave *))
{
	g->fn = fn;
	g->next = graves;
	graves = g;
}

void
loop_idle_now(void)
{
	void (*fns[LOOP_IDLE_MAX])(void);
	int i, n = nidle;

	memcpy(fns, idle_fns, sizeof(fns));
	nidle = 0;
	for (i = 0; i < n; i++)
		fns[i]();
}

/* Idle hooks first (they may still look at what was buried this round,
 * and bury more), then the graves, until none is left. */
static void
idle_run(void)
{
	struct ev_grave *g;

	loop_idle_now();
	while ((g = graves) != NULL) {
		graves = g->next;
		g->fn(g);
	}
}

void
loop_stop(void)
{
	running = 0;
}

int
loop_run(void)
{
	struct ev_watcher *w;
	uint32_t re;

	running = 1;
	while (running) {
		idle_run();
		if (!running)
			break;
		nevs = epoll_wait(epfd, evs, LOOP_EVENTS,
		    nidle ? 0 : timer_timeout());
		if (nevs < 0) {
			nevs = 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (evpos = 0; evpos < nevs; ) {
			w = evs[evpos].data.ptr;
			re = evs[evpos].events;
			evpos++;
			if (w == NULL)
				continue;
			/* Let the next syscall report the error. */
			if (re & (EPOLLERR | EPOLLHUP))
				re |= EPOLLIN | EPOLLOUT;
			w->cb(w, re);
		}
		nevs = evpos = 0;
		timer_run();
	}
	return 0;
}
