/*
 * cfgrun.c - sw --config on the running switch: the file's ports
 * compared with the table and only the difference applied, and the
 * table written back as a file for "ctl dump".
 *
 * A tap or netdev port is found by its device name, a client port by
 * its URL; server ports (incoming tunnels) are never the file's
 * business.  A client port's options are remembered here (records, by
 * port number) because the client keeps only what it needs to connect:
 * the dump writes them back, and a reload replaces a port whose
 * options or password changed.  A password is remembered only as its
 * SHA-1, to tell whether it changed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>

#include "cfgrun.h"
#include "client.h"
#include "config.h"
#include "file.h"
#include "fmt.h"
#include "log.h"
#include "port.h"
#include "sha1.h"
#include "switch.h"
#include "tap.h"
#include "tapport.h"

/* How a client port was declared. */
struct cfg_rec {
	int		 no;
	struct cfg_port	 d;		/* its options; d.pwfile "" when ctl
					 * sent the password itself */
	uint8_t		 pw[20];	/* SHA-1 of the password */
	int		 has_pw;
};

static struct cfg_rec	*recs;
static size_t		 nrecs;
static const char	*config_path;	/* --config, or NULL */

/* One declaration of the file on its way in. */
struct plan {
	struct port	*old;		/* the running port it names, or NULL */
	struct port	*made;		/* the port made for it, or NULL */
	struct client	*cl;		/* a new client, not yet started */
	uint8_t		 pw[20];
	int		 has_pw;
	int		 replace;	/* old goes, a new one comes */
};

/* ------------------------------------------------------------------ */
/* Records */

static struct cfg_rec *
rec_find(int no)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		if (recs[i].no == no)
			return &recs[i];
	return NULL;
}

/* Records of ports that are gone go (port numbers are never reused,
 * so a stale one is harmless, but the table must not grow forever). */
static void
rec_prune(void)
{
	size_t i, k;

	for (i = k = 0; i < nrecs; i++)
		if (port_find(recs[i].no) != NULL)
			recs[k++] = recs[i];
	nrecs = k;
}

static void
rec_set(int no, const struct cfg_port *d, const uint8_t pw[20], int has_pw)
{
	struct cfg_rec *r = rec_find(no), *n;

	if (r == NULL) {
		rec_prune();
		n = realloc(recs, (nrecs + 1) * sizeof(*recs));
		if (n == NULL)
			return;	/* the dump will say it does not know */
		recs = n;
		r = &recs[nrecs++];
	}
	r->no = no;
	r->d = *d;
	memcpy(r->pw, pw, sizeof(r->pw));
	r->has_pw = has_pw;
}

static void
opt_copy(char *dst, size_t cap, const char *s)
{
	ew_snprintf(dst, cap, "%s", s != NULL ? s : "");
}

struct cfg_rec *
cfgrun_client_opts(const char *user, const char *pass, const char *pwfile,
    const char *cacerts, int insecure, const char *pin)
{
	struct cfg_rec *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->d.kind = PORT_CLIENT;
	opt_copy(r->d.user, sizeof(r->d.user), user);
	r->has_pw = r->d.user[0] != '\0' && pass != NULL;
	if (r->has_pw) {
		opt_copy(r->d.pwfile, sizeof(r->d.pwfile), pwfile);
		sha1(pass, strlen(pass), r->pw);
	}
	opt_copy(r->d.cacerts, sizeof(r->d.cacerts), cacerts);
	opt_copy(r->d.pin, sizeof(r->d.pin), pin);
	r->d.insecure = insecure;
	return r;
}

void
cfgrun_client_added(struct cfg_rec *r, const struct port *p)
{
	if (r == NULL)
		return;
	if (p != NULL) {
		opt_copy(r->d.target, sizeof(r->d.target), p->target);
		rec_set(p->no, &r->d, r->pw, r->has_pw);
	}
	free(r);
}

/* ------------------------------------------------------------------ */
/* Checking: everything that can fail, before anything changes */

static int
fail_line(char *err, size_t errlen, int line, const char *what)
{
	ew_snprintf(err, errlen, "line %d: %s", line, what);
	return -1;
}

/* The running port d names, or NULL. */
static struct port *
port_named(const struct cfg_port *d)
{
	struct port *p;
	size_t i;

	for (i = 0; (p = port_at(i)) != NULL; i++)
		if (p->kind == d->kind && strcmp(d->target, p->kind ==
		    PORT_CLIENT ? p->target : p->ifname) == 0)
			return p;
	return NULL;
}

/* d's password from the first line of its --pwfile, as ctl reads one. */
static int
read_pw(const struct cfg_port *d, char *pass, size_t cap, char *err,
    size_t errlen)
{
	char file[CRED_FILE_MAX + 1], why[CFG_PATH_MAX + 64];
	size_t len, n;
	int rc;

	pass[0] = '\0';
	if (d->pwfile[0] == '\0')
		return 0;
	rc = ew_file_read(d->pwfile, file, CRED_FILE_MAX, &len);
	if (rc < 0) {
		ew_file_why(rc, d->pwfile, CRED_FILE_MAX, why, sizeof(why));
		return fail_line(err, errlen, d->line, why);
	}
	for (n = 0; n < len && file[n] != '\n'; n++)
		continue;
	if (n > 0 && file[n - 1] == '\r')
		n--;
	rc = n < cap ? 0 : fail_line(err, errlen, d->line, "the password "
	    "in --pwfile (its first line) is too long");
	if (rc == 0) {
		memcpy(pass, file, n);
		pass[n] = '\0';
	}
	explicit_bzero(file, sizeof(file));
	return rc;
}

/* 1 if the running client port p was declared as d (password pw). */
static int
client_same(const struct port *p, const struct cfg_port *d,
    const struct plan *pl)
{
	const struct cfg_rec *r = rec_find(p->no);

	return r != NULL && strcmp(r->d.user, d->user) == 0 &&
	    strcmp(r->d.cacerts, d->cacerts) == 0 &&
	    strcmp(r->d.pin, d->pin) == 0 && r->d.insecure == d->insecure &&
	    r->has_pw == pl->has_pw &&
	    memcmp(r->pw, pl->pw, sizeof(r->pw)) == 0;
}

/* A client declaration: its password read, compared with the running
 * port, and a new client made if one is needed (URL, pin and CA file
 * checked by client_new). */
static int
check_client(const struct cfg_port *d, struct plan *pl, char *err,
    size_t errlen)
{
	char pass[CRED_MAX], why[512];
	int rc = 0;

	if (read_pw(d, pass, sizeof(pass), err, errlen) < 0)
		return -1;
	pl->has_pw = d->pwfile[0] != '\0';
	if (pl->has_pw)
		sha1(pass, strlen(pass), pl->pw);
	pl->replace = pl->old != NULL && !client_same(pl->old, d, pl);
	if (pl->old == NULL || pl->replace) {
		pl->cl = client_new(d->target, d->user[0] ? d->user : NULL,
		    pl->has_pw ? pass : NULL, d->cacerts[0] ? d->cacerts : NULL,
		    d->insecure, d->pin[0] ? d->pin : NULL, why, sizeof(why));
		if (pl->cl == NULL)
			rc = fail_line(err, errlen, d->line, why);
	}
	explicit_bzero(pass, sizeof(pass));
	return rc;
}

static int
check_one(const struct cfg_port *d, struct plan *pl, char *err,
    size_t errlen)
{
	char why[64];

	pl->old = port_named(d);
	if (d->kind == PORT_CLIENT)
		return check_client(d, pl, err, errlen);
	if (d->kind == PORT_NETDEV && pl->old == NULL &&
	    if_nametoindex(d->target) == 0) {
		ew_snprintf(why, sizeof(why), "no network device %s",
		    d->target);
		return fail_line(err, errlen, d->line, why);
	}
	return 0;
}

/* The clients made for a plan that is not carried out. */
static void
plan_discard(struct plan *pl, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pl[i].cl != NULL) {
			client_discard(pl[i].cl);
			pl[i].cl = NULL;
		}
}

/* ------------------------------------------------------------------ */
/* Applying */

static const char *
kind_word(enum port_kind k)
{
	return k == PORT_TAP ? "tap" : k == PORT_NETDEV ? "netdev" :
	    k == PORT_CLIENT ? "client" : "server";
}

/* The ports the file adds, in its order (so their numbers follow it);
 * a device that cannot be made undoes the ones made before it. */
static int
make_ports(const struct cfg *c, struct plan *pl, char *err, size_t errlen)
{
	char why[256];
	size_t i, k;

	for (i = 0; i < c->n; i++) {
		if (pl[i].old != NULL && !pl[i].replace)
			continue;
		if (c->port[i].kind == PORT_CLIENT) {
			pl[i].made = client_start_down(pl[i].cl);
			pl[i].cl = NULL;
			ew_snprintf(why, sizeof(why), "out of memory");
		} else
			pl[i].made = tapport_add(c->port[i].kind,
			    c->port[i].target, why, sizeof(why));
		if (pl[i].made != NULL)
			continue;
		for (k = 0; k < i; k++)
			if (pl[k].made != NULL)
				port_delete(pl[k].made, 1000);
		plan_discard(pl, c->n);
		return fail_line(err, errlen, c->port[i].line, why);
	}
	return 0;
}

/* 1 if the running port p stays: the file names it and keeps it. */
static int
kept(const struct port *p, const struct plan *pl, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pl[i].made == p || (pl[i].old == p && !pl[i].replace))
			return 1;
	return 0;
}

/* Every tap, netdev and client port the file does not keep. */
static int
delete_others(const struct plan *pl, size_t n, const char *path)
{
	struct port *p;
	int *gone, ngone = 0, k;
	size_t i;

	gone = calloc(port_count() + 1, sizeof(*gone));
	if (gone == NULL)
		return -1;
	for (i = 0; (p = port_at(i)) != NULL; i++)
		if (p->kind != PORT_SERVER && !kept(p, pl, n))
			gone[ngone++] = p->no;
	for (k = 0; k < ngone; k++)
		if ((p = port_find(gone[k])) != NULL) {
			log_msg(EW_LOG_INFO, "--config %s: port %d deleted: "
			    "%s %s", path, p->no, kind_word(p->kind),
			    p->target);
			port_delete(p, 1000);
		}
	free(gone);
	return ngone;
}

/* A tap's or netdev's address, netmask and MTU where d sets them and
 * they differ: 1 if changed. */
static int
set_if(struct port *p, const struct cfg_port *d, const char *path)
{
	char addr[16], mask[16], err[256];
	int mtu = 0;

	if (ifconf_get(p->ifname, addr, mask, &mtu) < 0)
		addr[0] = mask[0] = '\0';
	if ((d->address[0] == '\0' || strcmp(addr, d->address) == 0) &&
	    (d->netmask[0] == '\0' || strcmp(mask, d->netmask) == 0) &&
	    (d->mtu == 0 || mtu == d->mtu))
		return 0;
	/* the kernel may take what it could not earlier: logged, and the
	 * next reload tries again */
	if (ifconf_set(p->ifname, d->address[0] ? d->address : NULL,
	    d->netmask[0] ? d->netmask : NULL, d->mtu, err, sizeof(err)) < 0)
		log_msg(EW_LOG_WARNING, "--config %s: line %d: %s", path,
		    d->line, err);
	return 1;
}

/* Settings, shut state and records of the file's ports: the count of
 * ports whose settings changed. */
static int
settle_ports(const struct cfg *c, struct plan *pl, const char *path)
{
	const struct cfg_port *d;
	struct port *p;
	size_t i;
	int changed = 0, ch;

	for (i = 0; i < c->n; i++) {
		d = &c->port[i];
		p = pl[i].made != NULL ? pl[i].made : pl[i].old;
		ch = d->kind != PORT_CLIENT && set_if(p, d, path);
		ch |= p->shut != d->shut;
		port_set_shut(p, d->shut);
		if (d->kind == PORT_CLIENT)
			rec_set(p->no, d, pl[i].pw, pl[i].has_pw);
		if (pl[i].made != NULL)
			log_msg(EW_LOG_INFO, "--config %s: port %d added: %s "
			    "%s", path, p->no, kind_word(p->kind), p->target);
		else if (ch) {
			log_msg(EW_LOG_INFO, "--config %s: port %d changed: "
			    "%s %s", path, p->no, kind_word(p->kind),
			    p->target);
			changed++;
		}
	}
	return changed;
}

/* The file's text into *c (err: why not). */
static int
load(const char *path, struct cfg *c, char *err, size_t errlen)
{
	char dir[CFG_PATH_MAX], *text;
	const char *slash = strrchr(path, '/');
	size_t len;
	int rc;

	rc = ew_file_load(path, CFG_FILE_MAX, &text, &len);
	if (rc < 0) {
		ew_file_why(rc, path, CFG_FILE_MAX, err, errlen);
		return -1;
	}
	ew_snprintf(dir, sizeof(dir), "%.*s", slash != NULL ?
	    (int)(slash - path) : 0, path);
	rc = cfg_parse(text, len, dir, c, err, errlen);
	free(text);
	return rc;
}

int
cfgrun_apply(const char *path, char *err, size_t errlen)
{
	struct cfg c;
	struct plan *pl;
	size_t i, added = 0;
	int deleted, changed;

	if (load(path, &c, err, errlen) < 0)
		return -1;
	if ((pl = calloc(c.n + 1, sizeof(*pl))) == NULL) {
		cfg_free(&c);
		ew_snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < c.n; i++)
		if (check_one(&c.port[i], &pl[i], err, errlen) < 0)
			break;
	if (i < c.n || make_ports(&c, pl, err, errlen) < 0) {
		plan_discard(pl, c.n);
		free(pl);
		cfg_free(&c);
		return -1;
	}
	deleted = delete_others(pl, c.n, path);
	changed = settle_ports(&c, pl, path);
	for (i = 0; i < c.n; i++)
		added += pl[i].made != NULL;
	rec_prune();
	log_msg(EW_LOG_INFO, "--config %s applied: %zu ports, %zu added, %d "
	    "deleted, %d changed", path, c.n, added, deleted < 0 ? 0 :
	    deleted, changed);
	free(pl);
	cfg_free(&c);
	return 0;
}

void
cfgrun_set_path(const char *path)
{
	config_path = path;
}

int
cfgrun_reload(char *err, size_t errlen)
{
	char why[512];

	if (config_path == NULL) {
		ew_snprintf(err, errlen, "the switch was started without "
		    "--config: no file to reload");
		return -1;
	}
	if (cfgrun_apply(config_path, why, sizeof(why)) == 0)
		return 0;
	ew_snprintf(err, errlen, "--config %s: %s (nothing changed)",
	    config_path, why);
	return -1;
}

/* ------------------------------------------------------------------ */
/* The dump */

/* The declaration of a running port, as the file would say it; 0, or
 * -1 for a port the file cannot hold (a server port). */
static int
port_decl(const struct port *p, struct cfg_port *d)
{
	const struct cfg_rec *r;
	int mtu = 0;

	memset(d, 0, sizeof(*d));
	d->kind = p->kind;
	d->shut = p->shut;
	if (p->kind == PORT_SERVER)
		return -1;
	if (p->kind == PORT_CLIENT) {
		if ((r = rec_find(p->no)) != NULL)
			*d = r->d;
		d->kind = PORT_CLIENT;
		d->shut = p->shut;
		opt_copy(d->target, sizeof(d->target), p->target);
		return 0;
	}
	opt_copy(d->target, sizeof(d->target), p->ifname);
	if (ifconf_get(p->ifname, d->address, d->netmask, &mtu) < 0)
		d->address[0] = d->netmask[0] = '\0';
	if (d->address[0] == '\0')
		d->netmask[0] = '\0';
	d->mtu = mtu >= MTU_MIN && mtu <= MTU_MAX ? mtu : 0;
	return 0;
}

/* One port's lines (a comment, then its declaration) into buf. */
static int
dump_port(const struct port *p, char *buf, size_t cap)
{
	const struct cfg_rec *r = rec_find(p->no);
	struct cfg_port d;
	int n = 0, m;

	if (port_decl(p, &d) < 0)
		return ew_snprintf(buf, cap, "# port %d: server %s (a tunnel "
		    "that came in: not part of a configuration)\n", p->no,
		    p->target);
	if (p->kind == PORT_CLIENT && r == NULL)
		n = ew_snprintf(buf, cap, "# port %d: its options are not "
		    "known here (added before they were kept)\n", p->no);
	else if (p->kind == PORT_CLIENT && r->has_pw && d.pwfile[0] == '\0') {
		n = ew_snprintf(buf, cap, "# port %d: its password is not "
		    "shown: put it on the first line of a file and name that "
		    "file with --pwfile\n", p->no);
		opt_copy(d.pwfile, sizeof(d.pwfile), "PASSWORD-FILE");
	}
	if (n < 0 || (size_t)n >= cap)
		return -1;
	m = cfg_format(&d, buf + n, cap - (size_t)n);
	return m < 0 ? -1 : n + m;
}

/* One port's lines at most: a comment and a declaration, every byte of
 * its texts possibly escaped. */
#define DUMP_ONE	(2 * (URL_MAX + CRED_MAX + 2 * CFG_PATH_MAX + \
			    CFG_PIN_MAX) + 512)

char *
cfgrun_dump(void)
{
	static const char head[] = "# etherws ports (etherws ctl dump): "
	    "etherws sw --config FILE applies them\n";
	static char one[DUMP_ONE];
	size_t cap = 4096, len = sizeof(head) - 1, i;
	struct port *p;
	char *buf, *nb;
	int n;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	memcpy(buf, head, len + 1);
	for (i = 0; (p = port_at(i)) != NULL; i++) {
		if ((n = dump_port(p, one, sizeof(one))) <= 0)
			continue;
		while (len + (size_t)n + 1 > cap) {
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		memcpy(buf + len, one, (size_t)n + 1);
		len += (size_t)n;
	}
	return buf;
}
