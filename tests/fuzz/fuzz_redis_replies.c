/* fuzz_redis_replies: what a Redis server (or anything answering on its
 * port) sends a node goes through cluster/redis_replies.c: hiredis's
 * parser, then the routing of each reply to its waiter or to the push
 * handler. Fed in pieces of every size the first byte picks: no crash or
 * leak; each waiter is called at most once, in order; pushes never take a
 * waiter; after a protocol error nothing more comes out. */
#include <hiredis/hiredis.h>
#include <string.h>

#include "cluster/redis_replies.h"
#include "fuzz.h"

enum { WAITERS = 8 };

struct seen {
	int next_waiter; /* the index the next waiter's reply must carry */
	int pushes;
};

static struct seen g_seen;
static int g_index[WAITERS];

static void on_reply(struct redis_link *link, void *reply, void *priv)
{
	(void)link;
	FUZZ_CHECK(reply != NULL);
	FUZZ_CHECK(*(int *)priv == g_seen.next_waiter);
	g_seen.next_waiter++;
}

static void on_push(struct redis_link *link, void *reply, void *priv)
{
	(void)link;
	(void)priv;
	const redisReply *r = reply;
	FUZZ_CHECK(r->type == REDIS_REPLY_ARRAY && r->elements >= 3);
	g_seen.pushes++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] % 16) + 1;
	bool with_push = data[0] & 0x80;
	data++;
	size--;
	memset(&g_seen, 0, sizeof(g_seen));
	struct redis_replies r;
	redis_replies_init(&r, with_push ? on_push : NULL);
	for (int i = 0; i < WAITERS; i++) {
		g_index[i] = i;
		redis_replies_expect(&r, on_reply, &g_index[i]);
	}
	bool broken = false;
	for (size_t at = 0; at < size && !broken; at += step) {
		size_t n = size - at < step ? size - at : step;
		FUZZ_CHECK(redis_replies_feed(&r, (const char *)data + at, n));
		struct redis_routed rt;
		int rc;
		while ((rc = redis_replies_next(&r, &rt)) == 1) {
			if (rt.push)
				FUZZ_CHECK(with_push && rt.fn == on_push);
			if (rt.fn)
				rt.fn(NULL, rt.reply, rt.priv);
			redis_reply_free(rt.reply);
		}
		broken = rc < 0;
	}
	FUZZ_CHECK(g_seen.next_waiter + (int)r.waiting == WAITERS);
	redis_replies_release(&r);
	return 0;
}
