/*
 * config.h - the configuration file of sw --config (config.c): its
 * parser and its writer.  Pure text in, declarations out: no device,
 * no socket, no file but the text given (cfgrun.c applies them).
 *
 * One port a line, in the words "etherws ctl addport" takes:
 *
 *	tap NAME [--address A] [--netmask M] [--mtu N] [--shut]
 *	netdev NAME [--address A] [--netmask M] [--mtu N] [--shut]
 *	client [--user U --pwfile F] [--cacerts F] [--insecure]
 *	    [--pin sha256//B64] [--shut] URL
 *
 * '#' begins a comment (at the start of a word), blank lines are
 * skipped, a word may be quoted ('...' as is, "..." with \" and \\).
 * A port is named by its kind and target (a tap's or netdev's device,
 * a client's URL): each at most once in a file.  Never a password: a
 * client's comes from the first line of its --pwfile.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "defs.h"
#include "port.h"

struct cfg_port {
	enum port_kind	 kind;		/* PORT_TAP, PORT_NETDEV, PORT_CLIENT */
	int		 line;		/* where it is declared, from 1 */
	char		 target[URL_MAX]; /* device name or URL */
	/* tap, netdev: "" or -1 when not given (left as they are) */
	char		 address[16], netmask[16];
	int		 mtu;		/* 0: not given */
	int		 shut;
	/* client: "" when not given */
	char		 user[CRED_MAX];
	char		 pwfile[CFG_PATH_MAX];
	char		 cacerts[CFG_PATH_MAX];
	char		 pin[CFG_PIN_MAX];
	int		 insecure;
};

struct cfg {
	struct cfg_port	*port;		/* n declarations, in file order */
	size_t		 n;
};

/*
 * Parse the whole text (len bytes) into *c: 0, or -1 with err set to
 * "line N: what is wrong" and nothing in *c.  Relative --pwfile and
 * --cacerts paths are made absolute against dir (the file's directory,
 * "" for none).  Free *c with cfg_free.
 */
int cfg_parse(const char *text, size_t len, const char *dir, struct cfg *c,
    char *err, size_t errlen);
void cfg_free(struct cfg *c);
/* The declaration as one line of the file, with a LF: its length, or
 * -1 if it does not fit in cap. */
int cfg_format(const struct cfg_port *d, char *buf, size_t cap);
/* 1 if a and b declare the same port (kind and target). */
int cfg_same_port(const struct cfg_port *a, const struct cfg_port *b);

#endif /* CONFIG_H */
