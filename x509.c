/*
 * x509.c - TLS certificate checks on BearSSL (etherws.8, TLS): the
 * X.509 engine of a client connection, the DER walker and name/IP/pin
 * checks it uses on the leaf, and the pin's text.  Loading PEM files
 * into credentials and trust anchors is in pem.c; the TLS error
 * strings are tls.c's.
 *
 * The client engine wraps br_x509_minimal, which validates the chain
 * (signatures, anchors, dates, usages) with no server name.  The name
 * check is ours, on a captured copy of the leaf certificate, because
 * we follow Python's rules, which BearSSL 0.6 does not follow exactly: its minimal
 * engine accepts the subject CN even when dNSName SANs exist, and it
 * knows no iPAddress SANs.  The optional SHA-256 pin of the leaf's
 * SubjectPublicKeyInfo is checked on the same copy.  "Insecure" skips
 * br_x509_minimal altogether: the leaf is only decoded for its key.
 *
 * Dates: br_x509_minimal reads time(NULL).  A router without a clock
 * that boots in 1970 fails every certificate with BR_ERR_X509_EXPIRED
 * until NTP sets the time; we keep the check rather than guess a date.
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "bytes.h"
#include "base64.h"
#include "fmt.h"
#include "tls.h"
#include "tls_br.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* A small DER walker for the captured leaf certificate.  Definite
 * lengths only, single-byte tags only: enough for a certificate's outer
 * structure, its Name and its extensions. */

struct der {
	const uint8_t	*p;
	size_t		 len;
};

/* Take the next element off cur: its tag, contents and (if tlv is not
 * NULL) its whole encoding.  0, or -1 if malformed or cur is empty. */
static int
der_next(struct der *cur, unsigned *tag, struct der *val, struct der *tlv)
{
	size_t hl = 2, l, n, i;

	if (cur->len < 2 || (cur->p[0] & 0x1f) == 0x1f)
		return -1;
	l = cur->p[1];
	if (l & 0x80) {
		n = l & 0x7f;
		if (n == 0 || n > 4 || cur->len - 2 < n)
			return -1;
		for (l = 0, i = 0; i < n; i++)
			l = (l << 8) | cur->p[2 + i];
		hl += n;
	}
	if (l > cur->len - hl)
		return -1;
	*tag = cur->p[0];
	val->p = cur->p + hl;
	val->len = l;
	if (tlv != NULL) {
		tlv->p = cur->p;
		tlv->len = hl + l;
	}
	cur->p += hl + l;
	cur->len -= hl + l;
	return 0;
}

static int
der_expect(struct der *cur, unsigned want, struct der *val,
    struct der *tlv)
{
	unsigned tag;

	if (der_next(cur, &tag, val, tlv) < 0 || tag != want)
		return -1;
	return 0;
}

struct leaf {
	struct der	 subject;	/* Name contents */
	struct der	 spki;		/* whole SubjectPublicKeyInfo */
	struct der	 exts;		/* Extensions contents (may be empty) */
};

static int
leaf_parse(const uint8_t *p, size_t len, struct leaf *lf)
{
	struct der cur = { p, len }, cert, tbs, v;
	unsigned tag;

	memset(lf, 0, sizeof(*lf));
	if (der_expect(&cur, 0x30, &cert, NULL) < 0 || cur.len != 0 ||
	    der_expect(&cert, 0x30, &tbs, NULL) < 0 ||
	    der_next(&tbs, &tag, &v, NULL) < 0)
		return -1;
	if (tag == 0xa0 && der_next(&tbs, &tag, &v, NULL) < 0)
		return -1;			/* [0] version */
	if (tag != 0x02)			/* serialNumber */
		return -1;
	if (der_expect(&tbs, 0x30, &v, NULL) < 0 ||	/* signature */
	    der_expect(&tbs, 0x30, &v, NULL) < 0 ||	/* issuer */
	    der_expect(&tbs, 0x30, &v, NULL) < 0 ||	/* validity */
	    der_expect(&tbs, 0x30, &lf->subject, NULL) < 0 ||
	    der_expect(&tbs, 0x30, &v, &lf->spki) < 0)
		return -1;
	while (tbs.len > 0) {			/* [1], [2], [3] */
		if (der_next(&tbs, &tag, &v, NULL) < 0)
			return -1;
		if (tag == 0xa3 && (der_expect(&v, 0x30, &lf->exts,
		    NULL) < 0 || v.len != 0))
			return -1;
	}
	return 0;
}

/*
 * Visit the GeneralNames of tag gtag in every subjectAltName extension
 * of exts; *seen counts them.  Returns 1 as soon as match() does, 0 if
 * none did, -1 if malformed.
 */
static int
san_find(struct der exts, unsigned gtag,
    int (*match)(const struct der *, const void *), const void *arg,
    int *seen)
{
	static const uint8_t oid_san[3] = { 0x55, 0x1d, 0x11 };
	struct der ext, oid, val, names, v;
	unsigned tag;

	*seen = 0;
	while (exts.len > 0) {
		if (der_expect(&exts, 0x30, &ext, NULL) < 0 ||
		    der_expect(&ext, 0x06, &oid, NULL) < 0)
			return -1;
		if (ext.len > 0 && ext.p[0] == 0x01 &&		/* critical */
		    der_next(&ext, &tag, &v, NULL) < 0)
			return -1;
		if (der_expect(&ext, 0x04, &val, NULL) < 0 || ext.len != 0)
			return -1;
		if (oid.len != sizeof(oid_san) ||
		    memcmp(oid.p, oid_san, sizeof(oid_san)) != 0)
			continue;
		if (der_expect(&val, 0x30, &names, NULL) < 0 || val.len != 0)
			return -1;
		while (names.len > 0) {
			if (der_next(&names, &tag, &v, NULL) < 0)
				return -1;
			if (tag != gtag)
				continue;
			(*seen)++;
			if (match(&v, arg))
				return 1;
		}
	}
	return 0;
}

/* Visit each commonName of a subject Name (string types only). */
static int
cn_find(struct der name, int (*match)(const struct der *, const void *),
    const void *arg)
{
	static const uint8_t oid_cn[3] = { 0x55, 0x04, 0x03 };
	struct der rdn, atv, oid, v;
	unsigned tag;

	while (name.len > 0) {
		if (der_expect(&name, 0x31, &rdn, NULL) < 0)
			return -1;
		while (rdn.len > 0) {
			if (der_expect(&rdn, 0x30, &atv, NULL) < 0 ||
			    der_expect(&atv, 0x06, &oid, NULL) < 0 ||
			    der_next(&atv, &tag, &v, NULL) < 0)
				return -1;
			if (oid.len != sizeof(oid_cn) ||
			    memcmp(oid.p, oid_cn, sizeof(oid_cn)) != 0)
				continue;
			/* UTF8String, PrintableString, T61String, IA5String:
			 * a host name is ASCII in any of them. */
			if (tag != 0x0c && tag != 0x13 && tag != 0x14 &&
			    tag != 0x16)
				continue;
			if (match(&v, arg))
				return 1;
		}
	}
	return 0;
}

/*
 * Match a certificate name (DNS pattern) against host (NUL-terminated,
 * without a trailing dot): equal ignoring ASCII case, or "*.rest" where
 * '*' stands for exactly one non-empty left-most label of host and rest
 * has at least two labels ("*.com" never matches).
 */
static int
dns_match(const struct der *pat, const void *arg)
{
	const char *host = arg, *dot;
	const uint8_t *p = pat->p;
	size_t plen = pat->len, hlen = strlen(host), rlen;

	if (plen > 0 && p[plen - 1] == '.')
		plen--;
	if (plen == 0)
		return 0;
	if (plen == hlen && ew_memcaseeq(p, host, hlen))
		return 1;
	if (plen < 4 || p[0] != '*' || p[1] != '.')
		return 0;
	rlen = plen - 2;
	if (memchr(p + 2, '*', rlen) != NULL ||
	    memchr(p + 2, '.', rlen) == NULL || p[2] == '.')
		return 0;
	dot = strchr(host, '.');
	if (dot == NULL || dot == host)
		return 0;
	return hlen - (size_t)(dot + 1 - host) == rlen &&
	    ew_memcaseeq(p + 2, dot + 1, rlen);
}

static int
ip_match(const struct der *v, const void *arg)
{
	const struct tls_x509 *x = arg;

	return v->len == x->iplen && memcmp(v->p, x->ip, x->iplen) == 0;
}

/* ------------------------------------------------------------------ */
/* The client's X.509 engine */

static struct tls_x509 *
xc_of(const br_x509_class *const *ctx)
{
	return (struct tls_x509 *)(void *)(uintptr_t)ctx;
}

static void
xc_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct tls_x509 *x = xc_of(ctx);

	/* The name BearSSL got from br_ssl_client_reset; ours wins. */
	x->chain_name = x->name[0] != '\0' ? x->name : server_name;
	if (x->iplen > 0 || x->insecure)
		x->chain_name = NULL;
	x->ncerts = 0;
	x->leaf_len = 0;
	x->leaf_want = 0;
	x->leaf_over = 0;
	x->err = 0;
	x->use_dec = 0;
	if (!x->insecure)
		br_x509_minimal_vtable.start_chain(&x->minimal.vtable, NULL);
}

static void
xc_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct tls_x509 *x = xc_of(ctx);

	if (++x->ncerts == 1) {
		x->leaf_want = length;
		if (length > sizeof(x->leaf))
			x->leaf_over = 1;
	}
	if (!x->insecure)
		br_x509_minimal_vtable.start_cert(&x->minimal.vtable, length);
}

static void
xc_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_x509 *x = xc_of(ctx);

	if (x->ncerts == 1 && !x->leaf_over) {
		if (len > x->leaf_want - x->leaf_len)
			x->leaf_over = 1;
		else if (len > 0) {	/* an empty certificate: buf NULL */
			memcpy(x->leaf + x->leaf_len, buf, len);
			x->leaf_len += len;
		}
	}
	if (!x->insecure)
		br_x509_minimal_vtable.append(&x->minimal.vtable, buf, len);
}

static void
xc_end_cert(const br_x509_class **ctx)
{
	struct tls_x509 *x = xc_of(ctx);

	if (!x->insecure)
		br_x509_minimal_vtable.end_cert(&x->minimal.vtable);
}

/* Our checks on the captured leaf: 0 or an error code. */
static int
xc_check_leaf(struct tls_x509 *x)
{
	struct leaf lf;
	uint8_t h[32];
	br_sha256_context sc;
	int r, seen;

	if (x->leaf_over)
		return BR_ERR_X509_LIMIT_EXCEEDED;
	if (x->leaf_len != x->leaf_want)
		return BR_ERR_X509_TRUNCATED;
	if (leaf_parse(x->leaf, x->leaf_len, &lf) < 0)
		return BR_ERR_X509_INVALID_VALUE;
	if (x->iplen > 0 && !x->insecure) {
		r = san_find(lf.exts, 0x87, ip_match, x, &seen);
		if (r < 0)
			return BR_ERR_X509_INVALID_VALUE;
		if (r == 0)
			return TLS_ERR_IP_MISMATCH;
	} else if (x->chain_name != NULL) {
		if (x->name_bad)
			return BR_ERR_X509_BAD_SERVER_NAME;
		r = san_find(lf.exts, 0x82, dns_match, x->chain_name, &seen);
		if (r == 0 && seen == 0)	/* CN only without dNSName */
			r = cn_find(lf.subject, dns_match, x->chain_name);
		if (r < 0)
			return BR_ERR_X509_INVALID_VALUE;
		if (r == 0)
			return BR_ERR_X509_BAD_SERVER_NAME;
	}
	if (x->has_pin) {
		br_sha256_init(&sc);
		br_sha256_update(&sc, lf.spki.p, lf.spki.len);
		br_sha256_out(&sc, h);
		if (!ew_ct_eq(h, x->pin, sizeof(h)))
			return TLS_ERR_PIN_MISMATCH;
	}
	return 0;
}

static unsigned
xc_end_chain(const br_x509_class **ctx)
{
	struct tls_x509 *x = xc_of(ctx);
	int r;

	if (x->ncerts == 0)
		r = BR_ERR_X509_EMPTY_CHAIN;
	else if (x->insecure) {
		r = x->has_pin ? xc_check_leaf(x) : 0;
		if (r == 0 && x->leaf_over)
			r = BR_ERR_X509_LIMIT_EXCEEDED;
		if (r == 0) {
			br_x509_decoder_init(&x->dec, NULL, NULL);
			br_x509_decoder_push(&x->dec, x->leaf, x->leaf_len);
			if (br_x509_decoder_get_pkey(&x->dec) == NULL)
				r = br_x509_decoder_last_error(&x->dec);
			else
				x->use_dec = 1;
		}
	} else {
		r = (int)br_x509_minimal_vtable.end_chain(&x->minimal.vtable);
		if (r == 0)
			r = xc_check_leaf(x);
	}
	x->err = r;
	return (unsigned)r;
}

static const br_x509_pkey *
xc_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct tls_x509 *x = xc_of(ctx);

	if (x->err != 0)
		return NULL;
	if (x->insecure) {
		if (!x->use_dec)
			return NULL;
		if (usages != NULL)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey(&x->dec);
	}
	return br_x509_minimal_vtable.get_pkey(&x->minimal.vtable, usages);
}

static const br_x509_class tls_x509_vtable = {
	sizeof(struct tls_x509),
	xc_start_chain,
	xc_start_cert,
	xc_append,
	xc_end_cert,
	xc_end_chain,
	xc_get_pkey
};

void
tls_x509_init(struct tls_x509 *x, const struct tls_anchors *ta,
    const char *server_name, int insecure, const uint8_t *pin)
{
	char tmp[sizeof(x->name)];
	const char *s = server_name;
	size_t len;

	memset(x, 0, sizeof(*x));
	x->vtable = &tls_x509_vtable;
	/* Only the hashes certificates are signed with today: SHA-256,
	 * -384, -512.  Not SHA-1 (forgeable; OpenSSL's default security
	 * level refuses it too), MD5 or SHA-224, which init_full links. */
	br_x509_minimal_init(&x->minimal, &br_sha256_vtable,
	    ta ? ta->ta : NULL, ta ? ta->n : 0);
	br_x509_minimal_set_hash(&x->minimal, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&x->minimal, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(&x->minimal, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(&x->minimal, tls_rsa_vrfy());
	br_x509_minimal_set_ecdsa(&x->minimal, tls_ec(), tls_ecdsa_vrfy());
	x->insecure = insecure != 0;
	if (pin != NULL) {
		memcpy(x->pin, pin, sizeof(x->pin));
		x->has_pin = 1;
	}
	if (s == NULL || *s == '\0')
		return;
	len = strlen(s);
	if (len >= sizeof(tmp)) {
		x->name_bad = 1;
		ew_snprintf(x->name, sizeof(x->name), "?");
		return;
	}
	memcpy(tmp, s, len + 1);
	if (len >= 2 && tmp[0] == '[' && tmp[len - 1] == ']') {
		memmove(tmp, tmp + 1, len - 2);
		tmp[len - 2] = '\0';
	}
	if (ew_pton(AF_INET, tmp, x->ip) == 1) {
		x->iplen = 4;
		return;
	}
	if (ew_pton(AF_INET6, tmp, x->ip) == 1) {
		x->iplen = 16;
		return;
	}
	len = strlen(s);
	if (len > 0 && s[len - 1] == '.')	/* "host." is host */
		len--;
	memcpy(x->name, s, len);
	x->name[len] = '\0';
	if (len == 0)
		x->name_bad = 1;
}

/* ------------------------------------------------------------------ */
/* Pins */

int
tls_pin_parse(const char *s, uint8_t out[32])
{
	static const char pfx[] = "sha256//";

	if (s == NULL || strncmp(s, pfx, sizeof(pfx) - 1) != 0)
		return -1;
	s += sizeof(pfx) - 1;
	if (strlen(s) != 44 || base64_decode(out, 32, s, 44) != 32)
		return -1;
	return 0;
}
