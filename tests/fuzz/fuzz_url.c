/*
 * fuzz_url.c - libFuzzer harness for url_parse (http.c).  The input,
 * cut at its first NUL, is a URL.  On success: scheme lower-case
 * letters, host non-empty (a valid IPv6 literal when bracketed, else
 * host characters only), port in 1..65535, path starting with '/'
 * without a fragment, and the URL rebuilt from the parts parses back to
 * the same parts.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_url(const struct url *u)
{
	struct in6_addr a6;
	size_t i;

	assert(u->scheme[0] != '\0');
	for (i = 0; u->scheme[i] != '\0'; i++)
		assert(u->scheme[i] >= 'a' && u->scheme[i] <= 'z');
	assert(u->host[0] != '\0');
	assert(strlen(u->host) < sizeof(u->host));
	if (u->ipv6)
		assert(inet_pton(AF_INET6, u->host, &a6) == 1);
	else
		for (i = 0; u->host[i] != '\0'; i++)
			assert(is_hostchar((unsigned char)u->host[i]));
	assert(u->port >= 1 && u->port <= 65535);
	if (!u->port_given)
		assert(u->port == 80 || u->port == 443);
	assert(u->path[0] == '/');
	assert(strchr(u->path, '#') == NULL);
	for (i = 0; u->path[i] != '\0'; i++)
		assert((unsigned char)u->path[i] > 0x20 && u->path[i] != 0x7f);
	assert(strlen(u->user) < sizeof(u->user));
	assert(strlen(u->pass) < sizeof(u->pass));
	if (!u->has_userinfo)
		assert(u->user[0] == '\0' && u->pass[0] == '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, v;
	static char s[8192], t[8192];
	size_t n;
	int r;

	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, n);
	s[n] = '\0';
	/* Exact-size heap copy, so that an over-read is caught. */
	{
		char *h = malloc(strlen(s) + 1);

		assert(h != NULL);
		memcpy(h, s, strlen(s) + 1);
		r = url_parse(h, &u);
		free(h);
	}
	assert(r == 0 || r == -1);
	if (r != 0)
		return 0;
	check_url(&u);
	/* Rebuild without userinfo (it was percent-decoded). */
	snprintf(t, sizeof(t), "%s://%s%s%s:%d%s", u.scheme,
	    u.ipv6 ? "[" : "", u.host, u.ipv6 ? "]" : "", u.port, u.path);
	r = url_parse(t, &v);
	assert(r == 0);
	assert(strcmp(u.scheme, v.scheme) == 0);
	assert(strcmp(u.host, v.host) == 0);
	assert(u.ipv6 == v.ipv6);
	assert(u.port == v.port);
	assert(strcmp(u.path, v.path) == 0);
	assert(!v.has_userinfo);
	return 0;
}
