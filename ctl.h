/*
 * ctl.h - the ctl client: the command line, requests and reply tables
 * (ctl.c); the password prompt and the HTTP/HTTPS exchange (ctl_io.c).
 * Private to these two files but for ctl_main.  Prefix cli_: the
 * switch's control endpoint owns ctl_.
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include "defs.h"

struct tls;
struct tls_anchors;


/* Exit statuses, and CLI_GO for "carry on: no exit status yet". */
#define CLI_OK		0
#define CLI_RUNTIME	1	/* error reply, transport, prompt EOF */
#define CLI_USAGE	2	/* usage error, failed client-side check */
#define CLI_GO		(-1)

/* Global options. */
struct cli_args {
	const char	*url;
	const char	*user;		/* NULL: no Authorization */
	const char	*passwd;	/* NULL: pwfile, else prompt */
	const char	*pwfile;	/* --ctlpwfile */
	const char	*sslcert;
	int		 insecure;
	int		 json;		/* --json: the result as JSON */
	long long	 answer_s;	/* --timeout: the switch answers
					 * within this (CLI_ANSWER_S) */
};

/* One connection to the control URL, plain or TLS; its own deadline. */
struct cli_io {
	const char	*url;		/* --ctlurl, for messages */
	int		 fd;
	uint64_t	 deadline;	/* ew_now_ms(): the whole exchange */
	uint64_t	 answer_by;	/* and the switch's first byte */
	int		 answered;	/* it came: only deadline counts */
	long long	 answer_s;	/* --timeout, for the message */
	struct tls	*tls;		/* https: the BearSSL client */
	struct tls_anchors *ta;		/* its trust anchors, or NULL */
	/* >0 bytes, 0 EOF (read only), -1 with err set */
	long		(*read)(struct cli_io *, void *, size_t);
	long		(*write)(struct cli_io *, const void *, size_t);
	void		(*close)(struct cli_io *);
	char		 err[CLI_ERRLEN];	/* what went wrong */
};

/* Prompt for a password into buf (/dev/tty without echo, else a line
 * from stdin): 0, or an exit status after printing why. */
int cli_prompt(const char *prompt, char *buf, size_t cap);
/* The first line of the file path (at most CRED_FILE_MAX bytes, a
 * regular file), its line end dropped, as a password into buf: 0, or an
 * exit status after printing why ("etherws ctl: error: --<opt> ...").
 * Keeps passwords out of argv. */
int cli_pwfile(const char *opt, const char *path, char *buf, size_t cap);
/* Replace control characters, which a server should never send. */
void cli_sanitize(char *s);
/* One request/response exchange with a->url (auth: an Authorization
 * value or NULL; body of len bytes).  0 with the reply body in *reply
 * (malloc'd, NUL-terminated; the caller frees it), or -1 with io->err
 * set.  No connection is left open. */
int cli_exchange(struct cli_io *io, const struct cli_args *a,
    const char *auth, const char *body, size_t len, char **reply,
    size_t *replylen);

/* The ctl sub-command: an exit status. */
int ctl_main(int argc, char **argv);

#endif /* CTL_H */
