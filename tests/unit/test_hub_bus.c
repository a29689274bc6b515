/* test_hub_bus: the hub's bus seam (cluster mode) against a recording fake
 * bus. Local users' registrations, joins, leaves, renames, quits and
 * whispers to proxies reach the bus; nothing a proxy does is handed back;
 * a local line goes to the bus and is delivered only when it comes back
 * (hub_bus_say, with the network's id), or at once when the bus declines
 * (offline); a room's first local member raises interest and its last one
 * drops it along with the proxies still in it; proxies are listed, hold
 * their names, and are never delivered to; history and room state read
 * back from the network fill in only what is missing, silently; with a
 * store, a backfill delivers only the lines newer than the joiner's replay
 * (or, for a joiner that replays nothing, than the stream at its join)
 * and the live lines, as live lines; lines that come back while a room's
 * after-subscribe read is awaited are held and merged with it by id. */
#include "hub_fake.h"
#include "store/store_private.h"

struct fake_bus {
	int added, published, said, interest_on, interest_off;
	enum hub_event_kind last_kind;
	char last_from[HUB_NAME_MAX + 1];
	char killed[HUB_NAME_MAX + 1];
	uint64_t last_id;
	enum hub_msg_style last_style;
	bool online;
	int privmsgs;   /* private lines offered to the bus */
	bool last_keep; /* what the hub said of the last one */
};

static void fb_added(void *impl, const struct hub_user *u)
{
	struct fake_bus *b = impl;
	(void)u;
	b->added++;
}

static void fb_publish(void *impl, const struct hub_event *ev)
{
	struct fake_bus *b = impl;
	b->published++;
	b->last_kind = ev->kind;
	b->last_id = ev->id;
	b->last_style = ev->style;
	snprintf(b->last_from, sizeof(b->last_from), "%.*s", (int)ev->from_len, ev->from);
}

static bool fb_say(void *impl, const struct hub_event *ev)
{
	struct fake_bus *b = impl;
	(void)ev;
	b->said++;
	return b->online;
}

static void fb_interest(void *impl, const struct hub_room *room, bool on)
{
	struct fake_bus *b = impl;
	(void)room;
	if (on)
		b->interest_on++;
	else
		b->interest_off++;
}

static bool fb_decides_ops(void *impl)
{
	const struct fake_bus *b = impl;
	return b->online;
}

static bool fb_kill(void *impl, const struct hub_user *by, const struct hub_user *victim,
		    const char *reason, size_t len)
{
	struct fake_bus *b = impl;
	(void)by;
	(void)reason;
	(void)len;
	snprintf(b->killed, sizeof(b->killed), "%s", hub_user_name(victim));
	return b->online;
}

static bool fb_privmsg(void *impl, const struct hub_event *ev, bool keep)
{
	struct fake_bus *b = impl;
	assert_int_equal(ev->id, 0); /* the bus numbers it */
	b->privmsgs++;
	b->last_keep = keep;
	return b->online;
}

static const struct hub_bus_ops fb_ops = {
	.user_added = fb_added,
	.publish = fb_publish,
	.say = fb_say,
	.interest = fb_interest,
	.decides_ops = fb_decides_ops,
	.kill = fb_kill,
	.privmsg = fb_privmsg,
};

struct env {
	struct world w;
	struct fake_bus fb;
	struct hub_bus bus;
	struct fake fakes[MAX_USERS];
	struct hub *hub;
};

static struct env *env_new(void)
{
	struct env *e = calloc(1, sizeof(*e));
	e->fb.online = true;
	e->bus = (struct hub_bus){&fb_ops, &e->fb};
	struct hub_config cfg = {.history = 10, .bus = &e->bus};
	e->hub = hub_create(&cfg);
	return e;
}

static struct hub_user *local(struct env *e, int id, const char *name)
{
	e->fakes[id] = (struct fake){.w = &e->w, .id = id, .slot = -1};
	struct hub_user *u;
	assert_int_equal(hub_register(e->hub, name, strlen(name), &fake_sink, &e->fakes[id], &u),
			 HUB_OK);
	return u;
}

static struct hub_user *proxy(struct env *e, const char *name)
{
	struct hub_user *u;
	assert_int_equal(hub_proxy_add(e->hub, name, strlen(name), "x@remote", 8, e, &u), HUB_OK);
	assert_true(hub_user_is_proxy(u));
	return u;
}

static size_t count_to(const struct world *w, int to, enum hub_event_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		n += w->recs[i].to == to && w->recs[i].kind == kind;
	return n;
}

static void env_free(struct env *e)
{
	while (hub_first_user(e->hub))
		hub_unregister(e->hub, hub_first_user(e->hub), "", 0);
	hub_destroy(e->hub);
	world_free(&e->w);
	free(e);
}

static void test_local_actions_reach_the_bus_proxy_actions_do_not(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	assert_int_equal(e->fb.added, 1);
	struct hub_user *bob = proxy(e, "bob");
	assert_int_equal(e->fb.added, 1);
	struct hub_room *room;
	assert_int_equal(hub_join(e->hub, alice, "#r", 2, &room), HUB_OK);
	assert_int_equal(e->fb.published, 1);
	assert_int_equal(e->fb.last_kind, HUB_EV_JOIN);
	assert_int_equal(e->fb.interest_on, 1);
	assert_int_equal(hub_join(e->hub, bob, "#r", 2, NULL), HUB_OK);
	assert_int_equal(e->fb.published, 1);      /* a proxy's join is not echoed */
	assert_int_equal(count_to(&e->w, 0, HUB_EV_JOIN), 1); /* alice hears it */
	assert_int_equal(hub_rename(e->hub, bob, "bobby", 5), HUB_OK);
	assert_int_equal(e->fb.published, 1);
	assert_int_equal(hub_privmsg(e->hub, alice, "bobby", 5, "hi", 2), HUB_OK);
	assert_int_equal(e->fb.privmsgs, 1);       /* whisper to a proxy goes out */
	e->fb.online = false;                      /* offline: published as it is */
	assert_int_equal(hub_privmsg(e->hub, alice, "bobby", 5, "hi", 2), HUB_OK);
	assert_int_equal(e->fb.published, 2);
	assert_int_equal(e->fb.last_kind, HUB_EV_PRIVMSG);
	assert_true(e->fb.last_id != 0);
	e->fb.online = true;
	assert_int_equal(hub_rename(e->hub, alice, "alicia", 6), HUB_OK);
	assert_int_equal(e->fb.last_kind, HUB_EV_NICK);
	assert_string_equal(e->fb.last_from, "alice");
	/* Names are shared: a proxy's name cannot be taken locally. */
	struct hub_user *dup;
	assert_int_equal(hub_register(e->hub, "BOBBY", 5, &fake_sink, &e->fakes[1], &dup),
			 HUB_NAME_TAKEN);
	env_free(e);
}

static void test_lines_are_delivered_when_they_come_back(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	world_clear(&e->w);
	assert_int_equal(hub_say(e->hub, alice, room, "hello", 5), HUB_OK);
	assert_int_equal(e->fb.said, 1);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 0); /* not yet */
	hub_bus_say(e->hub, room, 77, 1000, "alice", 5, "a@h", 3, "hello", 5);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 1);
	assert_int_equal(e->w.recs[0].id, 77);
	/* Offline: delivered at once with a local id, above every network id
	 * this node has seen. */
	e->fb.online = false;
	hub_say(e->hub, alice, room, "local", 5);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 2);
	assert_true(e->w.recs[e->w.n - 1].id > 77);
	/* Both are history for the next local joiner. */
	struct hub_user *amy = local(e, 1, "amy");
	hub_join(e->hub, amy, "#r", 2, NULL);
	assert_int_equal(hub_replay_history(e->hub, amy, room, SIZE_MAX, 0), 2);
	env_free(e);
}

static size_t echoes_to(const struct world *w, int to)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		n += w->recs[i].to == to && w->recs[i].echo;
	return n;
}

/* Every private line, kept or not, takes the network's id: nothing is
 * delivered until it comes back, then the recipient gets it and the
 * sender its echo, with that id. */
static void test_private_lines_are_delivered_when_they_come_back(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	local(e, 1, "ben");
	proxy(e, "bob");
	assert_int_equal(hub_privmsg(e->hub, alice, "ben", 3, "hi", 2), HUB_OK);
	assert_int_equal(e->fb.privmsgs, 1);
	assert_false(e->fb.last_keep); /* guests: not kept */
	assert_int_equal(e->w.n, 0);
	uint64_t id, ms;
	hub_last_privmsg(e->hub, &id, &ms);
	assert_int_equal(id, 0); /* no id yet: the echo comes with it */
	struct hub_bus_priv pm = {.id = 90, .time_ms = 5, .from = "alice", .from_len = 5,
				  .to = "ben", .to_len = 3, .text = "hi", .text_len = 2,
				  .from_here = true};
	hub_bus_privmsg(e->hub, &pm);
	assert_int_equal(count_to(&e->w, 1, HUB_EV_PRIVMSG), 1);
	assert_int_equal(echoes_to(&e->w, 1), 0);
	assert_int_equal(echoes_to(&e->w, 0), 1);
	assert_int_equal(e->w.recs[0].id, 90);
	assert_int_equal(e->w.recs[1].id, 90);
	/* To another node's user: only the echo here. */
	world_clear(&e->w);
	pm.to = "bob";
	hub_bus_privmsg(e->hub, &pm);
	assert_int_equal(e->w.n, 1);
	assert_int_equal(echoes_to(&e->w, 0), 1);
	/* From another node's user: no echo, whoever it names. */
	world_clear(&e->w);
	pm = (struct hub_bus_priv){.id = 91, .from = "bob", .from_len = 3, .to = "alice",
				   .to_len = 5, .text = "yo", .text_len = 2};
	hub_bus_privmsg(e->hub, &pm);
	assert_int_equal(e->w.n, 1);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_PRIVMSG), 1);
	assert_int_equal(echoes_to(&e->w, 0), 0);
	/* Offline: delivered at once with a local id, no echo event. */
	world_clear(&e->w);
	e->fb.online = false;
	assert_int_equal(hub_privmsg(e->hub, alice, "ben", 3, "off", 3), HUB_OK);
	assert_int_equal(count_to(&e->w, 1, HUB_EV_PRIVMSG), 1);
	assert_int_equal(echoes_to(&e->w, 0), 0);
	hub_last_privmsg(e->hub, &id, &ms);
	assert_true(id != 0);
	env_free(e);
}

static void test_last_local_member_drops_interest_and_proxies(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_user *bob = proxy(e, "bob");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_join(e->hub, bob, "#r", 2, NULL);
	assert_int_equal(hub_room_size(room), 2);
	assert_int_equal(hub_leave(e->hub, alice, room, "", 0), HUB_OK);
	assert_int_equal(e->fb.interest_off, 1);
	assert_null(hub_find_room(e->hub, "#r", 2)); /* gone with its proxies */
	assert_int_equal(hub_user_room_count(bob), 0);
	assert_non_null(hub_find_user(e->hub, "bob", 3)); /* the proxy stays known */
	/* A proxy quitting tells local neighbours once, and nothing goes out. */
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_join(e->hub, bob, "#r", 2, NULL);
	int before = e->fb.published;
	world_clear(&e->w);
	hub_unregister(e->hub, bob, "gone", 4);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_QUIT), 1);
	assert_int_equal(e->fb.published, before);
	env_free(e);
}

/* Notices, TAGMSG and outsiders' lines: delivered here at once with their
 * style, handed to the bus as unnumbered (id 0) SAY or PRIVMSG, never kept
 * in history; those from other nodes reach local users only. */
static void test_relayed_messages_go_out_unnumbered(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_user *eve = local(e, 1, "eve");
	struct hub_user *bob = proxy(e, "bob");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_join(e->hub, bob, "#r", 2, NULL);
	world_clear(&e->w);
	int before = e->fb.published;
	/* eve is not in #r: an outsider's line. */
	hub_relay(e->hub, eve, room, NULL, HUB_STYLE_PLAIN, "psst", 4, NULL, 0);
	assert_int_equal(e->fb.published, before + 1);
	assert_true(e->fb.last_kind == HUB_EV_SAY && e->fb.last_id == 0);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 1);
	assert_int_equal(e->w.recs[0].id, 0);
	hub_relay(e->hub, alice, NULL, bob, HUB_STYLE_NOTICE, "hi", 2, "+x=1", 4);
	assert_true(e->fb.last_kind == HUB_EV_PRIVMSG && e->fb.last_id == 0);
	assert_int_equal(e->fb.last_style, HUB_STYLE_NOTICE);
	assert_int_equal(e->fb.said, 0); /* not a room line */
	struct hub_user *amy = local(e, 2, "amy");
	hub_join(e->hub, amy, "#r", 2, NULL);
	assert_int_equal(hub_replay_history(e->hub, amy, room, SIZE_MAX, 0), 0);
	/* From another node: to the local members, nothing back to the bus. */
	world_clear(&e->w);
	before = e->fb.published;
	hub_bus_relay(e->hub, room, NULL, HUB_STYLE_TAGMSG, "bob", 3, "x@remote", 8, "", 0,
		      "+typing=active", 14);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 1);
	assert_int_equal(count_to(&e->w, 2, HUB_EV_SAY), 1);
	hub_bus_relay(e->hub, NULL, eve, HUB_STYLE_NOTICE, "bob", 3, "x@remote", 8, "yo", 2,
		      NULL, 0);
	assert_int_equal(count_to(&e->w, 1, HUB_EV_PRIVMSG), 1);
	hub_bus_relay(e->hub, NULL, bob, HUB_STYLE_NOTICE, "eve", 3, "", 0, "no", 2, NULL, 0);
	assert_int_equal(e->fb.published, before);
	env_free(e);
}

/* A proxy is killed through the bus (its node disconnects it); offline,
 * it cannot be. */
static void test_kill_of_a_proxy_goes_to_the_bus(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_user *bob = proxy(e, "bob");
	assert_true(hub_kill(e->hub, alice, bob, "spam", 4));
	assert_string_equal(e->fb.killed, "bob");
	e->fb.online = false;
	assert_false(hub_kill(e->hub, NULL, bob, "", 0));
	env_free(e);
}

static struct store_line line(uint64_t id, const char *text)
{
	return (struct store_line){.id = id, .time_ms = id, .from = "bob", .from_len = 3,
				   .text = text, .text_len = strlen(text)};
}

static void test_backfill_puts_older_network_lines_first(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_bus_say(e->hub, room, 50, 50, "bob", 3, "", 0, "live", 4);
	world_clear(&e->w);
	/* 49 is older than the live line and taken; 50 is the live line itself. */
	const struct store_line lines[] = {line(48, "a"), line(49, "b"), line(50, "live")};
	assert_int_equal(hub_bus_backfill(e->hub, room, lines, 3), 2);
	assert_int_equal(e->w.n, 2);
	assert_true(e->w.recs[0].replay && e->w.recs[0].id == 48 && e->w.recs[1].id == 49);
	/* The ring now reads 48, 49, 50 for the next joiner. */
	struct hub_user *amy = local(e, 1, "amy");
	hub_join(e->hub, amy, "#r", 2, NULL);
	world_clear(&e->w);
	assert_int_equal(hub_replay_history(e->hub, amy, room, SIZE_MAX, 0), 3);
	assert_true(e->w.recs[0].id == 48 && e->w.recs[2].id == 50);
	/* Never more than --history lines (10 here). */
	struct store_line many[20];
	for (int i = 0; i < 20; i++)
		many[i] = line((uint64_t)i + 1, "x");
	assert_int_equal(hub_bus_backfill(e->hub, room, many, 20), 7);
	env_free(e);
}

static void count_line(void *ctx, const struct store_line *l)
{
	(void)l;
	++*(size_t *)ctx;
}

static void test_backfill_with_a_store_delivers_only_missed_lines(void **state)
{
	(void)state;
	struct env *e = env_new();
	hub_destroy(e->hub);
	struct store *st = store_memory_create(0);
	struct hub_config cfg = {.history = 10, .bus = &e->bus, .store = st};
	e->hub = hub_create(&cfg);
	for (uint64_t id = 1; id <= 3; id++) {
		struct store_line l = line(id, "old");
		l.room = "#r", l.room_len = 2;
		st->ops->append_room(st->impl, &l);
	}
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	world_clear(&e->w);
	assert_int_equal(hub_replay_history(e->hub, alice, room, SIZE_MAX, 0), 3);
	world_clear(&e->w);
	/* 4 and 5 were said between the replay and the subscription. */
	const struct store_line lines[] = {line(2, "old"), line(3, "old"), line(4, "d"),
					   line(5, "e")};
	assert_int_equal(hub_bus_backfill(e->hub, room, lines, 4), 2);
	assert_int_equal(e->w.n, 2);
	assert_true(!e->w.recs[0].replay && e->w.recs[0].id == 4 && e->w.recs[1].id == 5);
	/* A live line that arrived first is not delivered twice. */
	hub_bus_say(e->hub, room, 6, 6, "bob", 3, "", 0, "f", 1);
	const struct store_line again[] = {line(5, "e"), line(6, "f")};
	assert_int_equal(hub_bus_backfill(e->hub, room, again, 2), 0);
	/* Delivered lines are kept in the store for history. */
	struct store_query q = {.anchor = STORE_LATEST, .limit = 10};
	size_t n = 0;
	assert_int_equal(hub_history(e->hub, "#r", 2, &q, count_line, &n), 6);
	assert_int_equal(n, 6);
	env_free(e);
	st->ops->destroy(st->impl);
}

/* The ids of the SAY lines `to` got, in delivery order. */
static size_t said_ids(const struct world *w, int to, uint64_t *ids, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n && n < max; i++)
		if (w->recs[i].to == to && w->recs[i].kind == HUB_EV_SAY)
			ids[n++] = w->recs[i].id;
	return n;
}

static void bus_line(struct env *e, struct hub_room *room, uint64_t id, const char *text)
{
	hub_bus_say(e->hub, room, id, id, "bob", 3, "", 0, text, strlen(text));
}

/* A joiner that replays nothing (IRC, the web page: they ask with
 * CHATHISTORY) is this node's first member of a room with stored lines:
 * the after-subscribe read must not hand it those lines as if said now,
 * only the ones said after it joined. */
static void test_a_first_joiner_without_replay_gets_only_later_lines(void **state)
{
	(void)state;
	struct env *e = env_new();
	hub_destroy(e->hub);
	struct store *st = store_memory_create(0);
	struct hub_config cfg = {.history = 10, .bus = &e->bus, .store = st};
	e->hub = hub_create(&cfg);
	for (uint64_t id = 1; id <= 3; id++) {
		struct store_line l = line(id, "old");
		l.room = "#r", l.room_len = 2;
		st->ops->append_room(st->impl, &l);
	}
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_bus_hold(e->hub, room);
	world_clear(&e->w);
	/* 4 was said between the join and the subscription. */
	const struct store_line read[] = {line(2, "old"), line(3, "old"), line(4, "new")};
	assert_int_equal(hub_bus_backfill(e->hub, room, read, 3), 1);
	uint64_t ids[4];
	assert_int_equal(said_ids(&e->w, 0, ids, 4), 1);
	assert_int_equal(ids[0], 4);
	env_free(e);
	st->ops->destroy(st->impl);
}

/* The race seen in cluster mode: line 1 was said before this node's
 * subscription took effect (only the after-subscribe read has it), line 2
 * after (pub/sub brings it before the read's reply, on its own link). */
static void test_a_line_from_pubsub_waits_for_the_read(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_bus_hold(e->hub, room);
	world_clear(&e->w);
	bus_line(e, room, 2, "other0");
	bus_line(e, room, 3, "line1"); /* after the read ran: not in it */
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 0); /* held */
	const struct store_line read[] = {line(1, "line0"), line(2, "other0")};
	hub_bus_backfill(e->hub, room, read, 2);
	uint64_t ids[8];
	assert_int_equal(said_ids(&e->w, 0, ids, 8), 3);
	assert_true(ids[0] == 1 && ids[1] == 2 && ids[2] == 3);
	/* A pub/sub copy of a line the read had, arriving after it, and a
	 * repeat, are dropped; a newer line goes out at once. */
	bus_line(e, room, 3, "line1");
	bus_line(e, room, 2, "other0");
	bus_line(e, room, 4, "other1");
	assert_int_equal(said_ids(&e->w, 0, ids, 8), 4);
	assert_true(ids[3] == 4);
	/* The ring holds each line once, in order, for the next joiner. */
	struct hub_user *amy = local(e, 1, "amy");
	hub_join(e->hub, amy, "#r", 2, NULL);
	world_clear(&e->w);
	assert_int_equal(hub_replay_history(e->hub, amy, room, SIZE_MAX, 0), 4);
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(e->w.recs[i].id, i + 1);
	env_free(e);
}

static void test_held_lines_are_merged_by_id_with_a_store(void **state)
{
	(void)state;
	struct env *e = env_new();
	hub_destroy(e->hub);
	struct store *st = store_memory_create(0);
	struct hub_config cfg = {.history = 10, .bus = &e->bus, .store = st};
	e->hub = hub_create(&cfg);
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_bus_hold(e->hub, room);
	world_clear(&e->w);
	/* Pub/sub out of the read's order, with a duplicate of a read line. */
	bus_line(e, room, 5, "e");
	bus_line(e, room, 3, "c");
	bus_line(e, room, 4, "d");
	const struct store_line read[] = {line(1, "a"), line(2, "b"), line(3, "c")};
	/* 1 and 2 were said before the subscription; 3 came live too. */
	assert_int_equal(hub_bus_backfill(e->hub, room, read, 3), 2);
	uint64_t ids[8];
	assert_int_equal(said_ids(&e->w, 0, ids, 8), 5);
	for (uint64_t i = 0; i < 5; i++)
		assert_int_equal(ids[i], i + 1);
	env_free(e);
	st->ops->destroy(st->impl);
}

/* The read runs behind a burst of the node's own lines on the command
 * link: it sees only the newest lines, while pub/sub brought them all. */
static void test_held_lines_older_than_the_read_still_go_out(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	hub_bus_hold(e->hub, room);
	world_clear(&e->w);
	for (uint64_t id = 1; id <= 5; id++)
		bus_line(e, room, id, "x");
	const struct store_line read[] = {line(4, "x"), line(5, "x")};
	assert_int_equal(hub_bus_backfill(e->hub, room, read, 2), 0);
	uint64_t ids[8];
	assert_int_equal(said_ids(&e->w, 0, ids, 8), 5);
	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(ids[i], i + 1);
		assert_false(e->w.recs[i].replay);
	}
	env_free(e);
}

/* A second local joiner's replay from the store stops at the newest line
 * the bus delivered here: newer ones are on their way to it live. */
static void test_a_later_joiner_replays_only_what_the_bus_delivered(void **state)
{
	(void)state;
	struct env *e = env_new();
	hub_destroy(e->hub);
	struct store *st = store_memory_create(0);
	struct hub_config cfg = {.history = 10, .bus = &e->bus, .store = st};
	e->hub = hub_create(&cfg);
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	for (uint64_t id = 1; id <= 3; id++)
		bus_line(e, room, id, "x");
	for (uint64_t id = 4; id <= 5; id++) { /* stored, not yet back here */
		struct store_line l = line(id, "x");
		l.room = "#r", l.room_len = 2;
		st->ops->append_room(st->impl, &l);
	}
	struct hub_user *amy = local(e, 1, "amy");
	hub_join(e->hub, amy, "#r", 2, NULL);
	world_clear(&e->w);
	assert_int_equal(hub_replay_history(e->hub, amy, room, SIZE_MAX, 0), 3);
	bus_line(e, room, 4, "x");
	bus_line(e, room, 5, "x");
	uint64_t ids[8];
	assert_int_equal(said_ids(&e->w, 1, ids, 8), 5);
	for (uint64_t i = 0; i < 5; i++)
		assert_int_equal(ids[i], i + 1);
	env_free(e);
	st->ops->destroy(st->impl);
}

/* Redis restarted without its data: the id counter starts again, and the
 * new subscription's lines are judged by its own read, not the old ids. */
static void test_a_new_subscription_restarts_the_duplicate_check(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	bus_line(e, room, 10, "old");
	hub_bus_hold(e->hub, room);
	hub_bus_backfill(e->hub, room, NULL, 0); /* empty stream */
	world_clear(&e->w);
	bus_line(e, room, 1, "new");
	assert_int_equal(count_to(&e->w, 0, HUB_EV_SAY), 1);
	env_free(e);
}

static void test_room_state_fills_only_what_is_unset(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	hub_join(e->hub, alice, "#r", 2, &room);
	world_clear(&e->w);
	struct hub_room_modes m = {.flags = HUB_ROOM_MODERATED, .limit = 5, .key = "k"};
	hub_bus_room_state(e->hub, room, "net topic", 9, "bob", 3, 1234, &m);
	size_t len;
	assert_string_equal(hub_room_topic(room, &len), "net topic");
	assert_string_equal(hub_room_topic_setter(room), "bob");
	assert_int_equal(hub_room_topic_ms(room), 1234);
	assert_int_equal(hub_room_modes(room)->limit, 5);
	assert_int_equal(e->w.n, 0); /* nobody was told */
	/* A local change made first wins. */
	hub_set_topic(e->hub, alice, room, "mine", 4);
	struct hub_room_modes other = {.flags = HUB_ROOM_SECRET};
	hub_bus_room_state(e->hub, room, "late", 4, "bob", 3, 99, &other);
	assert_string_equal(hub_room_topic(room, &len), "mine");
	assert_int_equal(hub_room_modes(room)->flags, HUB_ROOM_MODERATED);
	env_free(e);
}

static uint32_t flags_of(const struct hub_user *u, const struct hub_room *room)
{
	return hub_member_flags(hub_membership(u, room));
}

/* Online, the network decides who is first: no local joiner is made
 * operator by the hub; offline, the first local joiner is, as alone. */
static void test_the_network_decides_the_first_operator(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice"), *bob = proxy(e, "bob");
	struct hub_room *room;
	assert_int_equal(hub_join(e->hub, alice, "#r", 2, &room), HUB_OK);
	assert_int_equal(flags_of(alice, room), 0);
	assert_int_equal(hub_join(e->hub, bob, "#r", 2, NULL), HUB_OK);
	assert_int_equal(flags_of(bob, room), 0);
	e->fb.online = false;
	struct hub_user *carol = local(e, 1, "carol");
	assert_int_equal(hub_join(e->hub, carol, "#alone", 6, &room), HUB_OK);
	assert_int_equal(flags_of(carol, room), HUB_MEMBER_OP);
	env_free(e);
}

/* The console's moderation goes to the bus (with no user); nothing done
 * while the bus is applying does, the console's included. */
static void test_console_acts_reach_the_bus_applied_ones_do_not(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	assert_int_equal(hub_join(e->hub, alice, "#r", 2, &room), HUB_OK);
	int before = e->fb.published;
	assert_int_equal(hub_ban_add(e->hub, NULL, room, "eve!*@*", 7), HUB_OK);
	assert_int_equal(e->fb.published, before + 1);
	assert_int_equal(e->fb.last_kind, HUB_EV_BAN);
	assert_string_equal(e->fb.last_from, HUB_CONSOLE_NAME);
	hub_set_member_flags(e->hub, NULL, room, alice, HUB_MEMBER_OP);
	assert_int_equal(e->fb.published, before + 2);
	assert_int_equal(e->fb.last_kind, HUB_EV_MODE);
	hub_bus_applying(e->hub, true);
	assert_int_equal(hub_ban_remove(e->hub, NULL, room, "EVE!*@*", 7), HUB_OK);
	hub_set_member_flags(e->hub, NULL, room, alice, 0);
	hub_bus_applying(e->hub, false);
	assert_int_equal(e->fb.published, before + 2);
	assert_int_equal(count_to(&e->w, 0, HUB_EV_BAN), 2); /* members still told */
	/* A loaded ban is silent, keeps its setter and time, and binds. */
	assert_true(hub_bus_ban_load(e->hub, room, "mal*!*@*", 8, "op", 2, 1234));
	assert_false(hub_bus_ban_load(e->hub, room, "MAL*!*@*", 8, "op", 2, 1234));
	assert_int_equal(count_to(&e->w, 0, HUB_EV_BAN), 2);
	assert_string_equal(hub_room_ban(room, 0)->setter, "op");
	assert_true(hub_room_ban(room, 0)->time_ms == 1234);
	assert_true(hub_room_banned(room, "mallory!m@host", 14));
	env_free(e);
}

/* Operators are unknown from the subscription until the lists are read. */
static void test_a_room_is_loading_until_its_lists_are_taken(void **state)
{
	(void)state;
	struct env *e = env_new();
	struct hub_user *alice = local(e, 0, "alice");
	struct hub_room *room;
	assert_int_equal(hub_join(e->hub, alice, "#r", 2, &room), HUB_OK);
	assert_false(hub_bus_loading(room));
	hub_bus_hold(e->hub, room);
	assert_true(hub_bus_loading(room));
	hub_bus_backfill(e->hub, room, NULL, 0);
	assert_true(hub_bus_loading(room));
	hub_bus_lists_taken(room);
	assert_false(hub_bus_loading(room));
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_actions_reach_the_bus_proxy_actions_do_not),
		cmocka_unit_test(test_relayed_messages_go_out_unnumbered),
		cmocka_unit_test(test_kill_of_a_proxy_goes_to_the_bus),
		cmocka_unit_test(test_the_network_decides_the_first_operator),
		cmocka_unit_test(test_console_acts_reach_the_bus_applied_ones_do_not),
		cmocka_unit_test(test_a_room_is_loading_until_its_lists_are_taken),
		cmocka_unit_test(test_lines_are_delivered_when_they_come_back),
		cmocka_unit_test(test_private_lines_are_delivered_when_they_come_back),
		cmocka_unit_test(test_last_local_member_drops_interest_and_proxies),
		cmocka_unit_test(test_backfill_puts_older_network_lines_first),
		cmocka_unit_test(test_backfill_with_a_store_delivers_only_missed_lines),
		cmocka_unit_test(test_room_state_fills_only_what_is_unset),
		cmocka_unit_test(test_a_line_from_pubsub_waits_for_the_read),
		cmocka_unit_test(test_held_lines_are_merged_by_id_with_a_store),
		cmocka_unit_test(test_a_first_joiner_without_replay_gets_only_later_lines),
		cmocka_unit_test(test_held_lines_older_than_the_read_still_go_out),
		cmocka_unit_test(test_a_later_joiner_replays_only_what_the_bus_delivered),
		cmocka_unit_test(test_a_new_subscription_restarts_the_duplicate_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
