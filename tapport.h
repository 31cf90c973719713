/*
 * tapport.h - tap and netdev ports (tapport.c): a device opened with
 * tap.h, read on the event loop into switch_input(), written by the
 * port's ops.
 */
#ifndef TAPPORT_H
#define TAPPORT_H

#include <stddef.h>

#include "port.h"

/* kind PORT_TAP (target: a name template, "" for tap%d) or PORT_NETDEV
 * (target: an interface): the new port, or NULL with err set
 * ("cannot create tap ethws0: Device or resource busy", ...). */
struct port *tapport_add(enum port_kind kind, const char *target,
    char *err, size_t errlen);

/* --nooffload: taps and netdevs without IFF_VNET_HDR (before the first). */
void tapport_configure(int nooffload);

#endif /* TAPPORT_H */
