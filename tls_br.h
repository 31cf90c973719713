/*
 * tls_br.h - private to the TLS module (tls.c, pem.c, x509.c) and its
 * tests: the one header that includes <bearssl.h>.
 */
#ifndef TLS_BR_H
#define TLS_BR_H

#include <bearssl.h>

#include "defs.h"
#include "tls.h"

/* Our end_chain verdicts, on values of BearSSL's X.509 range (32..63)
 * that BearSSL 0.6 leaves unused.  A DNS name mismatch (our check) is
 * BR_ERR_X509_BAD_SERVER_NAME; a certificate over TLS_LEAF_MAX is
 * BR_ERR_X509_LIMIT_EXCEEDED. */
#define TLS_ERR_PIN_MISMATCH	61	/* leaf SPKI SHA-256 != pin */
#define TLS_ERR_IP_MISMATCH	63	/* IP literal not in iPAddress SANs */

/*
 * The public-key code we link, the same for every use (pem.c): generic
 * i31 arithmetic for the NIST curves and RSA, i31 Curve25519.  BearSSL's
 * defaults add a dedicated P-256 (8 KB), Curve25519 m31 and 62-bit RSA
 * that only make the rare handshake faster; the bulk cipher is what a
 * tunnel spends its time in (tls.c picks it by CPU).
 */
const br_ec_impl *tls_ec(void);
#define tls_rsa_private()	br_rsa_i31_private
#define tls_rsa_sign()		br_rsa_i31_pkcs1_sign
#define tls_rsa_vrfy()		br_rsa_i31_pkcs1_vrfy
#define tls_rsa_modulus()	br_rsa_i31_compute_modulus
#define tls_ecdsa_sign()	br_ecdsa_i31_sign_asn1
#define tls_ecdsa_vrfy()	br_ecdsa_i31_vrfy_asn1

/* Server credentials: chain (leaf first) and private key, loaded once. */
struct tls_creds {
	br_x509_certificate	*chain;
	size_t			 chain_len;
	int			 key_type;	/* BR_KEYTYPE_RSA or _EC */
	br_rsa_private_key	 rsa;		/* deep copies */
	br_ec_private_key	 ec;
	int			 issuer_key_type; /* the leaf's signer key
						   * type (init_full_ec) */
};
/*
 * Load a PEM private key (RSA, EC or PKCS#8; the first one found) and a
 * PEM chain (every CERTIFICATE in order, leaf first).  keyfile and
 * certfile may be the same file; other blocks are skipped; CRLF and a
 * missing final newline are fine.  The key must match the leaf.
 * 0, or -1 with err: "<file>: <what>" (no private key, encrypted
 * private key not supported, no certificate, bad PEM, private key does
 * not match certificate...) or file.h's ew_file_error ("cannot read
 * <file>: not a regular file", "...: missing, unreadable or over N
 * bytes").
 */
int tls_creds_load(struct tls_creds *, const char *keyfile,
    const char *certfile, char *err, size_t errlen);
void tls_creds_free(struct tls_creds *);

struct tls_anchors {
	br_x509_trust_anchor	*ta;
	size_t			 n;
};
/* Every CERTIFICATE of file as a trust anchor (BR_X509_TA_CA when the
 * certificate says CA; a non-CA one is trusted directly, e.g. a
 * self-signed server certificate); certificates with a key type BearSSL
 * cannot use are skipped.  0, or -1 with err as above. */
int tls_anchors_load(struct tls_anchors *, const char *file, char *err,
    size_t errlen);
void tls_anchors_free(struct tls_anchors *);

/*
 * The X.509 engine of one client connection: wraps br_x509_minimal for
 * the chain (anchors, signatures, dates) and checks the name and pin
 * itself on a copy of the leaf.  Setup, after br_ssl_client_init_full
 * (which may be given &x->minimal):
 *	tls_x509_init(x, anchors, host, insecure, pin);
 *	br_ssl_engine_set_x509(&cc->eng, &x->vtable);
 *	br_ssl_client_reset(cc, <host, or NULL for an IP literal>, 0);
 * The name checked is server_name, whatever BearSSL passes along.
 */
struct tls_x509 {
	const br_x509_class	*vtable;	/* first: BearSSL calls it */
	br_x509_minimal_context	 minimal;
	int			 insecure;
	int			 has_pin;
	uint8_t			 pin[32];
	char			 name[256];	/* DNS name, "" = none */
	int			 name_bad;	/* unusable: never matches */
	uint8_t			 ip[16];	/* IP literal ... */
	size_t			 iplen;		/* ... 4 or 16; 0 = DNS */
	/* per chain */
	const char		*chain_name;	/* DNS name checked, or NULL */
	uint32_t		 ncerts;
	size_t			 leaf_want, leaf_len;
	int			 leaf_over;	/* leaf over TLS_LEAF_MAX */
	int			 err;		/* our end_chain verdict */
	int			 use_dec;	/* insecure: key in dec */
	uint8_t			 leaf[TLS_LEAF_MAX];
	br_x509_decoder_context	 dec;		/* insecure: leaf decoder */
};
/*
 * anchors may be NULL only when insecure.  server_name: the URL host
 * (brackets allowed).  An IPv4/IPv6 literal is matched byte-exact
 * against iPAddress SANs; a DNS name against dNSName SANs (ASCII case
 * ignored, '*' only as a whole left-most label over at least two more
 * labels), the subject CN only when there is no dNSName SAN.  pin: NULL
 * or the SHA-256 of the leaf's SubjectPublicKeyInfo DER, checked on top
 * of everything else, or alone when insecure.  insecure without pin: no
 * checks at all; the leaf's key is used with usages KEYX|SIGN.
 */
void tls_x509_init(struct tls_x509 *, const struct tls_anchors *,
    const char *server_name, int insecure, const uint8_t *pin);

#endif /* TLS_BR_H */
