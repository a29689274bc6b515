/* bus_order: every node delivers a room's lines from the bus in id order,
 * each once. A node that subscribes to a room learns of its lines by two
 * paths that race: pub/sub (lines said after the subscription took effect)
 * and the after-subscribe read of the room's recent lines (on another
 * connection). Until that read is taken, pub/sub lines are held; then the
 * read and the held lines are merged by id, duplicates dropped. */
#include <stdlib.h>

#include "hub/hub_private.h"
#include "util/alloc.h"

/* Lines held while a read is awaited: a burst that outgrows this is cut
 * (live delivery is at most once; history fills the gap). */
#define HELD_MAX 4096u

void hub_bus_hold(struct hub *hub, struct hub_room *room)
{
	(void)hub;
	room->bus_holding = true;
	room->bus_lists_pending = true;
	/* A new subscription may follow a Redis restart that reset the id
	 * counter: what this one delivers is judged by its own read. */
	room->bus_seen = 0;
}

void hub_bus_held_free(struct hub_room *room)
{
	for (uint32_t i = 0; i < room->held_count; i++)
		free(room->held[i]);
	free(room->held);
	room->held = NULL;
	room->held_count = room->held_cap = 0;
}

static void hold(struct hub_room *room, const struct store_line *line)
{
	if (room->held_count == HELD_MAX)
		return;
	if (room->held_count == room->held_cap) {
		room->held_cap = room->held_cap ? room->held_cap * 2 : 16;
		room->held = xrealloc(room->held, room->held_cap * sizeof(*room->held));
	}
	room->held[room->held_count++] = hub_record_from_line(line);
}

void hub_bus_say(struct hub *hub, struct hub_room *room, uint64_t id, uint64_t time_ms,
		 const char *from, size_t from_len, const char *origin, size_t origin_len,
		 const char *text, size_t len)
{
	hub_saw_id(hub, id);
	struct store_line line = {
		.id = id, .time_ms = time_ms, .room = room->name, .room_len = room->name_len,
		.from = from, .from_len = from_len, .origin = origin, .origin_len = origin_len,
		.text = text, .text_len = len,
	};
	if (room->bus_holding) {
		hold(room, &line);
		return;
	}
	if (id <= room->bus_seen)
		return; /* also in the read, taken from there */
	room->bus_seen = id;
	hub_bus_deliver(hub, room, id, time_ms, from, from_len, origin, origin_len, text, len);
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = ((const struct store_line *)a)->id;
	uint64_t y = ((const struct store_line *)b)->id;
	return (x > y) - (x < y);
}

/* Pub/sub delivers a room's lines in id order from the moment the
 * subscription took effect, so every read line older than the oldest held
 * one was said before it: those are the read proper (history for a first
 * joiner). The rest of the read and the held lines are the same live
 * stream seen through two links: merged by id, each delivered once. */
size_t hub_bus_backfill(struct hub *hub, struct hub_room *room, const struct store_line *lines,
			size_t n)
{
	struct hub_record **held = room->held;
	uint32_t count = room->held_count;
	room->held = NULL;
	room->held_count = room->held_cap = 0;
	room->bus_holding = false;
	uint64_t first_live = UINT64_MAX;
	for (uint32_t i = 0; i < count; i++)
		if (held[i]->id < first_live)
			first_live = held[i]->id;
	size_t pre = 0;
	while (pre < n && lines[pre].id < first_live)
		pre++;
	size_t taken = hub_bus_take_read(hub, room, lines, pre);
	/* Every line up to the read's newest was taken from it now or
	 * delivered before: a later pub/sub copy is a duplicate. */
	if (pre && lines[pre - 1].id > room->bus_seen)
		room->bus_seen = lines[pre - 1].id;
	size_t total = n - pre + count;
	struct store_line *live = xcalloc(total + 1, sizeof(*live));
	for (size_t i = pre; i < n; i++)
		live[i - pre] = lines[i];
	for (uint32_t i = 0; i < count; i++)
		live[n - pre + i] = hub_record_line(room, held[i]);
	qsort(live, total, sizeof(*live), by_id);
	for (size_t i = 0; i < total; i++) {
		const struct store_line *l = &live[i];
		if (l->id <= room->bus_seen)
			continue;
		room->bus_seen = l->id;
		hub_bus_deliver(hub, room, l->id, l->time_ms, l->from, l->from_len, l->origin,
				l->origin_len, l->text, l->text_len);
	}
	free(live);
	for (uint32_t i = 0; i < count; i++)
		free(held[i]);
	free(held);
	return taken;
}

bool hub_bus_loading(const struct hub_room *room)
{
	return room->bus_holding || room->bus_lists_pending;
}

void hub_bus_lists_taken(struct hub_room *room)
{
	room->bus_lists_pending = false;
}

void hub_bus_applying(struct hub *hub, bool on)
{
	hub->bus_applying = on;
}
