/*
 * ctlallow.c - the users a control request from this host may come
 * from: root, the user the switch runs as, and the users and groups of
 * --ctlallow, resolved at start-up into one list of uids.  The files
 * are read with file.h's bounded reader; no NSS, no blocking at run
 * time (the check is a search of a short array).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlallow.h"
#include "defs.h"
#include "file.h"
#include "fmt.h"

static uint32_t	 allowed[CTLALLOW_MAX];
static size_t	 nallowed;

/* /etc/passwd and /etc/group, loaded on first need. */
struct db {
	const char	*path;
	char		*buf;
	size_t		 len;
};

static struct db passwd_db = { "/etc/passwd", NULL, 0 };
static struct db group_db = { "/etc/group", NULL, 0 };

/* opt: the option that needs it, for the error */
static int
db_load(struct db *d, const char *opt, char *err, size_t errlen)
{
	int rc, n, e;

	if (d->buf != NULL)
		return 0;
	rc = ew_file_load(d->path, ACCOUNTS_FILE_MAX, &d->buf, &d->len);
	if (rc < 0) {
		e = errno;
		n = ew_snprintf(err, errlen, "--%s: ", opt);
		errno = e;
		if (n > 0 && (size_t)n < errlen)
			ew_file_why(rc, d->path, ACCOUNTS_FILE_MAX, err + n,
			    errlen - (size_t)n);
		return 1;
	}
	return 0;
}

/* Field k of the colon-separated line (l, n): 1 and (*f, *fn), or 0. */
static int
field(const char *l, size_t n, int k, const char **f, size_t *fn)
{
	const char *e, *end = l + n;

	for (; k > 0; k--) {
		if ((e = memchr(l, ':', (size_t)(end - l))) == NULL)
			return 0;
		l = e + 1;
	}
	e = memchr(l, ':', (size_t)(end - l));
	*f = l;
	*fn = (size_t)((e != NULL ? e : end) - l);
	return 1;
}

/* A decimal id (no sign, no leading junk) below 2^32 - 1. */
static int
parse_id(const char *s, size_t n, uint32_t *id)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= 0xffffffffULL)
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Next line of d from *pos: 1 and (*l, *n), or 0 at the end. */
static int
db_line(const struct db *d, size_t *pos, const char **l, size_t *n)
{
	const char *nl;

	if (*pos >= d->len)
		return 0;
	*l = d->buf + *pos;
	nl = memchr(*l, '\n', d->len - *pos);
	*n = nl != NULL ? (size_t)(nl - *l) : d->len - *pos;
	*pos += *n + 1;
	return 1;
}

/* The line of d whose field 0 is name (or, name NULL, whose field 2 is
 * id): 1 and (*l, *n), or 0. */
static int
db_find(const struct db *d, const char *name, size_t nlen, uint32_t id,
    const char **l, size_t *n)
{
	const char *f;
	size_t pos = 0, fn;
	uint32_t v;

	while (db_line(d, &pos, l, n))
		if (name != NULL ? field(*l, *n, 0, &f, &fn) && fn == nlen &&
		    memcmp(f, name, nlen) == 0 : field(*l, *n, 2, &f, &fn) &&
		    parse_id(f, fn, &v) == 0 && v == id)
			return 1;
	return 0;
}

static int
add_uid(uint32_t uid, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < nallowed; i++)
		if (allowed[i] == uid)
			return 0;
	if (nallowed == CTLALLOW_MAX) {
		ew_snprintf(err, errlen, "invalid --ctlallow: more than %d "
		    "users (with the groups' members)", CTLALLOW_MAX);
		return 2;
	}
	allowed[nallowed++] = uid;
	return 0;
}

/* User (name, n): a number, or a name in /etc/passwd. */
static int
add_user(const char *name, size_t n, char *err, size_t errlen)
{
	const char *l, *f;
	size_t ln, fn;
	uint32_t uid;
	int rc;

	if (parse_id(name, n, &uid) == 0)
		return add_uid(uid, err, errlen);
	if ((rc = db_load(&passwd_db, "ctlallow", err, errlen)) != 0)
		return rc;
	if (!db_find(&passwd_db, name, n, 0, &l, &ln) ||
	    !field(l, ln, 2, &f, &fn) || parse_id(f, fn, &uid) < 0) {
		ew_snprintf(err, errlen, "invalid --ctlallow: no user %.*s in "
		    "/etc/passwd (a user name there or a uid)", (int)n, name);
		return 2;
	}
	return add_uid(uid, err, errlen);
}

/* Group (name, n), a number or a name in /etc/group: its members and
 * the users whose primary group it is. */
static int
add_group(const char *name, size_t n, char *err, size_t errlen)
{
	const char *l, *f, *m, *e, *u;
	size_t ln, fn, un, pos = 0;
	uint32_t gid = 0, uid;
	int rc, found, numeric = parse_id(name, n, &gid) == 0;

	if ((rc = db_load(&group_db, "ctlallow", err, errlen)) != 0 ||
	    (rc = db_load(&passwd_db, "ctlallow", err, errlen)) != 0)
		return rc;
	found = db_find(&group_db, numeric ? NULL : name, n, gid, &l, &ln);
	if (!numeric && (!found || !field(l, ln, 2, &f, &fn) ||
	    parse_id(f, fn, &gid) < 0)) {
		ew_snprintf(err, errlen, "invalid --ctlallow: no group %.*s in "
		    "/etc/group (@ and a group name there or a gid)", (int)n,
		    name);
		return 2;
	}
	/* Members by name; one /etc/passwd no longer knows is skipped. */
	if (found && field(l, ln, 3, &m, &fn))
		for (e = m + fn; m < e; m = f + 1) {
			if ((f = memchr(m, ',', (size_t)(e - m))) == NULL)
				f = e;
			if (f > m && db_find(&passwd_db, m, (size_t)(f - m), 0,
			    &u, &un) && field(u, un, 2, &u, &un) &&
			    parse_id(u, un, &uid) == 0 &&
			    (rc = add_uid(uid, err, errlen)) != 0)
				return rc;
		}
	while (db_line(&passwd_db, &pos, &l, &ln))
		if (field(l, ln, 3, &f, &fn) && parse_id(f, fn, &uid) == 0 &&
		    uid == gid && field(l, ln, 2, &f, &fn) &&
		    parse_id(f, fn, &uid) == 0 &&
		    (rc = add_uid(uid, err, errlen)) != 0)
			return rc;
	return 0;
}

int
ctlallow_init(const char *spec, char *err, size_t errlen)
{
	const char *p, *e;
	int rc = 0;

	nallowed = 0;
	add_uid(0, err, errlen);
	add_uid((uint32_t)geteuid(), err, errlen);
	for (p = spec; p != NULL && rc == 0; p = *e != '\0' ? e + 1 : NULL) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (e == p || (*p == '@' && e == p + 1)) {
			ew_snprintf(err, errlen, "invalid --ctlallow %s: an "
			    "empty item (USER or @GROUP, comma-separated)", spec);
			rc = 2;
		} else if (*p == '@')
			rc = add_group(p + 1, (size_t)(e - p - 1), err, errlen);
		else
			rc = add_user(p, (size_t)(e - p), err, errlen);
	}
	free(passwd_db.buf);
	free(group_db.buf);
	passwd_db.buf = group_db.buf = NULL;
	return rc;
}

int
ctlallow_uid(uint32_t uid)
{
	size_t i;

	for (i = 0; i < nallowed; i++)
		if (allowed[i] == uid)
			return 1;
	return 0;
}

int
accounts_user(const char *name, uint32_t *uid, uint32_t *gid, char *err,
    size_t errlen)
{
	const char *l, *f;
	size_t ln, fn, n = strlen(name);
	int rc, found;

	if ((rc = db_load(&passwd_db, "user", err, errlen)) != 0)
		return rc;
	found = parse_id(name, n, uid) == 0 ?
	    db_find(&passwd_db, NULL, 0, *uid, &l, &ln) :
	    db_find(&passwd_db, name, n, 0, &l, &ln);
	if (!found || !field(l, ln, 2, &f, &fn) || parse_id(f, fn, uid) < 0 ||
	    !field(l, ln, 3, &f, &fn) || parse_id(f, fn, gid) < 0) {
		ew_snprintf(err, errlen, "invalid --user %s: no such user in "
		    "/etc/passwd (a user name there or a uid)", name);
		rc = 2;
	}
	free(passwd_db.buf);
	passwd_db.buf = NULL;
	return rc;
}
