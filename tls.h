/*
 * tls.h - TLS for connections (tls.c), with certificates from PEM files
 * (pem.c) checked by our X.509 engine (x509.c).  The TLS module is the
 * only place that sees BearSSL: its types are opaque here (tls_br.h has
 * them, for the module's own files and its tests).
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"

struct tls;		/* one BearSSL engine per connection */
struct tls_creds;	/* server chain and key, loaded once, shared */
struct tls_anchors;	/* trust anchors of a client */

struct tls *tls_server_new(const struct tls_creds *);
/* host: the URL host (SNI unless an IP literal; checked unless
 * insecure); pin: NULL or a 32-byte SPKI SHA-256. */
struct tls *tls_client_new(const struct tls_anchors *, const char *host,
    int insecure, const uint8_t *pin);
void tls_free(struct tls *);
/* The bytes one engine holds (context, record buffers, for a client its
 * X.509 state), counted against --maxmem. */
size_t tls_size(int client);
/* Plaintext out: > 0 bytes, 0 on the peer's close, -1 with errno
 * (EAGAIN: wait for tls_interest(); EPROTO: see tls_error()). */
ssize_t tls_read(struct tls *, int fd, uint8_t *buf, size_t cap);
/* Plaintext in: bytes taken (> 0), or -1 with errno (EAGAIN). */
ssize_t tls_write(struct tls *, int fd, const uint8_t *buf, size_t len);
/* Seal what was written and send records: 0 all sent, -1 (EAGAIN). */
int tls_flush(struct tls *, int fd);
/* EPOLLIN / EPOLLOUT the engine wants now. */
uint32_t tls_interest(const struct tls *);
int tls_established(const struct tls *);
/* 1 while decrypted input waits to be read (epoll cannot see it). */
int tls_pending(const struct tls *);
int tls_error(const struct tls *);	/* br_ssl_engine_last_error() */
/* 1 if err (a tls_error() value) says the server's certificate did not
 * verify (chain, name, dates, pin): trying again will not change it. */
int tls_verify_error(int err);
/* Send close_notify (best effort, never blocks). */
void tls_close(struct tls *, int fd);

/*
 * Server credentials from a PEM private key (RSA, EC or PKCS#8) and a
 * PEM chain, leaf first (see tls_creds_load in tls_br.h): a new object,
 * or NULL with err set ("<file>: <what>", "cannot read <file>: ...",
 * "out of memory").  Free with tls_creds_destroy.
 */
struct tls_creds *tls_creds_new(const char *keyfile, const char *certfile,
    char *err, size_t errlen);
void tls_creds_destroy(struct tls_creds *);
/* Every CERTIFICATE of file as a trust anchor: a new object, or NULL with
 * err set as above.  Free with tls_anchors_destroy (NULL is fine). */
struct tls_anchors *tls_anchors_new(const char *file, char *err,
    size_t errlen);
void tls_anchors_destroy(struct tls_anchors *);

/* A message a person understands for a br_ssl_engine_last_error() value
 * (ours included): "certificate verify failed: unknown CA", "...:
 * hostname mismatch", "peer sent alert 48 (unknown CA)", "handshake
 * failed: BearSSL error N"...  Static storage, which the next call may
 * reuse. */
const char *tls_strerror(int err);
/* Parse "sha256//<44 base64 chars>" into out: 0, or -1. */
int tls_pin_parse(const char *s, uint8_t out[32]);
/* Once the handshake is done: the protocol ("TLS 1.2") and the cipher
 * suite in OpenSSL's words ("ECDHE-RSA-AES128-GCM-SHA256"); NULL
 * before, or for what we do not know. */
void tls_info(const struct tls *, const char **version,
    const char **cipher);

#endif /* TLS_H */
