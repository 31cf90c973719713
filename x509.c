/*
 * x509.c - TLS certificates on BearSSL (SPEC.md section 9): PEM files
 * into server credentials or trust anchors, and the X.509 engine of a
 * client connection.
 *
 * The client engine wraps br_x509_minimal, which validates the chain
 * (signatures, anchors, dates, usages) with no server name.  The name
 * check is ours, on a captured copy of the leaf certificate, because
 * SPEC.md wants rules BearSSL 0.6 does not follow exactly: its minimal
 * engine accepts the subject CN even when dNSName SANs exist, and it
 * knows no iPAddress SANs.  The optional SHA-256 pin of the leaf's
 * SubjectPublicKeyInfo is checked on the same copy.  "Insecure" skips
 * br_x509_minimal altogether: the leaf is only decoded for its key.
 *
 * Dates: br_x509_minimal reads time(NULL).  A router without a clock
 * that boots in 1970 fails every certificate with BR_ERR_X509_EXPIRED
 * until NTP sets the time; we keep the check rather than guess a date.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include "etherws.h"

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
	snprintf(err, errlen, "SSLError: %s: %s", what, file);
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
	uint8_t *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto ioerr;
	for (;;) {
		if (len == cap) {
			if (cap > TLS_FILE_MAX) {
				close(fd);
				wipe(buf, len);
				free(buf);
				set_err(err, errlen, "file too large", path);
				return NULL;
			}
			cap = cap ? cap * 2 : 65536;
			nb = malloc(cap);
			if (nb == NULL) {
				errno = ENOMEM;
				goto ioerr_close;
			}
			if (buf != NULL) {
				memcpy(nb, buf, len);
				wipe(buf, len);
				free(buf);
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto ioerr_close;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > TLS_FILE_MAX) {
		wipe(buf, len);
		free(buf);
		set_err(err, errlen, "file too large", path);
		return NULL;
	}
	*lenp = len;
	return buf;
ioerr_close:
	e = errno;
	close(fd);
	if (buf != NULL) {
		wipe(buf, len);
		free(buf);
	}
	errno = e;
ioerr:
	snprintf(err, errlen, "IOError: [Errno %d] %s: '%s'", errno,
	    ew_strerror(errno), path);
	return NULL;
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
	size_t len, i, j, off, k;
	int inobj = 0, pass, ev;
	const uint8_t *p;
	struct pem_obj *no;

	memset(pf, 0, sizeof(*pf));
	buf = read_file(path, &len, err, errlen);
	if (buf == NULL)
		return -1;
	for (i = j = 0; i < len; i++)
		if (buf[i] != '\r')
			buf[j++] = buf[i];
	len = j;
	pf->encrypted = memmem(buf, len, "Proc-Type: 4,ENCRYPTED", 22) != NULL;
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
				snprintf(no->name, sizeof(no->name), "%s",
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
	wipe(buf, len);
	free(buf);
	wipe(&pc, sizeof(pc));
	return 0;
fail:
	snprintf(err, errlen, "MemoryError: %s", path);
fail_set:
	wipe(buf, len);
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
		nlen = br_ec_compute_pub(br_ec_get_default(), &pub, buf,
		    &cr->ec);
		return nlen != 0 && pub.curve == pk->key.ec.curve &&
		    pub.qlen == pk->key.ec.qlen &&
		    memcmp(pub.q, pk->key.ec.q, pub.qlen) == 0;
	}
	cm = br_rsa_compute_modulus_get_default();
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

static int
caseeq(const uint8_t *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (ew_lower(a[i]) != ew_lower((unsigned char)b[i]))
			return 0;
	return 1;
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
	if (plen == hlen && caseeq(p, host, hlen))
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
	    caseeq(p + 2, dot + 1, rlen);
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
		else {
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
	/* Only the algorithms certificates use today: init_full would
	 * also link MD5 and SHA-224 (smaller static binary). */
	br_x509_minimal_init(&x->minimal, &br_sha256_vtable,
	    ta ? ta->ta : NULL, ta ? ta->n : 0);
	br_x509_minimal_set_hash(&x->minimal, br_sha1_ID, &br_sha1_vtable);
	br_x509_minimal_set_hash(&x->minimal, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(&x->minimal, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(&x->minimal, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(&x->minimal, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&x->minimal, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());
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
		snprintf(x->name, sizeof(x->name), "?");
		return;
	}
	memcpy(tmp, s, len + 1);
	if (len >= 2 && tmp[0] == '[' && tmp[len - 1] == ']') {
		memmove(tmp, tmp + 1, len - 2);
		tmp[len - 2] = '\0';
	}
	if (inet_pton(AF_INET, tmp, x->ip) == 1) {
		x->iplen = 4;
		return;
	}
	if (inet_pton(AF_INET6, tmp, x->ip) == 1) {
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
/* Messages and pins */

static const char *
alert_name(int a)
{
	switch (a) {
	case 0:		return "close notify";
	case 10:	return "unexpected message";
	case 20:	return "bad record MAC";
	case 22:	return "record overflow";
	case 40:	return "handshake failure";
	case 42:	return "bad certificate";
	case 43:	return "unsupported certificate";
	case 44:	return "certificate revoked";
	case 45:	return "certificate expired";
	case 46:	return "certificate unknown";
	case 47:	return "illegal parameter";
	case 48:	return "unknown CA";
	case 49:	return "access denied";
	case 50:	return "decode error";
	case 51:	return "decrypt error";
	case 70:	return "protocol version";
	case 71:	return "insufficient security";
	case 80:	return "internal error";
	case 86:	return "inappropriate fallback";
	case 90:	return "user canceled";
	case 100:	return "no renegotiation";
	case 109:	return "missing extension";
	case 110:	return "unsupported extension";
	case 112:	return "unrecognized name";
	case 116:	return "certificate required";
	case 120:	return "no application protocol";
	default:	return "unknown alert";
	}
}

const char *
tls_strerror(int err)
{
	static char buf[96];
	const char *s = NULL;

	switch (err) {
	case BR_ERR_OK:
		return "no error";
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate verify failed: unknown CA";
	case BR_ERR_X509_EXPIRED:
		return "certificate verify failed: "
		    "certificate expired or not yet valid";
	case BR_ERR_X509_BAD_SERVER_NAME:
	case TLS_ERR_IP_MISMATCH:
		return "certificate verify failed: hostname mismatch";
	case TLS_ERR_PIN_MISMATCH:
		return "certificate verify failed: public key pin mismatch";
	case BR_ERR_X509_EMPTY_CHAIN:
		return "certificate verify failed: no certificate";
	case BR_ERR_X509_NOT_CA:
		return "certificate verify failed: issuer is not a CA";
	case BR_ERR_X509_BAD_SIGNATURE:
		return "certificate verify failed: bad signature";
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		return "certificate verify failed: key too weak";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
		return "certificate verify failed: key usage forbids TLS";
	case BR_ERR_X509_CRITICAL_EXTENSION:
		return "certificate verify failed: "
		    "unsupported critical extension";
	case BR_ERR_X509_UNSUPPORTED:
	case BR_ERR_X509_WRONG_KEY_TYPE:
		return "certificate verify failed: unsupported algorithm";
	case BR_ERR_X509_TIME_UNKNOWN:
		return "certificate verify failed: current time unknown";
	case BR_ERR_X509_DN_MISMATCH:
		return "certificate verify failed: broken chain";
	case BR_ERR_X509_LIMIT_EXCEEDED:
		return "certificate verify failed: certificate too large";
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_BAD_VERSION:
		return "handshake failed: unsupported protocol version";
	case BR_ERR_BAD_CIPHER_SUITE:
		return "handshake failed: no shared cipher";
	case BR_ERR_BAD_MAC:
		return "handshake failed: bad record MAC";
	case BR_ERR_BAD_SIGNATURE:
		return "handshake failed: bad server key exchange signature";
	case BR_ERR_WRONG_KEY_USAGE:
		return "handshake failed: key usage does not allow the cipher";
	case BR_ERR_BAD_FINISHED:
		return "handshake failed: bad Finished message";
	case BR_ERR_IO:
		return "I/O error";
	default:
		break;
	}
	if (err >= BR_ERR_SEND_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT + 256)
		s = "sent alert";
	else if (err >= BR_ERR_RECV_FATAL_ALERT &&
	    err < BR_ERR_SEND_FATAL_ALERT)
		s = "peer sent alert";
	if (s != NULL) {
		int a = err & 0xff;

		snprintf(buf, sizeof(buf), "%s %d (%s)", s, a, alert_name(a));
	} else if (err > BR_ERR_X509_OK && err < 64)
		snprintf(buf, sizeof(buf), "certificate verify failed: "
		    "bad certificate (BearSSL error %d)", err);
	else
		snprintf(buf, sizeof(buf), "handshake failed: BearSSL error %d",
		    err);
	return buf;
}

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
