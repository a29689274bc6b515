/* redis_replies: which callback each reply from Redis belongs to. Bytes
 * read from a connection are fed in; complete replies come out paired with
 * the callback queued when their command was sent (first in, first out),
 * except pub/sub pushes ("message", "subscribe", "unsubscribe" arrays),
 * which go to the push handler when there is one: one SUBSCRIBE of several
 * channels yields several of them, so they cannot be matched to commands.
 * The RESP parsing is hiredis's redisReader; no socket here, so the
 * routing is testable on its own. */
#ifndef PARLEY_CLUSTER_REDIS_REPLIES_H
#define PARLEY_CLUSTER_REDIS_REPLIES_H

#include <stdbool.h>
#include <stddef.h>

struct redis_link;

/* `reply` is a redisReply, freed after the call; NULL when the link went
 * away before the reply came. */
typedef void redis_reply_fn(struct redis_link *link, void *reply, void *priv);

struct redis_waiter;

/* Where the byte scan that guards the reader stands (redis_replies.c). */
struct resp_scan {
	unsigned char state;
	char kind;
	bool negative;
	unsigned long long num, skip;
};

struct redis_replies {
	void *reader; /* redisReader */
	struct resp_scan scan;
	bool too_big; /* a header declared more than the limits allow */
	struct redis_waiter *head, *tail;
	size_t waiting;
	redis_reply_fn *on_push; /* NULL: pushes are ordinary replies */
};

/* One reply taken out, and where it goes (`fn` may be NULL: nobody wants
 * it). The caller calls fn(link, reply, priv) and then redis_reply_free(). */
struct redis_routed {
	void *reply;
	redis_reply_fn *fn;
	void *priv;
	bool push;
};

void redis_replies_init(struct redis_replies *r, redis_reply_fn *on_push);

/* Someone waits for the next reply that is not a push. */
void redis_replies_expect(struct redis_replies *r, redis_reply_fn *fn, void *priv);

/* False when the reader refuses the bytes (out of memory). Bytes past a
 * header over the limits (REDIS_ARRAY_MAX elements, REDIS_BULK_MAX bytes)
 * are not fed: the replies before it still come out, then
 * redis_replies_next() reports the stream broken. */
enum {
	REDIS_ARRAY_MAX = 1 << 22,          /* elements in one array reply */
	REDIS_BULK_MAX = 512 * 1024 * 1024, /* bytes in one string (Redis's own cap) */
};
bool redis_replies_feed(struct redis_replies *r, const char *bytes, size_t len);

/* 1: a reply in `out`; 0: none complete yet; -1: the stream broke the
 * protocol (reason from redis_replies_error()). */
int redis_replies_next(struct redis_replies *r, struct redis_routed *out);

const char *redis_replies_error(const struct redis_replies *r);

/* Takes the oldest waiter out (false when none), for failing them all
 * with NULL when the link goes. */
bool redis_replies_pop_waiter(struct redis_replies *r, redis_reply_fn **fn, void **priv);

void redis_reply_free(void *reply);

/* Frees the reader and any waiters left (without calling them). */
void redis_replies_release(struct redis_replies *r);

#endif
