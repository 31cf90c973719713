/*
 * test_config.c - the sw --config file (config.c): declarations of
 * every kind and option, quoting and comments, relative paths, each
 * kind of error with its line, the limits, and cfg_format's lines read
 * back to the same declarations.  Inputs end at a PROT_NONE page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "defs.h"
#include "t.h"

static char err[512];

/* Parse s (whole, NUL not included) with dir "/etc/etherws". */
static int
parse(const char *s, struct cfg *c)
{
	size_t len = strlen(s);

	err[0] = '\0';
	return cfg_parse(t_guard(s, len), len, "/etc/etherws", c, err,
	    sizeof(err));
}

/* s is refused with an error that begins with want. */
static int
refused(const char *s, const char *want)
{
	struct cfg c;

	if (parse(s, &c) == 0) {
		cfg_free(&c);
		fprintf(stderr, "accepted: %s\n", s);
		return 0;
	}
	if (strncmp(err, want, strlen(want)) != 0) {
		fprintf(stderr, "for %s\n  got:  %s\n  want: %s\n", s, err,
		    want);
		return 0;
	}
	return c.n == 0 && c.port == NULL;
}

static void
test_good(void)
{
	struct cfg c;
	const char *s =
	    "# etherws ports\n"
	    "\n"
	    "tap ethws0 --address 192.168.77.1 --netmask 255.255.255.0 "
	    "--mtu 1500\n"
	    "   netdev eth1 --shut   # the uplink\n"
	    "client --user alice --pwfile alice.pw --cacerts /etc/ca.pem "
	    "wss://hub.example/\n"
	    "client --shut --insecure --pin sha256//AAAA ws://10.0.0.2:8080/\r\n"
	    "tap 'ew 1'\n"
	    "client --user \"bob \\\"b\\\"\" --pwfile \"/x y/p\" ws://h/#frag";

	CHECK(parse(s, &c) == 0);
	CHECK(c.n == 6);
	if (c.n != 6)
		return;
	CHECK(c.port[0].kind == PORT_TAP && c.port[0].line == 3);
	CHECK(strcmp(c.port[0].target, "ethws0") == 0);
	CHECK(strcmp(c.port[0].address, "192.168.77.1") == 0);
	CHECK(strcmp(c.port[0].netmask, "255.255.255.0") == 0);
	CHECK(c.port[0].mtu == 1500 && !c.port[0].shut);
	CHECK(c.port[1].kind == PORT_NETDEV && c.port[1].shut);
	CHECK(strcmp(c.port[1].target, "eth1") == 0 && c.port[1].line == 4);
	CHECK(c.port[1].address[0] == '\0' && c.port[1].mtu == 0);
	CHECK(c.port[2].kind == PORT_CLIENT);
	CHECK(strcmp(c.port[2].user, "alice") == 0);
	/* relative to the file's directory */
	CHECK(strcmp(c.port[2].pwfile, "/etc/etherws/alice.pw") == 0);
	CHECK(strcmp(c.port[2].cacerts, "/etc/ca.pem") == 0);
	CHECK(strcmp(c.port[2].target, "wss://hub.example/") == 0);
	CHECK(c.port[3].shut && c.port[3].insecure);
	CHECK(strcmp(c.port[3].pin, "sha256//AAAA") == 0);
	CHECK(strcmp(c.port[3].target, "ws://10.0.0.2:8080/") == 0);
	CHECK(strcmp(c.port[4].target, "ew 1") == 0);
	CHECK(strcmp(c.port[5].user, "bob \"b\"") == 0);
	CHECK(strcmp(c.port[5].pwfile, "/x y/p") == 0);
	/* '#' inside a word is not a comment */
	CHECK(strcmp(c.port[5].target, "ws://h/#frag") == 0);
	cfg_free(&c);
	CHECK(parse("", &c) == 0 && c.n == 0);
	CHECK(parse("\n\n# nothing\n   \t\n", &c) == 0 && c.n == 0);
	cfg_free(&c);
}

static void
test_errors(void)
{
	char *big;
	size_t i;

	CHECK(refused("tap a\nfoo b\n", "line 2: unknown port type foo"));
	CHECK(refused("tap\n", "line 1: a tap port needs its device name"));
	CHECK(refused("client --user a\n", "line 1: a client port needs "
	    "its URL"));
	CHECK(refused("tap a b\n", "line 1: one device name a line"));
	CHECK(refused("tap a --adress 1.2.3.4\n", "line 1: unknown option "
	    "--adress (did you mean --address?)"));
	CHECK(refused("tap a --frobnicate\n", "line 1: unknown option "
	    "--frobnicate"));
	CHECK(refused("tap a --user x\n", "line 1: --user is not an option "
	    "of a tap port"));
	CHECK(refused("client --mtu 1500 ws://h/\n", "line 1: --mtu is not "
	    "an option of a client port"));
	CHECK(refused("tap a --shut --shut\n", "line 1: --shut given twice"));
	CHECK(refused("tap a --mtu\n", "line 1: --mtu needs a value"));
	CHECK(refused("tap a --mtu 100\n", "line 1: invalid --mtu 100: must "
	    "be 576..65535"));
	CHECK(refused("tap a --mtu x\n", "line 1: invalid --mtu x"));
	CHECK(refused("tap a --address 1.2.3.4.5\n", "line 1: invalid "
	    "--address 1.2.3.4.5: not an IPv4 address"));
	CHECK(refused("tap a --netmask nope\n", "line 1: invalid --netmask "
	    "nope: not an IPv4 address"));
	CHECK(refused("client --user a --passwd s ws://h/\n", "line 1: "
	    "--passwd: a password never goes in the file"));
	CHECK(refused("client --pwfile p ws://h/\n", "line 1: --pwfile needs "
	    "--user"));
	CHECK(refused("client --user '' ws://h/\n", "line 1: --user: an "
	    "empty name"));
	CHECK(refused("client --user a --pwfile '' ws://h/\n", "line 1: "
	    "--pwfile: an empty path"));
	CHECK(refused("client --pin md5//x ws://h/\n", "line 1: invalid --pin "
	    "md5//x"));
	CHECK(refused("client http://h/\n", "line 1: invalid URL http://h/: "
	    "a client port's URL starts with ws:// or wss://"));
	CHECK(refused("client ws://h:99999/\n", "line 1: invalid URL "
	    "ws://h:99999/"));
	CHECK(refused("client ws://u:p@h/\n", "line 1: invalid URL "
	    "ws://u:p@h/: no user:password@"));
	CHECK(refused("tap 'ethws%d'\n", "line 1: invalid tap name ethws%d: "
	    "a fixed name"));
	CHECK(refused("tap abcdefghijklmnopq\n", "line 1: invalid tap name"));
	CHECK(refused("netdev a/b\n", "line 1: invalid netdev name a/b"));
	CHECK(refused("tap 'a\n", "line 1: a single quote is not closed"));
	CHECK(refused("tap \"a\n", "line 1: a double quote is not closed"));
	CHECK(refused("# x\n\ntap a\nnetdev a\n", "line 4: netdev a is "
	    "declared on line 3 already"));
	CHECK(refused("client ws://h/\nclient --shut ws://h/\n", "line 2: "
	    "client ws://h/ is declared on line 1 already"));
	/* limits: words, line length, ports, file size */
	CHECK(refused("tap a --shut --shut --shut --shut --shut --shut --shut "
	    "--shut --shut --shut --shut --shut --shut --shut --shut --shut "
	    "--shut --shut --shut --shut --shut --shut --shut --shut --shut "
	    "--shut --shut --shut --shut --shut --shut --shut --shut\n",
	    "line 1: over 32 words"));
	big = malloc(CFG_FILE_MAX + 2);
	if (big == NULL)
		return;
	memset(big, ' ', CFG_LINE_MAX + 1);
	memcpy(big + CFG_LINE_MAX + 1, "\n", 2);
	CHECK(refused(big, "line 1: over 4096 bytes"));
	for (i = 0; i <= CFG_PORTS_MAX; i++)
		sprintf(big + i * 12, "tap t%06zu\n", i);
	CHECK(refused(big, "line 1025: over 1024 ports"));
	memset(big, '#', CFG_FILE_MAX + 1);
	big[CFG_FILE_MAX + 1] = '\0';
	CHECK(refused(big, "over 262144 bytes"));
	free(big);
}

/* A NUL inside the text (strlen would stop at it). */
static void
test_nul(void)
{
	static const char s[] = "tap a\ntap b\0c\n";
	struct cfg c;

	CHECK(cfg_parse(t_guard(s, sizeof(s) - 1), sizeof(s) - 1, "", &c,
	    err, sizeof(err)) < 0);
	CHECK(strcmp(err, "line 2: a control character (byte 0)") == 0);
	CHECK(refused("tap 'a\rb'\n", "line 1: a control character (byte "
	    "13)"));
	CHECK(refused("tap a\ntap \033[1m\n", "line 2: a control character "
	    "(byte 27)"));
}

/* Each declaration written and read back is the same declaration. */
static void
test_format(void)
{
	struct cfg c, back;
	char line[CFG_LINE_MAX + 2];
	const char *s =
	    "tap ethws0 --address 10.0.0.1 --netmask 255.0.0.0 --mtu 9000 "
	    "--shut\n"
	    "netdev eth1\n"
	    "client --user 'a b' --pwfile '/p \"q\\\\' --cacerts /c "
	    "--insecure --pin sha256//Zm9v --shut wss://h:8443/x\n"
	    "tap '#x'\n";
	size_t i;
	int n;

	CHECK(parse(s, &c) == 0 && c.n == 4);
	for (i = 0; i < c.n; i++) {
		n = cfg_format(&c.port[i], line, sizeof(line));
		CHECK(n > 0 && line[n - 1] == '\n');
		CHECK(parse(line, &back) == 0 && back.n == 1);
		if (back.n != 1)
			continue;
		back.port[0].line = c.port[i].line;
		CHECK(memcmp(&back.port[0], &c.port[i], sizeof(back.port[0]))
		    == 0);
		CHECK(strcmp(back.port[0].target, c.port[i].target) == 0);
		CHECK(strcmp(back.port[0].user, c.port[i].user) == 0);
		CHECK(back.port[0].shut == c.port[i].shut);
		CHECK(back.port[0].mtu == c.port[i].mtu);
		cfg_free(&back);
	}
	CHECK(cfg_format(&c.port[0], line, 10) == -1);
	n = cfg_format(&c.port[1], line, sizeof(line));
	CHECK(n > 0 && strcmp(line, "netdev eth1\n") == 0);
	cfg_free(&c);
}

int
main(void)
{
	test_good();
	test_errors();
	test_nul();
	test_format();
	return t_done("test_config");
}
