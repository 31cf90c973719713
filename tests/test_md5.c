/*
 * test_md5.c - MD5 (the RFC 1321 appendix A.5 suite, fed whole, byte
 * by byte and split at every offset) and md5-crypt ("$apr1$" and "$1$"
 * hashes made by openssl passwd, and by "htpasswd -m" now when it is
 * installed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "md5.h"
#include "t.h"

static void
hex(char *out, const uint8_t *d, size_t n)
{
	static const char xd[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = xd[d[i] >> 4];
		out[2 * i + 1] = xd[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* MD5 of s fed in two parts split at cut, and byte by byte. */
static int
md5_is(const char *s, size_t cut, const char *want)
{
	struct md5_ctx ctx;
	uint8_t d[16];
	char h[33];
	size_t i, len = strlen(s);
	int ok;

	md5_init(&ctx);
	md5_update(&ctx, s, cut);
	md5_update(&ctx, s + cut, len - cut);
	md5_final(&ctx, d);
	hex(h, d, 16);
	ok = strcmp(h, want) == 0;
	md5_init(&ctx);
	for (i = 0; i < len; i++)
		md5_update(&ctx, s + i, 1);
	md5_final(&ctx, d);
	hex(h, d, 16);
	return ok && strcmp(h, want) == 0;
}

static void
test_md5(void)
{
	static const char *const v[][2] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		  "0123456789", "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	size_t i, cut;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		for (cut = 0; cut <= strlen(v[i][0]); cut++)
			CHECK(md5_is(v[i][0], cut, v[i][1]));
}

/* (pw, "<magic><salt>$<hash>") */
static int
crypt_is(const char *pw, const char *full)
{
	const char *magic = full[1] == '1' ? "$1$" : "$apr1$";
	const char *salt = full + strlen(magic), *end = strchr(salt, '$');
	char out[MD5_CRYPT_HASH_LEN];

	md5_crypt(pw, strlen(pw), magic, salt, (size_t)(end - salt), out);
	return strlen(end + 1) == MD5_CRYPT_HASH_LEN &&
	    memcmp(out, end + 1, MD5_CRYPT_HASH_LEN) == 0;
}

static void
test_md5_crypt(void)
{
	static const char *const v[][2] = {
		{ "password", "$apr1$xxxxxxxx$dxHfLAsjHkDRmG83UXe8K0" },
		{ "password", "$1$saltstri$qQY4WxjABChYG1ccLpfkz/" },
		{ "abc", "$apr1$$VMQOQSfAGUIVPENqURNEZ1" },
		{ "", "$apr1$a$lsAcX0kKaMIVmrCtUuk5b0" },
		{ "x", "$apr1$9HD95APX$cSxuMj3jIRt4cBk663y7X/" },
		{ "0000000000000000000000000000000000000000"
		  "0000000000000000000000000000000000000000"
		  "00000000000000000007",
		  "$apr1$Zz.9/aB3$F.H4koGFYEc1jVFWEyrAO/" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(crypt_is(v[i][0], v[i][1]));
		CHECK(!crypt_is("wrong", v[i][1]));
	}
}

/* Hashes "htpasswd -m" (its default) makes now. */
static void
test_htpasswd_m(void)
{
	static const char *const pw[] = { "secret", "", "p\xc3\xa4ss w:rd" };
	char cmd[256], line[256];
	size_t i;
	FILE *p;

	if (system("command -v htpasswd >/dev/null 2>&1") != 0) {
		t_skipped("htpasswd -m hashes", "htpasswd not installed");
		return;
	}
	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		snprintf(cmd, sizeof(cmd), "htpasswd -nbm u '%s'", pw[i]);
		if ((p = popen(cmd, "r")) == NULL ||
		    fgets(line, sizeof(line), p) == NULL) {
			CHECK(0);
			continue;
		}
		pclose(p);
		line[strcspn(line, "\r\n")] = '\0';
		CHECK(strncmp(line, "u:$apr1$", 8) == 0);
		CHECK(crypt_is(pw[i], line + 2));
	}
}

int
main(void)
{
	test_md5();
	test_md5_crypt();
	test_htpasswd_m();
	return t_done("test_md5");
}
