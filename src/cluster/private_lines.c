/* private_lines: private messages in cluster mode. One Lua script numbers
 * a line from the network's counter (the one room lines use), appends it
 * to the pair's stream when both parties are logged in, and publishes it
 * on the recipient's node channel and on the sender's own: the recipient's
 * node delivers it, the sender's node shows the sender its echo. Both ends
 * therefore see one id, and a conversation's lines in id order. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "cluster/stream_range.h"
#include "util/log.h"

/* KEYS: id counter, pair stream, recipient's node channel, sender's node
 * channel; ARGV: message tail, lines kept ("" not kept, "0" no limit). A
 * stream that refuses the id (an older scheme, a reset counter) is started
 * afresh, as room streams are. */
static const char PRIV_LUA[] =
	"local id = tostring(redis.call('INCR', KEYS[1]))\n"
	"local msg = 'P' .. string.len(id) .. ':' .. id .. ',' .. ARGV[1]\n"
	"if ARGV[2] ~= '' then\n"
	"  local args = {KEYS[2]}\n"
	"  if ARGV[2] ~= '0' then args = {KEYS[2], 'MAXLEN', '~', ARGV[2]} end\n"
	"  table.insert(args, id .. '-0')\n"
	"  table.insert(args, 'm')\n"
	"  table.insert(args, msg)\n"
	"  local r = redis.pcall('XADD', unpack(args))\n"
	"  if type(r) == 'table' and r.err then\n"
	"    redis.call('DEL', KEYS[2])\n"
	"    redis.call('XADD', unpack(args))\n"
	"  end\n"
	"end\n"
	"redis.call('PUBLISH', KEYS[3], msg)\n"
	"if KEYS[4] ~= KEYS[3] then redis.call('PUBLISH', KEYS[4], msg) end\n"
	"return id\n";

void cluster_load_priv_script(struct cluster *c)
{
	cluster_load_script(c, PRIV_LUA, c->priv_sha);
}

static void on_priv_sent(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = priv;
	(void)link;
	cluster_reload_on_noscript(c, reply, c->priv_sha);
}

bool cluster_privmsg(void *impl, const struct hub_event *ev, bool keep)
{
	struct cluster *c = impl;
	if (!c->online || !ev->user)
		return false;
	const struct hub_user *to = hub_find_user(c->hub, ev->target, ev->target_len);
	const struct node_peer *peer = to && hub_user_is_proxy(to) ? hub_user_ctx(to) : NULL;
	if (to && hub_user_is_proxy(to) && !peer)
		return false;
	char to_chan[CLUSTER_KEY_MAX], own_chan[CLUSTER_KEY_MAX], stream[STREAM_PAIR_KEY_MAX],
		kept[16] = "";
	snprintf(own_chan, sizeof(own_chan), "parley:n:%s", c->node);
	snprintf(to_chan, sizeof(to_chan), "parley:n:%s", peer ? peer->name : c->node);
	stream_pair_key(stream, ev->from, ev->from_len, ev->target, ev->target_len);
	if (keep)
		snprintf(kept, sizeof(kept), "%zu", c->cfg.history_keep);
	struct bus_msg m = {
		.kind = BUS_PRIV,
		.time_ms = ev->time_ms,
		.node = {c->node, c->node_len},
		.from = {ev->from, ev->from_len},
		.origin = {ev->origin ? ev->origin : "", ev->origin ? ev->origin_len : 0},
		.target = {ev->target, ev->target_len},
		.text = {ev->text ? ev->text : "", ev->text ? ev->text_len : 0},
		.a = keep,
	};
	c->scratch.start = c->scratch.end = 0;
	bus_msg_encode(&m, false, &c->scratch);
	bool sha = c->priv_sha[0] != '\0';
	const char *argv[] = {sha ? "EVALSHA" : "EVAL", sha ? c->priv_sha : PRIV_LUA, "4",
			      "parley:msgid", stream, to_chan, own_chan, buf_head(&c->scratch),
			      kept};
	size_t lens[] = {sha ? 7u : 4u, strlen(argv[1]), 1, 12, strlen(stream), strlen(to_chan),
			 strlen(own_chan), buf_len(&c->scratch), strlen(kept)};
	if (!cluster_cmd(c, on_priv_sent, c, 9, argv, lens))
		return false;
	c->st.published++;
	return true;
}

/* A numbered private line from the node channel. Another node's sender is
 * added as its proxy if unknown (as for any message); this node's own line
 * comes back for its sender's echo. */
void cluster_apply_private(struct cluster *c, const struct bus_msg *m)
{
	bool here = m->node.len == c->node_len && memcmp(m->node.p, c->node, c->node_len) == 0;
	if (!here) {
		struct node_peer *p = cluster_peer(c, m->node.p, m->node.len, true);
		if (!cluster_proxy_for(c, p, m))
			return; /* the name is someone else's here */
	}
	struct hub_bus_priv pm = {
		.id = m->id, .time_ms = m->time_ms,
		.from = m->from.p, .from_len = m->from.len,
		.origin = m->origin.p, .origin_len = m->origin.len,
		.to = m->target.p, .to_len = m->target.len,
		.text = m->text.p, .text_len = m->text.len,
		.kept = m->a == 1, .from_here = here,
	};
	hub_bus_privmsg(c->hub, &pm);
}
