/*
 * loop.h - the event loop (loop.c): one epoll instance, timers in a
 * min-heap, work deferred to the end of each dispatch round
 */
#ifndef LOOP_H
#define LOOP_H

#include <stddef.h>
#include <stdint.h>

struct ev_watcher {
	int		 fd;
	uint32_t	 events;	/* current epoll interest */
	void		(*cb)(struct ev_watcher *, uint32_t revents);
};
struct ev_timer {
	uint64_t	 when;		/* absolute, ew_now_ms() */
	long		 idx;		/* heap slot, -1 when not armed */
	void		(*cb)(struct ev_timer *);
};

int loop_init(void);
/* Watch fd; ERR/HUP are reported as IN|OUT.  0 or -1 (errno). */
int loop_add(struct ev_watcher *, int fd, uint32_t events);
/* Change interest; no syscall when unchanged. */
void loop_mod(struct ev_watcher *, uint32_t events);
/* Stop watching; events already fetched for it are dropped. */
void loop_del(struct ev_watcher *);
void timer_init(struct ev_timer *, void (*cb)(struct ev_timer *));
void timer_arm(struct ev_timer *, uint64_t delay_ms);
void timer_stop(struct ev_timer *);
/* Run fn once at the end of this dispatch round (before sleeping). */
void loop_idle(void (*fn)(void));
/* Run the idle hooks queued so far now, from a callback that holds
 * nothing another callback may tear down (not the graves): a lone frame
 * leaves before the read that finds its tap empty. */
void loop_idle_now(void);
/*
 * The one deferred free.  An object that may be torn down from inside
 * its own callback embeds a struct ev_grave and, instead of freeing
 * itself, calls loop_bury: fn(g) runs after this dispatch round's idle
 * hooks, when no callback of the round can still hold the object.
 */
struct ev_grave {
	struct ev_grave	*next;
	void		(*fn)(struct ev_grave *);
};
void loop_bury(struct ev_grave *, void (*fn)(struct ev_grave *));
/* Dispatch until loop_stop(); returns 0, or -1 on epoll failure. */
int loop_run(void);
void loop_stop(void);

#endif /* LOOP_H */
