/* render: chat lines for people, raw units for scripts. */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "util/buf.h"

/* SGR sequences; empty strings when colour is off. */
#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_RED "\033[1;31m"
#define SGR_GREEN "\033[32m"
#define SGR_MAGENTA "\033[1;35m"
#define SGR_CYAN "\033[36m"

static void put(struct buf *out, const char *s)
{
	buf_append(out, s, strlen(s));
}

static void sgr(const struct render_style *st, struct buf *out, const char *code)
{
	if (st->color)
		put(out, code);
}

static void text(struct buf *out, struct span s)
{
	escape_append(out, s.p, s.len, ESCAPE_TEXT);
}

/* A stable colour per name so that a conversation is easy to follow. */
static const char *name_color(struct span name)
{
	static const char *const palette[] = {
		"\033[1;32m", "\033[1;33m", "\033[1;34m", "\033[1;36m",
		"\033[1;92m", "\033[1;93m", "\033[1;94m", "\033[1;96m",
	};
	unsigned h = 5381;
	for (size_t i = 0; i < name.len; i++)
		h = h * 33 + (unsigned char)name.p[i];
	return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

static void name(const struct render_style *st, struct buf *out, struct span who)
{
	sgr(st, out, name_color(who));
	text(out, who);
	sgr(st, out, SGR_RESET);
}

/* "[#room] " in the room colour. */
static void room_tag(const struct render_style *st, struct buf *out, struct span room)
{
	sgr(st, out, SGR_CYAN);
	put(out, "[");
	text(out, room);
	put(out, "] ");
	sgr(st, out, SGR_RESET);
}

static void room_line(const struct render_style *st, const struct chat_event *ev,
		      struct buf *out)
{
	room_tag(st, out, ev->room);
	name(st, out, ev->user);
	put(out, ": ");
	text(out, ev->text);
}

static void privmsg_line(const struct render_style *st, const char *dir, struct span who,
			 struct span msg, struct buf *out)
{
	sgr(st, out, SGR_MAGENTA);
	put(out, "[PM ");
	put(out, dir);
	put(out, " ");
	text(out, who);
	put(out, "]");
	sgr(st, out, SGR_RESET);
	put(out, " ");
	text(out, msg);
}

static void membership_line(const struct render_style *st, const struct chat_event *ev,
			    struct buf *out)
{
	bool join = ev->kind == CHAT_JOIN;
	sgr(st, out, SGR_DIM);
	put(out, join ? "-> " : "<- ");
	text(out, ev->user);
	put(out, join ? " joined " : " left ");
	text(out, ev->room);
	sgr(st, out, SGR_RESET);
}

/* "* Rooms: #a #b" / "* Users: (none)". */
static void list_line(const struct render_style *st, const char *what, struct span list,
		      struct buf *out)
{
	sgr(st, out, SGR_GREEN);
	put(out, "* ");
	put(out, what);
	if (list.len)
		text(out, list);
	else
		put(out, "(none)");
	sgr(st, out, SGR_RESET);
}

static void status_line(const struct render_style *st, const char *color, const char *mark,
			struct span msg, struct buf *out)
{
	sgr(st, out, color);
	put(out, mark);
	text(out, msg);
	sgr(st, out, SGR_RESET);
}

static void render_event(const struct render_style *st, const struct chat_event *ev,
			 struct buf *out)
{
	switch (ev->kind) {
	case CHAT_ROOM:
		room_line(st, ev, out);
		break;
	case CHAT_PRIVMSG:
		privmsg_line(st, "from", ev->user, ev->text, out);
		break;
	case CHAT_JOIN:
	case CHAT_LEAVE:
		membership_line(st, ev, out);
		break;
	case CHAT_OK:
		status_line(st, SGR_GREEN, "* ", ev->text, out);
		break;
	case CHAT_ERROR:
		status_line(st, SGR_RED, "! ", ev->text, out);
		break;
	case CHAT_ROOMLIST:
		list_line(st, "Rooms: ", ev->text, out);
		break;
	case CHAT_USERLIST:
		list_line(st, "Users: ", ev->text, out);
		break;
	case CHAT_OTHER:
		text(out, ev->text);
		break;
	}
}

bool render_chat(const struct render_style *st, const struct chat_event *ev, struct buf *out)
{
	if (ev->kind == CHAT_OK && ev->text.len == 4 && memcmp(ev->text.p, "Sent", 4) == 0)
		return false;
	render_event(st, ev, out);
	put(out, "\n");
	return true;
}

void render_sent_privmsg(const struct render_style *st, struct span to, struct span msg,
			 struct buf *out)
{
	privmsg_line(st, "to", to, msg, out);
	put(out, "\n");
}

void render_notice(const struct render_style *st, const char *msg, struct buf *out)
{
	status_line(st, SGR_DIM, "* ", (struct span){msg, strlen(msg)}, out);
	put(out, "\n");
}

void render_raw(const struct render_style *st, enum proto p, const char *unit, size_t len,
		struct buf *out)
{
	if (p == PROTO_FRAME)
		escape_append(out, unit, len, ESCAPE_STRICT);
	else if (st->terminal)
		escape_append(out, unit, len, ESCAPE_TEXT);
	else
		buf_append(out, unit, len);
	put(out, "\n");
}

void render_stamp(const struct render_style *st, const struct tm *when, struct buf *out)
{
	char stamp[16];
	if (!st->timestamps)
		return;
	snprintf(stamp, sizeof(stamp), "[%02d:%02d] ", when->tm_hour % 24, when->tm_min % 60);
	sgr(st, out, SGR_DIM);
	put(out, stamp);
	sgr(st, out, SGR_RESET);
}

void render_history(const struct render_style *st, const struct chat_event *ev,
		    struct buf *out)
{
	/* One dim colour for the whole line: name colours would make it look
	 * live again. */
	struct render_style plain = *st;
	plain.color = false;
	sgr(st, out, SGR_DIM);
	put(out, "[history] ");
	render_event(&plain, ev, out);
	sgr(st, out, SGR_RESET);
	put(out, "\n");
}

void render_members(const struct render_style *st, const char *room, struct span list,
		    struct buf *out)
{
	sgr(st, out, SGR_GREEN);
	put(out, "* Users in ");
	text(out, (struct span){room, strlen(room)});
	put(out, ": ");
	text(out, list);
	sgr(st, out, SGR_RESET);
	put(out, "\n");
}

void render_error(const struct render_style *st, const char *msg, struct buf *out)
{
	status_line(st, SGR_RED, "! ", (struct span){msg, strlen(msg)}, out);
	put(out, "\n");
}
