/* hub_fake: the recording sink shared by the hub's unit tests. A fake user
 * records every event it receives (recipient, kind, room, from, target,
 * text, id, time, replay flag) in a `world`, and, when given a render-cache
 * slot, renders the event there the way a dialect would, checking that a
 * cached rendering always belongs to the very event it came with. */
#ifndef PARLEY_TESTS_HUB_FAKE_H
#define PARLEY_TESTS_HUB_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hub/hub.h"
#include "util/msg.h"

enum { TEXT_MAX = 128, RENDER_MAX = 256, MAX_USERS = 8 };

/* ---- the recording sink ---- */

struct rec {
	int to; /* the recipient fake's id */
	enum hub_event_kind kind;
	bool replay;
	bool echo; /* a sender's own copy (hub_bus_privmsg) */
	char room[HUB_ROOM_MAX + 1];
	size_t room_len;
	char from[HUB_NAME_MAX + 1];
	size_t from_len;
	char text[TEXT_MAX];
	size_t text_len;
	char target[HUB_NAME_MAX + 1];
	size_t target_len;
	uint64_t id, time_ms;
	struct msg *found; /* the fake's render slot as it was on arrival */
	struct msg *held;  /* a reference the fake kept, released by world_clear */
};

struct world {
	struct rec *recs;
	size_t n, cap;
};

struct fake {
	struct world *w;
	int id;
	int slot;  /* render-cache slot this fake's "dialect" uses; -1: none */
	bool hold; /* keep a reference to the rendering */
};

static inline struct rec *world_push(struct world *w)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->recs = realloc(w->recs, w->cap * sizeof(*w->recs));
		assert_non_null(w->recs);
	}
	struct rec *r = &w->recs[w->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static inline void world_clear(struct world *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->recs[i].held)
			msg_unref(w->recs[i].held);
	w->n = 0;
}

static inline void world_free(struct world *w)
{
	world_clear(w);
	free(w->recs);
	w->recs = NULL;
	w->cap = 0;
}

static inline size_t render(const struct hub_event *ev, char *out)
{
	int n = snprintf(out, RENDER_MAX, "%d|%d|%.*s|%.*s|%.*s|", (int)ev->kind,
			 (int)ev->replay, (int)ev->room_len, ev->room ? ev->room : "",
			 (int)ev->from_len, ev->from, (int)ev->target_len,
			 ev->target ? ev->target : "");
	assert_true(n > 0 && (size_t)n + ev->text_len <= RENDER_MAX);
	if (ev->text_len)
		memcpy(out + n, ev->text, ev->text_len);
	return (size_t)n + ev->text_len;
}

static inline void fake_deliver(void *ctx, struct hub_event *ev)
{
	struct fake *f = ctx;
	struct rec *r = world_push(f->w);
	r->to = f->id;
	r->kind = ev->kind;
	r->replay = ev->replay;
	r->echo = ev->echo;
	if (ev->echo)
		assert_true(ev->kind == HUB_EV_PRIVMSG && ev->user && ev->id != 0);
	assert_true(ev->room_len <= HUB_ROOM_MAX);
	assert_true(ev->from_len >= 1 && ev->from_len <= HUB_NAME_MAX);
	assert_true(ev->text_len < TEXT_MAX);
	assert_true(ev->target_len <= HUB_NAME_MAX);
	if (ev->kind == HUB_EV_PRIVMSG)
		assert_int_equal(ev->room_len, 0);
	else if (ev->kind != HUB_EV_NICK) /* NICK to a user in no room has none */
		assert_true(ev->room_len >= 2);
	if (ev->kind == HUB_EV_JOIN)
		assert_int_equal(ev->text_len, 0);
	if (ev->replay)
		assert_int_equal(ev->kind, HUB_EV_SAY);
	/* room lines and private messages carry an id, nothing else does
	 * (relayed ones, hub_relay, are SAY or PRIVMSG without one) */
	if (ev->id != 0)
		assert_true(ev->kind == HUB_EV_SAY || ev->kind == HUB_EV_PRIVMSG);
	if (ev->style != HUB_STYLE_PLAIN)
		assert_int_equal(ev->id, 0);
	assert_true(ev->replay || !ev->user || ev->from_len == hub_user_name_len(ev->user) ||
		    ev->kind == HUB_EV_NICK);
	r->id = ev->id;
	r->time_ms = ev->time_ms;
	if (ev->target_len)
		memcpy(r->target, ev->target, ev->target_len);
	r->target_len = ev->target_len;
	if (ev->room_len)
		memcpy(r->room, ev->room, ev->room_len);
	r->room_len = ev->room_len;
	memcpy(r->from, ev->from, ev->from_len);
	r->from_len = ev->from_len;
	if (ev->text_len)
		memcpy(r->text, ev->text, ev->text_len);
	r->text_len = ev->text_len;
	if (f->slot < 0)
		return;
	char want[RENDER_MAX];
	size_t want_len = render(ev, want);
	r->found = ev->rendered[f->slot];
	if (!ev->rendered[f->slot])
		ev->rendered[f->slot] = msg_copy(want, want_len);
	/* A cached rendering always belongs to this very event. */
	struct msg *m = ev->rendered[f->slot];
	assert_int_equal(m->len, want_len);
	assert_memory_equal(m->data, want, want_len);
	if (f->hold)
		r->held = msg_ref(m);
}

static const struct hub_sink fake_sink = {.deliver = fake_deliver};


#endif
