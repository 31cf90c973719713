/*
 * tap.h - tap devices and netdev (AF_PACKET) sockets, and the IPv4
 * settings of an interface (tap_linux.c).  tap_open and netdev_open
 * return the fd, or -errno with a message in err (e.g. "cannot create
 * tap ethws0: Device or resource busy", "invalid tap name ...: 15 bytes
 * at most"); each of the others says below what it returns.
 */
#ifndef TAP_H
#define TAP_H

#include <stddef.h>
#include <stdint.h>
#include "defs.h"

#define TUN_PATH	"/dev/net/tun"	/* each tap port opens it */

struct vnet;
/* Open tap device from template name (may hold %d; "" -> "tap%d"),
 * non-blocking, IFF_TAP|IFF_NO_PI, brought up.  Actual name into
 * ifname.  vnet NULL or *vnet 0: ordinary frames.  *vnet 1 asks for
 * IFF_VNET_HDR and the TSO/checksum offloads; it is left 2 with them,
 * 1 with the header but no offloads.  Returns the fd. */
int tap_open(const char *name, char ifname[IFNAME_MAX], int *vnet,
    char *err, size_t errlen);
/* One frame from a tap into buf: its length, or -errno (-EAGAIN).
 * vnet: the fd has the header, which goes into *vh. */
long tap_read(int fd, int vnet, uint8_t *buf, size_t cap, struct vnet *vh);
/* One frame to a tap or netdev socket (vh NULL: a zero header if
 * vnet): 0 or -1. */
int dev_write(int fd, int vnet, const uint8_t *frame, size_t len,
    const struct vnet *vh);
/* Open an AF_PACKET socket on interface name, promiscuous, with
 * PACKET_AUXDATA; *vnet 1 (vnet not NULL) asks for PACKET_VNET_HDR and
 * is left 0 without it.  Returns the fd. */
int netdev_open(const char *name, int *vnet, char *err, size_t errlen);
/* Receive one frame from a netdev socket into buf (cap >= MAX_FRAME +
 * 4): skips outgoing frames (returns 0), re-inserts a stripped VLAN tag.
 * vnet: the socket has PACKET_VNET_HDR; the header goes into *vh.
 * Returns the frame length, 0 to ignore, -EAGAIN, -EMSGSIZE (oversize,
 * consumed) or another -errno. */
long netdev_recv(int fd, int vnet, uint8_t *buf, size_t cap,
    struct vnet *vh);
/* setif: any of address/netmask may be NULL (unchanged); mtu 0 =
 * unchanged.  Returns 0, or -1 with err set ("invalid address \"x\":
 * not an IPv4 address", "cannot configure eth9: No such device"). */
int ifconf_set(const char *ifname, const char *address, const char *netmask,
    int mtu, char *err, size_t errlen);
/* Read IPv4 address and netmask ("" if none) and mtu of ifname: 0, or
 * -errno (no message). */
int ifconf_get(const char *ifname, char addr[16], char mask[16], int *mtu);

#endif /* TAP_H */
