/* apply: what other nodes published, applied to this node's hub. Every
 * message is decoded strictly first (bus_msg.c); presence messages may
 * only act on proxies of the node that sent it, so a stale or forged
 * message can never touch a local user's name or another node's users.
 * Moderation (kick, ban, flags, modes, a +t topic) may act on any member
 * of a room, but only by an operator of that room as this node knows it,
 * a server operator (as its node announced it), or the sending node
 * itself: anything else is dropped and counted.
 * Room and private lines are the other exception: this node's own lines
 * come back too, numbered, and are delivered like everyone's. */
#include <hiredis/hiredis.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "util/log.h"

static struct hub_user *proxy_of(struct cluster *c, const struct node_peer *p, struct bus_str name)
{
	struct hub_user *u = hub_find_user(c->hub, name.p, name.len);
	return u && hub_user_is_proxy(u) && hub_user_ctx(u) == p ? u : NULL;
}

struct hub_user *cluster_proxy_for(struct cluster *c, struct node_peer *p,
				   const struct bus_msg *m)
{
	struct hub_user *u = proxy_of(c, p, m->from);
	if (u || !m->from.len)
		return u;
	if (hub_proxy_add(c->hub, m->from.p, m->from.len, m->origin.p, m->origin.len, p, &u) !=
	    HUB_OK)
		return NULL;
	return u;
}

/* What a USER record says of proxy `u`: a server operator (`a`), logged
 * in to its account (`b`: its private lines with logged-in users are
 * kept). */
void cluster_user_status(struct cluster *c, struct hub_user *u, const struct bus_msg *m)
{
	if (m->a == 1)
		hub_user_set_oper(c->hub, u);
	if (m->b == 1)
		hub_user_set_logged_in(c->hub, u);
}

/* Whether `by` (NULL: the sending node itself) may do `m` to `room` as
 * this node knows the room: kicks, bans, member flags and room modes need
 * an operator of the room or a server operator, a topic does under +t. While the room's
 * after-subscribe read is awaited its operators are not known yet, and
 * the sender's word is taken. */
static bool authorised(const struct hub *hub, const struct hub_user *by,
		       const struct hub_room *room, const struct bus_msg *m)
{
	if (m->kind == BUS_TOPIC && !(hub_room_modes(room)->flags & HUB_ROOM_TOPIC_LOCK))
		return true;
	if (m->kind != BUS_KICK && m->kind != BUS_MODE && m->kind != BUS_BAN &&
	    m->kind != BUS_TOPIC)
		return true;
	if (!by)
		return m->kind != BUS_TOPIC;
	return hub_may_moderate(hub, by, room) || hub_bus_loading(room);
}

static void apply_moderation(struct cluster *c, struct hub_user *by, struct hub_room *room,
			     const struct bus_msg *m)
{
	switch (m->kind) {
	case BUS_TOPIC:
		hub_set_topic(c->hub, by, room, m->text.p, m->text.len);
		break;
	case BUS_KICK: {
		struct hub_user *victim = hub_find_user(c->hub, m->target.p, m->target.len);
		if (victim)
			hub_kick(c->hub, by, room, victim, m->text.p, m->text.len);
		break;
	}
	case BUS_BAN:
		if (m->a)
			hub_ban_add(c->hub, by, room, m->text.p, m->text.len);
		else
			hub_ban_remove(c->hub, by, room, m->text.p, m->text.len);
		break;
	case BUS_MODE:
		if (m->target.len) {
			struct hub_user *t = hub_find_user(c->hub, m->target.p, m->target.len);
			if (t)
				hub_set_member_flags(c->hub, by, room, t,
						     m->a & (HUB_MEMBER_OP | HUB_MEMBER_VOICE));
		} else {
			struct hub_room_modes modes = {.flags = m->a, .limit = m->b};
			size_t klen = m->text.len > HUB_KEY_MAX ? HUB_KEY_MAX : m->text.len;
			memcpy(modes.key, m->text.p, klen);
			hub_set_modes(c->hub, by, room, &modes);
		}
		break;
	default:
		break;
	}
}

static void apply_room(struct cluster *c, struct node_peer *p, const struct bus_msg *m)
{
	struct hub_room *room = hub_find_room(c->hub, m->room.p, m->room.len);
	if (!room)
		return; /* not (or no longer) interested */
	struct hub_user *by = NULL;
	if (m->from.len && !(by = cluster_proxy_for(c, p, m)))
		return;
	if (!by && m->kind != BUS_KICK && m->kind != BUS_MODE && m->kind != BUS_BAN)
		return;
	switch (m->kind) {
	case BUS_JOIN:
		hub_join(c->hub, by, m->room.p, m->room.len, NULL);
		break;
	case BUS_LEAVE:
		hub_leave(c->hub, by, room, m->text.p, m->text.len);
		break;
	default:
		if (!authorised(c->hub, by, room, m)) {
			if (c->st.unauthorised++ == 0)
				log_event(c->cfg.log, LOG_WARN, "CLUSTER_UNAUTHORISED",
					  "node=%.*s from=%.*s room=%.*s kind=%c (logged once)",
					  (int)m->node.len, m->node.p, (int)m->from.len, m->from.p,
					  (int)m->room.len, m->room.p, (char)m->kind);
			return;
		}
		c->lists_epoch += m->kind == BUS_BAN || (m->kind == BUS_MODE && m->target.len);
		hub_bus_applying(c->hub, true);
		apply_moderation(c, by, room, m);
		hub_bus_applying(c->hub, false);
		break;
	}
}

void cluster_apply(struct cluster *c, const struct bus_msg *m, bool room_channel)
{
	if (m->kind == BUS_SAY) {
		struct hub_room *room = hub_find_room(c->hub, m->room.p, m->room.len);
		if (room)
			hub_bus_say(c->hub, room, m->id, m->time_ms, m->from.p, m->from.len,
				    m->origin.p, m->origin.len, m->text.p, m->text.len);
		return;
	}
	if (m->kind == BUS_PRIV) {
		if (!room_channel)
			cluster_apply_private(c, m);
		return;
	}
	if (m->node.len == c->node_len && memcmp(m->node.p, c->node, c->node_len) == 0)
		return;
	struct node_peer *p = cluster_peer(c, m->node.p, m->node.len, true);
	struct hub_user *u;
	switch (m->kind) {
	case BUS_HELLO:
		cluster_note_gone(c, p, (struct bus_str){"", 0}, (struct bus_str){"", 0});
		cluster_drop_proxies(c, p, m->text.len ? "Node restarted" : "Node left");
		break;
	case BUS_USER:
		if ((u = cluster_proxy_for(c, p, m)))
			cluster_user_status(c, u, m);
		break;
	case BUS_QUIT:
		cluster_note_gone(c, p, m->from, (struct bus_str){"", 0});
		if ((u = proxy_of(c, p, m->from)))
			hub_unregister(c->hub, u, m->text.p, m->text.len);
		break;
	case BUS_NICK:
		cluster_note_gone(c, p, m->from, (struct bus_str){"", 0});
		if ((u = proxy_of(c, p, m->from)))
			hub_rename(c->hub, u, m->target.p, m->target.len);
		else
			cluster_proxy_for(c, p, &(struct bus_msg){.from = m->target, .origin = m->origin});
		break;
	case BUS_AWAY:
		if ((u = proxy_of(c, p, m->from)))
			hub_set_away(c->hub, u, m->text.p, m->text.len);
		break;
	case BUS_RELAY:
		cluster_apply_relay(c, p, m);
		break;
	case BUS_KILL:
		cluster_apply_kill(c, p, m);
		break;
	default:
		if (m->kind == BUS_LEAVE)
			cluster_note_gone(c, p, m->from, m->room);
		else if (m->kind == BUS_KICK) /* the victim may be on any node */
			cluster_note_gone(c, NULL, m->target, m->room);
		apply_room(c, p, m);
		break;
	}
}

static bool str_is(const redisReply *r, const char *word)
{
	return r->type == REDIS_REPLY_STRING && r->len == strlen(word) &&
	       memcmp(r->str, word, r->len) == 0;
}

static const char ROOM_PREFIX[] = "parley:r:";

void cluster_on_sub_reply(struct cluster *c, void *reply)
{
	const redisReply *r = reply;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return;
	const redisReply *chan = r->element[1], *body = r->element[2];
	bool room_channel = chan->len > sizeof(ROOM_PREFIX) - 1 &&
			    memcmp(chan->str, ROOM_PREFIX, sizeof(ROOM_PREFIX) - 1) == 0;
	if (str_is(r->element[0], "subscribe")) {
		if (room_channel)
			cluster_room_load(c, chan->str + sizeof(ROOM_PREFIX) - 1,
					  chan->len - (sizeof(ROOM_PREFIX) - 1));
		else if (str_is(chan, "parley:presence"))
			cluster_load_all_users(c);
		return;
	}
	if (!str_is(r->element[0], "message") || body->type != REDIS_REPLY_STRING)
		return;
	c->st.received++;
	c->st.room_received += room_channel;
	struct bus_msg m;
	if (!bus_msg_decode(body->str, body->len, &m)) {
		if (c->st.rejected++ == 0)
			log_event(c->cfg.log, LOG_WARN, "CLUSTER_BAD_MESSAGE",
				  "channel=%.*s bytes=%zu (logged once)", (int)chan->len, chan->str,
				  body->len);
		return;
	}
	cluster_apply(c, &m, room_channel);
}

uint64_t cluster_read_begin(struct cluster *c)
{
	return ++c->reads_sent;
}

void cluster_read_done(struct cluster *c, uint64_t seq)
{
	if (seq > c->reads_done)
		c->reads_done = seq;
	departures_answered(&c->gone, seq);
}

void cluster_note_gone(struct cluster *c, const struct node_peer *peer, struct bus_str name,
		       struct bus_str room)
{
	if (c->reads_sent > c->reads_done) /* only while a read may undo it */
		departures_note(&c->gone, peer, name.p, name.len, room.p, room.len, c->reads_sent);
}

void cluster_load_users(struct cluster *c, void *reply, struct hub_room *room, uint64_t seq)
{
	const redisReply *r = reply;
	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		struct bus_msg m;
		if (e->type != REDIS_REPLY_STRING || !bus_msg_decode(e->str, e->len, &m) ||
		    m.kind != BUS_USER)
			continue;
		if (m.node.len == c->node_len && memcmp(m.node.p, c->node, c->node_len) == 0)
			continue;
		struct node_peer *p = cluster_peer(c, m.node.p, m.node.len, true);
		if (departures_hide(&c->gone, p, m.from.p, m.from.len,
				    room ? hub_room_name(room) : NULL,
				    room ? hub_room_name_len(room) : 0, seq))
			continue; /* went away after the read was sent */
		struct hub_user *u = cluster_proxy_for(c, p, &m);
		if (u)
			cluster_user_status(c, u, &m);
		if (u && room)
			hub_join(c->hub, u, hub_room_name(room), hub_room_name_len(room), NULL);
	}
}
