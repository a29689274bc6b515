/* redis_link: our own connections to Redis, over the connection transport
 * seam (net/transport.h), so that they can be plain or TLS. hiredis 0.14
 * has no TLS and its connections own their sockets; we keep its reply
 * parser and command formatter and do the I/O here.
 *
 * Two kinds of connection:
 * - redis_link: non-blocking, on the event loop. Commands are queued
 *   (bounded by `obuf_max`) with a callback each, called in order with the
 *   reply; pub/sub pushes go to `on_push`. The connect (and a TLS
 *   handshake) must finish within `connect_timeout_ms`. When the link
 *   fails, every callback still waiting is called with a NULL reply, then
 *   `on_down` once with the reason; the owner then closes it.
 * - redis_sync: blocking, with a deadline per command, for the few places
 *   that wait for an answer (history reads, account checks, the
 *   shutdown clear, the account command). */
#ifndef PARLEY_CLUSTER_REDIS_LINK_H
#define PARLEY_CLUSTER_REDIS_LINK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/redis_replies.h"

struct loop;
struct transport_factory;

/* How bytes reach Redis: plain when `factory` is NULL. `why` (may be
 * NULL) gives the transport's reason for its latest failure, e.g. the
 * certificate check's. A factory is used from one thread only. */
struct redis_transport {
	const struct transport_factory *factory;
	const char *(*why)(const void *ctx);
	const void *why_ctx;
};

struct redis_endpoint {
	const char *host;
	int port;
	const char *password; /* NULL: no AUTH */
	struct redis_transport transport;
};

/* ---- non-blocking ---- */

struct redis_link_config {
	struct loop *loop;
	const struct redis_endpoint *ep; /* must outlive the link */
	uint64_t connect_timeout_ms;
	size_t obuf_max;          /* bytes queued for Redis, at most */
	redis_reply_fn *on_push;  /* NULL: not a subscription link */
	void (*on_down)(struct redis_link *link, const char *why);
	void *data;               /* the owner's, see redis_link_data() */
};

/* Starts connecting. NULL with a reason in `why` if it cannot even start
 * (the name does not resolve, the transport refuses the socket). */
struct redis_link *redis_link_open(const struct redis_link_config *cfg, char *why,
				   size_t whylen);

void *redis_link_data(const struct redis_link *link);

/* Queues a command; `fn` (may be NULL) gets its reply. False if the link
 * is down or its output is over `obuf_max` (then nothing is queued). */
bool redis_link_command_argv(struct redis_link *link, redis_reply_fn *fn, void *priv, int argc,
			     const char **argv, const size_t *lens);
/* The same with hiredis's format ("%s", "%b" with pointer and length). */
bool redis_link_command(struct redis_link *link, redis_reply_fn *fn, void *priv,
			const char *fmt, ...);
/* A command whose replies come as pushes (SUBSCRIBE, UNSUBSCRIBE): no
 * callback is queued. */
bool redis_link_send(struct redis_link *link, const char *fmt, ...);

/* Bytes queued and not yet written. */
size_t redis_link_queued(const struct redis_link *link);

/* Calls the waiting callbacks with NULL (not on_down) and frees the link.
 * Safe from inside the link's own callbacks (it is then freed on return). */
void redis_link_close(struct redis_link *link);

/* ---- blocking ---- */

struct redis_sync;

/* Connects (TLS included) and AUTHs within `timeout_ms`, which then bounds
 * each command. NULL with the reason in `why`. */
struct redis_sync *redis_sync_open(const struct redis_endpoint *ep, uint64_t timeout_ms,
				   char *why, size_t whylen);

/* The reply (free with redis_reply_free), or NULL when the connection
 * failed or timed out (reason from redis_sync_error(); the connection is
 * then unusable). An error reply is a reply. */
void *redis_sync_command_argv(struct redis_sync *rs, int argc, const char **argv,
			      const size_t *lens);
void *redis_sync_command(struct redis_sync *rs, const char *fmt, ...);

const char *redis_sync_error(const struct redis_sync *rs);

void redis_sync_close(struct redis_sync *rs);

#endif
