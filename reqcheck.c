/*
 * reqcheck.c - what both endpoints of an accepted connection check of
 * its HTTP request, and how they refuse it: the error replies, the
 * path, Basic auth with the per-address backoff (authfail.c), browser
 * headers and the Host.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bytes.h"
#include "auth.h"
#include "authfail.h"
#include "conn.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "reqcheck.h"
#include "srclimit.h"
#include "sys.h"
#include "util.h"

void
req_error(struct conn *c, int status, const char *extra, const char *body)
{
	char buf[512];
	int n;

	if (body == NULL)
		body = http_reason(status);
	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 %d %s\r\n%s"
	    "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", status, http_reason(status),
	    extra ? extra : "", strlen(body), body);
	out_append(c, buf, (size_t)n);
	conn_linger(c);
}

static void
req_401(struct conn *c, int ctl)
{
	char buf[256];
	int n;

	n = ew_snprintf(buf, sizeof(buf), "HTTP/1.1 401 %s\r\nWWW-Authenticate: "
	    "Basic realm=\"etherws\"\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n",
	    ctl ? "Authorization Required" : "Unauthorized");
	out_append(c, buf, (size_t)n);
	/* Rate-limited per peer: a password guesser cannot fill the log. */
	log_msg_rl(EW_LOG_WARNING, c->peerip, "authentication failed: %s (%s)",
	    c->peerip, ctl ? "control" : "tunnel");
	conn_linger(c);
}

int
req_path_is(const struct http_msg *m, const char *path)
{
	size_t n = 0;

	while (n < m->target_len && m->target[n] != '?')
		n++;
	return strlen(path) == n && memcmp(m->target, path, n) == 0;
}

/* Without an htpasswd file the Authorization header is ignored. */
static int
auth_ok(struct htpasswd *db, const struct http_msg *m)
{
	const struct http_header *h;

	if (db == NULL)
		return 1;
	h = http_header(m, "Authorization");
	return h != NULL && htpasswd_check(db, h->value, h->value_len) == 1;
}

/*
 * The password of c's request against db (--htpasswd, --ctlhtpasswd):
 * 1 passes; 0 with the refusal queued, a 401, or a 429 while its
 * address is held back after failed logins (authfail.c: checked no
 * more, so a guesser learns nothing in the meantime).  A request
 * without Authorization tried no password and does not count; nor
 * does a local operator of the control endpoint, who is never held
 * back (its guesses could not shut out root).
 */
int
req_login_ok(struct conn *c, struct htpasswd *db, const struct http_msg *m,
    int ctl)
{
	uint8_t key[16];
	uint64_t now = ew_now_ms(), wait;
	char extra[48];

	if (db == NULL)
		return 1;
	if ((ctl && c->owner_r == 1) || src_key(c->peerip, key) < 0) {
		if (auth_ok(db, m))
			return 1;
		req_401(c, ctl);
		return 0;
	}
	if ((wait = authfail_wait(key, now)) > 0) {
		ew_snprintf(extra, sizeof(extra), "Retry-After: %llu\r\n",
		    (unsigned long long)(wait + 999) / 1000);
		req_error(c, 429, extra, "Too many failed logins from this "
		    "address");
		return 0;
	}
	if (auth_ok(db, m)) {
		authfail_ok(key);
		return 1;
	}
	if (http_header(m, "Authorization") != NULL &&
	    (wait = authfail_failed(key, now)) > 0)
		log_msg_rl(EW_LOG_WARNING, c->peerip, "authentication failed "
		    "again: %s (%s) held back for %llu s", c->peerip,
		    ctl ? "control" : "tunnel",
		    (unsigned long long)(wait + 999) / 1000);
	req_401(c, ctl);
	return 0;
}

/* Sec-Fetch-* (Fetch Metadata): browsers add them to every request and
 * scripts cannot remove them; no etherws peer or ctl sends one. */
int
req_sec_fetch(const struct http_msg *m)
{
	size_t i;

	for (i = 0; i < m->nheaders; i++)
		if (m->headers[i].name_len >= 10 &&
		    ew_strcaseeq(m->headers[i].name, 10, "Sec-Fetch-"))
			return 1;
	return 0;
}

/* The address bytes of ss into ip (4 or 16, returned) and its port. */
static size_t
sockaddr_ip(const struct sockaddr_storage *ss, uint8_t ip[16], int *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		memcpy(ip, &s4->sin_addr, 4);
		*port = ntohs(s4->sin_port);
		return 4;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(ip, &s6->sin6_addr, 16);
		*port = ntohs(s6->sin6_port);
		return 16;
	}
	*port = -1;
	return 0;
}

/*
 * Host (v, n) names the address the connection came to: that address
 * (an IPv6 one in brackets), localhost, or the endpoint's listen option
 * (--ctlhost, --host) if it is a name, with the port it came to, which
 * may be left out only where it is the scheme's default.  After DNS
 * rebinding a page's requests carry the attacker's name here.
 */
int
req_host_ok(const struct conn *c, const char *v, size_t n, const char *lname)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	uint8_t want[16], got[16];
	char host[256];
	const char *colon;
	size_t hn = n, alen;
	long long port = conn_tls(c) != NULL ? 443 : 80;
	int af, lport;

	if (getsockname(conn_fd(c), (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	af = ss.ss_family;
	alen = sockaddr_ip(&ss, want, &lport);
	colon = memrchr(v, ':', n);
	if (colon != NULL && (v[0] != '[' || colon[-1] == ']')) {
		hn = (size_t)(colon - v);
		if (n - hn - 1 == 0 || n - hn - 1 > 5)
			return 0;
		memcpy(host, colon + 1, n - hn - 1);
		host[n - hn - 1] = '\0';
		if (!ew_isdigit(host[0]) || ew_parse_int(host, &port) < 0)
			return 0;
	}
	if (port != lport || hn == 0 || hn >= sizeof(host))
		return 0;
	memcpy(host, v, hn);
	host[hn] = '\0';
	/* The listen option as a name; an address is compared as one
	 * below (and a wildcard, 0.0.0.0 or ::, must not pass for a name). */
	if (ew_strcaseeq(host, hn, "localhost") ||
	    (lname != NULL && lname[0] != '\0' && lname[0] != '[' &&
	    ew_pton(AF_INET, lname, got) != 1 &&
	    ew_pton(AF_INET6, lname, got) != 1 &&
	    ew_strcaseeq(host, hn, lname)))
		return 1;
	if (af == AF_INET6 && host[0] == '[' && host[hn - 1] == ']') {
		host[hn - 1] = '\0';
		return ew_pton(AF_INET6, host + 1, got) == 1 &&
		    memcmp(got, want, alen) == 0;
	}
	return af == AF_INET && ew_pton(AF_INET, host, got) == 1 &&
	    memcmp(got, want, alen) == 0;
}
