/* chat_render: every byte the chat dialect sends is composed here — the
 * error table, the replies, and hub events rendered once per event into a
 * shared message. Lines end with line_end() (the line codec's framing, codec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dialect/chat_private.h"
#include "dialect/irc_text.h"
#include "net/conn.h"
#include "util/alloc.h"
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
	[ERR_NOT_ROOM_OP] = "ERROR Not a room operator",
	[ERR_NOT_SERVER_OP] = "ERROR Not a server operator",
	[ERR_NOT_HERE] = "ERROR User not in this room",
	[ERR_ROOM_MUTED] = "ERROR Room is muted",
	[ERR_BANNED] = "ERROR Banned from this room",
	[ERR_BAD_MASK] = "ERROR Invalid ban mask",
	[ERR_BAN_EXISTS] = "ERROR Already banned",
	[ERR_BAN_MISSING] = "ERROR No such ban",
	[ERR_BAN_FULL] = "ERROR Ban list is full",
	[ERR_TOPIC_LOCKED] = "ERROR Only room operators may set the topic",
	[ERR_KICK_USAGE] = "ERROR Usage: KICK <user> [<reason>]",
	[ERR_BAN_USAGE] = "ERROR Usage: BAN <mask> | UNBAN <mask>",
	[ERR_KILL_USAGE] = "ERROR Usage: KILL <user> [<reason>]",
	[ERR_CLOSE_USAGE] = "ERROR Usage: CLOSE <#room> [<reason>]",
	[ERR_OPER_USAGE] = "ERROR Usage: OPER <password>",
	[ERR_FLOOD] = ("ERROR Flooding: disconnected for sending too fast for too long; "
		       "reconnect and send more slowly"),
	[ERR_NAME_REGISTERED] = "ERROR Name is registered",
	[ERR_HISTORY_USAGE] = "ERROR Usage: HISTORY <#room> [<n>] [BEFORE <msgid>]",
	[ERR_REGISTER_USAGE] = "ERROR Usage: REGISTER <password>",
	[ERR_LOGIN_USAGE] = "ERROR Usage: LOGIN <name> <password>",
	[ERR_PASSWORD_USAGE] = "ERROR Usage: PASSWORD <old> <new>",
	[ERR_LOGIN_FAILED] = "ERROR Login failed",
	[ERR_WRONG_PASSWORD] = "ERROR Wrong password",
	[ERR_TOO_MANY_ATTEMPTS] = "ERROR Too many attempts, try again later",
	[ERR_PASSWORD_SHORT] = "ERROR Password too short",
	[ERR_ALREADY_REGISTERED] = "ERROR Name is already registered",
	[ERR_NOT_LOGGED_IN] = "ERROR Not logged in",
	[ERR_ACCOUNTS_OFF] = "ERROR Accounts are not enabled",
	[ERR_STORAGE] = "ERROR Storage unavailable, try again later",
	[ERR_BUSY] = "ERROR Account request in progress",
};

const char chat_server_full[] = "ERROR Server full\r\n";
const char chat_too_many[] =
	"ERROR Too many connections from your address; close one and try again\r\n";
const char chat_too_fast[] =
	"ERROR Too many new connections from your address; try again in a few seconds\r\n";

/* ---- composing lines from pieces ---- */

struct piece {
	const char *p;
	size_t n;
};

#define LIT(s) ((struct piece){(s), sizeof(s) - 1})
#define STR(s, len) ((struct piece){(s), (len)})

static size_t pieces_len(const struct piece *pc, size_t n)
{
	size_t total = LINE_END_LEN;
	for (size_t i = 0; i < n; i++)
		total += pc[i].n;
	return total;
}

/* Appends pieces plus the line end at `out`; returns the end. */
static char *put_line(char *out, const struct piece *pc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pc[i].n) /* an absent text is (NULL, 0): no memcpy from NULL */
			memcpy(out, pc[i].p, pc[i].n);
		out += pc[i].n;
	}
	return line_end(out);
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
	struct hub_room *room = chat_room(s->user);
	struct piece rname = STR(hub_room_name(room), hub_room_name_len(room));
	char count[32];
	int clen = snprintf(count, sizeof(count), " (%zu users)", hub_room_size(room) - 1);
	const struct piece head[] = {LIT("OK Joined "), rname, STR(count, (size_t)clen)};
	size_t total = pieces_len(head, 3);
	for (const struct hub_member *m = hub_first_member(room); m; m = hub_next_member(m))
		if (hub_member_user(m) != s->user)
			total += 5 + rname.n + 1 + hub_user_name_len(hub_member_user(m)) + 2;
	struct msg *greeting = msg_new(total);
	char *out = put_line(greeting->data, head, 3);
	for (const struct hub_member *m = hub_first_member(room); m; m = hub_next_member(m)) {
		const struct hub_user *u = hub_member_user(m);
		if (u == s->user)
			continue;
		const struct piece line[] = {LIT("JOIN "), rname, LIT(" "),
					     STR(hub_user_name(u), hub_user_name_len(u))};
		out = put_line(out, line, 4);
	}
	conn_send(s->conn, greeting);
	msg_unref(greeting);
	/* Each replayed line costs "ROOM " + room + " " + name + " " + text
	 * + "\r\n": the hub counts the name and text, we count the rest. */
	hub_replay_history(hub, s->user, room, s->chat->replay_budget, rname.n + 9);
}

void reply_history_line(struct chat_session *s, const char *room, size_t room_len,
			const struct store_line *line)
{
	char id[HUB_MSGID_LEN], when[STORE_TIME_LEN];
	hub_msgid_format(line->id, id);
	store_time_format(line->time_ms, when);
	SEND(s, LIT("HISTORY "), STR(room, room_len), LIT(" "), STR(id, sizeof(id)), LIT(" "),
	     STR(when, sizeof(when)), LIT(" "), STR(line->from, line->from_len), LIT(" "),
	     STR(line->text, line->text_len));
}

void reply_history_done(struct chat_session *s, const char *room, size_t room_len, int count)
{
	char n[24];
	int len = snprintf(n, sizeof(n), " %d", count);
	SEND(s, LIT("OK History "), STR(room, room_len), STR(n, (size_t)len));
}

void reply_registered(struct chat_session *s, const char *name)
{
	SEND(s, LIT("OK Registered "), STR(name, strlen(name)));
}

void reply_password_changed(struct chat_session *s) { SEND(s, LIT("OK Password changed")); }

/* A list reply: `word` then " item" per item, built in two passes. */
struct list_walk {
	const void *(*first)(const void *owner);
	const void *(*next)(const void *owner, const void *item);
	const char *(*name)(const void *item, size_t *len);
};

static void send_list(struct chat_session *s, const char *word, const void *owner,
		      const struct list_walk *w)
{
	size_t wlen = strlen(word), total = wlen + LINE_END_LEN, len;
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
	line_end(out);
	conn_send(s->conn, m);
	msg_unref(m);
}

static const void *users_first(const void *hub) { return hub_first_user(hub); }
static const void *users_next(const void *hub, const void *u) { return hub_next_user(hub, u); }
static const void *members_first(const void *room) { return hub_first_member(room); }
static const void *members_next(const void *room, const void *m)
{
	(void)room;
	return hub_next_member(m);
}
static const void *rooms_first(const void *hub) { return hub_first_room(hub); }
static const void *rooms_next(const void *hub, const void *r) { return hub_next_room(hub, r); }

static const char *user_name(const void *u, size_t *len)
{
	*len = hub_user_name_len(u);
	return hub_user_name(u);
}

static const char *member_name(const void *m, size_t *len)
{
	return user_name(hub_member_user(m), len);
}

static const char *room_name(const void *r, size_t *len)
{
	*len = hub_room_name_len(r);
	return hub_room_name(r);
}

void reply_userlist(struct chat_session *s, const struct hub *hub, const struct hub_room *room)
{
	static const struct list_walk everyone = {users_first, users_next, user_name};
	static const struct list_walk members = {members_first, members_next, member_name};
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


/* "+m-t", "+o name", "+l 10": what a MODE event changed, IRC's letters. */
static size_t mode_changes(const struct hub_event *ev, char *out, size_t cap)
{
	static const char letters[] = "imnst";
	static const uint32_t bits[] = {HUB_ROOM_INVITE, HUB_ROOM_MODERATED, HUB_ROOM_NO_OUTSIDE,
					HUB_ROOM_SECRET, HUB_ROOM_TOPIC_LOCK};
	size_t n = 0;
	if (ev->target_len) {
		uint32_t diff = ev->flags_old ^ ev->flags_new;
		for (uint32_t bit = HUB_MEMBER_OP; bit <= HUB_MEMBER_VOICE; bit <<= 1)
			if (diff & bit)
				n += (size_t)snprintf(out + n, cap - n, "%s%c%c %.*s", n ? " " : "",
						      ev->flags_new & bit ? '+' : '-',
						      bit == HUB_MEMBER_OP ? 'o' : 'v',
						      (int)ev->target_len, ev->target);
		return n < cap ? n : cap - 1;
	}
	const struct hub_room_modes *a = ev->modes_old, *b = ev->modes_new;
	for (size_t i = 0; i < 5; i++)
		if ((a->flags ^ b->flags) & bits[i])
			n += (size_t)snprintf(out + n, cap - n, "%c%c",
					      b->flags & bits[i] ? '+' : '-', letters[i]);
	if (strcmp(a->key, b->key) != 0)
		n += (size_t)snprintf(out + n, cap - n, "%ck", b->key[0] ? '+' : '-');
	if (a->limit != b->limit)
		n += (size_t)snprintf(out + n, cap - n, "%cl", b->limit ? '+' : '-');
	if (a->limit != b->limit && b->limit)
		n += (size_t)snprintf(out + n, cap - n, " %u", (unsigned)b->limit);
	return n < cap ? n : cap - 1;
}

/* Moderation as chat lines: KICK <#room> <by> <user> [<reason>],
 * TOPIC <#room> <by> [<text>], MODE <#room> <by> <changes>,
 * BAN|UNBAN <#room> <by> <mask>. */
static struct msg *render_moderation(const struct hub_event *ev)
{
	struct piece room = STR(ev->room, ev->room_len), from = STR(ev->from, ev->from_len);
	struct piece text = STR(ev->text, ev->text_len), sp = LIT(" ");
	struct piece target = STR(ev->target, ev->target_len);
	struct piece tail = ev->text_len ? sp : LIT("");
	char changes[128];
	switch (ev->kind) {
	case HUB_EV_KICK: {
		const struct piece pc[] = {LIT("KICK "), room, sp, from, sp, target, tail, text};
		return line_msg(pc, 8);
	}
	case HUB_EV_TOPIC: {
		const struct piece pc[] = {LIT("TOPIC "), room, sp, from, tail, text};
		return line_msg(pc, 6);
	}
	case HUB_EV_BAN: {
		const struct piece pc[] = {ev->flags_new ? LIT("BAN ") : LIT("UNBAN "), room, sp,
					   from, sp, target};
		return line_msg(pc, 6);
	}
	default: { /* HUB_EV_MODE */
		size_t n = mode_changes(ev, changes, sizeof(changes));
		if (n == 0)
			return NULL;
		const struct piece pc[] = {LIT("MODE "), room, sp, from, sp, STR(changes, n)};
		return line_msg(pc, 6);
	}
	}
}

/* Returns NULL for events chat users are not shown. A chat user is in one
 * room, so a QUIT reaches it through that room: it reads as LEAVE there,
 * as for any disconnect. */
static struct msg *render_event(const struct hub_event *ev)
{
	struct piece room = STR(ev->room, ev->room_len), from = STR(ev->from, ev->from_len);
	struct piece text = STR(ev->text, ev->text_len), sp = LIT(" ");
	struct piece target = STR(ev->target, ev->target_len);
	/* An IRC /me (CTCP ACTION) reads as "* nick body". */
	const char *body;
	size_t body_len;
	char action[HUB_NAME_MAX + 4];
	if ((ev->kind == HUB_EV_SAY || ev->kind == HUB_EV_PRIVMSG) &&
	    irc_ctcp_action(ev->text, ev->text_len, &body, &body_len)) {
		int n = snprintf(action, sizeof(action), "* %.*s ", (int)ev->from_len, ev->from);
		const struct piece pc[] = {LIT("ROOM "), room, sp, from, sp, STR(action, (size_t)n),
					   STR(body, body_len)};
		if (ev->kind == HUB_EV_SAY)
			return line_msg(pc, 7);
		const struct piece pm[] = {LIT("PRIVMSG "), from, sp, STR(action, (size_t)n),
					   STR(body, body_len)};
		return line_msg(pm, 5);
	}
	switch (ev->kind) {
	case HUB_EV_SAY: {
		const struct piece pc[] = {LIT("ROOM "), room, sp, from, sp, text};
		return line_msg(pc, 6);
	}
	case HUB_EV_JOIN: {
		const struct piece pc[] = {LIT("JOIN "), room, sp, from};
		return line_msg(pc, 4);
	}
	case HUB_EV_LEAVE:
	case HUB_EV_QUIT: {
		const struct piece pc[] = {LIT("LEAVE "), room, sp, from};
		return line_msg(pc, 4);
	}
	case HUB_EV_KICK:
	case HUB_EV_TOPIC:
	case HUB_EV_MODE:
	case HUB_EV_BAN:
		return render_moderation(ev);
	case HUB_EV_NICK: {
		const struct piece pc[] = {LIT("NICK "), from, sp, target};
		return line_msg(pc, 4);
	}
	case HUB_EV_PRIVMSG: {
		const struct piece pc[] = {LIT("PRIVMSG "), from, sp, text};
		return line_msg(pc, 4);
	}
	case HUB_EV_AWAY:
	default:
		return NULL;
	}
}

/* Text from IRC users may hold formatting codes (bold, colours: bytes
 * below 0x20) that chat lines never carry: chat users get the text without
 * them, colour numbers after ^C included. Tabs stay. */
static size_t strip_controls(char *dst, const char *src, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c >= 0x20 && c != 0x7f) {
			dst[n++] = (char)c;
		} else if (c == '\t') {
			dst[n++] = '\t';
		} else if (c == 0x03) { /* ^C[fg[,bg]]: up to two digits each */
			for (int part = 0, k; part < 2; part++) {
				for (k = 0; k < 2 && i + 1 < len && src[i + 1] >= '0' && src[i + 1] <= '9'; k++)
					i++;
				if (part || !k || i + 2 >= len || src[i + 1] != ',' ||
				    src[i + 2] < '0' || src[i + 2] > '9')
					break;
				i++;
			}
		}
	}
	return n;
}

static bool has_controls(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return true;
	return false;
}

static struct msg *render_plain(const struct hub_event *ev);

/* A notice reads as a message marked "[notice] ". */
static struct msg *render_notice(const struct hub_event *ev)
{
	static const char mark[] = "[notice] ";
	struct hub_event copy = *ev;
	char *text = xmalloc(sizeof(mark) + ev->text_len);
	memcpy(text, mark, sizeof(mark) - 1);
	if (ev->text_len)
		memcpy(text + sizeof(mark) - 1, ev->text, ev->text_len);
	copy.style = HUB_STYLE_PLAIN;
	copy.text = text;
	copy.text_len = sizeof(mark) - 1 + ev->text_len;
	struct msg *m = render_plain(&copy);
	free(text);
	return m;
}

/* Every text an event carries (a message, a kick reason, a topic) loses
 * its controls; in a message a CTCP ACTION is recognised first (its ^A
 * markers are controls too). */
static struct msg *render_plain(const struct hub_event *ev)
{
	if (ev->style == HUB_STYLE_TAGMSG)
		return NULL; /* tags only: nothing to show */
	if (ev->style == HUB_STYLE_NOTICE)
		return render_notice(ev);
	const char *body;
	size_t body_len;
	bool action = (ev->kind == HUB_EV_SAY || ev->kind == HUB_EV_PRIVMSG) &&
		      irc_ctcp_action(ev->text, ev->text_len, &body, &body_len);
	if (!has_controls(action ? body : ev->text, action ? body_len : ev->text_len))
		return render_event(ev);
	struct hub_event copy = *ev;
	char *clean = xmalloc(ev->text_len + 3);
	size_t n = 0;
	if (action) {
		memcpy(clean, "\001ACTION ", 8);
		n = 8 + strip_controls(clean + 8, body, body_len);
		clean[n++] = '\001';
	} else {
		n = strip_controls(clean, ev->text, ev->text_len);
	}
	copy.text = clean;
	copy.text_len = n;
	struct msg *m = render_event(&copy);
	free(clean);
	return m;
}

static void chat_deliver(void *ctx, struct hub_event *ev)
{
	struct chat_session *s = ctx;
	int slot = s->chat->slot;
	if (ev->echo)
		return; /* a chat sender has its OK Sent */
	if (!ev->rendered[slot]) {
		ev->rendered[slot] = render_plain(ev);
		if (!ev->rendered[slot])
			return;
	}
	conn_send(s->conn, ev->rendered[slot]);
}

const struct hub_sink chat_sink = {.deliver = chat_deliver, .kill = chat_kill};

void reply_line(struct chat_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	SEND(s, STR(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1));
}
