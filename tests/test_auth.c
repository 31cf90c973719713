/*
 * test_auth.c - htpasswd loading and Basic auth checks against files
 * written by the real htpasswd(1) (apache2-utils) in a temp directory:
 * its default "$apr1$", -B bcrypt and -s {SHA}; fixed hashes of each
 * scheme; entries that never match (crypt DES, SHA-crypt, plain text,
 * malformed ones of every kind) and the load warnings that name them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "auth.h"
#include "base64.h"
#include "defs.h"
#include "fmt.h"
#include "sha1.h"
#include "t.h"

static char tmpdir[] = "/tmp/ew_test_auth.XXXXXX";
static char hpath[64];

/* The warnings of the loads since warn_reset(), one per line. */
static char warns[16384];
static int nwarns;

static void
warn_capture(const char *msg)
{
	size_t n = strlen(warns);

	nwarns++;
	snprintf(warns + n, sizeof(warns) - n, "%s\n", msg);
}

static void
warn_reset(void)
{
	warns[0] = '\0';
	nwarns = 0;
}

/* The warnings contain this line (path "<hpath>" replaced). */
static int
warned(int line, const char *rest)
{
	char want[1024];

	snprintf(want, sizeof(want), "htpasswd %s line %d: %s\n", hpath,
	    line, rest);
	if (strstr(warns, want) != NULL)
		return 1;
	fprintf(stderr, "no warning \"%s\" in:\n%s", want, warns);
	return 0;
}

static void
run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command built from fmt; failure aborts the test. */
static void
run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		exit(2);
	}
}

/* Give the file a distinct mtime, so the reload never depends on the
 * filesystem's timestamp granularity. */
static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	if (utimensat(AT_FDCWD, path, ts, 0) < 0) {
		perror("utimensat");
		exit(2);
	}
}

/* Build the header for user:pass and check it. */
static int
check(struct htpasswd *h, const char *user, const char *pass)
{
	char hdr[1024];
	long n;

	n = basic_auth_header(hdr, sizeof(hdr), user, pass);
	if (n < 0)
		return -1;
	return htpasswd_check(h, hdr, (size_t)n);
}

/* Check a literal header value. */
static int
check_raw(struct htpasswd *h, const char *v)
{
	return htpasswd_check(h, v, strlen(v));
}

static void
test_header(void)
{
	char out[64];
	char big[CRED_MAX + 1];
	static const char want[] = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";

	/* RFC 7617 section 2 example. */
	CHECK(basic_auth_header(out, sizeof(out), "Aladdin", "open sesame") ==
	    (long)strlen(want));
	CHECK(strcmp(out, want) == 0);
	CHECK(basic_auth_header(out, strlen(want) + 1, "Aladdin",
	    "open sesame") == (long)strlen(want));
	CHECK(basic_auth_header(out, strlen(want), "Aladdin",
	    "open sesame") == -1);
	CHECK(basic_auth_header(out, sizeof(out), "", "") == 10);
	CHECK(strcmp(out, "Basic Og==") == 0);
	memset(big, 'u', CRED_MAX);
	big[CRED_MAX] = '\0';
	CHECK(basic_auth_header(out, sizeof(out), big, "p") == -1);
}

static void
test_basic(void)
{
	struct htpasswd *h;
	char err[256];

	run("htpasswd -b -s -c '%s' alice secret 2>/dev/null", hpath);
	run("htpasswd -b -s '%s' bob 'pa:ss:word' 2>/dev/null", hpath);
	run("htpasswd -b -B '%s' carol bcrypted 2>/dev/null", hpath);
	run("htpasswd -b -m '%s' dave md5ed 2>/dev/null", hpath);
	run("htpasswd -b '%s' erin default 2>/dev/null", hpath);
	run("htpasswd -b -B -C 4 '%s' frank 'pa:ss w0rd' 2>/dev/null", hpath);
	run("htpasswd -b -d '%s' gina crypted 2>/dev/null", hpath);
	run("htpasswd -b -p '%s' hal plain 2>/dev/null", hpath);
	warn_reset();
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "alice", "secret") == 1);
	CHECK(check(h, "alice", "Secret") == 0);
	CHECK(check(h, "alice", "secret ") == 0);
	CHECK(check(h, "alice", "") == 0);
	CHECK(check(h, "Alice", "secret") == 0);
	CHECK(check(h, "alic", "secret") == 0);
	CHECK(check(h, "mallory", "secret") == 0);
	/* Passwords may contain ':'; the split is at the first one. */
	CHECK(check(h, "bob", "pa:ss:word") == 1);
	CHECK(check(h, "bob", "pa") == 0);
	CHECK(check(h, "bob", "pa:ss:wor") == 0);
	/* bcrypt (-B), MD5 (-m, and the default: $apr1$). */
	CHECK(check(h, "carol", "bcrypted") == 1);
	CHECK(check(h, "carol", "bcrypteD") == 0);
	CHECK(check(h, "carol", "") == 0);
	CHECK(check(h, "dave", "md5ed") == 1);
	CHECK(check(h, "dave", "md5e") == 0);
	CHECK(check(h, "erin", "default") == 1);
	CHECK(check(h, "erin", "defaulT") == 0);
	CHECK(check(h, "frank", "pa:ss w0rd") == 1);
	CHECK(check(h, "frank", "pa:ss") == 0);
	/* crypt(3) DES (-d) and plain text (-p): never, and said at load. */
	CHECK(check(h, "gina", "crypted") == 0);
	CHECK(check(h, "hal", "plain") == 0);
	CHECK(nwarns == 2);
	CHECK(warned(7, "user gina: crypt(3) DES is not supported; "
	    "this entry never matches"));
	CHECK(warned(8, "user hal: plain text or an unknown scheme; "
	    "this entry never matches"));
	/* Never the hash or the password. */
	CHECK(strstr(warns, "plain") == strstr(warns, "plain text"));
	CHECK(strstr(warns, "crypted") == NULL);
	htpasswd_free(h);
}

static void
test_scheme(void)
{
	struct htpasswd *h;
	char err[256];

	/* alice:secret = YWxpY2U6c2VjcmV0 */
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check_raw(h, "Basic YWxpY2U6c2VjcmV0") == 1);
	CHECK(check_raw(h, "basic YWxpY2U6c2VjcmV0") == 1);
	CHECK(check_raw(h, "BASIC YWxpY2U6c2VjcmV0") == 1);
	CHECK(check_raw(h, "bAsIc YWxpY2U6c2VjcmV0") == 1);
	CHECK(check_raw(h, "Basic  YWxpY2U6c2VjcmV0") == 1);
	/* Missing or wrong scheme. */
	CHECK(check_raw(h, "YWxpY2U6c2VjcmV0") == 0);
	CHECK(check_raw(h, "BasicYWxpY2U6c2VjcmV0") == 0);
	CHECK(check_raw(h, "Bearer YWxpY2U6c2VjcmV0") == 0);
	CHECK(check_raw(h, "Basics YWxpY2U6c2VjcmV0") == 0);
	CHECK(check_raw(h, "Basic") == 0);
	CHECK(check_raw(h, "Basic ") == 0);
	CHECK(check_raw(h, "") == 0);
	CHECK(htpasswd_check(h, NULL, 0) == 0);
	CHECK(htpasswd_check(NULL, "Basic YWxpY2U6c2VjcmV0", 22) == 0);
	/* Bad base64. */
	CHECK(check_raw(h, "Basic YWxpY2U6c2VjcmV0=") == 0);
	CHECK(check_raw(h, "Basic YWxpY2U6c2VjcmV0 ") == 0);
	CHECK(check_raw(h, "Basic YWxpY2U6c2Vjc mV0") == 0);
	CHECK(check_raw(h, "Basic YWxpY2U6c2VjcmV!") == 0);
	CHECK(check_raw(h, "Basic YWxpY2U6c2VjcmV1") == 0);
	CHECK(check_raw(h, "Basic YWxpY2U-c2VjcmV0") == 0);
	/* Decodes, but has no ':' ("alicesecret"). */
	CHECK(check_raw(h, "Basic YWxpY2VzZWNyZXQ=") == 0);
	/* Only len bytes count: a valid header cut short fails. */
	CHECK(htpasswd_check(h, "Basic YWxpY2U6c2VjcmV0", 21) == 0);
	htpasswd_free(h);
}

static void
test_duplicates(void)
{
	struct htpasswd *h;
	char err[256];

	/* -n prints "user:hash" and a blank line; blank lines are fine. */
	run("htpasswd -nbs alice old > '%s'", hpath);
	run("htpasswd -nbs alice new >> '%s'", hpath);
	run("htpasswd -nbs bob one >> '%s'", hpath);
	/* A later line in another scheme wins too. */
	run("htpasswd -nbm bob two >> '%s'", hpath);
	/* Surrounding whitespace and CRLF are trimmed. */
	run("printf '  %%s  \\r\\n' \"$(htpasswd -nbs carol crlf)\" >> '%s'",
	    hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "alice", "old") == 0);
	CHECK(check(h, "alice", "new") == 1);
	CHECK(check(h, "bob", "one") == 0);
	CHECK(check(h, "bob", "two") == 1);
	CHECK(check(h, "carol", "crlf") == 1);
	htpasswd_free(h);

	/* A later {SHA} line with a broken digest still wins: it locks the
	 * user out rather than resurrecting the earlier password. */
	run("echo 'alice:{SHA}not-base64' >> '%s'", hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "alice", "new") == 0);
	CHECK(check(h, "carol", "crlf") == 1);
	htpasswd_free(h);

	/* So does a later line in a scheme we cannot check. */
	run("echo 'carol:$6$salt$hash' >> '%s'", hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "carol", "crlf") == 0);
	CHECK(check(h, "bob", "two") == 1);
	htpasswd_free(h);
}

#define NEVER	"; this entry never matches"
#define BC5	"05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"

/* Fixed hashes of each scheme, and every kind of entry that never
 * matches, each named with its line in one warning per load. */
static void
test_schemes(void)
{
	static const char *const lines[] = {
		"# a comment, user:{SHA}x, is skipped",
		"",
		"sha:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",	/* secret */
		"apr:$apr1$xxxxxxxx$dxHfLAsjHkDRmG83UXe8K0",	/* password */
		"md5:$1$saltstri$qQY4WxjABChYG1ccLpfkz/",	/* password */
		"b2a:$2a$" BC5, "b2b:$2b$" BC5, "b2y:$2y$" BC5,	/* U*U */
		"m9:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ",		/* no pad */
		"m10:$apr1$xxxxxxxx$dxHfLAsjHkDRmG83UXe8K",	/* short */
		"m11:$apr1$xxxxxxxxx$dxHfLAsjHkDRmG83UXe8K0",	/* salt 9 */
		"m12:$apr1$xxxxxxxx",
		"m13:$apr1$xxxxxxxx$dxHfLAsjHkDRmG83UXe8K!",
		"m14:$2y$05$CCCCCCCCCCCCCCCCCCCCC",
		"m15:$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"m16:$2y$13$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"m17:$2x$" BC5,
		"m18:$5$rounds=5000$salt$hash",
		"m19:$6$salt$hash",
		"m20:$y$j9T$salt$hash",
		"m21:abcdefghijklm",
		"justtext",
		NULL,		/* a user of CRED_MAX bytes */
		NULL,		/* an apr1 hash 1000 characters long */
		"m25:",
		"us\001er:plain",
	};
	static const char *const want[] = {
		"user m9: malformed {SHA} entry" NEVER,
		"user m10: malformed MD5 ($apr1$) entry" NEVER,
		"user m11: malformed MD5 ($apr1$) entry" NEVER,
		"user m12: malformed MD5 ($apr1$) entry" NEVER,
		"user m13: malformed MD5 ($apr1$) entry" NEVER,
		"user m14: malformed or unknown bcrypt entry (we read $2y$, "
		    "$2b$, $2a$)" NEVER,
		"user m15: malformed or unknown bcrypt entry (we read $2y$, "
		    "$2b$, $2a$)" NEVER,
		"user m16: bcrypt cost 13 is over 12, which every login "
		    "attempt would pay" NEVER,
		"user m17: malformed or unknown bcrypt entry (we read $2y$, "
		    "$2b$, $2a$)" NEVER,
		"user m18: SHA-crypt ($5$) is not supported" NEVER,
		"user m19: SHA-crypt ($6$) is not supported" NEVER,
		"user m20: unknown $id$ scheme" NEVER,
		"user m21: crypt(3) DES is not supported" NEVER,
		"not user:hash, ignored",
		"user name of 256 bytes or more, ignored",
		"user m24: malformed MD5 ($apr1$) entry" NEVER,
		"user m25: plain text or an unknown scheme" NEVER,
		"user us?er: plain text or an unknown scheme" NEVER,
	};
	char err[256], user[CRED_MAX + 1];
	struct htpasswd *h;
	size_t i;
	FILE *f;
	int n;

	CHECK(HTPASSWD_BCRYPT_COST_MAX == 12);	/* m16's warning */
	if ((f = fopen(hpath, "w")) == NULL)
		exit(2);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (i == 22)
			fprintf(f, "%0*d:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n",
			    CRED_MAX, 0);
		else if (i == 23)
			fprintf(f, "m24:$apr1$xxxxxxxx$%01000d\n", 0);
		else
			fprintf(f, "%s\n", lines[i]);
	}
	fclose(f);
	warn_reset();
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "sha", "secret") == 1);
	CHECK(check(h, "apr", "password") == 1);
	CHECK(check(h, "md5", "password") == 1);
	CHECK(check(h, "b2a", "U*U") == 1);
	CHECK(check(h, "b2b", "U*U") == 1);
	CHECK(check(h, "b2y", "U*U") == 1);
	CHECK(check(h, "sha", "Secret") == 0);
	CHECK(check(h, "apr", "passwor") == 0);
	CHECK(check(h, "md5", "password ") == 0);
	CHECK(check(h, "b2y", "U*U*") == 0);
	CHECK(check(h, "b2y", "") == 0);
	/* The malformed ones, with the passwords their intact forms take. */
	CHECK(check(h, "m9", "secret") == 0);
	CHECK(check(h, "m10", "password") == 0);
	CHECK(check(h, "m11", "password") == 0);
	CHECK(check(h, "m14", "U*U") == 0);
	CHECK(check(h, "m15", "U*U") == 0);
	CHECK(check(h, "m16", "U*U") == 0);
	CHECK(check(h, "m17", "U*U") == 0);
	CHECK(check(h, "m21", "abcdefghijklm") == 0);
	CHECK(check(h, "m25", "") == 0);
	CHECK(check(h, "justtext", "") == 0);
	snprintf(user, sizeof(user), "%0*d", CRED_MAX - 1, 0);
	CHECK(check(h, user, "secret") == 0);
	CHECK(nwarns == (int)(sizeof(want) / sizeof(want[0])));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(warned((int)i + 9, want[i]));
	/* Never a byte of a hash. */
	CHECK(strstr(warns, "salt") == NULL && strstr(warns, "CCCC") ==
	    NULL && strstr(warns, "xxxx") == NULL &&
	    strstr(warns, "5en6") == NULL && strstr(warns, "abcdef") == NULL);
	/* Checks do not repeat them, nor a re-read of the same content
	 * (touched, or read again as racy); a change does, once. */
	n = nwarns;
	CHECK(check(h, "m19", "x") == 0);
	set_mtime(hpath, 1000000000);
	CHECK(check(h, "sha", "secret") == 1);
	CHECK(check(h, "sha", "secret") == 1);
	CHECK(nwarns == n);
	run("echo 'sha:$6$salt$hash' >> '%s'", hpath);
	set_mtime(hpath, 1000000100);
	CHECK(check(h, "sha", "secret") == 0);
	CHECK(check(h, "sha", "secret") == 0);
	CHECK(nwarns == 2 * n + 1);
	CHECK(warned(27, "user sha: SHA-crypt ($6$) is not supported" NEVER));
	htpasswd_free(h);
}

static void
test_reload(void)
{
	struct htpasswd *h;
	char err[256];
	int fd;

	run("htpasswd -b -s -c '%s' alice first 2>/dev/null", hpath);
	set_mtime(hpath, 1000000000);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, "alice", "first") == 1);

	/* Rewritten (htpasswd -c) with a new mtime: re-read. */
	run("htpasswd -b -s -c '%s' alice second 2>/dev/null", hpath);
	set_mtime(hpath, 1000000100);
	CHECK(check(h, "alice", "first") == 0);
	CHECK(check(h, "alice", "second") == 1);

	/* Same inode, rewritten in place, only the mtime tells. */
	run("htpasswd -nbs alice third > '%s'", hpath);
	set_mtime(hpath, 1000000200);
	CHECK(check(h, "alice", "second") == 0);
	CHECK(check(h, "alice", "third") == 1);

	/* Replaced by a new file (new inode) with the same mtime. */
	run("htpasswd -nbs alice fourth > '%s.new' && mv '%s.new' '%s'",
	    hpath, hpath, hpath);
	set_mtime(hpath, 1000000200);
	CHECK(check(h, "alice", "third") == 0);
	CHECK(check(h, "alice", "fourth") == 1);

	/* The attack: alice revoked by an in-place edit of the same size
	 * whose mtime is then restored.  Identity, size and mtime are
	 * those of the loaded file; only the ctime tells.  First a read
	 * long enough after the last change that it is trusted. */
	usleep((HTPASSWD_RACY_MS + 200) * 1000);
	CHECK(check(h, "alice", "fourth") == 1);
	run("htpasswd -nbs alice fiftH > '%s'", hpath);
	set_mtime(hpath, 1000000200);
	CHECK(check(h, "alice", "fourth") == 0);
	CHECK(check(h, "alice", "fiftH") == 1);
	run("htpasswd -nbs alice fifth > '%s'", hpath);
	set_mtime(hpath, 1000000200);
	CHECK(check(h, "alice", "fiftH") == 0);
	CHECK(check(h, "alice", "fifth") == 1);

	/* The attack: a local reader holds an exclusive lock on the file.
	 * Logins go on with the table read last. */
	fd = open(hpath, O_RDONLY);
	CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
	CHECK(check(h, "alice", "fifth") == 1);
	/* A change made under the lock (a writer that locks) waits for
	 * the lock, but not beyond HTPASSWD_LOCK_MS: a lock held on
	 * forever cannot keep the revoked password valid. */
	run("htpasswd -nbs alice sixth > '%s'", hpath);
	CHECK(check(h, "alice", "fifth") == 1);
	usleep((HTPASSWD_LOCK_MS + 200) * 1000);
	CHECK(check(h, "alice", "fifth") == 0);
	CHECK(check(h, "alice", "sixth") == 1);
	CHECK(fd >= 0 && flock(fd, LOCK_UN) == 0);
	close(fd);
	CHECK(check(h, "alice", "sixth") == 1);
	run("htpasswd -nbs alice fifth > '%s'", hpath);
	CHECK(check(h, "alice", "fifth") == 1);

	/* A vanished file fails the check; it works again once back. */
	run("mv '%s' '%s.away'", hpath, hpath);
	CHECK(check(h, "alice", "fifth") == 0);
	run("mv '%s.away' '%s'", hpath, hpath);
	CHECK(check(h, "alice", "fifth") == 1);

	/* Growing past the size limit is a read failure. */
	CHECK(truncate(hpath, HTPASSWD_MAX_SIZE + 1) == 0);
	set_mtime(hpath, 1000000400);
	CHECK(check(h, "alice", "fifth") == 0);
	htpasswd_free(h);
}

/* Append "user:{SHA}base64(sha1(pass))" to the file, as htpasswd -s
 * would (htpasswd itself refuses records this long). */
static void
add_sha_entry(const char *user, const char *pass)
{
	char enc[BASE64_ENC_LEN(20) + 1];
	uint8_t d[20];
	FILE *f;

	sha1(pass, strlen(pass), d);
	base64_encode(enc, d, sizeof(d));
	if ((f = fopen(hpath, "a")) == NULL) {
		perror(hpath);
		exit(2);
	}
	fprintf(f, "%s:{SHA}%s\n", user, enc);
	fclose(f);
}

/* A header for user:pass built by hand, past basic_auth_header's limits. */
static int
check_long(struct htpasswd *h, const char *user, const char *pass)
{
	uint8_t cred[4 * CRED_MAX];
	char hdr[6 + BASE64_ENC_LEN(sizeof(cred)) + 1];
	size_t ul = strlen(user), pl = strlen(pass);

	memcpy(cred, user, ul);
	cred[ul] = ':';
	memcpy(cred + ul + 1, pass, pl);
	memcpy(hdr, "Basic ", 6);
	base64_encode(hdr + 6, cred, ul + 1 + pl);
	return check_raw(h, hdr);
}

/* Our {SHA} line is byte for byte what htpasswd -s writes. */
static void
test_format(void)
{
	char line[128];
	FILE *f;

	run(": > '%s'", hpath);
	add_sha_entry("alice", "secret");
	run("htpasswd -nbs alice secret >> '%s'", hpath);
	if ((f = fopen(hpath, "r")) == NULL)
		exit(2);
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK(strcmp(line, "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n") == 0);
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK(strcmp(line, "alice:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n") == 0);
	fclose(f);
}

/* Users and passwords up to CRED_MAX - 1 bytes; longer ones never match. */
static void
test_lengths(void)
{
	char u[CRED_MAX + 1], p[CRED_MAX + 1];
	struct htpasswd *h;
	char err[256];

	memset(u, 'u', CRED_MAX);
	u[CRED_MAX] = '\0';
	memset(p, 'p', CRED_MAX);
	p[CRED_MAX] = '\0';
	run(": > '%s'", hpath);
	add_sha_entry(u, "pw");			/* user too long */
	add_sha_entry("w", p);			/* password too long */
	add_sha_entry("v", p + 1);		/* both at the limit */
	add_sha_entry(u + 1, "pw");
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	if (h == NULL)
		return;
	CHECK(check(h, u + 1, "pw") == 1);
	CHECK(check(h, "v", p + 1) == 1);
	CHECK(check(h, "v", p + 2) == 0);
	CHECK(check_long(h, u, "pw") == 0);
	CHECK(check_long(h, "w", p) == 0);
	CHECK(check_long(h, u + 1, "pw") == 1);
	htpasswd_free(h);
}

/* A file of many bad lines names HTPASSWD_WARN_MAX, then one line more. */
static void
test_warn_max(void)
{
	struct htpasswd *h;
	char err[256], want[256];
	int i;

	run(": > '%s'", hpath);
	for (i = 0; i < HTPASSWD_WARN_MAX + 10; i++)
		run("echo 'u%d:$6$salt$hash' >> '%s'", i, hpath);
	add_sha_entry("alice", "secret");
	warn_reset();
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	CHECK(nwarns == HTPASSWD_WARN_MAX + 1);
	CHECK(warned(HTPASSWD_WARN_MAX, "user u31: SHA-crypt ($6$) is not "
	    "supported" NEVER));
	snprintf(want, sizeof(want), "htpasswd %s: more lines from line %d on "
	    "that never match, not named\n", hpath, HTPASSWD_WARN_MAX + 1);
	CHECK(strstr(warns, want) != NULL);
	CHECK(strstr(warns, "user u32:") == NULL);
	CHECK(check(h, "alice", "secret") == 1);
	htpasswd_free(h);
}

static void
test_open_errors(void)
{
	char err[256], want[300];
	struct htpasswd *h;

	/* The operator's file: why it cannot be read is told. */
	h = htpasswd_open("/nonexistent/etherws/htpasswd", err, sizeof(err));
	CHECK(h == NULL);
	CHECK(strcmp(err, "cannot read /nonexistent/etherws/htpasswd: No such "
	    "file or directory") == 0);
	h = htpasswd_open(tmpdir, err, sizeof(err));
	CHECK(h == NULL);
	snprintf(want, sizeof(want), "cannot read %s: not a regular file",
	    tmpdir);
	CHECK(strcmp(err, want) == 0);
	run("truncate -s %d '%s'", HTPASSWD_MAX_SIZE + 1, hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h == NULL);
	snprintf(want, sizeof(want), "cannot read %s: over %d bytes", hpath,
	    HTPASSWD_MAX_SIZE);
	CHECK(strcmp(err, want) == 0);
	/* The attack: a FIFO in the file's place must not block us. */
	run("rm -f '%s' && mkfifo '%s'", hpath, hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h == NULL);
	snprintf(want, sizeof(want), "cannot read %s: not a regular file",
	    hpath);
	CHECK(strcmp(err, want) == 0);
	run("rm -f '%s'", hpath);
	/* An empty file is a valid file with no users. */
	run(": > '%s'", hpath);
	h = htpasswd_open(hpath, err, sizeof(err));
	CHECK(h != NULL);
	CHECK(check(h, "alice", "secret") == 0);
	htpasswd_free(h);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(hpath, sizeof(hpath), "%s/htpasswd", tmpdir);
	htpasswd_set_warn(warn_capture);
	test_header();
	test_basic();
	test_scheme();
	test_duplicates();
	test_schemes();
	test_warn_max();
	test_reload();
	test_format();
	test_lengths();
	test_open_errors();
	run("rm -rf '%s'", tmpdir);
	return t_done("test_auth");
}
