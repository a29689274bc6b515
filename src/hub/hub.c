/* hub: the user and room registries and the operations dialects call.
 * Depends on util/ only. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/msg.h"

static const char *user_key(const void *value, size_t *len)
{
	const struct hub_user *u = value;
	*len = u->name_len;
	return u->name;
}

static const char *room_key(const void *value, size_t *len)
{
	const struct hub_room *r = value;
	*len = r->name_len;
	return r->name;
}

struct hub *hub_create(const struct hub_config *cfg)
{
	struct hub *hub = xcalloc(1, sizeof(*hub));
	hub->cfg = *cfg;
	hub->users_by_name = map_create(user_key, true);
	hub->rooms_by_name = map_create(room_key, true);
	list_init(&hub->users);
	list_init(&hub->rooms);
	return hub;
}

void hub_destroy(struct hub *hub)
{
	if (!hub)
		return;
	assert(hub->nusers == 0 && hub->nrooms == 0);
	map_destroy(hub->users_by_name);
	map_destroy(hub->rooms_by_name);
	free(hub);
}

void event_release(struct hub_event *ev)
{
	for (int i = 0; i < HUB_RENDER_SLOTS; i++) {
		if (ev->rendered[i]) {
			msg_unref(ev->rendered[i]);
			ev->rendered[i] = NULL;
		}
	}
}

void hub_silence(struct hub *hub)
{
	hub->silent = true;
}

/* ---- validation ---- */

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool hub_name_valid(const char *name, size_t len)
{
	if (len < 1 || len > HUB_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char((unsigned char)name[i]))
			return false;
	return true;
}

bool hub_room_valid(const char *room, size_t len)
{
	if (len < 2 || len > HUB_ROOM_MAX || room[0] != '#')
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)room[i];
		if (c <= 0x20 || c >= 0x7f || c == ',')
			return false;
	}
	return true;
}

/* ---- users ---- */

enum hub_result hub_register(struct hub *hub, const char *name, size_t len,
			     const struct hub_sink *sink, void *ctx, struct hub_user **out)
{
	if (!hub_name_valid(name, len))
		return HUB_NAME_INVALID;
	if (map_get(hub->users_by_name, name, len))
		return HUB_NAME_TAKEN;
	struct hub_user *u = xcalloc(1, sizeof(*u) + len + 1);
	list_init(&u->room_link);
	u->sink = sink;
	u->ctx = ctx;
	u->name_len = (uint8_t)len;
	memcpy(u->name, name, len);
	u->name[len] = '\0';
	map_put(hub->users_by_name, u);
	list_insert_tail(&hub->users, &u->hub_link);
	hub->nusers++;
	*out = u;
	return HUB_OK;
}

void hub_unregister(struct hub *hub, struct hub_user *user)
{
	if (user->room)
		room_remove_member(hub, user);
	map_remove(hub->users_by_name, user->name, user->name_len);
	list_remove(&user->hub_link);
	hub->nusers--;
	free(user);
}

enum hub_result hub_privmsg(struct hub *hub, struct hub_user *from, const char *to,
			    size_t to_len, const char *text, size_t len)
{
	struct hub_user *target = map_get(hub->users_by_name, to, to_len);
	if (!target)
		return HUB_NO_SUCH_USER;
	if (hub->silent)
		return HUB_OK;
	struct hub_event ev = {
		.kind = HUB_EV_PRIVMSG,
		.from = from->name,
		.from_len = from->name_len,
		.text = text,
		.text_len = len,
	};
	target->sink->deliver(target->ctx, &ev);
	event_release(&ev);
	return HUB_OK;
}

/* ---- rooms ---- */

enum hub_result hub_join(struct hub *hub, struct hub_user *user, const char *name, size_t len)
{
	if (!hub_room_valid(name, len))
		return HUB_ROOM_INVALID;
	struct hub_room *room = map_get(hub->rooms_by_name, name, len);
	if (room && room == user->room)
		return HUB_ALREADY_IN;
	if (user->room)
		room_remove_member(hub, user);
	if (!room)
		room = room_create(hub, name, len);
	room_add_member(hub, room, user);
	return HUB_OK;
}

enum hub_result hub_leave(struct hub *hub, struct hub_user *user,
			  char name_out[HUB_ROOM_MAX + 1])
{
	if (!user->room)
		return HUB_NOT_IN_ROOM;
	memcpy(name_out, user->room->name, user->room->name_len + 1u);
	room_remove_member(hub, user);
	return HUB_OK;
}

enum hub_result hub_say(struct hub *hub, struct hub_user *user, const char *text, size_t len)
{
	struct hub_room *room = user->room;
	if (!room)
		return HUB_NOT_IN_ROOM;
	room_record(hub, room, user, text, len);
	struct hub_event ev = {
		.kind = HUB_EV_SAY,
		.room = room->name,
		.room_len = room->name_len,
		.from = user->name,
		.from_len = user->name_len,
		.text = text,
		.text_len = len,
	};
	room_deliver(hub, room, &ev, NULL);
	return HUB_OK;
}

struct hub_room *hub_find_room(const struct hub *hub, const char *name, size_t len)
{
	return map_get(hub->rooms_by_name, name, len);
}

/* ---- reading state ---- */

const char *hub_user_name(const struct hub_user *user) { return user->name; }
size_t hub_user_name_len(const struct hub_user *user) { return user->name_len; }
struct hub_room *hub_user_room(const struct hub_user *user) { return user->room; }
const char *hub_room_name(const struct hub_room *room) { return room->name; }
size_t hub_room_name_len(const struct hub_room *room) { return room->name_len; }
size_t hub_room_size(const struct hub_room *room) { return room->size; }
size_t hub_user_count(const struct hub *hub) { return hub->nusers; }
size_t hub_room_count(const struct hub *hub) { return hub->nrooms; }

/* ---- iteration ---- */

struct hub_user *hub_first_user(const struct hub *hub)
{
	return list_empty(&hub->users) ? NULL
				       : list_entry(hub->users.next, struct hub_user, hub_link);
}

struct hub_user *hub_next_user(const struct hub *hub, const struct hub_user *user)
{
	return user->hub_link.next == &hub->users
		       ? NULL
		       : list_entry(user->hub_link.next, struct hub_user, hub_link);
}

struct hub_room *hub_first_room(const struct hub *hub)
{
	return list_empty(&hub->rooms) ? NULL
				       : list_entry(hub->rooms.next, struct hub_room, hub_link);
}

struct hub_room *hub_next_room(const struct hub *hub, const struct hub_room *room)
{
	return room->hub_link.next == &hub->rooms
		       ? NULL
		       : list_entry(room->hub_link.next, struct hub_room, hub_link);
}

struct hub_user *hub_first_member(const struct hub_room *room)
{
	return list_empty(&room->members)
		       ? NULL
		       : list_entry(room->members.next, struct hub_user, room_link);
}

struct hub_user *hub_next_member(const struct hub_room *room, const struct hub_user *user)
{
	return user->room_link.next == &room->members
		       ? NULL
		       : list_entry(user->room_link.next, struct hub_user, room_link);
}
