/*
 * tls.c - BearSSL on the non-blocking loop: one engine per connection in
 * full-duplex mode (BR_SSL_BUFSIZE_BIDI), driven by the connection's
 * reads and writes.  TLS 1.2 only, ECDHE with AES-GCM or
 * ChaCha20-Poly1305, no renegotiation, no client certificates.
 *
 * The engine's four flows (bearssl_ssl.h): tls_read() sends pending
 * records, receives records and hands out plaintext; tls_write() takes
 * plaintext; tls_flush() seals a record and sends what it can.  Nothing
 * here blocks: -1 with errno EAGAIN means "wait for tls_interest()".
 * Last, the texts of BearSSL's error codes (tls_strerror).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "fmt.h"
#include "tls.h"
#include "tls_br.h"

struct tls {
	union {
		br_ssl_server_context	s;
		br_ssl_client_context	c;
	} u;
	br_ssl_engine_context	*eng;
	struct tls_x509		*x509;		/* client only */
	int			 up;		/* handshake done */
	int			 peer_eof;	/* TCP EOF seen */
	uint8_t			 iobuf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * The bulk ciphers, by CPU.  On x86-64, AES-GCM takes AES-NI and PCLMUL
 * and ChaCha20-Poly1305 SSE2 and 64-bit multiplies (which every x86-64
 * has); a CPU without AES-NI gets ChaCha20-Poly1305 only, which is
 * faster there than constant-time software AES -- and the static binary
 * carries no software AES, GHASH, ChaCha20 or Poly1305 it would never
 * run.  Elsewhere BearSSL's defaults pick the best it has, with its
 * portable constant-time code behind.  1 if AES-GCM is set up.
 */
static int
tls_ciphers(br_ssl_engine_context *e)
{
#if defined(__x86_64__)
	const br_block_ctr_class *aes = br_aes_x86ni_ctr_get_vtable();
	br_ghash gh = br_ghash_pclmul_get();

	br_ssl_engine_set_chapol(e, &br_sslrec_in_chapol_vtable,
	    &br_sslrec_out_chapol_vtable);
	br_ssl_engine_set_chacha20(e, br_chacha20_sse2_get());
	br_ssl_engine_set_poly1305(e, br_poly1305_ctmulq_get());
	if (aes == NULL || gh == 0)
		return 0;
	br_ssl_engine_set_gcm(e, &br_sslrec_in_gcm_vtable,
	    &br_sslrec_out_gcm_vtable);
	br_ssl_engine_set_aes_ctr(e, aes);
	br_ssl_engine_set_ghash(e, gh);
	return 1;
#else
	br_ssl_engine_set_default_aes_gcm(e);
	br_ssl_engine_set_default_chapol(e);
	return 1;
#endif
}

/* AES-GCM first where the CPU has AES-NI, ChaCha20-Poly1305 otherwise
 * (and only that where AES-GCM is not set up). */
static size_t
tls_suites(uint16_t *out, int ec, int aes_ok)
{
	static const uint16_t rsa_aes[] = {
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	}, ec_aes[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	};
	uint16_t chacha[2] = {
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	};
	size_t n = 0;
	int aesni = br_aes_x86ni_ctr_get_vtable() != NULL;

	if (!aesni || !aes_ok)
		out[n++] = ec ? chacha[1] : chacha[0];
	if (aes_ok) {
		memcpy(out + n, ec ? ec_aes : rsa_aes, sizeof(rsa_aes));
		n += 2;
	}
	if (aesni && aes_ok)
		out[n++] = ec ? chacha[1] : chacha[0];
	return n;
}

/*
 * What TLS 1.2 with ECDHE + AES-GCM / ChaCha20-Poly1305 needs, and no
 * more: the init_full helpers would also link CBC, 3DES, CCM, MD5 and
 * the TLS 1.0/1.1 PRF into every binary.
 */
static void
tls_engine_setup(struct tls *t, int ec_only, int both)
{
	br_ssl_engine_context *e = t->eng;
	uint16_t suites[8];
	size_t n;
	int aes_ok;

	br_ssl_engine_set_hash(e, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(e, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_prf_sha256(e, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(e, &br_tls12_sha384_prf);
	aes_ok = tls_ciphers(e);
	br_ssl_engine_set_ec(e, tls_ec());
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	if (both) {
		n = tls_suites(suites, 0, aes_ok);
		n += tls_suites(suites + n, 1, aes_ok);
	} else
		n = tls_suites(suites, ec_only, aes_ok);
	br_ssl_engine_set_suites(t->eng, suites, n);
	br_ssl_engine_add_flags(t->eng, BR_OPT_NO_RENEGOTIATION |
	    BR_OPT_ENFORCE_SERVER_PREFERENCES);
	br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof(t->iobuf), 1);
}

struct tls *
tls_server_new(const struct tls_creds *cr)
{
	struct tls *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->eng = &t->u.s.eng;
	br_ssl_server_zero(&t->u.s);
	if (cr->key_type == BR_KEYTYPE_EC)
		br_ssl_server_set_single_ec(&t->u.s, cr->chain, cr->chain_len,
		    &cr->ec, BR_KEYTYPE_SIGN, (unsigned)cr->issuer_key_type,
		    tls_ec(), tls_ecdsa_sign());
	else
		br_ssl_server_set_single_rsa(&t->u.s, cr->chain, cr->chain_len,
		    &cr->rsa, BR_KEYTYPE_SIGN, tls_rsa_private(),
		    tls_rsa_sign());
	tls_engine_setup(t, cr->key_type == BR_KEYTYPE_EC, 0);
	if (!br_ssl_server_reset(&t->u.s)) {
		free(t);
		return NULL;
	}
	return t;
}

size_t
tls_size(int client)
{
	return sizeof(struct tls) + (client ? sizeof(struct tls_x509) : 0);
}

/* 1 if host is an IPv4 or IPv6 literal (no SNI for those). */
static int
is_ip_literal(const char *host)
{
	uint8_t a[16];

	return ew_pton(AF_INET, host, a) == 1 ||
	    ew_pton(AF_INET6, host, a) == 1;
}

struct tls *
tls_client_new(const struct tls_anchors *ta, const char *host, int insecure,
    const uint8_t *pin)
{
	struct tls *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->x509 = calloc(1, sizeof(*t->x509));
	if (t->x509 == NULL) {
		free(t);
		return NULL;
	}
	t->eng = &t->u.c.eng;
	br_ssl_client_zero(&t->u.c);
	/* Verifying the server's ECDHE signature. */
	br_ssl_engine_set_rsavrfy(t->eng, tls_rsa_vrfy());
	br_ssl_engine_set_ecdsa(t->eng, tls_ecdsa_vrfy());
	/* Our X.509 engine wraps BearSSL's minimal one. */
	tls_x509_init(t->x509, ta, host, insecure, pin);
	br_ssl_engine_set_x509(t->eng, &t->x509->vtable);
	tls_engine_setup(t, 0, 1);
	if (!br_ssl_client_reset(&t->u.c, is_ip_literal(host) ? NULL : host,
	    0)) {
		tls_free(t);
		return NULL;
	}
	return t;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	free(t->x509);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/* Decrypted input waits in the engine. */
int
tls_pending(const struct tls *t)
{
	return (br_ssl_engine_current_state(t->eng) & BR_SSL_RECVAPP) != 0;
}

int
tls_established(const struct tls *t)
{
	return t->up;
}

int
tls_error(const struct tls *t)
{
	return br_ssl_engine_last_error(t->eng);
}

/* BearSSL's X.509 errors, ours (TLS_ERR_PIN_MISMATCH) among them, lie
 * in 33..63 (BR_ERR_X509_OK is 32, BR_ERR_IO 31, alerts 256 and up). */
int
tls_verify_error(int err)
{
	return err > BR_ERR_X509_OK && err < 64;
}

/* Send pending records: 1 progress, 0 nothing to send, -1 error/EAGAIN. */
static int
tls_send_records(struct tls *t, int fd)
{
	unsigned char *p;
	size_t len;
	ssize_t n;

	p = br_ssl_engine_sendrec_buf(t->eng, &len);
	if (p == NULL)
		return 0;
	n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return -1;
	br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
	return 1;
}

static void
tls_check_up(struct tls *t, unsigned st)
{
	if (!t->up && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
		t->up = 1;
		/* The X.509 engine (21 KB with its leaf copy) serves only
		 * the handshake, and renegotiation is off: give it back. */
		free(t->x509);
		t->x509 = NULL;
	}
}

ssize_t
tls_read(struct tls *t, int fd, uint8_t *buf, size_t cap)
{
	unsigned char *p;
	unsigned st;
	size_t len;
	ssize_t n;
	int i;

	for (i = 0; i < 64; i++) {
		st = br_ssl_engine_current_state(t->eng);
		tls_check_up(t, st);
		if (st & BR_SSL_CLOSED) {
			if (br_ssl_engine_last_error(t->eng) == BR_ERR_OK)
				return 0;	/* close_notify */
			errno = EPROTO;
			return -1;
		}
		if (st & BR_SSL_RECVAPP) {
			p = br_ssl_engine_recvapp_buf(t->eng, &len);
			if (len > cap)
				len = cap;
			memcpy(buf, p, len);
			br_ssl_engine_recvapp_ack(t->eng, len);
			return (ssize_t)len;
		}
		if ((st & BR_SSL_SENDREC) && tls_send_records(t, fd) < 0 &&
		    errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (!(st & BR_SSL_RECVREC)) {
			errno = EAGAIN;
			return -1;
		}
		p = br_ssl_engine_recvrec_buf(t->eng, &len);
		n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0)
			return -1;
		if (n == 0) {
			/* EOF without close_notify: truncation. */
			t->peer_eof = 1;
			errno = t->up ? ECONNRESET : EPROTO;
			return t->up ? 0 : -1;
		}
		br_ssl_engine_recvrec_ack(t->eng, (size_t)n);
	}
	errno = EAGAIN;
	return -1;
}

ssize_t
tls_write(struct tls *t, int fd, const uint8_t *buf, size_t len)
{
	unsigned char *p;
	unsigned st;
	size_t room;
	int i;

	for (i = 0; i < 64; i++) {
		st = br_ssl_engine_current_state(t->eng);
		tls_check_up(t, st);
		if (st & BR_SSL_CLOSED) {
			errno = EPIPE;
			return -1;
		}
		if (st & BR_SSL_SENDAPP) {
			p = br_ssl_engine_sendapp_buf(t->eng, &room);
			if (room > len)
				room = len;
			memcpy(p, buf, room);
			br_ssl_engine_sendapp_ack(t->eng, room);
			return (ssize_t)room;
		}
		if (!(st & BR_SSL_SENDREC)) {
			errno = EAGAIN;	/* the handshake needs input */
			return -1;
		}
		if (tls_send_records(t, fd) < 0)
			return -1;
	}
	errno = EAGAIN;
	return -1;
}

int
tls_flush(struct tls *t, int fd)
{
	int r;

	br_ssl_engine_flush(t->eng, 0);
	while ((r = tls_send_records(t, fd)) > 0)
		;
	return r;
}

uint32_t
tls_interest(const struct tls *t)
{
	unsigned st = br_ssl_engine_current_state(t->eng);
	uint32_t ev = 0;

	if (st & BR_SSL_RECVREC)
		ev |= EPOLLIN;
	if (st & BR_SSL_SENDREC)
		ev |= EPOLLOUT;
	return ev;
}

void
tls_close(struct tls *t, int fd)
{
	br_ssl_engine_close(t->eng);
	tls_flush(t, fd);
}

void
tls_info(const struct tls *t, const char **version, const char **cipher)
{
	static const struct {
		uint16_t	 id;
		const char	*name;
	} suites[] = {
		{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		    "ECDHE-RSA-AES128-GCM-SHA256" },
		{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		    "ECDHE-RSA-AES256-GCM-SHA384" },
		{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		    "ECDHE-ECDSA-AES128-GCM-SHA256" },
		{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		    "ECDHE-ECDSA-AES256-GCM-SHA384" },
		{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		    "ECDHE-RSA-CHACHA20-POLY1305" },
		{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		    "ECDHE-ECDSA-CHACHA20-POLY1305" },
	};
	br_ssl_session_parameters sp;
	size_t i;

	*version = *cipher = NULL;
	if (t == NULL || !t->up)
		return;
	if (br_ssl_engine_get_version(t->eng) == BR_TLS12)
		*version = "TLS 1.2";
	br_ssl_engine_get_session_parameters(t->eng, &sp);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == sp.cipher_suite)
			*cipher = suites[i].name;
}

/* ------------------------------------------------------------------ */
/* Error texts */

/* The text of code in a table of n one-byte codes and their n texts
 * back to back (a NUL after each), or NULL if the code is not there. */
static const char *
code_text(const uint8_t *codes, size_t n, const char *texts, int code)
{
	size_t i;

	for (i = 0; i < n; i++, texts += strlen(texts) + 1)
		if (codes[i] == code)
			return texts;
	return NULL;
}

/* TLS alert descriptions (RFC 8446 section 6), as a code byte and the
 * texts back to back like ew_strerror's table. */
#define ALERTTAB \
	X(0, "close notify") \
	X(10, "unexpected message") \
	X(20, "bad record MAC") \
	X(22, "record overflow") \
	X(40, "handshake failure") \
	X(42, "bad certificate") \
	X(43, "unsupported certificate") \
	X(44, "certificate revoked") \
	X(45, "certificate expired") \
	X(46, "certificate unknown") \
	X(47, "illegal parameter") \
	X(48, "unknown CA") \
	X(49, "access denied") \
	X(50, "decode error") \
	X(51, "decrypt error") \
	X(70, "protocol version") \
	X(71, "insufficient security") \
	X(80, "internal error") \
	X(86, "inappropriate fallback") \
	X(90, "user canceled") \
	X(100, "no renegotiation") \
	X(109, "missing extension") \
	X(110, "unsupported extension") \
	X(112, "unrecognized name") \
	X(116, "certificate required") \
	X(120, "no application protocol")

#define X(a, s)	a,
static const uint8_t alert_codes[] = { ALERTTAB };
#undef X
#define X(a, s)	s "\0"
static const char alert_texts[] = ALERTTAB;
#undef X

static const char *
alert_name(int a)
{
	const char *s = code_text(alert_codes, sizeof(alert_codes),
	    alert_texts, a);

	return s != NULL ? s : "unknown alert";
}

/* What failed, after "certificate verify failed: " and "handshake
 * failed: ", for the BearSSL codes (and ours) a person can act on. */
#define VERIFYTAB \
	X(BR_ERR_X509_NOT_TRUSTED, "unknown CA") \
	X(BR_ERR_X509_EXPIRED, "certificate expired or not yet valid") \
	X(BR_ERR_X509_BAD_SERVER_NAME, "hostname mismatch") \
	X(TLS_ERR_IP_MISMATCH, "hostname mismatch") \
	X(TLS_ERR_PIN_MISMATCH, "public key pin mismatch") \
	X(BR_ERR_X509_EMPTY_CHAIN, "no certificate") \
	X(BR_ERR_X509_NOT_CA, "issuer is not a CA") \
	X(BR_ERR_X509_BAD_SIGNATURE, "bad signature") \
	X(BR_ERR_X509_WEAK_PUBLIC_KEY, "key too weak") \
	X(BR_ERR_X509_FORBIDDEN_KEY_USAGE, "key usage forbids TLS") \
	X(BR_ERR_X509_CRITICAL_EXTENSION, "unsupported critical extension") \
	X(BR_ERR_X509_UNSUPPORTED, "unsupported algorithm") \
	X(BR_ERR_X509_WRONG_KEY_TYPE, "unsupported algorithm") \
	X(BR_ERR_X509_TIME_UNKNOWN, "current time unknown") \
	X(BR_ERR_X509_DN_MISMATCH, "broken chain") \
	X(BR_ERR_X509_LIMIT_EXCEEDED, "certificate too large")
#define HANDSHAKETAB \
	X(BR_ERR_UNSUPPORTED_VERSION, "unsupported protocol version") \
	X(BR_ERR_BAD_VERSION, "unsupported protocol version") \
	X(BR_ERR_BAD_CIPHER_SUITE, "no shared cipher") \
	X(BR_ERR_BAD_MAC, "bad record MAC") \
	X(BR_ERR_BAD_SIGNATURE, "bad server key exchange signature") \
	X(BR_ERR_WRONG_KEY_USAGE, "key usage does not allow the cipher") \
	X(BR_ERR_BAD_FINISHED, "bad Finished message")

#define X(e, s)	e,
static const uint8_t verify_codes[] = { VERIFYTAB };
static const uint8_t handshake_codes[] = { HANDSHAKETAB };
#undef X
#define X(e, s)	s "\0"
static const char verify_texts[] = VERIFYTAB;
static const char handshake_texts[] = HANDSHAKETAB;
#undef X

const char *
tls_strerror(int err)
{
	static char buf[96];
	const char *s;

	if (err == BR_ERR_OK)
		return "no error";
	if (err == BR_ERR_IO)
		return "I/O error";
	if ((s = code_text(verify_codes, sizeof(verify_codes),
	    verify_texts, err)) != NULL)
		ew_snprintf(buf, sizeof(buf), "certificate verify failed: %s",
		    s);
	else if ((s = code_text(handshake_codes, sizeof(handshake_codes),
	    handshake_texts, err)) != NULL)
		ew_snprintf(buf, sizeof(buf), "handshake failed: %s", s);
	else if (err >= BR_ERR_RECV_FATAL_ALERT &&
	    err < BR_ERR_SEND_FATAL_ALERT + 256)
		ew_snprintf(buf, sizeof(buf), "%s %d (%s)",
		    err >= BR_ERR_SEND_FATAL_ALERT ? "sent alert" :
		    "peer sent alert", err & 0xff, alert_name(err & 0xff));
	else if (err > BR_ERR_X509_OK && err < 64)
		ew_snprintf(buf, sizeof(buf), "certificate verify failed: "
		    "bad certificate (BearSSL error %d)", err);
	else
		ew_snprintf(buf, sizeof(buf), "handshake failed: BearSSL error %d",
		    err);
	return buf;
}
