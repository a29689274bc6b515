/* cluster_private: the node's state, shared by cluster.c (links, leases,
 * resync), publish.c (the bus seam: local events out) and apply.c (remote
 * events in). */
#ifndef PARLEY_CLUSTER_PRIVATE_H
#define PARLEY_CLUSTER_PRIVATE_H

#include "cluster/bus_msg.h"
#include "cluster/cluster.h"
#include "cluster/departures.h"
#include "cluster/redis_link.h"
#include "hub/hub.h"
#include "loop/loop.h"
#include "util/buf.h"

enum {
	CLUSTER_KEY_MAX = 160,
	CLUSTER_OBUF_MAX = 64 * 1024 * 1024, /* bytes queued for Redis, at most */
	CLUSTER_SHA_MAX = 48,                /* a loaded script's SHA1, hex, and NUL */
};

/* Another node we have heard of; proxies point at it (their hub tag). */
struct node_peer {
	struct node_peer *next;
	bool alive_seen; /* set by the last lease check */
	char name[BUS_NODE_MAX + 1];
};

struct cluster {
	struct cluster_config cfg;
	struct redis_endpoint redis; /* from cfg */
	struct hub_bus bus;
	struct hub *hub;
	struct redis_link *cmd, *sub; /* commands; subscriptions (NULL: none) */
	bool cmd_up, sub_up, online, stopping, ever_online;
	bool failure_logged; /* this outage has had its warning */
	uint64_t backoff_ms;
	struct loop_timer retry, beat;
	struct node_peer *peers;
	struct buf scratch;
	struct cluster_stats st;
	uint32_t guest_seq;
	/* Bumped by every member-flag or ban change seen live: a read of
	 * those lists sent before it may be stale (room_moderation.c). */
	uint64_t lists_epoch;
	/* Members reads (room members, all users) sent and answered, and the
	 * departures they must not undo (departures.h); all_users_seq is the
	 * number of the pending read of every user, if any. */
	uint64_t reads_sent, reads_done, all_users_seq;
	struct departures gone;
	char say_sha[CLUSTER_SHA_MAX]; /* SHA1 of the room-line script once loaded, or "" */
	char priv_sha[CLUSTER_SHA_MAX]; /* the private-line script's, likewise */
	char node[BUS_NODE_MAX + 1];
	size_t node_len;
};

/* cluster.c */
/* Lower-cased copy of `p` into `out` (at most CLUSTER_KEY_MAX - 1 bytes). */
size_t cluster_lower(char *out, const char *p, size_t len);
/* "parley:<what><lower(p)>" into `out`. */
const char *cluster_key(char *out, const char *what, const char *p, size_t len);
struct node_peer *cluster_peer(struct cluster *c, const char *name, size_t len, bool create);
/* Runs a command on the command link if it is up (argv form); `fn` may be
 * NULL. False when offline. */
bool cluster_cmd(struct cluster *c, redis_reply_fn *fn, void *priv, int argc, const char **argv,
		 const size_t *lens);
/* SUBSCRIBE or UNSUBSCRIBE `chan` on the subscription link, if up (true:
 * sent). */
bool cluster_subscribe(struct cluster *c, const char *verb, const char *chan);
/* Reads every other node's users (after the presence subscription). */
void cluster_load_all_users(struct cluster *c);
/* Removes every proxy of `peer` (NULL: of every peer) with a QUIT. */
void cluster_drop_proxies(struct cluster *c, const struct node_peer *peer, const char *why);

/* publish.c */
extern const struct hub_bus_ops cluster_bus_ops;
/* Claims `user`'s name and announces it; `old` (may be NULL) is released
 * on success. Used on registration, rename and resync. */
void cluster_claim(struct cluster *c, const struct hub_user *user, const char *old,
		   size_t old_len);
/* Records a local membership in Redis (resync and join). */
void cluster_note_member(struct cluster *c, const struct hub_user *user,
			 const struct hub_room *room);
/* As cluster_note_member, and publishes the JOIN (resync). */
void cluster_announce_member(struct cluster *c, const struct hub_user *user,
			     const struct hub_room *room);
/* Publishes `m` on its room's channel. */
void cluster_publish_room(struct cluster *c, const struct bus_msg *m);
/* Has Redis keep the hot scripts (on each connection). */
void cluster_load_scripts(struct cluster *c);
/* Subscribes to a room's channel and loads its remote members. */
void cluster_room_subscribe(struct cluster *c, const struct hub_room *room);
/* Loads a room's remote members once its subscription is confirmed, so no
 * member who joins from then on can fall between the read and the channel. */
void cluster_room_load(struct cluster *c, const char *room, size_t len);

/* room_moderation.c */
/* Records a local joiner in the room hash; if it is the room's first
 * member network-wide, it is made operator once Redis says so. */
void cluster_join_claim(struct cluster *c, const struct hub_user *user,
			const struct hub_room *room);
/* Keeps a member's flags (0: none) in parley:roomflags:LROOM. */
void cluster_save_flags(struct cluster *c, const char *room, size_t room_len, const char *name,
			size_t name_len, uint32_t flags);
/* Moves a renamed member's flags to its new name. */
void cluster_rename_flags(struct cluster *c, const char *room, size_t room_len, const char *old,
			  size_t old_len, const char *name, size_t name_len);
/* Adds or removes the ban of a HUB_EV_BAN in parley:roombans:LROOM. */
void cluster_save_ban(struct cluster *c, const struct hub_event *ev);
/* Rewrites the local members' flags and the room's bans (resync). */
void cluster_resave_room(struct cluster *c, const struct hub_room *room);
/* Reads a room's bans and flags back after subscribing to it. */
void cluster_room_load_moderation(struct cluster *c, const char *room, size_t len);

/* reach.c */
/* Publishes a relayed message (hub_relay: a SAY or PRIVMSG with id 0). */
void cluster_publish_relay(struct cluster *c, const struct hub_event *ev);
/* The bus's kill op: asks the victim's node to disconnect it. */
bool cluster_kill(void *impl, const struct hub_user *by, const struct hub_user *victim,
		  const char *reason, size_t len);
/* Applies a BUS_RELAY / BUS_KILL from node `p`. */
void cluster_apply_relay(struct cluster *c, struct node_peer *p, const struct bus_msg *m);
void cluster_apply_kill(struct cluster *c, struct node_peer *p, const struct bus_msg *m);

/* private_lines.c */
/* The bus's privmsg op: numbers, keeps (if `keep`) and routes a private
 * line through Redis. False when offline. */
bool cluster_privmsg(void *impl, const struct hub_event *ev, bool keep);
/* Has Redis keep the private-line script (on each connection). */
void cluster_load_priv_script(struct cluster *c);
/* SCRIPT LOAD of `lua`; its SHA1 lands in `slot` ("" until then). */
void cluster_load_script(struct cluster *c, const char *lua, char slot[CLUSTER_SHA_MAX]);
/* After a script call: on NOSCRIPT (Redis flushed its scripts) while `sha`
 * was in use, the scripts are loaded again. */
void cluster_reload_on_noscript(struct cluster *c, const void *reply, const char *sha);
/* Applies a BUS_PRIV from a node channel (this node's own included). */
void cluster_apply_private(struct cluster *c, const struct bus_msg *m);

/* apply.c */
/* The proxy of `m->from` on node `p`, added if unknown (NULL if the name
 * is held by someone else). */
struct hub_user *cluster_proxy_for(struct cluster *c, struct node_peer *p,
				   const struct bus_msg *m);
/* Applies a USER record's operator and login status to proxy `u`. */
void cluster_user_status(struct cluster *c, struct hub_user *u, const struct bus_msg *m);
/* Handles one reply on the subscription link (message or confirmation). */
void cluster_on_sub_reply(struct cluster *c, void *reply);
/* Numbers a members read about to be sent (departures.h). */
uint64_t cluster_read_begin(struct cluster *c);
/* Members read `seq` was answered (`reply` NULL: lost with its link). */
void cluster_read_done(struct cluster *c, uint64_t seq);
/* Notes a departure applied now (departures_note): `name` empty for all
 * of `peer`'s users (NULL: every node's), `room` empty for the network. */
void cluster_note_gone(struct cluster *c, const struct node_peer *peer, struct bus_str name,
		       struct bus_str room);
/* Adds proxies from encoded USER records (an array reply) of members read
 * `seq`; with `room`, joins them to it. Users who went away since the read
 * was sent are skipped. */
void cluster_load_users(struct cluster *c, void *reply, struct hub_room *room, uint64_t seq);
/* Applies one decoded message. */
void cluster_apply(struct cluster *c, const struct bus_msg *m, bool room_channel);

#endif
