/* room: membership, fan-out and the history ring of one room. A room exists
 * while it has members; the last member leaving drops it and its history. */
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/map.h"

struct hub_room *room_create(struct hub *hub, const char *name, size_t len)
{
	struct hub_room *room = xcalloc(1, sizeof(*room) + len + 1);
	list_init(&room->members);
	room->name_len = (uint8_t)len;
	memcpy(room->name, name, len);
	room->name[len] = '\0';
	list_insert_tail(&hub->rooms, &room->hub_link);
	map_put(hub->rooms_by_name, room);
	hub->nrooms++;
	return room;
}

static void room_destroy(struct hub *hub, struct hub_room *room)
{
	map_remove(hub->rooms_by_name, room->name, room->name_len);
	list_remove(&room->hub_link);
	hub->nrooms--;
	size_t cap = hub->cfg.history;
	for (uint32_t i = 0; i < room->hist_count; i++)
		free(room->history[(room->hist_head + i) % cap]);
	free(room->history);
	free(room);
}

void room_deliver(const struct hub *hub, struct hub_room *room, struct hub_event *ev,
		  const struct hub_user *skip)
{
	struct list *pos;
	if (hub->silent)
		return;
	list_for_each(pos, &room->members) {
		struct hub_user *u = list_entry(pos, struct hub_user, room_link);
		if (u != skip)
			u->sink->deliver(u->ctx, ev);
	}
	event_release(ev);
}

static void announce(const struct hub *hub, struct hub_room *room, enum hub_event_kind kind,
		     const struct hub_user *who)
{
	struct hub_event ev = {
		.kind = kind,
		.room = room->name,
		.room_len = room->name_len,
		.from = who->name,
		.from_len = who->name_len,
	};
	room_deliver(hub, room, &ev, who);
}

/* Announces first, so the newcomer never hears of itself. */
void room_add_member(const struct hub *hub, struct hub_room *room, struct hub_user *user)
{
	announce(hub, room, HUB_EV_JOIN, user);
	list_insert_tail(&room->members, &user->room_link);
	room->size++;
	user->room = room;
}

void room_remove_member(struct hub *hub, struct hub_user *user)
{
	struct hub_room *room = user->room;
	list_remove(&user->room_link);
	room->size--;
	user->room = NULL;
	if (room->size == 0) {
		room_destroy(hub, room);
		return;
	}
	announce(hub, room, HUB_EV_LEAVE, user);
}

void room_record(const struct hub *hub, struct hub_room *room, const struct hub_user *from,
		 const char *text, size_t len)
{
	size_t cap = hub->cfg.history;
	if (cap == 0)
		return;
	if (!room->history)
		room->history = xcalloc(cap, sizeof(*room->history));
	struct hub_record *rec = xmalloc(sizeof(*rec) + from->name_len + len);
	rec->from_len = from->name_len;
	rec->text_len = (uint32_t)len;
	memcpy(rec->data, from->name, from->name_len);
	memcpy(rec->data + from->name_len, text, len);
	if (room->hist_count == cap) {
		free(room->history[room->hist_head]);
		room->history[room->hist_head] = rec;
		room->hist_head = (uint32_t)((room->hist_head + 1) % cap);
	} else {
		room->history[(room->hist_head + room->hist_count) % cap] = rec;
		room->hist_count++;
	}
}

void hub_replay_history(struct hub *hub, struct hub_user *user)
{
	struct hub_room *room = user->room;
	if (!room)
		return;
	size_t cap = hub->cfg.history;
	if (hub->silent)
		return;
	for (uint32_t i = 0; i < room->hist_count; i++) {
		const struct hub_record *rec = room->history[(room->hist_head + i) % cap];
		struct hub_event ev = {
			.kind = HUB_EV_SAY,
			.replay = true,
			.room = room->name,
			.room_len = room->name_len,
			.from = rec->data,
			.from_len = rec->from_len,
			.text = rec->data + rec->from_len,
			.text_len = rec->text_len,
		};
		user->sink->deliver(user->ctx, &ev);
		event_release(&ev);
	}
}
