/* redis_replies: hiredis's reader plus a queue of callbacks (see the
 * header for the routing rule). */
#include "cluster/redis_replies.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct redis_waiter {
	struct redis_waiter *next;
	redis_reply_fn *fn;
	void *priv;
};

void redis_replies_init(struct redis_replies *r, redis_reply_fn *on_push)
{
	memset(r, 0, sizeof(*r));
	r->reader = redisReaderCreate();
	if (!r->reader) {
		fprintf(stderr, "parley: out of memory creating a Redis reply reader\n");
		abort();
	}
	r->on_push = on_push;
}

void redis_replies_expect(struct redis_replies *r, redis_reply_fn *fn, void *priv)
{
	struct redis_waiter *w = xcalloc(1, sizeof(*w));
	w->fn = fn;
	w->priv = priv;
	if (r->tail)
		r->tail->next = w;
	else
		r->head = w;
	r->tail = w;
	r->waiting++;
}

bool redis_replies_pop_waiter(struct redis_replies *r, redis_reply_fn **fn, void **priv)
{
	struct redis_waiter *w = r->head;
	if (!w)
		return false;
	r->head = w->next;
	if (!r->head)
		r->tail = NULL;
	r->waiting--;
	*fn = w->fn;
	*priv = w->priv;
	free(w);
	return true;
}

/* hiredis's reader allocates an array's element table as soon as it has
 * read the header, so "*99999999999\r\n" would cost gigabytes for a few
 * bytes. This scan walks the stream's framing (type byte, line, bulk
 * payload) just far enough to see each header's count first. */
enum { SCAN_TYPE, SCAN_LINE, SCAN_NUM, SCAN_BULK };

static size_t scan_limits(struct resp_scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		switch (s->state) {
		case SCAN_TYPE:
			s->kind = c;
			s->num = 0;
			s->negative = false;
			s->state = c == '*' || c == '$' ? SCAN_NUM : SCAN_LINE;
			break;
		case SCAN_LINE:
			if (c == '\n')
				s->state = SCAN_TYPE;
			break;
		case SCAN_NUM:
			if (c >= '0' && c <= '9') {
				s->num = s->num * 10 + (unsigned)(c - '0');
				if (s->num > (s->kind == '*' ? REDIS_ARRAY_MAX : REDIS_BULK_MAX))
					return i;
			} else if (c == '-') {
				s->negative = true;
			} else if (c == '\n') {
				s->skip = s->kind == '$' && !s->negative ? s->num + 2 : 0;
				s->state = s->skip ? SCAN_BULK : SCAN_TYPE;
			}
			break;
		default: { /* SCAN_BULK: the payload and its CRLF */
			size_t take = n - i < s->skip ? n - i : (size_t)s->skip;
			s->skip -= take;
			i += take - 1;
			if (!s->skip)
				s->state = SCAN_TYPE;
		}
		}
	}
	return n;
}

bool redis_replies_feed(struct redis_replies *r, const char *bytes, size_t len)
{
	if (r->too_big)
		return true;
	size_t ok = scan_limits(&r->scan, bytes, len);
	r->too_big = ok < len;
	return ok == 0 || redisReaderFeed(r->reader, bytes, ok) == REDIS_OK;
}

static bool word_is(const redisReply *e, const char *word)
{
	size_t n = strlen(word);
	return e->type == REDIS_REPLY_STRING && e->len == n && memcmp(e->str, word, n) == 0;
}

/* What Redis sends on its own on a subscribed connection. */
static bool is_push(const redisReply *rep)
{
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 3)
		return false;
	const redisReply *kind = rep->element[0];
	return word_is(kind, "message") || word_is(kind, "subscribe") ||
	       word_is(kind, "unsubscribe") || word_is(kind, "pmessage") ||
	       word_is(kind, "psubscribe") || word_is(kind, "punsubscribe");
}

int redis_replies_next(struct redis_replies *r, struct redis_routed *out)
{
	void *reply = NULL;
	memset(out, 0, sizeof(*out));
	if (redisReaderGetReply(r->reader, &reply) != REDIS_OK)
		return -1;
	if (!reply)
		return r->too_big ? -1 : 0;
	out->reply = reply;
	if (r->on_push && is_push(reply)) {
		out->fn = r->on_push;
		out->push = true;
		return 1;
	}
	/* A reply nobody asked for (an error Redis sends before closing)
	 * goes nowhere. */
	redis_replies_pop_waiter(r, &out->fn, &out->priv);
	return 1;
}

const char *redis_replies_error(const struct redis_replies *r)
{
	const redisReader *rd = r->reader;
	if (rd->errstr[0])
		return rd->errstr;
	return r->too_big ? "a reply over the size limits" : "protocol error";
}

void redis_reply_free(void *reply)
{
	if (reply)
		freeReplyObject(reply);
}

void redis_replies_release(struct redis_replies *r)
{
	redis_reply_fn *fn;
	void *priv;
	while (redis_replies_pop_waiter(r, &fn, &priv))
		;
	if (r->reader)
		redisReaderFree(r->reader);
	r->reader = NULL;
}
