/*
 * gso.h - offload (gso.c): virtio_net_hdr metadata and software
 * segmentation
 */
#ifndef GSO_H
#define GSO_H

#include <stddef.h>
#include <stdint.h>
#include "defs.h"

/* Offload (gso.c).  On a tap opened with IFF_VNET_HDR, and between two
 * of our switches that agreed on it in the handshake (OFFLOAD_HEADER),
 * a frame travels with a virtio_net_hdr: it may be a TCP super-frame of
 * up to MAX_FRAME bytes (TSO/GSO), or carry a checksum still to be
 * completed.  A port without offload gets ordinary frames, made here:
 * the checksum completed, the super-frame cut into gso_size segments. */

#define VNET_HDR_LEN		10	/* struct virtio_net_hdr */
#define VNET_F_NEEDS_CSUM	1	/* csum_start/csum_offset valid */
#define VNET_F_DATA_VALID	2	/* checksum known good (dropped) */
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_TCPV6		4
#define VNET_GSO_ECN		0x80	/* flag: the first segment may
					 * carry CWR */
#define OFFLOAD_HEADER		"X-Etherws-Offload"
#define OFFLOAD_TOKEN		"vnet1"	/* messages: LE virtio_net_hdr +
					 * frame */
#define OFFLOAD_LINE		OFFLOAD_HEADER ": " OFFLOAD_TOKEN "\r\n"

struct vnet {			/* host byte order */
	uint8_t		 flags;		/* VNET_F_* */
	uint8_t		 gso_type;	/* VNET_GSO_*, | VNET_GSO_ECN */
	uint16_t	 hdr_len;	/* a hint: L2..L4 header bytes */
	uint16_t	 gso_size;	/* payload bytes per segment */
	uint16_t	 csum_start;	/* from the frame's first byte */
	uint16_t	 csum_offset;	/* of the field, from csum_start */
};

/* The wire form: 10 bytes, little-endian (virtio 1.0). */
void vnet_decode(struct vnet *, const uint8_t in[VNET_HDR_LEN]);
void vnet_encode(uint8_t out[VNET_HDR_LEN], const struct vnet *);
/* 1 if a port without offload can take the frame as it is: vh NULL,
 * or no checksum to complete and no segmentation. */
int vnet_plain(const struct vnet *vh);
/*
 * 0 if vh describes frame (len bytes) so that gso_segment will make
 * ordinary frames of it, -1 if not: a frame under MIN_FRAME or over
 * MAX_FRAME bytes (also with vh NULL), flags or gso_type unknown, hdr_len
 * over len, a checksum field outside the frame, or for GSO a frame that
 * is not TCP in IPv4 (no fragment) or IPv6 (TCP the first next header)
 * after at most one 802.1Q tag, of the type gso_type says, with the IP
 * length matching len, gso_size < GSO_MIN_MSS, or a segment (headers +
 * gso_size) over MAX_FRAME.
 */
int vnet_check(const struct vnet *vh, const uint8_t *frame, size_t len);
/*
 * Ordinary frames from a frame that passed vnet_check: without GSO the
 * frame with its checksum completed (if NEEDS_CSUM), else each segment
 * of gso_size payload bytes (the last may be shorter) with the headers
 * copied and fixed: IPv4 total length, id + i and header checksum, IPv6
 * payload length, TCP sequence number, FIN and PSH only on the last,
 * CWR only on the first, and the TCP checksum computed in full.  Each
 * is built in buf (cap >= MAX_FRAME, not overlapping frame) and passed
 * to out before the next is built; a frame with no checksum to complete
 * and no GSO is passed as it is (seg == frame).  Returns the number
 * passed, or -1 (nothing passed) if vnet_check fails.
 */
int gso_segment(const struct vnet *vh, const uint8_t *frame, size_t len,
    uint8_t *buf, void (*out)(void *arg, const uint8_t *seg, size_t len),
    void *arg);
/* The Internet checksum (RFC 1071): the one's complement sum of
 * (p, len) added to sum, folded to 16 bits, not complemented. */
uint16_t inet_csum_add(uint32_t sum, const uint8_t *p, size_t len);

#endif /* GSO_H */
