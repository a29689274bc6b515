/* chat: parsing of chat-protocol lines on the client side. */
#include "chat.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

/* Cuts the next space-separated word off `rest`. */
static struct span next_word(struct span *rest)
{
	struct span w = {rest->p, 0};
	while (w.len < rest->len && rest->p[w.len] != ' ')
		w.len++;
	size_t skip = w.len < rest->len ? w.len + 1 : w.len;
	rest->p += skip;
	rest->len -= skip;
	return w;
}

static bool is(struct span w, const char *word)
{
	return str_equals(w.p, w.len, word);
}

/* "<#room> <user> [<text>]": the shape of ROOM, JOIN and LEAVE. */
static bool room_user(struct span rest, struct chat_event *ev, bool want_text)
{
	ev->room = next_word(&rest);
	ev->user = next_word(&rest);
	ev->text = rest;
	if (ev->room.len < 2 || ev->room.p[0] != '#' || ev->user.len == 0)
		return false;
	return want_text ? rest.len > 0 : rest.len == 0;
}

static enum chat_kind classify(struct span cmd, struct span rest, struct chat_event *ev)
{
	if (is(cmd, "ROOM"))
		return room_user(rest, ev, true) ? CHAT_ROOM : CHAT_OTHER;
	if (is(cmd, "JOIN"))
		return room_user(rest, ev, false) ? CHAT_JOIN : CHAT_OTHER;
	if (is(cmd, "LEAVE"))
		return room_user(rest, ev, false) ? CHAT_LEAVE : CHAT_OTHER;
	ev->text = rest;
	if (is(cmd, "PRIVMSG")) {
		ev->user = next_word(&ev->text);
		return ev->user.len && ev->text.len ? CHAT_PRIVMSG : CHAT_OTHER;
	}
	if (is(cmd, "OK"))
		return CHAT_OK;
	if (is(cmd, "ERROR"))
		return CHAT_ERROR;
	if (is(cmd, "ROOMLIST"))
		return CHAT_ROOMLIST;
	if (is(cmd, "USERLIST"))
		return CHAT_USERLIST;
	return CHAT_OTHER;
}

void chat_parse(const char *line, size_t len, struct chat_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	struct span rest = {line, len};
	struct span cmd = next_word(&rest);
	enum chat_kind kind = classify(cmd, rest, ev);
	if (kind == CHAT_OTHER) {
		memset(ev, 0, sizeof(*ev));
		ev->text = (struct span){line, len};
	}
	ev->kind = kind; /* after the memset, which would make it CHAT_ROOM (0) */
}

/* True if `text` starts with `prefix`; then `rest` is what follows. */
static bool starts(struct span text, const char *prefix, struct span *rest)
{
	size_t n = strlen(prefix);
	if (text.len < n || memcmp(text.p, prefix, n) != 0)
		return false;
	*rest = (struct span){text.p + n, text.len - n};
	return true;
}

/* Names end up in the prompt, which is never escaped: accept only what
 * the protocol allows in names (printable ASCII, no spaces). */
static bool printable_name(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] <= ' ' || s.p[i] > '~')
			return false;
	return true;
}

static bool set_field(char *field, struct span value)
{
	char tmp[CHAT_NAME_MAX];
	if (value.len >= sizeof(tmp) || !printable_name(value))
		return false;
	snprintf(tmp, sizeof(tmp), "%.*s", (int)value.len, value.p);
	if (strcmp(tmp, field) == 0)
		return false;
	memcpy(field, tmp, sizeof(tmp));
	return true;
}

bool chat_state_update(struct chat_state *st, const struct chat_event *ev)
{
	struct span rest;
	if (ev->kind != CHAT_OK)
		return false;
	if (starts(ev->text, "Welcome, ", &rest) && rest.len > 1 && rest.p[rest.len - 1] == '!')
		return set_field(st->name, (struct span){rest.p, rest.len - 1});
	if (starts(ev->text, "Joined ", &rest))
		return set_field(st->room, next_word(&rest));
	if (starts(ev->text, "Left ", &rest))
		return set_field(st->room, (struct span){"", 0});
	return false;
}

static struct span first_word(const char *line, size_t len, struct span *rest)
{
	*rest = (struct span){line, len};
	return next_word(rest);
}

bool chat_is_quit(const char *line, size_t len)
{
	struct span rest;
	struct span w = first_word(line, len, &rest);
	return is(w, "QUIT") || str_equals_nocase(w.p, w.len, "/quit");
}

bool chat_is_privmsg(const char *line, size_t len, struct span *to, struct span *text)
{
	struct span rest;
	struct span w = first_word(line, len, &rest);
	if (!is(w, "PRIVMSG") && !str_equals_nocase(w.p, w.len, "/msg"))
		return false;
	*to = next_word(&rest);
	*text = rest;
	return to->len > 0 && text->len > 0;
}

const char *const chat_slash_commands[] = {
	"/help", "/join", "/leave", "/msg", "/nick", "/quit", "/rooms", "/users", NULL,
};

bool chat_is_unknown_command(const char *line, size_t len, struct span *word)
{
	struct span rest;
	*word = first_word(line, len, &rest);
	if (word->len == 0 || word->p[0] != '/')
		return false;
	for (size_t i = 0; chat_slash_commands[i]; i++)
		if (str_equals_nocase(word->p, word->len, chat_slash_commands[i]))
			return false;
	return true;
}

bool chat_is_join(const char *line, size_t len)
{
	struct span rest;
	struct span w = first_word(line, len, &rest);
	return is(w, "JOIN") || str_equals_nocase(w.p, w.len, "/join");
}

bool chat_complete_join(const char *line, size_t len, char *out, size_t outlen,
			size_t *written)
{
	struct span rest;
	struct span w = first_word(line, len, &rest);
	/* Only a bare room word is completed; anything odder goes as typed so
	 * that the server's own error names what is wrong with it. */
	bool add_hash = chat_is_join(line, len) && w.len < len && rest.len > 0 &&
			rest.p[0] != '#' && rest.p[0] != ' ';
	size_t need = len + (add_hash ? 1 : 0);
	if (need >= outlen)
		return false;
	if (add_hash) {
		size_t head = (size_t)(rest.p - line);
		memcpy(out, line, head);
		out[head] = '#';
		memcpy(out + head + 1, rest.p, rest.len);
	} else {
		memcpy(out, line, len);
	}
	out[need] = '\0';
	*written = need;
	return true;
}

bool chat_joined_count(const struct chat_event *ev, struct span *room, size_t *count)
{
	struct span rest;
	if (ev->kind != CHAT_OK || !starts(ev->text, "Joined ", &rest))
		return false;
	*room = next_word(&rest);
	struct span n;
	if (!starts(rest, "(", &n) || room->len == 0)
		return false;
	size_t v = 0, digits = 0;
	while (digits < n.len && n.p[digits] >= '0' && n.p[digits] <= '9' && v < SIZE_MAX / 10)
		v = v * 10 + (size_t)(n.p[digits++] - '0');
	struct span tail = {n.p + digits, n.len - digits};
	if (digits == 0 || !str_equals(tail.p, tail.len, " users)"))
		return false;
	*count = v;
	return true;
}
