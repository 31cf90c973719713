/*
 * client.h - client ports (client.c): a ws:// or wss:// URL, reached
 * through a proxy if the environment says so, reconnected with backoff.
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>

struct client;
struct port;

/* A client for url (checked; TLS anchors loaded for wss://): NULL with
 * err set ("invalid URL ...", a certificate file that cannot be read...). */
struct client *client_new(const char *url, const char *user,
    const char *pass, const char *cacerts, int insecure, const char *pin,
    char *err, size_t errlen);
/* Its first attempt.  Once it ends, done(arg, port, NULL) with the new
 * port, or done(arg, NULL, err) after which the client is freed. */
void client_start(struct client *,
    void (*done)(void *arg, struct port *, const char *err), void *arg);
/* A configuration file's port (cfgrun.c): in the table at once, down,
 * its first attempt made from the event loop and the others with the
 * reconnect backoff; nobody waits for it.  NULL when out of memory
 * (the client is freed). */
struct port *client_start_down(struct client *);
/* A client made by client_new and never started: freed. */
void client_discard(struct client *);
#endif /* CLIENT_H */
