/*
 * pace.c - the bound on what a tunnel's socket holds: the bytes the
 * kernel has not had acknowledged (SIOCOUTQ, sent or not) stay within
 * PACE_GAIN_NUM / PACE_GAIN_DEN of the path's delivery rate times its
 * least round trip, plus PACE_SLACK.  The path's queue thus holds at
 * most an eighth of a round trip and the slack's time, whatever the
 * kernel's congestion control would do, and the rest waits in our
 * queue (txq.c).  The gain and the slack let the rate found grow each
 * round trip while the path has room, as a window would.
 *
 * The rate is measured from the kernel's own count: acknowledged bytes
 * (written minus SIOCOUTQ) per sample time, the most of the last two
 * PACE_BW_WIN_MS windows; the round trip is the least smoothed one the
 * kernel reported in the last two PACE_RTT_WIN_MS windows.  Paths under
 * PACE_RTT_MIN_MS are not bounded: a LAN's round trip is too short for
 * the loop's millisecond timer, and its queue drains in no time.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "defs.h"
#include "pace.h"
#include "sock.h"

/* The least round trip, us (0: none yet). */
static uint32_t
min_rtt(const struct pace *p)
{
	if (p->rtt[1] != 0 && (p->rtt[0] == 0 || p->rtt[1] < p->rtt[0]))
		return p->rtt[1];
	return p->rtt[0];
}

static uint64_t
max_bw(const struct pace *p)
{
	return p->bw[0] > p->bw[1] ? p->bw[0] : p->bw[1];
}

/* The kernel's unacknowledged bytes, read now. */
static void
read_kq(struct pace *p, int fd)
{
	int v = 0;

	if (ioctl(fd, SIOCOUTQ, &v) < 0 || v < 0)
		v = 0;
	p->kq = (uint64_t)v;
	p->kq_wr = p->wr;
}

/* A windowed maximum (or, for the round trip, minimum) moves on. */
static void
windows(struct pace *p, uint64_t now)
{
	if (now - p->bw_at >= (uint64_t)PACE_BW_WIN_MS * 1000) {
		p->bw[1] = p->bw[0];
		p->bw[0] = 0;
		p->bw_at = now;
	}
	if (now - p->rtt_at >= (uint64_t)PACE_RTT_WIN_MS * 1000) {
		p->rtt[1] = p->rtt[0];
		p->rtt[0] = 0;
		p->rtt_at = now;
	}
}

/* The bound, bytes, for a rate and a round trip (us). */
static uint64_t
bound_of(uint64_t bw, uint64_t rtt)
{
	return bw * rtt / 1000000 * PACE_GAIN_NUM / PACE_GAIN_DEN + PACE_SLACK;
}

/*
 * The kernel paces the socket at most at the rate the bound allows in a
 * round trip (SO_MAX_PACING_RATE, which also turns its pacing on): after
 * a lull the bound's worth goes out spread over a round trip, not in
 * one burst, which a path with its delay line empty would take into its
 * queue at once and overflow.  Short paths: no limit.
 */
static void
set_rate(struct pace *p, int fd, uint64_t rtt)
{
	uint64_t r = ~0U;
	unsigned v;

	if (rtt >= (uint64_t)PACE_RTT_MIN_MS * 1000)
		r = bound_of(max_bw(p), rtt) * 1000000 / rtt;
	if (r >= ~0U)
		r = ~0U;	/* unlimited */
	if (r == p->rate)
		return;
	p->rate = r;
	v = (unsigned)r;
	setsockopt(fd, SOL_SOCKET, SO_MAX_PACING_RATE, &v, sizeof(v));
}

/* A sample of the rate and round trip, once a round trip (and at most
 * every PACE_SAMPLE_MS).  Acknowledgements come in bursts: a cumulative
 * one after a loss's retransmission covers much data at once.  No more
 * than the bound can have been delivered in a round trip, so a sample
 * counts up to that: a burst cannot open the bound wider than the gain
 * would. */
static void
sample(struct pace *p, int fd, uint64_t now)
{
	uint64_t gap = min_rtt(p), acked, bw;
	uint32_t rtt;

	if (gap < (uint64_t)PACE_SAMPLE_MS * 1000)
		gap = (uint64_t)PACE_SAMPLE_MS * 1000;
	if (p->at != 0 && now - p->at < gap)
		return;
	windows(p, now);
	read_kq(p, fd);
	acked = p->wr > p->kq ? p->wr - p->kq : 0;
	if (p->at != 0 && acked > p->acked) {
		bw = (acked - p->acked) * 1000000 / (now - p->at);
		if (min_rtt(p) != 0 && bw > bound_of(max_bw(p), min_rtt(p)) *
		    1000000 / min_rtt(p))
			bw = bound_of(max_bw(p), min_rtt(p)) * 1000000 /
			    min_rtt(p);
		if (bw > p->bw[0])
			p->bw[0] = bw;
	}
	p->acked = acked;
	p->at = now;
	rtt = (uint32_t)sock_rtt_us(fd);
	if (rtt != 0 && (p->rtt[0] == 0 || rtt < p->rtt[0]))
		p->rtt[0] = rtt;
	set_rate(p, fd, min_rtt(p));
}

size_t
pace_room(struct pace *p, int fd, size_t want, uint64_t now)
{
	uint64_t rtt, bound, held;
	uint64_t wait;

	p->blocked = 0;
	rtt = min_rtt(p);
	/* A short path is sampled after the round's sends (pace_after):
	 * two system calls fewer before a lone frame leaves. */
	if (rtt != 0 && rtt < (uint64_t)PACE_RTT_MIN_MS * 1000)
		return want;
	sample(p, fd, now);
	rtt = min_rtt(p);
	if (rtt < (uint64_t)PACE_RTT_MIN_MS * 1000)
		return want;
	bound = bound_of(max_bw(p), rtt);
	held = p->kq + (p->wr - p->kq_wr);
	if (held >= bound) {	/* acknowledgements since? */
		read_kq(p, fd);
		held = p->kq;
	}
	if (held < bound)
		return bound - held < want ? (size_t)(bound - held) : want;
	p->blocked = 1;
	wait = rtt / PACE_POLL_DIV / 1000;
	timer_arm(&p->timer, wait > 0 ? wait : 1);
	return 0;
}

void
pace_sent(struct pace *p, size_t n)
{
	p->wr += n;
}

void
pace_after(struct pace *p, int fd, uint64_t now)
{
	sample(p, fd, now);
}
