/*
 * fuzz_htpasswd.c - libFuzzer harness for htpasswd loading and Basic
 * auth checks (auth.c).
 *
 * Input: everything up to the last LF is the htpasswd file; what
 * follows is either an Authorization value (if it starts with a space
 * or "basic", any case) or "user:password", turned into a header with
 * basic_auth_header.  The file is written into one memfd reused for
 * every run and opened by its /proc/self/fd path.  For user:password,
 * htpasswd_check must agree with a reference: the user's last line (file
 * trimmed as Python's str.strip does; blank and "#" lines skipped) holds
 * exactly {SHA}base64(SHA-1(password)), or an md5-crypt hash parsed here
 * on its own ($apr1$ or $1$, salt of 0..8 characters, 22 of crypt's
 * base64) that md5_crypt reproduces, or a bcrypt hash of a cost up to
 * HTPASSWD_BCRYPT_COST_MAX that bcrypt_check accepts.  Inputs with a
 * bcrypt cost of 7..12 are skipped: each check would take too long for
 * a fuzzer (higher costs are refused unchecked, and stay in).  Every
 * warning is one line under LOG_MSG_MAX bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../auth.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];

static void
setup(void)
{
	char tmpl[] = "/tmp/fuzz_htpasswd.XXXXXX";

	memfd = memfd_create("htpasswd", MFD_CLOEXEC);
	if (memfd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
		return;
	}
	/* No memfd: a temporary file, unlinked at once. */
	memfd = mkstemp(tmpl);
	assert(memfd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	unlink(tmpl);
}

static int
ref_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* A bcrypt cost of 7..12 anywhere in (s, len): too slow to fuzz. */
static int
slow_bcrypt(const char *s, size_t len)
{
	size_t i;
	int cost;

	for (i = 0; i + 6 < len; i++) {
		if (s[i] != '$' || s[i + 1] != '2' || s[i + 3] != '$' ||
		    s[i + 4] < '0' || s[i + 4] > '9' || s[i + 5] < '0' ||
		    s[i + 5] > '9')
			continue;
		cost = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
		if (cost > 6 && cost <= HTPASSWD_BCRYPT_COST_MAX)
			return 1;
	}
	return 0;
}

static void
warn_check(const char *msg)
{
	assert(strncmp(msg, "htpasswd ", 9) == 0);
	assert(strlen(msg) < LOG_MSG_MAX && strchr(msg, '\n') == NULL);
}

static int
ref_c64(int c)
{
	return c == '.' || c == '/' || (c >= '0' && c <= '9') ||
	    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* (w, wlen) is a well-formed md5-crypt hash of pass. */
static int
ref_md5(const char *w, size_t wlen, const char *pass, size_t plen)
{
	const char *magic, *salt, *d;
	char out[MD5_CRYPT_HASH_LEN];
	size_t m, i;

	if (wlen >= 6 && memcmp(w, "$apr1$", 6) == 0)
		magic = "$apr1$";
	else if (wlen >= 3 && memcmp(w, "$1$", 3) == 0)
		magic = "$1$";
	else
		return 0;
	m = strlen(magic);
	salt = w + m;
	d = memchr(salt, '$', wlen - m);
	if (d == NULL || d - salt > 8 || (size_t)(w + wlen - d - 1) != 22)
		return 0;
	for (i = 1; i <= 22; i++)
		if (!ref_c64((unsigned char)d[i]))
			return 0;
	md5_crypt(pass, plen, magic, salt, (size_t)(d - salt), out);
	return memcmp(out, d + 1, 22) == 0;
}

/* Does the hash (w, wlen) take pass? */
static int
ref_hash(const char *w, size_t wlen, const char *pass, size_t plen)
{
	uint8_t d[20];
	char enc[29];
	int cost;

	if (wlen >= 5 && memcmp(w, "{SHA}", 5) == 0) {
		sha1(pass, plen, d);
		base64_encode(enc, d, sizeof(d));
		return wlen == 33 && memcmp(w + 5, enc, 28) == 0;
	}
	if (wlen >= 2 && memcmp(w, "$2", 2) == 0) {
		cost = bcrypt_cost(w, wlen);
		return cost >= 0 && cost <= HTPASSWD_BCRYPT_COST_MAX &&
		    bcrypt_check(pass, plen, w, wlen);
	}
	return ref_md5(w, wlen, pass, plen);
}

/* The reference: does (user, pass) match the file? */
static int
ref_check(const char *f, size_t flen, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	const char *want = NULL, *s, *e, *nl, *colon;
	size_t wlen = 0, i = 0;

	if (ulen >= CRED_MAX || plen >= CRED_MAX)
		return 0;
	while (i < flen) {
		s = f + i;
		nl = memchr(s, '\n', flen - i);
		e = nl ? nl : f + flen;
		i = (size_t)(e - f) + 1;
		while (s < e && ref_space((unsigned char)*s))
			s++;
		while (e > s && ref_space((unsigned char)e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		colon = memchr(s, ':', (size_t)(e - s));
		if (colon == NULL || (size_t)(colon - s) >= CRED_MAX)
			continue;
		if ((size_t)(colon - s) == ulen && memcmp(s, user, ulen) == 0) {
			want = colon + 1;
			wlen = (size_t)(e - want);
		}
	}
	return want != NULL && ref_hash(want, wlen, pass, plen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *last, *tail, *colon;
	char err[512], hdr[BASE64_ENC_LEN(2 * CRED_MAX) + 16];
	char user[CRED_MAX + 1], pass[CRED_MAX + 1];
	struct htpasswd *h;
	size_t flen, tlen, ulen, plen;
	long hl;
	int ok, ref;

	if (memfd < 0) {
		setup();
		htpasswd_warn = warn_check;
	}
	if (slow_bcrypt(s, size))
		return 0;
	last = size ? memrchr(s, '\n', size) : NULL;
	flen = last ? (size_t)(last - s) + 1 : 0;
	tail = s + flen;
	tlen = size - flen;

	assert(ftruncate(memfd, 0) == 0);
	assert(pwrite(memfd, s, flen, 0) == (ssize_t)flen);
	err[0] = '\0';
	h = htpasswd_open(path, err, sizeof(err));
	assert(h != NULL);		/* a regular file under 1 MiB */
	assert(h->tab.n <= HTPASSWD_MAX_ENTRIES);

	if (tlen >= 1 && (tail[0] == ' ' || (tlen >= 5 &&
	    ew_strcaseeq(tail, 5, "basic")))) {
		/* A raw header value. */
		ok = htpasswd_check(h, tail, tlen);
		assert(ok == 0 || ok == 1);
	} else {
		colon = memchr(tail, ':', tlen);
		ulen = colon ? (size_t)(colon - tail) : tlen;
		plen = colon ? tlen - ulen - 1 : 0;
		if (ulen <= CRED_MAX && plen <= CRED_MAX &&
		    memchr(tail, '\0', tlen) == NULL) {
			memcpy(user, tail, ulen);
			user[ulen] = '\0';
			memcpy(pass, tail + ulen + (colon != NULL), plen);
			pass[plen] = '\0';
			hl = basic_auth_header(hdr, sizeof(hdr), user, pass);
			if (ulen >= CRED_MAX || plen >= CRED_MAX) {
				assert(hl == -1);
			} else {
				assert(hl > 6 && (size_t)hl == strlen(hdr));
				ok = htpasswd_check(h, hdr, (size_t)hl);
				ref = ref_check(s, flen, user, ulen, pass,
				    plen);
				assert(ok == ref);
				/* The scheme is case-insensitive, and
				 * spaces may follow it. */
				memcpy(hdr, "bASIC", 5);
				assert(htpasswd_check(h, hdr, (size_t)hl) ==
				    ref);
				/* A truncated header never matches. */
				assert(htpasswd_check(h, hdr, (size_t)hl - 1)
				    == 0 || hl - 1 <= 6);
			}
		}
	}
	htpasswd_free(h);
	return 0;
}
