/*
 * test_x509.c - PEM loading, trust anchors and the client X.509 engine
 * (x509.c), on certificates made by the real openssl command in a
 * temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tls.h"
#include "tls_br.h"
#include "t.h"

static char dir[64];

/* Everything the tests use; run with "set -e" in the temporary dir. */
static const char gen_script[] =
    "set -e\n"
    "exec 2>gen.log\n"
    "G='openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048'\n"
    /* two CAs */
    "$G -out ca.key\n"
    "openssl req -x509 -new -key ca.key -subj '/CN=Test CA' -days 30"
    " -out ca.pem\n"
    "$G -out ca2.key\n"
    "openssl req -x509 -new -key ca2.key -subj '/CN=Other CA' -days 30"
    " -out ca2.pem\n"
    /* RSA server: PKCS#8 and traditional key, encrypted variants */
    "$G -out srv.key\n"
    "openssl rsa -in srv.key -traditional -out srv_trad.key\n"
    "openssl pkey -in srv.key -aes128 -passout pass:x -out enc8.key\n"
    "openssl rsa -in srv.key -traditional -aes128 -passout pass:x"
    " -out enctrad.key\n"
    "sign() { # name cn key ca ext\n"
    "  openssl req -new -key $3 -subj \"/CN=$2\" -out $1.csr\n"
    "  if [ -n \"$5\" ]; then echo \"subjectAltName=$5\" > $1.ext;"
    "    E=\"-extfile $1.ext\"; else E=; fi\n"
    "  openssl x509 -req -in $1.csr -CA $4.pem -CAkey $4.key"
    " -CAcreateserial -days 30 $E -out $1.pem\n"
    "  openssl x509 -in $1.pem -outform DER -out $1.der\n"
    "}\n"
    "sign srv sw.test srv.key ca"
    " 'DNS:sw.test,DNS:*.wild.test,IP:127.0.0.1,IP:::1'\n"
    "sign other sw.test srv.key ca2 'DNS:sw.test'\n"
    "sign cn cn.test srv.key ca 'DNS:other.test'\n"
    "sign cnonly cnonly.test srv.key ca ''\n"
    "sign ipcn 127.0.0.1 srv.key ca ''\n"
    /* EC server: ecparam writes EC PARAMETERS then EC PRIVATE KEY */
    "openssl ecparam -genkey -name prime256v1 -out ec.key\n"
    "openssl pkey -in ec.key -out ec8.key\n"
    "sign ec ec.test ec.key ca 'DNS:ec.test'\n"
    /* expired and not yet valid, through openssl ca */
    "cat > ca.cnf <<EOF\n"
    "[ca]\ndefault_ca = d\n"
    "[d]\ndatabase = index.txt\nnew_certs_dir = .\nserial = ca.srl\n"
    "default_md = sha256\npolicy = p\nunique_subject = no\n"
    "[p]\ncommonName = supplied\n"
    "[e]\nsubjectAltName = DNS:sw.test\n"
    "EOF\n"
    ": > index.txt\n"
    "openssl req -new -key srv.key -subj /CN=sw.test -out dated.csr\n"
    "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key"
    " -in dated.csr -out exp.pem -startdate 20200101000000Z"
    " -enddate 20200102000000Z -notext -extensions e\n"
    "openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key"
    " -in dated.csr -out fut.pem -startdate 20990101000000Z"
    " -enddate 20991231000000Z -notext -extensions e\n"
    "openssl x509 -in exp.pem -outform DER -out exp.der\n"
    "openssl x509 -in fut.pem -outform DER -out fut.der\n"
    "openssl x509 -in ca.pem -outform DER -out ca.der\n"
    /* a self-signed non-CA certificate, trusted directly */
    "openssl req -x509 -new -key srv.key -subj /CN=self.test -days 30"
    " -addext basicConstraints=critical,CA:FALSE"
    " -addext subjectAltName=DNS:self.test -out self.pem\n"
    "openssl x509 -in self.pem -outform DER -out self.der\n"
    /* pins */
    "pin() { openssl x509 -in $1.pem -pubkey -noout |"
    " openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary |"
    " base64 > $1.pin; }\n"
    "pin srv\npin ec\n"
    /* PEM layouts */
    "cat srv.pem ca.pem > chain.pem\n"
    "{ echo 'junk before'; cat srv.key; echo 'between';"
    " cat srv.pem ca.pem; echo 'after'; } > combined.pem\n"
    "sed 's/$/\\r/' combined.pem > crlf.pem\n"
    "printf %s \"$(cat combined.pem)\" > nonl.pem\n"
    "head -n 5 srv.pem > trunc.pem\n"
    "head -c 5000000 /dev/zero > big.pem\n";

static const char *
path(const char *name)
{
	static char buf[8][128];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static uint8_t *
slurp(const char *name, size_t *len)
{
	FILE *f = fopen(path(name), "rb");
	uint8_t *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	if (b != NULL)
		b[n] = 0;
	*len = (size_t)n;
	return b;
}

/* Run the engine over the DER files (NULL-terminated list), the way
 * BearSSL does, in odd-sized chunks. */
static int
run_chain(struct tls_x509 *x, const char *sni, const char *f1,
    const char *f2)
{
	const br_x509_class **vt = &x->vtable;
	const char *files[2] = { f1, f2 };
	uint8_t *b;
	size_t len, off, k;
	int i;

	(*vt)->start_chain(vt, sni);
	for (i = 0; i < 2 && files[i] != NULL; i++) {
		b = slurp(files[i], &len);
		if (b == NULL) {
			fprintf(stderr, "cannot read %s\n", files[i]);
			return -1;
		}
		(*vt)->start_cert(vt, (uint32_t)len);
		for (off = 0; off < len; off += k) {
			k = len - off < 97 ? len - off : 97;
			(*vt)->append(vt, b + off, k);
		}
		(*vt)->end_cert(vt);
		free(b);
	}
	return (int)(*vt)->end_chain(vt);
}

static const br_x509_pkey *
pkey(struct tls_x509 *x, unsigned *usages)
{
	*usages = 0;
	return x->vtable->get_pkey(&x->vtable, usages);
}

static int
read_pin(const char *name, uint8_t out[32])
{
	char s[128], *nl;
	size_t len;
	uint8_t *b = slurp(name, &len);

	if (b == NULL || len > 60)
		return -1;
	snprintf(s, sizeof(s), "sha256//%s", (char *)b);
	free(b);
	if ((nl = strchr(s, '\n')) != NULL)
		*nl = '\0';
	return tls_pin_parse(s, out);
}

static int
has(const char *s, const char *sub)
{
	if (strstr(s, sub) == NULL) {
		fprintf(stderr, "  \"%s\" lacks \"%s\"\n", s, sub);
		return 0;
	}
	return 1;
}

static void
test_creds(void)
{
	struct tls_creds cr;
	char err[512], want[600];
	uint8_t *der;
	size_t len;

	CHECK(tls_creds_load(&cr, path("srv.key"), path("srv.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_RSA && cr.chain_len == 1);
	CHECK(cr.issuer_key_type == BR_KEYTYPE_RSA);
	CHECK(cr.rsa.n_bitlen == 2048 && cr.rsa.plen > 0);
	tls_creds_free(&cr);

	CHECK(tls_creds_load(&cr, path("srv_trad.key"), path("chain.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_RSA && cr.chain_len == 2);
	der = slurp("srv.der", &len);
	CHECK(der != NULL && cr.chain_len > 0 && cr.chain[0].data_len == len &&
	    memcmp(cr.chain[0].data, der, len) == 0);
	free(der);
	tls_creds_free(&cr);

	/* EC, with an EC PARAMETERS block before the key */
	CHECK(tls_creds_load(&cr, path("ec.key"), path("ec.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_EC && cr.chain_len == 1);
	CHECK(cr.ec.curve == BR_EC_secp256r1 && cr.ec.xlen == 32);
	CHECK(cr.issuer_key_type == BR_KEYTYPE_RSA);
	tls_creds_free(&cr);
	CHECK(tls_creds_load(&cr, path("ec8.key"), path("ec.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_EC);
	tls_creds_free(&cr);

	/* one file for both; CRLF; no final newline */
	CHECK(tls_creds_load(&cr, path("combined.pem"), path("combined.pem"),
	    err, sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_RSA && cr.chain_len == 2);
	tls_creds_free(&cr);
	CHECK(tls_creds_load(&cr, path("crlf.pem"), path("crlf.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.key_type == BR_KEYTYPE_RSA && cr.chain_len == 2);
	tls_creds_free(&cr);
	CHECK(tls_creds_load(&cr, path("nonl.pem"), path("nonl.pem"), err,
	    sizeof(err)) == 0);
	CHECK(cr.chain_len == 2);
	tls_creds_free(&cr);

	/* refusals */
	CHECK(tls_creds_load(&cr, path("enc8.key"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, ": encrypted private key not supported") &&
	    has(err, "enc8.key"));
	CHECK(cr.chain == NULL && cr.key_type == 0);
	CHECK(tls_creds_load(&cr, path("enctrad.key"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, "encrypted private key not supported"));
	CHECK(tls_creds_load(&cr, path("srv.key"), path("srv.key"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, ": no certificate") && has(err, "srv.key"));
	CHECK(tls_creds_load(&cr, path("srv.pem"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, ": no private key"));
	CHECK(tls_creds_load(&cr, path("ec.key"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, "private key does not match certificate"));
	CHECK(tls_creds_load(&cr, path("ca.key"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, "does not match"));
	CHECK(tls_creds_load(&cr, path("srv.key"), path("trunc.pem"), err,
	    sizeof(err)) < 0);
	CHECK(has(err, "bad PEM"));
	CHECK(tls_creds_load(&cr, path("srv.key"), path("big.pem"), err,
	    sizeof(err)) < 0);
	snprintf(want, sizeof(want), "cannot read %s: missing, unreadable or "
	    "over 4194304 bytes", path("big.pem"));
	CHECK(strcmp(err, want) == 0);
	CHECK(tls_creds_load(&cr, path("nope.key"), path("srv.pem"), err,
	    sizeof(err)) < 0);
	/* The same words as a file too large: nothing more is told. */
	snprintf(want, sizeof(want), "cannot read %s: missing, unreadable or "
	    "over 4194304 bytes", path("nope.key"));
	CHECK(strcmp(err, want) == 0);
}

static void
test_anchors(void)
{
	struct tls_anchors a;
	char err[512], want[600];

	CHECK(tls_anchors_load(&a, path("ca.pem"), err, sizeof(err)) == 0);
	CHECK(a.n == 1 && (a.ta[0].flags & BR_X509_TA_CA));
	CHECK(a.n == 1 && a.ta[0].pkey.key_type == BR_KEYTYPE_RSA);
	tls_anchors_free(&a);
	CHECK(tls_anchors_load(&a, path("self.pem"), err, sizeof(err)) == 0);
	CHECK(a.n == 1 && a.ta[0].flags == 0);
	tls_anchors_free(&a);
	CHECK(tls_anchors_load(&a, path("crlf.pem"), err, sizeof(err)) == 0);
	CHECK(a.n == 2);
	tls_anchors_free(&a);
	CHECK(tls_anchors_load(&a, path("srv.key"), err, sizeof(err)) < 0);
	CHECK(has(err, ": no certificate"));
	CHECK(tls_anchors_load(&a, path("trunc.pem"), err, sizeof(err)) < 0);
	CHECK(has(err, "bad PEM"));
	CHECK(a.ta == NULL && a.n == 0);
	/* The attack: a FIFO named as a CA file (addPort --cacerts) would
	 * block the whole switch in open() until someone wrote to it.
	 * Refused at once (alarm: a hang fails the test). */
	CHECK(mkfifo(path("fifo.pem"), 0600) == 0);
	alarm(20);
	CHECK(tls_anchors_load(&a, path("fifo.pem"), err, sizeof(err)) < 0);
	alarm(0);
	snprintf(want, sizeof(want), "cannot read %s: not a regular file",
	    path("fifo.pem"));
	CHECK(strcmp(err, want) == 0);
	CHECK(tls_anchors_load(&a, "/dev/zero", err, sizeof(err)) < 0);
	CHECK(strcmp(err, "cannot read /dev/zero: not a regular file") == 0);
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		CHECK(tls_anchors_load(&a, "/etc/ssl/certs/ca-certificates.crt",
		    err, sizeof(err)) == 0);
		CHECK(a.n > 100);
		printf("system bundle: %zu anchors\n", a.n);
		tls_anchors_free(&a);
	} else
		printf("no /etc/ssl/certs/ca-certificates.crt: skipped\n");
}

static void
test_engine(void)
{
	struct tls_anchors a, self;
	struct tls_x509 *x = calloc(1, sizeof(*x));
	const br_x509_pkey *pk;
	uint8_t pin[32], ecpin[32];
	unsigned u;
	char err[512];

	if (x == NULL)
		return;
	CHECK(tls_anchors_load(&a, path("ca.pem"), err, sizeof(err)) == 0);
	CHECK(tls_anchors_load(&self, path("self.pem"), err, sizeof(err)) == 0);
	CHECK(read_pin("srv.pin", pin) == 0);
	CHECK(read_pin("ec.pin", ecpin) == 0);

	/* DNS names */
	tls_x509_init(x, &a, "sw.test", 0, NULL);
	CHECK(run_chain(x, "sw.test", "srv.der", "ca.der") == 0);
	pk = pkey(x, &u);
	CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_RSA && u != 0);
	CHECK(run_chain(x, "sw.test", "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "SW.Test", 0, NULL);
	CHECK(run_chain(x, "SW.Test", "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "sw.test.", 0, NULL);
	CHECK(run_chain(x, NULL, "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "a.wild.test", 0, NULL);
	CHECK(run_chain(x, "a.wild.test", "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "wild.test", 0, NULL);
	CHECK(run_chain(x, "wild.test", "srv.der", NULL) ==
	    BR_ERR_X509_BAD_SERVER_NAME);
	tls_x509_init(x, &a, "a.b.wild.test", 0, NULL);
	CHECK(run_chain(x, "a.b.wild.test", "srv.der", NULL) ==
	    BR_ERR_X509_BAD_SERVER_NAME);
	tls_x509_init(x, &a, "other.test", 0, NULL);
	CHECK(run_chain(x, "other.test", "srv.der", "ca.der") ==
	    BR_ERR_X509_BAD_SERVER_NAME);
	pk = pkey(x, &u);
	CHECK(pk == NULL);
	/* our name wins over what BearSSL passes */
	tls_x509_init(x, &a, "other.test", 0, NULL);
	CHECK(run_chain(x, "sw.test", "srv.der", NULL) ==
	    BR_ERR_X509_BAD_SERVER_NAME);
	/* CN only when there is no dNSName SAN */
	tls_x509_init(x, &a, "cn.test", 0, NULL);
	CHECK(run_chain(x, "cn.test", "cn.der", NULL) ==
	    BR_ERR_X509_BAD_SERVER_NAME);
	tls_x509_init(x, &a, "other.test", 0, NULL);
	CHECK(run_chain(x, "other.test", "cn.der", NULL) == 0);
	tls_x509_init(x, &a, "CNONLY.test", 0, NULL);
	CHECK(run_chain(x, "CNONLY.test", "cnonly.der", NULL) == 0);
	tls_x509_init(x, &a, "x.cnonly.test", 0, NULL);
	CHECK(run_chain(x, "x.cnonly.test", "cnonly.der", NULL) ==
	    BR_ERR_X509_BAD_SERVER_NAME);

	/* chain and date failures */
	tls_x509_init(x, &a, "sw.test", 0, NULL);
	CHECK(run_chain(x, "sw.test", "other.der", NULL) ==
	    BR_ERR_X509_NOT_TRUSTED);
	CHECK(run_chain(x, "sw.test", "exp.der", "ca.der") ==
	    BR_ERR_X509_EXPIRED);
	CHECK(run_chain(x, "sw.test", "fut.der", NULL) == BR_ERR_X509_EXPIRED);
	CHECK(run_chain(x, "sw.test", "self.der", NULL) ==
	    BR_ERR_X509_NOT_TRUSTED);
	tls_x509_init(x, &self, "self.test", 0, NULL);
	CHECK(run_chain(x, "self.test", "self.der", NULL) == 0);
	tls_x509_init(x, &a, "ec.test", 0, NULL);
	CHECK(run_chain(x, "ec.test", "ec.der", NULL) == 0);
	pk = pkey(x, &u);
	CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_EC);
	CHECK(run_chain(x, "ec.test", NULL, NULL) == BR_ERR_X509_EMPTY_CHAIN);

	/* IP literals: iPAddress SANs only */
	tls_x509_init(x, &a, "127.0.0.1", 0, NULL);
	CHECK(x->iplen == 4);
	CHECK(run_chain(x, NULL, "srv.der", "ca.der") == 0);
	CHECK(pkey(x, &u) != NULL);
	tls_x509_init(x, &a, "::1", 0, NULL);
	CHECK(x->iplen == 16);
	CHECK(run_chain(x, NULL, "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "[::1]", 0, NULL);
	CHECK(run_chain(x, "::1", "srv.der", NULL) == 0);
	tls_x509_init(x, &a, "127.0.0.2", 0, NULL);
	CHECK(run_chain(x, NULL, "srv.der", NULL) == TLS_ERR_IP_MISMATCH);
	CHECK(pkey(x, &u) == NULL);
	tls_x509_init(x, &a, "::2", 0, NULL);
	CHECK(run_chain(x, NULL, "srv.der", NULL) == TLS_ERR_IP_MISMATCH);
	tls_x509_init(x, &a, "127.0.0.1", 0, NULL);
	CHECK(run_chain(x, NULL, "ipcn.der", NULL) == TLS_ERR_IP_MISMATCH);
	CHECK(run_chain(x, NULL, "other.der", NULL) ==
	    BR_ERR_X509_NOT_TRUSTED);

	/* insecure: nothing checked, the leaf's key used */
	tls_x509_init(x, NULL, "wrong.test", 1, NULL);
	CHECK(run_chain(x, "wrong.test", "exp.der", NULL) == 0);
	pk = pkey(x, &u);
	CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_RSA);
	CHECK(u == (BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN));
	CHECK(run_chain(x, "wrong.test", "other.der", NULL) == 0);
	CHECK(run_chain(x, "wrong.test", "ec.der", "ca.der") == 0);
	pk = pkey(x, &u);
	CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_EC);
	tls_x509_init(x, NULL, "10.9.9.9", 1, NULL);
	CHECK(run_chain(x, NULL, "srv.der", NULL) == 0);
	CHECK(pkey(x, &u) != NULL);

	/* pins */
	tls_x509_init(x, &a, "sw.test", 0, pin);
	CHECK(run_chain(x, "sw.test", "srv.der", "ca.der") == 0);
	CHECK(pkey(x, &u) != NULL);
	tls_x509_init(x, &a, "sw.test", 0, ecpin);
	CHECK(run_chain(x, "sw.test", "srv.der", "ca.der") ==
	    TLS_ERR_PIN_MISMATCH);
	CHECK(pkey(x, &u) == NULL);
	tls_x509_init(x, &a, "sw.test", 0, pin);	/* pin does not replace */
	CHECK(run_chain(x, "sw.test", "other.der", NULL) ==
	    BR_ERR_X509_NOT_TRUSTED);
	tls_x509_init(x, NULL, "wrong.test", 1, pin);
	CHECK(run_chain(x, "wrong.test", "exp.der", NULL) == 0); /* same key */
	CHECK(run_chain(x, "wrong.test", "srv.der", NULL) == 0);
	pk = pkey(x, &u);
	CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_RSA);
	CHECK(run_chain(x, "wrong.test", "ec.der", NULL) ==
	    TLS_ERR_PIN_MISMATCH);
	CHECK(pkey(x, &u) == NULL);
	tls_x509_init(x, NULL, "ec.test", 1, ecpin);
	CHECK(run_chain(x, "ec.test", "ec.der", NULL) == 0);
	CHECK(run_chain(x, "ec.test", "srv.der", NULL) ==
	    TLS_ERR_PIN_MISMATCH);

	tls_anchors_free(&a);
	tls_anchors_free(&self);
	free(x);
}

static void
test_strings(void)
{
	uint8_t p[32];

	CHECK(strcmp(tls_strerror(BR_ERR_X509_NOT_TRUSTED),
	    "certificate verify failed: unknown CA") == 0);
	CHECK(strcmp(tls_strerror(BR_ERR_X509_EXPIRED),
	    "certificate verify failed: certificate expired or not yet valid")
	    == 0);
	CHECK(strcmp(tls_strerror(BR_ERR_X509_BAD_SERVER_NAME),
	    "certificate verify failed: hostname mismatch") == 0);
	CHECK(strcmp(tls_strerror(TLS_ERR_IP_MISMATCH),
	    "certificate verify failed: hostname mismatch") == 0);
	CHECK(strcmp(tls_strerror(TLS_ERR_PIN_MISMATCH),
	    "certificate verify failed: public key pin mismatch") == 0);
	CHECK(strcmp(tls_strerror(BR_ERR_RECV_FATAL_ALERT + 48),
	    "peer sent alert 48 (unknown CA)") == 0);
	CHECK(strcmp(tls_strerror(BR_ERR_SEND_FATAL_ALERT + 40),
	    "sent alert 40 (handshake failure)") == 0);
	CHECK(strcmp(tls_strerror(BR_ERR_X509_BAD_TAG_VALUE),
	    "certificate verify failed: bad certificate (BearSSL error 38)")
	    == 0);
	CHECK(strcmp(tls_strerror(99),
	    "handshake failed: BearSSL error 99") == 0);

	CHECK(tls_pin_parse("sha256//"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", p) == 0);
	CHECK(tls_pin_parse("sha256//"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", p) == 0 &&
	    p[0] == 0xe3 && p[31] == 0x55);
	CHECK(tls_pin_parse("sha1//"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", p) < 0);
	CHECK(tls_pin_parse("sha256//"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF==", p) < 0);
	CHECK(tls_pin_parse("sha256//"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", p) < 0);
	CHECK(tls_pin_parse("sha256//"
	    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=x", p) < 0);
	CHECK(tls_pin_parse("", p) < 0);
}

int
main(void)
{
	char cmd[256];
	FILE *f;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/test_x509.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	f = fopen(path("gen.sh"), "w");
	if (f == NULL || fputs(gen_script, f) < 0 || fclose(f) != 0) {
		perror("gen.sh");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "cd %s && sh gen.sh", dir);
	rc = system(cmd);
	CHECK(rc == 0);
	if (rc != 0) {
		snprintf(cmd, sizeof(cmd), "cat %s/gen.log >&2", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "no gen.log\n");
	} else {
		test_creds();
		test_anchors();
		test_engine();
	}
	test_strings();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return t_done("test_x509");
}
