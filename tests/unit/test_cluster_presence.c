/* test_cluster_presence: a node's view of other nodes' users when a read
 * of a room's members (or of every user) and the presence messages arrive
 * on different connections. A user who quits, is renamed, leaves or is
 * kicked, or whose node is lost, after the read was sent and before its
 * answer is taken, is not brought back by that answer (no "ghost" holding
 * the name); a read sent after the departure is believed; what the reads
 * must not undo is forgotten once they are all answered. Drives the
 * cluster's apply side (cluster/apply.c) on a real hub, without Redis. */
#include <hiredis/hiredis.h>

#include "hub_fake.h"
#include "cluster/cluster_private.h"
#include "util/buf.h"

#define S(lit) ((struct bus_str){lit, sizeof(lit) - 1})

struct env {
	struct world w;
	struct fake alice_fake;
	struct cluster c;
	struct hub *hub;
	struct hub_user *alice;
	struct hub_room *room;
	struct buf records[4];
	redisReply items[4], *elements[4], array;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	struct hub_config cfg = {.history = 0};
	e->hub = hub_create(&cfg);
	e->c.hub = e->hub;
	snprintf(e->c.node, sizeof(e->c.node), "me");
	e->c.node_len = 2;
	e->alice_fake = (struct fake){.w = &e->w, .id = 0, .slot = -1};
	assert_int_equal(hub_register(e->hub, "alice", 5, &fake_sink, &e->alice_fake, &e->alice),
			 HUB_OK);
	assert_int_equal(hub_join(e->hub, e->alice, "#r", 2, &e->room), HUB_OK);
	return e;
}

static void env_free(struct env *e)
{
	while (hub_first_user(e->hub))
		hub_unregister(e->hub, hub_first_user(e->hub), "", 0);
	hub_destroy(e->hub);
	departures_clear(&e->c.gone);
	while (e->c.peers) {
		struct node_peer *p = e->c.peers;
		e->c.peers = p->next;
		free(p);
	}
	for (size_t i = 0; i < 4; i++)
		buf_release(&e->records[i]);
	world_free(&e->w);
	free(e);
}

static void apply(struct env *e, enum bus_kind kind, struct bus_str node, struct bus_str from,
		  struct bus_str room, struct bus_str target)
{
	struct bus_msg m = {.kind = kind, .node = node, .from = from, .room = room,
			    .target = target, .origin = S("u@h")};
	cluster_apply(&e->c, &m, room.len > 0);
}

/* The answer to a members read: USER records of `names` on node `node`. */
static redisReply *answer(struct env *e, const char *node, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct bus_msg m = {.kind = BUS_USER, .node = {node, strlen(node)},
				    .from = {names[i], strlen(names[i])}, .origin = S("u@h")};
		e->records[i].start = e->records[i].end = 0;
		bus_msg_encode(&m, true, &e->records[i]);
		e->items[i] = (redisReply){.type = REDIS_REPLY_STRING,
					   .str = (char *)buf_head(&e->records[i]),
					   .len = buf_len(&e->records[i])};
		e->elements[i] = &e->items[i];
	}
	e->array = (redisReply){.type = REDIS_REPLY_ARRAY, .elements = n, .element = e->elements};
	return &e->array;
}

static bool in_room(struct env *e, const char *name)
{
	struct hub_user *u = hub_find_user(e->hub, name, strlen(name));
	return u && hub_membership(u, e->room);
}

static void test_a_quit_applied_before_the_read_is_taken_stays_a_quit(void **state)
{
	(void)state;
	struct env *e = env_new();
	static const char *const bob[] = {"bob"};
	apply(e, BUS_USER, S("n2"), S("bob"), S(""), S(""));
	uint64_t read = cluster_read_begin(&e->c); /* the read goes out... */
	apply(e, BUS_QUIT, S("n2"), S("bob"), S(""), S("")); /* ...bob quits... */
	assert_null(hub_find_user(e->hub, "bob", 3));
	cluster_load_users(&e->c, answer(e, "n2", bob, 1), e->room, read); /* ...read says bob */
	assert_null(hub_find_user(e->hub, "bob", 3));
	cluster_read_done(&e->c, read);
	assert_int_equal(e->c.gone.count, 0);
	/* bob is back (a read sent after his quit): believed. */
	uint64_t later = cluster_read_begin(&e->c);
	cluster_load_users(&e->c, answer(e, "n2", bob, 1), e->room, later);
	assert_true(in_room(e, "bob"));
	cluster_read_done(&e->c, later);
	env_free(e);
}

static void test_a_quit_of_a_user_only_the_read_knows(void **state)
{
	(void)state;
	struct env *e = env_new();
	static const char *const both[] = {"bob", "carol"};
	uint64_t read = cluster_read_begin(&e->c);
	apply(e, BUS_QUIT, S("n2"), S("bob"), S(""), S("")); /* never seen, yet noted */
	cluster_load_users(&e->c, answer(e, "n2", both, 2), e->room, read);
	assert_null(hub_find_user(e->hub, "bob", 3));
	assert_true(in_room(e, "carol"));
	/* Another node's "bob" is someone else. */
	static const char *const bob[] = {"BOB"};
	cluster_load_users(&e->c, answer(e, "n3", bob, 1), e->room, read);
	assert_true(in_room(e, "bob"));
	cluster_read_done(&e->c, read);
	env_free(e);
}

static void test_renames_leaves_kicks_and_lost_nodes(void **state)
{
	(void)state;
	struct env *e = env_new();
	static const char *const old[] = {"bob"};
	static const char *const dave[] = {"dave"};
	static const char *const erin[] = {"erin"};
	static const char *const frank[] = {"frank"};
	apply(e, BUS_USER, S("n2"), S("bob"), S(""), S(""));
	apply(e, BUS_USER, S("n2"), S("dave"), S(""), S(""));
	apply(e, BUS_USER, S("n3"), S("erin"), S(""), S(""));
	apply(e, BUS_USER, S("n4"), S("frank"), S(""), S(""));
	uint64_t read = cluster_read_begin(&e->c);
	apply(e, BUS_NICK, S("n2"), S("bob"), S(""), S("bobby"));
	apply(e, BUS_LEAVE, S("n2"), S("dave"), S("#r"), S(""));
	apply(e, BUS_KICK, S("me"), S("alice"), S("#r"), S("erin")); /* (own: ignored) */
	apply(e, BUS_KICK, S("n4"), S(""), S("#r"), S("erin"));
	apply(e, BUS_HELLO, S("n4"), S(""), S(""), S(""));
	cluster_load_users(&e->c, answer(e, "n2", old, 1), e->room, read);
	assert_null(hub_find_user(e->hub, "bob", 3)); /* the old name stays free */
	assert_non_null(hub_find_user(e->hub, "bobby", 5));
	cluster_load_users(&e->c, answer(e, "n2", dave, 1), e->room, read);
	assert_non_null(hub_find_user(e->hub, "dave", 4)); /* still a user... */
	assert_false(in_room(e, "dave"));                  /* ...not a member */
	cluster_load_users(&e->c, answer(e, "n3", erin, 1), e->room, read);
	assert_false(in_room(e, "erin"));
	cluster_load_users(&e->c, answer(e, "n4", frank, 1), e->room, read);
	assert_null(hub_find_user(e->hub, "frank", 5)); /* its node is gone */
	/* A read of every user: a room departure does not hide the user. */
	cluster_load_users(&e->c, answer(e, "n2", dave, 1), NULL, read);
	assert_non_null(hub_find_user(e->hub, "dave", 4));
	cluster_read_done(&e->c, read);
	assert_int_equal(e->c.gone.count, 0);
	env_free(e);
}

static void test_nothing_is_kept_without_a_read_in_flight(void **state)
{
	(void)state;
	struct env *e = env_new();
	apply(e, BUS_USER, S("n2"), S("bob"), S(""), S(""));
	apply(e, BUS_QUIT, S("n2"), S("bob"), S(""), S(""));
	assert_int_equal(e->c.gone.count, 0);
	/* Two reads in flight: the first answer forgets only what it alone
	 * could be fooled by. */
	uint64_t r1 = cluster_read_begin(&e->c);
	apply(e, BUS_USER, S("n2"), S("bob"), S(""), S(""));
	apply(e, BUS_QUIT, S("n2"), S("bob"), S(""), S(""));
	uint64_t r2 = cluster_read_begin(&e->c);
	apply(e, BUS_QUIT, S("n2"), S("carol"), S(""), S(""));
	cluster_read_done(&e->c, r1);
	assert_int_equal(e->c.gone.count, 1);
	static const char *const carol[] = {"carol"};
	cluster_load_users(&e->c, answer(e, "n2", carol, 1), e->room, r2);
	assert_null(hub_find_user(e->hub, "carol", 5));
	cluster_read_done(&e->c, r2);
	assert_int_equal(e->c.gone.count, 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_quit_applied_before_the_read_is_taken_stays_a_quit),
		cmocka_unit_test(test_a_quit_of_a_user_only_the_read_knows),
		cmocka_unit_test(test_renames_leaves_kicks_and_lost_nodes),
		cmocka_unit_test(test_nothing_is_kept_without_a_read_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
