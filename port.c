/*
 * port.c - the port table: ports in ascending numbers (binary search),
 * numbers never reused, memory freed after the dispatch round that
 * removed the port (callers may still be inside its callback).
 */
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "fmt.h"
#include "loop.h"
#include "port.h"

/* A port and its grave: the table's own business, not the port's. */
struct port_mem {
	struct port	 p;
	struct ev_grave	 grave;
};

static struct port	**ptab;
static size_t		 nports, ptab_cap;
static int		 next_no = 1;

struct port *
port_at(size_t i)
{
	return i < nports ? ptab[i] : NULL;
}

size_t
port_count(void)
{
	return nports;
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
port_table_add(enum port_kind kind, const char *target,
    const struct port_ops *ops, void *priv)
{
	struct port_mem *m;
	struct port **n;
	size_t cap;

	if (nports == ptab_cap) {
		cap = ptab_cap ? ptab_cap * 2 : 16;
		n = realloc(ptab, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		ptab = n;
		ptab_cap = cap;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->p.no = next_no++;
	m->p.kind = kind;
	m->p.ops = ops;
	m->p.priv = priv;
	ew_snprintf(m->p.target, sizeof(m->p.target), "%s", target);
	ptab[nports++] = &m->p;
	return &m->p;
}

static void
port_reap(struct ev_grave *g)
{
	free(container_of(g, struct port_mem, grave));
}

void
port_table_remove(struct port *p)
{
	size_t i;

	for (i = 0; i < nports && ptab[i] != p; i++)
		;
	if (i == nports)
		return;
	memmove(&ptab[i], &ptab[i + 1], (nports - i - 1) * sizeof(*ptab));
	nports--;
	loop_bury(&container_of(p, struct port_mem, p)->grave, port_reap);
}

int
port_xmit(struct port *q, const uint8_t *frame, size_t len,
    const struct vnet *vh)
{
	return q->ops->output(q, frame, len, vh);
}

int
port_send(struct port *q, const uint8_t *frame, size_t len)
{
	if (q->ops->output_ctrl != NULL)
		return q->ops->output_ctrl(q, frame, len);
	return q->ops->output(q, frame, len, NULL);
}

int
port_offload(const struct port *q)
{
	return q->ops->offload(q);
}

void
port_status(const struct port *p, struct jw *w)
{
	if (p->ops->status != NULL)
		p->ops->status(p, w);
}

unsigned
port_rtt(const struct port *q)
{
	return q->ops->rtt != NULL ? q->ops->rtt(q) : 0;
}

void
port_stats(const struct port *p, struct port_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p->ops->stats != NULL)
		p->ops->stats(p, st);
}

const char *
port_kind_name(enum port_kind k)
{
	switch (k) {
	case PORT_TAP: return "tap";
	case PORT_NETDEV: return "netdev";
	case PORT_CLIENT: return "client";
	default: return "server";
	}
}

const char *
port_state_name(const struct port *p)
{
	if (p->shut)
		return "shut";
	if (!p->up)
		return "down";
	switch (p->fwd) {
	case PORT_PROBING:
		return "probing";
	case PORT_LOOP:
		return "loop";
	case PORT_SILENT:
		return "silent";
	default:
		return "up";
	}
}
