/* chat_render: every byte the chat dialect sends is composed here — the
 * error table, the replies, and hub events rendered once per event into a
 * shared message. Lines end with "\r\n". */
#include <stdio.h>
#include <string.h>

#include "dialect/chat_private.h"
#include "net/conn.h"
#include "util/msg.h"

static const char *const error_text[] = {
	[ERR_SET_USERNAME] = "ERROR Set a username first",
	[ERR_USERNAME_TAKEN] = "ERROR Username taken",
	[ERR_INVALID_USERNAME] = "ERROR Invalid username",
	[ERR_USERNAME_SET] = "ERROR Username already set",
	[ERR_NOT_IN_ROOM] = "ERROR Not in a room",
	[ERR_INVALID_ROOM] = "ERROR Invalid room name",
	[ERR_NO_SUCH_ROOM] = "ERROR No such room",
	[ERR_USER_NOT_FOUND] = "ERROR User not found",
	[ERR_EMPTY_MESSAGE] = "ERROR Empty message",
	[ERR_UNKNOWN_COMMAND] = "ERROR Unknown command",
	[ERR_LINE_TOO_LONG] = "ERROR Line too long",
	[ERR_INVALID_CHARS] = "ERROR Invalid characters",
	[ERR_INVALID_UTF8] = "ERROR Invalid UTF-8",
	[ERR_REGISTER_TIMEOUT] = "ERROR Registration timeout",
	[ERR_SHUTTING_DOWN] = "ERROR Server shutting down",
};

const char chat_server_full[] = "ERROR Server full\r\n";

/* ---- composing lines from pieces ---- */

struct piece {
	const char *p;
	size_t n;
};

#define LIT(s) ((struct piece){(s), sizeof(s) - 1})
#define STR(s, len) ((struct piece){(s), (len)})

static size_t pieces_len(const struct piece *pc, size_t n)
{
	size_t total = 2; /* "\r\n" */
	for (size_t i = 0; i < n; i++)
		total += pc[i].n;
	return total;
}

/* Appends pieces plus "\r\n" at `out`; returns the end. */
static char *put_line(char *out, const struct piece *pc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memcpy(out, pc[i].p, pc[i].n);
		out += pc[i].n;
	}
	*out++ = '\r';
	*out++ = '\n';
	return out;
}

static struct msg *line_msg(const struct piece *pc, size_t n)
{
	struct msg *m = msg_new(pieces_len(pc, n));
	put_line(m->data, pc, n);
	return m;
}

static void send_line(struct chat_session *s, const struct piece *pc, size_t n)
{
	struct msg *m = line_msg(pc, n);
	conn_send(s->conn, m);
	msg_unref(m);
}

#define SEND(s, ...)                                                            \
	do {                                                                    \
		const struct piece pcs_[] = {__VA_ARGS__};                      \
		send_line((s), pcs_, sizeof(pcs_) / sizeof(pcs_[0]));          \
	} while (0)

/* ---- replies ---- */

void reply_error(struct chat_session *s, enum chat_error e)
{
	SEND(s, STR(error_text[e], strlen(error_text[e])));
}

void reply_welcome(struct chat_session *s, const char *name)
{
	SEND(s, LIT("OK Welcome, "), STR(name, strlen(name)), LIT("!"));
}

void reply_sent(struct chat_session *s) { SEND(s, LIT("OK Sent")); }
void reply_goodbye(struct chat_session *s) { SEND(s, LIT("OK Goodbye!")); }

void reply_left(struct chat_session *s, const char *room)
{
	SEND(s, LIT("OK Left "), STR(room, strlen(room)));
}

void reply_already_in(struct chat_session *s, const char *room)
{
	SEND(s, LIT("ERROR Already in "), STR(room, strlen(room)));
}

void reply_not_in(struct chat_session *s, const char *room, size_t len)
{
	SEND(s, LIT("ERROR Not in "), STR(room, len));
}

/* The joiner's whole greeting is one message: "OK Joined" and a JOIN line
 * per member already present (a big room would otherwise cost one
 * allocation per member). History follows as separate events. */
void reply_joined(struct chat_session *s, struct hub *hub)
{
	const struct hub_room *room = hub_user_room(s->user);
	struct piece rname = STR(hub_room_name(room), hub_room_name_len(room));
	char count[32];
	int clen = snprintf(count, sizeof(count), " (%zu users)", hub_room_size(room) - 1);
	const struct piece head[] = {LIT("OK Joined "), rname, STR(count, (size_t)clen)};
	size_t total = pieces_len(head, 3);
	for (const struct hub_user *u = hub_first_member(room); u; u = hub_next_member(room, u))
		if (u != s->user)
			total += 5 + rname.n + 1 + hub_user_name_len(u) + 2;
	struct msg *m = msg_new(total);
	char *out = put_line(m->data, head, 3);
	for (const struct hub_user *u = hub_first_member(room); u; u = hub_next_member(room, u)) {
		if (u == s->user)
			continue;
		const struct piece line[] = {LIT("JOIN "), rname, LIT(" "),
					     STR(hub_user_name(u), hub_user_name_len(u))};
		out = put_line(out, line, 4);
	}
	conn_send(s->conn, m);
	msg_unref(m);
	hub_replay_history(hub, s->user);
}

/* A list reply: `word` then " item" per item, built in two passes. */
struct list_walk {
	const void *(*first)(const void *owner);
	const void *(*next)(const void *owner, const void *item);
	const char *(*name)(const void *item, size_t *len);
};

static void send_list(struct chat_session *s, const char *word, const void *owner,
		      const struct list_walk *w)
{
	size_t wlen = strlen(word), total = wlen + 2, len;
	for (const void *it = w->first(owner); it; it = w->next(owner, it)) {
		w->name(it, &len);
		total += 1 + len;
	}
	struct msg *m = msg_new(total);
	char *out = m->data;
	memcpy(out, word, wlen);
	out += wlen;
	for (const void *it = w->first(owner); it; it = w->next(owner, it)) {
		const char *name = w->name(it, &len);
		*out++ = ' ';
		memcpy(out, name, len);
		out += len;
	}
	memcpy(out, "\r\n", 2);
	conn_send(s->conn, m);
	msg_unref(m);
}

static const void *users_first(const void *hub) { return hub_first_user(hub); }
static const void *users_next(const void *hub, const void *u) { return hub_next_user(hub, u); }
static const void *members_first(const void *room) { return hub_first_member(room); }
static const void *members_next(const void *room, const void *u)
{
	return hub_next_member(room, u);
}
static const void *rooms_first(const void *hub) { return hub_first_room(hub); }
static const void *rooms_next(const void *hub, const void *r) { return hub_next_room(hub, r); }

static const char *user_name(const void *u, size_t *len)
{
	*len = hub_user_name_len(u);
	return hub_user_name(u);
}

static const char *room_name(const void *r, size_t *len)
{
	*len = hub_room_name_len(r);
	return hub_room_name(r);
}

void reply_userlist(struct chat_session *s, const struct hub *hub, const struct hub_room *room)
{
	static const struct list_walk everyone = {users_first, users_next, user_name};
	static const struct list_walk members = {members_first, members_next, user_name};
	if (room)
		send_list(s, "USERLIST", room, &members);
	else
		send_list(s, "USERLIST", hub, &everyone);
}

void reply_roomlist(struct chat_session *s, const struct hub *hub)
{
	static const struct list_walk rooms = {rooms_first, rooms_next, room_name};
	send_list(s, "ROOMLIST", hub, &rooms);
}

/* ---- hub events ---- */

size_t chat_largest_line(size_t max_line)
{
	return sizeof("ROOM ") - 1 + HUB_ROOM_MAX + 1 + HUB_NAME_MAX + 1 + max_line + 2;
}

static struct msg *render_event(const struct hub_event *ev)
{
	struct piece room = STR(ev->room, ev->room_len), from = STR(ev->from, ev->from_len);
	struct piece text = STR(ev->text, ev->text_len), sp = LIT(" ");
	switch (ev->kind) {
	case HUB_EV_SAY: {
		const struct piece pc[] = {LIT("ROOM "), room, sp, from, sp, text};
		return line_msg(pc, 6);
	}
	case HUB_EV_JOIN: {
		const struct piece pc[] = {LIT("JOIN "), room, sp, from};
		return line_msg(pc, 4);
	}
	case HUB_EV_LEAVE: {
		const struct piece pc[] = {LIT("LEAVE "), room, sp, from};
		return line_msg(pc, 4);
	}
	case HUB_EV_PRIVMSG:
	default: {
		const struct piece pc[] = {LIT("PRIVMSG "), from, sp, text};
		return line_msg(pc, 4);
	}
	}
}

static void chat_deliver(void *ctx, struct hub_event *ev)
{
	struct chat_session *s = ctx;
	if (!ev->rendered[CHAT_RENDER_SLOT])
		ev->rendered[CHAT_RENDER_SLOT] = render_event(ev);
	conn_send(s->conn, ev->rendered[CHAT_RENDER_SLOT]);
}

const struct hub_sink chat_sink = {.deliver = chat_deliver};
