/* irc_channel: channel commands — JOIN, PART, NAMES, TOPIC, LIST, KICK,
 * INVITE and MODE — with the channel rules the hub leaves to dialects
 * (+k +l +i +b on joining, +t on topics, operators for changes). Ban and
 * invitation lists hang on the hub room as this dialect's extension. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect/irc_private.h"
#include "dialect/irc_text.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/str.h"

#define P(sl) (int)(sl).len, (sl).p

/* ---- the per-channel extension ---- */

void irc_chan_release(void *data)
{
	struct irc_chan *chan = data;
	free(chan->invited);
	free(chan);
}

static struct irc_chan *chan_of(struct irc *irc, struct hub_room *room, bool make)
{
	struct irc_chan *chan = hub_room_ext(room, irc->slot);
	if (!chan && make) {
		chan = xcalloc(1, sizeof(*chan));
		hub_room_set_ext(room, irc->slot, chan);
	}
	return chan;
}

static void fold_nick(const char *nick, size_t len, char out[HUB_NAME_MAX + 1])
{
	if (len > HUB_NAME_MAX)
		len = HUB_NAME_MAX;
	irc_casefold(out, nick, len);
	out[len] = '\0';
}

static bool invited(struct irc *irc, struct hub_room *room, const struct hub_user *u,
		    bool consume)
{
	struct irc_chan *chan = chan_of(irc, room, false);
	if (!chan)
		return false;
	char me[HUB_NAME_MAX + 1];
	fold_nick(hub_user_name(u), hub_user_name_len(u), me);
	for (size_t i = 0; i < chan->ninvited; i++) {
		if (strcmp(chan->invited[i], me) != 0)
			continue;
		if (consume)
			memcpy(chan->invited[i], chan->invited[--chan->ninvited], HUB_NAME_MAX + 1);
		return true;
	}
	return false;
}

static void add_invite(struct irc *irc, struct hub_room *room, const struct hub_user *u)
{
	if (invited(irc, room, u, false))
		return;
	struct irc_chan *chan = chan_of(irc, room, true);
	if (chan->ninvited == IRC_LIST_MAX)
		memmove(chan->invited, chan->invited + 1, --chan->ninvited * (HUB_NAME_MAX + 1));
	if (!chan->invited)
		chan->invited = xcalloc(IRC_LIST_MAX, HUB_NAME_MAX + 1);
	fold_nick(hub_user_name(u), hub_user_name_len(u), chan->invited[chan->ninvited++]);
}

bool irc_banned(struct irc *irc, struct hub_room *room, const struct hub_user *u)
{
	if (!hub_room_ban_count(room))
		return false;
	char who[HUB_NAME_MAX + HUB_ORIGIN_MAX + 80];
	int n = snprintf(who, sizeof(who), "%s!", hub_user_name(u));
	n += irc_userhost(irc, u, who + n, sizeof(who) - (size_t)n);
	return hub_room_banned(room, who, (size_t)n < sizeof(who) ? (size_t)n : sizeof(who) - 1);
}

/* ---- shared checks ---- */

static bool is_op(const struct irc_session *s, const struct hub_room *room)
{
	return hub_may_moderate(s->irc->hub, s->user, room); /* or a server operator */
}

/* The existing channel `name`, or NULL after 403. */
static struct hub_room *find_chan(struct irc_session *s, struct irc_slice name)
{
	struct hub_room *room = hub_find_room(s->irc->hub, name.p, name.len);
	if (!room)
		irc_numeric(s, "403", "%.*s :No such channel", P(name));
	return room;
}

static bool need_params(struct irc_session *s, const struct irc_msg *m, size_t n)
{
	if (m->nparams >= n && m->params[0].len > 0)
		return true;
	irc_numeric(s, "461", "%s :Not enough parameters", m->cmd);
	return false;
}

static bool visible(const struct irc_session *s, const struct hub_room *room)
{
	return !(hub_room_modes(room)->flags & HUB_ROOM_SECRET) || hub_membership(s->user, room);
}

/* ---- NAMES ---- */

void irc_names_reply(struct irc_session *s, const struct hub_room *room)
{
	const char *name = hub_room_name(room);
	char sym = hub_room_modes(room)->flags & HUB_ROOM_SECRET ? '@' : '=';
	char line[IRC_LINE_MAX];
	size_t n = 0, budget = 400 - hub_room_name_len(room);
	for (const struct hub_member *m = hub_first_member(room); m; m = hub_next_member(m)) {
		const struct hub_user *u = hub_member_user(m);
		char entry[HUB_NAME_MAX + HUB_ORIGIN_MAX + 80];
		int e = snprintf(entry, sizeof(entry), "%s%s", irc_prefix(s, hub_member_flags(m)),
				 hub_user_name(u));
		if (HAS_CAP(s, CAP_USERHOST_IN_NAMES)) {
			entry[e++] = '!';
			e += irc_userhost(s->irc, u, entry + e, sizeof(entry) - (size_t)e);
		}
		if (n && n + 1 + (size_t)e > budget) {
			irc_numeric(s, "353", "%c %s :%.*s", sym, name, (int)n, line);
			n = 0;
		}
		if (n)
			line[n++] = ' ';
		memcpy(line + n, entry, (size_t)e);
		n += (size_t)e;
	}
	if (n)
		irc_numeric(s, "353", "%c %s :%.*s", sym, name, (int)n, line);
	irc_numeric(s, "366", "%s :End of /NAMES list", name);
}

void irc_cmd_names(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams == 0) {
		irc_numeric(s, "366", "* :End of /NAMES list");
		return;
	}
	size_t pos = 0, len;
	const char *item;
	while (irc_list_next(m->params[0].p, m->params[0].len, &pos, &item, &len)) {
		struct hub_room *room = hub_find_room(s->irc->hub, item, len);
		if (room && visible(s, room))
			irc_names_reply(s, room);
		else
			irc_numeric(s, "366", "%.*s :End of /NAMES list", (int)len, item);
	}
}

/* ---- JOIN / PART ---- */

static void send_topic(struct irc_session *s, const struct hub_room *room, bool always)
{
	size_t len;
	const char *topic = hub_room_topic(room, &len);
	if (!len) {
		if (always)
			irc_numeric(s, "331", "%s :No topic is set", hub_room_name(room));
		return;
	}
	irc_numeric(s, "332", "%s :%.*s", hub_room_name(room), (int)len, topic);
	irc_numeric(s, "333", "%s %s %llu", hub_room_name(room), hub_room_topic_setter(room),
		    (unsigned long long)(hub_room_topic_ms(room) / 1000));
}

/* The join rules of an existing channel; true if `s` may come in. */
static bool may_join(struct irc_session *s, struct hub_room *room, struct irc_slice key)
{
	const struct hub_room_modes *modes = hub_room_modes(room);
	const char *name = hub_room_name(room);
	bool inv = invited(s->irc, room, s->user, false);
	if (modes->key[0] && !str_equals(key.p, key.len, modes->key)) {
		irc_numeric(s, "475", "%s :Cannot join channel (+k)", name);
		return false;
	}
	if (modes->limit && hub_room_size(room) >= modes->limit) {
		irc_numeric(s, "471", "%s :Cannot join channel (+l)", name);
		return false;
	}
	if ((modes->flags & HUB_ROOM_INVITE) && !inv) {
		irc_numeric(s, "473", "%s :Cannot join channel (+i)", name);
		return false;
	}
	if (!inv && irc_banned(s->irc, room, s->user)) {
		irc_numeric(s, "474", "%s :Cannot join channel (+b)", name);
		return false;
	}
	return true;
}

static void join_one(struct irc_session *s, struct irc_slice name, struct irc_slice key)
{
	struct irc *irc = s->irc;
	if (!irc_channel_valid(name.p, name.len, HUB_ROOM_MAX, "#") ||
	    !hub_room_valid(name.p, name.len)) {
		irc_numeric(s, "476", "%.*s :Bad Channel Mask", P(name));
		return;
	}
	struct hub_room *room = hub_find_room(irc->hub, name.p, name.len);
	if (room && hub_membership(s->user, room))
		return;
	if (room && !may_join(s, room, key))
		return;
	if (hub_user_room_count(s->user) >= IRC_CHANLIMIT) {
		irc_numeric(s, "405", "%.*s :You have joined too many channels", P(name));
		return;
	}
	if (hub_join(irc->hub, s->user, name.p, name.len, &room) != HUB_OK)
		return;
	invited(irc, room, s->user, true);
	irc_join_line(s, s->user, hub_room_name(room));
	send_topic(s, room, false);
	irc_names_reply(s, room);
}

static void part_all(struct irc_session *s)
{
	struct hub_member *m;
	while ((m = hub_first_membership(s->user)) != NULL) {
		struct hub_room *room = hub_member_room(m);
		irc_user_line(s, s->user, "PART %s", hub_room_name(room));
		hub_leave(s->irc->hub, s->user, room, "", 0);
	}
}

void irc_cmd_join(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 1))
		return;
	if (str_equals(m->params[0].p, m->params[0].len, "0")) {
		part_all(s);
		return;
	}
	struct irc_slice keys = m->nparams > 1 ? m->params[1] : (struct irc_slice){"", 0};
	size_t pos = 0, kpos = 0, len, klen;
	const char *item, *kitem;
	while (irc_list_next(m->params[0].p, m->params[0].len, &pos, &item, &len)) {
		struct irc_slice key = {"", 0};
		if (irc_list_next(keys.p, keys.len, &kpos, &kitem, &klen))
			key = (struct irc_slice){kitem, klen};
		join_one(s, (struct irc_slice){item, len}, key);
	}
}

void irc_cmd_part(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 1))
		return;
	struct irc_slice reason = m->nparams > 1 ? m->params[1] : (struct irc_slice){"", 0};
	size_t pos = 0, len;
	const char *item;
	while (irc_list_next(m->params[0].p, m->params[0].len, &pos, &item, &len)) {
		struct irc_slice name = {item, len};
		struct hub_room *room = find_chan(s, name);
		if (!room)
			continue;
		if (!hub_membership(s->user, room)) {
			irc_numeric(s, "442", "%s :You're not on that channel", hub_room_name(room));
			continue;
		}
		if (reason.len)
			irc_user_line(s, s->user, "PART %s :%.*s", hub_room_name(room), P(reason));
		else
			irc_user_line(s, s->user, "PART %s", hub_room_name(room));
		hub_leave(s->irc->hub, s->user, room, reason.p, reason.len);
	}
}

/* ---- TOPIC / LIST ---- */

void irc_cmd_topic(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 1))
		return;
	struct hub_room *room = find_chan(s, m->params[0]);
	if (!room)
		return;
	bool member = hub_membership(s->user, room) != NULL;
	if (m->nparams < 2) {
		if (!visible(s, room))
			irc_numeric(s, "442", "%s :You're not on that channel", hub_room_name(room));
		else
			send_topic(s, room, true);
		return;
	}
	if (!member) {
		irc_numeric(s, "442", "%s :You're not on that channel", hub_room_name(room));
		return;
	}
	if ((hub_room_modes(room)->flags & HUB_ROOM_TOPIC_LOCK) && !is_op(s, room)) {
		irc_numeric(s, "482", "%s :You're not channel operator", hub_room_name(room));
		return;
	}
	struct irc_slice text = m->params[1];
	hub_set_topic(s->irc->hub, s->user, room, text.p,
		      irc_text_chunk(text.p, text.len, HUB_TOPIC_MAX));
}

static void list_one(struct irc_session *s, const struct hub_room *room)
{
	if (!visible(s, room))
		return;
	size_t len;
	const char *topic = hub_room_topic(room, &len);
	irc_numeric(s, "322", "%s %zu :%.*s", hub_room_name(room), hub_room_size(room), (int)len,
		    topic);
}

void irc_cmd_list(struct irc_session *s, const struct irc_msg *m)
{
	const struct hub *hub = s->irc->hub;
	irc_numeric(s, "321", "Channel :Users  Name");
	if (m->nparams > 0 && m->params[0].len && m->params[0].p[0] == '#') {
		size_t pos = 0, len;
		const char *item;
		while (irc_list_next(m->params[0].p, m->params[0].len, &pos, &item, &len)) {
			const struct hub_room *room = hub_find_room(hub, item, len);
			if (room)
				list_one(s, room);
		}
	} else {
		for (const struct hub_room *r = hub_first_room(hub); r; r = hub_next_room(hub, r))
			list_one(s, r);
	}
	irc_numeric(s, "323", ":End of /LIST");
}

/* ---- KICK / INVITE ---- */

/* The room named by params[0] where `s` is an operator; numerics if not. */
static struct hub_room *op_room(struct irc_session *s, struct irc_slice name)
{
	struct hub_room *room = find_chan(s, name);
	if (!room)
		return NULL;
	if (!hub_membership(s->user, room)) {
		irc_numeric(s, "442", "%s :You're not on that channel", hub_room_name(room));
		return NULL;
	}
	if (!is_op(s, room)) {
		irc_numeric(s, "482", "%s :You're not channel operator", hub_room_name(room));
		return NULL;
	}
	return room;
}

void irc_cmd_kick(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 2))
		return;
	struct hub_room *room = op_room(s, m->params[0]);
	if (!room)
		return;
	struct irc_slice who = m->params[1];
	struct hub_user *victim = hub_find_user(s->irc->hub, who.p, who.len);
	if (!victim) {
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(who));
		return;
	}
	if (!hub_membership(victim, room)) {
		irc_numeric(s, "441", "%s %s :They aren't on that channel", hub_user_name(victim),
			    hub_room_name(room));
		return;
	}
	struct irc_slice reason = m->nparams > 2 ? m->params[2]
						 : (struct irc_slice){hub_user_name(s->user),
								      hub_user_name_len(s->user)};
	hub_kick(s->irc->hub, s->user, room, victim, reason.p,
		 irc_text_chunk(reason.p, reason.len, IRC_KICKLEN));
}

void irc_cmd_invite(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 2))
		return;
	struct irc_slice who = m->params[0], name = m->params[1];
	struct hub_user *target = hub_find_user(s->irc->hub, who.p, who.len);
	if (!target) {
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(who));
		return;
	}
	struct hub_room *room = find_chan(s, name);
	if (!room)
		return;
	if (!hub_membership(s->user, room)) {
		irc_numeric(s, "442", "%s :You're not on that channel", hub_room_name(room));
		return;
	}
	if (hub_membership(target, room)) {
		irc_numeric(s, "443", "%s %s :is already on channel", hub_user_name(target),
			    hub_room_name(room));
		return;
	}
	if ((hub_room_modes(room)->flags & HUB_ROOM_INVITE) && !is_op(s, room)) {
		irc_numeric(s, "482", "%s :You're not channel operator", hub_room_name(room));
		return;
	}
	add_invite(s->irc, room, target);
	irc_numeric(s, "341", "%s %s", hub_user_name(target), hub_room_name(room));
	struct irc_session *ts = irc_session_of(target);
	if (ts)
		irc_user_line(ts, s->user, "INVITE %s %s", hub_user_name(target),
			      hub_room_name(room));
	for (const struct hub_member *mm = hub_first_member(room); mm; mm = hub_next_member(mm)) {
		struct irc_session *o = irc_session_of(hub_member_user(mm));
		if (o && o != s && HAS_CAP(o, CAP_INVITE_NOTIFY))
			irc_user_line(o, s->user, "INVITE %s %s", hub_user_name(target),
				      hub_room_name(room));
	}
}

/* ---- MODE ---- */

static void send_modes(struct irc_session *s, const struct hub_room *room)
{
	const struct hub_room_modes *md = hub_room_modes(room);
	static const char letters[] = "imnst";
	static const uint32_t bits[] = {HUB_ROOM_INVITE, HUB_ROOM_MODERATED, HUB_ROOM_NO_OUTSIDE,
					HUB_ROOM_SECRET, HUB_ROOM_TOPIC_LOCK};
	char modes[16] = "+", args[64] = "";
	size_t n = 1;
	for (size_t i = 0; i < 5; i++)
		if (md->flags & bits[i])
			modes[n++] = letters[i];
	bool member = hub_membership(s->user, room) != NULL;
	size_t an = 0;
	if (md->key[0]) {
		modes[n++] = 'k';
		an += (size_t)snprintf(args + an, sizeof(args) - an, " %s", member ? md->key : "*");
	}
	if (md->limit) {
		modes[n++] = 'l';
		snprintf(args + an, sizeof(args) - an, " %u", (unsigned)md->limit);
	}
	modes[n] = '\0';
	irc_numeric(s, "324", "%s %s%s", hub_room_name(room), modes, args);
	irc_numeric(s, "329", "%s %llu", hub_room_name(room),
		    (unsigned long long)(hub_room_created_ms(room) / 1000));
}

static void send_bans(struct irc_session *s, struct hub_room *room)
{
	for (size_t i = 0; i < hub_room_ban_count(room); i++) {
		const struct hub_ban *b = hub_room_ban(room, i);
		irc_numeric(s, "367", "%s %s %s %llu", hub_room_name(room), b->mask, b->setter,
			    (unsigned long long)(b->time_ms / 1000));
	}
	irc_numeric(s, "368", "%s :End of channel ban list", hub_room_name(room));
}

/* The ban list is the hub's: chat members are held to it too, and see
 * changes as BAN/UNBAN lines. */
static void change_ban(struct irc_session *s, struct hub_room *room, bool add,
		       struct irc_slice arg)
{
	char mask[IRC_MASK_MAX + 1];
	size_t n = irc_mask_normalise(arg.p, arg.len, mask);
	if (!n || mask[0] == ':')
		return;
	if (!add) {
		hub_ban_remove(s->irc->hub, s->user, room, mask, n);
		return;
	}
	if (hub_ban_add(s->irc->hub, s->user, room, mask, n) == HUB_BAN_FULL)
		irc_numeric(s, "478", "%s %s :Channel ban list is full", hub_room_name(room), mask);
}

static void change_member(struct irc_session *s, struct hub_room *room,
			  const struct irc_mode_change *c)
{
	struct hub_user *u = hub_find_user(s->irc->hub, c->arg.p, c->arg.len);
	if (!u) {
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(c->arg));
		return;
	}
	const struct hub_member *mm = hub_membership(u, room);
	if (!mm) {
		irc_numeric(s, "441", "%s %s :They aren't on that channel", hub_user_name(u),
			    hub_room_name(room));
		return;
	}
	uint32_t bit = c->letter == 'o' ? HUB_MEMBER_OP : HUB_MEMBER_VOICE;
	uint32_t flags = hub_member_flags(mm);
	flags = c->add ? flags | bit : flags & ~bit;
	hub_set_member_flags(s->irc->hub, s->user, room, u, flags);
}

static bool key_valid(struct irc_slice k)
{
	if (k.len == 0 || k.len > HUB_KEY_MAX || k.p[0] == ':')
		return false;
	for (size_t i = 0; i < k.len; i++)
		if ((unsigned char)k.p[i] <= ' ' || k.p[i] == ',' || k.p[i] == 0x7f)
			return false;
	return true;
}

/* True if `p` can stand as a middle parameter of a line we send. */
static bool middle_param_ok(const char *p)
{
	return p[0] && p[0] != ':' && !strchr(p, ' ');
}

static void apply_flag(struct hub_room_modes *md, char letter, bool add)
{
	static const char letters[] = "imnst";
	static const uint32_t bits[] = {HUB_ROOM_INVITE, HUB_ROOM_MODERATED, HUB_ROOM_NO_OUTSIDE,
					HUB_ROOM_SECRET, HUB_ROOM_TOPIC_LOCK};
	const char *at = strchr(letters, letter);
	if (!at)
		return;
	uint32_t bit = bits[at - letters];
	md->flags = add ? md->flags | bit : md->flags & ~bit;
}

/* A mode letter is one ASCII byte; a byte of some other character is
 * named once per character, as U+FFFD, so the reply stays UTF-8. */
static void unknown_mode(struct irc_session *s, char letter)
{
	unsigned char b = (unsigned char)letter;
	if (b < 0x80)
		irc_numeric(s, "472", "%c :is unknown mode char to me", letter);
	else if (b >= 0xC0)
		irc_numeric(s, "472", "\xEF\xBF\xBD :is unknown mode char to me");
}

static void channel_mode(struct irc_session *s, const struct irc_msg *m, struct hub_room *room)
{
	if (m->nparams < 2) {
		send_modes(s, room);
		return;
	}
	struct irc_mode_walk w;
	irc_mode_walk_init(&w, m->params[1], m->params + 2, m->nparams - 2);
	struct hub_room_modes md = *hub_room_modes(room);
	bool op = is_op(s, room), refused = false;
	struct irc_mode_change c;
	enum irc_mode_step st;
	int with_args = 0;
	while ((st = irc_mode_next(&w, &c)) != IRC_MODE_END) {
		if (st == IRC_MODE_UNKNOWN) {
			unknown_mode(s, c.letter);
			continue;
		}
		if (c.letter == 'b' && st == IRC_MODE_NO_ARG) {
			send_bans(s, room);
			continue;
		}
		if (st == IRC_MODE_NO_ARG) {
			irc_numeric(s, "696", "%s %c * :You must specify a parameter for this mode",
				    hub_room_name(room), c.letter);
			continue;
		}
		if (!op) {
			if (!refused)
				irc_numeric(s, "482", "%s :You're not channel operator",
					    hub_room_name(room));
			refused = true;
			continue;
		}
		if (c.has_arg && ++with_args > 4)
			continue; /* ISUPPORT MODES=4 */
		unsigned long limit;
		char num[16];
		switch (c.letter) {
		case 'o':
		case 'v':
			change_member(s, room, &c);
			break;
		case 'b':
			change_ban(s, room, c.add, c.arg);
			break;
		case 'k':
			if (!c.add)
				md.key[0] = '\0';
			else if (key_valid(c.arg))
				snprintf(md.key, sizeof(md.key), "%.*s", P(c.arg));
			else
				/* The key is not echoed: it may hold spaces, be empty
				 * or be a secret (Modern IRC shows `*`). */
				irc_numeric(s, "696", "%s k * :Invalid key", hub_room_name(room));
			break;
		case 'l':
			snprintf(num, sizeof(num), "%.*s", (int)(c.has_arg && c.arg.len < 15
								     ? c.arg.len : 0),
				 c.arg.p ? c.arg.p : "");
			if (!c.add)
				md.limit = 0;
			else if (str_to_ulong(num, 1000000, &limit) && limit > 0)
				md.limit = (uint32_t)limit;
			else
				irc_numeric(s, "696", "%s l %s :Invalid limit", hub_room_name(room),
					    middle_param_ok(num) ? num : "*");
			break;
		default:
			apply_flag(&md, c.letter, c.add);
			break;
		}
	}
	if (op)
		hub_set_modes(s->irc->hub, s->user, room, &md);
}

static void user_mode(struct irc_session *s, const struct irc_msg *m)
{
	struct irc_slice who = m->params[0];
	struct hub_user *u = hub_find_user(s->irc->hub, who.p, who.len);
	if (!u) {
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(who));
		return;
	}
	if (u != s->user) {
		irc_numeric(s, "502", ":Can't change mode for other users");
		return;
	}
	if (m->nparams < 2) {
		irc_numeric(s, "221", "+%s%s", s->invisible ? "i" : "", s->wallops ? "w" : "");
		return;
	}
	struct irc_slice ms = m->params[1];
	bool add = true, was = s->invisible, was_w = s->wallops, unknown = false;
	for (size_t i = 0; i < ms.len; i++) {
		char ch = ms.p[i];
		if (ch == '+' || ch == '-')
			add = ch == '+';
		else if (ch == 'i')
			s->invisible = add;
		else if (ch == 'w')
			s->wallops = add;
		else
			unknown = true;
	}
	if (unknown)
		irc_numeric(s, "501", ":Unknown MODE flag");
	if (was != s->invisible)
		s->irc->invisible += s->invisible ? 1 : (size_t)-1;
	char diff[8];
	int n = snprintf(diff, sizeof(diff), "%s%s",
			 was == s->invisible ? "" : s->invisible ? "+i" : "-i",
			 was_w == s->wallops ? "" : s->wallops ? "+w" : "-w");
	if (n > 0)
		irc_user_line(s, s->user, "MODE %s %s", hub_user_name(s->user), diff);
}

void irc_cmd_mode(struct irc_session *s, const struct irc_msg *m)
{
	if (!need_params(s, m, 1))
		return;
	if (m->params[0].p[0] != '#') {
		user_mode(s, m);
		return;
	}
	struct hub_room *room = find_chan(s, m->params[0]);
	if (room)
		channel_mode(s, m, room);
}
