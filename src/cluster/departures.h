/* departures: who went away — quit, was renamed, left or was kicked from a
 * room, or whose node was lost — while a read of the network's members
 * was in flight. Such a read comes back on the command connection, the
 * departure on the subscription one, so the read may be answered after
 * the departure was applied and still list the departed user: it must not
 * bring it back (a "ghost" holding the name until its node is lost).
 * Reads are numbered as they are sent; a departure remembers the number
 * of the newest read sent before it was applied, and hides the user from
 * that read and every earlier one. Replies on one connection come back in
 * order, so a departure is forgotten once every read it could hide has
 * been answered. Pure code: no I/O. */
#ifndef PARLEY_CLUSTER_DEPARTURES_H
#define PARLEY_CLUSTER_DEPARTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct departure;

struct departures {
	struct departure *head;
	size_t count;
};

/* Notes that `name` (empty: every user) of node `peer` (NULL: of every
 * node) went away from `room` (empty: from the network) after read `seq`
 * (the newest read sent; 0: none, then nothing is noted). */
void departures_note(struct departures *d, const void *peer, const char *name, size_t len,
		     const char *room, size_t room_len, uint64_t seq);

/* True if read `read_seq`, listing `name` of node `peer` as a member of
 * `room` (NULL: as a user of the network), must not be believed. */
bool departures_hide(const struct departures *d, const void *peer, const char *name,
		     size_t len, const char *room, size_t room_len, uint64_t read_seq);

/* Read `seq` has been answered (and every earlier one): forgets what can
 * no longer hide anything. */
void departures_answered(struct departures *d, uint64_t seq);

void departures_clear(struct departures *d);

#endif
