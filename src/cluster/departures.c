/* departures: the list of recent departures a members read must not
 * contradict (see departures.h). Short-lived: it holds entries only while
 * reads are in flight. */
#include <stdlib.h>
#include <string.h>

#include "cluster/departures.h"
#include "hub/hub.h"
#include "util/alloc.h"
#include "util/str.h"

struct departure {
	struct departure *next;
	const void *peer;
	uint64_t seq;
	size_t len, room_len;
	char name[HUB_NAME_MAX + 1];
	char room[HUB_ROOM_MAX + 1];
};

void departures_note(struct departures *d, const void *peer, const char *name, size_t len,
		     const char *room, size_t room_len, uint64_t seq)
{
	if (seq == 0 || len > HUB_NAME_MAX || room_len > HUB_ROOM_MAX)
		return;
	struct departure *e = xcalloc(1, sizeof(*e));
	e->peer = peer;
	e->seq = seq;
	e->len = len;
	e->room_len = room_len;
	if (len)
		memcpy(e->name, name, len);
	if (room_len)
		memcpy(e->room, room, room_len);
	e->next = d->head;
	d->head = e;
	d->count++;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && ascii_casecmp_n(a, b, alen) == 0;
}

bool departures_hide(const struct departures *d, const void *peer, const char *name,
		     size_t len, const char *room, size_t room_len, uint64_t read_seq)
{
	for (const struct departure *e = d->head; e; e = e->next) {
		if (e->seq < read_seq || (e->peer && e->peer != peer))
			continue;
		if (e->len && !same(e->name, e->len, name, len))
			continue;
		/* A departure from one room leaves the user on the network. */
		if (e->room_len && (!room || !same(e->room, e->room_len, room, room_len)))
			continue;
		return true;
	}
	return false;
}

void departures_answered(struct departures *d, uint64_t seq)
{
	struct departure **pp = &d->head;
	while (*pp) {
		struct departure *e = *pp;
		if (e->seq <= seq) {
			*pp = e->next;
			free(e);
			d->count--;
		} else {
			pp = &e->next;
		}
	}
}

void departures_clear(struct departures *d)
{
	departures_answered(d, UINT64_MAX);
}
