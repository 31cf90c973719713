/*
 * probe_stubs.h - the clock and the timers probe.c runs on, for
 * test_probe and fuzz_probe: ew_now_ms reads clk, which only advance()
 * moves, firing the armed timers that fall due in deadline order.  A
 * call fires at most 10,000 of them, so that a timer rearmed at 0 cannot
 * spin.  Needs loop.h's struct ev_timer.  A test that frees what it
 * buries only after its dispatch round (test_switch: port_delete
 * still reads the port it buried) defines PROBE_STUBS_OWN_BURY and its
 * own loop_bury.  PROBE_STUBS_LOG: a log_msg that keeps the last line
 * (test_probe, test_switch; fuzz_probe has its own).
 */
#ifndef PROBE_STUBS_H
#define PROBE_STUBS_H

#include <stdint.h>

static uint64_t clk;

uint64_t
ew_now_ms(void)
{
	return clk;
}

#define MAXT	8
static struct ev_timer *tims[MAXT];
static int ntims;

/* A timer initialised again (a port's, for each port) is listed once. */
void
timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *))
{
	int i;

	t->when = 0;
	t->idx = -1;
	t->cb = cb;
	for (i = 0; i < ntims; i++)
		if (tims[i] == t)
			return;
	if (ntims < MAXT)
		tims[ntims++] = t;
}

void
timer_arm(struct ev_timer *t, uint64_t delay_ms)
{
	t->when = clk + delay_ms;
	t->idx = 0;
}

#ifndef PROBE_STUBS_OWN_BURY
/* Nothing of a dispatch round can still hold it: freed at once. */
void
loop_bury(struct ev_grave *g, void (*fn)(struct ev_grave *))
{
	fn(g);
}
#endif

static void
advance(uint64_t ms)
{
	uint64_t end = clk + ms;
	struct ev_timer *t;
	int i, n;

	for (n = 0; n < 10000; n++) {
		t = NULL;
		for (i = 0; i < ntims; i++)
			if (tims[i]->idx >= 0 && tims[i]->when <= end &&
			    (t == NULL || tims[i]->when < t->when))
				t = tims[i];
		if (t == NULL)
			break;
		if (t->when > clk)
			clk = t->when;
		t->idx = -1;
		t->cb(t);
	}
	clk = end;
}

#ifdef PROBE_STUBS_LOG
/* The log keeps its last line (lastlog) and counts (nlogs): what a test
 * of loop detection checks its messages with. */
#include <stdarg.h>
#include <stdio.h>

int log_level = EW_LOG_INFO;
static char lastlog[LOG_MSG_MAX];
static int nlogs;

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(lastlog, sizeof(lastlog), fmt, ap);
	va_end(ap);
	nlogs++;
}
#endif

#endif /* PROBE_STUBS_H */
