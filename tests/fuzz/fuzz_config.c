/*
 * fuzz_config.c - libFuzzer harness for the sw --config parser
 * (config.c).  The input is the file's text.  On success: at most
 * CFG_PORTS_MAX declarations, each on a line that exists, in ascending
 * line order, of a kind the file may declare, with its texts
 * NUL-terminated inside their buffers, a device name without '%' or
 * '/', a client URL starting with ws:// or wss://, no two naming the
 * same port; and each one written by cfg_format parses back to itself.
 * On failure: the error names a line ("line N: ...") or the size, and
 * nothing is left allocated.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../config.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_decl(const struct cfg_port *d, int prev_line, int nlines)
{
	char line[2 * CFG_LINE_MAX + 64], err[512];
	struct cfg back;
	int n;

	assert(d->line > prev_line && d->line <= nlines);
	assert(d->kind == PORT_TAP || d->kind == PORT_NETDEV ||
	    d->kind == PORT_CLIENT);
	assert(memchr(d->target, '\0', sizeof(d->target)) != NULL);
	assert(memchr(d->user, '\0', sizeof(d->user)) != NULL);
	assert(memchr(d->pwfile, '\0', sizeof(d->pwfile)) != NULL);
	assert(memchr(d->cacerts, '\0', sizeof(d->cacerts)) != NULL);
	assert(memchr(d->pin, '\0', sizeof(d->pin)) != NULL);
	if (d->kind != PORT_CLIENT) {
		assert(d->target[0] != '\0' && strlen(d->target) < IFNAME_MAX);
		assert(strchr(d->target, '%') == NULL);
		assert(strchr(d->target, '/') == NULL);
	} else
		assert(strncmp(d->target, "ws://", 5) == 0 ||
		    strncmp(d->target, "wss://", 6) == 0);
	assert(d->mtu == 0 || (d->mtu >= MTU_MIN && d->mtu <= MTU_MAX));
	n = cfg_format(d, line, sizeof(line));
	if (n < 0 || n > CFG_LINE_MAX)
		return;		/* escapes may make a line too long */
	assert(cfg_parse(line, (size_t)n, "/d", &back, err, sizeof(err)) == 0);
	assert(back.n == 1);
	back.port[0].line = d->line;
	/* relative paths of the input became absolute against "/d" */
	assert(memcmp(&back.port[0], d, sizeof(*d)) == 0);
	cfg_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct cfg c;
	size_t i;
	int nlines = 1, prev = 0;

	for (i = 0; i < size; i++)
		nlines += data[i] == '\n';
	if (cfg_parse((const char *)data, size, "/d", &c, err,
	    sizeof(err)) < 0) {
		assert(c.port == NULL && c.n == 0);
		assert(strncmp(err, "line ", 5) == 0 ||
		    strncmp(err, "over ", 5) == 0);
		return 0;
	}
	assert(c.n <= CFG_PORTS_MAX);
	for (i = 0; i < c.n; i++) {
		check_decl(&c.port[i], prev, nlines);
		prev = c.port[i].line;
		if (i > 0)
			assert(!cfg_same_port(&c.port[i], &c.port[i - 1]));
	}
	cfg_free(&c);
	return 0;
}
