/* relay: unnumbered messages — IRC notices and TAGMSG, and lines to a room
 * from a user outside it. They are delivered at once to this hub's users
 * and handed to the bus for the others; unlike room lines (room.c) they
 * take no id, join no history and need no ordering with the bus. */
#include "hub/hub_private.h"
#include "util/map.h"

static void relay_event(struct hub_event *ev, enum hub_msg_style style, const char *text,
			size_t len, const char *tags, size_t tags_len)
{
	ev->style = style;
	ev->text = text;
	ev->text_len = len;
	ev->tags = tags_len ? tags : NULL;
	ev->tags_len = tags_len;
}

void hub_relay(struct hub *hub, struct hub_user *from, struct hub_room *room,
	       struct hub_user *to, enum hub_msg_style style, const char *text, size_t len,
	       const char *tags, size_t tags_len)
{
	if (hub->silent)
		return;
	struct hub_event ev = {.kind = room ? HUB_EV_SAY : HUB_EV_PRIVMSG,
			       .time_ms = hub_now(hub)};
	event_from(&ev, from);
	relay_event(&ev, style, text, len, tags, tags_len);
	if (room) {
		ev.room = room->name;
		ev.room_len = room->name_len;
		bus_publish(hub, &ev);
		room_deliver(hub, room, &ev, NULL);
		return;
	}
	ev.target = to->name;
	ev.target_len = to->name_len;
	if (to->proxy)
		bus_publish(hub, &ev);
	else
		to->sink->deliver(to->ctx, &ev);
	event_release(&ev);
}

void hub_bus_relay(struct hub *hub, struct hub_room *room, struct hub_user *to,
		   enum hub_msg_style style, const char *from, size_t from_len,
		   const char *origin, size_t origin_len, const char *text, size_t len,
		   const char *tags, size_t tags_len)
{
	if (hub->silent || (!room && (!to || to->proxy)))
		return;
	struct hub_event ev = {
		.kind = room ? HUB_EV_SAY : HUB_EV_PRIVMSG,
		.time_ms = hub_now(hub),
		.user = map_get(hub->users_by_name, from, from_len),
		.from = from,
		.from_len = from_len,
		.origin = origin,
		.origin_len = origin_len,
	};
	relay_event(&ev, style, text, len, tags, tags_len);
	if (room) {
		room_deliver(hub, room, &ev, NULL);
		return;
	}
	ev.target = to->name;
	ev.target_len = to->name_len;
	to->sink->deliver(to->ctx, &ev);
	event_release(&ev);
}
