/*
 * test_bcrypt.c - Blowfish (Eric Young's ECB vectors, as Schneier
 * publishes them: whole-key and variable-key-length sets), bcrypt
 * (OpenBSD's and Openwall's published hashes, and hashes "htpasswd -B"
 * makes now, when it is installed), malformed hashes, the 72-byte cut.
 * Includes bcrypt.c to reach Blowfish itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcrypt.c"
#include "t.h"

static size_t
unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;

	for (; hex[0] && hex[1]; hex += 2)
		out[n++] = (uint8_t)(ew_hexval(hex[0]) << 4 |
		    ew_hexval(hex[1]));
	return n;
}

static int
bf_vector(const char *khex, const char *phex, const char *chex)
{
	uint8_t key[64], pt[8], ct[8];
	struct bf_state st;
	uint32_t l, r;
	size_t klen = unhex(key, khex);

	unhex(pt, phex);
	unhex(ct, chex);
	bf_init(&st);
	bf_expand(&st, NULL, key, klen);
	l = ew_be32(pt);
	r = ew_be32(pt + 4);
	bf_encrypt(&st, &l, &r);
	return l == ew_be32(ct) && r == ew_be32(ct + 4);
}

static void
test_blowfish(void)
{
	static const char *const v[][3] = {
		{ "0000000000000000", "0000000000000000", "4EF997456198DD78" },
		{ "FFFFFFFFFFFFFFFF", "FFFFFFFFFFFFFFFF", "51866FD5B85ECB8A" },
		{ "3000000000000000", "1000000000000001", "7D856F9A613063F2" },
		{ "1111111111111111", "1111111111111111", "2466DD878B963C9D" },
		{ "0123456789ABCDEF", "1111111111111111", "61F9C3802281B096" },
		{ "1111111111111111", "0123456789ABCDEF", "7D0CC630AFDA1EC7" },
		{ "FEDCBA9876543210", "0123456789ABCDEF", "0ACEAB0FC6A0A28D" },
		{ "7CA110454A1A6E57", "01A1D6D039776742", "59C68245EB05282B" },
		{ "0131D9619DC1376E", "5CD54CA83DEF57DA", "B1B8CC0B250F09A0" },
		{ "FEDCBA9876543210", "FFFFFFFFFFFFFFFF", "6B5C5A9C5D9E0A5A" },
	};
	/* Schneier's set_key vectors: plaintext FEDCBA9876543210 under
	 * the first 1, 2, ... bytes of one key. */
	static const char vkey[] =
	    "F0E1D2C3B4A5968778695A4B3C2D1E0F0011223344556677";
	static const char *const vk[] = {
		"F9AD597C49DB005E", "E91D21C1D961A6D6", "E9C2B70A1BC65CF3",
		"BE1E639408640F05", "B39E44481BDB1E6E", "9457AA83B1928C0D",
		"8BB77032F960629D", "E87A244E2CC85E82", "15750E7A4F4EC577",
		"122BA70B3AB64AE0", "3A833C9AFFC537F6", "9409DA87A90F6BF2",
		"884F80625060B8B4", "1F85031C19E11968", "79D9373A714CA34F",
		"93142887EE3BE15C", "03429E838CE2D14B", "A4299E27469FF67B",
		"AFD5AED1C1BC96A8", "10851C0E3858DA9F", "E6F51ED79B9DB21F",
		"64A6E14AFD36B46F", "80C7D7D45A5479AD", "05044B62FA52D080",
	};
	char k[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(bf_vector(v[i][0], v[i][1], v[i][2]));
	for (i = 0; i < sizeof(vk) / sizeof(vk[0]); i++) {
		memcpy(k, vkey, 2 * (i + 1));
		k[2 * (i + 1)] = '\0';
		CHECK(bf_vector(k, "FEDCBA9876543210", vk[i]));
	}
}

static int
bc_ok(const char *pw, const char *hash)
{
	return bcrypt_check(pw, strlen(pw), hash, strlen(hash));
}

/* Published hashes (OpenBSD's regress tests, Openwall's crypt_blowfish). */
static void
test_bcrypt_vectors(void)
{
	static const char *const v[][2] = {
		{ "", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s." },
		{ "a", "$2a$06$m0CrhHm10qJ3lXRY.5zDGO3rS2KdeeWLuGmsfGlMfOxih58VYVfxe" },
		{ "abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC" },
		{ "~!@#$%^&*()      ~!@#$%^&*()PNBFRD",
		  "$2a$06$fPIsBO8qRqkjj273rfaOI.HtSV9jLDpTbZn782DC6/t7qT67P6FfO" },
		{ "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" },
		{ "U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK" },
		{ "U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a" },
		{ "", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy" },
		/* Only the first 72 bytes count. */
		{ "0123456789abcdefghijklmnopqrstuvwxyz"
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
		  "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui" },
	};
	char h[BCRYPT_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(bcrypt_cost(v[i][1], strlen(v[i][1])) ==
		    (v[i][1][5] - '0'));
		CHECK(bc_ok(v[i][0], v[i][1]) == 1);
		/* The same hash under the other prefixes. */
		memcpy(h, v[i][1], sizeof(h));
		h[2] = 'b';
		CHECK(bc_ok(v[i][0], h) == 1);
		h[2] = 'y';
		CHECK(bc_ok(v[i][0], h) == 1);
		/* A wrong password, one bit of the hash flipped. */
		CHECK(bc_ok("wrong", v[i][1]) == 0);
		h[40] ^= 1;
		CHECK(bcrypt_cost(h, BCRYPT_LEN) < 0 || bc_ok(v[i][0], h) == 0);
	}
	/* 72 bytes and anything after them; 71 differ. */
	CHECK(bc_ok("0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	    v[9][1]) == 1);
	CHECK(bc_ok("0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345678",
	    v[9][1]) == 0);
	/* The length counts, not a NUL: "a\0" is not "a". */
	CHECK(bcrypt_check("a\0", 2, v[1][1], BCRYPT_LEN) == 0);
}

static void
test_bcrypt_malformed(void)
{
	static const char good[] =
	    "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
	static const char *const bad[] = {
		"",
		"$2a$05$",
		/* truncated salt / hash, one character too many */
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",
		/* prefixes we do not take */
		"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWW",
		"$3a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"x2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		/* costs out of 4..31, or not two digits */
		"$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$99$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$5$$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$-5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$05xCCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		/* characters outside bcrypt's base64, in salt and hash */
		"$2a$05$CCCCCCCCCCCCCCCCCCCC+.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe=",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0Xou$Yb4YMJKvyOeW",
		/* non-canonical: unused low bits of the last salt / hash
		 * character set ("." is 0, "/" 1; "W" = 24 is 011000) */
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC/E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
		"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeX",
	};
	size_t i;

	CHECK(bcrypt_cost(good, strlen(good)) == 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(bcrypt_cost(bad[i], strlen(bad[i])) == -1);
		CHECK(bc_ok("U*U", bad[i]) == 0);
	}
	/* Only len bytes are read. */
	CHECK(bcrypt_cost(t_guard(good, BCRYPT_LEN - 1), BCRYPT_LEN - 1) ==
	    -1);
	CHECK(bcrypt_cost(t_guard(good, BCRYPT_LEN), BCRYPT_LEN) == 5);
}

/* Hashes htpasswd -B makes now, at its lowest cost. */
static void
test_htpasswd_b(void)
{
	static const char *const pw[] = {
		"secret", "", "p\xc3\xa4ss w:rd",
		"0123456789012345678901234567890123456789"
		"01234567890123456789012345678901",		/* 72 */
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789",	/* 80 */
	};
	char cmd[256], line[256], *h;
	size_t i, n;
	FILE *p;

	if (system("command -v htpasswd >/dev/null 2>&1") != 0) {
		t_skipped("htpasswd -B vectors", "htpasswd not installed");
		return;
	}
	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		snprintf(cmd, sizeof(cmd), "htpasswd -nbB -C 4 u '%s'", pw[i]);
		if ((p = popen(cmd, "r")) == NULL ||
		    fgets(line, sizeof(line), p) == NULL) {
			CHECK(0);
			continue;
		}
		pclose(p);
		n = strcspn(line, "\r\n");
		line[n] = '\0';
		h = line + 2;
		CHECK(strncmp(line, "u:$2y$04$", 9) == 0);
		CHECK(bcrypt_cost(h, strlen(h)) == 4);
		CHECK(bc_ok(pw[i], h) == 1);
		CHECK(bc_ok("Secret", h) == 0);
	}
	/* Beyond 72 bytes nothing counts: the 80-byte password's hash
	 * takes its first 72 bytes. */
	CHECK(bc_ok(pw[3], h) == 1);
}

int
main(void)
{
	test_blowfish();
	test_bcrypt_vectors();
	test_bcrypt_malformed();
	test_htpasswd_b();
	return t_done("test_bcrypt");
}
