/* reach: what a user on one node does to users on others beyond room
 * lines and private lines — relayed messages (IRC notices, TAGMSG, a line
 * from outside a room) and a server operator's KILL — out to Redis and
 * back in from it. Nodes trust each other: a KILL carries the sending
 * node's word that its sender is a server operator there, and the
 * victim's node takes it (see docs/CLUSTER.md). */
#include <stdio.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "util/buf.h"
#include "util/log.h"

static struct bus_str str_of(const char *p, size_t len)
{
	return (struct bus_str){p ? p : "", p ? len : 0};
}

static void publish_on(struct cluster *c, const char *chan, const struct bus_msg *m)
{
	struct buf out = BUF_INIT;
	bus_msg_encode(m, true, &out);
	const char *argv[] = {"PUBLISH", chan, buf_head(&out)};
	size_t lens[] = {7, strlen(chan), buf_len(&out)};
	if (cluster_cmd(c, NULL, NULL, 3, argv, lens))
		c->st.published++;
	buf_release(&out);
}

/* A proxy's node channel, or false for a local user. */
static bool node_channel(const struct hub_user *u, char *chan, size_t cap)
{
	const struct node_peer *p = hub_user_is_proxy(u) ? hub_user_ctx(u) : NULL;
	if (!p)
		return false;
	snprintf(chan, cap, "parley:n:%s", p->name);
	return true;
}

void cluster_publish_relay(struct cluster *c, const struct hub_event *ev)
{
	char chan[CLUSTER_KEY_MAX];
	if (ev->kind == HUB_EV_SAY) {
		cluster_key(chan, "r:", ev->room, ev->room_len);
	} else {
		const struct hub_user *to = hub_find_user(c->hub, ev->target, ev->target_len);
		if (!to || !node_channel(to, chan, sizeof(chan)))
			return;
	}
	/* The tags travel in front of the text, `b` bytes of it. */
	struct buf text = BUF_INIT;
	if (ev->tags_len)
		buf_append(&text, ev->tags, ev->tags_len);
	if (ev->text_len)
		buf_append(&text, ev->text, ev->text_len);
	struct bus_msg m = {
		.kind = BUS_RELAY,
		.time_ms = ev->time_ms,
		.node = {c->node, c->node_len},
		.room = ev->kind == HUB_EV_SAY ? str_of(ev->room, ev->room_len) : str_of(NULL, 0),
		.from = str_of(ev->from, ev->from_len),
		.origin = str_of(ev->origin, ev->origin_len),
		.target = ev->kind == HUB_EV_SAY ? str_of(NULL, 0)
						 : str_of(ev->target, ev->target_len),
		.text = str_of(buf_head(&text), buf_len(&text)),
		.a = (uint32_t)ev->style,
		.b = (uint32_t)ev->tags_len,
	};
	if (m.text.len <= BUS_TEXT_MAX)
		publish_on(c, chan, &m);
	buf_release(&text);
}

bool cluster_kill(void *impl, const struct hub_user *by, const struct hub_user *victim,
		  const char *reason, size_t len)
{
	struct cluster *c = impl;
	char chan[CLUSTER_KEY_MAX];
	/* Only a server operator (or the console) may kill: the hub's
	 * callers check it, and the victim's node takes this node's word. */
	if (!c->online || !node_channel(victim, chan, sizeof(chan)) ||
	    (by && !hub_user_is_oper(c->hub, by)))
		return false;
	size_t olen = 0;
	const char *origin = by ? hub_user_origin(by, &olen) : NULL;
	struct bus_msg m = {
		.kind = BUS_KILL,
		.node = {c->node, c->node_len},
		.from = by ? str_of(hub_user_name(by), hub_user_name_len(by)) : str_of(NULL, 0),
		.origin = str_of(origin, olen),
		.target = {hub_user_name(victim), hub_user_name_len(victim)},
		.text = str_of(reason, len > BUS_TEXT_MAX ? BUS_TEXT_MAX : len),
		.a = by != NULL,
	};
	publish_on(c, chan, &m);
	return true;
}

void cluster_apply_relay(struct cluster *c, struct node_peer *p, const struct bus_msg *m)
{
	struct hub_room *room = NULL;
	struct hub_user *to = NULL;
	if (m->room.len && !(room = hub_find_room(c->hub, m->room.p, m->room.len)))
		return; /* not (or no longer) interested */
	if (m->target.len) {
		to = hub_find_user(c->hub, m->target.p, m->target.len);
		if (!to || hub_user_is_proxy(to))
			return;
	}
	cluster_proxy_for(c, p, m);
	hub_bus_relay(c->hub, room, to, (enum hub_msg_style)m->a, m->from.p, m->from.len,
		      m->origin.p, m->origin.len, m->text.p + m->b, m->text.len - m->b, m->text.p,
		      m->b);
}

void cluster_apply_kill(struct cluster *c, struct node_peer *p, const struct bus_msg *m)
{
	struct hub_user *victim = hub_find_user(c->hub, m->target.p, m->target.len);
	if (!victim || hub_user_is_proxy(victim))
		return; /* gone, or not ours */
	struct hub_user *by = NULL;
	if (m->from.len && !(by = cluster_proxy_for(c, p, m)))
		return;
	log_event(c->cfg.log, LOG_INFO, "CLUSTER_KILL", "node=%.*s by=%.*s victim=%.*s",
		  (int)m->node.len, m->node.p, (int)m->from.len, m->from.p, (int)m->target.len,
		  m->target.p);
	hub_kill(c->hub, by, victim, m->text.p, m->text.len);
}
