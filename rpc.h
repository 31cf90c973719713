/*
 * rpc.h - the JSON-RPC 2.0 control methods (rpc.c): the envelope, the
 * etherws.control methods and their replies.
 */
#ifndef RPC_H
#define RPC_H

#include <stddef.h>

/* Where a reply goes: reply(ctx, body, len), body a complete JSON
 * document, called once per request (maybe later, from the loop); body
 * NULL (len 0): no reply document (notifications only). */
typedef void rpc_reply_fn(void *ctx, const char *body, size_t len);

/* addPort and setPort answer once their port has stopped probing (at
 * most RPC_SETTLE_MAX_MS later): after switch_init. */
void rpc_init(void);
/* Run the request in (body, len), a JSON-RPC 2.0 request, notification
 * or batch; the reply goes to reply(ctx, ...).  max: the bytes of
 * results the reply may hold (a batch's together, in the order they
 * come); a result that would pass it is answered with an error instead
 * (-32603), and errors may pass it by CTL_REPLY_SLACK at most. */
void rpc_request(const char *body, size_t len, rpc_reply_fn *reply,
    void *ctx, size_t max);
/* ctx is going away: a reply still pending for it is dropped. */
void rpc_abandon(void *ctx);

#endif /* RPC_H */
