/* irc_query: messages (PRIVMSG, NOTICE, TAGMSG) with the channel rules on
 * speaking (+n +m +b), and the queries and personal state: WHO, WHOIS,
 * AWAY, ISON, USERHOST, LUSERS, MOTD, TIME, INFO, SETNAME. Notices never draw
 * an error numeric. Notices, TAGMSG and lines from outside a channel are
 * relayed by the hub (hub_relay), which takes them to every node. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dialect/irc_private.h"
#include "net/net.h"
#include "dialect/irc_text.h"
#include "util/clock.h"
#include "util/str.h"

#define P(sl) (int)(sl).len, (sl).p

/* ---- who is who ---- */

static void split_userhost(const struct irc *irc, const struct hub_user *u, char *user,
			   size_t ucap, char *host, size_t hcap)
{
	char uh[HUB_ORIGIN_MAX + HUB_NAME_MAX + 80];
	irc_userhost(irc, u, uh, sizeof(uh));
	char *at = strrchr(uh, '@');
	if (at)
		*at = '\0';
	const char *h = at ? at + 1 : irc->server_name;
	size_t ul = strnlen(uh, ucap - 1), hl = strnlen(h, hcap - 1);
	memcpy(user, uh, ul);
	user[ul] = '\0';
	memcpy(host, h, hl);
	host[hl] = '\0';
}

static const char *realname_of(const struct hub_user *u)
{
	const struct irc_session *o = irc_session_of(u);
	return o && irc_realname(o)[0] ? irc_realname(o) : hub_user_name(u);
}

/* ---- speaking ---- */

/* True if `s` may speak in `room` (+n, +m, +b). */
static bool may_speak(struct irc_session *s, struct hub_room *room)
{
	const struct hub_member *m = hub_membership(s->user, room);
	uint32_t flags = hub_room_modes(room)->flags;
	if (!m)
		return !(flags & HUB_ROOM_NO_OUTSIDE) && !(flags & HUB_ROOM_MODERATED) &&
		       !irc_banned(s->irc, room, s->user);
	if (hub_member_flags(m) & (HUB_MEMBER_OP | HUB_MEMBER_VOICE))
		return true;
	return !(flags & HUB_ROOM_MODERATED) && !irc_banned(s->irc, room, s->user);
}

enum msg_kind { MSG_PRIVMSG, MSG_NOTICE, MSG_TAGMSG };

static const char *const kind_cmd[] = {"PRIVMSG", "NOTICE", "TAGMSG"};

static const enum hub_msg_style kind_style[] = {HUB_STYLE_PLAIN, HUB_STYLE_NOTICE,
						HUB_STYLE_TAGMSG};

/* A notice or TAGMSG to a user goes through the hub (hub_relay), which
 * reaches it on whatever node it is; the sender's echo is sent here. */
static void special_to_user(struct irc_session *s, enum msg_kind kind, struct hub_user *to,
			    struct irc_slice text, struct irc_slice tags)
{
	bool echo = HAS_CAP(s, CAP_ECHO_MESSAGE) &&
		    (kind != MSG_TAGMSG || HAS_CAP(s, CAP_MESSAGE_TAGS));
	const struct irc_session *labeled = s->irc->labeled.who;
	if (to == s->user && echo)
		s->irc->labeled.who = NULL; /* the delivery; the echo is the reply */
	hub_relay(s->irc->hub, s->user, NULL, to, kind_style[kind], text.p, text.len, tags.p,
		  tags.len);
	s->irc->labeled.who = labeled;
	if (echo)
		irc_send_message(s, s->user, kind_cmd[kind], hub_user_name(to), text.p, text.len,
				 tags, 0, 0);
}

static void to_channel(struct irc_session *s, enum msg_kind kind, struct irc_slice name,
		       struct irc_slice text, struct irc_slice tags)
{
	struct irc *irc = s->irc;
	struct hub_room *room = hub_find_room(irc->hub, name.p, name.len);
	if (!room) {
		if (kind != MSG_NOTICE)
			irc_numeric(s, "403", "%.*s :No such channel", P(name));
		return;
	}
	if (!may_speak(s, room)) {
		if (kind != MSG_NOTICE)
			irc_numeric(s, "404", "%s :Cannot send to channel", hub_room_name(room));
		return;
	}
	if (kind != MSG_PRIVMSG || !hub_membership(s->user, room)) {
		/* Notices, TAGMSG and an outsider's line (-n) are relayed:
		 * every member on every node, no id, no history. */
		hub_relay(irc->hub, s->user, room, NULL, kind_style[kind], text.p, text.len, tags.p,
			  tags.len);
		return;
	}
	irc->relay_tags = tags;
	hub_say(irc->hub, s->user, room, text.p, text.len);
	irc->relay_tags = (struct irc_slice){0};
}

static void to_nick(struct irc_session *s, enum msg_kind kind, struct irc_slice nick,
		    struct irc_slice text, struct irc_slice tags)
{
	struct irc *irc = s->irc;
	struct hub_user *to = hub_find_user(irc->hub, nick.p, nick.len);
	if (!to) {
		if (kind != MSG_NOTICE)
			irc_numeric(s, "401", "%.*s :No such nick/channel", P(nick));
		return;
	}
	if (kind != MSG_PRIVMSG) {
		special_to_user(s, kind, to, text, tags);
		return;
	}
	/* To oneself under echo-message the client gets both copies (IRCv3):
	 * the delivery as any message, the echo as the reply that carries a
	 * label. The echo has the delivery's msgid. */
	bool echo = HAS_CAP(s, CAP_ECHO_MESSAGE);
	const struct irc_session *labeled = irc->labeled.who;
	if (to == s->user && echo)
		irc->labeled.who = NULL;
	irc->relay_tags = tags;
	hub_privmsg(irc->hub, s->user, nick.p, nick.len, text.p, text.len);
	irc->relay_tags = (struct irc_slice){0};
	irc->labeled.who = labeled;
	uint64_t id, time_ms;
	hub_last_privmsg(irc->hub, &id, &time_ms);
	if (echo && id) /* id 0: the bus numbers it, and its echo comes with it */
		irc_send_message(s, s->user, "PRIVMSG", hub_user_name(to), text.p, text.len, tags,
				 id, time_ms);
	size_t alen;
	const char *away = hub_user_away(to, &alen);
	if (away)
		irc_numeric(s, "301", "%s :%.*s", hub_user_name(to), (int)alen, away);
}

static void message(struct irc_session *s, const struct irc_msg *m, enum msg_kind kind)
{
	bool quiet = kind == MSG_NOTICE;
	if (m->nparams < 1 || m->params[0].len == 0) {
		if (!quiet)
			irc_numeric(s, "411", ":No recipient given (%s)", kind_cmd[kind]);
		return;
	}
	struct irc_slice text = m->nparams > 1 ? m->params[1] : (struct irc_slice){"", 0};
	if (kind != MSG_TAGMSG && text.len == 0) {
		if (!quiet)
			irc_numeric(s, "412", ":No text to send");
		return;
	}
	s->last_msg_ms = clock_mono_ms();
	size_t pos = 0, len, count = 0;
	const char *item;
	while (irc_list_next(m->params[0].p, m->params[0].len, &pos, &item, &len)) {
		struct irc_slice target = {item, len};
		if (++count > IRC_MAXTARGETS) {
			if (!quiet)
				irc_numeric(s, "407", "%.*s :Too many targets", P(target));
			continue;
		}
		if (len && item[0] == '#')
			to_channel(s, kind, target, text, m->tags);
		else
			to_nick(s, kind, target, text, m->tags);
	}
}

void irc_cmd_privmsg(struct irc_session *s, const struct irc_msg *m)
{
	message(s, m, MSG_PRIVMSG);
}

void irc_cmd_notice(struct irc_session *s, const struct irc_msg *m)
{
	message(s, m, MSG_NOTICE);
}

void irc_cmd_tagmsg(struct irc_session *s, const struct irc_msg *m)
{
	message(s, m, MSG_TAGMSG);
}

/* ---- WHO ---- */

static void who_line(struct irc_session *s, const char *chan, const struct hub_user *u,
		     uint32_t flags)
{
	char user[HUB_ORIGIN_MAX + 1], host[HUB_ORIGIN_MAX + 1];
	split_userhost(s->irc, u, user, sizeof(user), host, sizeof(host));
	size_t alen;
	bool away = hub_user_away(u, &alen) != NULL;
	const char *oper = hub_user_is_oper(s->irc->hub, u) ? "*" : "";
	irc_numeric(s, "352", "%s %s %s %s %s %c%s%s :0 %s", chan, user, host,
		    s->irc->server_name, hub_user_name(u), away ? 'G' : 'H', oper,
		    irc_prefix(s, flags), realname_of(u));
}

static bool shares_room(const struct hub_user *a, const struct hub_user *b)
{
	for (const struct hub_member *m = hub_first_membership(a); m; m = hub_next_membership(m))
		if (hub_membership(b, hub_member_room(m)))
			return true;
	return false;
}

void irc_cmd_who(struct irc_session *s, const struct irc_msg *m)
{
	struct hub *hub = s->irc->hub;
	struct irc_slice mask = m->nparams ? m->params[0] : (struct irc_slice){"*", 1};
	if (mask.len == 0)
		mask = (struct irc_slice){"*", 1};
	if (mask.p[0] == '#') {
		struct hub_room *room = hub_find_room(hub, mask.p, mask.len);
		bool member = room && hub_membership(s->user, room);
		if (room && (member || !(hub_room_modes(room)->flags & HUB_ROOM_SECRET)))
			for (const struct hub_member *mm = hub_first_member(room); mm;
			     mm = hub_next_member(mm)) {
				const struct hub_user *u = hub_member_user(mm);
				const struct irc_session *o = irc_session_of(u);
				if (member || !o || !o->invisible)
					who_line(s, hub_room_name(room), u, hub_member_flags(mm));
			}
	} else {
		if (str_equals(mask.p, mask.len, "0"))
			mask = (struct irc_slice){"*", 1}; /* RFC 1459: "0" is everyone */
		for (const struct hub_user *u = hub_first_user(hub); u; u = hub_next_user(hub, u)) {
			const struct irc_session *o = irc_session_of(u);
			bool exact = !irc_casecmp(mask.p, mask.len, hub_user_name(u),
						  hub_user_name_len(u));
			if (!exact && !irc_mask_match(mask.p, mask.len, hub_user_name(u),
						      hub_user_name_len(u)))
				continue;
			if (!exact && o && o->invisible && u != s->user && !shares_room(u, s->user))
				continue;
			who_line(s, "*", u, 0);
		}
	}
	irc_numeric(s, "315", "%.*s :End of /WHO list", P(mask));
}

/* ---- WHOIS ---- */

static void whois_channels(struct irc_session *s, const struct hub_user *u)
{
	char line[400];
	size_t n = 0;
	for (const struct hub_member *m = hub_first_membership(u); m; m = hub_next_membership(m)) {
		const struct hub_room *room = hub_member_room(m);
		if ((hub_room_modes(room)->flags & HUB_ROOM_SECRET) &&
		    !hub_membership(s->user, room))
			continue;
		char entry[HUB_ROOM_MAX + 4];
		int e = snprintf(entry, sizeof(entry), "%s%s", irc_prefix(s, hub_member_flags(m)),
				 hub_room_name(room));
		if (n + 1 + (size_t)e > sizeof(line)) {
			irc_numeric(s, "319", "%s :%.*s", hub_user_name(u), (int)n, line);
			n = 0;
		}
		if (n)
			line[n++] = ' ';
		memcpy(line + n, entry, (size_t)e);
		n += (size_t)e;
	}
	if (n)
		irc_numeric(s, "319", "%s :%.*s", hub_user_name(u), (int)n, line);
}

void irc_cmd_whois(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "431", ":No nickname given");
		return;
	}
	struct irc_slice nick = m->params[m->nparams > 1 ? 1 : 0];
	size_t pos = 0, len;
	const char *item;
	if (irc_list_next(nick.p, nick.len, &pos, &item, &len))
		nick = (struct irc_slice){item, len};
	struct hub_user *u = hub_find_user(s->irc->hub, nick.p, nick.len);
	if (!u) {
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(nick));
		irc_numeric(s, "318", "%.*s :End of /WHOIS list", P(nick));
		return;
	}
	char user[HUB_ORIGIN_MAX + 1], host[HUB_ORIGIN_MAX + 1];
	split_userhost(s->irc, u, user, sizeof(user), host, sizeof(host));
	const char *name = hub_user_name(u);
	irc_numeric(s, "311", "%s %s %s * :%s", name, user, host, realname_of(u));
	whois_channels(s, u);
	const struct irc_session *o = irc_session_of(u);
	irc_numeric(s, "312", "%s %s :%s", name, s->irc->server_name,
		    o ? "Parley IRC" : "Parley chat");
	size_t alen;
	const char *away = hub_user_away(u, &alen);
	if (away)
		irc_numeric(s, "301", "%s :%.*s", name, (int)alen, away);
	if (hub_user_is_oper(s->irc->hub, u))
		irc_numeric(s, "313", "%s :is an IRC operator", name);
	const char *acct = irc_account_of(u);
	if (acct)
		irc_numeric(s, "330", "%s %s :is logged in as", name, acct);
	if (o) {
		/* Signon is when the connection came (not kept per session). */
		struct conn_info ci;
		conn_get_info(o->conn, &ci);
		irc_numeric(s, "317", "%s %llu %llu :seconds idle, signon time", name,
			    (unsigned long long)((clock_mono_ms() - o->last_msg_ms) / 1000),
			    (unsigned long long)((clock_wall_ms() - ci.age_ms) / 1000));
	}
	irc_numeric(s, "318", "%s :End of /WHOIS list", name);
}

/* ---- personal state ---- */

void irc_cmd_away(struct irc_session *s, const struct irc_msg *m)
{
	struct irc_slice text = m->nparams ? m->params[0] : (struct irc_slice){"", 0};
	if (text.len == 0) {
		hub_set_away(s->irc->hub, s->user, NULL, 0);
		irc_numeric(s, "305", ":You are no longer marked as being away");
		return;
	}
	hub_set_away(s->irc->hub, s->user, text.p, irc_text_chunk(text.p, text.len, HUB_AWAY_MAX));
	irc_numeric(s, "306", ":You have been marked as being away");
}

void irc_cmd_ison(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1) {
		irc_numeric(s, "461", "ISON :Not enough parameters");
		return;
	}
	char out[IRC_LINE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < m->nparams; i++) {
		const char *p = m->params[i].p, *end = p + m->params[i].len;
		while (p < end) {
			const char *sp = memchr(p, ' ', (size_t)(end - p));
			size_t len = sp ? (size_t)(sp - p) : (size_t)(end - p);
			const struct hub_user *u = len ? hub_find_user(s->irc->hub, p, len) : NULL;
			if (u && n + hub_user_name_len(u) + 1 < 400) {
				if (n)
					out[n++] = ' ';
				memcpy(out + n, hub_user_name(u), hub_user_name_len(u));
				n += hub_user_name_len(u);
			}
			p += len + 1;
		}
	}
	irc_numeric(s, "303", ":%.*s", (int)n, out);
}

void irc_cmd_userhost(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1) {
		irc_numeric(s, "461", "USERHOST :Not enough parameters");
		return;
	}
	char out[IRC_LINE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < m->nparams && i < 5; i++) {
		const struct hub_user *u = hub_find_user(s->irc->hub, m->params[i].p,
							 m->params[i].len);
		if (!u)
			continue;
		char uh[HUB_ORIGIN_MAX + HUB_NAME_MAX + 80];
		irc_userhost(s->irc, u, uh, sizeof(uh));
		size_t alen;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s=%c%s", n ? " " : "",
				      hub_user_name(u), hub_user_away(u, &alen) ? '-' : '+', uh);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	irc_numeric(s, "302", ":%.*s", (int)n, out);
}

void irc_cmd_lusers(struct irc_session *s, const struct irc_msg *m)
{
	(void)m;
	irc_lusers(s);
}

void irc_cmd_motd(struct irc_session *s, const struct irc_msg *m)
{
	(void)m;
	irc_motd(s);
}

/* TIME and INFO may name a server (this one, or a user's: also this one);
 * anything else gets 402. */
static bool this_server(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1)
		return true;
	struct irc_slice t = m->params[0];
	if (str_equals_nocase(t.p, t.len, s->irc->server_name) ||
	    hub_find_user(s->irc->hub, t.p, t.len))
		return true;
	bool middle_ok = t.len > 0 && t.p[0] != ':' && !memchr(t.p, ' ', t.len);
	irc_numeric(s, "402", "%.*s :No such server", middle_ok ? (int)t.len : 1,
		    middle_ok ? t.p : "*");
	return false;
}

void irc_cmd_time(struct irc_session *s, const struct irc_msg *m)
{
	if (!this_server(s, m))
		return;
	time_t now = (time_t)(clock_wall_ms() / 1000);
	struct tm tm;
	char text[80];
	localtime_r(&now, &tm);
	strftime(text, sizeof(text), "%A %B %d %Y -- %H:%M:%S %z", &tm);
	irc_numeric(s, "391", "%s :%s", s->irc->server_name, text);
}

void irc_cmd_info(struct irc_session *s, const struct irc_msg *m)
{
	static const char *const lines[] = {
		"Parley parley-1.0: an event-driven chat server",
		"IRC clients and chat-protocol users share one set of names and rooms.",
		"Written in C17; one event loop, no threads on the data path.",
	};
	if (!this_server(s, m))
		return;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		irc_numeric(s, "371", ":%s", lines[i]);
	irc_numeric(s, "371", ":Up since %s", s->irc->created);
	irc_numeric(s, "374", ":End of INFO list");
}

void irc_cmd_setname(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "461", "SETNAME :Not enough parameters");
		return;
	}
	struct irc_slice name = m->params[0];
	if (name.len > IRC_REAL_MAX) {
		irc_server_line(s, "FAIL SETNAME INVALID_REALNAME :Realname is too long");
		return;
	}
	irc_set_realname(s, name.p, name.len);
	/* The hub keeps no realname: tell IRC users sharing a room ourselves. */
	struct hub *hub = s->irc->hub;
	for (const struct hub_user *u = hub_first_user(hub); u; u = hub_next_user(hub, u)) {
		struct irc_session *o = irc_session_of(u);
		if (o && HAS_CAP(o, CAP_SETNAME) && (o == s || shares_room(u, s->user)))
			irc_user_line(o, s->user, "SETNAME :%s", irc_realname(s));
	}
}
