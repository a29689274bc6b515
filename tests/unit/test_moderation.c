/* test_moderation: the hub's protocol-neutral moderation — ban lists (add,
 * remove, duplicates, the 64-mask cap, matching, every member told),
 * closing a room, killing through the user's sink, server operators (by
 * account once logged in, or by password) and who may speak or moderate. */
#include "hub_fake.h"

static const char *const opers[] = {"root"};

struct env {
	struct hub *hub;
	struct world w;
	struct fake f[MAX_USERS];
	struct hub_user *u[MAX_USERS];
};

static void env_init(struct env *e, const char *password)
{
	memset(e, 0, sizeof(*e));
	struct hub_config cfg = {.opers = opers, .nopers = 1, .oper_password = password};
	e->hub = hub_create(&cfg);
	for (int i = 0; i < MAX_USERS; i++)
		e->f[i] = (struct fake){.w = &e->w, .id = i, .slot = -1};
}

static void env_done(struct env *e)
{
	for (int i = 0; i < MAX_USERS; i++)
		if (e->u[i])
			hub_unregister(e->hub, e->u[i], "", 0);
	hub_destroy(e->hub);
	world_free(&e->w);
}

static struct hub_user *add(struct env *e, int i, const char *name, const char *room)
{
	assert_int_equal(hub_register(e->hub, name, strlen(name), &fake_sink, &e->f[i], &e->u[i]),
			 HUB_OK);
	if (room)
		assert_int_equal(hub_join(e->hub, e->u[i], room, strlen(room), NULL), HUB_OK);
	return e->u[i];
}

static size_t count_kind(const struct world *w, enum hub_event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		n += w->recs[i].kind == kind;
	return n;
}

static void test_ban_list(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, NULL);
	add(&e, 0, "alice", "#r");
	add(&e, 1, "bob", "#r");
	struct hub_room *r = hub_find_room(e.hub, "#r", 2);
	world_clear(&e.w);
	assert_int_equal(hub_ban_add(e.hub, e.u[0], r, "*!*@10.0.0.*", 12), HUB_OK);
	assert_int_equal(count_kind(&e.w, HUB_EV_BAN), 2); /* both members told */
	assert_memory_equal(e.w.recs[0].target, "*!*@10.0.0.*", 12);
	assert_int_equal(hub_ban_add(e.hub, e.u[0], r, "*!*@10.0.0.*", 12), HUB_BAN_EXISTS);
	assert_int_equal(hub_ban_add(e.hub, e.u[0], r, "*!*@10.0.0.* ", 0), HUB_ROOM_INVALID);
	assert_true(hub_room_banned(r, "eve!eve@10.0.0.9", 16));
	assert_false(hub_room_banned(r, "eve!eve@10.0.1.9", 16));
	assert_int_equal(hub_room_ban_count(r), 1);
	assert_string_equal(hub_room_ban(r, 0)->setter, "alice");
	assert_null(hub_room_ban(r, 1));
	world_clear(&e.w);
	assert_int_equal(hub_ban_remove(e.hub, NULL, r, "*!*@10.0.0.*", 12), HUB_OK);
	assert_int_equal(count_kind(&e.w, HUB_EV_BAN), 2);
	assert_memory_equal(e.w.recs[0].from, HUB_CONSOLE_NAME, strlen(HUB_CONSOLE_NAME));
	assert_int_equal(hub_ban_remove(e.hub, NULL, r, "*!*@10.0.0.*", 12), HUB_BAN_MISSING);
	assert_false(hub_room_banned(r, "eve!eve@10.0.0.9", 16));
	char mask[16];
	for (int i = 0; i < HUB_BANS_MAX; i++) {
		int n = snprintf(mask, sizeof(mask), "u%d!*@*", i);
		assert_int_equal(hub_ban_add(e.hub, e.u[0], r, mask, (size_t)n), HUB_OK);
	}
	assert_int_equal(hub_ban_add(e.hub, e.u[0], r, "x!*@*", 5), HUB_BAN_FULL);
	assert_int_equal(hub_ban_remove(e.hub, e.u[0], r, "U0!*@*", 6), HUB_OK); /* any case */
	assert_int_equal(hub_room_ban_count(r), HUB_BANS_MAX - 1);
	assert_string_equal(hub_room_ban(r, 0)->mask, "u1!*@*"); /* order kept */
	env_done(&e);
}

static void test_close_room(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, NULL);
	add(&e, 0, "a", "#gone");
	add(&e, 1, "b", "#gone");
	add(&e, 2, "c", "#gone");
	add(&e, 3, "d", "#stays");
	world_clear(&e.w);
	hub_close_room(e.hub, NULL, hub_find_room(e.hub, "#gone", 5), "bye", 3);
	assert_null(hub_find_room(e.hub, "#gone", 5));
	assert_non_null(hub_find_room(e.hub, "#stays", 6));
	assert_int_equal(count_kind(&e.w, HUB_EV_KICK), 3 + 2 + 1);
	assert_int_equal(hub_user_room_count(e.u[0]), 0);
	env_done(&e);
}

struct killed {
	char by[HUB_NAME_MAX + 1];
	char reason[32];
	int calls;
};

static void record_kill(void *ctx, const char *by, const char *reason, size_t len)
{
	struct killed *k = ctx;
	snprintf(k->by, sizeof(k->by), "%s", by);
	snprintf(k->reason, sizeof(k->reason), "%.*s", (int)len, reason);
	k->calls++;
}

static void ignore(void *ctx, struct hub_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void test_kill_goes_through_the_sink(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, NULL);
	static const struct hub_sink killable = {.deliver = ignore, .kill = record_kill};
	struct killed k = {0};
	struct hub_user *victim;
	assert_int_equal(hub_register(e.hub, "v", 1, &killable, &k, &victim), HUB_OK);
	add(&e, 0, "op", NULL);
	assert_true(hub_kill(e.hub, e.u[0], victim, "spam", 4));
	assert_int_equal(k.calls, 1);
	assert_string_equal(k.by, "op");
	assert_string_equal(k.reason, "spam");
	assert_true(hub_kill(e.hub, NULL, victim, "", 0));
	assert_string_equal(k.by, HUB_CONSOLE_NAME);
	assert_false(hub_kill(e.hub, NULL, e.u[0], "", 0)); /* the fake sink has no kill */
	hub_unregister(e.hub, victim, "", 0);
	env_done(&e);
}

static void test_opers_and_permissions(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, "s3cret");
	add(&e, 0, "owner", "#r");
	add(&e, 1, "member", "#r");
	struct hub_user *root;
	assert_int_equal(hub_register(e.hub, "ROOT", 4, &fake_sink, &e.f[2], &root), HUB_OK);
	struct hub_room *r = hub_find_room(e.hub, "#r", 2);
	assert_false(hub_user_is_oper(e.hub, root)); /* the name alone is not enough */
	hub_unregister(e.hub, root, "", 0);
	assert_int_equal(hub_register_account(e.hub, "ROOT", 4, &fake_sink, &e.f[2], &e.u[2]),
			 HUB_OK);
	assert_true(hub_user_is_oper(e.hub, e.u[2])); /* logged in, case ignored */
	assert_true(hub_may_moderate(e.hub, e.u[0], r));
	assert_false(hub_may_moderate(e.hub, e.u[1], r));
	assert_true(hub_may_moderate(e.hub, e.u[2], r)); /* not even a member */
	assert_false(hub_oper_password_ok(e.hub, "s3cre", 5));
	assert_false(hub_oper_password_ok(e.hub, "s3cret!", 7));
	assert_true(hub_oper_password_ok(e.hub, "s3cret", 6));
	hub_user_set_oper(e.hub, e.u[1]);
	assert_true(hub_may_moderate(e.hub, e.u[1], r));
	env_done(&e);
	env_init(&e, NULL);
	assert_false(hub_oper_password_ok(e.hub, "", 0)); /* no password: no OPER */
	env_done(&e);
}

static void test_who_may_speak(void **state)
{
	(void)state;
	struct env e;
	env_init(&e, NULL);
	add(&e, 0, "op", "#m");
	add(&e, 1, "voiced", "#m");
	add(&e, 2, "plain", "#m");
	struct hub_room *r = hub_find_room(e.hub, "#m", 2);
	assert_true(hub_may_speak(e.hub, e.u[2], r));
	struct hub_room_modes md = *hub_room_modes(r);
	md.flags |= HUB_ROOM_MODERATED;
	hub_set_modes(e.hub, e.u[0], r, &md);
	hub_set_member_flags(e.hub, e.u[0], r, e.u[1], HUB_MEMBER_VOICE);
	assert_true(hub_may_speak(e.hub, e.u[0], r));
	assert_true(hub_may_speak(e.hub, e.u[1], r));
	assert_false(hub_may_speak(e.hub, e.u[2], r));
	hub_user_set_oper(e.hub, e.u[2]);
	assert_true(hub_may_speak(e.hub, e.u[2], r));
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ban_list),
		cmocka_unit_test(test_close_room),
		cmocka_unit_test(test_kill_goes_through_the_sink),
		cmocka_unit_test(test_opers_and_permissions),
		cmocka_unit_test(test_who_may_speak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
