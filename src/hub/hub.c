/* hub: the registries, validation, ids and time, render slots, lookups and
 * iteration. User operations live in user.c, room operations in room.c.
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
	hub->fanout = xcalloc(1, sizeof(*hub->fanout));
	return hub;
}

void hub_destroy(struct hub *hub)
{
	if (!hub)
		return;
	assert(hub->nusers == 0 && hub->nrooms == 0);
	map_destroy(hub->users_by_name);
	map_destroy(hub->rooms_by_name);
	free(hub->fanout);
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

void event_from(struct hub_event *ev, const struct hub_user *u)
{
	ev->user = u;
	ev->from = u ? u->name : HUB_CONSOLE_NAME;
	ev->from_len = u ? u->name_len : sizeof(HUB_CONSOLE_NAME) - 1;
	ev->origin = u && u->origin ? u->origin : "";
	ev->origin_len = u ? u->origin_len : 0;
}

void hub_silence(struct hub *hub)
{
	hub->silent = true;
}

int hub_render_slot(struct hub *hub)
{
	return hub->slots_taken < HUB_RENDER_SLOTS ? hub->slots_taken++ : -1;
}

uint64_t hub_now(const struct hub *hub)
{
	return hub->cfg.now_ms ? hub->cfg.now_ms(hub->cfg.now_ctx) : 0;
}

/* Never at or below an id already seen: in cluster mode, ids a node gives
 * while it is cut from Redis then at least start above every network id it
 * has delivered (hub_saw_id). */
uint64_t hub_new_id(struct hub *hub)
{
	uint64_t id = hub->cfg.next_id ? hub->cfg.next_id(hub->cfg.id_ctx) : hub->last_id + 1;
	hub->last_id = id > hub->last_id ? id : hub->last_id + 1;
	return hub->last_id;
}

void hub_saw_id(struct hub *hub, uint64_t id)
{
	if (id > hub->last_id)
		hub->last_id = id;
}

void hub_last_privmsg(const struct hub *hub, uint64_t *id, uint64_t *time_ms)
{
	*id = hub->last_privmsg_id;
	*time_ms = hub->last_privmsg_ms;
}

void hub_msgid_format(uint64_t id, char out[HUB_MSGID_LEN])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = HUB_MSGID_LEN - 1; i >= 0; i--, id >>= 4)
		out[i] = hex[id & 15];
}

/* ---- validation ---- */

/* IRC's "special" characters, allowed in names so that IRC users can keep
 * the nicks they are used to. */
static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '[' || c == ']' || c == '\\' || c == '`' ||
	       c == '^' || c == '{' || c == '}' || c == '|';
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

/* ':' would end an IRC parameter early; controls (BEL included), space and
 * ',' are excluded for both protocols. */
bool hub_room_valid(const char *room, size_t len)
{
	if (len < 2 || len > HUB_ROOM_MAX || room[0] != '#')
		return false;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)room[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == ':')
			return false;
	}
	return true;
}

/* ---- lookups and reading state ---- */

struct hub_room *hub_find_room(const struct hub *hub, const char *name, size_t len)
{
	return map_get(hub->rooms_by_name, name, len);
}

struct hub_user *hub_find_user(const struct hub *hub, const char *name, size_t len)
{
	return map_get(hub->users_by_name, name, len);
}

struct hub_member *hub_membership(const struct hub_user *user, const struct hub_room *room)
{
	const struct list *pos;
	list_for_each(pos, &user->rooms) {
		struct hub_member *m = list_entry(pos, struct hub_member, user_link);
		if (m->room == room)
			return m;
	}
	return NULL;
}

const char *hub_user_name(const struct hub_user *user) { return user->name; }
size_t hub_user_name_len(const struct hub_user *user) { return user->name_len; }
size_t hub_user_room_count(const struct hub_user *user) { return user->nrooms; }
void *hub_user_ctx(const struct hub_user *user) { return user->ctx; }
const struct hub_sink *hub_user_sink(const struct hub_user *user) { return user->sink; }

const char *hub_user_origin(const struct hub_user *user, size_t *len)
{
	*len = user->origin_len;
	return user->origin ? user->origin : "";
}

const char *hub_user_away(const struct hub_user *user, size_t *len)
{
	*len = user->away ? strlen(user->away) : 0;
	return user->away;
}

const char *hub_room_name(const struct hub_room *room) { return room->name; }
size_t hub_room_name_len(const struct hub_room *room) { return room->name_len; }
size_t hub_room_size(const struct hub_room *room) { return room->size; }
uint64_t hub_room_created_ms(const struct hub_room *room) { return room->created_ms; }
const struct hub_room_modes *hub_room_modes(const struct hub_room *room) { return &room->modes; }
const char *hub_room_topic_setter(const struct hub_room *room) { return room->topic_setter; }
uint64_t hub_room_topic_ms(const struct hub_room *room) { return room->topic_ms; }

const char *hub_room_topic(const struct hub_room *room, size_t *len)
{
	*len = room->topic ? strlen(room->topic) : 0;
	return room->topic ? room->topic : "";
}

struct hub_user *hub_member_user(const struct hub_member *m) { return m->user; }
struct hub_room *hub_member_room(const struct hub_member *m) { return m->room; }
uint32_t hub_member_flags(const struct hub_member *m) { return m->flags; }

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

struct hub_member *hub_first_member(const struct hub_room *room)
{
	return list_empty(&room->members)
		       ? NULL
		       : list_entry(room->members.next, struct hub_member, room_link);
}

struct hub_member *hub_next_member(const struct hub_member *m)
{
	return m->room_link.next == &m->room->members
		       ? NULL
		       : list_entry(m->room_link.next, struct hub_member, room_link);
}

struct hub_member *hub_first_membership(const struct hub_user *user)
{
	return list_empty(&user->rooms)
		       ? NULL
		       : list_entry(user->rooms.next, struct hub_member, user_link);
}

struct hub_member *hub_next_membership(const struct hub_member *m)
{
	return m->user_link.next == &m->user->rooms
		       ? NULL
		       : list_entry(m->user_link.next, struct hub_member, user_link);
}

const unsigned hub_fanout_bounds[HUB_FANOUT_BUCKETS - 1] = {1,   2,   5,   10,   20,  50,
							   100, 200, 500, 1000, 5000};

void hub_get_fanout(const struct hub *hub, struct hub_fanout *out)
{
	*out = *hub->fanout;
}
