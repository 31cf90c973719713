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
