/* publish: the hub's bus seam on this node — local users' registrations,
 * renames, room events and private lines to other nodes go to Redis. Room
 * lines go through one Lua script that numbers, stores and publishes them,
 * so every node delivers a room's lines in the same order. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "util/alloc.h"
#include "util/log.h"

/* KEYS: name key, users hash, presence channel; ARGV: node, lower name,
 * user record, message to publish, lower old name or "". The name is ours
 * if free, already ours, or held by a node whose lease has lapsed. */
static const char CLAIM_LUA[] =
	"local owner = redis.call('GET', KEYS[1])\n"
	"if owner and owner ~= ARGV[1] and redis.call('EXISTS', 'parley:node:' .. owner) == 1 then\n"
	"  return 0\n"
	"end\n"
	"redis.call('SET', KEYS[1], ARGV[1])\n"
	"if ARGV[5] ~= '' and ARGV[5] ~= ARGV[2] then\n"
	"  if redis.call('GET', 'parley:name:' .. ARGV[5]) == ARGV[1] then\n"
	"    redis.call('DEL', 'parley:name:' .. ARGV[5])\n"
	"  end\n"
	"  redis.call('HDEL', KEYS[2], ARGV[5])\n"
	"end\n"
	"redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])\n"
	"redis.call('PUBLISH', KEYS[3], ARGV[4])\n"
	"return 1\n";

/* KEYS: name key, users hash; ARGV: node, lower name. */
static const char RELEASE_LUA[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
	"redis.call('HDEL', KEYS[2], ARGV[2])\n"
	"return 1\n";

/* KEYS: id counter, stream, room channel; ARGV: kind letter, message tail,
 * lines kept ("0": no limit). The entry's stream id is "<id>-0", the
 * line's message id (cluster/stream_range.h). A stream an older scheme
 * wrote (ids from the clock, or a counter reset since) refuses the id and
 * is started afresh rather than losing the line. */
static const char SAY_LUA[] =
	"local id = tostring(redis.call('INCR', KEYS[1]))\n"
	"local msg = ARGV[1] .. string.len(id) .. ':' .. id .. ',' .. ARGV[2]\n"
	"local args = {KEYS[2]}\n"
	"if ARGV[3] ~= '0' then args = {KEYS[2], 'MAXLEN', '~', ARGV[3]} end\n"
	"table.insert(args, id .. '-0')\n"
	"table.insert(args, 'm')\n"
	"table.insert(args, msg)\n"
	"local r = redis.pcall('XADD', unpack(args))\n"
	"if type(r) == 'table' and r.err then\n"
	"  redis.call('DEL', KEYS[2])\n"
	"  redis.call('XADD', unpack(args))\n"
	"end\n"
	"redis.call('PUBLISH', KEYS[3], msg)\n"
	"return id\n";

/* KEYS: room hash, room state, room flags, room bans; ARGV: lower name.
 * A room nobody is in any more, network-wide, loses its topic, modes and
 * bans, as a single server's room does. */
static const char LEAVE_LUA[] =
	"redis.call('HDEL', KEYS[1], ARGV[1])\n"
	"redis.call('HDEL', KEYS[3], ARGV[1])\n"
	"if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3], KEYS[4]) end\n"
	"return 1\n";

/* KEYS: room channel; ARGV: this node. Records of the room's members on
 * other (live) nodes. */
static const char ROOM_USERS_LUA[] =
	"local out = {}\n"
	"local h = redis.call('HGETALL', KEYS[1])\n"
	"for i = 1, #h, 2 do\n"
	"  local n = h[i + 1]\n"
	"  if n ~= ARGV[1] and redis.call('EXISTS', 'parley:node:' .. n) == 1 then\n"
	"    local rec = redis.call('HGET', 'parley:users:' .. n, h[i])\n"
	"    if rec then table.insert(out, rec) end\n"
	"  end\n"
	"end\n"
	"return out\n";

static struct bus_str str_of(const char *p, size_t len)
{
	return (struct bus_str){p ? p : "", p ? len : 0};
}

static struct bus_msg msg_of(const struct cluster *c, enum bus_kind kind,
			     const struct hub_event *ev)
{
	struct bus_msg m = {
		.kind = kind,
		.id = ev->id,
		.time_ms = ev->time_ms,
		.node = {c->node, c->node_len},
		.room = str_of(ev->room, ev->room_len),
		/* No user: the node itself acted (console, operator grant). */
		.from = ev->user ? str_of(ev->from, ev->from_len) : str_of(NULL, 0),
		.origin = ev->user ? str_of(ev->origin, ev->origin_len) : str_of(NULL, 0),
		.target = str_of(ev->target, ev->target_len),
		.text = str_of(ev->text, ev->text_len),
	};
	return m;
}

static const char *encode(struct cluster *c, const struct bus_msg *m, bool with_id, size_t *len)
{
	c->scratch.start = c->scratch.end = 0;
	bus_msg_encode(m, with_id, &c->scratch);
	*len = buf_len(&c->scratch);
	return buf_head(&c->scratch);
}

static void publish_to(struct cluster *c, const char *chan, const struct bus_msg *m)
{
	size_t len;
	const char *p = encode(c, m, true, &len);
	const char *argv[] = {"PUBLISH", chan, p};
	size_t lens[] = {7, strlen(chan), len};
	if (cluster_cmd(c, NULL, NULL, 3, argv, lens))
		c->st.published++;
}

void cluster_publish_room(struct cluster *c, const struct bus_msg *m)
{
	char chan[CLUSTER_KEY_MAX];
	cluster_key(chan, "r:", m->room.p, m->room.len);
	publish_to(c, chan, m);
}

static void room_hash(struct cluster *c, const char *op, const char *room, size_t room_len,
		      const char *name, size_t name_len)
{
	char key[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX];
	cluster_key(key, "room:", room, room_len);
	size_t ln = cluster_lower(lname, name, name_len);
	const char *argv[] = {op, key, lname, c->node};
	size_t lens[] = {strlen(op), strlen(key), ln, c->node_len};
	cluster_cmd(c, NULL, NULL, op[1] == 'S' ? 4 : 3, argv, lens);
}

static void room_forget(struct cluster *c, const char *room, size_t room_len, const char *name,
			size_t name_len)
{
	char key[CLUSTER_KEY_MAX], state[CLUSTER_KEY_MAX], flags[CLUSTER_KEY_MAX],
		bans[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX];
	cluster_key(key, "room:", room, room_len);
	cluster_key(state, "roomstate:", room, room_len);
	cluster_key(flags, "roomflags:", room, room_len);
	cluster_key(bans, "roombans:", room, room_len);
	size_t ln = cluster_lower(lname, name, name_len);
	const char *argv[] = {"EVAL", LEAVE_LUA, "4", key, state, flags, bans, lname};
	size_t lens[] = {4, strlen(LEAVE_LUA), 1, strlen(key), strlen(state), strlen(flags),
			 strlen(bans), ln};
	cluster_cmd(c, NULL, NULL, 8, argv, lens);
}

/* Topic and modes outlive the node that set them, for later joiners. */
static void room_state_save(struct cluster *c, const struct hub_event *ev)
{
	char key[CLUSTER_KEY_MAX], num[24], modes[64];
	cluster_key(key, "roomstate:", ev->room, ev->room_len);
	if (ev->kind == HUB_EV_TOPIC) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)(c->cfg.now_ms ? c->cfg.now_ms(c->cfg.now_ctx) : 0));
		const char *argv[] = {"HSET", key, "topic", ev->text ? ev->text : "", "setter",
				      ev->from, "topic_ms", num};
		size_t lens[] = {4, strlen(key), 5, ev->text_len, 6, ev->from_len, 8, strlen(num)};
		cluster_cmd(c, NULL, NULL, 8, argv, lens);
	} else if (ev->modes_new) {
		int n = snprintf(modes, sizeof(modes), "%u %u %s", (unsigned)ev->modes_new->flags,
				 (unsigned)ev->modes_new->limit, ev->modes_new->key);
		const char *argv[] = {"HSET", key, "modes", modes};
		size_t lens[] = {4, strlen(key), 5, (size_t)n};
		cluster_cmd(c, NULL, NULL, 4, argv, lens);
	}
}

/* ---- names ---- */

struct claim {
	struct cluster *c;
	char name[HUB_NAME_MAX + 1];
};

/* A local user lost a race for its name: it gets a generated one, the way
 * IRC networks settle a nick collision. */
static void on_claimed(struct redis_link *link, void *reply, void *priv)
{
	struct claim *cl = priv;
	const redisReply *r = reply;
	struct cluster *c = cl->c;
	(void)link;
	if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 0 && c->hub && !c->stopping) {
		struct hub_user *u = hub_find_user(c->hub, cl->name, strlen(cl->name));
		if (u && !hub_user_is_proxy(u)) {
			c->st.collisions++;
			/* A generated name could itself be held: try a few. */
			for (int tries = 0; tries < 8; tries++) {
				char guest[HUB_NAME_MAX + 1];
				uint32_t mix = (c->guest_seq++ + 1) * 2654435761u ^
					       (uint32_t)c->st.published * 40503u;
				int n = snprintf(guest, sizeof(guest), "guest-%08x", (unsigned)mix);
				if (hub_rename(c->hub, u, guest, (size_t)n) == HUB_OK) {
					log_event(c->cfg.log, LOG_WARN, "CLUSTER_NAME_COLLISION",
						  "name=%s renamed=%s", cl->name, guest);
					break;
				}
			}
		}
	}
	free(cl);
}

static void claim_with(struct cluster *c, const struct hub_user *user, const struct bus_msg *announce,
		       const char *old, size_t old_len)
{
	const char *name = hub_user_name(user);
	size_t name_len = hub_user_name_len(user);
	char key[CLUSTER_KEY_MAX], users[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX],
		lold[CLUSTER_KEY_MAX];
	cluster_key(key, "name:", name, name_len);
	snprintf(users, sizeof(users), "parley:users:%s", c->node);
	size_t ln = cluster_lower(lname, name, name_len);
	size_t lo = old ? cluster_lower(lold, old, old_len) : 0;
	size_t olen;
	const char *origin = hub_user_origin(user, &olen);
	struct bus_msg rec = {.kind = BUS_USER, .node = {c->node, c->node_len},
			      .from = {name, name_len}, .origin = {origin, olen},
			      .a = hub_user_is_oper(c->hub, user),
			      .b = hub_user_logged_in(user)};
	struct buf record = BUF_INIT, msg = BUF_INIT;
	bus_msg_encode(&rec, true, &record);
	bus_msg_encode(announce ? announce : &rec, true, &msg);
	struct claim *cl = xcalloc(1, sizeof(*cl));
	cl->c = c;
	memcpy(cl->name, name, name_len);
	const char *argv[] = {"EVAL", CLAIM_LUA, "3", key, users, "parley:presence", c->node,
			      lname, buf_head(&record), buf_head(&msg), lold};
	size_t lens[] = {4, strlen(CLAIM_LUA), 1, strlen(key), strlen(users), 15, c->node_len,
			 ln, buf_len(&record), buf_len(&msg), lo};
	if (cluster_cmd(c, on_claimed, cl, 11, argv, lens))
		c->st.published++;
	else
		free(cl);
	buf_release(&record);
	buf_release(&msg);
}

void cluster_claim(struct cluster *c, const struct hub_user *user, const char *old, size_t old_len)
{
	claim_with(c, user, NULL, old, old_len);
}

static void release_name(struct cluster *c, const char *name, size_t len)
{
	char key[CLUSTER_KEY_MAX], users[CLUSTER_KEY_MAX], lname[CLUSTER_KEY_MAX];
	cluster_key(key, "name:", name, len);
	snprintf(users, sizeof(users), "parley:users:%s", c->node);
	size_t ln = cluster_lower(lname, name, len);
	const char *argv[] = {"EVAL", RELEASE_LUA, "2", key, users, c->node, lname};
	size_t lens[] = {4, strlen(RELEASE_LUA), 1, strlen(key), strlen(users), c->node_len, ln};
	cluster_cmd(c, NULL, NULL, 7, argv, lens);
}

/* ---- rooms ---- */

void cluster_note_member(struct cluster *c, const struct hub_user *user,
			 const struct hub_room *room)
{
	if (hub_user_is_proxy(user))
		return;
	const char *name = hub_room_name(room);
	size_t len = hub_room_name_len(room);
	room_hash(c, "HSET", name, len, hub_user_name(user), hub_user_name_len(user));
	char set[CLUSTER_KEY_MAX], lroom[CLUSTER_KEY_MAX];
	snprintf(set, sizeof(set), "parley:noderooms:%s", c->node);
	size_t lr = cluster_lower(lroom, name, len);
	const char *argv[] = {"SADD", set, lroom};
	size_t lens[] = {4, strlen(set), lr};
	cluster_cmd(c, NULL, NULL, 3, argv, lens);
}

void cluster_announce_member(struct cluster *c, const struct hub_user *user,
			     const struct hub_room *room)
{
	if (hub_user_is_proxy(user))
		return;
	cluster_note_member(c, user, room);
	size_t olen;
	const char *origin = hub_user_origin(user, &olen);
	struct bus_msg m = {
		.kind = BUS_JOIN,
		.node = {c->node, c->node_len},
		.room = {hub_room_name(room), hub_room_name_len(room)},
		.from = {hub_user_name(user), hub_user_name_len(user)},
		.origin = {origin, olen},
	};
	char chan[CLUSTER_KEY_MAX];
	cluster_key(chan, "r:", hub_room_name(room), hub_room_name_len(room));
	publish_to(c, chan, &m);
}

struct room_load {
	struct cluster *c;
	uint64_t seq; /* the members read's number (departures.h) */
	char room[HUB_ROOM_MAX + 1];
};

static void on_room_users(struct redis_link *link, void *reply, void *priv)
{
	struct room_load *rl = priv;
	struct cluster *c = rl->c;
	(void)link;
	if (reply && c->hub && !c->stopping) {
		struct hub_room *room = hub_find_room(c->hub, rl->room, strlen(rl->room));
		if (room)
			cluster_load_users(c, reply, room, rl->seq);
	}
	if (!c->stopping)
		cluster_read_done(c, rl->seq);
	free(rl);
}

/* The room's newest lines from its stream (newest first in the reply),
 * handed to the hub oldest first; an empty or refused read still ends the
 * room's hold (hub_bus_hold). A link that drops (NULL reply) leaves it to
 * the resubscription. */
static void on_room_history(struct redis_link *link, void *reply, void *priv)
{
	struct room_load *rl = priv;
	struct cluster *c = rl->c;
	const redisReply *r = reply;
	(void)link;
	struct hub_room *room = r && c->hub && !c->stopping
					? hub_find_room(c->hub, rl->room, strlen(rl->room))
					: NULL;
	if (room && r->type != REDIS_REPLY_ARRAY) {
		/* Refused: nothing read, but the held lines go out. */
		hub_bus_backfill(c->hub, room, NULL, 0);
		room = NULL;
	}
	if (room) {
		struct store_line *lines = xcalloc(r->elements + 1, sizeof(*lines));
		size_t n = 0;
		for (size_t i = r->elements; i-- > 0;) {
			const redisReply *e = r->element[i], *kv;
			struct bus_msg m;
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    (kv = e->element[1])->type != REDIS_REPLY_ARRAY || kv->elements != 2 ||
			    kv->element[1]->type != REDIS_REPLY_STRING ||
			    !bus_msg_decode(kv->element[1]->str, kv->element[1]->len, &m) ||
			    m.kind != BUS_SAY || (n && m.id <= lines[n - 1].id))
				continue;
			lines[n++] = (struct store_line){
				.id = m.id, .time_ms = m.time_ms,
				.room = m.room.p, .room_len = m.room.len,
				.from = m.from.p, .from_len = m.from.len,
				.origin = m.origin.p, .origin_len = m.origin.len,
				.text = m.text.p, .text_len = m.text.len,
			};
		}
		hub_bus_backfill(c->hub, room, lines, n);
		free(lines);
	}
	free(rl);
}

static const redisReply *field(const redisReply *r, const char *name)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[i]->str, name) == 0)
			return r->element[i + 1];
	return NULL;
}

/* "FLAGS LIMIT KEY" as room_state_save() writes it. */
static bool modes_parse(const redisReply *v, struct hub_room_modes *out)
{
	char text[64];
	if (!v || v->len >= sizeof(text))
		return false;
	memcpy(text, v->str, v->len);
	text[v->len] = '\0';
	unsigned flags, limit;
	int used = 0;
	if (sscanf(text, "%u %u %n", &flags, &limit, &used) != 2)
		return false;
	memset(out, 0, sizeof(*out));
	out->flags = flags;
	out->limit = limit;
	snprintf(out->key, sizeof(out->key), "%s", text + used);
	return true;
}

static void on_room_state(struct redis_link *link, void *reply, void *priv)
{
	struct room_load *rl = priv;
	struct cluster *c = rl->c;
	const redisReply *r = reply;
	(void)link;
	struct hub_room *room = r && r->type == REDIS_REPLY_ARRAY && r->elements && c->hub &&
					!c->stopping
					? hub_find_room(c->hub, rl->room, strlen(rl->room))
					: NULL;
	if (room) {
		const redisReply *topic = field(r, "topic"), *setter = field(r, "setter"),
				 *when = field(r, "topic_ms");
		struct hub_room_modes modes;
		bool have_modes = modes_parse(field(r, "modes"), &modes);
		hub_bus_room_state(c->hub, room, topic ? topic->str : "", topic ? topic->len : 0,
				   setter ? setter->str : "", setter ? setter->len : 0,
				   when ? strtoull(when->str, NULL, 10) : 0,
				   have_modes ? &modes : NULL);
	}
	free(rl);
}

void cluster_room_load(struct cluster *c, const char *room, size_t len)
{
	{
		char state[CLUSTER_KEY_MAX];
		cluster_key(state, "roomstate:", room, len);
		struct room_load *st = xcalloc(1, sizeof(*st));
		st->c = c;
		memcpy(st->room, room, len < HUB_ROOM_MAX ? len : HUB_ROOM_MAX);
		const char *argv[] = {"HGETALL", state};
		size_t lens[] = {7, strlen(state)};
		if (!cluster_cmd(c, on_room_state, st, 2, argv, lens))
			free(st);
	}
	if (c->cfg.history > 0) {
		char stream[CLUSTER_KEY_MAX], count[24];
		cluster_key(stream, "hist:", room, len);
		snprintf(count, sizeof(count), "%zu", c->cfg.history);
		struct room_load *h = xcalloc(1, sizeof(*h));
		h->c = c;
		memcpy(h->room, room, len < HUB_ROOM_MAX ? len : HUB_ROOM_MAX);
		const char *argv[] = {"XREVRANGE", stream, "+", "-", "COUNT", count};
		size_t lens[] = {9, strlen(stream), 1, 1, 5, strlen(count)};
		if (!cluster_cmd(c, on_room_history, h, 6, argv, lens))
			free(h);
	} else {
		struct hub_room *r = hub_find_room(c->hub, room, len);
		if (r) /* no read to wait for */
			hub_bus_backfill(c->hub, r, NULL, 0);
	}

	char key[CLUSTER_KEY_MAX];
	cluster_key(key, "room:", room, len);
	struct room_load *rl = xcalloc(1, sizeof(*rl));
	rl->c = c;
	memcpy(rl->room, room, len < HUB_ROOM_MAX ? len : HUB_ROOM_MAX);
	rl->seq = cluster_read_begin(c);
	const char *argv[] = {"EVAL", ROOM_USERS_LUA, "1", key, c->node};
	size_t lens[] = {4, strlen(ROOM_USERS_LUA), 1, strlen(key), c->node_len};
	if (!cluster_cmd(c, on_room_users, rl, 5, argv, lens)) {
		cluster_read_done(c, rl->seq); /* never sent: nothing to wait for */
		free(rl);
	}
	cluster_room_load_moderation(c, room, len);
}

/* The room's lines are held from now until the after-subscribe read
 * (cluster_room_load) is taken: one sent before the subscription took
 * effect comes only from the read, and must not be overtaken by a newer
 * one that pub/sub brings first. */
void cluster_room_subscribe(struct cluster *c, const struct hub_room *room)
{
	char chan[CLUSTER_KEY_MAX];
	cluster_key(chan, "r:", hub_room_name(room), hub_room_name_len(room));
	if (!cluster_subscribe(c, "SUBSCRIBE", chan))
		return;
	struct hub_room *held = hub_find_room(c->hub, hub_room_name(room), hub_room_name_len(room));
	if (held)
		hub_bus_hold(c->hub, held);
}

/* ---- the bus ops ---- */

static void bus_user_added(void *impl, const struct hub_user *user)
{
	cluster_claim(impl, user, NULL, 0);
}

static void bus_interest(void *impl, const struct hub_room *room, bool interested)
{
	struct cluster *c = impl;
	if (interested) {
		cluster_room_subscribe(c, room);
		return;
	}
	char chan[CLUSTER_KEY_MAX];
	cluster_key(chan, "r:", hub_room_name(room), hub_room_name_len(room));
	cluster_subscribe(c, "UNSUBSCRIBE", chan);
}

/* A script that runs once per line is kept by Redis, and lines name it by
 * its SHA1 instead of sending (and hashing) its text. */
static void on_script_loaded(struct redis_link *link, void *reply, void *priv)
{
	char *slot = priv;
	const redisReply *r = reply;
	(void)link;
	if (r && r->type == REDIS_REPLY_STRING && r->len < CLUSTER_SHA_MAX)
		memcpy(slot, r->str, r->len + 1);
}

void cluster_load_script(struct cluster *c, const char *lua, char slot[CLUSTER_SHA_MAX])
{
	slot[0] = '\0';
	const char *argv[] = {"SCRIPT", "LOAD", lua};
	size_t lens[] = {6, 4, strlen(lua)};
	cluster_cmd(c, on_script_loaded, slot, 3, argv, lens);
}

void cluster_load_scripts(struct cluster *c)
{
	cluster_load_script(c, SAY_LUA, c->say_sha);
	cluster_load_priv_script(c);
}

/* Redis forgets loaded scripts on SCRIPT FLUSH: load them again, and let
 * lines go by text until then. (The line that met NOSCRIPT is lost, as
 * any line in flight when a link fails.) */
void cluster_reload_on_noscript(struct cluster *c, const void *reply, const char *sha)
{
	const redisReply *r = reply;
	if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0 &&
	    !c->stopping && sha[0]) {
		log_event(c->cfg.log, LOG_WARN, "CLUSTER_SCRIPT_RELOAD", "reason=NOSCRIPT");
		cluster_load_scripts(c);
	}
}

static void on_said(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = priv;
	(void)link;
	cluster_reload_on_noscript(c, reply, c->say_sha);
}

static bool bus_say(void *impl, const struct hub_event *ev)
{
	struct cluster *c = impl;
	if (!c->online)
		return false;
	struct bus_msg m = msg_of(c, BUS_SAY, ev);
	m.time_ms = c->cfg.now_ms ? c->cfg.now_ms(c->cfg.now_ctx) : 0;
	size_t len;
	const char *tail = encode(c, &m, false, &len);
	char ids[] = "parley:msgid", stream[CLUSTER_KEY_MAX], chan[CLUSTER_KEY_MAX], keep[16];
	cluster_key(stream, "hist:", ev->room, ev->room_len);
	cluster_key(chan, "r:", ev->room, ev->room_len);
	snprintf(keep, sizeof(keep), "%zu", c->cfg.history_keep);
	bool sha = c->say_sha[0] != '\0';
	const char *argv[] = {sha ? "EVALSHA" : "EVAL", sha ? c->say_sha : SAY_LUA, "3", ids,
			      stream, chan, "S", tail, keep};
	size_t lens[] = {sha ? 7u : 4u, strlen(argv[1]), 1, strlen(ids), strlen(stream),
			 strlen(chan), 1, len, strlen(keep)};
	if (!cluster_cmd(c, on_said, c, 9, argv, lens))
		return false;
	c->st.published++;
	return true;
}

static void room_channel(char *chan, const struct hub_event *ev)
{
	cluster_key(chan, "r:", ev->room, ev->room_len);
}

static void publish_nick(struct cluster *c, const struct hub_event *ev)
{
	const struct hub_user *u = ev->user;
	struct bus_msg m = msg_of(c, BUS_NICK, ev);
	for (struct hub_member *mb = hub_first_membership(u); mb; mb = hub_next_membership(mb)) {
		const struct hub_room *r = hub_member_room(mb);
		room_hash(c, "HDEL", hub_room_name(r), hub_room_name_len(r), ev->from, ev->from_len);
		room_hash(c, "HSET", hub_room_name(r), hub_room_name_len(r), ev->target,
			  ev->target_len);
		if (hub_member_flags(mb))
			cluster_rename_flags(c, hub_room_name(r), hub_room_name_len(r), ev->from,
					     ev->from_len, ev->target, ev->target_len);
	}
	/* A case change keeps the claim; any other claims the new name. */
	claim_with(c, u, &m, ev->from, ev->from_len);
}

static void publish_quit(struct cluster *c, const struct hub_event *ev)
{
	const struct hub_user *u = ev->user;
	for (struct hub_member *mb = hub_first_membership(u); mb; mb = hub_next_membership(mb)) {
		const struct hub_room *r = hub_member_room(mb);
		room_forget(c, hub_room_name(r), hub_room_name_len(r), ev->from, ev->from_len);
	}
	struct bus_msg m = msg_of(c, BUS_QUIT, ev);
	publish_to(c, "parley:presence", &m);
	release_name(c, ev->from, ev->from_len);
}

static void publish_mode(struct cluster *c, const struct hub_event *ev, const char *chan)
{
	struct bus_msg m = msg_of(c, BUS_MODE, ev);
	if (ev->target) {
		m.a = ev->flags_new;
	} else if (ev->modes_new) {
		m.a = ev->modes_new->flags;
		m.b = ev->modes_new->limit;
		m.text = (struct bus_str){ev->modes_new->key, strlen(ev->modes_new->key)};
	}
	publish_to(c, chan, &m);
}

static void bus_publish(void *impl, const struct hub_event *ev)
{
	struct cluster *c = impl;
	if (!c->online)
		return;
	char chan[CLUSTER_KEY_MAX];
	struct bus_msg m;
	switch (ev->kind) {
	case HUB_EV_JOIN:
		cluster_join_claim(c, ev->user, hub_find_room(c->hub, ev->room, ev->room_len));
		room_channel(chan, ev);
		m = msg_of(c, BUS_JOIN, ev);
		publish_to(c, chan, &m);
		break;
	case HUB_EV_LEAVE:
	case HUB_EV_KICK: {
		const char *who = ev->kind == HUB_EV_KICK ? ev->target : ev->from;
		size_t who_len = ev->kind == HUB_EV_KICK ? ev->target_len : ev->from_len;
		room_forget(c, ev->room, ev->room_len, who, who_len);
		room_channel(chan, ev);
		m = msg_of(c, ev->kind == HUB_EV_KICK ? BUS_KICK : BUS_LEAVE, ev);
		publish_to(c, chan, &m);
		break;
	}
	case HUB_EV_TOPIC:
		room_state_save(c, ev);
		room_channel(chan, ev);
		m = msg_of(c, BUS_TOPIC, ev);
		publish_to(c, chan, &m);
		break;
	case HUB_EV_MODE:
		if (!ev->target)
			room_state_save(c, ev);
		else
			cluster_save_flags(c, ev->room, ev->room_len, ev->target, ev->target_len,
					   ev->flags_new);
		c->lists_epoch += ev->target != NULL;
		room_channel(chan, ev);
		publish_mode(c, ev, chan);
		break;
	case HUB_EV_QUIT:
		publish_quit(c, ev);
		break;
	case HUB_EV_NICK:
		publish_nick(c, ev);
		break;
	case HUB_EV_AWAY:
		m = msg_of(c, BUS_AWAY, ev);
		publish_to(c, "parley:presence", &m);
		break;
	case HUB_EV_PRIVMSG: {
		if (ev->id == 0) {
			cluster_publish_relay(c, ev);
			break;
		}
		/* Numbered here: the line could not go by cluster_privmsg. */
		const struct hub_user *to = hub_find_user(c->hub, ev->target, ev->target_len);
		const struct node_peer *p = to ? hub_user_ctx(to) : NULL;
		if (!p)
			break;
		snprintf(chan, sizeof(chan), "parley:n:%s", p->name);
		m = msg_of(c, BUS_PRIV, ev);
		publish_to(c, chan, &m);
		break;
	}
	case HUB_EV_BAN:
		c->lists_epoch++;
		cluster_save_ban(c, ev);
		m = msg_of(c, BUS_BAN, ev);
		m.target = str_of(NULL, 0);
		m.text = str_of(ev->target, ev->target_len);
		m.a = ev->flags_new ? 1 : 0;
		room_channel(chan, ev);
		publish_to(c, chan, &m);
		break;
	case HUB_EV_SAY: /* room lines go by bus_say; only relays come here */
		cluster_publish_relay(c, ev);
		break;
	}
}

/* Online, Redis decides who is a room's first member (cluster_join_claim);
 * offline, the node serves its users alone and decides as one server. */
static bool bus_decides_ops(void *impl)
{
	const struct cluster *c = impl;
	return c->online;
}

const struct hub_bus_ops cluster_bus_ops = {
	.user_added = bus_user_added,
	.publish = bus_publish,
	.say = bus_say,
	.privmsg = cluster_privmsg,
	.interest = bus_interest,
	.decides_ops = bus_decides_ops,
	.kill = cluster_kill,
};
