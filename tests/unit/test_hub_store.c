/* test_hub_store: the hub over the store seam (memory store, through
 * hub.h), with the recording fakes of hub_fake.h. Room lines go to the
 * store with the hub's ids and times; ids keep increasing when the id hook
 * is seeded from the store's last id (what the server does after a
 * restart); replay on join reads the store, so history outlives an emptied
 * room, and keeps its byte budget; hub_history answers for stored rooms and
 * live ones; a registered name can be taken only through
 * hub_register_account; private lines are kept only between two logged-in
 * users and read back only by one of them. */
#include <poll.h>

#include "hub_fake.h"
#include "store/store_private.h"

struct env {
	struct store *store;
	struct hub *hub;
	struct world w;
	struct fake fakes[MAX_USERS];
	struct hub_user *users[MAX_USERS];
	uint64_t last_id;
};

static uint64_t next_id(void *ctx)
{
	return ++((struct env *)ctx)->last_id;
}

static uint64_t clock_ms(void *ctx)
{
	(void)ctx;
	return 1795253400000ull;
}

static void env_open(struct env *e, size_t history)
{
	struct hub_config cfg = {
		.history = history, .now_ms = clock_ms, .next_id = next_id, .id_ctx = e,
		.store = e->store,
	};
	e->last_id = e->store->ops->last_id(e->store->impl);
	e->hub = hub_create(&cfg);
	for (int i = 0; i < MAX_USERS; i++)
		e->fakes[i] = (struct fake){.w = &e->w, .id = i, .slot = -1};
}

static void env_close_hub(struct env *e)
{
	for (int i = 0; i < MAX_USERS; i++)
		if (e->users[i])
			hub_unregister(e->hub, e->users[i], "", 0);
	memset(e->users, 0, sizeof(e->users));
	hub_destroy(e->hub);
	world_clear(&e->w);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	e->store = store_memory_create(0);
	env_open(e, 50);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	env_close_hub(e);
	world_free(&e->w);
	e->store->ops->destroy(e->store->impl);
	free(e);
	return 0;
}

static struct hub_user *add(struct env *e, int i, const char *name)
{
	assert_int_equal(hub_register(e->hub, name, strlen(name), &fake_sink, &e->fakes[i],
				      &e->users[i]), HUB_OK);
	return e->users[i];
}

static struct hub_room *join(struct env *e, int i, const char *room)
{
	struct hub_room *r;
	assert_int_equal(hub_join(e->hub, e->users[i], room, strlen(room), &r), HUB_OK);
	return r;
}

static void say(struct env *e, int i, struct hub_room *room, const char *text)
{
	assert_int_equal(hub_say(e->hub, e->users[i], room, text, strlen(text)), HUB_OK);
}

struct lines {
	uint64_t ids[64];
	char texts[64][32];
	size_t n;
};

static void collect(void *ctx, const struct store_line *l)
{
	struct lines *ls = ctx;
	ls->ids[ls->n] = l->id;
	snprintf(ls->texts[ls->n], sizeof(ls->texts[0]), "%.*s", (int)l->text_len, l->text);
	ls->n++;
}

static int history(struct env *e, const char *room, size_t limit, struct lines *out)
{
	memset(out, 0, sizeof(*out));
	struct store_query q = {.anchor = STORE_LATEST, .limit = limit};
	return hub_history(e->hub, room, strlen(room), &q, collect, out);
}

static void test_lines_stored_with_hub_ids_in_order(void **state)
{
	struct env *e = *state;
	add(e, 0, "alice");
	struct hub_room *a = join(e, 0, "#a");
	say(e, 0, a, "one");
	struct hub_room *b = join(e, 0, "#b");
	say(e, 0, b, "elsewhere");
	say(e, 0, a, "two");
	struct lines ls;
	assert_int_equal(history(e, "#a", 10, &ls), 2);
	assert_string_equal(ls.texts[0], "one");
	assert_string_equal(ls.texts[1], "two");
	assert_true(ls.ids[0] < ls.ids[1]);
	/* The ids stored are the ids delivered. */
	assert_int_equal(e->w.recs[e->w.n - 1].id, ls.ids[1]);
}

static void test_ids_continue_after_a_restart(void **state)
{
	struct env *e = *state;
	add(e, 0, "alice");
	say(e, 0, join(e, 0, "#a"), "before");
	uint64_t first = e->last_id;
	env_close_hub(e);
	e->last_id = 0; /* a new process: the hook is seeded from the store */
	env_open(e, 50);
	add(e, 0, "alice");
	struct hub_room *a = join(e, 0, "#a");
	say(e, 0, a, "after");
	struct lines ls;
	assert_int_equal(history(e, "#a", 10, &ls), 2);
	assert_true(ls.ids[1] > first);
}

static void test_replay_outlives_an_emptied_room(void **state)
{
	struct env *e = *state;
	add(e, 0, "alice");
	struct hub_room *a = join(e, 0, "#a");
	say(e, 0, a, "kept");
	assert_int_equal(hub_leave(e->hub, e->users[0], a, "", 0), HUB_OK);
	assert_null(hub_find_room(e->hub, "#a", 2));
	world_clear(&e->w);
	add(e, 1, "bob");
	a = join(e, 1, "#a");
	assert_int_equal(hub_replay_history(e->hub, e->users[1], a, SIZE_MAX, 0), 1);
	assert_int_equal(e->w.n, 1);
	assert_true(e->w.recs[0].replay);
	assert_memory_equal(e->w.recs[0].text, "kept", 4);
	assert_memory_equal(e->w.recs[0].from, "alice", 5);
}

static void test_replay_keeps_the_byte_budget(void **state)
{
	struct env *e = *state;
	add(e, 0, "al");
	struct hub_room *a = join(e, 0, "#a");
	say(e, 0, a, "aaaa");
	say(e, 0, a, "bbbb");
	say(e, 0, a, "cccc");
	world_clear(&e->w);
	/* Each line costs 10 + 2 + 4 = 16: a budget of 40 holds the newest two. */
	assert_int_equal(hub_replay_history(e->hub, e->users[0], a, 40, 10), 2);
	assert_memory_equal(e->w.recs[0].text, "bbbb", 4);
	assert_memory_equal(e->w.recs[1].text, "cccc", 4);
}

static void test_history_of_unknown_and_silent_rooms(void **state)
{
	struct env *e = *state;
	struct lines ls;
	assert_int_equal(history(e, "#never", 10, &ls), -1);
	add(e, 0, "alice");
	join(e, 0, "#quiet");
	assert_int_equal(history(e, "#quiet", 10, &ls), 0);
}

struct done_flag {
	bool done;
	enum store_account_result r;
};

static void on_done(void *ctx, enum store_account_result r)
{
	struct done_flag *d = ctx;
	d->done = true;
	d->r = r;
}

static void create_account(struct env *e, const char *name, const char *pw)
{
	struct done_flag d = {0};
	struct store_account_request req = {
		.op = STORE_ACCOUNT_CREATE, .name = name, .name_len = strlen(name),
		.password = pw, .password_len = strlen(pw), .done = on_done, .ctx = &d,
	};
	assert_true(hub_account_submit(e->hub, &req) != 0);
	for (int i = 0; i < 200 && !d.done; i++) {
		struct pollfd p = {e->store->ops->wake_fd(e->store->impl), POLLIN, 0};
		poll(&p, 1, 50);
		e->store->ops->on_wake(e->store->impl);
	}
	assert_true(d.done);
	assert_int_equal(d.r, STORE_ACCOUNT_OK);
}

static void test_registered_name_needs_the_account(void **state)
{
	struct env *e = *state;
	assert_true(hub_accounts_enabled(e->hub));
	create_account(e, "Owner", "password1");
	struct hub_user *u;
	assert_int_equal(hub_register(e->hub, "owner", 5, &fake_sink, &e->fakes[0], &u),
			 HUB_NAME_REGISTERED);
	assert_int_equal(hub_register_account(e->hub, "owner", 5, &fake_sink, &e->fakes[0],
					      &e->users[0]), HUB_OK);
	assert_true(hub_user_logged_in(e->users[0]));
	add(e, 1, "guest");
	assert_false(hub_user_logged_in(e->users[1]));
}

static void test_private_lines_only_between_logged_in_users(void **state)
{
	struct env *e = *state;
	add(e, 0, "ann");
	add(e, 1, "ben");
	add(e, 2, "cat");
	hub_user_set_logged_in(e->hub, e->users[0]);
	hub_user_set_logged_in(e->hub, e->users[1]);
	assert_int_equal(hub_privmsg(e->hub, e->users[0], "ben", 3, "kept", 4), HUB_OK);
	assert_int_equal(hub_privmsg(e->hub, e->users[0], "cat", 3, "not kept", 8), HUB_OK);
	struct lines ls = {0};
	struct store_query q = {.anchor = STORE_LATEST, .limit = 10};
	assert_int_equal(hub_private_history(e->hub, e->users[1], "ann", 3, &q, collect, &ls), 1);
	assert_string_equal(ls.texts[0], "kept");
	memset(&ls, 0, sizeof(ls));
	assert_int_equal(hub_private_history(e->hub, e->users[0], "cat", 3, &q, collect, &ls), -1);
	/* A user not logged in reads nothing, not even its own. */
	assert_int_equal(hub_private_history(e->hub, e->users[2], "ann", 3, &q, collect, &ls), -1);
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_lines_stored_with_hub_ids_in_order),
		T(test_ids_continue_after_a_restart),
		T(test_replay_outlives_an_emptied_room),
		T(test_replay_keeps_the_byte_budget),
		T(test_history_of_unknown_and_silent_rooms),
		T(test_registered_name_needs_the_account),
		T(test_private_lines_only_between_logged_in_users),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
