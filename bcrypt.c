/*
 * bcrypt.c - Blowfish (Schneier, 1993) and bcrypt (Provos and Mazieres,
 * 1999), for htpasswd's "$2y$" entries.
 *
 * Blowfish works on big-endian 32-bit words: bytes become words one at
 * a time (bf_word), never through a cast of a byte buffer, so the code
 * is the same on big-endian MIPS.  Its initial state is pi's hex digits
 * (bcrypt_pi.h, made by scripts/gen_bcrypt_pi.py).  The state lives in
 * one array: P (18 words) then the four S-boxes of 256 words, which the
 * key schedule rewrites in that order.
 *
 * bcrypt: state = EksBlowfishSetup(cost, salt, key); then
 * "OrpheanBeholderScryDoubt" encrypted 64 times in ECB; the hash is the
 * salt's 16 bytes and the first 23 of that, in bcrypt's base64.  The key
 * is the password and its NUL, cycled, of which only the first 72 bytes
 * count.  "$2a$", "$2b$" and "$2y$" differ only for passwords of 256
 * bytes or more (an old length overflow), which a credential of CRED_MAX
 * bytes never reaches, or in crypt_blowfish's sign bug ("$2x$", which we
 * do not accept).
 */
#include <stdint.h>
#include <string.h>

#include "bcrypt.h"
#include "bytes.h"
#include "bcrypt_pi.h"
#include "util.h"

#define BF_P		18
#define BF_WORDS	(BF_P + 4 * 256)
#define BF_SALT		16	/* salt bytes */
#define BF_HASH		23	/* hash bytes kept of the 24 encrypted */

struct bf_state {
	uint32_t	w[BF_WORDS];	/* P, then S0..S3 */
};

#define BF_S(st, box, x)	((st)->w[BF_P + 256 * (box) + (x)])

static void
bf_init(struct bf_state *st)
{
	memcpy(st->w, bf_pi_p, sizeof(bf_pi_p));
	memcpy(st->w + BF_P, bf_pi_s, sizeof(bf_pi_s));
}

static uint32_t
bf_f(const struct bf_state *st, uint32_t x)
{
	return ((BF_S(st, 0, x >> 24) + BF_S(st, 1, (x >> 16) & 0xff)) ^
	    BF_S(st, 2, (x >> 8) & 0xff)) + BF_S(st, 3, x & 0xff);
}

/* One 64-bit block, as its two big-endian halves. */
static void
bf_encrypt(const struct bf_state *st, uint32_t *xl, uint32_t *xr)
{
	uint32_t l = *xl, r = *xr, t;
	int i;

	for (i = 0; i < 16; i += 2) {
		l ^= st->w[i];
		r ^= bf_f(st, l);
		r ^= st->w[i + 1];
		l ^= bf_f(st, r);
	}
	t = l ^ st->w[16];
	*xl = r ^ st->w[17];
	*xr = t;
}

/* The next big-endian word of the cyclic stream (d, len) at *j. */
static uint32_t
bf_word(const uint8_t *d, size_t len, size_t *j)
{
	uint32_t w = 0;
	int i;

	for (i = 0; i < 4; i++) {
		w = w << 8 | d[*j];
		if (++*j == len)
			*j = 0;
	}
	return w;
}

/*
 * The key schedule, with bcrypt's salt (NULL: Blowfish's own, and
 * bcrypt's "expand0"): P ^= the key stream, then every word of P and
 * the S-boxes, in pairs, from encrypting the last pair (xored with the
 * salt stream).
 */
static void
bf_expand(struct bf_state *st, const uint8_t *salt, const uint8_t *key,
    size_t klen)
{
	uint32_t l = 0, r = 0;
	size_t i, j = 0, k = 0;

	for (i = 0; i < BF_P; i++)
		st->w[i] ^= bf_word(key, klen, &j);
	for (i = 0; i < BF_WORDS; i += 2) {
		if (salt != NULL) {
			l ^= bf_word(salt, BF_SALT, &k);
			r ^= bf_word(salt, BF_SALT, &k);
		}
		bf_encrypt(st, &l, &r);
		st->w[i] = l;
		st->w[i + 1] = r;
	}
}

/* bcrypt's raw hash: 24 bytes, of which the encoding keeps BF_HASH. */
static void
bcrypt_raw(const uint8_t *key, size_t klen, unsigned cost,
    const uint8_t salt[BF_SALT], uint8_t out[24])
{
	static const uint8_t magic[] = "OrpheanBeholderScryDoubt";
	struct bf_state st;
	uint32_t c[6];
	uint64_t n;
	size_t j = 0;
	int i, k;

	bf_init(&st);
	bf_expand(&st, salt, key, klen);
	for (n = (uint64_t)1 << cost; n > 0; n--) {
		bf_expand(&st, NULL, key, klen);
		bf_expand(&st, NULL, salt, BF_SALT);
	}
	for (k = 0; k < 6; k++)
		c[k] = bf_word(magic, sizeof(magic) - 1, &j);
	for (i = 0; i < 64; i++)
		for (k = 0; k < 6; k += 2)
			bf_encrypt(&st, &c[k], &c[k + 1]);
	for (k = 0; k < 6; k++)
		ew_put_be32(out + 4 * k, c[k]);
	explicit_bzero(&st, sizeof(st));
	explicit_bzero(c, sizeof(c));
}

/* bcrypt's base64 digit value of c ("./A-Za-z0-9"), or -1. */
static int
bc_val(int c)
{
	if (c == '.' || c == '/')
		return c - '.';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 2;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 28;
	if (c >= '0' && c <= '9')
		return c - '0' + 54;
	return -1;
}

/*
 * Decode n bytes from the (4n + 2) / 3 characters at s, most significant
 * bits first as in RFC 4648 but without padding.  0, or -1 on a
 * character outside the alphabet or unused low bits that are not zero
 * (a non-canonical form, which bcrypt would never write).
 */
static int
bc_decode(uint8_t *out, size_t n, const char *s)
{
	size_t i, o = 0, chars = (4 * n + 2) / 3;
	uint32_t acc = 0;
	int bits = 0, v;

	for (i = 0; i < chars; i++) {
		if ((v = bc_val((unsigned char)s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0 ? 0 : -1;
}

/* Split a hash: cost, salt and hash bytes.  -1 if malformed. */
static int
bcrypt_split(const char *s, size_t len, uint8_t salt[BF_SALT],
    uint8_t hash[BF_HASH])
{
	int cost;

	if (len != BCRYPT_LEN || s[0] != '$' || s[1] != '2' ||
	    (s[2] != 'a' && s[2] != 'b' && s[2] != 'y') || s[3] != '$' ||
	    s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' ||
	    s[6] != '$')
		return -1;
	cost = (s[4] - '0') * 10 + (s[5] - '0');
	if (cost < BCRYPT_COST_MIN || cost > BCRYPT_COST_MAX ||
	    bc_decode(salt, BF_SALT, s + 7) < 0 ||
	    bc_decode(hash, BF_HASH, s + 29) < 0)
		return -1;
	return cost;
}

int
bcrypt_cost(const char *s, size_t len)
{
	uint8_t salt[BF_SALT], hash[BF_HASH];

	return bcrypt_split(s, len, salt, hash);
}

int
bcrypt_check(const void *pw, size_t plen, const char *s, size_t len)
{
	uint8_t salt[BF_SALT], want[BF_HASH], key[BCRYPT_KEY_MAX], got[24];
	size_t klen;
	int cost, ok;

	if ((cost = bcrypt_split(s, len, salt, want)) < 0)
		return 0;
	/* The password and its NUL, cut to BCRYPT_KEY_MAX bytes. */
	klen = plen < BCRYPT_KEY_MAX ? plen + 1 : BCRYPT_KEY_MAX;
	memcpy(key, pw, klen < plen ? klen : plen);
	if (plen < BCRYPT_KEY_MAX)
		key[plen] = '\0';
	bcrypt_raw(key, klen, (unsigned)cost, salt, got);
	ok = ew_ct_eq(got, want, BF_HASH);
	explicit_bzero(key, sizeof(key));
	explicit_bzero(got, sizeof(got));
	return ok;
}
