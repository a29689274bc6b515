/* moderate: parsing and running the console's moderation commands. */
#include <string.h>

#include "dialect/irc_mode.h"
#include "hub/hub.h"
#include "server/moderate.h"
#include "util/str.h"

const char console_moderate_help[] =
	"  KICK <#room> <user> [reason]   remove a user from a room\n"
	"  KILL <user> [reason]           disconnect a user\n"
	"  BAN <#room> <mask>             ban a name or nick!ident@host mask\n"
	"  UNBAN <#room> <mask>           lift a ban\n"
	"  CLOSE <#room> [reason]         kick everyone from a room\n";

struct words {
	const char *w[3];
	size_t len[3];
	const char *rest; /* after the words taken, spaces skipped */
};

/* Splits up to `n` words off `line`; the remainder is the reason. */
static size_t split(const char *line, size_t n, struct words *out)
{
	size_t got = 0;
	const char *p = line;
	while (got < n) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\r\n");
		if (len == 0)
			break;
		out->w[got] = p;
		out->len[got++] = len;
		p += len;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	out->rest = p;
	return got;
}

static size_t rest_len(const struct words *w)
{
	return strcspn(w->rest, "\r\n");
}

static struct hub_room *room_or_say(struct hub *hub, const struct words *w, FILE *out)
{
	struct hub_room *room = hub_find_room(hub, w->w[1], w->len[1]);
	if (!room)
		fprintf(out, "ERROR No such room %.*s\n", (int)w->len[1], w->w[1]);
	return room;
}

static void kick(struct hub *hub, const struct words *w, FILE *out)
{
	struct hub_room *room = room_or_say(hub, w, out);
	struct hub_user *u = room ? hub_find_user(hub, w->w[2], w->len[2]) : NULL;
	if (!room)
		return;
	if (!u || hub_kick(hub, NULL, room, u, w->rest, rest_len(w)) != HUB_OK) {
		fprintf(out, "ERROR %.*s is not in %s\n", (int)w->len[2], w->w[2],
			hub_room_name(room));
		return;
	}
	fprintf(out, "OK Kicked %.*s\n", (int)w->len[2], w->w[2]);
}

static void kill_user(struct hub *hub, const struct words *w, FILE *out)
{
	struct hub_user *u = hub_find_user(hub, w->w[1], w->len[1]);
	if (!u || !hub_kill(hub, NULL, u, w->rest, rest_len(w))) {
		fprintf(out, "ERROR No such user %.*s\n", (int)w->len[1], w->w[1]);
		return;
	}
	fprintf(out, "OK Killed %.*s\n", (int)w->len[1], w->w[1]);
}

static void ban(struct hub *hub, const struct words *w, bool add, FILE *out)
{
	struct hub_room *room = room_or_say(hub, w, out);
	if (!room)
		return;
	char mask[IRC_MASK_MAX + 1];
	size_t n = irc_mask_normalise(w->w[2], w->len[2], mask);
	if (!n) {
		fprintf(out, "ERROR Invalid ban mask\n");
		return;
	}
	enum hub_result r = add ? hub_ban_add(hub, NULL, room, mask, n)
				: hub_ban_remove(hub, NULL, room, mask, n);
	if (r == HUB_OK)
		fprintf(out, "OK %s %s %s\n", add ? "Banned" : "Unbanned", mask, hub_room_name(room));
	else
		fprintf(out, "ERROR %s\n", r == HUB_BAN_EXISTS	 ? "Already banned"
					   : r == HUB_BAN_FULL	 ? "Ban list is full"
					   : r == HUB_BAN_MISSING ? "No such ban"
								  : "Invalid ban mask");
}

static void close_room(struct hub *hub, const struct words *w, FILE *out)
{
	struct hub_room *room = room_or_say(hub, w, out);
	if (!room)
		return;
	size_t len = rest_len(w);
	hub_close_room(hub, NULL, room, len ? w->rest : "Room closed", len ? len : 11);
	fprintf(out, "OK Closed %.*s\n", (int)w->len[1], w->w[1]);
}

bool console_moderate(struct hub *hub, const char *line, FILE *out)
{
	struct words w;
	size_t n = split(line, 1, &w);
	if (n == 0)
		return false;
	const char *cmd = w.w[0];
	size_t clen = w.len[0];
	bool two = str_equals_nocase(cmd, clen, "KICK") || str_equals_nocase(cmd, clen, "BAN") ||
		   str_equals_nocase(cmd, clen, "UNBAN");
	bool one = str_equals_nocase(cmd, clen, "KILL") || str_equals_nocase(cmd, clen, "CLOSE");
	if (!two && !one)
		return false;
	if (split(line, two ? 3 : 2, &w) < (two ? 3u : 2u))
		fprintf(out, "ERROR Usage: see HELP\n");
	else if (str_equals_nocase(cmd, clen, "KICK"))
		kick(hub, &w, out);
	else if (str_equals_nocase(cmd, clen, "KILL"))
		kill_user(hub, &w, out);
	else if (str_equals_nocase(cmd, clen, "CLOSE"))
		close_room(hub, &w, out);
	else
		ban(hub, &w, str_equals_nocase(cmd, clen, "BAN"), out);
	fflush(out);
	return true;
}
