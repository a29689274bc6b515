/* test_hub: hub/ through hub.h only, with the recording fakes of
 * hub_fake.h, so each test asserts the exact deliveries and their order.
 * Covers name and room-name validation (every byte value, IRC's extra name
 * characters, no ':' in rooms, length limits 32/33, '#' rules); register
 * (case-insensitive uniqueness, the name freed and reusable); join (room
 * created and shown as first created, its creator operator, JOIN to the
 * members already there and never to the joiner, ALREADY_IN in any case,
 * invalid names changing nothing); many rooms per user (memberships in join
 * order, lines staying in their room, leaving one room only); leave (LEAVE
 * with its reason to the rest, NOT_IN_ROOM, an emptied room gone with its
 * history); say (every member once, speaker included; from outside a
 * room); the history ring and its byte budget (newest lines that fit,
 * oldest first, never a partial one); privmsg; unregister (QUIT once per
 * user sharing any room, with the reason); rename and away (once per user,
 * the renamer first); topic, kick, room modes and member flags; message ids
 * and timestamps (counter or supplied by hooks, kept by replays); origins
 * for prefixes; the render-slot registry and the msgid text form;
 * iteration orders; the render cache; hub_silence; the presence watch
 * (every arrival, departure and rename, sharing a room or not, none
 * refused, none once silenced). The random run against
 * a model is in test_hub_model.c. */
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
#include "hub_fake.h"
#include "testutil.h"
#include "util/msg.h"

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

/* A dialect's room extension lives until the room is dropped, then goes to
 * the release function of its slot, once; other slots are untouched. */
static int released_count;
static void *released_data;

static void count_release(void *data)
{
	released_count++;
	released_data = data;
}

static void test_room_extension_released_with_room(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	int slot = hub_render_slot(e.hub), other = hub_render_slot(e.hub);
	hub_set_ext_release(e.hub, slot, count_release);
	released_count = 0;
	add(&e, 0, "alice");
	add(&e, 1, "bob");
	join(&e, 0, "#x");
	join(&e, 1, "#x");
	struct hub_room *room = hub_find_room(e.hub, "#x", 2);
	static int token;
	assert_null(hub_room_ext(room, slot));
	hub_room_set_ext(room, slot, &token);
	assert_ptr_equal(hub_room_ext(room, slot), &token);
	assert_null(hub_room_ext(room, other));
	assert_int_equal(leave(&e, 0, "#x"), HUB_OK);
	assert_int_equal(released_count, 0); /* bob is still there */
	assert_int_equal(leave(&e, 1, "#x"), HUB_OK);
	assert_int_equal(released_count, 1);
	assert_ptr_equal(released_data, &token);
	join(&e, 0, "#x"); /* a new room of the same name starts empty */
	assert_null(hub_room_ext(hub_find_room(e.hub, "#x", 2), slot));
	env_done(&e);
	assert_int_equal(released_count, 1);
}


/* ---- the presence watch ---- */

struct seen {
	char log[512];
	size_t n;
	const struct hub *hub;
};

static void on_presence(void *ctx, enum hub_presence what, const struct hub_user *user,
			const char *old, size_t old_len)
{
	struct seen *s = ctx;
	static const char *const kind[] = {"+", "-", "~"};
	/* A departing user has lost its name in the hub already. */
	if (what == HUB_PRESENCE_LEFT)
		assert_null(hub_find_user(s->hub, hub_user_name(user), hub_user_name_len(user)));
	else
		assert_ptr_equal(hub_find_user(s->hub, hub_user_name(user),
					       hub_user_name_len(user)),
				 user);
	s->n += (size_t)snprintf(s->log + s->n, sizeof(s->log) - s->n, "%s%s%s%.*s ",
				 kind[what], hub_user_name(user), old ? "<" : "", (int)old_len,
				 old ? old : "");
}

static void test_presence_watch(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, 0);
	struct seen seen = {.hub = e.hub};
	hub_set_watch(e.hub, &(struct hub_watch){.presence = on_presence, .ctx = &seen});
	struct hub_user *u = NULL;
	add(&e, 0, "alice");
	add(&e, 1, "bob"); /* shares no room with alice: watched all the same */
	assert_int_equal(hub_register(e.hub, "ALICE", 5, &fake_sink, &e.f[2], &u),
			 HUB_NAME_TAKEN); /* refused: nothing to tell */
	assert_int_equal(hub_rename(e.hub, e.u[1], "Bobby", 5), HUB_OK);
	assert_int_equal(hub_rename(e.hub, e.u[1], "Bobby", 5), HUB_OK); /* no change */
	assert_int_equal(hub_rename(e.hub, e.u[1], "alice", 5), HUB_NAME_TAKEN);
	drop(&e, 0);
	assert_string_equal(seen.log, "+alice +bob ~Bobby<bob -alice ");
	hub_set_watch(e.hub, NULL);
	drop(&e, 1);
	assert_string_equal(seen.log, "+alice +bob ~Bobby<bob -alice ");
	hub_set_watch(e.hub, &(struct hub_watch){.presence = on_presence, .ctx = &seen});
	add(&e, 2, "carol");
	hub_silence(e.hub);
	drop(&e, 2);
	assert_string_equal(seen.log, "+alice +bob ~Bobby<bob -alice +carol ");
	env_done(&e);
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
		cmocka_unit_test(test_room_extension_released_with_room),
		cmocka_unit_test(test_origin_in_events),
		cmocka_unit_test(test_render_slots_and_msgid),
		cmocka_unit_test(test_history_budget),
		cmocka_unit_test(test_presence_watch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
