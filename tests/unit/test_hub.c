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
	int n = snprintf(out, RENDER_MAX, "%d|%d|%.*s|%.*s|", (int)ev->kind, (int)ev->replay,
			 (int)ev->room_len, ev->room ? ev->room : "", (int)ev->from_len, ev->from);
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
	if (ev->kind == HUB_EV_PRIVMSG)
		assert_int_equal(ev->room_len, 0);
	else
		assert_true(ev->room_len >= 2);
	if (ev->kind == HUB_EV_JOIN || ev->kind == HUB_EV_LEAVE)
		assert_int_equal(ev->text_len, 0);
	if (ev->replay)
		assert_int_equal(ev->kind, HUB_EV_SAY);
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
			hub_unregister(e->hub, e->u[i]);
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
	hub_unregister(e->hub, e->u[i]);
	e->u[i] = NULL;
}

static enum hub_result join(struct env *e, int i, const char *room)
{
	return hub_join(e->hub, e->u[i], room, strlen(room));
}

static enum hub_result say(struct env *e, int i, const char *text)
{
	return hub_say(e->hub, e->u[i], text, strlen(text));
}

static enum hub_result leave(struct env *e, int i, char name_out[HUB_ROOM_MAX + 1])
{
	return hub_leave(e->hub, e->u[i], name_out);
}

static struct hub_room *find(const struct env *e, const char *room)
{
	return hub_find_room(e->hub, room, strlen(room));
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
	struct hub_user *m = hub_first_member(r);
	for (; ids[n] >= 0; n++) {
		assert_ptr_equal(m, e->u[ids[n]]);
		assert_ptr_equal(hub_user_room(m), r);
		m = hub_next_member(r, m);
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
	       c == '_' || c == '-';
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
	assert_false(hub_name_valid("a b", 3));
	assert_false(hub_name_valid("caf\xc3\xa9", 5));
	assert_false(hub_name_valid("a\0b", 3));
	assert_false(hub_name_valid("#a", 2));
	guarded_free(&g);
}

static bool room_char(int c)
{
	return c > 0x20 && c < 0x7f && c != ',';
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
	assert_null(hub_user_room(e.u[0]));
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
	assert_ptr_equal(hub_user_room(e.u[0]), r);
	assert_string_equal(hub_room_name(r), "#Room");
	assert_int_equal(hub_room_size(r), 1);
	assert_int_equal(hub_room_count(e.hub), 1);

	/* joined in another case: the existing room, shown as first created;
	 * the members already there hear of it, the joiner does not */
	assert_int_equal(join(&e, 1, "#ROOM"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 0, HUB_EV_JOIN, "#Room", "bob", NULL);
	clear(&e);
	assert_ptr_equal(hub_user_room(e.u[1]), r);
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
					  "#\x80", "a#b", " #a"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(join(&e, 0, bad[i]), HUB_ROOM_INVALID);
		assert_int_equal(join(&e, 2, bad[i]), HUB_ROOM_INVALID);
	}
	assert_int_equal(join(&e, 0, longest), HUB_ROOM_INVALID); /* 33 bytes */
	assert_int_equal(hub_join(e.hub, e.u[0], "#a\0", 3), HUB_ROOM_INVALID);
	longest[32] = '\0';
	assert_int_equal(join(&e, 2, longest), HUB_OK); /* 32 bytes */
	expect_count(&e, 0);
	expect_members(&e, "#a", (const int[]){0, 1, -1});
	expect_members(&e, longest, (const int[]){2, -1});
	assert_int_equal(hub_room_count(e.hub), 2);
	env_done(&e);
}

/* Joining another room while in one: LEAVE to the old room first, then JOIN
 * to the new; the mover hears neither. */
static void test_move(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 10);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	add(&e, 2, "carol");
	add(&e, 3, "dave");
	add(&e, 4, "erin");
	join(&e, 0, "#a");
	join(&e, 1, "#a");
	join(&e, 4, "#a");
	join(&e, 2, "#B");
	join(&e, 3, "#b");
	clear(&e);

	assert_int_equal(join(&e, 0, "#b"), HUB_OK);
	expect_count(&e, 4);
	expect_ev(&e, 0, 1, HUB_EV_LEAVE, "#a", "alice", NULL);
	expect_ev(&e, 1, 4, HUB_EV_LEAVE, "#a", "alice", NULL);
	expect_ev(&e, 2, 2, HUB_EV_JOIN, "#B", "alice", NULL);
	expect_ev(&e, 3, 3, HUB_EV_JOIN, "#B", "alice", NULL);
	clear(&e);
	expect_members(&e, "#a", (const int[]){1, 4, -1});
	expect_members(&e, "#b", (const int[]){2, 3, 0, -1});

	/* into a new room: LEAVE only */
	assert_int_equal(join(&e, 1, "#c"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 4, HUB_EV_LEAVE, "#a", "bob", NULL);
	clear(&e);

	/* the last member moving out drops the old room, silently */
	assert_int_equal(join(&e, 4, "#c"), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#c", "erin", NULL);
	clear(&e);
	assert_null(find(&e, "#a"));
	expect_rooms(&e, (const char *const[]){"#B", "#c", NULL});

	/* the sole member of a room moving to a new room */
	assert_int_equal(join(&e, 1, "#d"), HUB_OK);
	assert_int_equal(join(&e, 1, "#e"), HUB_OK);
	assert_null(find(&e, "#d"));
	expect_count(&e, 1);
	expect_ev(&e, 0, 4, HUB_EV_LEAVE, "#c", "bob", NULL);
	clear(&e);
	expect_rooms(&e, (const char *const[]){"#B", "#c", "#e", NULL});
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
	char name[HUB_ROOM_MAX + 1];

	memset(name, 'Q', sizeof(name));
	assert_int_equal(leave(&e, 0, name), HUB_NOT_IN_ROOM);
	expect_count(&e, 0);

	join(&e, 0, "#Lobby");
	join(&e, 1, "#LOBBY");
	join(&e, 2, "#lobby");
	say(&e, 0, "remember me");
	clear(&e);

	memset(name, 'Q', sizeof(name));
	assert_int_equal(leave(&e, 1, name), HUB_OK);
	assert_string_equal(name, "#Lobby");
	assert_null(hub_user_room(e.u[1]));
	expect_count(&e, 2);
	expect_ev(&e, 0, 0, HUB_EV_LEAVE, "#Lobby", "bob", NULL);
	expect_ev(&e, 1, 2, HUB_EV_LEAVE, "#Lobby", "bob", NULL);
	clear(&e);
	expect_members(&e, "#lobby", (const int[]){0, 2, -1});
	assert_int_equal(leave(&e, 1, name), HUB_NOT_IN_ROOM);

	assert_int_equal(leave(&e, 0, name), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 2, HUB_EV_LEAVE, "#Lobby", "alice", NULL);
	clear(&e);

	/* the last one out: no events, the room and its history are gone */
	memset(name, 'Q', sizeof(name));
	assert_int_equal(leave(&e, 2, name), HUB_OK);
	assert_string_equal(name, "#Lobby");
	expect_count(&e, 0);
	assert_null(find(&e, "#Lobby"));
	assert_null(find(&e, "#lobby"));
	assert_int_equal(hub_room_count(e.hub), 0);
	assert_null(hub_first_room(e.hub));

	/* re-created: the new creator's spelling, and no old history */
	join(&e, 2, "#LOBBY");
	hub_replay_history(e.hub, e.u[2]);
	expect_count(&e, 0);
	expect_rooms(&e, (const char *const[]){"#LOBBY", NULL});

	/* a 32-byte room name comes back whole */
	char longest[HUB_ROOM_MAX + 1];
	memset(longest, 'y', HUB_ROOM_MAX);
	longest[0] = '#';
	longest[HUB_ROOM_MAX] = '\0';
	join(&e, 0, longest);
	memset(name, 'Q', sizeof(name));
	assert_int_equal(leave(&e, 0, name), HUB_OK);
	assert_string_equal(name, longest);
	expect_count(&e, 0);
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

	/* not in a room */
	assert_int_equal(say(&e, 4, "hi"), HUB_NOT_IN_ROOM);
	expect_count(&e, 0);

	/* text byte for byte: spaces, tabs, UTF-8, embedded NUL */
	static const char odd[] = "  a\tb  caf\xc3\xa9 \0 z ";
	assert_int_equal(hub_say(e.hub, e.u[2], odd, sizeof(odd) - 1), HUB_OK);
	expect_count(&e, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(e.w.recs[i].text_len, sizeof(odd) - 1);
		assert_memory_equal(e.w.recs[i].text, odd, sizeof(odd) - 1);
		assert_string_equal(e.w.recs[i].from, "carol");
	}
	clear(&e);

	/* empty text is the dialect's business; the hub passes it on */
	assert_int_equal(hub_say(e.hub, e.u[3], "", 0), HUB_OK);
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
	hub_replay_history(e.hub, e.u[2]);
	expect_count(&e, 4);
	expect_ev(&e, 0, 0, HUB_EV_JOIN, "#Hist", "carol", NULL);
	expect_ev(&e, 1, 1, HUB_EV_JOIN, "#Hist", "carol", NULL);
	expect_replay(&e, 2, 2, "#Hist", "alice", "one");
	expect_replay(&e, 3, 2, "#Hist", "bob", "two");
	clear(&e);

	/* exactly full, then past full: the last 3, oldest first */
	assert_int_equal(say(&e, 2, "three"), HUB_OK);
	clear(&e);
	hub_replay_history(e.hub, e.u[1]);
	expect_count(&e, 3);
	expect_replay(&e, 0, 1, "#Hist", "alice", "one");
	expect_replay(&e, 1, 1, "#Hist", "bob", "two");
	expect_replay(&e, 2, 1, "#Hist", "carol", "three");
	clear(&e);

	say_lines(&e, 0, 1, 5);
	clear(&e);
	assert_int_equal(join(&e, 3, "#hist"), HUB_OK);
	clear(&e);
	hub_replay_history(e.hub, e.u[3]);
	expect_count(&e, 3);
	expect_lines(&e, 0, 3, "#Hist", "alice", 3, 5);
	clear(&e);

	/* wrapping many times */
	for (int k = 6; k <= 40; k++) {
		say_lines(&e, k % 4, k, k);
		clear(&e);
		hub_replay_history(e.hub, e.u[0]);
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

	/* not in a room: nothing */
	char name[HUB_ROOM_MAX + 1];
	leave(&e, 3, name);
	clear(&e);
	hub_replay_history(e.hub, e.u[3]);
	expect_count(&e, 0);
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
	hub_replay_history(e.hub, e.u[1]);
	hub_replay_history(e.hub, e.u[0]);
	expect_count(&e, 0);
	env_done(&e);

	env_init(&e, 1);
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	join(&e, 0, "#a");
	hub_replay_history(e.hub, e.u[0]);
	expect_count(&e, 0);
	say_lines(&e, 0, 1, 5);
	join(&e, 1, "#a");
	clear(&e);
	hub_replay_history(e.hub, e.u[1]);
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
	hub_replay_history(e.hub, e.u[2]);
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#a", "carol", NULL);
	expect_replay(&e, 1, 2, "#a", "alice", "gone soon");
	clear(&e);

	/* a move replays the destination's history, not the origin's */
	join(&e, 3, "#b");
	say(&e, 3, "b only");
	clear(&e);
	join(&e, 3, "#a");
	hub_replay_history(e.hub, e.u[3]);
	expect_count(&e, 3);
	expect_ev(&e, 0, 1, HUB_EV_JOIN, "#a", "dave", NULL);
	expect_ev(&e, 1, 2, HUB_EV_JOIN, "#a", "dave", NULL);
	expect_replay(&e, 2, 3, "#a", "alice", "gone soon");
	clear(&e);
	assert_null(find(&e, "#b"));
	join(&e, 3, "#b"); /* re-created empty-handed */
	hub_replay_history(e.hub, e.u[3]);
	expect_count(&e, 2);
	expect_ev(&e, 0, 1, HUB_EV_LEAVE, "#a", "dave", NULL);
	expect_ev(&e, 1, 2, HUB_EV_LEAVE, "#a", "dave", NULL);
	clear(&e);

	/* everyone leaves #a: its history goes with it */
	char name[HUB_ROOM_MAX + 1];
	leave(&e, 1, name);
	leave(&e, 2, name);
	assert_null(find(&e, "#a"));
	join(&e, 1, "#A");
	clear(&e);
	hub_replay_history(e.hub, e.u[1]);
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
	char name[HUB_ROOM_MAX + 1];
	leave(&e, 2, name);
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
	expect_ev(&e, 0, 0, HUB_EV_LEAVE, "#a", "Bob", NULL);
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
	expect_ev(&e, 0, 0, HUB_EV_LEAVE, "#a", "bob", NULL);
	expect_ev(&e, 1, 2, HUB_EV_LEAVE, "#a", "bob", NULL);
	clear(&e);
	expect_members(&e, "#a", (const int[]){0, 2, -1});
	assert_int_equal(hub_user_count(e.hub), 2);

	/* the name is free again; the newcomer is a stranger to #a */
	add(&e, 1, "BOB");
	assert_null(hub_user_room(e.u[1]));
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "bob", 3, "new?", 4), HUB_OK);
	expect_count(&e, 1);
	expect_ev(&e, 0, 1, HUB_EV_PRIVMSG, NULL, "alice", "new?");
	clear(&e);

	drop(&e, 0);
	expect_count(&e, 1);
	expect_ev(&e, 0, 2, HUB_EV_LEAVE, "#a", "alice", NULL);
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

	join(&e, 0, "#z");
	join(&e, 1, "#y");
	join(&e, 2, "#x");
	expect_rooms(&e, (const char *const[]){"#z", "#y", "#x", NULL});
	join(&e, 3, "#Y");
	join(&e, 0, "#x"); /* #z empties and goes */
	expect_rooms(&e, (const char *const[]){"#y", "#x", NULL});
	join(&e, 0, "#Z"); /* re-created: at the end */
	expect_rooms(&e, (const char *const[]){"#y", "#x", "#Z", NULL});

	/* members in join order; leaving and rejoining goes to the end */
	join(&e, 1, "#x");
	join(&e, 3, "#x");
	join(&e, 0, "#x");
	expect_members(&e, "#x", (const int[]){2, 1, 3, 0, -1});
	expect_rooms(&e, (const char *const[]){"#x", NULL});
	join(&e, 2, "#q");
	join(&e, 2, "#X");
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
	hub_replay_history(e.hub, e.u[4]);
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
	char name[HUB_ROOM_MAX + 1];
	leave(&e, 0, name);
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
	hub_replay_history(e.hub, e.u[3]);
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
	hub_replay_history(e.hub, e.u[2]);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "carol", 5, "pm", 2), HUB_OK);
	assert_int_equal(hub_privmsg(e.hub, e.u[0], "ghost", 5, "pm", 2), HUB_NO_SUCH_USER);
	assert_int_equal(join(&e, 2, "#a"), HUB_ALREADY_IN);
	assert_int_equal(join(&e, 2, "a"), HUB_ROOM_INVALID);
	char name[HUB_ROOM_MAX + 1];
	assert_int_equal(leave(&e, 1, name), HUB_OK);
	assert_string_equal(name, "#a");
	assert_int_equal(leave(&e, 1, name), HUB_NOT_IN_ROOM);
	assert_int_equal(say(&e, 1, "x"), HUB_NOT_IN_ROOM);
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

/* ---- the random run against a model ---- */

enum { R_USERS = 500, R_ROOMS = 50, R_HIST = 4, R_OPS = 40000, R_CHECK_EVERY = 200 };

struct mline {
	char from[HUB_NAME_MAX + 1];
	char text[32];
};

struct mroom {
	bool live;
	unsigned long seq; /* creation order */
	char display[HUB_ROOM_MAX + 1];
	int members[R_USERS];
	int n;
	struct mline hist[R_HIST];
	int hist_head, hist_count;
};

struct muser {
	bool live;
	unsigned long seq; /* registration order */
	char name[HUB_NAME_MAX + 1];
	int room; /* model room index, -1 if none */
	struct hub_user *h;
};

struct model {
	struct hub *hub;
	struct world got, want;
	struct fake fakes[R_USERS];
	struct muser users[R_USERS];
	struct mroom rooms[R_ROOMS];
	unsigned long seq;
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

static void want_ev(struct model *m, int to, enum hub_event_kind kind, bool replay,
		    const char *room, const char *from, const char *text)
{
	struct rec *r = world_push(&m->want);
	r->to = to;
	r->kind = kind;
	r->replay = replay;
	r->room_len = room ? strlen(room) : 0;
	if (room)
		memcpy(r->room, room, r->room_len + 1);
	r->from_len = strlen(from);
	memcpy(r->from, from, r->from_len + 1);
	r->text_len = text ? strlen(text) : 0;
	if (text)
		memcpy(r->text, text, r->text_len);
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
		assert_int_equal(g->text_len, w->text_len);
		assert_memory_equal(g->text, w->text, w->text_len);
	}
	world_clear(&m->got);
	world_clear(&m->want);
}

/* Removes `slot` from its model room, expecting LEAVE to those left. */
static void model_leave(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	struct mroom *r = &m->rooms[u->room];
	int k = 0;
	while (r->members[k] != slot)
		k++;
	memmove(&r->members[k], &r->members[k + 1], (size_t)(r->n - k - 1) * sizeof(int));
	r->n--;
	u->room = -1;
	if (r->n == 0) {
		r->live = false;
		r->hist_count = 0;
		r->hist_head = 0;
		return;
	}
	for (int i = 0; i < r->n; i++)
		want_ev(m, r->members[i], HUB_EV_LEAVE, false, r->display, u->name, NULL);
}

static void op_register(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	char name[HUB_NAME_MAX + 1];
	/* now and then, somebody else's name in another case */
	int other = (int)rnd(m, R_USERS);
	if (other != slot && m->users[other].live && rnd(m, 4) == 0) {
		user_name(m, other, name);
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
	u->seq = m->seq++;
	u->room = -1;
	memcpy(u->name, name, sizeof(name));
}

static void op_unregister(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	if (u->room >= 0)
		model_leave(m, slot);
	hub_unregister(m->hub, u->h);
	u->live = false;
	u->h = NULL;
}

static void op_join(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	int idx = (int)rnd(m, R_ROOMS);
	char name[HUB_ROOM_MAX + 1];
	room_name(m, idx, name);
	enum hub_result res = hub_join(m->hub, u->h, name, strlen(name));
	if (u->room == idx) {
		assert_int_equal(res, HUB_ALREADY_IN);
		return;
	}
	assert_int_equal(res, HUB_OK);
	if (u->room >= 0)
		model_leave(m, slot);
	struct mroom *r = &m->rooms[idx];
	if (!r->live) {
		r->live = true;
		r->seq = m->seq++;
		memcpy(r->display, name, sizeof(name));
	}
	for (int i = 0; i < r->n; i++)
		want_ev(m, r->members[i], HUB_EV_JOIN, false, r->display, u->name, NULL);
	r->members[r->n++] = slot;
	u->room = idx;
	/* what the chat dialect does next */
	hub_replay_history(m->hub, u->h);
	for (int i = 0; i < r->hist_count; i++) {
		const struct mline *l = &r->hist[(r->hist_head + i) % R_HIST];
		want_ev(m, slot, HUB_EV_SAY, true, r->display, l->from, l->text);
	}
}

static void op_leave(struct model *m, int slot)
{
	struct muser *u = &m->users[slot];
	char name[HUB_ROOM_MAX + 1];
	enum hub_result res = hub_leave(m->hub, u->h, name);
	if (u->room < 0) {
		assert_int_equal(res, HUB_NOT_IN_ROOM);
		return;
	}
	assert_int_equal(res, HUB_OK);
	assert_string_equal(name, m->rooms[u->room].display);
	model_leave(m, slot);
}

static void op_say(struct model *m, int slot, int opno)
{
	struct muser *u = &m->users[slot];
	char text[32];
	snprintf(text, sizeof(text), "op %d %*s!", opno, (int)rnd(m, 8), "");
	enum hub_result res = hub_say(m->hub, u->h, text, strlen(text));
	if (u->room < 0) {
		assert_int_equal(res, HUB_NOT_IN_ROOM);
		return;
	}
	assert_int_equal(res, HUB_OK);
	struct mroom *r = &m->rooms[u->room];
	for (int i = 0; i < r->n; i++)
		want_ev(m, r->members[i], HUB_EV_SAY, false, r->display, u->name, text);
	struct mline *l;
	if (r->hist_count == R_HIST) {
		l = &r->hist[r->hist_head];
		r->hist_head = (r->hist_head + 1) % R_HIST;
	} else {
		l = &r->hist[(r->hist_head + r->hist_count++) % R_HIST];
	}
	memcpy(l->from, u->name, sizeof(l->from));
	memcpy(l->text, text, sizeof(l->text));
}

static void op_privmsg(struct model *m, int slot, int opno)
{
	struct muser *u = &m->users[slot];
	int to = (int)rnd(m, R_USERS);
	char target[HUB_NAME_MAX + 1], text[32];
	user_name(m, to, target);
	snprintf(text, sizeof(text), "pm %d", opno);
	enum hub_result res =
		hub_privmsg(m->hub, u->h, target, strlen(target), text, strlen(text));
	if (!m->users[to].live) {
		assert_int_equal(res, HUB_NO_SUCH_USER);
		return;
	}
	assert_int_equal(res, HUB_OK);
	want_ev(m, to, HUB_EV_PRIVMSG, false, NULL, u->name, text);
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

/* The whole hub against the model: users in registration order, rooms in
 * creation order with their names, sizes and members in join order, each
 * user's room, and lookups of absent rooms. */
static void check_state(struct model *m)
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
		const struct muser *u = &m->users[order[i]];
		assert_ptr_equal(hu, u->h);
		assert_string_equal(hub_user_name(hu), u->name);
		hu = hub_next_user(m->hub, hu);
	}
	assert_null(hu);

	n = 0;
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
		struct hub_user *mem = hub_first_member(hr);
		for (int k = 0; k < r->n; k++) {
			assert_ptr_equal(mem, m->users[r->members[k]].h);
			assert_ptr_equal(hub_user_room(mem), hr);
			mem = hub_next_member(hr, mem);
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
	for (int i = 0; i < R_USERS; i++) {
		const struct muser *u = &m->users[i];
		if (!u->live)
			continue;
		struct hub_room *r = hub_user_room(u->h);
		if (u->room < 0) {
			assert_null(r);
		} else {
			assert_non_null(r);
			assert_string_equal(hub_room_name(r), m->rooms[u->room].display);
		}
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
	if (pick < 35)
		op_join(m, slot);
	else if (pick < 60)
		op_say(m, slot, opno);
	else if (pick < 75)
		op_privmsg(m, slot, opno);
	else if (pick < 88)
		op_leave(m, slot);
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
		m->users[i].room = -1;
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
		cmocka_unit_test(test_move),
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
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
