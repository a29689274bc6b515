/* hub_private: layouts shared by the hub's files (hub.c, user.c, room.c)
 * only. */
#ifndef PARLEY_HUB_PRIVATE_H
#define PARLEY_HUB_PRIVATE_H

#include "hub/hub.h"
#include "util/list.h"

struct map;

/* One user in one room, linked into both. */
struct hub_member {
	/* What room fan-out reads comes first: it walks the members alone.
	 * The user's sink, context and proxy flag are copied at join (they
	 * are set when the user is made and never change), sparing a visit to
	 * the user per recipient. */
	struct list room_link; /* in room->members, join order */
	const struct hub_sink *sink;
	void *ctx;
	struct hub_user *user;
	bool proxy;
	uint32_t flags; /* HUB_MEMBER_* */
	struct list user_link; /* in user->rooms, join order */
	struct hub_room *room;
};

/* Ordered so the small fields pack at the end (112 bytes on LP64). */
struct hub_user {
	struct list hub_link; /* in hub->users, registration order */
	struct list rooms;    /* struct hub_member.user_link */
	uint64_t mark; /* == hub->epoch: already reached by this event */
	const struct hub_sink *sink;
	void *ctx;
	char *away;   /* NUL-terminated, NULL while here */
	char *origin; /* "ident@host", origin_len bytes; NULL if unset */
	uint32_t nrooms;
	uint8_t name_len, origin_len;
	bool logged_in : 1; /* owns the account of its name */
	bool proxy : 1;     /* another node's user (cluster mode) */
	bool oper : 1;      /* granted server operator by the OPER password */
	char name[HUB_NAME_MAX + 1]; /* NUL-terminated; changes on rename */
};

/* One history line: id, time, the speaker's name and origin, then the
 * text, in one block. */
struct hub_record {
	uint64_t id, time_ms;
	uint8_t from_len, origin_len;
	uint32_t text_len;
	char data[];
};

/* A record made from a store line (name and origin cut to their maxima). */
struct hub_record *hub_record_from_line(const struct store_line *line);

/* The record as a store line of `room`. */
struct store_line hub_record_line(const struct hub_room *room, const struct hub_record *rec);

/* Delivers the record to `to` alone as a replayed SAY. */
void hub_replay_record(const struct hub_room *room, struct hub_user *to,
		       const struct hub_record *rec);

/* A live room's history ring, read oldest first through hub_ring_record
 * (`view` is a struct hub_ring_view). */
struct hub_ring_view {
	const struct hub *hub;
	const struct hub_room *room;
};
const struct hub_record *hub_ring_record(const void *view, size_t i);

/* Of `n` records (rec(ctx, 0) oldest), the index of the first of the newest
 * ones whose cost, `line_overhead` + name + text each, fits in `budget`:
 * replay goes from there, oldest first, and never cuts the joiner. */
size_t hub_replay_first(size_t n, const struct hub_record *(*rec)(const void *ctx, size_t i),
			const void *ctx, size_t budget, size_t line_overhead);

struct hub_room {
	struct list hub_link; /* in hub->rooms, creation order */
	struct list members;  /* struct hub_member.room_link, join order */
	uint32_t size;
	uint32_t nlocal; /* members that are not proxies */
	struct hub_record **history; /* ring of hub->cfg.history slots, lazy */
	uint32_t hist_head, hist_count;
	/* With a store: the newest line id delivered or replayed here, so a
	 * bus backfill brings only what the members missed. */
	uint64_t newest_id;
	/* Bus ordering (bus_order.c): while the after-subscribe read is
	 * awaited, lines from the bus wait in `held`; `bus_seen` is the newest
	 * id delivered from the bus since the last subscription. */
	bool bus_holding;
	bool bus_lists_pending; /* operators and bans not read yet */
	uint32_t held_count, held_cap;
	struct hub_record **held;
	uint64_t bus_seen;
	uint64_t created_ms, topic_ms;
	char *topic; /* NUL-terminated, NULL if none */
	char topic_setter[HUB_NAME_MAX + 1];
	struct hub_room_modes modes;
	void *ext[HUB_RENDER_SLOTS]; /* per-dialect data, hub_room_set_ext() */
	struct hub_ban *bans; /* nbans masks, allocated with the first */
	uint32_t nbans;
	uint8_t name_len;
	char name[]; /* NUL-terminated, as first created */
};

struct hub {
	struct hub_config cfg;
	struct map *users_by_name;
	struct map *rooms_by_name;
	struct list users;
	struct list rooms;
	size_t nusers, nrooms;
	uint64_t last_id;
	uint64_t last_privmsg_id, last_privmsg_ms; /* for hub_last_privmsg */
	uint64_t epoch; /* bumped per de-duplicated delivery */
	int slots_taken;
	void (*ext_release[HUB_RENDER_SLOTS])(void *data);
	bool silent; /* no more deliveries (shutdown) */
	bool bus_applying; /* hub_bus_applying(): nothing goes back to the bus */
	struct hub_watch watch; /* presence watcher; .presence NULL if none */
	struct hub_fanout *fanout; /* counted in room_deliver(), which has a const hub */
};

/* hub.c */
void event_release(struct hub_event *ev);
uint64_t hub_now(const struct hub *hub);
uint64_t hub_new_id(struct hub *hub);
/* An id given elsewhere (the network's): later hub_new_id() ids are above it. */
void hub_saw_id(struct hub *hub, uint64_t id);
/* Fills the acting-user fields of `ev` from `u`. */
void event_from(struct hub_event *ev, const struct hub_user *u);

/* Tells the presence watcher, if any (hub_set_watch). */
static inline void hub_tell_watch(const struct hub *hub, enum hub_presence what,
				  const struct hub_user *user, const char *old, size_t old_len)
{
	if (hub->watch.presence && !hub->silent)
		hub->watch.presence(hub->watch.ctx, what, user, old, old_len);
}

/* Hands an event of a local user, or of the console (no user), to the
 * bus, if any; never one the bus is applying. */
static inline void bus_publish(const struct hub *hub, const struct hub_event *ev)
{
	const struct hub_bus *bus = hub->cfg.bus;
	if (bus && !hub->bus_applying && !(ev->user && ((const struct hub_user *)ev->user)->proxy))
		bus->ops->publish(bus->impl, ev);
}

/* room.c */
void room_deliver(const struct hub *hub, struct hub_room *room, struct hub_event *ev,
		  const struct hub_user *skip);
/* Drops a membership without telling anyone; an emptied room goes. */
void member_unlink(struct hub *hub, struct hub_member *m);

/* accounts.c */
/* Queues a room line (SAY) or a private line with the store. */
void store_room_line(struct hub *hub, const struct hub_event *ev);
/* `to` NULL: the line names its recipient in ev->target. */
void store_private_line(struct hub *hub, const struct hub_event *ev,
			const struct hub_user *to);
/* Replay from the store: as hub_replay_history. */
size_t store_replay(struct hub *hub, struct hub_user *user, struct hub_room *room,
		    size_t budget, size_t line_overhead);
/* With a bus and a store, when the node's first member joins `room`:
 * takes the stream's newest line as the newest delivered, so lines said
 * before the join are not taken from the after-subscribe read. */
void store_mark_join(struct hub *hub, struct hub_room *room);
/* hub_bus_backfill with a store: delivers the lines newer than the room's
 * newest. */
size_t store_backfill(struct hub *hub, struct hub_room *room, const struct store_line *lines,
		      size_t n);

/* room.c: a line from the bus delivered to the local members now (no
 * ordering checks), and the after-subscribe read taken as
 * hub_bus_backfill documents it. */
void hub_bus_deliver(struct hub *hub, struct hub_room *room, uint64_t id, uint64_t time_ms,
		     const char *from, size_t from_len, const char *origin, size_t origin_len,
		     const char *text, size_t len);
size_t hub_bus_take_read(struct hub *hub, struct hub_room *room, const struct store_line *lines,
			 size_t n);

/* bus_order.c: frees the lines a room still holds. */
void hub_bus_held_free(struct hub_room *room);

/* user.c */
/* Delivers `ev` once to each user sharing a room with `user` (and to
 * `user` itself if `self`), setting ev->room to the room it reached them
 * through. */
void deliver_to_neighbours(struct hub *hub, struct hub_user *user, struct hub_event *ev,
			   bool self);

#endif
