/* room: membership, fan-out, topic, modes and the history ring of one room.
 * A room exists while it has members; the last member leaving drops it, its
 * topic, modes and history. */
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/map.h"

static struct hub_room *room_create(struct hub *hub, const char *name, size_t len)
{
	struct hub_room *room = xcalloc(1, sizeof(*room) + len + 1);
	list_init(&room->members);
	room->created_ms = hub_now(hub);
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
	free(room->topic);
	free(room->bans);
	hub_bus_held_free(room);
	for (int i = 0; i < HUB_RENDER_SLOTS; i++)
		if (room->ext[i] && hub->ext_release[i])
			hub->ext_release[i](room->ext[i]);
	free(room);
}

void hub_set_ext_release(struct hub *hub, int slot, void (*release)(void *data))
{
	hub->ext_release[slot] = release;
}

void hub_room_set_ext(struct hub_room *room, int slot, void *data)
{
	room->ext[slot] = data;
}

void *hub_room_ext(const struct hub_room *room, int slot)
{
	return room->ext[slot];
}

static void count_fanout(struct hub_fanout *f, unsigned reached)
{
	size_t b = 0;
	while (b < HUB_FANOUT_BUCKETS - 1 && reached > hub_fanout_bounds[b])
		b++;
	f->buckets[b]++;
	f->count++;
	f->sum += reached;
}

void room_deliver(const struct hub *hub, struct hub_room *room, struct hub_event *ev,
		  const struct hub_user *skip)
{
	struct list *pos;
	if (hub->silent)
		return;
	ev->room = room->name;
	ev->room_len = room->name_len;
	unsigned reached = 0;
	list_for_each(pos, &room->members) {
		const struct hub_member *m = list_entry(pos, struct hub_member, room_link);
		if (m->user != skip) {
			m->sink->deliver(m->ctx, ev);
			reached += !m->proxy;
		}
	}
	event_release(ev);
	count_fanout(hub->fanout, reached);
}

static void member_free(struct hub_member *m)
{
	list_remove(&m->room_link);
	list_remove(&m->user_link);
	m->user->nrooms--;
	m->room->size--;
	if (!m->user->proxy)
		m->room->nlocal--;
	free(m);
}

/* A room whose last local member goes is of no more interest to this node:
 * the bus is told and the proxies still in it go quietly with it. */
static void room_lose_interest(struct hub *hub, struct hub_room *room)
{
	const struct hub_bus *bus = hub->cfg.bus;
	if (bus)
		bus->ops->interest(bus->impl, room, false);
	while (!list_empty(&room->members))
		member_free(list_entry(room->members.next, struct hub_member, room_link));
}

/* Returns false when the room went with its last member. */
static bool member_detach(struct hub *hub, struct hub_member *m)
{
	struct hub_room *room = m->room;
	bool was_local = !m->user->proxy;
	member_free(m);
	if (was_local && room->nlocal == 0 && room->size > 0)
		room_lose_interest(hub, room);
	if (room->size > 0)
		return true;
	room_destroy(hub, room);
	return false;
}

void hub_proxy_forget(struct hub *hub, struct hub_user *proxy, struct hub_room *room)
{
	struct hub_member *m = proxy->proxy ? hub_membership(proxy, room) : NULL;
	if (m)
		member_detach(hub, m);
}

void member_unlink(struct hub *hub, struct hub_member *m)
{
	member_detach(hub, m);
}

/* ---- joining and leaving ---- */

enum hub_result hub_join(struct hub *hub, struct hub_user *user, const char *name, size_t len,
			 struct hub_room **out)
{
	if (!hub_room_valid(name, len))
		return HUB_ROOM_INVALID;
	struct hub_room *room = map_get(hub->rooms_by_name, name, len);
	if (room && hub_membership(user, room))
		return HUB_ALREADY_IN;
	if (!room)
		room = room_create(hub, name, len);
	/* Announced first, so the newcomer never hears of itself. */
	struct hub_event ev = {.kind = HUB_EV_JOIN};
	event_from(&ev, user);
	room_deliver(hub, room, &ev, NULL);
	struct hub_member *m = xcalloc(1, sizeof(*m));
	m->user = user;
	m->sink = user->sink;
	m->ctx = user->ctx;
	m->proxy = user->proxy;
	m->room = room;
	const struct hub_bus *bus = hub->cfg.bus;
	bool network_decides = bus && (user->proxy || (bus->ops->decides_ops &&
							bus->ops->decides_ops(bus->impl)));
	m->flags = room->size == 0 && !network_decides ? HUB_MEMBER_OP : 0;
	list_insert_tail(&room->members, &m->room_link);
	list_insert_tail(&user->rooms, &m->user_link);
	room->size++;
	user->nrooms++;
	if (!user->proxy && ++room->nlocal == 1 && hub->cfg.bus) {
		if (hub->cfg.store)
			store_mark_join(hub, room);
		hub->cfg.bus->ops->interest(hub->cfg.bus->impl, room, true);
	}
	ev.room = room->name;
	ev.room_len = room->name_len;
	bus_publish(hub, &ev);
	if (out)
		*out = room;
	return HUB_OK;
}

enum hub_result hub_leave(struct hub *hub, struct hub_user *user, struct hub_room *room,
			  const char *reason, size_t len)
{
	struct hub_member *m = hub_membership(user, room);
	if (!m)
		return HUB_NOT_IN_ROOM;
	struct hub_event ev = {
		.kind = HUB_EV_LEAVE,
		.room = room->name,
		.room_len = room->name_len,
		.text = reason,
		.text_len = len,
	};
	event_from(&ev, user);
	bus_publish(hub, &ev);
	if (!member_detach(hub, m))
		return HUB_OK;
	room_deliver(hub, room, &ev, NULL);
	return HUB_OK;
}

enum hub_result hub_kick(struct hub *hub, struct hub_user *by, struct hub_room *room,
			 struct hub_user *victim, const char *reason, size_t len)
{
	struct hub_member *m = hub_membership(victim, room);
	if (!m)
		return HUB_NOT_IN_ROOM;
	struct hub_event ev = {
		.kind = HUB_EV_KICK,
		.target = victim->name,
		.target_len = victim->name_len,
		.text = reason,
		.text_len = len,
	};
	event_from(&ev, by);
	room_deliver(hub, room, &ev, NULL);
	bus_publish(hub, &ev);
	member_unlink(hub, m);
	return HUB_OK;
}

/* ---- topic and modes ---- */

void hub_set_topic(struct hub *hub, struct hub_user *by, struct hub_room *room,
		   const char *text, size_t len)
{
	if (len > HUB_TOPIC_MAX)
		len = HUB_TOPIC_MAX;
	free(room->topic);
	room->topic = NULL;
	if (len > 0) {
		room->topic = xmalloc(len + 1);
		memcpy(room->topic, text, len);
		room->topic[len] = '\0';
	}
	memcpy(room->topic_setter, by->name, by->name_len + 1u);
	room->topic_ms = hub_now(hub);
	struct hub_event ev = {.kind = HUB_EV_TOPIC, .text = room->topic, .text_len = len};
	event_from(&ev, by);
	room_deliver(hub, room, &ev, NULL);
	bus_publish(hub, &ev);
}

static bool modes_equal(const struct hub_room_modes *a, const struct hub_room_modes *b)
{
	return a->flags == b->flags && a->limit == b->limit && strcmp(a->key, b->key) == 0;
}

void hub_bus_room_state(struct hub *hub, struct hub_room *room, const char *topic, size_t len,
			const char *setter, size_t setter_len, uint64_t topic_ms,
			const struct hub_room_modes *modes)
{
	(void)hub;
	if (!room->topic && len > 0) {
		if (len > HUB_TOPIC_MAX)
			len = HUB_TOPIC_MAX;
		room->topic = xmalloc(len + 1);
		memcpy(room->topic, topic, len);
		room->topic[len] = '\0';
		if (setter_len > HUB_NAME_MAX)
			setter_len = HUB_NAME_MAX;
		memcpy(room->topic_setter, setter, setter_len);
		room->topic_setter[setter_len] = '\0';
		room->topic_ms = topic_ms;
	}
	static const struct hub_room_modes none = {0};
	if (modes && modes_equal(&room->modes, &none)) {
		room->modes = *modes;
		room->modes.key[HUB_KEY_MAX] = '\0';
	}
}

void hub_set_modes(struct hub *hub, struct hub_user *by, struct hub_room *room,
		   const struct hub_room_modes *modes)
{
	struct hub_room_modes next = *modes;
	next.key[HUB_KEY_MAX] = '\0';
	if (modes_equal(&next, &room->modes))
		return;
	struct hub_room_modes old = room->modes;
	room->modes = next;
	struct hub_event ev = {.kind = HUB_EV_MODE, .modes_old = &old, .modes_new = &room->modes};
	event_from(&ev, by);
	room_deliver(hub, room, &ev, NULL);
	bus_publish(hub, &ev);
}

enum hub_result hub_set_member_flags(struct hub *hub, struct hub_user *by,
				     struct hub_room *room, struct hub_user *target,
				     uint32_t flags)
{
	struct hub_member *m = hub_membership(target, room);
	if (!m)
		return HUB_NOT_IN_ROOM;
	if (m->flags == flags)
		return HUB_OK;
	struct hub_event ev = {
		.kind = HUB_EV_MODE,
		.target = target->name,
		.target_len = target->name_len,
		.flags_old = m->flags,
		.flags_new = flags,
	};
	m->flags = flags;
	event_from(&ev, by);
	room_deliver(hub, room, &ev, NULL);
	bus_publish(hub, &ev);
	return HUB_OK;
}

/* ---- saying and history ---- */

static void room_record(const struct hub *hub, struct hub_room *room, const struct hub_event *ev)
{
	size_t cap = hub->cfg.history;
	if (cap == 0)
		return;
	if (!room->history)
		room->history = xcalloc(cap, sizeof(*room->history));
	struct hub_record *rec =
		xmalloc(sizeof(*rec) + ev->from_len + ev->origin_len + ev->text_len);
	rec->id = ev->id;
	rec->time_ms = ev->time_ms;
	rec->from_len = (uint8_t)ev->from_len;
	rec->origin_len = (uint8_t)ev->origin_len;
	rec->text_len = (uint32_t)ev->text_len;
	/* Any part may be absent (NULL, 0); memcpy must not see a null source. */
	if (ev->from_len)
		memcpy(rec->data, ev->from, ev->from_len);
	if (ev->origin_len)
		memcpy(rec->data + ev->from_len, ev->origin, ev->origin_len);
	if (ev->text_len)
		memcpy(rec->data + ev->from_len + ev->origin_len, ev->text, ev->text_len);
	if (room->hist_count == cap) {
		free(room->history[room->hist_head]);
		room->history[room->hist_head] = rec;
		room->hist_head = (uint32_t)((room->hist_head + 1) % cap);
	} else {
		room->history[(room->hist_head + room->hist_count) % cap] = rec;
		room->hist_count++;
	}
}

static void say_now(struct hub *hub, struct hub_room *room, struct hub_event *ev)
{
	if (ev->id > room->newest_id)
		room->newest_id = ev->id;
	if (hub->cfg.store)
		store_room_line(hub, ev);
	else
		room_record(hub, room, ev);
	room_deliver(hub, room, ev, NULL);
}

void hub_bus_deliver(struct hub *hub, struct hub_room *room, uint64_t id, uint64_t time_ms,
		     const char *from, size_t from_len, const char *origin, size_t origin_len,
		     const char *text, size_t len)
{
	hub_saw_id(hub, id);
	struct hub_event ev = {
		.kind = HUB_EV_SAY,
		.id = id,
		.time_ms = time_ms,
		.user = map_get(hub->users_by_name, from, from_len),
		.room = room->name,
		.room_len = room->name_len,
		.from = from,
		.from_len = from_len,
		.origin = origin,
		.origin_len = origin_len,
		.text = text,
		.text_len = len,
	};
	say_now(hub, room, &ev);
}

enum hub_result hub_say(struct hub *hub, struct hub_user *user, struct hub_room *room,
			const char *text, size_t len)
{
	struct hub_event ev = {
		.kind = HUB_EV_SAY,
		.room = room->name,
		.room_len = room->name_len,
		.text = text,
		.text_len = len,
	};
	event_from(&ev, user);
	const struct hub_bus *bus = hub->cfg.bus;
	if (bus && !user->proxy && bus->ops->say(bus->impl, &ev))
		return HUB_OK;
	ev.id = hub_new_id(hub);
	ev.time_ms = hub_now(hub);
	say_now(hub, room, &ev);
	return HUB_OK;
}

static const struct hub_record *history_at(const struct hub *hub, const struct hub_room *room,
					   uint32_t i)
{
	return room->history[(room->hist_head + i) % hub->cfg.history];
}

const struct hub_record *hub_ring_record(const void *view, size_t i)
{
	const struct hub_ring_view *r = view;
	return history_at(r->hub, r->room, (uint32_t)i);
}

size_t hub_replay_first(size_t n, const struct hub_record *(*rec)(const void *ctx, size_t i),
			const void *ctx, size_t budget, size_t line_overhead)
{
	size_t first = n, spent = 0;
	while (first > 0) {
		const struct hub_record *r = rec(ctx, first - 1);
		size_t cost = line_overhead + r->from_len + r->text_len;
		if (cost > budget - spent)
			break;
		spent += cost;
		first--;
	}
	return first;
}

size_t hub_replay_history(struct hub *hub, struct hub_user *user, struct hub_room *room,
			  size_t budget, size_t line_overhead)
{
	if (hub->silent)
		return 0;
	if (hub->cfg.store)
		return store_replay(hub, user, room, budget, line_overhead);
	struct hub_ring_view view = {hub, room};
	size_t first =
		hub_replay_first(room->hist_count, hub_ring_record, &view, budget, line_overhead);
	for (size_t i = first; i < room->hist_count; i++)
		hub_replay_record(room, user, history_at(hub, room, (uint32_t)i));
	return room->hist_count - first;
}

/* ---- history from the network ---- */

struct hub_record *hub_record_from_line(const struct store_line *line)
{
	size_t from_len = line->from_len > HUB_NAME_MAX ? HUB_NAME_MAX : line->from_len;
	size_t origin_len = line->origin_len > HUB_ORIGIN_MAX ? HUB_ORIGIN_MAX : line->origin_len;
	struct hub_record *rec = xmalloc(sizeof(*rec) + from_len + origin_len + line->text_len);
	rec->id = line->id;
	rec->time_ms = line->time_ms;
	rec->from_len = (uint8_t)from_len;
	rec->origin_len = (uint8_t)origin_len;
	rec->text_len = (uint32_t)line->text_len;
	/* A line may come without origin or text (NULL, 0): memcpy must not see
	 * a null source even for 0 bytes. */
	if (from_len)
		memcpy(rec->data, line->from, from_len);
	if (origin_len)
		memcpy(rec->data + from_len, line->origin, origin_len);
	if (line->text_len)
		memcpy(rec->data + from_len + origin_len, line->text, line->text_len);
	return rec;
}

struct store_line hub_record_line(const struct hub_room *room, const struct hub_record *rec)
{
	return (struct store_line){
		.id = rec->id,
		.time_ms = rec->time_ms,
		.room = room->name,
		.room_len = room->name_len,
		.from = rec->data,
		.from_len = rec->from_len,
		.origin = rec->data + rec->from_len,
		.origin_len = rec->origin_len,
		.text = rec->data + rec->from_len + rec->origin_len,
		.text_len = rec->text_len,
	};
}

void hub_replay_record(const struct hub_room *room, struct hub_user *to,
		       const struct hub_record *rec)
{
	struct store_line l = hub_record_line(room, rec);
	struct hub_event ev = {
		.kind = HUB_EV_SAY,
		.replay = true,
		.id = l.id,
		.time_ms = l.time_ms,
		.room = l.room,
		.room_len = l.room_len,
		.from = l.from,
		.from_len = l.from_len,
		.origin = l.origin,
		.origin_len = l.origin_len,
		.text = l.text,
		.text_len = l.text_len,
	};
	to->sink->deliver(to->ctx, &ev);
	event_release(&ev);
}

size_t hub_bus_take_read(struct hub *hub, struct hub_room *room, const struct store_line *lines,
			 size_t n)
{
	size_t cap = hub->cfg.history;
	if (hub->silent)
		return 0;
	if (hub->cfg.store)
		return store_backfill(hub, room, lines, n);
	if (cap == 0)
		return 0;
	uint64_t oldest = room->hist_count ? history_at(hub, room, 0)->id : UINT64_MAX;
	size_t older = 0;
	while (older < n && lines[older].id < oldest)
		older++;
	size_t room_left = cap - room->hist_count;
	size_t take = older < room_left ? older : room_left;
	if (take == 0)
		return 0;
	/* The ring is rebuilt: taken lines first, then what it held. */
	struct hub_record **ring = xcalloc(cap, sizeof(*ring));
	for (size_t i = 0; i < take; i++)
		ring[i] = hub_record_from_line(&lines[older - take + i]);
	for (uint32_t i = 0; i < room->hist_count; i++)
		ring[take + i] = (struct hub_record *)history_at(hub, room, i);
	free(room->history);
	room->history = ring;
	room->hist_head = 0;
	room->hist_count += (uint32_t)take;
	struct list *pos;
	list_for_each(pos, &room->members) {
		struct hub_user *u = list_entry(pos, struct hub_member, room_link)->user;
		if (u->proxy)
			continue;
		for (size_t i = 0; i < take; i++)
			hub_replay_record(room, u, ring[i]);
	}
	return take;
}
