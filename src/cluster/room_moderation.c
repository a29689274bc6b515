/* room_moderation: who runs a room, network-wide — operator and voice
 * flags and ban lists kept in Redis beside the membership, the atomic
 * decision of who is a room's first member (its operator), and reading
 * both back when this node subscribes to a room. See docs/CLUSTER.md
 * ("Room operators and bans"). */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "util/alloc.h"

/* KEYS: room hash, room flags; ARGV: lower name, node. The joiner is the
 * room's first member, and so its operator, if nobody was in the room
 * hash: decided here, where every node's joins are serialised. */
static const char JOIN_LUA[] =
	"local first = redis.call('HLEN', KEYS[1]) == 0\n"
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"if first then redis.call('HSET', KEYS[2], ARGV[1], '1') return 1 end\n"
	"return 0\n";

/* KEYS: room flags; ARGV: old lower name, new lower name. */
static const char RENAME_FLAGS_LUA[] =
	"local f = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"if f then redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HSET', KEYS[1], ARGV[2], f) end\n"
	"return 1\n";

struct member_ref {
	struct cluster *c;
	char room[HUB_ROOM_MAX + 1];
	char name[HUB_NAME_MAX + 1];
};

static struct member_ref *ref_of(struct cluster *c, const char *room, size_t room_len,
				 const char *name, size_t name_len)
{
	struct member_ref *ref = xcalloc(1, sizeof(*ref));
	ref->c = c;
	memcpy(ref->room, room, room_len < HUB_ROOM_MAX ? room_len : HUB_ROOM_MAX);
	memcpy(ref->name, name, name_len < HUB_NAME_MAX ? name_len : HUB_NAME_MAX);
	return ref;
}

/* Redis says the joiner was first: it becomes operator by the server's
 * MODE, which every node applies (and which writes the flag back). */
static void on_joined(struct redis_link *link, void *reply, void *priv)
{
	struct member_ref *ref = priv;
	struct cluster *c = ref->c;
	const redisReply *r = reply;
	(void)link;
	if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1 && c->hub && !c->stopping) {
		struct hub_room *room = hub_find_room(c->hub, ref->room, strlen(ref->room));
		struct hub_user *u = hub_find_user(c->hub, ref->name, strlen(ref->name));
		struct hub_member *m = room && u && !hub_user_is_proxy(u) ? hub_membership(u, room)
									 : NULL;
		if (m)
			hub_set_member_flags(c->hub, NULL, room, u,
					     hub_member_flags(m) | HUB_MEMBER_OP);
	}
	free(ref);
}

void cluster_join_claim(struct cluster *c, const struct hub_user *user,
			const struct hub_room *room)
{
	const char *rname = hub_room_name(room), *uname = hub_user_name(user);
	size_t rlen = hub_room_name_len(room), ulen = hub_user_name_len(user);
	char key[CLUSTER_KEY_MAX], flags[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX];
	cluster_key(key, "room:", rname, rlen);
	cluster_key(flags, "roomflags:", rname, rlen);
	size_t ln = cluster_lower(lname, uname, ulen);
	struct member_ref *ref = ref_of(c, rname, rlen, uname, ulen);
	const char *argv[] = {"EVAL", JOIN_LUA, "2", key, flags, lname, c->node};
	size_t lens[] = {4, strlen(JOIN_LUA), 1, strlen(key), strlen(flags), ln, c->node_len};
	if (!cluster_cmd(c, on_joined, ref, 7, argv, lens))
		free(ref);
	char set[CLUSTER_KEY_MAX], lroom[CLUSTER_KEY_MAX];
	snprintf(set, sizeof(set), "parley:noderooms:%s", c->node);
	size_t lr = cluster_lower(lroom, rname, rlen);
	const char *sadd[] = {"SADD", set, lroom};
	size_t slens[] = {4, strlen(set), lr};
	cluster_cmd(c, NULL, NULL, 3, sadd, slens);
}

void cluster_save_flags(struct cluster *c, const char *room, size_t room_len, const char *name,
			size_t name_len, uint32_t flags)
{
	char key[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX], num[16];
	cluster_key(key, "roomflags:", room, room_len);
	size_t ln = cluster_lower(lname, name, name_len);
	int n = snprintf(num, sizeof(num), "%u", (unsigned)flags);
	const char *argv[] = {flags ? "HSET" : "HDEL", key, lname, num};
	size_t lens[] = {4, strlen(key), ln, (size_t)n};
	cluster_cmd(c, NULL, NULL, flags ? 4 : 3, argv, lens);
}

void cluster_rename_flags(struct cluster *c, const char *room, size_t room_len, const char *old,
			  size_t old_len, const char *name, size_t name_len)
{
	char key[CLUSTER_KEY_MAX], lold[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX];
	cluster_key(key, "roomflags:", room, room_len);
	size_t lo = cluster_lower(lold, old, old_len), ln = cluster_lower(lname, name, name_len);
	const char *argv[] = {"EVAL", RENAME_FLAGS_LUA, "1", key, lold, lname};
	size_t lens[] = {4, strlen(RENAME_FLAGS_LUA), 1, strlen(key), lo, ln};
	cluster_cmd(c, NULL, NULL, 6, argv, lens);
}

/* A ban is kept as field lower(mask), value "TIME SETTER MASK". */
static void save_ban(struct cluster *c, const char *room, size_t room_len, const char *mask,
		     size_t mask_len, const char *setter, uint64_t time_ms, const char *verb)
{
	char key[CLUSTER_KEY_MAX], lmask[CLUSTER_KEY_MAX], value[HUB_MASK_MAX + HUB_NAME_MAX + 40];
	cluster_key(key, "roombans:", room, room_len);
	size_t lm = cluster_lower(lmask, mask, mask_len);
	int n = snprintf(value, sizeof(value), "%llu %s %.*s", (unsigned long long)time_ms, setter,
			 (int)mask_len, mask);
	const char *argv[] = {verb, key, lmask, value};
	size_t lens[] = {strlen(verb), strlen(key), lm, (size_t)n};
	cluster_cmd(c, NULL, NULL, verb[1] == 'D' ? 3 : 4, argv, lens);
}

void cluster_save_ban(struct cluster *c, const struct hub_event *ev)
{
	uint64_t now = c->cfg.now_ms ? c->cfg.now_ms(c->cfg.now_ctx) : 0;
	char setter[HUB_NAME_MAX + 1];
	snprintf(setter, sizeof(setter), "%.*s", (int)ev->from_len, ev->from);
	save_ban(c, ev->room, ev->room_len, ev->target, ev->target_len, setter, now,
		 ev->flags_new ? "HSET" : "HDEL");
}

void cluster_resave_room(struct cluster *c, const struct hub_room *room)
{
	const char *name = hub_room_name(room);
	size_t len = hub_room_name_len(room);
	for (const struct hub_member *m = hub_first_member(room); m; m = hub_next_member(m)) {
		const struct hub_user *u = hub_member_user(m);
		if (hub_user_is_proxy(u) || !hub_member_flags(m))
			continue;
		cluster_save_flags(c, name, len, hub_user_name(u), hub_user_name_len(u),
				   hub_member_flags(m));
		/* Nodes that re-add this member on its JOIN learn its flags. */
		struct bus_msg mode = {.kind = BUS_MODE,
				       .node = {c->node, c->node_len},
				       .room = {name, len},
				       .target = {hub_user_name(u), hub_user_name_len(u)},
				       .a = hub_member_flags(m)};
		cluster_publish_room(c, &mode);
	}
	for (size_t i = 0; i < hub_room_ban_count(room); i++) {
		const struct hub_ban *b = hub_room_ban(room, i);
		save_ban(c, name, len, b->mask, strlen(b->mask), b->setter, b->time_ms, "HSETNX");
	}
}

/* ---- reading back, after subscribing ---- */

enum { READ_TRIES = 8 };

struct room_ref {
	struct cluster *c;
	uint64_t epoch; /* c->lists_epoch when the read was sent */
	unsigned tries;
	redis_reply_fn *fn;
	char key[CLUSTER_KEY_MAX];
	char room[HUB_ROOM_MAX + 1];
};

static void read_send(struct room_ref *ref)
{
	ref->epoch = ref->c->lists_epoch;
	ref->tries++;
	const char *argv[] = {"HGETALL", ref->key};
	size_t lens[] = {7, strlen(ref->key)};
	if (!cluster_cmd(ref->c, ref->fn, ref, 2, argv, lens))
		free(ref);
}

/* The room the read was for, or NULL (then `ref` is taken care of). A
 * flag or ban changed live while the read was on its way may be newer
 * than what it brings, so it is sent again (a few times at most), after
 * that change, which Redis had before it was published. */
static struct hub_room *room_of(struct room_ref *ref, const redisReply *r)
{
	struct cluster *c = ref->c;
	struct hub_room *room = r && r->type == REDIS_REPLY_ARRAY && c->hub && !c->stopping
					? hub_find_room(c->hub, ref->room, strlen(ref->room))
					: NULL;
	if (!room) {
		free(ref);
		return NULL;
	}
	if (c->lists_epoch != ref->epoch && ref->tries < READ_TRIES) {
		read_send(ref);
		return NULL;
	}
	return room;
}

static void set_flags(struct cluster *c, struct hub_room *room, struct hub_user *u,
		      uint32_t flags)
{
	struct hub_member *m = hub_membership(u, room);
	if (!m || hub_member_flags(m) == flags)
		return;
	hub_bus_applying(c->hub, true);
	hub_set_member_flags(c->hub, NULL, room, u, flags);
	hub_bus_applying(c->hub, false);
}

static bool listed(const redisReply *r, const char *name, size_t len)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i];
		if (k->type != REDIS_REPLY_STRING || k->len != len)
			continue;
		size_t j = 0;
		while (j < len && (name[j] >= 'A' && name[j] <= 'Z' ? name[j] - 'A' + 'a' : name[j]) ==
					  k->str[j])
			j++;
		if (j == len)
			return true;
	}
	return false;
}

/* The members' flags as the network keeps them, local members' included:
 * a change made elsewhere while this node was subscribing reached it only
 * here. A member missing from the hash has none. */
static void on_room_flags(struct redis_link *link, void *reply, void *priv)
{
	struct room_ref *ref = priv;
	const redisReply *r = reply;
	struct hub_room *room = room_of(ref, r);
	(void)link;
	if (!room)
		return;
	for (size_t i = 0; room && i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		struct hub_user *u = hub_find_user(ref->c->hub, k->str, k->len);
		if (u)
			set_flags(ref->c, room, u,
				  (uint32_t)strtoul(v->str, NULL, 10) &
					  (HUB_MEMBER_OP | HUB_MEMBER_VOICE));
		room = hub_find_room(ref->c->hub, ref->room, strlen(ref->room));
	}
	/* Flags here that the network no longer has; names first, since
	 * nothing may change the room while its members are walked. */
	size_t n = 0;
	char(*names)[HUB_NAME_MAX + 1] = NULL;
	if (room) {
		names = xcalloc(hub_room_size(room) + 1, sizeof(*names));
		for (struct hub_member *m = hub_first_member(room); m; m = hub_next_member(m)) {
			const struct hub_user *u = hub_member_user(m);
			if (hub_member_flags(m) && !listed(r, hub_user_name(u), hub_user_name_len(u)))
				memcpy(names[n++], hub_user_name(u), hub_user_name_len(u) + 1);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct hub_user *u = hub_find_user(ref->c->hub, names[i], strlen(names[i]));
		room = hub_find_room(ref->c->hub, ref->room, strlen(ref->room));
		if (u && room)
			set_flags(ref->c, room, u, 0);
	}
	free(names);
	if ((room = hub_find_room(ref->c->hub, ref->room, strlen(ref->room))))
		hub_bus_lists_taken(room);
	free(ref);
}

struct loaded_ban {
	uint64_t time_ms;
	const char *setter, *mask;
	size_t setter_len, mask_len;
};

static int by_time(const void *a, const void *b)
{
	const struct loaded_ban *x = a, *y = b;
	return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

/* "TIME SETTER MASK" as save_ban() writes it. */
static bool ban_parse(const redisReply *v, struct loaded_ban *out)
{
	if (v->type != REDIS_REPLY_STRING)
		return false;
	const char *p = v->str, *end = v->str + v->len;
	const char *sp1 = memchr(p, ' ', v->len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	if (!sp2 || sp2 + 1 == end)
		return false;
	out->time_ms = strtoull(p, NULL, 10);
	out->setter = sp1 + 1;
	out->setter_len = (size_t)(sp2 - sp1 - 1);
	out->mask = sp2 + 1;
	out->mask_len = (size_t)(end - sp2 - 1);
	return true;
}

/* A local member the list now bans is removed, as if an operator had
 * kicked it on joining: it joined before this node knew the list. Names
 * first, kicks after: a kick may drop the room. */
static void kick_banned(struct cluster *c, struct hub_room *room)
{
	char room_name[HUB_ROOM_MAX + 1];
	snprintf(room_name, sizeof(room_name), "%s", hub_room_name(room));
	size_t n = 0, cap = hub_room_size(room);
	char(*names)[HUB_NAME_MAX + 1] = xcalloc(cap ? cap : 1, sizeof(*names));
	for (struct hub_member *m = hub_first_member(room); m && n < cap; m = hub_next_member(m)) {
		struct hub_user *u = hub_member_user(m);
		size_t olen;
		const char *origin = hub_user_origin(u, &olen);
		char who[HUB_NAME_MAX + HUB_ORIGIN_MAX + 2];
		/* A user without an origin (chat) is matched by name. */
		int len = origin && olen ? snprintf(who, sizeof(who), "%s!%.*s", hub_user_name(u),
						    (int)olen, origin)
					 : snprintf(who, sizeof(who), "%s!%s@", hub_user_name(u),
						    hub_user_name(u));
		if (!hub_user_is_proxy(u) && hub_room_banned(room, who, (size_t)len))
			memcpy(names[n++], hub_user_name(u), hub_user_name_len(u) + 1);
	}
	for (size_t i = 0; i < n; i++) {
		struct hub_room *r = hub_find_room(c->hub, room_name, strlen(room_name));
		struct hub_user *u = r ? hub_find_user(c->hub, names[i], strlen(names[i])) : NULL;
		if (u && hub_membership(u, r))
			hub_kick(c->hub, NULL, r, u, "Banned", 6);
	}
	free(names);
}

static void on_room_bans(struct redis_link *link, void *reply, void *priv)
{
	struct room_ref *ref = priv;
	const redisReply *r = reply;
	struct hub_room *room = room_of(ref, r);
	(void)link;
	if (!room)
		return;
	if (r->elements >= 2) {
		struct loaded_ban *bans = xcalloc(r->elements / 2, sizeof(*bans));
		size_t n = 0;
		for (size_t i = 0; i + 1 < r->elements; i += 2)
			if (ban_parse(r->element[i + 1], &bans[n]))
				n++;
		qsort(bans, n, sizeof(*bans), by_time);
		bool added = false;
		for (size_t i = 0; i < n; i++)
			added |= hub_bus_ban_load(ref->c->hub, room, bans[i].mask, bans[i].mask_len,
						  bans[i].setter, bans[i].setter_len,
						  bans[i].time_ms);
		free(bans);
		if (added)
			kick_banned(ref->c, room);
	}
	free(ref);
}

static void read_hash(struct cluster *c, const char *what, const char *room, size_t len,
		      redis_reply_fn *fn)
{
	struct room_ref *ref = xcalloc(1, sizeof(*ref));
	ref->c = c;
	ref->fn = fn;
	cluster_key(ref->key, what, room, len);
	memcpy(ref->room, room, len < HUB_ROOM_MAX ? len : HUB_ROOM_MAX);
	read_send(ref);
}

void cluster_room_load_moderation(struct cluster *c, const char *room, size_t len)
{
	read_hash(c, "roombans:", room, len, on_room_bans);
	read_hash(c, "roomflags:", room, len, on_room_flags);
}
