/*
 * reqcheck.h - what both endpoints of an accepted connection check of
 * its HTTP request, and how they refuse it (reqcheck.c).
 */
#ifndef REQCHECK_H
#define REQCHECK_H

#include <stddef.h>

struct conn;
struct htpasswd;
struct http_msg;

/* Reply status (with extra header lines, and body or the reason) and
 * close once it has left. */
void req_error(struct conn *, int status, const char *extra,
    const char *body);
/* The request's path, its query left out, is path. */
int req_path_is(const struct http_msg *m, const char *path);
/*
 * The password of c's request against db (--htpasswd, --ctlhtpasswd;
 * NULL: none asked): 1 passes; 0 with the refusal queued, a 401, or a
 * 429 while its address is held back after failed logins (authfail.c).
 * ctl: the control endpoint's.
 */
int req_login_ok(struct conn *c, struct htpasswd *db,
    const struct http_msg *m, int ctl);
/* The request has a Sec-Fetch-* header: a browser made it. */
int req_sec_fetch(const struct http_msg *m);
/* Host (v, n) names the address c came to, localhost, or lname (the
 * endpoint's listen option) if that is a name; with c's port. */
int req_host_ok(const struct conn *c, const char *v, size_t n,
    const char *lname);

#endif /* REQCHECK_H */
