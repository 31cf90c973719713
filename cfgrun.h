/*
 * cfgrun.h - the configuration file on a running switch (cfgrun.c):
 * sw --config applied at start, on SIGHUP and on the reload method,
 * each time only the difference; and the running ports written back as
 * such a file (the dump method).
 */
#ifndef CFGRUN_H
#define CFGRUN_H

#include <stddef.h>

struct cfg_rec;
struct port;

/*
 * Apply the file at path (absolute): everything is read and checked
 * first (the file, each --pwfile, each new client's URL, pin and
 * --cacerts, each new netdev's device), so that a file with an error
 * changes nothing; then the ports it lacks are deleted (it is the whole
 * truth), the ones it adds made (client ports down, connecting with
 * the reconnect backoff), and the ones whose settings differ changed.
 * An unchanged port, and its tunnel, is left alone.  0, or -1 with err
 * set ("line 4: ...").
 */
int cfgrun_apply(const char *path, char *err, size_t errlen);
/* SIGHUP and the reload method: --config's file (cfgrun_set_path) applied again.  0, or
 * -1 with err set ("--config F: line 4: ... (nothing changed)", or that
 * there is no file) for the caller to log or answer. */
int cfgrun_reload(char *err, size_t errlen);
/* The --config file (absolute; NULL: none), before any reload. */
void cfgrun_set_path(const char *path);
/* addPort's options of a client port (NULL: not given; pwfile: where
 * ctl read pass, if it did), kept until the port exists: then
 * cfgrun_client_added(r, port) remembers them for the dump and the next
 * apply, and frees r (port NULL: the port was not made).  NULL when out
 * of memory. */
struct cfg_rec *cfgrun_client_opts(const char *user, const char *pass,
    const char *pwfile, const char *cacerts, int insecure, const char *pin);
void cfgrun_client_added(struct cfg_rec *r, const struct port *p);
/* The running ports as a configuration file, without any password:
 * malloc'd text (NUL-terminated), or NULL when out of memory. */
char *cfgrun_dump(void);

#endif /* CFGRUN_H */
