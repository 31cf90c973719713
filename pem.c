/*
 * pem.c - TLS certificate files on BearSSL (etherws.8, TLS): PEM
 * files decoded into server credentials (private key and chain, the key
 * checked against the leaf) or into trust anchors.  Keys are deep-copied;
 * buffers that held key material are wiped before they are freed.
 * The certificate checks of a client connection are in x509.c.
 */
#include <stdlib.h>
#include <string.h>

#include "defs.h"
#include "file.h"
#include "fmt.h"
#include "tls.h"
#include "tls_br.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Small helpers */

static void
wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

static void
set_err(char *err, size_t errlen, const char *what, const char *file)
{
	ew_snprintf(err, errlen, "%s: %s", file, what);
}

/* Equal as unsigned big-endian integers (leading zero bytes ignored). */
static int
bigint_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	while (alen > 0 && *a == 0) {
		a++;
		alen--;
	}
	while (blen > 0 && *b == 0) {
		b++;
		blen--;
	}
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* ------------------------------------------------------------------ */
/* PEM files */

struct pem_obj {
	char		 name[128];	/* as br_pem_decoder_context */
	uint8_t		*data;
	size_t		 len, cap;
};

struct pem_file {
	struct pem_obj	*o;
	size_t		 n, cap;
	int		 oom;
	int		 encrypted;	/* "Proc-Type: 4,ENCRYPTED" seen */
};

static void
pem_file_free(struct pem_file *pf)
{
	size_t i;

	for (i = 0; i < pf->n; i++) {
		if (pf->o[i].data != NULL) {
			wipe(pf->o[i].data, pf->o[i].len);
			free(pf->o[i].data);
		}
	}
	free(pf->o);
	memset(pf, 0, sizeof(*pf));
}

/* br_pem_decoder destination: append to the last object. */
static void
pem_append(void *ctx, const void *src, size_t len)
{
	struct pem_file *pf = ctx;
	struct pem_obj *o = &pf->o[pf->n - 1];
	uint8_t *nd;
	size_t ncap;

	if (pf->oom)
		return;
	if (len > o->cap - o->len) {
		ncap = o->cap ? o->cap : 2048;
		while (ncap - o->len < len)
			ncap *= 2;
		nd = malloc(ncap);
		if (nd == NULL) {
			pf->oom = 1;
			return;
		}
		if (o->data != NULL) {
			memcpy(nd, o->data, o->len);
			wipe(o->data, o->len);
			free(o->data);
		}
		o->data = nd;
		o->cap = ncap;
	}
	memcpy(o->data + o->len, src, len);
	o->len += len;
}

/* Read the whole file (at most TLS_FILE_MAX bytes) into a malloc'd buffer. */
static uint8_t *
read_file(const char *path, size_t *lenp, char *err, size_t errlen)
{
	char *buf;
	int rc;

	if ((rc = ew_file_load(path, TLS_FILE_MAX, &buf, lenp)) < 0) {
		ew_file_error(rc, path, TLS_FILE_MAX, err, errlen);
		return NULL;
	}
	return (uint8_t *)buf;
}

/*
 * Decode every PEM object of path into pf, in file order.  CR bytes are
 * dropped first (CRLF files would otherwise leave "\r" in the object
 * names, and objects would be silently skipped); a final "\n" is pushed
 * so that a file without a trailing newline still closes its last
 * object.  0, or -1 with err set.
 */
static int
pem_load(const char *path, struct pem_file *pf, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	uint8_t *buf;
	size_t len, got, i, j, off, k;
	int inobj = 0, pass, ev;
	const uint8_t *p;
	struct pem_obj *no;

	memset(pf, 0, sizeof(*pf));
	buf = read_file(path, &got, err, errlen);
	if (buf == NULL)
		return -1;
	len = got;	/* wiped whole at the end, CRs dropped or not */
	for (i = j = 0; i < len; i++)
		if (buf[i] != '\r')
			buf[j++] = buf[i];
	len = j;
	pf->encrypted = ew_memmem(buf, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL;
	br_pem_decoder_init(&pc);
	for (pass = 0; pass < 2; pass++) {
		p = pass == 0 ? buf : (const uint8_t *)"\n";
		k = pass == 0 ? len : 1;
		off = 0;
		while (off < k) {
			off += br_pem_decoder_push(&pc, p + off, k - off);
			ev = br_pem_decoder_event(&pc);
			if (ev == BR_PEM_BEGIN_OBJ) {
				if (pf->n == pf->cap) {
					size_t nc = pf->cap ? pf->cap * 2 : 8;

					no = realloc(pf->o, nc * sizeof(*no));
					if (no == NULL) {
						pf->oom = 1;
						goto fail;
					}
					pf->o = no;
					pf->cap = nc;
				}
				no = &pf->o[pf->n++];
				memset(no, 0, sizeof(*no));
				ew_snprintf(no->name, sizeof(no->name), "%s",
				    br_pem_decoder_name(&pc));
				br_pem_decoder_setdest(&pc, pem_append, pf);
				inobj = 1;
			} else if (ev == BR_PEM_END_OBJ) {
				inobj = 0;
			} else if (ev == BR_PEM_ERROR) {
				/* Old-style encryption headers end here. */
				set_err(err, errlen, pf->encrypted ?
				    "encrypted private key not supported" :
				    "bad PEM", path);
				goto fail_set;
			}
			if (pf->oom)
				goto fail;
		}
	}
	if (inobj) {
		set_err(err, errlen, "bad PEM (unterminated object)", path);
		goto fail_set;
	}
	wipe(buf, got);
	free(buf);
	wipe(&pc, sizeof(pc));
	return 0;
fail:
	ew_snprintf(err, errlen, "%s: out of memory", path);
fail_set:
	wipe(buf, got);
	free(buf);
	wipe(&pc, sizeof(pc));
	pem_file_free(pf);
	return -1;
}

static int
pem_is_cert(const struct pem_obj *o)
{
	return strcmp(o->name, "CERTIFICATE") == 0 ||
	    strcmp(o->name, "X509 CERTIFICATE") == 0;
}

/* ------------------------------------------------------------------ */
/* Server credentials */

static int
copy_rsa(br_rsa_private_key *dst, const br_rsa_private_key *src)
{
	size_t tot = src->plen + src->qlen + src->dplen + src->dqlen +
	    src->iqlen;
	uint8_t *b;

	b = malloc(tot ? tot : 1);
	if (b == NULL)
		return -1;
	dst->n_bitlen = src->n_bitlen;
	dst->p = b;
	memcpy(b, src->p, dst->plen = src->plen);
	b += src->plen;
	dst->q = b;
	memcpy(b, src->q, dst->qlen = src->qlen);
	b += src->qlen;
	dst->dp = b;
	memcpy(b, src->dp, dst->dplen = src->dplen);
	b += src->dplen;
	dst->dq = b;
	memcpy(b, src->dq, dst->dqlen = src->dqlen);
	b += src->dqlen;
	dst->iq = b;
	memcpy(b, src->iq, dst->iqlen = src->iqlen);
	return 0;
}

static int
copy_ec(br_ec_private_key *dst, const br_ec_private_key *src)
{
	dst->x = malloc(src->xlen ? src->xlen : 1);
	if (dst->x == NULL)
		return -1;
	dst->curve = src->curve;
	memcpy(dst->x, src->x, dst->xlen = src->xlen);
	return 0;
}

/* Decode the private key DER of o into cr (deep copy).  NULL or what. */
static const char *
creds_key(struct tls_creds *cr, const struct pem_obj *o)
{
	br_skey_decoder_context *sk;
	const char *what = NULL;
	int r;

	sk = malloc(sizeof(*sk));
	if (sk == NULL)
		return "out of memory";
	br_skey_decoder_init(sk);
	br_skey_decoder_push(sk, o->data, o->len);
	r = br_skey_decoder_last_error(sk);
	if (r == BR_ERR_X509_UNSUPPORTED)
		what = "unsupported private key type";
	else if (r != 0)
		what = "bad private key";
	else if (br_skey_decoder_key_type(sk) == BR_KEYTYPE_RSA) {
		cr->key_type = BR_KEYTYPE_RSA;
		if (copy_rsa(&cr->rsa, br_skey_decoder_get_rsa(sk)) < 0)
			what = "out of memory";
	} else if (br_skey_decoder_key_type(sk) == BR_KEYTYPE_EC) {
		cr->key_type = BR_KEYTYPE_EC;
		if (copy_ec(&cr->ec, br_skey_decoder_get_ec(sk)) < 0)
			what = "out of memory";
	} else
		what = "unsupported private key type";
	wipe(sk, sizeof(*sk));
	free(sk);
	if (what != NULL)
		cr->key_type = 0;
	return what;
}

/* ---- the EC code we link: X25519 by c25519_i31, the rest prime_i31 ---- */

static int
ec_is25519(int curve)
{
	return curve == BR_EC_curve25519;
}

static const unsigned char *
ec_generator(int curve, size_t *len)
{
	return ec_is25519(curve) ? br_ec_c25519_i31.generator(curve, len) :
	    br_ec_prime_i31.generator(curve, len);
}

static const unsigned char *
ec_order(int curve, size_t *len)
{
	return ec_is25519(curve) ? br_ec_c25519_i31.order(curve, len) :
	    br_ec_prime_i31.order(curve, len);
}

static size_t
ec_xoff(int curve, size_t *len)
{
	return ec_is25519(curve) ? br_ec_c25519_i31.xoff(curve, len) :
	    br_ec_prime_i31.xoff(curve, len);
}

static uint32_t
ec_mul(unsigned char *g, size_t glen, const unsigned char *x, size_t xlen,
    int curve)
{
	return ec_is25519(curve) ? br_ec_c25519_i31.mul(g, glen, x, xlen,
	    curve) : br_ec_prime_i31.mul(g, glen, x, xlen, curve);
}

static size_t
ec_mulgen(unsigned char *r, const unsigned char *x, size_t xlen, int curve)
{
	return ec_is25519(curve) ? br_ec_c25519_i31.mulgen(r, x, xlen, curve) :
	    br_ec_prime_i31.mulgen(r, x, xlen, curve);
}

static uint32_t
ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	/* Curve25519 has no muladd (ECDH only); prime_i31 says so too */
	return ec_is25519(curve) ? 0 : br_ec_prime_i31.muladd(a, b, len, x,
	    xlen, y, ylen, curve);
}

static const br_ec_impl ec_impl = {
	(uint32_t)((1 << BR_EC_secp256r1) | (1 << BR_EC_secp384r1) |
	    (1 << BR_EC_secp521r1) | (1 << BR_EC_curve25519)),
	ec_generator, ec_order, ec_xoff, ec_mul, ec_mulgen, ec_muladd
};

const br_ec_impl *
tls_ec(void)
{
	return &ec_impl;
}

/*
 * 1 if the private key in cr is the one of the certificate key pk.  RSA:
 * the moduli must be equal (the public exponent is not compared:
 * br_rsa_compute_pubexp of BearSSL 0.6 fails on some valid keys).
 */
static int
creds_key_matches(const struct tls_creds *cr, const br_x509_pkey *pk)
{
	uint8_t buf[BR_EC_KBUF_PUB_MAX_SIZE], *n;
	br_rsa_compute_modulus cm;
	br_ec_public_key pub;
	size_t nlen;
	int ok;

	if (pk->key_type != cr->key_type)
		return 0;
	if (cr->key_type == BR_KEYTYPE_EC) {
		nlen = br_ec_compute_pub(tls_ec(), &pub, buf,
		    &cr->ec);
		return nlen != 0 && pub.curve == pk->key.ec.curve &&
		    pub.qlen == pk->key.ec.qlen &&
		    memcmp(pub.q, pk->key.ec.q, pub.qlen) == 0;
	}
	cm = tls_rsa_modulus();
	nlen = cm(NULL, &cr->rsa);
	if (nlen == 0 || (n = malloc(nlen)) == NULL)
		return 0;
	ok = cm(n, &cr->rsa) == nlen &&
	    bigint_eq(n, nlen, pk->key.rsa.n, pk->key.rsa.nlen);
	free(n);
	return ok;
}

int
tls_creds_load(struct tls_creds *cr, const char *keyfile,
    const char *certfile, char *err, size_t errlen)
{
	struct pem_file kf, cf, *cp;
	br_x509_decoder_context *dc = NULL;
	const br_x509_pkey *pk;
	const char *what = NULL, *wfile = keyfile;
	size_t i, n;

	memset(cr, 0, sizeof(*cr));
	if (pem_load(keyfile, &kf, err, errlen) < 0)
		return -1;
	for (i = 0; i < kf.n; i++) {
		const char *nm = kf.o[i].name;

		if (strcmp(nm, "ENCRYPTED PRIVATE KEY") == 0) {
			what = "encrypted private key not supported";
			break;
		}
		if (strcmp(nm, "RSA PRIVATE KEY") == 0 ||
		    strcmp(nm, "EC PRIVATE KEY") == 0 ||
		    strcmp(nm, "PRIVATE KEY") == 0) {
			if (kf.encrypted)
				what = "encrypted private key not supported";
			else
				what = creds_key(cr, &kf.o[i]);
			break;
		}
	}
	if (what == NULL && cr->key_type == 0)
		what = kf.encrypted ? "encrypted private key not supported" :
		    "no private key";
	if (what != NULL) {
		pem_file_free(&kf);
		goto fail;
	}

	/* The chain: every certificate in order, others skipped. */
	cp = &kf;
	if (strcmp(keyfile, certfile) != 0) {
		cp = &cf;
		if (pem_load(certfile, &cf, err, errlen) < 0) {
			pem_file_free(&kf);
			tls_creds_free(cr);
			return -1;
		}
	}
	wfile = certfile;
	for (i = n = 0; i < cp->n; i++)
		n += pem_is_cert(&cp->o[i]);
	if (n > 0 && (cr->chain = calloc(n, sizeof(*cr->chain))) == NULL)
		what = "out of memory";
	for (i = 0; what == NULL && i < cp->n; i++) {
		if (!pem_is_cert(&cp->o[i]))
			continue;
		if (cp->o[i].len == 0) {
			what = "empty certificate";
			break;
		}
		/* Take the buffer over from the PEM object. */
		cr->chain[cr->chain_len].data = cp->o[i].data;
		cr->chain[cr->chain_len].data_len = cp->o[i].len;
		cr->chain_len++;
		cp->o[i].data = NULL;
	}
	if (cp != &kf)
		pem_file_free(cp);
	pem_file_free(&kf);
	if (what == NULL && cr->chain_len == 0)
		what = "no certificate";
	if (what != NULL)
		goto fail;

	/* The leaf: its key must be ours; its signer's type is needed
	 * by br_ssl_server_init_full_ec. */
	dc = malloc(sizeof(*dc));
	if (dc == NULL) {
		what = "out of memory";
		goto fail;
	}
	br_x509_decoder_init(dc, NULL, NULL);
	br_x509_decoder_push(dc, cr->chain[0].data, cr->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(dc);
	if (pk == NULL)
		what = br_x509_decoder_last_error(dc) == BR_ERR_X509_UNSUPPORTED ?
		    "unsupported certificate" : "bad certificate";
	else if (!creds_key_matches(cr, pk))
		what = "private key does not match certificate";
	else
		cr->issuer_key_type = br_x509_decoder_get_signer_key_type(dc);
	free(dc);
	if (what != NULL)
		goto fail;
	return 0;
fail:
	set_err(err, errlen, what, wfile);
	tls_creds_free(cr);
	return -1;
}

void
tls_creds_free(struct tls_creds *cr)
{
	size_t i;

	for (i = 0; i < cr->chain_len; i++)
		free(cr->chain[i].data);
	free(cr->chain);
	if (cr->key_type == BR_KEYTYPE_RSA && cr->rsa.p != NULL) {
		wipe(cr->rsa.p, cr->rsa.plen + cr->rsa.qlen + cr->rsa.dplen +
		    cr->rsa.dqlen + cr->rsa.iqlen);
		free(cr->rsa.p);
	}
	if (cr->key_type == BR_KEYTYPE_EC && cr->ec.x != NULL) {
		wipe(cr->ec.x, cr->ec.xlen);
		free(cr->ec.x);
	}
	memset(cr, 0, sizeof(*cr));
}

/* ------------------------------------------------------------------ */
/* Trust anchors */

struct dn_buf {
	uint8_t		 b[TLS_DN_MAX];
	size_t		 len;
	int		 over;
};

static void
dn_append(void *ctx, const void *src, size_t len)
{
	struct dn_buf *d = ctx;

	if (d->over || len > sizeof(d->b) - d->len) {
		d->over = 1;
		return;
	}
	memcpy(d->b + d->len, src, len);
	d->len += len;
}

/* Decode one certificate into ta: 0, 1 to skip it (a key type BearSSL
 * cannot use), or -1 with *what. */
static int
anchor_make(br_x509_trust_anchor *ta, const struct pem_obj *o,
    br_x509_decoder_context *dc, struct dn_buf *dn, const char **what)
{
	const br_x509_pkey *pk;
	size_t klen;
	uint8_t *b;

	dn->len = 0;
	dn->over = 0;
	br_x509_decoder_init(dc, dn_append, dn);
	br_x509_decoder_push(dc, o->data, o->len);
	pk = br_x509_decoder_get_pkey(dc);
	if (pk == NULL) {
		if (br_x509_decoder_last_error(dc) == BR_ERR_X509_UNSUPPORTED)
			return 1;
		*what = "bad certificate";
		return -1;
	}
	if (dn->over) {
		*what = "certificate name too long";
		return -1;
	}
	if (pk->key_type == BR_KEYTYPE_RSA)
		klen = pk->key.rsa.nlen + pk->key.rsa.elen;
	else if (pk->key_type == BR_KEYTYPE_EC)
		klen = pk->key.ec.qlen;
	else
		return 1;
	/* One block per anchor: the DN, then the key. */
	b = malloc(dn->len + klen);
	if (b == NULL) {
		*what = "out of memory";
		return -1;
	}
	memset(ta, 0, sizeof(*ta));
	memcpy(b, dn->b, dn->len);
	ta->dn.data = b;
	ta->dn.len = dn->len;
	b += dn->len;
	ta->flags = br_x509_decoder_isCA(dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = b;
		memcpy(b, pk->key.rsa.n, ta->pkey.key.rsa.nlen =
		    pk->key.rsa.nlen);
		b += pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = b;
		memcpy(b, pk->key.rsa.e, ta->pkey.key.rsa.elen =
		    pk->key.rsa.elen);
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = b;
		memcpy(b, pk->key.ec.q, ta->pkey.key.ec.qlen =
		    pk->key.ec.qlen);
	}
	return 0;
}

int
tls_anchors_load(struct tls_anchors *a, const char *file, char *err,
    size_t errlen)
{
	struct pem_file pf;
	br_x509_decoder_context *dc;
	struct dn_buf *dn;
	const char *what = NULL;
	size_t i, n;
	int r;

	memset(a, 0, sizeof(*a));
	if (pem_load(file, &pf, err, errlen) < 0)
		return -1;
	for (i = n = 0; i < pf.n; i++)
		n += pem_is_cert(&pf.o[i]);
	dc = malloc(sizeof(*dc));
	dn = malloc(sizeof(*dn));
	if (n == 0)
		what = "no certificate";
	else if (dc == NULL || dn == NULL ||
	    (a->ta = calloc(n, sizeof(*a->ta))) == NULL)
		what = "out of memory";
	for (i = 0; what == NULL && i < pf.n; i++) {
		if (!pem_is_cert(&pf.o[i]))
			continue;
		r = anchor_make(&a->ta[a->n], &pf.o[i], dc, dn, &what);
		if (r == 0)
			a->n++;
	}
	if (what == NULL && a->n == 0)
		what = "no usable certificate";
	free(dc);
	free(dn);
	pem_file_free(&pf);
	if (what != NULL) {
		set_err(err, errlen, what, file);
		tls_anchors_free(a);
		return -1;
	}
	return 0;
}

void
tls_anchors_free(struct tls_anchors *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->ta[i].dn.data);
	free(a->ta);
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------------ */
/* Allocated forms, for the modules that see these types opaque */

struct tls_creds *
tls_creds_new(const char *keyfile, const char *certfile, char *err,
    size_t errlen)
{
	struct tls_creds *cr = calloc(1, sizeof(*cr));

	if (cr == NULL) {
		ew_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tls_creds_load(cr, keyfile, certfile, err, errlen) < 0) {
		free(cr);
		return NULL;
	}
	return cr;
}

void
tls_creds_destroy(struct tls_creds *cr)
{
	if (cr == NULL)
		return;
	tls_creds_free(cr);
	free(cr);
}

struct tls_anchors *
tls_anchors_new(const char *file, char *err, size_t errlen)
{
	struct tls_anchors *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		ew_snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (tls_anchors_load(a, file, err, errlen) < 0) {
		free(a);
		return NULL;
	}
	return a;
}

void
tls_anchors_destroy(struct tls_anchors *a)
{
	if (a == NULL)
		return;
	tls_anchors_free(a);
	free(a);
}
