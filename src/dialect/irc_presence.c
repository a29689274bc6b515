/* irc_presence: who comes and goes, for IRC — WHOWAS (the ring of recent
 * departures in irc_whowas.c) and IRCv3 MONITOR (notify lists).
 *
 * Both must see every user arrive, leave and change nick, on any
 * protocol, whether or not it shares a room with the IRC user who asks;
 * the sink's QUIT and NICK events only reach room neighbours. So the
 * dialect installs the hub's presence watch (hub_set_watch), the one seam
 * that sees every registration, departure and rename. An IRC user's own
 * arrival is announced by irc_try_register instead (irc_presence_arrived),
 * once its ident@host is set, so that RPL_MONONLINE carries it.
 *
 * MONITOR keeps a map from nick (ignoring ASCII case) to the target: the
 * sessions watching it. A presence change costs a map lookup and the
 * watchers of that nick, never a walk over all users. Each session lists
 * its targets (made on its first MONITOR +), so a disconnect undoes only
 * its own watches. Bounds: IRC_MONITOR_MAX targets per session (ISUPPORT
 * MONITOR) and IRC_MONITOR_TOTAL watches on the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialect/irc_private.h"
#include "dialect/irc_text.h"
#include "dialect/irc_whowas.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/map.h"

#define P(sl) (int)(sl).len, (sl).p

/* A nick someone monitors, and who does. */
struct irc_mon_target {
	char nick[HUB_NAME_MAX + 1]; /* as first asked for; the map key */
	uint8_t len;
	uint32_t n, cap;
	struct irc_session **watchers;
};

/* A session's monitor list. */
struct irc_mon_list {
	uint32_t n, cap;
	struct irc_mon_target **targets;
};

static const char *target_key(const void *value, size_t *len)
{
	const struct irc_mon_target *t = value;
	*len = t->len;
	return t->nick;
}

/* A parameter as it may be echoed in the middle of a reply: up to its
 * first space, and "*" if that leaves nothing or a leading ':'. */
static struct irc_slice middle(struct irc_slice x)
{
	const char *sp = memchr(x.p, ' ', x.len);
	if (sp)
		x.len = (size_t)(sp - x.p);
	if (x.len == 0 || x.p[0] == ':')
		return (struct irc_slice){"*", 1};
	return x;
}

/* ---- replies made of comma-joined nicks ---- */

/* Collects items for one numeric, sent whenever the next would not fit. */
struct nick_line {
	struct irc_session *s;
	const char *num;
	size_t n;
	char buf[400];
};

static void line_flush(struct nick_line *l)
{
	if (l->n)
		irc_numeric(l->s, l->num, ":%.*s", (int)l->n, l->buf);
	l->n = 0;
}

static void line_add(struct nick_line *l, const char *item, size_t len)
{
	if (l->n && l->n + 1 + len > sizeof(l->buf))
		line_flush(l);
	if (l->n)
		l->buf[l->n++] = ',';
	memcpy(l->buf + l->n, item, len);
	l->n += len;
}

/* "nick!user@host" of `u`, as RPL_MONONLINE lists it. */
static size_t online_mask(const struct irc *irc, const struct hub_user *u, char *out, size_t cap)
{
	char uh[HUB_ORIGIN_MAX + HUB_NAME_MAX + 80];
	irc_userhost(irc, u, uh, sizeof(uh));
	int n = snprintf(out, cap, "%s!%s", hub_user_name(u), uh);
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* ---- notifications ---- */

static void notify_online(struct irc *irc, const struct hub_user *u)
{
	const struct irc_mon_target *t =
		map_get(irc->monitored, hub_user_name(u), hub_user_name_len(u));
	if (!t)
		return;
	char mask[IRC_MASK_OUT_MAX + HUB_NAME_MAX];
	size_t n = online_mask(irc, u, mask, sizeof(mask));
	for (uint32_t i = 0; i < t->n; i++)
		if (t->watchers[i]->user != u)
			irc_numeric(t->watchers[i], "730", ":%.*s", (int)n, mask);
}

static void notify_offline(struct irc *irc, const struct hub_user *u, const char *nick,
			   size_t len)
{
	const struct irc_mon_target *t = map_get(irc->monitored, nick, len);
	if (!t)
		return;
	for (uint32_t i = 0; i < t->n; i++)
		if (t->watchers[i]->user != u)
			irc_numeric(t->watchers[i], "731", ":%.*s", (int)len, nick);
}

void irc_presence_arrived(struct irc *irc, const struct hub_user *u)
{
	notify_online(irc, u);
}

static void remember(struct irc *irc, const struct hub_user *u, const char *nick, size_t len)
{
	char uh[HUB_ORIGIN_MAX + HUB_NAME_MAX + 80];
	int n = irc_userhost(irc, u, uh, sizeof(uh));
	size_t uhlen = (size_t)n < sizeof(uh) ? (size_t)n : sizeof(uh) - 1;
	const struct irc_session *o = irc_session_of(u);
	const char *real = o && irc_realname(o)[0] ? irc_realname(o) : hub_user_name(u);
	irc_whowas_add(irc->whowas, nick, len, uh, uhlen, real, strlen(real),
		       clock_wall_ms() / 1000);
}

static void on_presence(void *ctx, enum hub_presence what, const struct hub_user *u,
			const char *old, size_t old_len)
{
	struct irc *irc = ctx;
	switch (what) {
	case HUB_PRESENCE_ARRIVED:
		if (!irc_session_of(u)) /* IRC users: irc_presence_arrived */
			notify_online(irc, u);
		break;
	case HUB_PRESENCE_LEFT:
		remember(irc, u, hub_user_name(u), hub_user_name_len(u));
		notify_offline(irc, u, hub_user_name(u), hub_user_name_len(u));
		break;
	case HUB_PRESENCE_RENAMED:
		remember(irc, u, old, old_len);
		/* A change of case is the same nick to MONITOR: no numerics. */
		if (irc_casecmp(old, old_len, hub_user_name(u), hub_user_name_len(u)) == 0)
			break;
		notify_offline(irc, u, old, old_len);
		notify_online(irc, u);
		break;
	}
}

void irc_presence_init(struct irc *irc)
{
	irc->whowas = irc_whowas_create(IRC_WHOWAS_KEEP);
	irc->monitored = map_create(target_key, true);
	hub_set_watch(irc->hub, &(struct hub_watch){.presence = on_presence, .ctx = irc});
}

void irc_presence_fini(struct irc *irc)
{
	hub_set_watch(irc->hub, NULL);
	irc_whowas_destroy(irc->whowas);
	/* Every session has gone (and undone its watches) by now. */
	map_destroy(irc->monitored);
}

/* ---- MONITOR ---- */

static void unwatch(struct irc *irc, struct irc_session *s, struct irc_mon_target *t)
{
	for (uint32_t i = 0; i < t->n; i++) {
		if (t->watchers[i] == s) {
			t->watchers[i] = t->watchers[--t->n];
			irc->monitor_total--;
			break;
		}
	}
	if (t->n == 0) {
		map_remove(irc->monitored, t->nick, t->len);
		free(t->watchers);
		free(t);
	}
}

void irc_monitor_forget(struct irc_session *s)
{
	struct irc_mon_list *l = s->user ? s->monitor : NULL; /* else it is s->hello */
	if (!l)
		return;
	for (uint32_t i = 0; i < l->n; i++)
		unwatch(s->irc, s, l->targets[i]);
	free(l->targets);
	free(l);
	s->monitor = NULL;
}

static bool watching(const struct irc_session *s, const char *nick, size_t len)
{
	const struct irc_mon_list *l = s->monitor;
	for (uint32_t i = 0; l && i < l->n; i++)
		if (irc_casecmp(l->targets[i]->nick, l->targets[i]->len, nick, len) == 0)
			return true;
	return false;
}

/* Adds the watch; false when a bound is reached. */
static bool watch(struct irc_session *s, const char *nick, size_t len)
{
	struct irc *irc = s->irc;
	if (watching(s, nick, len))
		return true;
	struct irc_mon_list *l = s->monitor;
	if ((l && l->n >= IRC_MONITOR_MAX) || irc->monitor_total >= IRC_MONITOR_TOTAL)
		return false;
	if (!l)
		l = s->monitor = xcalloc(1, sizeof(*l));
	struct irc_mon_target *t = map_get(irc->monitored, nick, len);
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		memcpy(t->nick, nick, len);
		t->len = (uint8_t)len;
		map_put(irc->monitored, t);
	}
	if (t->n == t->cap)
		t->watchers = xrealloc(t->watchers, (t->cap = t->cap ? t->cap * 2 : 2) *
							    sizeof(*t->watchers));
	t->watchers[t->n++] = s;
	if (l->n == l->cap)
		l->targets = xrealloc(l->targets, (l->cap = l->cap ? l->cap * 2 : 4) *
							  sizeof(*l->targets));
	l->targets[l->n++] = t;
	irc->monitor_total++;
	return true;
}

static void unwatch_nick(struct irc_session *s, const char *nick, size_t len)
{
	struct irc_mon_list *l = s->monitor;
	for (uint32_t i = 0; l && i < l->n; i++) {
		if (irc_casecmp(l->targets[i]->nick, l->targets[i]->len, nick, len) == 0) {
			unwatch(s->irc, s, l->targets[i]);
			l->targets[i] = l->targets[--l->n];
			return;
		}
	}
}

/* Tells `s` whether `nick` is online, into the two pending lines. */
static void status_of(struct irc_session *s, const char *nick, size_t len,
		      struct nick_line *on, struct nick_line *off)
{
	const struct hub_user *u = hub_find_user(s->irc->hub, nick, len);
	if (!u) {
		line_add(off, nick, len);
		return;
	}
	char mask[IRC_MASK_OUT_MAX + HUB_NAME_MAX];
	line_add(on, mask, online_mask(s->irc, u, mask, sizeof(mask)));
}

static bool nick_ok(const char *nick, size_t len)
{
	return irc_nick_valid(nick, len, HUB_NAME_MAX, IRC_NICK_PERMISSIVE) &&
	       hub_name_valid(nick, len);
}

static void monitor_add(struct irc_session *s, struct irc_slice list)
{
	struct nick_line on = {.s = s, .num = "730"}, off = {.s = s, .num = "731"};
	size_t pos = 0, len, before;
	const char *nick;
	while (before = pos, irc_list_next(list.p, list.len, &pos, &nick, &len)) {
		if (len == 0)
			continue;
		if (!nick_ok(nick, len)) {
			irc_numeric(s, "432", "%.*s :Erroneous nickname",
				    P(middle((struct irc_slice){nick, len})));
			continue;
		}
		if (!watch(s, nick, len)) {
			line_flush(&on);
			line_flush(&off);
			struct irc_slice rest = {list.p + before, list.len - before};
			irc_numeric(s, "734", "%d %.*s :Monitor list is full.", IRC_MONITOR_MAX,
				    P(middle(rest)));
			return;
		}
		status_of(s, nick, len, &on, &off);
	}
	line_flush(&on);
	line_flush(&off);
}

static void monitor_remove(struct irc_session *s, struct irc_slice list)
{
	size_t pos = 0, len;
	const char *nick;
	while (irc_list_next(list.p, list.len, &pos, &nick, &len))
		unwatch_nick(s, nick, len);
}

static void monitor_list(struct irc_session *s)
{
	struct nick_line l = {.s = s, .num = "732"};
	for (uint32_t i = 0; s->monitor && i < s->monitor->n; i++)
		line_add(&l, s->monitor->targets[i]->nick, s->monitor->targets[i]->len);
	line_flush(&l);
	irc_numeric(s, "733", ":End of MONITOR list");
}

static void monitor_status(struct irc_session *s)
{
	struct nick_line on = {.s = s, .num = "730"}, off = {.s = s, .num = "731"};
	for (uint32_t i = 0; s->monitor && i < s->monitor->n; i++)
		status_of(s, s->monitor->targets[i]->nick, s->monitor->targets[i]->len, &on, &off);
	line_flush(&on);
	line_flush(&off);
}

void irc_cmd_monitor(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len != 1) {
		if (m->nparams < 1)
			irc_numeric(s, "461", "MONITOR :Not enough parameters");
		else
			irc_server_line(s, "FAIL MONITOR INVALID_PARAMS %.*s :Unknown subcommand",
					P(middle(m->params[0])));
		return;
	}
	char sub = m->params[0].p[0];
	if ((sub == '+' || sub == '-') && m->nparams < 2) {
		irc_numeric(s, "461", "MONITOR :Not enough parameters");
		return;
	}
	switch (sub) {
	case '+':
		monitor_add(s, m->params[1]);
		break;
	case '-':
		monitor_remove(s, m->params[1]);
		break;
	case 'C': case 'c':
		irc_monitor_forget(s);
		break;
	case 'L': case 'l':
		monitor_list(s);
		break;
	case 'S': case 's':
		monitor_status(s);
		break;
	default:
		irc_server_line(s, "FAIL MONITOR INVALID_PARAMS %c :Unknown subcommand", sub);
		break;
	}
}

/* ---- WHOWAS ---- */

/* How many entries "WHOWAS nick [count]" wants: 0 for all. */
static size_t whowas_count(const struct irc_msg *m)
{
	if (m->nparams < 2)
		return 0;
	char buf[16];
	size_t n = m->params[1].len < sizeof(buf) - 1 ? m->params[1].len : sizeof(buf) - 1;
	memcpy(buf, m->params[1].p, n);
	buf[n] = '\0';
	char *end;
	long v = strtol(buf, &end, 10);
	return *end == '\0' && v > 0 ? (size_t)v : 0;
}

void irc_cmd_whowas(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "431", ":No nickname given");
		return;
	}
	struct irc_slice nick = m->params[0];
	size_t pos = 0, len;
	const char *item;
	if (irc_list_next(nick.p, nick.len, &pos, &item, &len) && len > 0)
		nick = (struct irc_slice){item, len};
	nick = middle(nick);
	nick.len = irc_text_chunk(nick.p, nick.len, HUB_NAME_MAX);
	size_t want = whowas_count(m), found = 0, at = 0;
	const struct irc_whowas_entry *e;
	while ((want == 0 || found < want) &&
	       (e = irc_whowas_next(s->irc->whowas, nick.p, nick.len, &at))) {
		const char *uh = e->userhost, *at_sign = strrchr(uh, '@');
		int ulen = at_sign ? (int)(at_sign - uh) : (int)strlen(uh);
		const char *host = at_sign ? at_sign + 1 : s->irc->server_name;
		irc_numeric(s, "314", "%s %.*s %s * :%s", e->nick, ulen, uh, host, e->realname);
		time_t when = (time_t)e->time_s;
		struct tm tm;
		char stamp[40];
		gmtime_r(&when, &tm);
		strftime(stamp, sizeof(stamp), "%a %b %d %H:%M:%S %Y UTC", &tm);
		irc_numeric(s, "312", "%s %s :%s", e->nick, s->irc->server_name, stamp);
		found++;
	}
	if (!found)
		irc_numeric(s, "406", "%.*s :There was no such nickname", P(nick));
	irc_numeric(s, "369", "%.*s :End of WHOWAS", P(nick));
}
