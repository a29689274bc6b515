/* cluster: the node's links to Redis — connecting both links,
 * AUTH, reconnecting with backoff, the lease heartbeat that also finds dead
 * nodes, and the resync run each time the node comes (back) online. The
 * bus seam is in publish.c, incoming messages in apply.c. */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_private.h"
#include "util/alloc.h"
#include "util/list.h"
#include "util/log.h"

enum {
	BACKOFF_MIN_MS = 100,
	BACKOFF_MAX_MS = 5000,
	CONNECT_DEADLINE_MS = 2000,
};

/* Every node in parley:nodes whose lease has lapsed is cleaned up (its
 * names freed, its users and room entries deleted); the live ones are
 * returned. Safe to run on several nodes at once. */
static const char LEASE_CHECK_LUA[] =
	"local alive = {}\n"
	"for _, n in ipairs(redis.call('SMEMBERS', 'parley:nodes')) do\n"
	"  if redis.call('EXISTS', 'parley:node:' .. n) == 1 then table.insert(alive, n)\n"
	"  else\n"
	"    for _, l in ipairs(redis.call('HKEYS', 'parley:users:' .. n)) do\n"
	"      if redis.call('GET', 'parley:name:' .. l) == n then redis.call('DEL', 'parley:name:' .. l) end\n"
	"    end\n"
	"    for _, r in ipairs(redis.call('SMEMBERS', 'parley:noderooms:' .. n)) do\n"
	"      local h = redis.call('HGETALL', 'parley:room:' .. r)\n"
	"      for i = 1, #h, 2 do\n"
	"        if h[i + 1] == n then redis.call('HDEL', 'parley:room:' .. r, h[i]) redis.call('HDEL', 'parley:roomflags:' .. r, h[i]) end\n"
	"      end\n"
	"      if redis.call('HLEN', 'parley:room:' .. r) == 0 then redis.call('DEL', 'parley:roomstate:' .. r, 'parley:roomflags:' .. r, 'parley:roombans:' .. r) end\n"
	"    end\n"
	"    redis.call('DEL', 'parley:users:' .. n, 'parley:noderooms:' .. n)\n"
	"    redis.call('SREM', 'parley:nodes', n)\n"
	"  end\n"
	"end\n"
	"return alive\n";

/* Forgets a node's previous life (ARGV[1]): as the lease check does for a
 * dead node, then announces it (ARGV[2], a HELLO) so others drop its
 * proxies. */
static const char RESET_NODE_LUA[] =
	"local n = ARGV[1]\n"
	"for _, l in ipairs(redis.call('HKEYS', 'parley:users:' .. n)) do\n"
	"  if redis.call('GET', 'parley:name:' .. l) == n then redis.call('DEL', 'parley:name:' .. l) end\n"
	"end\n"
	"for _, r in ipairs(redis.call('SMEMBERS', 'parley:noderooms:' .. n)) do\n"
	"  local h = redis.call('HGETALL', 'parley:room:' .. r)\n"
	"  for i = 1, #h, 2 do\n"
	"    if h[i + 1] == n then redis.call('HDEL', 'parley:room:' .. r, h[i]) redis.call('HDEL', 'parley:roomflags:' .. r, h[i]) end\n"
	"  end\n"
	"  if redis.call('HLEN', 'parley:room:' .. r) == 0 then redis.call('DEL', 'parley:roomstate:' .. r, 'parley:roomflags:' .. r, 'parley:roombans:' .. r) end\n"
	"end\n"
	"redis.call('DEL', 'parley:users:' .. n, 'parley:noderooms:' .. n)\n"
	"redis.call('PUBLISH', 'parley:presence', ARGV[2])\n"
	"return 1\n";

/* The user records of every live node but ARGV[1]. */
static const char ALL_USERS_LUA[] =
	"local out = {}\n"
	"for _, n in ipairs(redis.call('SMEMBERS', 'parley:nodes')) do\n"
	"  if n ~= ARGV[1] and redis.call('EXISTS', 'parley:node:' .. n) == 1 then\n"
	"    for _, v in ipairs(redis.call('HVALS', 'parley:users:' .. n)) do table.insert(out, v) end\n"
	"  end\n"
	"end\n"
	"return out\n";

static void connect_links(struct cluster *c);
static void links_down(struct cluster *c, const char *why);

/* ---- small helpers ---- */

size_t cluster_lower(char *out, const char *p, size_t len)
{
	if (len > CLUSTER_KEY_MAX - 1)
		len = CLUSTER_KEY_MAX - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
	out[len] = '\0';
	return len;
}

const char *cluster_key(char *out, const char *what, const char *p, size_t len)
{
	static const char prefix[] = "parley:";
	size_t n = sizeof(prefix) - 1, wlen = strlen(what);
	memcpy(out, prefix, n);
	memcpy(out + n, what, wlen);
	n += wlen;
	if (len > CLUSTER_KEY_MAX - 1 - n)
		len = CLUSTER_KEY_MAX - 1 - n;
	cluster_lower(out + n, p, len);
	return out;
}

struct node_peer *cluster_peer(struct cluster *c, const char *name, size_t len, bool create)
{
	for (struct node_peer *p = c->peers; p; p = p->next)
		if (strlen(p->name) == len && memcmp(p->name, name, len) == 0)
			return p;
	if (!create || len > BUS_NODE_MAX)
		return NULL;
	struct node_peer *p = xcalloc(1, sizeof(*p));
	memcpy(p->name, name, len);
	p->next = c->peers;
	c->peers = p;
	return p;
}

bool cluster_cmd(struct cluster *c, redis_reply_fn *fn, void *priv, int argc, const char **argv,
		 const size_t *lens)
{
	if (!c->online || !c->cmd)
		return false;
	/* A Redis that accepts connections but stops reading (paused, swapped
	 * out) would have us buffer without bound: past the limit the link
	 * is dropped and the node runs alone until a fresh one is up. */
	if (redis_link_queued(c->cmd) > CLUSTER_OBUF_MAX) {
		links_down(c, "redis is not reading (output buffer full)");
		return false;
	}
	return redis_link_command_argv(c->cmd, fn, priv, argc, argv, lens);
}

static bool cmd_str(struct cluster *c, redis_reply_fn *fn, void *priv, int argc,
		    const char **argv)
{
	size_t lens[8];
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return cluster_cmd(c, fn, priv, argc, argv, lens);
}

void cluster_drop_proxies(struct cluster *c, const struct node_peer *peer, const char *why)
{
	cluster_note_gone(c, peer, (struct bus_str){"", 0}, (struct bus_str){"", 0});
	struct hub_user *u = hub_first_user(c->hub);
	while (u) {
		struct hub_user *next = hub_next_user(c->hub, u);
		if (hub_user_is_proxy(u) && (!peer || hub_user_ctx(u) == peer))
			hub_unregister(c->hub, u, why, strlen(why));
		u = next;
	}
}

static void count_state(const struct cluster *c, struct cluster_stats *out)
{
	out->proxies = 0;
	out->rooms = 0;
	if (!c->hub)
		return;
	for (struct hub_user *u = hub_first_user(c->hub); u; u = hub_next_user(c->hub, u))
		out->proxies += hub_user_is_proxy(u);
	for (struct hub_room *r = hub_first_room(c->hub); r; r = hub_next_room(c->hub, r))
		out->rooms++;
}

/* ---- link loss and reconnection ---- */

static void free_link(struct redis_link **link)
{
	redis_link_close(*link); /* waiting callbacks get NULL */
	*link = NULL;
}

static void links_down(struct cluster *c, const char *why)
{
	bool was_online = c->online;
	c->online = c->cmd_up = c->sub_up = false;
	free_link(&c->cmd);
	free_link(&c->sub);
	loop_timer_disarm(c->cfg.loop, &c->beat);
	if (c->stopping)
		return;
	if (was_online)
		log_event(c->cfg.log, LOG_WARN, "CLUSTER_OFFLINE",
			  "redis=%s:%d reason=\"%s\" serving=local-users-only", c->cfg.host,
			  c->cfg.port, why);
	else
		log_event(c->cfg.log, c->failure_logged ? LOG_DEBUG : LOG_WARN, "CLUSTER_CONNECT_FAILED",
			  "redis=%s:%d reason=\"%s\" retry_ms=%llu", c->cfg.host, c->cfg.port,
			  why, (unsigned long long)c->backoff_ms);
	/* One warning per outage (a wrong certificate or password shows at
	 * once); the retries after it are debug. */
	c->failure_logged = true;
	loop_timer_arm(c->cfg.loop, &c->retry, c->backoff_ms);
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void on_retry(struct loop_timer *t)
{
	struct cluster *c = container_of(t, struct cluster, retry);
	if (c->online)
		return;
	/* Still connecting at the deadline: start over. */
	if (c->cmd || c->sub) {
		links_down(c, "connect timed out");
		return;
	}
	connect_links(c);
}

static void on_link_down(struct redis_link *link, const char *why)
{
	links_down(redis_link_data(link), why);
}

/* ---- coming online: resync ---- */

static void on_all_users(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = priv;
	(void)link;
	if (c->stopping)
		return;
	uint64_t seq = c->all_users_seq;
	if (reply && c->hub)
		cluster_load_users(c, reply, NULL, seq);
	cluster_read_done(c, seq);
}

static void publish_hello(struct cluster *c, const char *why)
{
	struct bus_msg m = {.kind = BUS_HELLO, .node = {c->node, c->node_len},
			    .text = {why, strlen(why)}};
	c->scratch.start = c->scratch.end = 0;
	bus_msg_encode(&m, true, &c->scratch);
	const char *argv[] = {"EVAL", RESET_NODE_LUA, "0", c->node, buf_head(&c->scratch)};
	size_t lens[] = {4, strlen(RESET_NODE_LUA), 1, c->node_len, buf_len(&c->scratch)};
	cluster_cmd(c, NULL, NULL, 5, argv, lens);
}

static void lease_renew(struct cluster *c)
{
	char key[CLUSTER_KEY_MAX], ms[24];
	snprintf(key, sizeof(key), "parley:node:%s", c->node);
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)c->cfg.lease_ms);
	cmd_str(c, NULL, NULL, 5, (const char *[]){"SET", key, "1", "PX", ms});
	cmd_str(c, NULL, NULL, 3, (const char *[]){"SADD", "parley:nodes", c->node});
}

/* Every push on the subscription link (messages and confirmations). */
static void on_sub(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = redis_link_data(link);
	(void)priv;
	if (reply && c->hub && !c->stopping)
		cluster_on_sub_reply(c, reply);
}

static void go_online(struct cluster *c)
{
	c->online = true;
	c->failure_logged = false;
	c->backoff_ms = BACKOFF_MIN_MS;
	loop_timer_disarm(c->cfg.loop, &c->retry);
	log_event(c->cfg.log, LOG_INFO, "CLUSTER_ONLINE", "redis=%s:%d node=%s", c->cfg.host,
		  c->cfg.port, c->node);
	char chan[CLUSTER_KEY_MAX];
	snprintf(chan, sizeof(chan), "parley:n:%s", c->node);
	redis_link_send(c->sub, "SUBSCRIBE parley:presence %s", chan);
	lease_renew(c);
	cluster_load_scripts(c);
	publish_hello(c, "node reconnected");
	/* Other nodes' users are reloaded from Redis: what we knew may be
	 * stale after the gap. */
	cluster_drop_proxies(c, NULL, "Net split");
	for (struct hub_user *u = hub_first_user(c->hub); u; u = hub_next_user(c->hub, u))
		cluster_claim(c, u, NULL, 0);
	for (struct hub_room *r = hub_first_room(c->hub); r; r = hub_next_room(c->hub, r)) {
		for (struct hub_member *m = hub_first_member(r); m; m = hub_next_member(m))
			cluster_announce_member(c, hub_member_user(m), r);
		cluster_resave_room(c, r);
		cluster_room_subscribe(c, r);
	}
	loop_timer_arm(c->cfg.loop, &c->beat, c->cfg.lease_ms / 3);
}

/* Runs once Redis confirms the presence subscription: a user who arrives
 * after this read was taken is announced on the channel, one who arrived
 * before is in the read. Read first, and an arrival between the read and
 * the subscription would never be seen. */
void cluster_load_all_users(struct cluster *c)
{
	c->all_users_seq = cluster_read_begin(c);
	cmd_str(c, on_all_users, c, 4, (const char *[]){"EVAL", ALL_USERS_LUA, "0", c->node});
}

static void on_link_ready(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = priv;
	const redisReply *r = reply;
	if (!r)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		log_event(c->cfg.log, LOG_ERROR, "CLUSTER_REDIS_REFUSED", "reply=\"%.*s\"",
			  (int)r->len, r->str);
		links_down(c, "redis refused the connection");
		return;
	}
	if (link == c->cmd)
		c->cmd_up = true;
	else
		c->sub_up = true;
	if (c->cmd_up && c->sub_up && !c->online) {
		if (c->ever_online) {
			c->st.reconnects++;
			log_event(c->cfg.log, LOG_INFO, "CLUSTER_RECONNECTED", "redis=%s:%d",
				  c->cfg.host, c->cfg.port);
		}
		c->ever_online = true;
		go_online(c);
	}
}

bool cluster_subscribe(struct cluster *c, const char *verb, const char *chan)
{
	return c->online && c->sub && redis_link_send(c->sub, "%s %s", verb, chan);
}

static bool open_link(struct cluster *c, struct redis_link **link, bool subscriber)
{
	char why[256];
	struct redis_link_config cfg = {
		.loop = c->cfg.loop,
		.ep = &c->redis,
		.connect_timeout_ms = CONNECT_DEADLINE_MS,
		.obuf_max = CLUSTER_OBUF_MAX,
		.on_push = subscriber ? on_sub : NULL,
		.on_down = on_link_down,
		.data = c,
	};
	*link = redis_link_open(&cfg, why, sizeof(why));
	if (!*link) {
		links_down(c, why);
		return false;
	}
	if (c->cfg.password)
		redis_link_command(*link, on_link_ready, c, "AUTH %s", c->cfg.password);
	else
		redis_link_command(*link, on_link_ready, c, "PING");
	/* Named, so an operator can tell (and kill) a node's links in
	 * CLIENT LIST. */
	redis_link_command(*link, NULL, NULL, "CLIENT SETNAME parley:%s", c->node);
	return true;
}

static void connect_links(struct cluster *c)
{
	log_event(c->cfg.log, LOG_DEBUG, "CLUSTER_CONNECTING", "redis=%s:%d tls=%s", c->cfg.host,
		  c->cfg.port, c->redis.transport.factory ? "yes" : "no");
	if (!open_link(c, &c->cmd, false) || !open_link(c, &c->sub, true))
		return;
	/* Both links must be up by then, or they start over. */
	loop_timer_arm(c->cfg.loop, &c->retry, CONNECT_DEADLINE_MS);
}

/* ---- heartbeat ---- */

static void on_lease_check(struct redis_link *link, void *reply, void *priv)
{
	struct cluster *c = priv;
	const redisReply *r = reply;
	(void)link;
	if (!r || r->type != REDIS_REPLY_ARRAY || !c->hub || c->stopping)
		return;
	for (struct node_peer *p = c->peers; p; p = p->next)
		p->alive_seen = false;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		struct node_peer *p = e->type == REDIS_REPLY_STRING ? cluster_peer(c, e->str, e->len, false)
							       : NULL;
		if (p)
			p->alive_seen = true;
	}
	for (struct node_peer *p = c->peers; p; p = p->next) {
		if (p->alive_seen)
			continue;
		size_t users = 0;
		for (struct hub_user *u = hub_first_user(c->hub); u; u = hub_next_user(c->hub, u))
			users += hub_user_is_proxy(u) && hub_user_ctx(u) == p;
		if (users == 0)
			continue;
		cluster_drop_proxies(c, p, "Node lost");
		c->st.nodes_lost++;
		log_event(c->cfg.log, LOG_WARN, "CLUSTER_NODE_LOST", "node=%s users=%zu", p->name,
			  users);
	}
}

static void on_beat(struct loop_timer *t)
{
	struct cluster *c = container_of(t, struct cluster, beat);
	if (!c->online)
		return;
	lease_renew(c);
	cmd_str(c, on_lease_check, c, 3, (const char *[]){"EVAL", LEASE_CHECK_LUA, "0"});
	loop_timer_arm(c->cfg.loop, &c->beat, c->cfg.lease_ms / 3);
}

/* ---- lifecycle ---- */

struct cluster *cluster_create(const struct cluster_config *cfg)
{
	struct cluster *c = xcalloc(1, sizeof(*c));
	c->cfg = *cfg;
	c->node_len = strlen(cfg->node);
	if (c->node_len > BUS_NODE_MAX)
		c->node_len = BUS_NODE_MAX;
	memcpy(c->node, cfg->node, c->node_len);
	c->redis = (struct redis_endpoint){cfg->host, cfg->port, cfg->password, cfg->transport};
	c->bus.ops = &cluster_bus_ops;
	c->bus.impl = c;
	c->backoff_ms = BACKOFF_MIN_MS;
	loop_timer_init(&c->retry, on_retry);
	loop_timer_init(&c->beat, on_beat);
	return c;
}

const struct hub_bus *cluster_bus(struct cluster *c)
{
	return &c->bus;
}

void cluster_start(struct cluster *c, struct hub *hub)
{
	c->hub = hub;
	connect_links(c);
}

/* Best effort on the way out: a short blocking connection frees our names
 * and tells the other nodes at once instead of after the lease. */
static void say_goodbye(struct cluster *c)
{
	char why[256];
	struct redis_sync *rs = redis_sync_open(&c->redis, 1000, why, sizeof(why));
	if (!rs)
		return;
	redis_reply_free(redis_sync_command(rs, "DEL parley:node:%s", c->node));
	struct bus_msg m = {.kind = BUS_HELLO, .node = {c->node, c->node_len},
			    .text = {"Node shut down", 14}};
	c->scratch.start = c->scratch.end = 0;
	bus_msg_encode(&m, true, &c->scratch);
	redis_reply_free(redis_sync_command(rs, "EVAL %s 0 %s %b", RESET_NODE_LUA, c->node,
					    buf_head(&c->scratch), buf_len(&c->scratch)));
	redis_reply_free(redis_sync_command(rs, "SREM parley:nodes %s", c->node));
	redis_sync_close(rs);
}

void cluster_stop(struct cluster *c)
{
	if (c->stopping)
		return;
	bool was_online = c->online;
	c->stopping = true;
	loop_timer_disarm(c->cfg.loop, &c->retry);
	loop_timer_disarm(c->cfg.loop, &c->beat);
	if (c->hub)
		cluster_drop_proxies(c, NULL, "Node shut down");
	links_down(c, "shutting down");
	if (was_online)
		say_goodbye(c);
	c->hub = NULL;
}

void cluster_destroy(struct cluster *c)
{
	if (!c)
		return;
	cluster_stop(c);
	while (c->peers) {
		struct node_peer *p = c->peers;
		c->peers = p->next;
		free(p);
	}
	buf_release(&c->scratch);
	departures_clear(&c->gone);
	free(c);
}

void cluster_stats(const struct cluster *c, struct cluster_stats *out)
{
	*out = c->st;
	out->online = c->online;
	count_state(c, out);
}
