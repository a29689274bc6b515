/* test_hub_model: a seeded random run of 300 users and 40 rooms against a
 * model of the hub, through hub.h only. Users register, join several rooms
 * (up to five), leave, speak in their rooms or from outside one, send
 * private messages, rename (taken names, bad names, changes of case, IRC
 * characters), go away and come back, kick and set member flags, and quit.
 * After every operation the events each fake received are compared, in
 * order, with the model's: QUIT, NICK and AWAY reach each user sharing a
 * room exactly once, through the first shared room in the actor's join
 * order; message ids count up and history replays keep them. Every 200
 * operations the whole state is compared: users in registration order with
 * names, lookups, away state and rooms in join order; rooms in creation
 * order with members and flags in join order. */
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
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
