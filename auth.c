/*
 * auth.c - HTTP Basic auth against an Apache htpasswd file.  Entries in
 * the schemes operators make today are checked: "$apr1$" (md5-crypt,
 * what "htpasswd" writes by default; also crypt(3)'s "$1$"), bcrypt
 * "$2y$" ("htpasswd -B"; also "$2b$", "$2a$") up to a cost of
 * HTPASSWD_BCRYPT_COST_MAX, and unsalted "{SHA}" ("htpasswd -s", the
 * one scheme etherws 1.3 read).  An entry no check can accept (crypt(3)
 * DES, SHA-crypt "$5$"/"$6$", plain text, an unknown or malformed one,
 * a costlier bcrypt) is named by line and user in a warning each time
 * the file is loaded, never with its hash; it never matches, and as the
 * user's last line it locks the user out rather than letting an earlier
 * line's password in.  Later lines win, as in the original; blank lines
 * and "#" comments are skipped.  A user with no entry that can match
 * is checked against another (the decoy), so that timing does not tell
 * which users exist.
 *
 * The file is re-read whenever it changes, so an operator can edit it
 * while we run: a change shows in its identity, size, mtime or ctime
 * (the ctime, which no one can set back, catches an in-place edit whose
 * mtime was restored).  A re-read of the same content warns no more
 * (the SHA-1 of what was warned about is kept).  A file read within
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
#include "bcrypt.h"
#include "defs.h"
#include "errtext.h"
#include "file.h"
#include "fmt.h"
#include "md5.h"
#include "sha1.h"
#include "sys.h"
#include "util.h"

static void (*htpasswd_warn)(const char *msg);

void
htpasswd_set_warn(void (*warn)(const char *msg))
{
	htpasswd_warn = warn;
}

/* What an entry's hash is checked with; HT_NONE never matches. */
enum ht_scheme { HT_NONE, HT_SHA, HT_MD5, HT_BCRYPT };

struct ht_entry {
	const char	*user;		/* into the table's pool */
	size_t		 ulen;
	const char	*hash;		/* the text after ':', in the pool */
	size_t		 hlen;
	int		 scheme;	/* enum ht_scheme */
};

/* One parsed file: entries in file order, users and hashes in pool. */
struct ht_table {
	struct ht_entry	*ent;
	size_t		 n;
	char		*pool;
	const struct ht_entry *decoy;	/* checked for unknown users */
};

struct htpasswd {
	char		*path;
	int		 loaded;	/* tab and seen are valid */
	struct stat	 seen;		/* the file tab was read from */
	int		 racy;		/* read soon after a change: again */
	uint64_t	 locked_since;	/* ms: a change waits for a lock */
	struct ht_table	 tab;
	uint8_t		 said[20];	/* SHA-1 of the content warned
					 * about: a re-read of the same
					 * (racy, touched) repeats nothing */
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

/* The parse's current line, split at its first ':'. */
struct ht_line {
	const char	*user, *hash;
	size_t		 ulen, hlen;
	int		 no;		/* line number, from 1 */
	int		 bad;		/* lines that cannot match so far */
};

enum { HT_SKIP, HT_ENTRY, HT_NOCOLON, HT_LONGUSER };

/*
 * Classify a trimmed line: HT_SKIP (blank, or a "#" comment),
 * HT_ENTRY (user:hash, in l), HT_NOCOLON, or HT_LONGUSER (a user of
 * CRED_MAX bytes or more, which no credential can name: dropped).
 */
static int
ht_split(const char *line, size_t llen, struct ht_line *l)
{
	const char *colon;

	if (llen == 0 || line[0] == '#')
		return HT_SKIP;
	if ((colon = memchr(line, ':', llen)) == NULL)
		return HT_NOCOLON;
	l->user = line;
	l->ulen = (size_t)(colon - line);
	l->hash = colon + 1;
	l->hlen = llen - l->ulen - 1;
	return l->ulen >= CRED_MAX ? HT_LONGUSER : HT_ENTRY;
}

/* Count entries and their user and hash bytes, to size the table. */
static void
ht_count(const char *buf, size_t len, size_t *n, size_t *bytes)
{
	const char *line;
	size_t pos = 0, llen;
	struct ht_line l;

	*n = *bytes = 0;
	while (ht_next_line(buf, len, &pos, &line, &llen))
		if (ht_split(line, llen, &l) == HT_ENTRY) {
			(*n)++;
			*bytes += l.ulen + l.hlen;
		}
}

static int
ht_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

/* A character of crypt(3)'s base64, "./0-9A-Za-z". */
static int
ht_c64(int c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
ht_all_c64(const char *s, size_t n)
{
	while (n > 0)
		if (!ht_c64((unsigned char)s[--n]))
			return 0;
	return 1;
}

/*
 * Split an md5-crypt hash "<magic><salt>$<22 characters>" (salt of at
 * most MD5_CRYPT_SALT_MAX characters, no '$').  0 if malformed.
 */
static int
ht_md5_split(const char *s, size_t len, const char **magic,
    const char **salt, size_t *slen, const char **hash)
{
	const char *end;
	size_t m;

	*magic = ht_prefix(s, len, "$apr1$") ? "$apr1$" : "$1$";
	if (!ht_prefix(s, len, *magic))
		return 0;
	m = strlen(*magic);
	if ((end = memchr(s + m, '$', len - m)) == NULL)
		return 0;
	*salt = s + m;
	*slen = (size_t)(end - *salt);
	*hash = end + 1;
	return *slen <= MD5_CRYPT_SALT_MAX &&
	    (size_t)(s + len - *hash) == MD5_CRYPT_HASH_LEN &&
	    ht_all_c64(*hash, MD5_CRYPT_HASH_LEN);
}

/*
 * The scheme of hash (s, len); for HT_NONE, why into (why, cap): the
 * scheme's name at most, never a byte of the hash.
 */
static int
ht_scheme(const char *s, size_t len, char *why, size_t cap)
{
	const char *magic, *salt, *hash;
	uint8_t d[20];
	size_t slen;
	int cost;

	if (ht_prefix(s, len, "{SHA}")) {
		if (base64_decode(d, sizeof(d), s + 5, len - 5) == 20)
			return HT_SHA;
		ew_snprintf(why, cap, "malformed {SHA} entry");
	} else if (ht_prefix(s, len, "$apr1$") || ht_prefix(s, len, "$1$")) {
		if (ht_md5_split(s, len, &magic, &salt, &slen, &hash))
			return HT_MD5;
		ew_snprintf(why, cap, "malformed MD5 (%s) entry", magic);
	} else if (ht_prefix(s, len, "$2")) {
		if ((cost = bcrypt_cost(s, len)) < 0)
			ew_snprintf(why, cap, "malformed or unknown bcrypt "
			    "entry (we read $2y$, $2b$, $2a$)");
		else if (cost > HTPASSWD_BCRYPT_COST_MAX)
			ew_snprintf(why, cap, "bcrypt cost %d is over %d, "
			    "which every login attempt would pay", cost,
			    HTPASSWD_BCRYPT_COST_MAX);
		else
			return HT_BCRYPT;
	} else if (ht_prefix(s, len, "$5$") || ht_prefix(s, len, "$6$")) {
		ew_snprintf(why, cap, "SHA-crypt ($%s$) is not supported",
		    s[1] == '5' ? "5" : "6");
	} else if (len == 13 && ht_all_c64(s, len)) {
		ew_snprintf(why, cap, "crypt(3) DES is not supported");
	} else if (ht_prefix(s, len, "$")) {
		ew_snprintf(why, cap, "unknown $id$ scheme");
	} else {
		ew_snprintf(why, cap, "plain text or an unknown scheme");
	}
	return HT_NONE;
}

/* (s, n) as printable ASCII (others as '?') into out (cap > 0 bytes). */
static void
ht_printable(char *out, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

/* Warn about line l of path: kind (HT_NOCOLON, ...) or why. */
static void
ht_warn_line(const char *path, const struct ht_line *l, int kind,
    const char *why)
{
	char msg[LOG_MSG_MAX], user[CRED_MAX];

	if (htpasswd_warn == NULL || path == NULL ||
	    l->bad > HTPASSWD_WARN_MAX)
		return;
	if (l->bad == HTPASSWD_WARN_MAX) {
		ew_snprintf(msg, sizeof(msg), "htpasswd %s: more lines from "
		    "line %d on that never match, not named", path, l->no);
	} else if (kind == HT_NOCOLON) {
		ew_snprintf(msg, sizeof(msg), "htpasswd %s line %d: not "
		    "user:hash, ignored", path, l->no);
	} else if (kind == HT_LONGUSER) {
		ew_snprintf(msg, sizeof(msg), "htpasswd %s line %d: user name "
		    "of %d bytes or more, ignored", path, l->no, CRED_MAX);
	} else {
		ht_printable(user, sizeof(user), l->user, l->ulen);
		ew_snprintf(msg, sizeof(msg), "htpasswd %s line %d: user %s: "
		    "%s; this entry never matches", path, l->no, user, why);
	}
	htpasswd_warn(msg);
}

/* ht_warn_line, counting: the first HTPASSWD_WARN_MAX lines are named. */
static void
ht_bad_line(const char *path, struct ht_line *l, int kind, const char *why)
{
	ht_warn_line(path, l, kind, why);
	l->bad++;
}

/* Entry i of t from line l, its user and hash copied to the pool at *off. */
static void
ht_add(struct ht_table *t, struct ht_line *l, size_t *off, const char *path)
{
	struct ht_entry *e = &t->ent[t->n++];
	char why[128];

	memcpy(t->pool + *off, l->user, l->ulen);
	e->user = t->pool + *off;
	e->ulen = l->ulen;
	*off += l->ulen;
	memcpy(t->pool + *off, l->hash, l->hlen);
	e->hash = t->pool + *off;
	e->hlen = l->hlen;
	*off += l->hlen;
	e->scheme = ht_scheme(l->hash, l->hlen, why, sizeof(why));
	if (e->scheme == HT_NONE)
		ht_bad_line(path, l, HT_ENTRY, why);
	else
		t->decoy = e;
}

/*
 * Parse (buf, len) into t, warning about each line that cannot work
 * (path NULL: quietly).  An entry that never matches still overrides an earlier line for its
 * user.  Returns 0 or -errno.
 */
static int
ht_parse(const char *buf, size_t len, const char *path, struct ht_table *t)
{
	const char *line;
	size_t pos = 0, llen, n, bytes, off = 0;
	struct ht_line l;
	int kind;

	memset(t, 0, sizeof(*t));
	ht_count(buf, len, &n, &bytes);
	if (n > HTPASSWD_MAX_ENTRIES)
		return -EFBIG;
	t->ent = calloc(n + 1, sizeof(*t->ent));
	t->pool = malloc(bytes + 1);
	if (t->ent == NULL || t->pool == NULL) {
		ht_table_free(t);
		return -ENOMEM;
	}
	l.no = l.bad = 0;
	while (ht_next_line(buf, len, &pos, &line, &llen)) {
		l.no++;
		kind = ht_split(line, llen, &l);
		if (kind == HT_ENTRY && t->n < n)
			ht_add(t, &l, &off, path);
		else if (kind != HT_SKIP && kind != HT_ENTRY)
			ht_bad_line(path, &l, kind, NULL);
	}
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
	uint8_t digest[20];
	size_t len = 0;
	char *buf = NULL;
	int rc, same;

	if (ew_file_load_fd(fd, (size_t)st->st_size, &buf, &len) < 0) {
		ht_error(err, errlen, errno, h->path);
		return -1;
	}
	sha1(buf, len, digest);
	same = memcmp(digest, h->said, sizeof(digest)) == 0;
	memcpy(h->said, digest, sizeof(digest));
	rc = ht_parse(buf, len, same ? NULL : h->path, &t);
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

/* Last entry for user (later lines win), or NULL. */
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

/* Does password (pw, plen) match e?  Compared in constant time. */
static int
ht_verify(const struct ht_entry *e, const uint8_t *pw, size_t plen)
{
	char enc[BASE64_ENC_LEN(20) + 1], out[MD5_CRYPT_HASH_LEN];
	const char *magic, *salt, *hash;
	uint8_t digest[20];
	size_t slen;
	int ok = 0;

	if (e->scheme == HT_SHA) {
		sha1(pw, plen, digest);
		base64_encode(enc, digest, sizeof(digest));
		ok = e->hlen == 5 + 28 && ew_ct_eq(enc, e->hash + 5, 28);
	} else if (e->scheme == HT_MD5 && ht_md5_split(e->hash, e->hlen,
	    &magic, &salt, &slen, &hash)) {
		md5_crypt(pw, plen, magic, salt, slen, out);
		ok = ew_ct_eq(out, hash, MD5_CRYPT_HASH_LEN);
	} else if (e->scheme == HT_BCRYPT) {
		ok = bcrypt_check(pw, plen, e->hash, e->hlen);
	}
	explicit_bzero(digest, sizeof(digest));
	explicit_bzero(enc, sizeof(enc));
	explicit_bzero(out, sizeof(out));
	return ok;
}

/*
 * Match decoded "user:password" (cred, len) against the table.  A user
 * without a usable entry still pays for a check, of the decoy (the last
 * usable entry): timing should not tell which users exist.
 */
static int
ht_match(const struct ht_table *t, const uint8_t *cred, size_t len)
{
	const struct ht_entry *e;
	const uint8_t *colon;
	size_t ulen, plen;

	if ((colon = memchr(cred, ':', len)) == NULL)
		return 0;
	ulen = (size_t)(colon - cred);
	plen = len - ulen - 1;
	if (ulen >= CRED_MAX || plen >= CRED_MAX)
		return 0;
	e = ht_lookup(t, cred, ulen);
	if (e != NULL && e->scheme != HT_NONE)
		return ht_verify(e, colon + 1, plen);
	if (t->decoy != NULL)
		(void)ht_verify(t->decoy, colon + 1, plen);
	return 0;
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
