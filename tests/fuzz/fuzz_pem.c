/*
 * fuzz_pem.c - libFuzzer harness for PEM loading (pem.c) and the
 * certificate checks of x509.c.
 *
 * The input is written into one memfd (reused for every run) and loaded
 * by its /proc/self/fd path with tls_creds_load (key and chain from the
 * same file) and tls_anchors_load.  The certificates found (or, when
 * the input starts with a DER SEQUENCE, the input itself as one DER
 * certificate) then go through the client X.509 engine (tls_x509_init
 * and its vtable) with and without the anchors, a DNS name, IP
 * literals and a pin, and through the small DER walker (leaf_parse,
 * san_find, cn_find).  tls_pin_parse gets the input as a string.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../../pem.c"
#include "../../x509.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static char path[64];
static struct tls_x509 xc;

static void
setup(void)
{
	char tmpl[] = "/tmp/fuzz_pem.XXXXXX";

	memfd = memfd_create("pem", MFD_CLOEXEC);
	if (memfd < 0) {
		memfd = mkstemp(tmpl);
		assert(memfd >= 0);
		unlink(tmpl);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
}

/* Run a chain through the client engine as BearSSL would. */
static void
engine(const br_x509_certificate *chain, size_t n,
    const struct tls_anchors *ta, const char *name, int insecure,
    const uint8_t *pin)
{
	const br_x509_class **vt = &xc.vtable;
	const br_x509_pkey *pk;
	unsigned r, usages = 0;
	size_t i, half;

	tls_x509_init(&xc, ta, name, insecure, pin);
	(*vt)->start_chain(vt, name);
	for (i = 0; i < n; i++) {
		(*vt)->start_cert(vt, (uint32_t)chain[i].data_len);
		/* In two pieces, as records may split it. */
		half = chain[i].data_len / 3;
		(*vt)->append(vt, chain[i].data, half);
		if (chain[i].data_len > 0)	/* data may be NULL when empty */
			(*vt)->append(vt, chain[i].data + half,
			    chain[i].data_len - half);
		(*vt)->end_cert(vt);
	}
	r = (*vt)->end_chain(vt);
	pk = (*vt)->get_pkey(vt, &usages);
	assert((r == 0) == (pk != NULL));
	if (n == 0)
		assert(r != 0);
	if (pk != NULL)
		assert(pk->key_type == BR_KEYTYPE_RSA ||
		    pk->key_type == BR_KEYTYPE_EC);
	assert(tls_strerror((int)r) != NULL);
}

static int
any_match(const struct der *v, const void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

/* The DER walker on one certificate; returns its SPKI pin if parsed. */
static int
walk_der(const uint8_t *p, size_t len, uint8_t pin[32])
{
	struct leaf lf;
	br_sha256_context sc;
	int seen;

	if (leaf_parse(p, len, &lf) < 0)
		return -1;
	assert(lf.spki.p >= p && lf.spki.p + lf.spki.len <= p + len);
	assert(lf.subject.p >= p &&
	    lf.subject.p + lf.subject.len <= p + len);
	assert(lf.exts.len == 0 || (lf.exts.p >= p &&
	    lf.exts.p + lf.exts.len <= p + len));
	(void)san_find(lf.exts, 0x82, dns_match, "a.sw.test", &seen);
	(void)san_find(lf.exts, 0x82, any_match, NULL, &seen);
	(void)san_find(lf.exts, 0x87, ip_match, &xc, &seen);
	(void)cn_find(lf.subject, dns_match, "sw.test");
	br_sha256_init(&sc);
	br_sha256_update(&sc, lf.spki.p, lf.spki.len);
	br_sha256_out(&sc, pin);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "sw.test", "x.wild.test", "127.0.0.1",
	    "[::1]", "", NULL };
	struct tls_creds cr;
	struct tls_anchors ta;
	struct pem_file pf;
	br_x509_certificate chain[8];
	char err[1024], *str;
	uint8_t pin[32], pin2[32];
	size_t n = 0, i, k;
	int cr_ok, ta_ok, have_pin = 0;

	if (memfd < 0)
		setup();
	assert(ftruncate(memfd, 0) == 0);
	assert(pwrite(memfd, data, size, 0) == (ssize_t)size);

	err[0] = '\0';
	cr_ok = tls_creds_load(&cr, path, path, err, sizeof(err)) == 0;
	if (cr_ok) {
		assert(cr.chain_len >= 1);
		assert(cr.key_type == BR_KEYTYPE_RSA ||
		    cr.key_type == BR_KEYTYPE_EC);
		for (i = 0; i < cr.chain_len; i++)
			(void)walk_der(cr.chain[i].data, cr.chain[i].data_len,
			    pin);
		tls_creds_free(&cr);
	} else		/* pem.c's "<file>: <what>" (out of memory too) or
			 * file.h's "cannot read <file>: ..." */
		assert((strncmp(err, path, strlen(path)) == 0 &&
		    err[strlen(path)] == ':') ||
		    strncmp(err, "cannot read ", 12) == 0);

	err[0] = '\0';
	ta_ok = tls_anchors_load(&ta, path, err, sizeof(err)) == 0;
	if (ta_ok) {
		assert(ta.n >= 1);
		for (i = 0; i < ta.n; i++) {
			assert(ta.ta[i].dn.len <= TLS_DN_MAX);
			assert(ta.ta[i].pkey.key_type == BR_KEYTYPE_RSA ||
			    ta.ta[i].pkey.key_type == BR_KEYTYPE_EC);
		}
	} else
		assert(err[0] != '\0');

	/* The chain to verify: the file's certificates, or raw DER. */
	memset(&pf, 0, sizeof(pf));
	if (size > 0 && data[0] == 0x30) {
		chain[0].data = (unsigned char *)(uintptr_t)data;
		chain[0].data_len = size;
		n = 1;
	} else if (pem_load(path, &pf, err, sizeof(err)) == 0) {
		for (i = 0; i < pf.n && n < 8; i++)
			if (pem_is_cert(&pf.o[i])) {
				chain[n].data = pf.o[i].data;
				chain[n].data_len = pf.o[i].len;
				n++;
			}
	}
	for (i = 0; i < n; i++)
		if (walk_der(chain[i].data, chain[i].data_len,
		    i == 0 ? pin : pin2) == 0 && i == 0)
			have_pin = 1;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (ta_ok)
			engine(chain, n, &ta, names[k], 0, NULL);
		if (k == 0 && ta_ok && have_pin)
			engine(chain, n, &ta, names[k], 0, pin);
	}
	engine(chain, n, NULL, "sw.test", 1, NULL);
	if (have_pin) {
		engine(chain, n, NULL, "sw.test", 1, pin);
		pin[0] ^= 1;
		engine(chain, n, NULL, "sw.test", 1, pin);
	}
	if (pf.o != NULL || pf.n > 0)
		pem_file_free(&pf);
	if (ta_ok)
		tls_anchors_free(&ta);

	/* Pins: "sha256//" and 44 base64 characters. */
	str = malloc(size + 1);
	assert(str != NULL);
	memcpy(str, data, size);
	str[size] = '\0';
	if (tls_pin_parse(str, pin) == 0) {
		char enc[45];

		base64_encode(enc, pin, 32);
		assert(strcmp(str + 8, enc) == 0);
	}
	free(str);
	return 0;
}
