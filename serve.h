/*
 * serve.h - the server side of accepted connections (serve.c): one
 * HTTP request read and routed by path to the tunnel endpoint (the
 * WebSocket upgrade, with auth, and the server port it makes) or to the
 * control endpoint (ctlsrv.c); the reverse proxies it trusts
 * (--trustproxy).
 */
#ifndef SERVE_H
#define SERVE_H

struct htpasswd;
struct tls_creds;

/* What the server side is told by the daemon (sw.c's options). */
struct serve_conf {
	const char	*path, *ctlpath;	/* the two endpoints */
	const char	*host, *ctlhost;	/* where they listen (Host:) */
	const char	*tunnelorigin;		/* Origins a tunnel may send,
						 * a comma list, or NULL */
	long long	 maxconn;		/* tunnel connections */
	long long	 maxmem;		/* connection buffers (texts) */
	struct htpasswd	*auth, *ctlauth;	/* NULL: no Basic auth */
};
/* Before the listeners open (copied). */
void serve_configure(const struct serve_conf *);
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
