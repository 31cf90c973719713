/*
 * auth.c - HTTP Basic auth against an Apache htpasswd file, as
 * etherws 1.3 reads it.  Only {SHA} entries count: base64(SHA-1(password)), as
 * written by "htpasswd -s".  The file is re-read whenever it changes, so
 * an operator can edit it while we run: a change shows in its identity,
 * size, mtime or ctime (the ctime, which no one can set back, catches
 * an in-place edit whose mtime was restored).  A file read within
 * HTPASSWD_RACY_MS of its last change is read again at the next check,
 * since a second change in the same timestamp tick would look the same
 * (git's "racy clean" problem).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "auth.h"
#include "base64.h"
#include "defs.h"
#include "fmt.h"
#include "sha1.h"
#include "util.h"

struct ht_entry {
	const char	*user;		/* into the table's pool */
	size_t		 ulen;
	int		 ok;		/* value decoded to a 20-byte digest */
	uint8_t		 digest[20];
};

/* One parsed file: entries in file order, user names in pool. */
struct ht_table {
	struct ht_entry	*ent;
	size_t		 n;
	char		*pool;
};

struct htpasswd {
	char		*path;
	int		 loaded;	/* tab and seen are valid */
	struct stat	 seen;		/* the file tab was read from */
	int		 racy;		/* read soon after a change: again */
	uint64_t	 locked_since;	/* ms: a change waits for a lock */
	struct ht_table	 tab;
};

static void
ht_table_free(struct ht_table *t)
{
	free(t->ent);
	free(t->pool);
	memset(t, 0, sizeof(*t));
}

/* Python's str.strip() set, which the original trimmed lines with. */
static int
ht_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* Next line of (buf, len) from *pos, trimmed.  Returns 0 at the end. */
static int
ht_next_line(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *llen)
{
	const char *s, *e, *nl;

	if (*pos >= len)
		return 0;
	s = buf + *pos;
	nl = memchr(s, '\n', len - *pos);
	e = nl == NULL ? buf + len : nl;
	*pos = (size_t)(e - buf) + 1;
	while (s < e && ht_isspace((unsigned char)*s))
		s++;
	while (e > s && ht_isspace((unsigned char)e[-1]))
		e--;
	*line = s;
	*llen = (size_t)(e - s);
	return 1;
}

/*
 * Split a trimmed line at its first ':' into user and the base64 after
 * "{SHA}".  Returns 0 if the line is not a usable {SHA} entry.  Users of
 * CRED_MAX bytes or more are dropped: no credential can name them.
 */
static int
ht_split(const char *line, size_t llen, const char **user, size_t *ulen,
    const char **b64, size_t *blen)
{
	const char *colon;

	colon = memchr(line, ':', llen);
	if (colon == NULL)
		return 0;
	*user = line;
	*ulen = (size_t)(colon - line);
	*b64 = colon + 1;
	*blen = llen - *ulen - 1;
	if (*ulen >= CRED_MAX || *blen < 5 || memcmp(*b64, "{SHA}", 5) != 0)
		return 0;
	*b64 += 5;
	*blen -= 5;
	return 1;
}

/* Count {SHA} entries and their user bytes, to size the table. */
static void
ht_count(const char *buf, size_t len, size_t *n, size_t *ubytes)
{
	const char *line, *user, *b64;
	size_t pos = 0, llen, ulen, blen;

	*n = *ubytes = 0;
	while (ht_next_line(buf, len, &pos, &line, &llen))
		if (ht_split(line, llen, &user, &ulen, &b64, &blen)) {
			(*n)++;
			*ubytes += ulen;
		}
}

/*
 * Parse (buf, len) into t.  An entry whose value is not a canonical
 * 20-byte digest is kept but never matches: it still overrides an
 * earlier line for that user, as in the original.  Returns 0 or -errno.
 */
static int
ht_parse(const char *buf, size_t len, struct ht_table *t)
{
	const char *line, *user, *b64;
	size_t pos = 0, llen, ulen, blen, n, ubytes, i = 0, off = 0;
	struct ht_entry *e;

	memset(t, 0, sizeof(*t));
	ht_count(buf, len, &n, &ubytes);
	if (n > HTPASSWD_MAX_ENTRIES)
		return -EFBIG;
	t->ent = calloc(n + 1, sizeof(*t->ent));
	t->pool = malloc(ubytes + 1);
	if (t->ent == NULL || t->pool == NULL) {
		ht_table_free(t);
		return -ENOMEM;
	}
	while (ht_next_line(buf, len, &pos, &line, &llen) && i < n) {
		if (!ht_split(line, llen, &user, &ulen, &b64, &blen))
			continue;
		e = &t->ent[i++];
		memcpy(t->pool + off, user, ulen);
		e->user = t->pool + off;
		e->ulen = ulen;
		off += ulen;
		e->ok = base64_decode(e->digest, sizeof(e->digest), b64,
		    blen) == (long)sizeof(e->digest);
	}
	t->n = i;
	return 0;
}

static void
ht_error(char *err, size_t errlen, int e, const char *path)
{
	if (err == NULL || errlen == 0)
		return;
	ew_snprintf(err, errlen, "cannot read %s: %s", path, ew_strerror(e));
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int
ht_same_file(const struct htpasswd *h, const struct stat *st)
{
	const struct stat *o = &h->seen;

	return h->loaded && !h->racy && o->st_dev == st->st_dev &&
	    o->st_ino == st->st_ino && o->st_size == st->st_size &&
	    ts_eq(&o->st_mtim, &st->st_mtim) && ts_eq(&o->st_ctim, &st->st_ctim);
}

/* st changed less than HTPASSWD_RACY_MS ago (or in the future). */
static int
ht_is_racy(const struct stat *st)
{
	struct timespec now;
	const struct timespec *t = &st->st_ctim;
	int64_t ms;

	if (st->st_mtim.tv_sec > t->tv_sec || (st->st_mtim.tv_sec ==
	    t->tv_sec && st->st_mtim.tv_nsec > t->tv_nsec))
		t = &st->st_mtim;
	if (clock_gettime(CLOCK_REALTIME, &now) < 0)
		return 1;
	ms = ((int64_t)now.tv_sec - (int64_t)t->tv_sec) * 1000 +
	    ((int64_t)now.tv_nsec - (int64_t)t->tv_nsec) / 1000000;
	return ms < HTPASSWD_RACY_MS;
}

/* Replace h's table with the contents of fd (fstat'ed as st). */
static int
ht_reload(struct htpasswd *h, int fd, const struct stat *st, char *err,
    size_t errlen)
{
	struct ht_table t;
	size_t len = 0;
	char *buf = NULL;
	int rc;

	if (ew_file_load_fd(fd, (size_t)st->st_size, &buf, &len) < 0) {
		ht_error(err, errlen, errno, h->path);
		return -1;
	}
	rc = ht_parse(buf, len, &t);
	free(buf);
	if (rc < 0) {
		ht_error(err, errlen, -rc, h->path);
		return -1;
	}
	ht_table_free(&h->tab);
	h->tab = t;
	h->seen = *st;
	h->racy = ht_is_racy(st);
	h->loaded = 1;
	return 0;
}

/*
 * A writer that locks the file (flock LOCK_EX) is given up to
 * HTPASSWD_LOCK_MS to finish, meanwhile the last good table serves.
 * No longer: a local reader holding the lock must neither fail every
 * login nor keep a revoked user valid.  1: wait, keep the table.
 */
static int
ht_wait_lock(struct htpasswd *h, int fd)
{
	uint64_t now;

	if (!h->loaded || flock(fd, LOCK_SH | LOCK_NB) == 0 ||
	    errno != EWOULDBLOCK)
		return 0;
	now = ew_now_ms();
	if (h->locked_since == 0)
		h->locked_since = now;
	return now - h->locked_since < HTPASSWD_LOCK_MS;
}

/*
 * Bring h up to date with its file.  On failure the old table is
 * dropped, so nothing stale is trusted and the next call re-reads.
 * Returns 0 or -1 (err filled when err is not NULL).
 */
static int
ht_refresh(struct htpasswd *h, char *err, size_t errlen)
{
	struct stat st;
	size_t size;
	int fd, rc = 0;

	fd = ew_file_open(h->path, HTPASSWD_MAX_SIZE, &size);
	if (fd < 0) {
		if (err != NULL)
			ew_file_why(fd, h->path, HTPASSWD_MAX_SIZE, err,
			    errlen);
		rc = -1;
	} else if (fstat(fd, &st) < 0) {
		ht_error(err, errlen, errno, h->path);
		rc = -1;
	} else if (st.st_size > HTPASSWD_MAX_SIZE) {	/* grew since */
		if (err != NULL)
			ew_file_why(EW_FILE_TOOBIG, h->path,
			    HTPASSWD_MAX_SIZE, err, errlen);
		rc = -1;
	} else if (!ht_same_file(h, &st) && !ht_wait_lock(h, fd)) {
		h->locked_since = 0;
		rc = ht_reload(h, fd, &st, err, errlen);
	}
	if (fd >= 0)
		close(fd);	/* also drops the lock */
	if (rc < 0) {
		ht_table_free(&h->tab);
		h->loaded = 0;
	}
	return rc;
}

struct htpasswd *
htpasswd_open(const char *path, char *err, size_t errlen)
{
	struct htpasswd *h;

	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (h->path = strdup(path)) == NULL) {
		free(h);
		ht_error(err, errlen, ENOMEM, path);
		return NULL;
	}
	if (ht_refresh(h, err, errlen) < 0) {
		htpasswd_free(h);
		return NULL;
	}
	return h;
}

void
htpasswd_free(struct htpasswd *h)
{
	if (h == NULL)
		return;
	ht_table_free(&h->tab);
	free(h->path);
	free(h);
}

/*
 * Decode "Basic <b64>" into cred (cap bytes).  Returns the decoded
 * length or -1.  RFC 7235 allows several spaces after the scheme.
 */
static long
ht_decode_basic(const char *v, size_t len, uint8_t *cred, size_t cap)
{
	size_t i;

	if (len < 6 || !ew_strcaseeq(v, 5, "basic") || v[5] != ' ')
		return -1;
	for (i = 6; i < len && v[i] == ' '; i++)
		continue;
	return base64_decode(cred, cap, v + i, len - i);
}

/* Last {SHA} entry for user (later lines win), or NULL. */
static const struct ht_entry *
ht_lookup(const struct ht_table *t, const uint8_t *user, size_t ulen)
{
	size_t i;

	for (i = t->n; i-- > 0;)
		if (t->ent[i].ulen == ulen &&
		    memcmp(t->ent[i].user, user, ulen) == 0)
			return &t->ent[i];
	return NULL;
}

/* Match decoded "user:password" (cred, len) against the table. */
static int
ht_match(const struct ht_table *t, const uint8_t *cred, size_t len)
{
	const struct ht_entry *e;
	const uint8_t *colon;
	uint8_t digest[20];
	size_t ulen, plen;
	int ok;

	if ((colon = memchr(cred, ':', len)) == NULL)
		return 0;
	ulen = (size_t)(colon - cred);
	plen = len - ulen - 1;
	if (ulen >= CRED_MAX || plen >= CRED_MAX)
		return 0;
	/* Hash before the lookup: timing should not tell whether the
	 * user exists. */
	sha1(colon + 1, plen, digest);
	e = ht_lookup(t, cred, ulen);
	ok = e != NULL && e->ok && ew_ct_eq(e->digest, digest, sizeof(digest));
	explicit_bzero(digest, sizeof(digest));
	return ok;
}

int
htpasswd_check(struct htpasswd *h, const char *value, size_t len)
{
	uint8_t cred[2 * CRED_MAX];
	long n;
	int ok;

	if (h == NULL || value == NULL)
		return 0;
	if (ht_refresh(h, NULL, 0) < 0)
		return 0;
	n = ht_decode_basic(value, len, cred, sizeof(cred));
	if (n < 0)
		return 0;
	ok = ht_match(&h->tab, cred, (size_t)n);
	explicit_bzero(cred, sizeof(cred));
	return ok;
}

long
basic_auth_header(char *out, size_t cap, const char *user, const char *pass)
{
	uint8_t cred[2 * CRED_MAX];
	size_t ulen = strlen(user), plen = strlen(pass), n;

	if (ulen >= CRED_MAX || plen >= CRED_MAX)
		return -1;
	n = ulen + 1 + plen;
	if (cap < 6 + BASE64_ENC_LEN(n) + 1)
		return -1;
	memcpy(cred, user, ulen);
	cred[ulen] = ':';
	memcpy(cred + ulen + 1, pass, plen);
	memcpy(out, "Basic ", 6);
	n = base64_encode(out + 6, cred, n);
	explicit_bzero(cred, sizeof(cred));
	return (long)(6 + n);
}
