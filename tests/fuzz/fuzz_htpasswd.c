/*
 * fuzz_htpasswd.c - libFuzzer harness for htpasswd loading and Basic
 * auth checks (auth.c).
 *
 * Input: everything up to the last LF is the htpasswd file; what
 * follows is either an Authorization value (if it starts with a space
 * or "basic", any case) or "user:password", turned into a header with
 * basic_auth_header.  The file is written into one memfd reused for
 * every run and opened by its /proc/self/fd path.  For user:password,
 * htpasswd_check must agree with a reference: the last {SHA} line (file
 * trimmed as Python's str.strip does) for that user holds exactly
 * base64(SHA-1(password)).
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

/* The reference: does (user, pass) match the file? */
static int
ref_check(const char *f, size_t flen, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	const char *want = NULL, *s, *e, *nl, *colon;
	size_t wlen = 0, i = 0;
	uint8_t d[20];
	char enc[29];

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
		colon = memchr(s, ':', (size_t)(e - s));
		if (colon == NULL || (size_t)(colon - s) >= CRED_MAX)
			continue;
		if ((size_t)(e - colon - 1) < 5 ||
		    memcmp(colon + 1, "{SHA}", 5) != 0)
			continue;
		if ((size_t)(colon - s) == ulen && memcmp(s, user, ulen) == 0) {
			want = colon + 6;
			wlen = (size_t)(e - want);
		}
	}
	if (want == NULL)
		return 0;
	sha1(pass, plen, d);
	base64_encode(enc, d, sizeof(d));
	return wlen == 28 && memcmp(want, enc, 28) == 0;
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

	if (memfd < 0)
		setup();
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
