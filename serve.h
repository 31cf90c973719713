/*
 * serve.h - the server side of accepted connections (serve.c): one
 * HTTP request read and routed by path to the tunnel endpoint (the
 * WebSocket upgrade, with auth, and the server port it makes) or to the
 * control endpoint (JSON-RPC, answered by rpc.c).
 */
#ifndef SERVE_H
#define SERVE_H

struct htpasswd;
struct tls_creds;

/* Set by the sw command line before the listeners open; NULL: no
 * Basic auth / plain TCP. */
extern struct htpasswd *serve_auth, *serve_ctlauth;
extern struct tls_creds *serve_creds, *serve_ctlcreds;
/* --trustproxy: a reverse proxy (an address or block) whose header
 * (serve_trust_header) names the peer instead of the connection's
 * address.  0, -1 if addr is no address or block, -2 if TRUSTPROXY_MAX
 * are there already. */
int serve_trust_add(const char *addr);
/* --trustproxyheader: the one header a trusted proxy writes and the
 * switch reads, TRUSTPROXY_HEADER (the default) or TRUSTPROXY_HEADER_ALT
 * (any case).  0, or -1 if name is neither. */
int serve_trust_header(const char *name);

/* A connection accepted on fd by a listener serving the tunnel (ws)
 * and/or the control endpoint (ctl), TLS with creds unless NULL; peer
 * "ip:port", peerip the address alone.  Closes fd when refused. */
void serve_accept(int fd, int ws, int ctl, const struct tls_creds *creds,
    const char *peer, const char *peerip);

#endif /* SERVE_H */
