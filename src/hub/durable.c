/* durable: the hub's side of the store seam — room and private lines go
 * to the store as they are said, replay on join and history queries read
 * it back, and account operations pass through to it. Without a store,
 * history queries search the live room's in-memory ring (room.c keeps it)
 * and accounts are off. */
#include <stdlib.h>
#include <string.h>

#include "hub/hub_private.h"
#include "util/alloc.h"
#include "util/map.h"

static struct store_line line_of(const struct hub_event *ev, const char *room, size_t room_len)
{
	return (struct store_line){
		.id = ev->id,
		.time_ms = ev->time_ms,
		.room = room,
		.room_len = room_len,
		.from = ev->from,
		.from_len = ev->from_len,
		.origin = ev->origin,
		.origin_len = ev->origin_len,
		.text = ev->text,
		.text_len = ev->text_len,
	};
}

void store_room_line(struct hub *hub, const struct hub_event *ev)
{
	const struct store *st = hub->cfg.store;
	struct store_line line = line_of(ev, ev->room, ev->room_len);
	st->ops->append_room(st->impl, &line);
}

void store_private_line(struct hub *hub, const struct hub_event *ev, const struct hub_user *to)
{
	const struct store *st = hub->cfg.store;
	if (!st)
		return;
	struct store_line line = to ? line_of(ev, to->name, to->name_len)
				    : line_of(ev, ev->target, ev->target_len);
	st->ops->append_private(st->impl, &line);
}

/* ---- replay from the store ---- */

struct collected {
	struct hub_record **v;
	size_t n;
};

static const struct hub_record *collected_at(const void *ctx, size_t i)
{
	const struct collected *c = ctx;
	return c->v[i];
}

static void collect(void *ctx, const struct store_line *line)
{
	struct collected *c = ctx;
	c->v[c->n++] = hub_record_from_line(line);
}

size_t store_replay(struct hub *hub, struct hub_user *user, struct hub_room *room,
		    size_t budget, size_t line_overhead)
{
	/* One join reads at most STORE_REPLAY_MAX rows on the loop's thread. */
	size_t want = hub->cfg.history < STORE_REPLAY_MAX ? hub->cfg.history : STORE_REPLAY_MAX;
	if (want == 0)
		return 0;
	const struct store *st = hub->cfg.store;
	struct collected c = {xcalloc(want, sizeof(*c.v)), 0};
	struct store_query q = {.anchor = STORE_LATEST, .limit = want};
	st->ops->read_room(st->impl, room->name, room->name_len, &q, collect, &c);
	/* With a bus, a room this node already follows gets its lines live:
	 * those the store has but the bus has not brought yet are still on
	 * their way, and replaying them too would show them twice and out of
	 * order. */
	size_t n = c.n;
	if (hub->cfg.bus && room->nlocal > 1)
		while (n && c.v[n - 1]->id > room->newest_id)
			n--;
	/* Newest first until the budget is spent, then replay oldest first:
	 * a joiner is never cut for its own history. */
	size_t first = hub_replay_first(n, collected_at, &c, budget, line_overhead);
	for (size_t i = first; i < n; i++)
		hub_replay_record(room, user, c.v[i]);
	if (n && c.v[n - 1]->id > room->newest_id)
		room->newest_id = c.v[n - 1]->id;
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i]);
	free(c.v);
	return n - first;
}

static void keep_newest_id(void *ctx, const struct store_line *line)
{
	uint64_t *newest = ctx;
	if (line->id > *newest)
		*newest = line->id;
}

/* The room's newest stored line, read when this node's first member joins:
 * everything up to it was said before the join. A joiner asks for those
 * lines itself (the chat replay, IRC CHATHISTORY) or not at all; the
 * after-subscribe read must not deliver them as if said now. */
void store_mark_join(struct hub *hub, struct hub_room *room)
{
	const struct store *st = hub->cfg.store;
	struct store_query q = {.anchor = STORE_LATEST, .limit = 1};
	uint64_t newest = 0;
	st->ops->read_room(st->impl, room->name, room->name_len, &q, keep_newest_id, &newest);
	if (newest > room->newest_id)
		room->newest_id = newest;
}

/* Lines the network had for `room` when this node subscribed to it: those
 * newer than any line delivered or replayed here were said between the
 * joiner's replay and the subscription, and are delivered now, in order,
 * as the live lines they are. */
size_t store_backfill(struct hub *hub, struct hub_room *room, const struct store_line *lines,
		      size_t n)
{
	size_t taken = 0;
	for (size_t i = 0; i < n; i++) {
		const struct store_line *l = &lines[i];
		if (l->id <= room->newest_id)
			continue;
		hub_bus_deliver(hub, room, l->id, l->time_ms, l->from, l->from_len, l->origin,
			    l->origin_len, l->text, l->text_len);
		taken++;
	}
	return taken;
}

/* ---- queries ---- */

static uint64_t ring_key(const void *ctx, size_t i, bool by_time)
{
	const struct hub_record *rec = hub_ring_record(ctx, i);
	return by_time ? rec->time_ms : rec->id;
}

/* Without a store: the live room's ring, through the same window rule. */
static int ring_history(struct hub *hub, const char *name, size_t len,
			const struct store_query *q, store_line_fn *fn, void *ctx)
{
	const struct hub_room *room = hub_find_room(hub, name, len);
	if (!room)
		return -1;
	struct hub_ring_view view = {hub, room};
	size_t lo = 0, hi = 0;
	if (room->hist_count)
		store_window(q, room->hist_count, ring_key, &view, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		struct store_line line = hub_record_line(room, hub_ring_record(&view, i));
		fn(ctx, &line);
	}
	return (int)(hi - lo);
}

int hub_history(struct hub *hub, const char *room, size_t len, const struct store_query *q,
		store_line_fn *fn, void *ctx)
{
	const struct store *st = hub->cfg.store;
	if (!st)
		return ring_history(hub, room, len, q, fn, ctx);
	int n = st->ops->read_room(st->impl, room, len, q, fn, ctx);
	/* A live room with nothing said yet exists all the same. */
	if (n < 0 && hub_find_room(hub, room, len))
		n = 0;
	return n;
}

int hub_private_history(struct hub *hub, const struct hub_user *user, const char *peer,
			size_t len, const struct store_query *q, store_line_fn *fn, void *ctx)
{
	const struct store *st = hub->cfg.store;
	if (!st || !user->logged_in)
		return -1;
	return st->ops->read_private(st->impl, user->name, user->name_len, peer, len, q, fn,
				     ctx);
}

/* ---- accounts ---- */

bool hub_accounts_enabled(const struct hub *hub)
{
	return hub->cfg.store != NULL;
}

uint64_t hub_account_submit(struct hub *hub, const struct store_account_request *req)
{
	const struct store *st = hub->cfg.store;
	return st ? st->ops->account_submit(st->impl, req) : 0;
}

void hub_account_cancel(struct hub *hub, uint64_t ticket)
{
	const struct store *st = hub->cfg.store;
	if (st && ticket)
		st->ops->account_cancel(st->impl, ticket);
}

bool hub_user_logged_in(const struct hub_user *user)
{
	return user->logged_in;
}

void hub_user_set_logged_in(struct hub *hub, struct hub_user *user)
{
	bool news = !user->logged_in;
	user->logged_in = true;
	const struct hub_bus *bus = hub->cfg.bus;
	/* Other nodes decide whether a private line to this user is kept. */
	if (news && bus && !user->proxy)
		bus->ops->user_added(bus->impl, user);
}
