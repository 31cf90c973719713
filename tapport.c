/*
 * tapport.c - tap and netdev ports: the device's fd on the event loop,
 * frames read into the switch, frames written by the port's ops.  The
 * device itself (open, read, write, offload headers) is tap_linux.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "container.h"
#include "errtext.h"
#include "fmt.h"
#include "gso.h"
#include "json.h"
#include "log.h"
#include "loop.h"
#include "switch.h"
#include "tap.h"
#include "tapport.h"

struct tapport {
	struct ev_watcher w;
	int		 vnet;		/* IFF_VNET_HDR / PACKET_VNET_HDR */
	struct port	*port;
	struct ev_grave	 grave;
};

static int	 nooffload;	/* --nooffload; not an "offload = 1": an
				 * initialised int is 16 bytes of the static
				 * build's .data */

void
tapport_configure(int no)
{
	nooffload = no;
}

static void
dev_io(struct ev_watcher *w, uint32_t revents)
{
	struct tapport *t = container_of(w, struct tapport, w);
	struct port *p = t->port;
	uint8_t buf[MAX_FRAME + 4];
	struct vnet vh;
	long n;
	int i, first = 0;

	if (!(revents & EPOLLIN))
		return;
	for (i = 0; i < RX_BUDGET; i++) {
		if (p->kind == PORT_TAP)
			n = tap_read(w->fd, t->vnet, buf, sizeof(buf), &vh);
		else
			n = netdev_recv(w->fd, t->vnet, buf, sizeof(buf),
			    &vh);
		if (n == -EAGAIN || n == -EWOULDBLOCK || n == -EINTR)
			return;
		if (n == -EMSGSIZE) {
			switch_input_dropped(p);
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
		switch_input(p, buf, (size_t)n, t->vnet ? &vh : NULL);
		/* The first frame leaves now (a lone one need not wait
		 * for the read that says EAGAIN); the rest of a burst
		 * with the round's flush, in as few sends as it can. */
		if (!first++)
			loop_idle_now();
	}
}

static int
tap_output(struct port *p, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	struct tapport *t = p->priv;

	return dev_write(t->w.fd, t->vnet, frame, len, vh);
}

static int
tap_offload(const struct port *p)
{
	const struct tapport *t = p->priv;

	return t->vnet;
}

static void
tap_reap(struct ev_grave *g)
{
	free(container_of(g, struct tapport, grave));
}

static void
tap_close(struct port *p, int code)
{
	struct tapport *t = p->priv;

	int fd = t->w.fd;

	(void)code;
	if (fd >= 0) {
		loop_del(&t->w);	/* sets w.fd to -1 */
		close(fd);		/* a tap device vanishes with its fd */
		log_msg(EW_LOG_INFO, "disconnected: %s", p->target);
	}
	loop_bury(&t->grave, tap_reap);	/* dev_io may be below us */
}

static void
tap_status(const struct port *p, struct jw *w)
{
	const struct tapport *t = p->priv;

	jw_member_str(w, ", \"device\": ", p->ifname);
	/* 2: the kernel takes super-frames; 1: the header only */
	jw_member_int(w, ", \"vnet\": ", t->vnet);
}

static const struct port_ops tap_ops = {
	tap_output, NULL, tap_offload, tap_close, tap_status, NULL, NULL
};

struct port *
tapport_add(enum port_kind kind, const char *target, char *err,
    size_t errlen)
{
	char ifname[IFNAME_MAX];
	struct tapport *t;
	struct port *p;
	int fd, vnet = !nooffload;

	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		ew_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->w.fd = -1;
	if (kind == PORT_TAP)
		fd = tap_open(target, ifname, &vnet, err, errlen);
	else {
		fd = netdev_open(target, &vnet, err, errlen);
		ew_snprintf(ifname, sizeof(ifname), "%s", target);
	}
	if (fd < 0) {
		free(t);
		return NULL;
	}
	p = port_new(kind, ifname, &tap_ops, t);
	if (p == NULL) {
		close(fd);
		free(t);
		ew_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->port = p;
	t->vnet = vnet;
	ew_snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	t->w.cb = dev_io;
	if (loop_add(&t->w, fd, EPOLLIN) < 0) {
		ew_snprintf(err, errlen, "cannot watch %s: %s", target,
		    ew_strerror(errno));
		close(fd);
		port_delete(p, 1000);
		return NULL;
	}
	log_msg(EW_LOG_INFO, "connected: %s", p->target);
	return p;
}
