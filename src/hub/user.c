/* user: registering, renaming, away state, private messages and quitting,
 * and the de-duplicated delivery to every user who shares a room with
 * someone (QUIT, NICK and AWAY reach each of them once, however many rooms
 * they share). */
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/map.h"

/* A per-delivery epoch marks who was reached, so nothing is allocated per
 * recipient and a user in many shared rooms hears once. */
void deliver_to_neighbours(struct hub *hub, struct hub_user *user, struct hub_event *ev,
			   bool self)
{
	if (hub->silent)
		return;
	uint64_t epoch = ++hub->epoch;
	const struct hub_member *first = hub_first_membership(user);
	ev->room = first ? first->room->name : NULL;
	ev->room_len = first ? first->room->name_len : 0;
	user->mark = epoch;
	if (self)
		user->sink->deliver(user->ctx, ev);
	struct list *pos, *mpos;
	list_for_each(pos, &user->rooms) {
		struct hub_room *room = list_entry(pos, struct hub_member, user_link)->room;
		ev->room = room->name;
		ev->room_len = room->name_len;
		list_for_each(mpos, &room->members) {
			struct hub_user *u = list_entry(mpos, struct hub_member, room_link)->user;
			if (u->mark != epoch) {
				u->mark = epoch;
				u->sink->deliver(u->ctx, ev);
			}
		}
		event_release(ev);
	}
	event_release(ev);
}

static enum hub_result add_user(struct hub *hub, const char *name, size_t len,
				const struct hub_sink *sink, void *ctx, struct hub_user **out,
				bool logged_in)
{
	if (!hub_name_valid(name, len))
		return HUB_NAME_INVALID;
	if (map_get(hub->users_by_name, name, len))
		return HUB_NAME_TAKEN;
	const struct store *st = hub->cfg.store;
	if (!logged_in && st && st->ops->account_exists(st->impl, name, len))
		return HUB_NAME_REGISTERED;
	struct hub_user *u = xcalloc(1, sizeof(*u));
	list_init(&u->rooms);
	u->sink = sink;
	u->ctx = ctx;
	u->logged_in = logged_in;
	u->name_len = (uint8_t)len;
	memcpy(u->name, name, len);
	map_put(hub->users_by_name, u);
	list_insert_tail(&hub->users, &u->hub_link);
	hub->nusers++;
	*out = u;
	return HUB_OK;
}

static enum hub_result add_local_user(struct hub *hub, const char *name, size_t len,
				      const struct hub_sink *sink, void *ctx,
				      struct hub_user **out, bool logged_in)
{
	enum hub_result r = add_user(hub, name, len, sink, ctx, out, logged_in);
	const struct hub_bus *bus = hub->cfg.bus;
	if (r == HUB_OK && bus)
		bus->ops->user_added(bus->impl, *out);
	if (r == HUB_OK)
		hub_tell_watch(hub, HUB_PRESENCE_ARRIVED, *out, NULL, 0);
	return r;
}

/* Proxies are reached through the bus: room fan-out passes them by. */
static void proxy_deliver(void *ctx, struct hub_event *ev)
{
	(void)ctx;
	(void)ev;
}

static const struct hub_sink proxy_sink = {.deliver = proxy_deliver};

enum hub_result hub_proxy_add(struct hub *hub, const char *name, size_t len,
			      const char *origin, size_t origin_len, void *tag,
			      struct hub_user **out)
{
	if (!hub_name_valid(name, len))
		return HUB_NAME_INVALID;
	if (map_get(hub->users_by_name, name, len))
		return HUB_NAME_TAKEN;
	/* The owning node checked accounts; a proxy is never refused for one. */
	enum hub_result r = add_user(hub, name, len, &proxy_sink, tag, out, true);
	if (r == HUB_OK) {
		(*out)->proxy = true;
		hub_set_origin(*out, origin, origin_len);
		hub_tell_watch(hub, HUB_PRESENCE_ARRIVED, *out, NULL, 0);
	}
	return r;
}

bool hub_user_is_proxy(const struct hub_user *user)
{
	return user->proxy;
}

enum hub_result hub_register(struct hub *hub, const char *name, size_t len,
			     const struct hub_sink *sink, void *ctx, struct hub_user **out)
{
	return add_local_user(hub, name, len, sink, ctx, out, false);
}

enum hub_result hub_register_account(struct hub *hub, const char *name, size_t len,
				     const struct hub_sink *sink, void *ctx,
				     struct hub_user **out)
{
	return add_local_user(hub, name, len, sink, ctx, out, true);
}

void hub_set_origin(struct hub_user *user, const char *origin, size_t len)
{
	if (len > HUB_ORIGIN_MAX)
		len = HUB_ORIGIN_MAX;
	free(user->origin);
	user->origin = NULL;
	user->origin_len = (uint8_t)len;
	if (len > 0) {
		user->origin = xmalloc(len);
		memcpy(user->origin, origin, len);
	}
}

void hub_unregister(struct hub *hub, struct hub_user *user, const char *reason, size_t len)
{
	struct hub_event ev = {.kind = HUB_EV_QUIT, .text = reason, .text_len = len};
	event_from(&ev, user);
	bus_publish(hub, &ev);
	deliver_to_neighbours(hub, user, &ev, false);
	while (!list_empty(&user->rooms))
		member_unlink(hub, list_entry(user->rooms.next, struct hub_member, user_link));
	map_remove(hub->users_by_name, user->name, user->name_len);
	list_remove(&user->hub_link);
	hub->nusers--;
	hub_tell_watch(hub, HUB_PRESENCE_LEFT, user, NULL, 0);
	free(user->away);
	free(user->origin);
	free(user);
}

static enum hub_result rename_user(struct hub *hub, struct hub_user *user, const char *name,
				   size_t len, bool owner);

enum hub_result hub_rename(struct hub *hub, struct hub_user *user, const char *name, size_t len)
{
	return rename_user(hub, user, name, len, false);
}

enum hub_result hub_rename_account(struct hub *hub, struct hub_user *user, const char *name,
				   size_t len)
{
	enum hub_result r = rename_user(hub, user, name, len, true);
	if (r == HUB_OK)
		hub_user_set_logged_in(hub, user);
	return r;
}

static enum hub_result rename_user(struct hub *hub, struct hub_user *user, const char *name,
				   size_t len, bool owner)
{
	if (!hub_name_valid(name, len))
		return HUB_NAME_INVALID;
	const struct hub_user *holder = map_get(hub->users_by_name, name, len);
	if (holder && holder != user)
		return HUB_NAME_TAKEN;
	if (len == user->name_len && memcmp(name, user->name, len) == 0)
		return HUB_OK;
	/* A change of case keeps the name; any other needs it to be free of
	 * accounts, as on registration. */
	const struct store *st = hub->cfg.store;
	if (!owner && !holder && !user->proxy && st &&
	    st->ops->account_exists(st->impl, name, len))
		return HUB_NAME_REGISTERED;
	char old[HUB_NAME_MAX + 1];
	size_t old_len = user->name_len;
	memcpy(old, user->name, old_len + 1);
	map_remove(hub->users_by_name, user->name, user->name_len);
	memcpy(user->name, name, len);
	user->name[len] = '\0';
	user->name_len = (uint8_t)len;
	map_put(hub->users_by_name, user);
	struct hub_event ev = {.kind = HUB_EV_NICK, .target = user->name, .target_len = len};
	event_from(&ev, user);
	ev.from = old;
	ev.from_len = old_len;
	bus_publish(hub, &ev);
	deliver_to_neighbours(hub, user, &ev, true);
	hub_tell_watch(hub, HUB_PRESENCE_RENAMED, user, old, old_len);
	return HUB_OK;
}

void hub_set_away(struct hub *hub, struct hub_user *user, const char *text, size_t len)
{
	if (len == 0 && !user->away)
		return;
	if (len > HUB_AWAY_MAX)
		len = HUB_AWAY_MAX;
	free(user->away);
	user->away = NULL;
	if (len > 0) {
		user->away = xmalloc(len + 1);
		memcpy(user->away, text, len);
		user->away[len] = '\0';
	}
	struct hub_event ev = {.kind = HUB_EV_AWAY, .text = user->away, .text_len = len};
	event_from(&ev, user);
	bus_publish(hub, &ev);
	deliver_to_neighbours(hub, user, &ev, false);
}

/* The bus numbers the line network-wide and brings it back to both ends
 * (hub_bus_privmsg); offline, or without a bus, it is numbered here. */
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
		.time_ms = hub_now(hub),
		.target = target->name,
		.target_len = target->name_len,
		.text = text,
		.text_len = len,
	};
	event_from(&ev, from);
	bool keep = from->logged_in && target->logged_in;
	const struct hub_bus *bus = hub->cfg.bus;
	if (bus && bus->ops->privmsg && bus->ops->privmsg(bus->impl, &ev, keep)) {
		hub->last_privmsg_id = hub->last_privmsg_ms = 0;
		return HUB_OK;
	}
	ev.id = hub_new_id(hub);
	hub->last_privmsg_id = ev.id;
	hub->last_privmsg_ms = ev.time_ms;
	if (target->proxy)
		bus_publish(hub, &ev);
	else
		target->sink->deliver(target->ctx, &ev);
	event_release(&ev);
	if (keep)
		store_private_line(hub, &ev, target);
	return HUB_OK;
}

void hub_bus_privmsg(struct hub *hub, const struct hub_bus_priv *pm)
{
	if (hub->silent)
		return;
	hub_saw_id(hub, pm->id);
	struct hub_user *to = map_get(hub->users_by_name, pm->to, pm->to_len);
	struct hub_user *from = map_get(hub->users_by_name, pm->from, pm->from_len);
	struct hub_event ev = {
		.kind = HUB_EV_PRIVMSG,
		.id = pm->id,
		.time_ms = pm->time_ms,
		.user = from,
		.from = pm->from,
		.from_len = pm->from_len,
		.origin = pm->origin,
		.origin_len = pm->origin_len,
		.target = pm->to,
		.target_len = pm->to_len,
		.text = pm->text,
		.text_len = pm->text_len,
	};
	if (to && !to->proxy) {
		ev.target = to->name;
		to->sink->deliver(to->ctx, &ev);
		event_release(&ev);
	}
	if (pm->from_here && from && !from->proxy) {
		ev.echo = true;
		from->sink->deliver(from->ctx, &ev);
		event_release(&ev);
	}
	if (pm->kept)
		store_private_line(hub, &ev, NULL);
}

void hub_set_watch(struct hub *hub, const struct hub_watch *watch)
{
	hub->watch = watch ? *watch : (struct hub_watch){0};
}
