/*
 * listen.h - the listening sockets (listen.c).
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <stddef.h>

/* The tunnel and control listeners of sw_conf: 0, or -1 with err set. */
int listeners_open(char *err, size_t errlen);

#endif /* LISTEN_H */
