/* test_hub: hub/ through hub.h only, with fake sinks that record every event
 * they receive (recipient, kind, room, from, text, replay flag), so each test
 * asserts the exact deliveries and their order. Covers name and room-name
 * validation (every byte value, length limits 32/33, '#' rules); register
 * (case-insensitive uniqueness, the name freed on unregister and reusable);
 * join (room created and shown as first created, JOIN to the members already
 * there and never to the joiner, ALREADY_IN in any case, invalid names
 * changing nothing); room moves (LEAVE to the old room before JOIN to the
 * new); leave (LEAVE to the rest, NOT_IN_ROOM, an emptied room gone from
 * hub_find_room, the counts and iteration, its history with it); say (every
 * member once, speaker included, nobody elsewhere); the history ring (last N
 * lines, oldest first, replay flag, joiner only, N = 0 and 1, lines outliving
 * their speaker); privmsg (case-insensitive target, self, NO_SUCH_USER);
 * unregister inside a room; iteration orders; the render cache (one msg per
 * dialect slot per event shared by later recipients, the hub's reference
 * dropped after delivery, a fresh cache for every event); hub_silence; and a
 * seeded random run of 500 users and 50 rooms checked after every operation
 * against a model of membership, creation/registration order and history. */
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
#include "testutil.h"
#include "util/msg.h"

enum { TEXT_MAX = 128, RENDER_MAX = 256, MAX_USERS = 8 };

/* ---- the recording sink ---- */

struct rec {
	int to; /* the recipient fake's id */
	enum hub_event_kind kind;
	bool replay;
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

static struct rec *world_push(struct world *w)
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

static void world_clear(struct world *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->recs[i].held)
			msg_unref(w->recs[i].held);
	w->n = 0;
}

static void world_free(struct world *w)
{
	world_clear(w);
	free(w->recs);
	w->recs = NULL;
	w->cap = 0;
}

static size_t render(const struct hub_event *ev, char *out)
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

static void fake_deliver(void *ctx, struct hub_event *ev)
{
	struct fake *f = ctx;
	struct rec *r = world_push(f->w);
	r->to = f->id;
	r->kind = ev->kind;
	r->replay = ev->replay;
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
	/* room lines and private messages carry an id, nothing else does */
	assert_int_equal(ev->id != 0, ev->kind == HUB_EV_SAY || ev->kind == HUB_EV_PRIVMSG);
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

/* ---- a small fixture: a hub and up to MAX_USERS fakes ---- */

struct env {
	struct hub *hub;
	struct world w;
	struct fake f[MAX_USERS];
	struct hub_user *u[MAX_USERS];
};

static void env_init(struct env *e, size_t history)
{
	memset(e, 0, sizeof(*e));
	struct hub_config cfg = {.history = history};
	e->hub = hub_create(&cfg);
	assert_non_null(e->hub);
	for (int i = 0; i < MAX_USERS; i++)
		e->f[i] = (struct fake){.w = &e->w, .id = i, .slot = -1};
}

static void env_done(struct env *e)
{
	for (int i = 0; i < MAX_USERS; i++)
		if (e->u[i])
			hub_unregister(e->hub, e->u[i], "", 0);
	assert_int_equal(hub_user_count(e->hub), 0);
	assert_int_equal(hub_room_count(e->hub), 0);
	assert_null(hub_first_user(e->hub));
	assert_null(hub_first_room(e->hub));
	hub_destroy(e->hub);
	world_free(&e->w);
}

static struct hub_user *add(struct env *e, int i, const char *name)
{
	struct hub_user *u = NULL;
	assert_null(e->u[i]);
	assert_int_equal(hub_register(e->hub, name, strlen(name), &fake_sink, &e->f[i], &u),
			 HUB_OK);
	assert_non_null(u);
	e->u[i] = u;
	return u;
}

static void drop(struct env *e, int i)
{
	hub_unregister(e->hub, e->u[i], "", 0);
	e->u[i] = NULL;
}

static struct hub_room *find(const struct env *e, const char *room)
{
	return hub_find_room(e->hub, room, strlen(room));
}

/* The user's first room (chat users have only that one), or NULL. */
static struct hub_room *room_of(const struct hub_user *u)
{
	const struct hub_member *m = hub_first_membership(u);
	return m ? hub_member_room(m) : NULL;
}

static enum hub_result join(struct env *e, int i, const char *room)
{
	return hub_join(e->hub, e->u[i], room, strlen(room), NULL);
}

static enum hub_result leave(struct env *e, int i, const char *room)
{
	return hub_leave(e->hub, e->u[i], find(e, room), "", 0);
}

/* What the chat dialect does on JOIN: leave the one current room first. */
static enum hub_result move(struct env *e, int i, const char *room)
{
	struct hub_room *cur = room_of(e->u[i]);
	if (cur && cur == find(e, room))
		return HUB_ALREADY_IN;
	if (cur && hub_room_valid(room, strlen(room)))
		assert_int_equal(hub_leave(e->hub, e->u[i], cur, "", 0), HUB_OK);
	return join(e, i, room);
}

/* Says `text` in the user's first room, which must exist. */
static enum hub_result say(struct env *e, int i, const char *text)
{
	struct hub_room *r = room_of(e->u[i]);
	assert_non_null(r);
	return hub_say(e->hub, e->u[i], r, text, strlen(text));
}

/* Replays the whole history of the user's first room. */
static size_t replay(struct env *e, int i)
{
	return hub_replay_history(e->hub, e->u[i], room_of(e->u[i]), SIZE_MAX, 0);
}

/* Asserts that exactly `n` events were recorded, then the helpers below
 * check them one by one. */
static void expect_count(const struct env *e, size_t n)
{
	assert_int_equal(e->w.n, n);
}

static void expect_at(const struct env *e, size_t idx, int to, enum hub_event_kind kind,
		      bool replay, const char *room, const char *from, const char *text)
{
	assert_true(idx < e->w.n);
	const struct rec *r = &e->w.recs[idx];
	assert_int_equal(r->to, to);
	assert_int_equal(r->kind, kind);
	assert_int_equal(r->replay, replay);
	assert_int_equal(r->room_len, room ? strlen(room) : 0);
	assert_string_equal(r->room, room ? room : "");
	assert_int_equal(r->from_len, strlen(from));
	assert_string_equal(r->from, from);
	size_t tl = text ? strlen(text) : 0;
	assert_int_equal(r->text_len, tl);
	if (tl)
		assert_memory_equal(r->text, text, tl);
}

static void expect_ev(const struct env *e, size_t idx, int to, enum hub_event_kind kind,
		      const char *room, const char *from, const char *text)
{
	expect_at(e, idx, to, kind, false, room, from, text);
}

static void expect_replay(const struct env *e, size_t idx, int to, const char *room,
			  const char *from, const char *text)
{
	expect_at(e, idx, to, HUB_EV_SAY, true, room, from, text);
}

static void clear(struct env *e)
{
	world_clear(&e->w);
}

/* Checks a room's members, in join order, against `ids` (-1 terminated). */
static void expect_members(const struct env *e, const char *room, const int *ids)
{
	struct hub_room *r = find(e, room);
	assert_non_null(r);
	size_t n = 0;
	struct hub_member *m = hub_first_member(r);
	for (; ids[n] >= 0; n++) {
		assert_non_null(m);
		assert_ptr_equal(hub_member_user(m), e->u[ids[n]]);
		assert_ptr_equal(hub_member_room(m), r);
		assert_ptr_equal(hub_membership(e->u[ids[n]], r), m);
		m = hub_next_member(m);
	}
	assert_null(m);
	assert_int_equal(hub_room_size(r), n);
}

/* Checks the hub's rooms, in creation order, against `names` (NULL
 * terminated). */
static void expect_rooms(const struct env *e, const char *const *names)
{
	size_t n = 0;
	struct hub_room *r = hub_first_room(e->hub);
	for (; names[n]; n++) {
		assert_non_null(r);
		assert_string_equal(hub_room_name(r), names[n]);
		assert_int_equal(hub_room_name_len(r), strlen(names[n]));
		assert_ptr_equal(find(e, names[n]), r);
		r = hub_next_room(e->hub, r);
	}
	assert_null(r);
	assert_int_equal(hub_room_count(e->hub), n);
}

/* ---- validation ---- */

static bool name_class(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || (c && strchr("[]\\`^{}|", c));
}

static void test_name_valid(void **state)
{
	(void)state;
	struct guarded g;
	guarded_init(&g, 64);
	for (int c = 0; c < 256; c++) {
		char one[1] = {(char)c};
		char mid[3] = {'a', (char)c, 'b'};
		char end[2] = {'a', (char)c};
		assert_int_equal(hub_name_valid(guarded_put(&g, one, 1), 1), name_class(c));
		assert_int_equal(hub_name_valid(guarded_put(&g, mid, 3), 3), name_class(c));
		assert_int_equal(hub_name_valid(guarded_put(&g, end, 2), 2), name_class(c));
	}
	char name[40];
	memset(name, 'x', sizeof(name));
	assert_false(hub_name_valid(guarded_put(&g, name, 0), 0));
	assert_true(hub_name_valid(guarded_put(&g, name, 1), 1));
	assert_true(hub_name_valid(guarded_put(&g, name, 31), 31));
	assert_true(hub_name_valid(guarded_put(&g, name, 32), 32));
	assert_false(hub_name_valid(guarded_put(&g, name, 33), 33));
	assert_false(hub_name_valid(guarded_put(&g, name, 40), 40));
	assert_true(hub_name_valid("aZ09_-", 6));
	assert_true(hub_name_valid("[a]\\`^{b}|", 10)); /* IRC's extra characters */
	assert_true(hub_name_valid("9lives", 6));
	assert_false(hub_name_valid("a!b", 3));
	assert_false(hub_name_valid("a@b", 3));
	assert_false(hub_name_valid("a:b", 3));
	assert_false(hub_name_valid("a*", 2));
	assert_false(hub_name_valid("a b", 3));
	assert_false(hub_name_valid("caf\xc3\xa9", 5));
	assert_false(hub_name_valid("a\0b", 3));
	assert_false(hub_name_valid("#a", 2));
	guarded_free(&g);
}

static bool room_char(int c)
{
	return c > 0x20 && c < 0x7f && c != ',' && c != ':';
}

static void test_room_valid(void **state)
{
	(void)state;
	struct guarded g;
	guarded_init(&g, 64);
	for (int c = 0; c < 256; c++) {
		char two[2] = {'#', (char)c};
		char mid[4] = {'#', 'a', (char)c, 'b'};
		char lead[3] = {(char)c, 'a', 'b'};
		assert_int_equal(hub_room_valid(guarded_put(&g, two, 2), 2), room_char(c));
		assert_int_equal(hub_room_valid(guarded_put(&g, mid, 4), 4), room_char(c));
		/* the first byte must be '#' */
		assert_int_equal(hub_room_valid(guarded_put(&g, lead, 3), 3), c == '#');
	}
	char room[40];
	memset(room, 'r', sizeof(room));
	room[0] = '#';
	assert_false(hub_room_valid(guarded_put(&g, room, 0), 0));
	assert_false(hub_room_valid(guarded_put(&g, room, 1), 1)); /* "#" alone */
	assert_true(hub_room_valid(guarded_put(&g, room, 2), 2));
	assert_true(hub_room_valid(guarded_put(&g, room, 32), 32));
	assert_false(hub_room_valid(guarded_put(&g, room, 33), 33));
	assert_false(hub_room_valid(guarded_put(&g, room + 1, 5), 5)); /* no '#' */
	assert_true(hub_room_valid("##", 2));
	assert_true(hub_room_valid("#a#b", 4));
	assert_true(hub_room_valid("#[]{}|~!", 8));
	assert_false(hub_room_valid("#a b", 4));
	assert_false(hub_room_valid("#a,b", 4));
	assert_false(hub_room_valid("#a:b", 4)); /* would end an IRC parameter */
	assert_false(hub_room_valid("#a\ab", 4)); /* BEL */
	assert_false(hub_room_valid("#a\tb", 4));
	assert_false(hub_room_valid("#a\x7f", 3));
	assert_false(hub_room_valid("#caf\xc3\xa9", 6));
	assert_false(hub_room_valid("#a\0", 3));
	assert_false(hub_room_valid(" #a", 3));
	guarded_free(&g);
}

/* ---- register ---- */

static void test_register(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	struct hub_user *u = NULL;
	static const char *const bad[] = {"", "a b", "a.b", "#a", "caf\xc3\xa9", "a,b",
					  "123456789012345678901234567890123"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hub_register(e.hub, bad[i], strlen(bad[i]), &fake_sink, &e.f[0],
					      &u),
				 HUB_NAME_INVALID);
	assert_int_equal(hub_user_count(e.hub), 0);
	assert_null(hub_first_user(e.hub));

	add(&e, 0, "Alice");
	assert_string_equal(hub_user_name(e.u[0]), "Alice");
	assert_int_equal(hub_user_name_len(e.u[0]), 5);
	assert_null(hub_first_membership(e.u[0]));
	assert_int_equal(hub_user_room_count(e.u[0]), 0);
	assert_int_equal(hub_user_count(e.hub), 1);

	/* taken, in any case */
	static const char *const taken[] = {"Alice", "alice", "ALICE", "aLiCe"};
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		assert_int_equal(hub_register(e.hub, taken[i], 5, &fake_sink, &e.f[1], &u),
				 HUB_NAME_TAKEN);
	assert_int_equal(hub_user_count(e.hub), 1);

	/* every allowed character class, and the length limits */
	add(&e, 1, "-");
	add(&e, 2, "_");
	add(&e, 3, "0");
	add(&e, 4, "zZ9_-");
	add(&e, 5, "12345678901234567890123456789012");
	assert_int_equal(hub_user_name_len(e.u[5]), 32);
	assert_string_equal(hub_user_name(e.u[5]), "12345678901234567890123456789012");
	assert_int_equal(hub_register(e.hub, "ZZ9_-", 5, &fake_sink, &e.f[6], &u),
			 HUB_NAME_TAKEN);
	/* a name is not a prefix match */
	add(&e, 6, "Alic");
	add(&e, 7, "Alicee");
	assert_int_equal(hub_user_count(e.hub), 8);

	/* unregistering frees the name, reusable in another case */
	drop(&e, 0);
	assert_int_equal(hub_user_count(e.hub), 7);
	add(&e, 0, "ALICE");
	assert_string_equal(hub_user_name(e.u[0]), "ALICE");
	drop(&e, 5);
	add(&e, 5, "12345678901234567890123456789012");
	expect_count(&e, 0);
	env_done(&e);
}

/* ---- join ---- */

static void test_join(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	assert_null(find(&e, "#Room"));

	/* alone: the room is created, nobody is told */
	assert_int_equal(join(&e, 0, "#Room"), HUB_OK);
	expect_count(&e, 0);
	struct hub_room *r = find(&e, "#room");
	assert_non_null(r);
	assert_ptr_equal(find(&e, "#ROOM"), r);
	assert_ptr_equal(room_of(e.u[0]), r);
	assert_int_equal(hub_member_flags(hub_membership(e.u[0], r)), HUB_MEMBER_OP);
	assert_string_equal(hub_room_name(r), "#Room");
	assert_int_equal(hub_room_size(r), 1);
	assert_int_equal(hub_room_count(e.hub), 1);

	/* joined in another case: the existing room, shown as first created;
	 * the members already there hear of it, the joiner does not */
	assert_int_equal(join(&e, 1, "#ROOM"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 0, HUB_EV_JOIN, "#Room", "bob", NULL);
	clear(&e);
	assert_ptr_equal(room_of(e.u[1]), r);
	assert_int_equal(hub_member_flags(hub_membership(e.u[1], r)), 0); /* not first */
	assert_int_equal(hub_room_count(e.hub), 1);

	assert_int_equal(join(&e, 2, "#room"), HUB_OK);
	expect_count(&e, 2);
	expect_ev(&e, 0, 0, HUB_EV_JOIN, "#Room", "carol", NULL);
	expect_ev(&e, 1, 1, HUB_EV_JOIN, "#Room", "carol", NULL);
	clear(&e);
	expect_members(&e, "#ROOM", (const int[]){0, 1, 2, -1});

	/* the same room again, in any case: ALREADY_IN, nothing changes */
	static const char *const same[] = {"#Room", "#room", "#ROOM", "#rOOm"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(join(&e, 1, same[i]), HUB_ALREADY_IN);
		assert_int_equal(join(&e, 0, same[i]), HUB_ALREADY_IN);
	}
	expect_count(&e, 0);
	expect_members(&e, "#room", (const int[]){0, 1, 2, -1});

	/* ASCII folding only: '[' and '{' are different rooms */
	assert_int_equal(join(&e, 3, "#[x]"), HUB_OK);
	assert_null(find(&e, "#{x}"));
	assert_int_equal(hub_room_count(e.hub), 2);
	expect_count(&e, 0);
	env_done(&e);
}

static void test_join_invalid_changes_nothing(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	assert_int_equal(join(&e, 0, "#a"), HUB_OK);
	assert_int_equal(join(&e, 1, "#a"), HUB_OK);
	clear(&e);
	char longest[40];
	memset(longest, 'x', sizeof(longest));
	longest[0] = '#';
	longest[33] = '\0';
	static const char *const bad[] = {"a", "ab", "", "#", "#a b", "# ", "#a,b", "#,",
					  "#a\tb", "#a\x01", "#\x1f", "#a\x7f", "#caf\xc3\xa9",
					  "#\x80", "a#b", " #a", "#a:b", "#:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(join(&e, 0, bad[i]), HUB_ROOM_INVALID);
		assert_int_equal(join(&e, 2, bad[i]), HUB_ROOM_INVALID);
	}
	assert_int_equal(join(&e, 0, longest), HUB_ROOM_INVALID); /* 33 bytes */
	assert_int_equal(hub_join(e.hub, e.u[0], "#a\0", 3, NULL), HUB_ROOM_INVALID);
	longest[32] = '\0';
	assert_int_equal(join(&e, 2, longest), HUB_OK); /* 32 bytes */
	expect_count(&e, 0);
	expect_members(&e, "#a", (const int[]){0, 1, -1});
	expect_members(&e, longest, (const int[]){2, -1});
	assert_int_equal(hub_room_count(e.hub), 2);
	env_done(&e);
}

/* Many rooms per user: joining another room keeps the first; each room's
 * members hear only of their own room; memberships list in join order. */
static void test_many_rooms(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	join(&e, 1, "#a");
	join(&e, 2, "#B");
	clear(&e);

	assert_int_equal(join(&e, 0, "#a"), HUB_OK);
	assert_int_equal(join(&e, 0, "#b"), HUB_OK);
	assert_int_equal(join(&e, 0, "#c"), HUB_OK);
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#a", "alice", NULL);
	expect_ev(&e, 1, 2, HUB_EV_JOIN, "#B", "alice", NULL);
	clear(&e);
	assert_int_equal(hub_user_room_count(e.u[0]), 3);
	const struct hub_member *m = hub_first_membership(e.u[0]);
	assert_string_equal(hub_room_name(hub_member_room(m)), "#a");
	m = hub_next_membership(m);
	assert_string_equal(hub_room_name(hub_member_room(m)), "#B");
	assert_int_equal(hub_member_flags(m), 0);
	m = hub_next_membership(m);
	assert_string_equal(hub_room_name(hub_member_room(m)), "#c");
	assert_int_equal(hub_member_flags(m), HUB_MEMBER_OP); /* created it */
	assert_null(hub_next_membership(m));
	assert_int_equal(join(&e, 0, "#B"), HUB_ALREADY_IN);
	expect_members(&e, "#a", (const int[]){1, 0, -1});
	expect_members(&e, "#b", (const int[]){2, 0, -1});
	expect_members(&e, "#c", (const int[]){0, -1});

	/* a line in one room stays there */
	assert_int_equal(hub_say(e.hub, e.u[0], find(&e, "#b"), "in b", 4), HUB_OK);
	expect_count(&e, 2);
	expect_ev(&e, 0, 2, HUB_EV_SAY, "#B", "alice", "in b");
	expect_ev(&e, 1, 0, HUB_EV_SAY, "#B", "alice", "in b");
	clear(&e);

	/* leaving one room keeps the others; the reason travels with LEAVE */
	assert_int_equal(hub_leave(e.hub, e.u[0], find(&e, "#a"), "bye a", 5), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_LEAVE, "#a", "alice", "bye a");
	clear(&e);
	assert_int_equal(hub_user_room_count(e.u[0]), 2);
	assert_null(hub_membership(e.u[0], find(&e, "#a")));
	assert_int_equal(leave(&e, 0, "#a"), HUB_NOT_IN_ROOM);
	assert_int_equal(leave(&e, 0, "#nowhere"), HUB_NOT_IN_ROOM);
	assert_int_equal(leave(&e, 0, "#c"), HUB_OK); /* the last one out */
	assert_null(find(&e, "#c"));
	expect_count(&e, 0);
	expect_rooms(&e, (const char *const[]){"#a", "#B", NULL});
	env_done(&e);
}

/* ---- leave ---- */

static void test_leave(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");

	assert_int_equal(leave(&e, 0, "#Lobby"), HUB_NOT_IN_ROOM);
	assert_int_equal(hub_leave(e.hub, e.u[0], NULL, "", 0), HUB_NOT_IN_ROOM);
	expect_count(&e, 0);

	join(&e, 0, "#Lobby");
	join(&e, 1, "#LOBBY");
	join(&e, 2, "#lobby");
	say(&e, 0, "remember me");
	clear(&e);

	assert_int_equal(leave(&e, 1, "#lobby"), HUB_OK);
	assert_null(room_of(e.u[1]));
	expect_count(&e, 2);
	expect_ev(&e, 0, 0, HUB_EV_LEAVE, "#Lobby", "bob", NULL);
	expect_ev(&e, 1, 2, HUB_EV_LEAVE, "#Lobby", "bob", NULL);
	clear(&e);
	expect_members(&e, "#lobby", (const int[]){0, 2, -1});
	assert_int_equal(leave(&e, 1, "#lobby"), HUB_NOT_IN_ROOM);

	assert_int_equal(leave(&e, 0, "#LOBBY"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 2, HUB_EV_LEAVE, "#Lobby", "alice", NULL);
	clear(&e);

	/* the last one out: no events, the room and its history are gone */
	assert_int_equal(leave(&e, 2, "#Lobby"), HUB_OK);
	expect_count(&e, 0);
	assert_null(find(&e, "#Lobby"));
	assert_null(find(&e, "#lobby"));
	assert_int_equal(hub_room_count(e.hub), 0);
	assert_null(hub_first_room(e.hub));

	/* re-created: the new creator's spelling, and no old history */
	join(&e, 2, "#LOBBY");
	assert_int_equal(replay(&e, 2), 0);
	expect_count(&e, 0);
	expect_rooms(&e, (const char *const[]){"#LOBBY", NULL});
	env_done(&e);
}

/* ---- say ---- */

static void test_say(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	add(&e, 4, "erin");
	join(&e, 1, "#a");
	join(&e, 0, "#a");
	join(&e, 2, "#a");
	join(&e, 3, "#b");
	clear(&e);

	assert_int_equal(say(&e, 0, "hello all"), HUB_OK);
	expect_count(&e, 3);
	expect_ev(&e, 0, 1, HUB_EV_SAY, "#a", "alice", "hello all");
	expect_ev(&e, 1, 0, HUB_EV_SAY, "#a", "alice", "hello all");
	expect_ev(&e, 2, 2, HUB_EV_SAY, "#a", "alice", "hello all");
	clear(&e);

	/* alone in a room: the speaker still hears it */
	assert_int_equal(say(&e, 3, "anyone?"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 3, HUB_EV_SAY, "#b", "dave", "anyone?");
	clear(&e);

	/* from outside the room (a dialect allowing that, like IRC without
	 * +n): the members hear it, the speaker does not */
	assert_int_equal(hub_say(e.hub, e.u[4], find(&e, "#a"), "from outside", 12), HUB_OK);
	expect_count(&e, 3);
	expect_ev(&e, 0, 1, HUB_EV_SAY, "#a", "erin", "from outside");
	expect_ev(&e, 1, 0, HUB_EV_SAY, "#a", "erin", "from outside");
	expect_ev(&e, 2, 2, HUB_EV_SAY, "#a", "erin", "from outside");
	clear(&e);

	/* text byte for byte: spaces, tabs, UTF-8, embedded NUL */
	static const char odd[] = "  a\tb  caf\xc3\xa9 \0 z ";
	assert_int_equal(hub_say(e.hub, e.u[2], find(&e, "#a"), odd, sizeof(odd) - 1), HUB_OK);
	expect_count(&e, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(e.w.recs[i].text_len, sizeof(odd) - 1);
		assert_memory_equal(e.w.recs[i].text, odd, sizeof(odd) - 1);
		assert_string_equal(e.w.recs[i].from, "carol");
	}
	clear(&e);

	/* empty text is the dialect's business; the hub passes it on */
	assert_int_equal(hub_say(e.hub, e.u[3], find(&e, "#b"), "", 0), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 3, HUB_EV_SAY, "#b", "dave", "");
	clear(&e);
	env_done(&e);
}

/* ---- history ---- */

static void say_lines(struct env *e, int who, int from, int to)
{
	char line[32];
	for (int i = from; i <= to; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		assert_int_equal(say(e, who, line), HUB_OK);
	}
}

static void expect_lines(const struct env *e, size_t first_idx, int to, const char *room,
			 const char *from, int lo, int hi)
{
	char line[32];
	for (int i = lo; i <= hi; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		expect_replay(e, first_idx + (size_t)(i - lo), to, room, from, line);
	}
}

static void test_history_ring(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 3);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	join(&e, 0, "#Hist");
	join(&e, 1, "#hist");

	/* fewer lines than the ring holds */
	assert_int_equal(say(&e, 0, "one"), HUB_OK);
	assert_int_equal(say(&e, 1, "two"), HUB_OK);
	clear(&e);
	assert_int_equal(join(&e, 2, "#HIST"), HUB_OK);
	replay(&e, 2);
	expect_count(&e, 4);
	expect_ev(&e, 0, 0, HUB_EV_JOIN, "#Hist", "carol", NULL);
	expect_ev(&e, 1, 1, HUB_EV_JOIN, "#Hist", "carol", NULL);
	expect_replay(&e, 2, 2, "#Hist", "alice", "one");
	expect_replay(&e, 3, 2, "#Hist", "bob", "two");
	clear(&e);

	/* exactly full, then past full: the last 3, oldest first */
	assert_int_equal(say(&e, 2, "three"), HUB_OK);
	clear(&e);
	replay(&e, 1);
	expect_count(&e, 3);
	expect_replay(&e, 0, 1, "#Hist", "alice", "one");
	expect_replay(&e, 1, 1, "#Hist", "bob", "two");
	expect_replay(&e, 2, 1, "#Hist", "carol", "three");
	clear(&e);

	say_lines(&e, 0, 1, 5);
	clear(&e);
	assert_int_equal(join(&e, 3, "#hist"), HUB_OK);
	clear(&e);
	replay(&e, 3);
	expect_count(&e, 3);
	expect_lines(&e, 0, 3, "#Hist", "alice", 3, 5);
	clear(&e);

	/* wrapping many times */
	for (int k = 6; k <= 40; k++) {
		say_lines(&e, k % 4, k, k);
		clear(&e);
		replay(&e, 0);
		expect_count(&e, 3);
		char line[32];
		for (int i = 0; i < 3; i++) {
			snprintf(line, sizeof(line), "line %d", k - 2 + i);
			assert_int_equal(e.w.recs[i].to, 0);
			assert_true(e.w.recs[i].replay);
			assert_int_equal(e.w.recs[i].text_len, strlen(line));
			assert_memory_equal(e.w.recs[i].text, line, strlen(line));
		}
		clear(&e);
	}

	env_done(&e);
}

static void test_history_zero_and_one(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	join(&e, 0, "#a");
	say_lines(&e, 0, 1, 5);
	join(&e, 1, "#a");
	clear(&e);
	replay(&e, 1);
	replay(&e, 0);
	expect_count(&e, 0);
	env_done(&e);

	env_init(&e, 1);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	join(&e, 0, "#a");
	replay(&e, 0);
	expect_count(&e, 0);
	say_lines(&e, 0, 1, 5);
	join(&e, 1, "#a");
	clear(&e);
	replay(&e, 1);
	expect_count(&e, 1);
	expect_replay(&e, 0, 1, "#a", "alice", "line 5");
	clear(&e);
	env_done(&e);
}

/* History lives while the room has members: it outlives a speaker who left
 * (names are copied), goes with the room, and a move replays the new room. */
static void test_history_lifetime(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 5);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");

	join(&e, 0, "#a");
	say(&e, 0, "gone soon");
	join(&e, 1, "#a");
	drop(&e, 0); /* the speaker is freed; its line stays */
	clear(&e);
	join(&e, 2, "#a");
	replay(&e, 2);
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#a", "carol", NULL);
	expect_replay(&e, 1, 2, "#a", "alice", "gone soon");
	clear(&e);

	/* a move replays the destination's history, not the origin's */
	join(&e, 3, "#b");
	say(&e, 3, "b only");
	clear(&e);
	move(&e, 3, "#a");
	replay(&e, 3);
	expect_count(&e, 3);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#a", "dave", NULL);
	expect_ev(&e, 1, 2, HUB_EV_JOIN, "#a", "dave", NULL);
	expect_replay(&e, 2, 3, "#a", "alice", "gone soon");
	clear(&e);
	assert_null(find(&e, "#b"));
	move(&e, 3, "#b"); /* re-created empty-handed */
	replay(&e, 3);
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_LEAVE, "#a", "dave", NULL);
	expect_ev(&e, 1, 2, HUB_EV_LEAVE, "#a", "dave", NULL);
	clear(&e);

	/* everyone leaves #a: its history goes with it */
	leave(&e, 1, "#a");
	leave(&e, 2, "#a");
	assert_null(find(&e, "#a"));
	join(&e, 1, "#A");
	clear(&e);
	replay(&e, 1);
	expect_count(&e, 0);
	expect_rooms(&e, (const char *const[]){"#b", "#A", NULL});
	env_done(&e);
}

/* ---- privmsg ---- */

static void test_privmsg(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	add(&e, 0, "alice");
	add(&e, 1, "Bob");
	add(&e, 2, "carol");
	join(&e, 0, "#a");
	join(&e, 1, "#a");
	join(&e, 2, "#b");
	clear(&e);

	static const char *const targets[] = {"Bob", "bob", "BOB", "bOb"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(hub_privmsg(e.hub, e.u[0], targets[i], 3, "psst", 4), HUB_OK);
		expect_count(&e, 1);
		expect_ev(&e, 0, 1, HUB_EV_PRIVMSG, NULL, "alice", "psst");
		clear(&e);
	}
	/* across rooms, from outside any room, to oneself */
	assert_int_equal(hub_privmsg(e.hub, e.u[2], "ALICE", 5, "hi  there", 9), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 0, HUB_EV_PRIVMSG, NULL, "carol", "hi  there");
	clear(&e);
	leave(&e, 2, "#b");
	assert_int_equal(hub_privmsg(e.hub, e.u[2], "Carol", 5, "note to self", 12), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 2, HUB_EV_PRIVMSG, NULL, "carol", "note to self");
	clear(&e);

	/* unknown targets */
	static const char *const ghosts[] = {"ghost", "Bo", "Bobb", "Bob ", "", "#a"};
	for (size_t i = 0; i < sizeof(ghosts) / sizeof(ghosts[0]); i++)
		assert_int_equal(hub_privmsg(e.hub, e.u[0], ghosts[i], strlen(ghosts[i]), "x", 1),
				 HUB_NO_SUCH_USER);
	expect_count(&e, 0);
	drop(&e, 1);
	expect_count(&e, 1);
	expect_ev(&e, 0, 0, HUB_EV_QUIT, "#a", "Bob", NULL);
	clear(&e);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "bob", 3, "x", 1), HUB_NO_SUCH_USER);
	expect_count(&e, 0);
	env_done(&e);
}

/* ---- unregister ---- */

static void test_unregister_in_room(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 4);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	join(&e, 0, "#a");
	join(&e, 1, "#a");
	join(&e, 2, "#a");
	say(&e, 1, "bye");
	clear(&e);

	drop(&e, 1);
	expect_count(&e, 2);
	expect_ev(&e, 0, 0, HUB_EV_QUIT, "#a", "bob", NULL);
	expect_ev(&e, 1, 2, HUB_EV_QUIT, "#a", "bob", NULL);
	clear(&e);
	expect_members(&e, "#a", (const int[]){0, 2, -1});
	assert_int_equal(hub_user_count(e.hub), 2);

	/* the name is free again; the newcomer is a stranger to #a */
	add(&e, 1, "BOB");
	assert_null(room_of(e.u[1]));
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "bob", 3, "new?", 4), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_PRIVMSG, NULL, "alice", "new?");
	clear(&e);

	drop(&e, 0);
	expect_count(&e, 1);
	expect_ev(&e, 0, 2, HUB_EV_QUIT, "#a", "alice", NULL);
	clear(&e);
	drop(&e, 2); /* the last member: the room goes, silently */
	expect_count(&e, 0);
	assert_null(find(&e, "#a"));
	assert_int_equal(hub_room_count(e.hub), 0);
	env_done(&e);
}

/* ---- iteration ---- */

static void expect_users(const struct env *e, const int *ids)
{
	size_t n = 0;
	struct hub_user *u = hub_first_user(e->hub);
	for (; ids[n] >= 0; n++) {
		assert_ptr_equal(u, e->u[ids[n]]);
		u = hub_next_user(e->hub, u);
	}
	assert_null(u);
	assert_int_equal(hub_user_count(e->hub), n);
}

static void test_iteration_order(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	assert_null(hub_first_user(e.hub));
	assert_null(hub_first_room(e.hub));
	add(&e, 3, "d");
	add(&e, 1, "b");
	add(&e, 0, "a");
	add(&e, 2, "c");
	expect_users(&e, (const int[]){3, 1, 0, 2, -1});
	drop(&e, 1);
	expect_users(&e, (const int[]){3, 0, 2, -1});
	add(&e, 1, "b");
	expect_users(&e, (const int[]){3, 0, 2, 1, -1});
	drop(&e, 3);
	drop(&e, 1);
	expect_users(&e, (const int[]){0, 2, -1});
	add(&e, 3, "D");
	add(&e, 1, "B");

	move(&e, 0, "#z");
	move(&e, 1, "#y");
	move(&e, 2, "#x");
	expect_rooms(&e, (const char *const[]){"#z", "#y", "#x", NULL});
	move(&e, 3, "#Y");
	move(&e, 0, "#x"); /* #z empties and goes */
	expect_rooms(&e, (const char *const[]){"#y", "#x", NULL});
	move(&e, 0, "#Z"); /* re-created: at the end */
	expect_rooms(&e, (const char *const[]){"#y", "#x", "#Z", NULL});

	/* members in join order; leaving and rejoining goes to the end */
	move(&e, 1, "#x");
	move(&e, 3, "#x");
	move(&e, 0, "#x");
	expect_members(&e, "#x", (const int[]){2, 1, 3, 0, -1});
	expect_rooms(&e, (const char *const[]){"#x", NULL});
	move(&e, 2, "#q");
	move(&e, 2, "#X");
	expect_members(&e, "#x", (const int[]){1, 3, 0, 2, -1});
	expect_rooms(&e, (const char *const[]){"#x", NULL});
	env_done(&e);
}

/* ---- render cache ---- */

/* One dialect: the first recipient renders, the rest reuse the same msg;
 * after delivery the hub's reference is gone and only the holders' remain. */
static void test_render_cache_one_slot(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 4);
	for (int i = 0; i < 4; i++) {
		e.f[i].slot = 0;
		e.f[i].hold = true;
	}
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	for (int i = 0; i < 4; i++)
		join(&e, i, "#r");
	clear(&e);

	assert_int_equal(say(&e, 2, "shared"), HUB_OK);
	expect_count(&e, 4);
	struct msg *m = e.w.recs[0].held;
	assert_non_null(m);
	assert_null(e.w.recs[0].found);
	for (size_t i = 1; i < 4; i++) {
		assert_ptr_equal(e.w.recs[i].found, m);
		assert_ptr_equal(e.w.recs[i].held, m);
	}
	assert_int_equal(m->refs, 4); /* the four holders; the hub let go */
	clear(&e);

	/* each event gets a fresh cache: JOIN, then each replayed line */
	add(&e, 4, "erin");
	e.f[4].slot = 0;
	e.f[4].hold = true;
	say(&e, 0, "second");
	clear(&e);
	join(&e, 4, "#r");
	replay(&e, 4);
	expect_count(&e, 6);
	struct msg *join_msg = e.w.recs[0].held;
	assert_null(e.w.recs[0].found);
	for (size_t i = 1; i < 4; i++)
		assert_ptr_equal(e.w.recs[i].found, join_msg);
	assert_int_equal(join_msg->refs, 4);
	assert_null(e.w.recs[4].found);
	assert_null(e.w.recs[5].found);
	assert_ptr_not_equal(e.w.recs[4].held, e.w.recs[5].held);
	assert_ptr_not_equal(e.w.recs[4].held, join_msg);
	assert_int_equal(e.w.recs[4].held->refs, 1);
	assert_int_equal(e.w.recs[5].held->refs, 1);
	clear(&e);

	/* privmsg and leave too */
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "bob", 3, "pm", 2), HUB_OK);
	expect_count(&e, 1);
	assert_null(e.w.recs[0].found);
	assert_int_equal(e.w.recs[0].held->refs, 1);
	clear(&e);
	leave(&e, 0, "#r");
	expect_count(&e, 4);
	assert_int_equal(e.w.recs[0].held->refs, 4);
	clear(&e);
	env_done(&e);
}

/* Two dialects in one room (slots 0 and 2): one msg per slot, each shared by
 * its own dialect's recipients only. Renderings nobody holds are freed by
 * the hub (ASan/valgrind would report the leak). */
static void test_render_cache_two_slots(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 2);
	for (int i = 0; i < 6; i++) {
		e.f[i].slot = i % 2 ? 2 : 0;
		e.f[i].hold = i < 4;
	}
	add(&e, 0, "u0");
	add(&e, 1, "u1");
	add(&e, 2, "u2");
	add(&e, 3, "u3");
	add(&e, 4, "u4");
	add(&e, 5, "u5");
	for (int i = 0; i < 6; i++)
		join(&e, i, "#mix");
	clear(&e);

	assert_int_equal(say(&e, 5, "both"), HUB_OK);
	expect_count(&e, 6);
	struct msg *m0 = e.w.recs[0].held, *m2 = e.w.recs[1].held;
	assert_non_null(m0);
	assert_non_null(m2);
	assert_ptr_not_equal(m0, m2);
	assert_null(e.w.recs[0].found);
	assert_null(e.w.recs[1].found);
	assert_ptr_equal(e.w.recs[2].found, m0);
	assert_ptr_equal(e.w.recs[3].found, m2);
	assert_ptr_equal(e.w.recs[4].found, m0);
	assert_ptr_equal(e.w.recs[5].found, m2);
	assert_int_equal(m0->refs, 2); /* fakes 0 and 2 hold; 4 does not */
	assert_int_equal(m2->refs, 2);
	clear(&e);

	/* nobody holds: every rendering is the hub's to free */
	for (int i = 0; i < 6; i++)
		e.f[i].hold = false;
	say_lines(&e, 1, 1, 3);
	drop(&e, 3);
	add(&e, 3, "u3");
	join(&e, 3, "#mix");
	replay(&e, 3);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "u1", 2, "x", 1), HUB_OK);
	clear(&e);
	env_done(&e);
}

/* ---- silence ---- */

static void test_silence(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 5);
	for (int i = 0; i < 4; i++)
		e.f[i].slot = 1;
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	join(&e, 0, "#a");
	join(&e, 1, "#a");
	say(&e, 0, "before");
	clear(&e);

	hub_silence(e.hub);
	assert_int_equal(say(&e, 1, "after"), HUB_OK);
	assert_int_equal(join(&e, 2, "#a"), HUB_OK);
	replay(&e, 2);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "carol", 5, "pm", 2), HUB_OK);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "ghost", 5, "pm", 2), HUB_NO_SUCH_USER);
	assert_int_equal(join(&e, 2, "#a"), HUB_ALREADY_IN);
	assert_int_equal(join(&e, 2, "a"), HUB_ROOM_INVALID);
	assert_int_equal(leave(&e, 1, "#a"), HUB_OK);
	assert_int_equal(leave(&e, 1, "#a"), HUB_NOT_IN_ROOM);
	add(&e, 3, "dave");
	assert_int_equal(join(&e, 3, "#b"), HUB_OK);
	expect_members(&e, "#a", (const int[]){0, 2, -1});
	expect_count(&e, 0);

	/* unregister still works and nobody hears of it */
	drop(&e, 0);
	drop(&e, 3);
	assert_null(find(&e, "#b"));
	expect_members(&e, "#a", (const int[]){2, -1});
	assert_int_equal(hub_user_count(e.hub), 2);
	expect_count(&e, 0);
	env_done(&e);
}

/* ---- quits, renames, away: once per user sharing a room ---- */

/* alice shares #a, #b and #c with bob, #b with carol; dave shares nothing.
 * Her quit reaches bob once (through #a, her first room), carol once
 * (through #b) and dave never, with the reason; rooms she held alone go. */
static void test_quit_once_per_user(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	join(&e, 0, "#a");
	join(&e, 0, "#b");
	join(&e, 0, "#c");
	join(&e, 0, "#solo");
	join(&e, 1, "#c");
	join(&e, 1, "#b");
	join(&e, 1, "#a");
	join(&e, 2, "#b");
	join(&e, 3, "#d");
	clear(&e);

	hub_unregister(e.hub, e.u[0], "see you", 7);
	e.u[0] = NULL;
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_QUIT, "#a", "alice", "see you");
	expect_ev(&e, 1, 2, HUB_EV_QUIT, "#b", "alice", "see you");
	clear(&e);
	assert_null(find(&e, "#solo"));
	expect_members(&e, "#a", (const int[]){1, -1});
	expect_members(&e, "#b", (const int[]){1, 2, -1});
	expect_members(&e, "#c", (const int[]){1, -1});
	assert_int_equal(hub_user_room_count(e.u[1]), 3);

	/* nobody shares a room with dave: his quit is silent */
	drop(&e, 3);
	expect_count(&e, 0);
	env_done(&e);
}

static void test_rename(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 4);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	join(&e, 0, "#a");
	join(&e, 0, "#b");
	join(&e, 1, "#a");
	join(&e, 1, "#b");
	join(&e, 2, "#b");
	say(&e, 0, "said as alice");
	clear(&e);

	assert_int_equal(hub_rename(e.hub, e.u[0], "BOB", 3), HUB_NAME_TAKEN);
	assert_int_equal(hub_rename(e.hub, e.u[0], "a b", 3), HUB_NAME_INVALID);
	assert_int_equal(hub_rename(e.hub, e.u[0], "", 0), HUB_NAME_INVALID);
	assert_int_equal(hub_rename(e.hub, e.u[0], "alice", 5), HUB_OK); /* the same */
	expect_count(&e, 0);

	/* herself first, then bob once (through #a), carol once (through #b) */
	assert_int_equal(hub_rename(e.hub, e.u[0], "[Al]|ce", 7), HUB_OK);
	expect_count(&e, 3);
	expect_ev(&e, 0, 0, HUB_EV_NICK, "#a", "alice", NULL);
	expect_ev(&e, 1, 1, HUB_EV_NICK, "#a", "alice", NULL);
	expect_ev(&e, 2, 2, HUB_EV_NICK, "#b", "alice", NULL);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(e.w.recs[i].target, "[Al]|ce");
	clear(&e);
	assert_string_equal(hub_user_name(e.u[0]), "[Al]|ce");
	assert_int_equal(hub_user_name_len(e.u[0]), 7);
	assert_ptr_equal(hub_find_user(e.hub, "[al]|CE", 7), e.u[0]);
	assert_null(hub_find_user(e.hub, "alice", 5));

	/* the old name is free; lines said before keep the old name */
	assert_int_equal(hub_rename(e.hub, e.u[3], "Alice", 5), HUB_OK);
	expect_count(&e, 1); /* dave is in no room: only he hears it */
	expect_at(&e, 0, 3, HUB_EV_NICK, false, NULL, "dave", NULL);
	clear(&e);
	assert_int_equal(hub_privmsg(e.hub, e.u[1], "[AL]|CE", 7, "hi", 2), HUB_OK);
	expect_ev(&e, 0, 0, HUB_EV_PRIVMSG, NULL, "bob", "hi");
	clear(&e);
	join(&e, 3, "#a");
	clear(&e);
	replay(&e, 3);
	expect_count(&e, 1);
	expect_replay(&e, 0, 3, "#a", "alice", "said as alice");
	clear(&e);

	/* a change of case only is a rename */
	assert_int_equal(hub_rename(e.hub, e.u[1], "BOB", 3), HUB_OK);
	assert_string_equal(hub_user_name(e.u[1]), "BOB");
	expect_count(&e, 4); /* bob, then [Al]|ce, dave (#a) and carol (#b) */
	expect_ev(&e, 0, 1, HUB_EV_NICK, "#a", "bob", NULL);
	expect_ev(&e, 1, 0, HUB_EV_NICK, "#a", "bob", NULL);
	expect_ev(&e, 2, 3, HUB_EV_NICK, "#a", "bob", NULL);
	expect_ev(&e, 3, 2, HUB_EV_NICK, "#b", "bob", NULL);
	clear(&e);
	env_done(&e);
}

static void test_away(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	join(&e, 0, "#a");
	join(&e, 0, "#b");
	join(&e, 1, "#a");
	join(&e, 1, "#b");
	clear(&e);
	size_t len = 99;
	assert_null(hub_user_away(e.u[0], &len));
	assert_int_equal(len, 0);

	hub_set_away(e.hub, e.u[0], "", 0); /* not away: nothing to say */
	expect_count(&e, 0);
	hub_set_away(e.hub, e.u[0], "lunch", 5);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_AWAY, "#a", "alice", "lunch");
	clear(&e);
	assert_string_equal(hub_user_away(e.u[0], &len), "lunch");
	assert_int_equal(len, 5);
	hub_set_away(e.hub, e.u[0], "", 0);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_AWAY, "#a", "alice", NULL);
	clear(&e);
	assert_null(hub_user_away(e.u[0], &len));

	/* kept text is bounded */
	char big[HUB_AWAY_MAX + 50];
	memset(big, 'z', sizeof(big));
	hub_set_away(e.hub, e.u[2], big, sizeof(big));
	expect_count(&e, 0); /* carol shares no room */
	hub_user_away(e.u[2], &len);
	assert_int_equal(len, HUB_AWAY_MAX);
	env_done(&e);
}

/* ---- topic, kick, modes ---- */

static uint64_t fake_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

static void test_topic_kick_modes(void **state)
{
	(void)state;
	struct env e;
	uint64_t now = 1700000000123ULL;
	memset(&e, 0, sizeof(e));
	struct hub_config cfg = {.now_ms = fake_clock, .now_ctx = &now};
	e.hub = hub_create(&cfg);
	for (int i = 0; i < MAX_USERS; i++)
		e.f[i] = (struct fake){.w = &e.w, .id = i, .slot = 0, .hold = false};
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	join(&e, 0, "#t");
	join(&e, 1, "#t");
	join(&e, 2, "#t");
	clear(&e);
	struct hub_room *r = find(&e, "#t");
	assert_int_equal(hub_room_created_ms(r), now);

	size_t len = 99;
	assert_string_equal(hub_room_topic(r, &len), "");
	assert_int_equal(len, 0);
	now += 5;
	hub_set_topic(e.hub, e.u[1], r, "news", 4);
	expect_count(&e, 3);
	for (int i = 0; i < 3; i++)
		expect_ev(&e, (size_t)i, i, HUB_EV_TOPIC, "#t", "bob", "news");
	clear(&e);
	assert_string_equal(hub_room_topic(r, &len), "news");
	assert_string_equal(hub_room_topic_setter(r), "bob");
	assert_int_equal(hub_room_topic_ms(r), now);

	/* modes: stored, broadcast once, nothing when unchanged */
	struct hub_room_modes md = {.flags = HUB_ROOM_TOPIC_LOCK | HUB_ROOM_NO_OUTSIDE,
				    .limit = 10};
	strcpy(md.key, "sesame");
	hub_set_modes(e.hub, e.u[0], r, &md);
	expect_count(&e, 3);
	expect_ev(&e, 0, 0, HUB_EV_MODE, "#t", "alice", NULL);
	clear(&e);
	assert_int_equal(hub_room_modes(r)->flags, md.flags);
	assert_int_equal(hub_room_modes(r)->limit, 10);
	assert_string_equal(hub_room_modes(r)->key, "sesame");
	hub_set_modes(e.hub, e.u[0], r, &md);
	expect_count(&e, 0);

	/* member flags */
	assert_int_equal(hub_set_member_flags(e.hub, e.u[0], r, e.u[2], HUB_MEMBER_VOICE),
			 HUB_OK);
	expect_count(&e, 3);
	expect_ev(&e, 2, 2, HUB_EV_MODE, "#t", "alice", NULL);
	assert_string_equal(e.w.recs[2].target, "carol");
	clear(&e);
	assert_int_equal(hub_member_flags(hub_membership(e.u[2], r)), HUB_MEMBER_VOICE);
	assert_int_equal(hub_set_member_flags(e.hub, e.u[0], r, e.u[2], HUB_MEMBER_VOICE),
			 HUB_OK);
	expect_count(&e, 0);

	/* kick: everyone hears, the victim included, then it is out */
	assert_int_equal(hub_kick(e.hub, e.u[0], r, e.u[1], "behave", 6), HUB_OK);
	expect_count(&e, 3);
	expect_ev(&e, 0, 0, HUB_EV_KICK, "#t", "alice", "behave");
	expect_ev(&e, 1, 1, HUB_EV_KICK, "#t", "alice", "behave");
	expect_ev(&e, 2, 2, HUB_EV_KICK, "#t", "alice", "behave");
	assert_string_equal(e.w.recs[1].target, "bob");
	clear(&e);
	expect_members(&e, "#t", (const int[]){0, 2, -1});
	assert_int_equal(hub_kick(e.hub, e.u[0], r, e.u[1], "", 0), HUB_NOT_IN_ROOM);
	assert_int_equal(hub_set_member_flags(e.hub, e.u[0], r, e.u[1], 0), HUB_NOT_IN_ROOM);
	expect_count(&e, 0);
	env_done(&e);
}

/* ---- ids, time, origin, render slots ---- */

static uint64_t ids_from_store(void *ctx)
{
	uint64_t *next = ctx;
	return *next += 10;
}

static void test_ids_time_origin(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 4);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	join(&e, 0, "#a");
	join(&e, 1, "#a");
	hub_set_origin(e.u[0], "al@example.org", 14);
	size_t len;
	assert_string_equal(hub_user_origin(e.u[1], &len), "");
	assert_int_equal(len, 0);
	clear(&e);

	/* ids: 1, 2, 3... across rooms and private messages; no clock: 0 */
	say(&e, 0, "one");
	hub_privmsg(e.hub, e.u[0], "bob", 3, "two", 3);
	say(&e, 1, "three");
	expect_count(&e, 5);
	assert_int_equal(e.w.recs[0].id, 1);
	assert_int_equal(e.w.recs[1].id, 1);
	assert_int_equal(e.w.recs[2].id, 2);
	assert_int_equal(e.w.recs[3].id, 3);
	assert_int_equal(e.w.recs[0].time_ms, 0);
	clear(&e);
	/* replay keeps the original ids */
	add(&e, 2, "carol");
	join(&e, 2, "#a");
	clear(&e);
	replay(&e, 2);
	expect_count(&e, 2);
	assert_int_equal(e.w.recs[0].id, 1);
	assert_int_equal(e.w.recs[1].id, 3);
	clear(&e);
	env_done(&e);

	/* a store supplies ids; the loop's clock supplies time; the origin
	 * travels with live lines and their history */
	uint64_t next = 1000, now = 42;
	memset(&e, 0, sizeof(e));
	struct hub_config cfg = {.history = 2, .now_ms = fake_clock, .now_ctx = &now,
				 .next_id = ids_from_store, .id_ctx = &next};
	e.hub = hub_create(&cfg);
	for (int i = 0; i < MAX_USERS; i++)
		e.f[i] = (struct fake){.w = &e.w, .id = i, .slot = -1};
	add(&e, 0, "alice");
	hub_set_origin(e.u[0], "al@example.org", 14);
	join(&e, 0, "#a");
	hub_say(e.hub, e.u[0], find(&e, "#a"), "x", 1);
	expect_count(&e, 1);
	assert_int_equal(e.w.recs[0].id, 1010);
	assert_int_equal(e.w.recs[0].time_ms, 42);
	clear(&e);
	now = 99;
	add(&e, 1, "bob");
	join(&e, 1, "#a");
	clear(&e);
	replay(&e, 1);
	assert_int_equal(e.w.recs[0].id, 1010);
	assert_int_equal(e.w.recs[0].time_ms, 42);
	env_done(&e);
}

/* The origin a renderer puts in "nick!ident@host": on live events from the
 * user, on replays from the record. */
static void origin_deliver(void *ctx, struct hub_event *ev)
{
	char *out = ctx;
	snprintf(out, 64, "%.*s!%.*s", (int)ev->from_len, ev->from, (int)ev->origin_len,
		 ev->origin);
}

static void test_origin_in_events(void **state)
{
	(void)state;
	static const struct hub_sink sink = {.deliver = origin_deliver};
	struct hub_config cfg = {.history = 1};
	struct hub *hub = hub_create(&cfg);
	char seen_a[64] = "", seen_b[64] = "";
	struct hub_user *a, *b;
	assert_int_equal(hub_register(hub, "alice", 5, &sink, seen_a, &a), HUB_OK);
	assert_int_equal(hub_register(hub, "bob", 3, &sink, seen_b, &b), HUB_OK);
	char longest[HUB_ORIGIN_MAX + 20];
	memset(longest, 'h', sizeof(longest));
	hub_set_origin(a, longest, sizeof(longest)); /* truncated */
	size_t len;
	hub_user_origin(a, &len);
	assert_int_equal(len, HUB_ORIGIN_MAX);
	hub_set_origin(a, "alice@10.0.0.1", 14);
	struct hub_room *r;
	assert_int_equal(hub_join(hub, a, "#o", 2, &r), HUB_OK);
	assert_int_equal(hub_join(hub, b, "#o", 2, NULL), HUB_OK);
	assert_string_equal(seen_a, "bob!");
	hub_say(hub, a, r, "hi", 2);
	assert_string_equal(seen_b, "alice!alice@10.0.0.1");
	hub_unregister(hub, a, "", 0);
	assert_string_equal(seen_b, "alice!alice@10.0.0.1");
	strcpy(seen_b, "");
	assert_int_equal(hub_replay_history(hub, b, r, SIZE_MAX, 0), 1);
	assert_string_equal(seen_b, "alice!alice@10.0.0.1");
	hub_unregister(hub, b, "", 0);
	hub_destroy(hub);
}

static void test_render_slots_and_msgid(void **state)
{
	(void)state;
	struct hub_config cfg = {0};
	struct hub *hub = hub_create(&cfg);
	for (int i = 0; i < HUB_RENDER_SLOTS; i++)
		assert_int_equal(hub_render_slot(hub), i);
	assert_int_equal(hub_render_slot(hub), -1);
	assert_int_equal(hub_render_slot(hub), -1);
	hub_destroy(hub);

	char out[HUB_MSGID_LEN + 1] = {0};
	hub_msgid_format(1, out);
	assert_string_equal(out, "0000000000000001");
	hub_msgid_format(0x0123456789abcdefULL, out);
	assert_string_equal(out, "0123456789abcdef");
	hub_msgid_format(UINT64_MAX, out);
	assert_string_equal(out, "ffffffffffffffff");
	assert_int_equal(out[HUB_MSGID_LEN], '\0'); /* nothing written past */
}

/* ---- history within a byte budget ---- */

static void test_history_budget(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "ab"); /* each line costs overhead + 2 + text length */
	add(&e, 1, "cd");
	join(&e, 0, "#a");
	say_lines(&e, 0, 1, 5); /* "line N": 6 bytes, so 8 + overhead each */
	join(&e, 1, "#a");
	clear(&e);
	struct hub_room *r = find(&e, "#a");

	/* everything fits */
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 5 * 10, 2), 5);
	expect_lines(&e, 0, 1, "#a", "ab", 1, 5);
	clear(&e);
	/* one byte short of all five: the newest four, oldest first */
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 5 * 10 - 1, 2), 4);
	expect_count(&e, 4);
	expect_lines(&e, 0, 1, "#a", "ab", 2, 5);
	clear(&e);
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 10, 2), 1);
	expect_lines(&e, 0, 1, "#a", "ab", 5, 5);
	clear(&e);
	/* not even the newest line fits: nothing, never a cut line */
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 9, 2), 0);
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 0, 0), 0);
	expect_count(&e, 0);
	/* a long newest line does not let older short ones jump the queue */
	say(&e, 0, "a much longer line than the others");
	clear(&e);
	assert_int_equal(hub_replay_history(e.hub, e.u[1], r, 30, 0), 0);
	expect_count(&e, 0);
	env_done(&e);
}

/* ---- the random run against a model ---- */

enum {
	R_USERS = 300,
	R_ROOMS = 40,
	R_HIST = 4,
	R_OPS = 40000,
	R_CHECK_EVERY = 200,
	R_MAX_JOINED = 5, /* a user in this many rooms leaves one instead */
};

struct mline {
	char from[HUB_NAME_MAX + 1];
	char text[32];
	uint64_t id;
};

struct mroom {
	bool live;
	unsigned long seq; /* creation order */
	char display[HUB_ROOM_MAX + 1];
	int members[R_USERS];     /* join order */
	uint32_t flags[R_USERS];  /* parallel to members */
	int n;
	struct mline hist[R_HIST];
	int hist_head, hist_count;
};

struct muser {
	bool live, away;
	unsigned long seq; /* registration order */
	unsigned gen;      /* renames so far */
	char name[HUB_NAME_MAX + 1];
	int rooms[R_ROOMS]; /* model room indexes, join order */
	int nrooms;
	struct hub_user *h;
};

struct model {
	struct hub *hub;
	struct world got, want;
	struct fake fakes[R_USERS];
	struct muser users[R_USERS];
	struct mroom rooms[R_ROOMS];
	unsigned seen[R_USERS]; /* == stamp: already told of this event */
	unsigned stamp;
	unsigned long seq;
	uint64_t last_id;
	unsigned long long rng;
};

static unsigned rnd(struct model *m, unsigned n)
{
	return (unsigned)(test_rand(&m->rng) % n);
}

/* Flips the case of each letter with probability 1/2. */
static void random_case(struct model *m, char *s)
{
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
			if (rnd(m, 2))
				*s = (char)(*s ^ 0x20);
		}
	}
}

static void user_name(struct model *m, int slot, char *out)
{
	snprintf(out, HUB_NAME_MAX + 1, "user_%d-x", slot);
	random_case(m, out);
}

static void room_name(struct model *m, int idx, char *out)
{
	snprintf(out, HUB_ROOM_MAX + 1, "#room[%d]", idx);
	random_case(m, out);
}

/* The current name of a live user, in a random case. */
static void current_name(struct model *m, int slot, char *out)
{
	memcpy(out, m->users[slot].name, HUB_NAME_MAX + 1);
	random_case(m, out);
}

struct want {
	enum hub_event_kind kind;
	bool replay;
	const char *room, *from, *target, *text;
	uint64_t id;
};

static void want_ev(struct model *m, int to, const struct want *w)
{
	struct rec *r = world_push(&m->want);
	r->to = to;
	r->kind = w->kind;
	r->replay = w->replay;
	r->room_len = w->room ? strlen(w->room) : 0;
	if (w->room)
		memcpy(r->room, w->room, r->room_len + 1);
	r->from_len = strlen(w->from);
	memcpy(r->from, w->from, r->from_len + 1);
	r->target_len = w->target ? strlen(w->target) : 0;
	if (w->target)
		memcpy(r->target, w->target, r->target_len + 1);
	r->text_len = w->text ? strlen(w->text) : 0;
	if (w->text)
		memcpy(r->text, w->text, r->text_len);
	r->id = w->id;
}

/* Every member of model room `idx` gets `w`, except `skip` (-1: none). */
static void want_room(struct model *m, int idx, struct want w, int skip)
{
	struct mroom *r = &m->rooms[idx];
	w.room = r->display;
	for (int i = 0; i < r->n; i++)
		if (r->members[i] != skip)
			want_ev(m, r->members[i], &w);
}

/* QUIT, NICK and AWAY: once per user sharing a room with `slot`, reached
 * through its rooms in join order (and `slot` itself first if `self`). */
static void want_neighbours(struct model *m, int slot, struct want w, bool self)
{
	const struct muser *u = &m->users[slot];
	unsigned stamp = ++m->stamp;
	m->seen[slot] = stamp;
	if (self) {
		w.room = u->nrooms ? m->rooms[u->rooms[0]].display : NULL;
		want_ev(m, slot, &w);
	}
	for (int k = 0; k < u->nrooms; k++) {
		const struct mroom *r = &m->rooms[u->rooms[k]];
		w.room = r->display;
		for (int i = 0; i < r->n; i++) {
			int to = r->members[i];
			if (m->seen[to] != stamp) {
				m->seen[to] = stamp;
				want_ev(m, to, &w);
			}
		}
	}
}

/* Compares what the fakes recorded with what the model expected, in order. */
static void compare_and_clear(struct model *m)
{
	assert_int_equal(m->got.n, m->want.n);
	for (size_t i = 0; i < m->got.n; i++) {
		const struct rec *g = &m->got.recs[i], *w = &m->want.recs[i];
		assert_int_equal(g->to, w->to);
		assert_int_equal(g->kind, w->kind);
		assert_int_equal(g->replay, w->replay);
		assert_string_equal(g->room, w->room);
		assert_int_equal(g->room_len, w->room_len);
		assert_string_equal(g->from, w->from);
		assert_string_equal(g->target, w->target);
		assert_int_equal(g->text_len, w->text_len);
		assert_memory_equal(g->text, w->text, w->text_len);
		assert_int_equal(g->id, w->id);
	}
	world_clear(&m->got);
	world_clear(&m->want);
}

static int member_index(const struct mroom *r, int slot)
{
	for (int k = 0; k < r->n; k++)
		if (r->members[k] == slot)
			return k;
	return -1;
}

static bool in_room(const struct model *m, int slot, int idx)
{
	return m->rooms[idx].live && member_index(&m->rooms[idx], slot) >= 0;
}

/* Takes `slot` out of model room `idx` silently; a room left empty dies. */
static void model_unlink(struct model *m, int slot, int idx)
{
	struct mroom *r = &m->rooms[idx];
	int k = member_index(r, slot);
	size_t tail = (size_t)(r->n - k - 1);
	memmove(&r->members[k], &r->members[k + 1], tail * sizeof(int));
	memmove(&r->flags[k], &r->flags[k + 1], tail * sizeof(uint32_t));
	r->n--;
	struct muser *u = &m->users[slot];
	int j = 0;
	while (u->rooms[j] != idx)
		j++;
	memmove(&u->rooms[j], &u->rooms[j + 1], (size_t)(u->nrooms - j - 1) * sizeof(int));
	u->nrooms--;
	if (r->n == 0) {
		r->live = false;
		r->hist_count = 0;
		r->hist_head = 0;
	}
}

static void op_register(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	char name[HUB_NAME_MAX + 1];
	/* now and then, somebody else's name in another case */
	int other = (int)rnd(m, R_USERS);
	if (other != slot && m->users[other].live && rnd(m, 4) == 0) {
		current_name(m, other, name);
		struct hub_user *h = NULL;
		assert_int_equal(hub_register(m->hub, name, strlen(name), &fake_sink,
					      &m->fakes[slot], &h),
				 HUB_NAME_TAKEN);
	}
	user_name(m, slot, name);
	assert_int_equal(hub_register(m->hub, name, strlen(name), &fake_sink, &m->fakes[slot],
				      &u->h),
			 HUB_OK);
	u->live = true;
	u->away = false;
	u->seq = m->seq++;
	u->nrooms = 0;
	memcpy(u->name, name, sizeof(name));
}

static void op_unregister(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	want_neighbours(m, slot, (struct want){.kind = HUB_EV_QUIT, .from = u->name, .text = "gone"},
			false);
	while (u->nrooms > 0)
		model_unlink(m, slot, u->rooms[0]);
	hub_unregister(m->hub, u->h, "gone", 4);
	u->live = false;
	u->h = NULL;
}

static void op_leave_room(struct model *m, int slot, int idx)
{
	struct muser *u = &m->users[slot];
	char name[HUB_ROOM_MAX + 1];
	room_name(m, idx, name);
	enum hub_result res = hub_leave(m->hub, u->h, hub_find_room(m->hub, name, strlen(name)),
					"so long", 7);
	if (!in_room(m, slot, idx)) {
		assert_int_equal(res, HUB_NOT_IN_ROOM);
		return;
	}
	assert_int_equal(res, HUB_OK);
	model_unlink(m, slot, idx);
	if (m->rooms[idx].live)
		want_room(m, idx,
			  (struct want){.kind = HUB_EV_LEAVE, .from = u->name, .text = "so long"},
			  -1);
}

static void op_join(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	if (u->nrooms >= R_MAX_JOINED) {
		op_leave_room(m, slot, u->rooms[rnd(m, (unsigned)u->nrooms)]);
		return;
	}
	int idx = (int)rnd(m, R_ROOMS);
	char name[HUB_ROOM_MAX + 1];
	room_name(m, idx, name);
	struct hub_room *hr = NULL;
	enum hub_result res = hub_join(m->hub, u->h, name, strlen(name), &hr);
	if (in_room(m, slot, idx)) {
		assert_int_equal(res, HUB_ALREADY_IN);
		return;
	}
	assert_int_equal(res, HUB_OK);
	struct mroom *r = &m->rooms[idx];
	if (!r->live) {
		r->live = true;
		r->seq = m->seq++;
		r->n = 0;
		memcpy(r->display, name, sizeof(name));
	}
	want_room(m, idx, (struct want){.kind = HUB_EV_JOIN, .from = u->name}, -1);
	r->flags[r->n] = r->n == 0 ? HUB_MEMBER_OP : 0;
	r->members[r->n++] = slot;
	u->rooms[u->nrooms++] = idx;
	/* what the chat dialect does next */
	assert_int_equal(hub_replay_history(m->hub, u->h, hr, SIZE_MAX, 0), r->hist_count);
	for (int i = 0; i < r->hist_count; i++) {
		const struct mline *l = &r->hist[(r->hist_head + i) % R_HIST];
		want_ev(m, slot,
			&(struct want){.kind = HUB_EV_SAY, .replay = true, .room = r->display,
				       .from = l->from, .text = l->text, .id = l->id});
	}
}

static void op_leave(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	int idx = u->nrooms && rnd(m, 4) ? u->rooms[rnd(m, (unsigned)u->nrooms)]
					 : (int)rnd(m, R_ROOMS);
	op_leave_room(m, slot, idx);
}

/* In one of the speaker's rooms, or now and then in a room it is not in. */
static void op_say(struct model *m, int slot, int opno)
{
	struct muser *u = &m->users[slot];
	int idx = u->nrooms && rnd(m, 8) ? u->rooms[rnd(m, (unsigned)u->nrooms)]
					 : (int)rnd(m, R_ROOMS);
	struct mroom *r = &m->rooms[idx];
	if (!r->live)
		return;
	char text[32];
	snprintf(text, sizeof(text), "op %d %*s!", opno, (int)rnd(m, 8), "");
	struct hub_room *hr = hub_find_room(m->hub, r->display, strlen(r->display));
	assert_int_equal(hub_say(m->hub, u->h, hr, text, strlen(text)), HUB_OK);
	uint64_t id = ++m->last_id;
	want_room(m, idx, (struct want){.kind = HUB_EV_SAY, .from = u->name, .text = text, .id = id},
		  -1);
	struct mline *l;
	if (r->hist_count == R_HIST) {
		l = &r->hist[r->hist_head];
		r->hist_head = (r->hist_head + 1) % R_HIST;
	} else {
		l = &r->hist[(r->hist_head + r->hist_count++) % R_HIST];
	}
	memcpy(l->from, u->name, sizeof(l->from));
	memcpy(l->text, text, sizeof(l->text));
	l->id = id;
}

static void op_privmsg(struct model *m, int slot, int opno)
{
	struct muser *u = &m->users[slot];
	int to = (int)rnd(m, R_USERS);
	char target[HUB_NAME_MAX + 1], text[32];
	if (m->users[to].live)
		current_name(m, to, target);
	else
		user_name(m, to, target);
	snprintf(text, sizeof(text), "pm %d", opno);
	enum hub_result res =
		hub_privmsg(m->hub, u->h, target, strlen(target), text, strlen(text));
	if (!m->users[to].live) {
		assert_int_equal(res, HUB_NO_SUCH_USER);
		return;
	}
	assert_int_equal(res, HUB_OK);
	want_ev(m, to,
		&(struct want){.kind = HUB_EV_PRIVMSG, .from = u->name,
			       .target = m->users[to].name, .text = text, .id = ++m->last_id});
}

/* Someone else's name (taken), a bad name, a change of case, or a fresh
 * name with IRC's extra characters. */
static void op_rename(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	char name[HUB_NAME_MAX + 1];
	int other = (int)rnd(m, R_USERS);
	unsigned pick = rnd(m, 4);
	if (pick == 0 && other != slot && m->users[other].live) {
		current_name(m, other, name);
		assert_int_equal(hub_rename(m->hub, u->h, name, strlen(name)), HUB_NAME_TAKEN);
		return;
	}
	if (pick == 1) {
		assert_int_equal(hub_rename(m->hub, u->h, "no way", 6), HUB_NAME_INVALID);
		return;
	}
	if (pick == 2)
		current_name(m, slot, name);
	else
		snprintf(name, sizeof(name), "[n%d]^{%u}", slot, ++u->gen);
	assert_int_equal(hub_rename(m->hub, u->h, name, strlen(name)), HUB_OK);
	if (strcmp(name, u->name) == 0)
		return; /* the very same name: nobody is told */
	char old[HUB_NAME_MAX + 1];
	memcpy(old, u->name, sizeof(old));
	memcpy(u->name, name, sizeof(name));
	want_neighbours(m, slot, (struct want){.kind = HUB_EV_NICK, .from = old, .target = u->name},
			true);
}

static void op_away(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	bool going = rnd(m, 2);
	hub_set_away(m->hub, u->h, going ? "brb" : "", going ? 3 : 0);
	if (!going && !u->away)
		return;
	u->away = going;
	want_neighbours(m, slot,
			(struct want){.kind = HUB_EV_AWAY, .from = u->name,
				      .text = going ? "brb" : NULL},
			false);
}

/* A user removes a random member (maybe itself) from one of its rooms. */
static void op_kick(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	if (u->nrooms == 0)
		return;
	int idx = u->rooms[rnd(m, (unsigned)u->nrooms)];
	struct mroom *r = &m->rooms[idx];
	int victim = r->members[rnd(m, (unsigned)r->n)];
	struct hub_room *hr = hub_find_room(m->hub, r->display, strlen(r->display));
	assert_int_equal(hub_kick(m->hub, u->h, hr, m->users[victim].h, "out", 3), HUB_OK);
	want_room(m, idx,
		  (struct want){.kind = HUB_EV_KICK, .from = u->name,
				.target = m->users[victim].name, .text = "out"},
		  -1);
	model_unlink(m, victim, idx);
}

/* Voice or op a random member of one of the user's rooms. */
static void op_flags(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	if (u->nrooms == 0)
		return;
	int idx = u->rooms[rnd(m, (unsigned)u->nrooms)];
	struct mroom *r = &m->rooms[idx];
	int k = (int)rnd(m, (unsigned)r->n);
	uint32_t flags = rnd(m, 4);
	struct hub_room *hr = hub_find_room(m->hub, r->display, strlen(r->display));
	assert_int_equal(
		hub_set_member_flags(m->hub, u->h, hr, m->users[r->members[k]].h, flags), HUB_OK);
	if (r->flags[k] == flags)
		return;
	r->flags[k] = flags;
	want_room(m, idx,
		  (struct want){.kind = HUB_EV_MODE, .from = u->name,
				.target = m->users[r->members[k]].name},
		  -1);
}

static int by_seq_user(const void *a, const void *b, void *ctx)
{
	const struct model *m = ctx;
	unsigned long x = m->users[*(const int *)a].seq, y = m->users[*(const int *)b].seq;
	return x < y ? -1 : x > y;
}

static int by_seq_room(const void *a, const void *b, void *ctx)
{
	const struct model *m = ctx;
	unsigned long x = m->rooms[*(const int *)a].seq, y = m->rooms[*(const int *)b].seq;
	return x < y ? -1 : x > y;
}

static void check_users(struct model *m)
{
	int order[R_USERS];
	int n = 0;
	for (int i = 0; i < R_USERS; i++)
		if (m->users[i].live)
			order[n++] = i;
	qsort_r(order, (size_t)n, sizeof(int), by_seq_user, m);
	assert_int_equal(hub_user_count(m->hub), n);
	struct hub_user *hu = hub_first_user(m->hub);
	for (int i = 0; i < n; i++) {
		struct muser *u = &m->users[order[i]];
		assert_ptr_equal(hu, u->h);
		assert_string_equal(hub_user_name(hu), u->name);
		char name[HUB_NAME_MAX + 1];
		current_name(m, order[i], name);
		assert_ptr_equal(hub_find_user(m->hub, name, strlen(name)), hu);
		size_t away_len;
		assert_int_equal(hub_user_away(hu, &away_len) != NULL, u->away);
		/* memberships in join order */
		assert_int_equal(hub_user_room_count(hu), u->nrooms);
		const struct hub_member *mem = hub_first_membership(hu);
		for (int k = 0; k < u->nrooms; k++) {
			assert_non_null(mem);
			assert_string_equal(hub_room_name(hub_member_room(mem)),
					    m->rooms[u->rooms[k]].display);
			mem = hub_next_membership(mem);
		}
		assert_null(mem);
		hu = hub_next_user(m->hub, hu);
	}
	assert_null(hu);
}

/* The whole hub against the model: users in registration order with their
 * names, away state and rooms; rooms in creation order with their names,
 * sizes and members (and flags) in join order; lookups of absent rooms. */
static void check_state(struct model *m)
{
	check_users(m);
	int order[R_ROOMS];
	int n = 0;
	for (int i = 0; i < R_ROOMS; i++)
		if (m->rooms[i].live)
			order[n++] = i;
	qsort_r(order, (size_t)n, sizeof(int), by_seq_room, m);
	assert_int_equal(hub_room_count(m->hub), n);
	struct hub_room *hr = hub_first_room(m->hub);
	for (int i = 0; i < n; i++) {
		const struct mroom *r = &m->rooms[order[i]];
		assert_non_null(hr);
		assert_string_equal(hub_room_name(hr), r->display);
		assert_int_equal(hub_room_size(hr), r->n);
		struct hub_member *mem = hub_first_member(hr);
		for (int k = 0; k < r->n; k++) {
			assert_non_null(mem);
			assert_ptr_equal(hub_member_user(mem), m->users[r->members[k]].h);
			assert_ptr_equal(hub_member_room(mem), hr);
			assert_int_equal(hub_member_flags(mem), r->flags[k]);
			mem = hub_next_member(mem);
		}
		assert_null(mem);
		hr = hub_next_room(m->hub, hr);
	}
	assert_null(hr);
	for (int i = 0; i < R_ROOMS; i++) {
		char name[HUB_ROOM_MAX + 1];
		room_name(m, i, name);
		struct hub_room *r = hub_find_room(m->hub, name, strlen(name));
		assert_true(m->rooms[i].live == (r != NULL));
	}
}

static void random_op(struct model *m, int opno)
{
	int slot = (int)rnd(m, R_USERS);
	if (!m->users[slot].live) {
		op_register(m, slot);
		return;
	}
	unsigned pick = rnd(m, 100);
	if (pick < 30)
		op_join(m, slot);
	else if (pick < 52)
		op_say(m, slot, opno);
	else if (pick < 62)
		op_privmsg(m, slot, opno);
	else if (pick < 74)
		op_leave(m, slot);
	else if (pick < 80)
		op_rename(m, slot);
	else if (pick < 85)
		op_away(m, slot);
	else if (pick < 88)
		op_kick(m, slot);
	else if (pick < 92)
		op_flags(m, slot);
	else
		op_unregister(m, slot);
}

static void test_random_against_model(void **state)
{
	(void)state;
	struct model *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	struct hub_config cfg = {.history = R_HIST};
	m->hub = hub_create(&cfg);
	m->rng = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < R_USERS; i++) {
		/* five "dialects": no rendering, or render-cache slots 0-3 */
		m->fakes[i] = (struct fake){.w = &m->got, .id = i, .slot = i % 5 - 1};
	}
	for (int op = 0; op < R_OPS; op++) {
		random_op(m, op);
		compare_and_clear(m);
		if (op % R_CHECK_EVERY == 0)
			check_state(m);
	}
	check_state(m);
	/* everyone goes, in a shuffled order */
	int perm[R_USERS];
	for (int i = 0; i < R_USERS; i++)
		perm[i] = i;
	for (int i = R_USERS - 1; i > 0; i--) {
		int j = (int)rnd(m, (unsigned)i + 1);
		int t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int i = 0; i < R_USERS; i++) {
		if (!m->users[perm[i]].live)
			continue;
		op_unregister(m, perm[i]);
		compare_and_clear(m);
		if (i % 50 == 0)
			check_state(m);
	}
	check_state(m);
	assert_int_equal(hub_user_count(m->hub), 0);
	assert_int_equal(hub_room_count(m->hub), 0);
	hub_destroy(m->hub);
	world_free(&m->got);
	world_free(&m->want);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_room_valid),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_invalid_changes_nothing),
		cmocka_unit_test(test_many_rooms),
		cmocka_unit_test(test_leave),
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_history_zero_and_one),
		cmocka_unit_test(test_history_lifetime),
		cmocka_unit_test(test_privmsg),
		cmocka_unit_test(test_unregister_in_room),
		cmocka_unit_test(test_iteration_order),
		cmocka_unit_test(test_render_cache_one_slot),
		cmocka_unit_test(test_render_cache_two_slots),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_quit_once_per_user),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_away),
		cmocka_unit_test(test_topic_kick_modes),
		cmocka_unit_test(test_ids_time_origin),
		cmocka_unit_test(test_origin_in_events),
		cmocka_unit_test(test_render_slots_and_msgid),
		cmocka_unit_test(test_history_budget),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
