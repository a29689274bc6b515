/* hub_private: layouts shared by hub.c and room.c only. */
#ifndef PARLEY_HUB_PRIVATE_H
#define PARLEY_HUB_PRIVATE_H

#include "hub/hub.h"
#include "util/list.h"

struct map;

struct hub_user {
	struct list hub_link;  /* in hub->users, registration order */
	struct list room_link; /* in room->members while in a room */
	struct hub_room *room;
	const struct hub_sink *sink;
	void *ctx;
	uint8_t name_len;
	char name[]; /* NUL-terminated */
};

/* One history line: the speaker's name then the text, in one block. */
struct hub_record {
	uint8_t from_len;
	uint32_t text_len;
	char data[];
};

struct hub_room {
	struct list hub_link; /* in hub->rooms, creation order */
	struct list members;  /* struct hub_user.room_link, join order */
	uint32_t size;
	struct hub_record **history; /* ring of hub->cfg.history slots, lazy */
	uint32_t hist_head, hist_count;
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
	bool silent; /* no more deliveries (shutdown) */
};

/* room.c */
struct hub_room *room_create(struct hub *hub, const char *name, size_t len);
void room_add_member(const struct hub *hub, struct hub_room *room, struct hub_user *user);
void room_remove_member(struct hub *hub, struct hub_user *user);
void room_record(const struct hub *hub, struct hub_room *room, const struct hub_user *from,
		 const char *text, size_t len);
void room_deliver(const struct hub *hub, struct hub_room *room, struct hub_event *ev,
		  const struct hub_user *skip);

/* hub.c */
void event_release(struct hub_event *ev);

#endif
