/*
 * ctlsrv.h - the control endpoint of accepted connections (ctlsrv.c):
 * its checks, its JSON-RPC request and reply, GET /metrics.
 */
#ifndef CTLSRV_H
#define CTLSRV_H

#include <stdint.h>

struct conn;
struct htpasswd;
struct http_msg;

/* --ctlpath, --ctlhost, --ctlhtpasswd (NULL: none); before the first. */
void ctlsrv_configure(const char *path, const char *host,
    struct htpasswd *auth);
/* Who is at the other end of fd, asked at accept (a listener with the
 * control endpoint): the rank among control connections (CTL_*); *r 1
 * and *uid a local user, 0 another host, -1 nobody nameable (*eno). */
int ctlsrv_rank(int fd, int *r, int *eno, uint32_t *uid);
/* A request to --ctlpath or METRICS_PATH: checked, then the metrics
 * reply, or the body awaited (CS_BODY), or the refusal. */
void ctlsrv_start(struct conn *c, const struct http_msg *m);
/* The body, once all of it is in, to rpc.c; its reply closes c. */
void ctlsrv_body(struct conn *c);

#endif /* CTLSRV_H */
