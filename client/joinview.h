/* joinview: tells, line by line, what a chat server's answer to a JOIN is
 * made of, so that the interactive client can show it as a person expects:
 * the members already in the room as one list rather than as "joined"
 * events, and the replayed history set apart from live messages.
 *
 * The server answers JOIN with "OK Joined <#room> (<n> users)", then n
 * "JOIN <#room> <user>" lines, then the room's recent ROOM lines, all
 * written before it reads anything else from us. Nothing marks where the
 * history ends, so the client follows every JOIN it sends with a marker:
 * a slash word the server does not know (JOINVIEW_MARKER), which it
 * answers "ERROR Unknown command" in every state. Since both lines leave
 * in one write and the server answers a connection's commands in order,
 * every ROOM line between the join reply and that answer is history. The
 * client names unknown slash commands itself and never sends one, so that
 * answer is always the marker's. Pure: no I/O. */
#ifndef PARLEY_CLIENT_JOINVIEW_H
#define PARLEY_CLIENT_JOINVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "chat.h"
#include "util/buf.h"

/* The line sent after every JOIN (without its terminator). */
#define JOINVIEW_MARKER "/parley-end-of-join"

enum joinview_phase {
	JOINVIEW_LIVE,   /* nothing special expected */
	JOINVIEW_ROSTER, /* collecting the members already in the room */
	JOINVIEW_REPLAY, /* ROOM lines are history until the marker's answer */
};

/* What to do with one line. */
enum joinview_verdict {
	JOINVIEW_SHOW,    /* show as usual */
	JOINVIEW_HISTORY, /* show, marked as replayed history */
	JOINVIEW_HIDE,    /* do not show (a member taken into the list, or the
			   * marker's answer) */
	JOINVIEW_MEMBERS, /* hidden too; the member list is complete: show
			   * joinview_members() now */
};

struct joinview {
	enum joinview_phase phase;
	unsigned markers;     /* markers sent and not yet answered */
	size_t roster_left;   /* members still to come in JOINVIEW_ROSTER */
	char room[CHAT_NAME_MAX];
	struct buf members;   /* "a, b, c" */
};

void joinview_init(struct joinview *jv);
void joinview_release(struct joinview *jv);

/* Forgets everything expected (the connection was replaced). */
void joinview_reset(struct joinview *jv);

/* Records that a JOIN and the marker after it were sent. */
void joinview_sent_join(struct joinview *jv);

/* Classifies one parsed incoming line. */
enum joinview_verdict joinview_classify(struct joinview *jv, const struct chat_event *ev);

/* The room and members of the latest complete member list ("a, b, c";
 * empty when nobody else was there). */
const char *joinview_room(const struct joinview *jv);
struct span joinview_members(const struct joinview *jv);

#endif
