/*
 * ws.h - the WebSocket codec (ws.c), RFC 6455: no I/O
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xA
#define WS_HDR_MAX	14
#define WS_CTRL_MAX	125	/* a control frame's payload at most */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Sec-WebSocket-Accept for key: 28 chars + NUL into out. */
void ws_accept(const char *key, size_t keylen, char out[29]);
/* Frame header for a FIN frame of opcode and len; mask NULL = unmasked.
 * Returns the header length (2..14). */
size_t ws_frame_header(uint8_t *out, int opcode, uint64_t len,
    const uint8_t *mask);
/* The whole length (header and payload) of the frame whose complete
 * header, as ws_frame_header writes it, starts at p. */
size_t ws_frame_size(const uint8_t *p);
/* XOR p[0..len) with mask, starting at mask phase (off & 3). */
void ws_mask(uint8_t *p, size_t len, const uint8_t mask[4], size_t off);
/* The same while copying src[0..len) to dst (one pass, not a copy and
 * then a mask): dst == src, or the two do not overlap. */
void ws_mask_copy(uint8_t *dst, const uint8_t *src, size_t len,
    const uint8_t mask[4], size_t off);

enum ws_ev_type {
	WS_EV_NONE,	/* bytes consumed, nothing to report */
	WS_EV_MESSAGE,	/* complete binary message: data, len */
	WS_EV_DROPPED,	/* a message over max was discarded */
	WS_EV_PING,	/* data, len: answer with a Pong */
	WS_EV_PONG,
	WS_EV_CLOSE,	/* code (0 if none), data/len = reason */
	WS_EV_ERROR	/* protocol error: close with code (1002/1003/
			 * 1007) */
};
struct ws_event {
	enum ws_ev_type	 type;
	const uint8_t	*data;	/* valid until the next ws_rx_feed call */
	size_t		 len;
	int		 code;
};
/*
 * Incremental receive side of one connection.  A complete unfragmented
 * frame in the input is reported in place (unmasked in the caller's
 * buffer, zero copy); fragments are gathered in frag (allocated on
 * first use, max bytes); a message over max is skipped without being
 * buffered.
 */
struct ws_rx {
	int		 expect_mask;	/* 1 on the server side */
	size_t		 max;		/* largest message accepted */
	/* state */
	int		 in_msg;	/* a fragmented message is open */
	int		 msg_op;
	int		 msg_drop;	/* the open message is over max */
	uint8_t		*frag;
	size_t		 frag_len;
	uint64_t	 skip;		/* payload bytes of the current frame
					 * still to stream (drop or gather) */
	uint8_t		 skip_mask[4];
	unsigned	 skip_phase;	/* mask phase of the next byte */
	int		 skip_fin;
	int		 closed;	/* sticky: error or close seen; then
					 * feed consumes nothing and reports
					 * WS_EV_ERROR with err again */
	int		 err;		/* 1002/1003/1007; 1002 after a
					 * Close */
};
void ws_rx_init(struct ws_rx *, int expect_mask, size_t max);
void ws_rx_free(struct ws_rx *);
/*
 * Consume bytes from (buf, len) - which it may modify (unmasking) - and
 * report at most one event.  Returns the number of bytes consumed; 0
 * means a frame header or an in-place frame is incomplete: call again
 * with more bytes appended (the caller keeps the unconsumed tail).
 * A frame whose payload alone exceeds max never needs to be buffered
 * whole: it is consumed as it arrives.
 */
size_t ws_rx_feed(struct ws_rx *, uint8_t *buf, size_t len,
    struct ws_event *ev);

/* A fresh masking key (from a kernel-seeded pool). */
void ew_mask_key(uint8_t key[4]);

#endif /* WS_H */
