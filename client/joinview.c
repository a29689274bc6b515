/* joinview: the join reply, member list and history, told apart. */
#include "joinview.h"

#include <stdio.h>
#include <string.h>

void joinview_init(struct joinview *jv)
{
	memset(jv, 0, sizeof(*jv)); /* an empty buf is all zero */
}

void joinview_release(struct joinview *jv)
{
	buf_release(&jv->members);
}

void joinview_reset(struct joinview *jv)
{
	jv->phase = JOINVIEW_LIVE;
	jv->markers = 0;
	jv->roster_left = 0;
	jv->room[0] = '\0';
	buf_release(&jv->members);
}

void joinview_sent_join(struct joinview *jv)
{
	jv->markers++;
}

static bool is_marker_answer(const struct chat_event *ev)
{
	return ev->kind == CHAT_ERROR && ev->text.len == 15 &&
	       memcmp(ev->text.p, "Unknown command", 15) == 0;
}

static bool same_room(const struct joinview *jv, struct span room)
{
	return strlen(jv->room) == room.len && memcmp(jv->room, room.p, room.len) == 0;
}

/* "OK Joined <#room> (<n> users)" for a JOIN of ours: start the list. */
static enum joinview_verdict start_roster(struct joinview *jv, struct span room, size_t n)
{
	buf_release(&jv->members);
	snprintf(jv->room, sizeof(jv->room), "%.*s",
		 (int)(room.len < sizeof(jv->room) ? room.len : sizeof(jv->room) - 1), room.p);
	jv->roster_left = n;
	jv->phase = n ? JOINVIEW_ROSTER : JOINVIEW_REPLAY;
	return JOINVIEW_SHOW;
}

static enum joinview_verdict take_member(struct joinview *jv, const struct chat_event *ev)
{
	if (buf_len(&jv->members))
		buf_append(&jv->members, ", ", 2);
	buf_append(&jv->members, ev->user.p, ev->user.len);
	if (--jv->roster_left > 0)
		return JOINVIEW_HIDE;
	jv->phase = JOINVIEW_REPLAY;
	return JOINVIEW_MEMBERS;
}

enum joinview_verdict joinview_classify(struct joinview *jv, const struct chat_event *ev)
{
	struct span room;
	size_t n;
	if (jv->markers == 0)
		return JOINVIEW_SHOW;
	if (jv->phase == JOINVIEW_ROSTER) {
		if (ev->kind == CHAT_JOIN && same_room(jv, ev->room))
			return take_member(jv, ev);
		jv->phase = JOINVIEW_REPLAY; /* fewer members than announced */
	}
	if (is_marker_answer(ev)) {
		jv->markers--;
		jv->phase = JOINVIEW_LIVE;
		return JOINVIEW_HIDE;
	}
	if (chat_joined_count(ev, &room, &n))
		return start_roster(jv, room, n);
	if (jv->phase == JOINVIEW_REPLAY && ev->kind == CHAT_ROOM)
		return JOINVIEW_HISTORY;
	return JOINVIEW_SHOW;
}

const char *joinview_room(const struct joinview *jv)
{
	return jv->room;
}

struct span joinview_members(const struct joinview *jv)
{
	return (struct span){buf_len(&jv->members) ? buf_head(&jv->members) : "",
			     buf_len(&jv->members)};
}
