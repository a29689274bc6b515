/* moderation: ban lists, closing rooms, killing users and server
 * operators — the protocol-neutral half of moderation (hub.h). The hub
 * keeps the lists and tells every member; dialects decide who may act and
 * enforce the lists on joining and speaking. */
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/mask.h"
#include "util/str.h"

static bool mask_equal(const struct hub_ban *b, const char *mask, size_t len)
{
	return strlen(b->mask) == len && ascii_casecmp_n(b->mask, mask, len) == 0;
}

static struct hub_ban *find_ban(const struct hub_room *room, const char *mask, size_t len)
{
	for (uint32_t i = 0; i < room->nbans; i++)
		if (mask_equal(&room->bans[i], mask, len))
			return &room->bans[i];
	return NULL;
}

static void announce_ban(struct hub *hub, struct hub_user *by, struct hub_room *room,
			 const char *mask, size_t len, bool add)
{
	struct hub_event ev = {
		.kind = HUB_EV_BAN,
		.target = mask,
		.target_len = len,
		.flags_new = add ? 1u : 0u,
	};
	event_from(&ev, by);
	room_deliver(hub, room, &ev, NULL);
	ev.room = room->name;
	ev.room_len = room->name_len;
	bus_publish(hub, &ev);
}

static enum hub_result ban_put(struct hub_room *room, const char *mask, size_t len,
			       const char *setter, size_t setter_len, uint64_t time_ms)
{
	if (len == 0 || len > HUB_MASK_MAX)
		return HUB_ROOM_INVALID;
	if (find_ban(room, mask, len))
		return HUB_BAN_EXISTS;
	if (room->nbans == HUB_BANS_MAX)
		return HUB_BAN_FULL;
	if (!room->bans)
		room->bans = xcalloc(HUB_BANS_MAX, sizeof(*room->bans));
	struct hub_ban *b = &room->bans[room->nbans++];
	memcpy(b->mask, mask, len);
	b->mask[len] = '\0';
	if (setter_len > HUB_NAME_MAX)
		setter_len = HUB_NAME_MAX;
	memcpy(b->setter, setter, setter_len);
	b->setter[setter_len] = '\0';
	b->time_ms = time_ms;
	return HUB_OK;
}

enum hub_result hub_ban_add(struct hub *hub, struct hub_user *by, struct hub_room *room,
			    const char *mask, size_t len)
{
	const char *setter = by ? by->name : HUB_CONSOLE_NAME;
	enum hub_result r = ban_put(room, mask, len, setter, strlen(setter), hub_now(hub));
	if (r == HUB_OK)
		announce_ban(hub, by, room, room->bans[room->nbans - 1].mask, len, true);
	return r;
}

bool hub_bus_ban_load(struct hub *hub, struct hub_room *room, const char *mask, size_t len,
		      const char *setter, size_t setter_len, uint64_t time_ms)
{
	(void)hub;
	return ban_put(room, mask, len, setter, setter_len, time_ms) == HUB_OK;
}

enum hub_result hub_ban_remove(struct hub *hub, struct hub_user *by, struct hub_room *room,
			       const char *mask, size_t len)
{
	struct hub_ban *b = find_ban(room, mask, len);
	if (!b)
		return HUB_BAN_MISSING;
	char gone[HUB_MASK_MAX + 1];
	memcpy(gone, b->mask, sizeof(gone));
	size_t i = (size_t)(b - room->bans);
	memmove(b, b + 1, (room->nbans - i - 1) * sizeof(*b));
	room->nbans--;
	announce_ban(hub, by, room, gone, strlen(gone), false);
	return HUB_OK;
}

size_t hub_room_ban_count(const struct hub_room *room)
{
	return room->nbans;
}

const struct hub_ban *hub_room_ban(const struct hub_room *room, size_t i)
{
	return i < room->nbans ? &room->bans[i] : NULL;
}

bool hub_room_banned(const struct hub_room *room, const char *who, size_t len)
{
	for (uint32_t i = 0; i < room->nbans; i++)
		if (mask_match(room->bans[i].mask, strlen(room->bans[i].mask), who, len))
			return true;
	return false;
}

void hub_close_room(struct hub *hub, struct hub_user *by, struct hub_room *room,
		    const char *reason, size_t len)
{
	/* Each kick may drop the room: count first, then kick the first
	 * member while any remain. */
	for (size_t n = room->size; n > 0; n--) {
		struct hub_member *m = list_entry(room->members.next, struct hub_member, room_link);
		hub_kick(hub, by, room, m->user, reason, len);
	}
}

bool hub_kill(struct hub *hub, struct hub_user *by, struct hub_user *victim, const char *reason,
	      size_t len)
{
	if (victim->proxy) {
		const struct hub_bus *bus = hub->cfg.bus;
		return bus && bus->ops->kill && bus->ops->kill(bus->impl, by, victim, reason, len);
	}
	if (!victim->sink->kill)
		return false;
	victim->sink->kill(victim->ctx, by ? by->name : HUB_CONSOLE_NAME, reason, len);
	return true;
}

bool hub_user_is_oper(const struct hub *hub, const struct hub_user *user)
{
	if (user->oper)
		return true;
	if (!user->logged_in)
		return false;
	for (size_t i = 0; i < hub->cfg.nopers; i++)
		if (strlen(hub->cfg.opers[i]) == user->name_len &&
		    ascii_casecmp_n(hub->cfg.opers[i], user->name, user->name_len) == 0)
			return true;
	return false;
}

void hub_user_set_oper(struct hub *hub, struct hub_user *user)
{
	bool news = !user->oper;
	user->oper = true;
	const struct hub_bus *bus = hub->cfg.bus;
	if (news && bus && !user->proxy)
		bus->ops->user_added(bus->impl, user);
}

/* Compared in time independent of where the first difference is. */
bool hub_oper_password_ok(const struct hub *hub, const char *pw, size_t len)
{
	const char *want = hub->cfg.oper_password;
	if (!want)
		return false;
	size_t wlen = strlen(want);
	unsigned diff = (unsigned)(wlen ^ len);
	for (size_t i = 0; i < len; i++)
		diff |= (unsigned char)pw[i] ^ (unsigned char)want[i % (wlen ? wlen : 1)];
	return diff == 0;
}

bool hub_may_moderate(const struct hub *hub, const struct hub_user *user,
		      const struct hub_room *room)
{
	const struct hub_member *m = hub_membership(user, room);
	return (m && (m->flags & HUB_MEMBER_OP)) || hub_user_is_oper(hub, user);
}

bool hub_may_speak(const struct hub *hub, const struct hub_user *user,
		   const struct hub_room *room)
{
	if (!(room->modes.flags & HUB_ROOM_MODERATED))
		return true;
	const struct hub_member *m = hub_membership(user, room);
	return (m && (m->flags & (HUB_MEMBER_OP | HUB_MEMBER_VOICE))) ||
	       hub_user_is_oper(hub, user);
}
