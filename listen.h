/*
 * listen.h - the listening sockets (listen.c).
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

struct tls_creds;

/* What the listeners are told by the daemon (sw.c's options). */
struct listen_conf {
	const char		*host, *ctlhost;
	int			 port, ctlport;
	long long		 ctlmaxconn;	/* control connections */
	const struct tls_creds	*creds, *ctlcreds; /* TLS, or NULL */
	int			 ctlauth;	/* --ctlhtpasswd given */
};
/* The tunnel and control listeners lc names: 0, or -1 with err set. */
int listeners_open(const struct listen_conf *, char *err, size_t errlen);

#endif /* LISTEN_H */
