/* irc_render: every byte the IRC dialect sends is composed here — numeric
 * and server lines, the welcome burst, hub events rendered once per tag
 * variant and shared by every recipient of that variant, and
 * labeled-response wrapping (a label on the one reply, an ACK, or a
 * labeled batch). Lines are held to 510 bytes plus CR LF after the tags,
 * cut only at UTF-8 character boundaries. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dialect/irc_private.h"
#include "dialect/irc_text.h"
#include "net/conn.h"
#include "util/clock.h"
#include "util/alloc.h"
#include "util/msg.h"

enum { LINE_BUF = IRC_TAGS_MAX + IRC_LINE_MAX + 8 };

/* ---- sending, with labeled-response holding ---- */

void irc_send(struct irc_session *s, struct msg *m)
{
	if (s->irc->labeled.who == s) {
		struct irc_labeled *l = &s->irc->labeled;
		if (l->nheld == l->held_cap) {
			l->held_cap = l->held_cap ? l->held_cap * 2 : 8;
			l->held = xrealloc(l->held, l->held_cap * sizeof(*l->held));
		}
		l->held[l->nheld++] = msg_ref(m);
		return;
	}
	conn_send(s->conn, m);
}

static void send_copy(struct irc_session *s, const char *p, size_t n)
{
	struct msg *m = msg_copy(p, n);
	irc_send(s, m);
	msg_unref(m);
}

/* `head` then the formatted rest, held to IRC_LINE_MAX, then CR LF. */
__attribute__((format(printf, 3, 0)))
static void vline(struct irc_session *s, const char *head, const char *fmt, va_list ap)
{
	char buf[IRC_LINE_MAX * 2 + 8];
	size_t n = strlen(head);
	if (n > IRC_LINE_MAX)
		n = IRC_LINE_MAX;
	memcpy(buf, head, n);
	int more = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (more > 0)
		n += (size_t)more < sizeof(buf) - n ? (size_t)more : sizeof(buf) - n - 1;
	if (n > IRC_LINE_MAX)
		n = irc_text_chunk(buf, n, IRC_LINE_MAX);
	n = (size_t)(line_end(buf + n) - buf);
	send_copy(s, buf, n);
}

void irc_numeric(struct irc_session *s, const char *num, const char *fmt, ...)
{
	char head[HUB_NAME_MAX + 160];
	snprintf(head, sizeof(head), ":%.100s %s %s ", s->irc->server_name, num, irc_me(s));
	va_list ap;
	va_start(ap, fmt);
	vline(s, head, fmt, ap);
	va_end(ap);
}

void irc_server_line(struct irc_session *s, const char *fmt, ...)
{
	char head[120];
	snprintf(head, sizeof(head), ":%.100s ", s->irc->server_name);
	va_list ap;
	va_start(ap, fmt);
	vline(s, head, fmt, ap);
	va_end(ap);
}

void irc_raw_line(struct irc_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(s, "", fmt, ap);
	va_end(ap);
}

int irc_userhost(const struct irc *irc, const struct hub_user *u, char *out, size_t cap)
{
	size_t olen;
	const char *origin = hub_user_origin(u, &olen);
	if (olen)
		return snprintf(out, cap, "%.*s", (int)olen, origin);
	return snprintf(out, cap, "%s@%s", hub_user_name(u), irc->server_name);
}

static int source_of(const struct irc *irc, const char *nick, size_t nlen, const char *origin,
		     size_t olen, char *out, size_t cap)
{
	if (olen)
		return snprintf(out, cap, "%.*s!%.*s", (int)nlen, nick, (int)olen, origin);
	return snprintf(out, cap, "%.*s!%.*s@%s", (int)nlen, nick, (int)nlen, nick,
			irc->server_name);
}

void irc_user_line(struct irc_session *s, const struct hub_user *u, const char *fmt, ...)
{
	char head[HUB_NAME_MAX * 2 + HUB_ORIGIN_MAX + 140];
	size_t olen;
	const char *origin = hub_user_origin(u, &olen);
	/* account-tag covers every line a logged-in user causes (INVITE,
	 * AWAY, JOIN …), not only its messages. */
	const char *acct = HAS_CAP(s, CAP_ACCOUNT_TAG) ? irc_account_of(u) : NULL;
	int at = acct ? snprintf(head, sizeof(head), "@account=%s ", acct) : 0;
	head[at] = ':';
	int n = source_of(s->irc, hub_user_name(u), hub_user_name_len(u), origin, olen,
			  head + at + 1, sizeof(head) - (size_t)at - 2);
	snprintf(head + at + 1 + n, sizeof(head) - (size_t)at - 1 - (size_t)n, " ");
	va_list ap;
	va_start(ap, fmt);
	vline(s, head, fmt, ap);
	va_end(ap);
}

const char *irc_prefix(const struct irc_session *s, uint32_t flags)
{
	bool op = flags & HUB_MEMBER_OP, voice = flags & HUB_MEMBER_VOICE;
	if (op && voice && HAS_CAP(s, CAP_MULTI_PREFIX))
		return "@+";
	return op ? "@" : voice ? "+" : "";
}

/* ---- labeled-response ---- */

void irc_label_begin(struct irc_session *s, struct irc_slice label)
{
	memcpy(s->irc->labeled.label, label.p, label.len);
	s->irc->labeled.label[label.len] = '\0';
	s->irc->labeled.who = s;
	s->irc->labeled.nheld = 0;
}

static size_t count_lines(struct msg *const *held, size_t n)
{
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < held[i]->len; j++)
			lines += held[i]->data[j] == '\n';
	return lines;
}

/* Sends one held line with `tag` ("label=x" or "batch=y") merged in. */
static void send_tagged(struct irc_session *s, const char *tag, const char *line, size_t len)
{
	char buf[LINE_BUF + IRC_LABEL_MAX + 16];
	size_t tlen = strlen(tag);
	if (len + tlen + 2 > sizeof(buf))
		return;
	size_t n = 0;
	buf[n++] = '@';
	memcpy(buf + n, tag, tlen);
	n += tlen;
	if (line[0] == '@') {
		buf[n++] = ';';
		memcpy(buf + n, line + 1, len - 1);
		n += len - 1;
	} else {
		buf[n++] = ' ';
		memcpy(buf + n, line, len);
		n += len;
	}
	send_copy(s, buf, n);
}

void irc_label_end(struct irc_session *s)
{
	char tag[IRC_LABEL_MAX + 16];
	snprintf(tag, sizeof(tag), "label=%s", s->irc->labeled.label);
	struct msg **held = s->irc->labeled.held;
	size_t n = s->irc->labeled.nheld;
	/* Nothing is held from here on: the wrapped lines go straight out. */
	s->irc->labeled.who = NULL;
	s->irc->labeled.nheld = 0;
	size_t lines = count_lines(held, n);
	if (lines == 0) {
		char ack[160];
		int len = snprintf(ack, sizeof(ack), ":%.100s ACK\r\n", s->irc->server_name);
		send_tagged(s, tag, ack, (size_t)len);
	} else if (lines == 1) {
		send_tagged(s, tag, held[0]->data, held[0]->len);
	} else {
		char open[160], ref[32], btag[48];
		snprintf(ref, sizeof(ref), "L%" PRIx64, conn_id(s->conn));
		int len = snprintf(open, sizeof(open), ":%.100s BATCH +%s labeled-response\r\n",
				   s->irc->server_name, ref);
		send_tagged(s, tag, open, (size_t)len);
		snprintf(btag, sizeof(btag), "batch=%s", ref);
		for (size_t i = 0; i < n; i++) {
			const char *p = held[i]->data, *end = p + held[i]->len;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
				/* A line of a nested batch (CHATHISTORY) names only
				 * its own batch; that batch's BATCH lines name ours. */
				if (l > 7 && memcmp(p, "@batch=", 7) == 0)
					send_copy(s, p, l);
				else
					send_tagged(s, btag, p, l);
				p += l;
			}
		}
		irc_server_line(s, "BATCH -%s", ref);
	}
	for (size_t i = 0; i < n; i++)
		msg_unref(held[i]);
}

/* ---- messages with tags ---- */

static void format_time(uint64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
}

struct tag_set {
	bool time, msgid, client;
	const char *batch;   /* batch=<ref>, or NULL */
	const char *account; /* account=<name> (account-tag), or NULL */
};

static void write_tags(struct irc_writer *w, const struct tag_set *t, uint64_t id,
		       uint64_t time_ms, struct irc_slice client)
{
	if (t->batch)
		irc_writer_tag(w, "batch", t->batch, strlen(t->batch));
	if (t->account)
		irc_writer_tag(w, "account", t->account, strlen(t->account));
	if (t->time) {
		char when[32];
		format_time(time_ms ? time_ms : clock_wall_ms(), when);
		irc_writer_tag(w, "time", when, strlen(when));
	}
	if (t->msgid && id) {
		char mid[HUB_MSGID_LEN];
		hub_msgid_format(id, mid);
		irc_writer_tag(w, "msgid", mid, HUB_MSGID_LEN);
	}
	if (!t->client)
		return;
	size_t pos = 0;
	struct irc_tag tag;
	while (irc_tag_next(client, &pos, &tag)) {
		if (tag.key.len == 0 || tag.key.p[0] != '+')
			continue;
		char key[256], value[IRC_CLIENT_TAGS_MAX];
		if (tag.key.len >= sizeof(key))
			continue;
		memcpy(key, tag.key.p, tag.key.len);
		key[tag.key.len] = '\0';
		size_t vlen = irc_tag_unescape(tag.value, value, sizeof(value));
		irc_writer_tag(w, key, tag.value.len ? value : NULL, vlen);
	}
}

/* Renders `cmd target :text` from `source`, as many lines as the text
 * needs (cut at character boundaries), into one message. NULL if the text
 * cannot be written (a CR, LF or NUL in it). */
struct line_parts {
	const char *source, *cmd;
	struct irc_slice mid[3]; /* middle parameters; unused ones empty */
	bool has_last;           /* else `text` must be empty */
	bool bare_last;          /* a mode argument: ':' only when needed */
};

static struct msg *render_text(const struct line_parts *lp, const char *text, size_t len,
			       const struct tag_set *tags, uint64_t id, uint64_t time_ms,
			       struct irc_slice client)
{
	char line[LINE_BUF];
	size_t total = 0, cap = 0;
	struct msg *out = NULL;
	char *acc = NULL;
	do {
		struct irc_writer w;
		irc_writer_init(&w, line, sizeof(line));
		write_tags(&w, tags, id, time_ms, client);
		irc_writer_source(&w, lp->source, strlen(lp->source));
		irc_writer_command(&w, lp->cmd, strlen(lp->cmd));
		for (size_t i = 0; i < 3 && lp->mid[i].len; i++)
			irc_writer_param(&w, lp->mid[i].p, lp->mid[i].len);
		size_t chunk = irc_text_chunk(text, len, irc_writer_room(&w));
		if (chunk == 0 && len > 0)
			chunk = len; /* one huge character: let the writer cut */
		if (lp->has_last && lp->bare_last)
			irc_writer_last(&w, text, chunk);
		else if (lp->has_last)
			irc_writer_trailing(&w, text, chunk);
		enum irc_write st = irc_writer_finish(&w);
		if (st == IRC_WRITE_INVALID || st == IRC_WRITE_OVERFLOW)
			break;
		if (st == IRC_WRITE_TRUNCATED)
			chunk = w.cut ? w.cut : len;
		if (total + w.len > cap) {
			cap = (total + w.len) * 2;
			acc = xrealloc(acc, cap);
		}
		memcpy(acc + total, line, w.len);
		total += w.len;
		if (chunk) /* text may be NULL when empty */
			text += chunk;
		len -= chunk;
	} while (len > 0);
	if (total)
		out = msg_copy(acc, total);
	free(acc);
	return out;
}

#define SLICE(p, n) ((struct irc_slice){(p), (n)})
#define CSTR(p) SLICE((p), strlen(p))

static const char room_flag_letters[] = "ntmis";

static uint32_t room_flag_bit(size_t i)
{
	static const uint32_t bits[] = {HUB_ROOM_NO_OUTSIDE, HUB_ROOM_TOPIC_LOCK,
					HUB_ROOM_MODERATED, HUB_ROOM_INVITE, HUB_ROOM_SECRET};
	return bits[i];
}

/* A MODE change as IRC writes it: "+nt-k+l" and up to two arguments. */
struct mode_change {
	char modes[16];
	size_t n;
	char sign;
	struct irc_slice args[2];
	size_t nargs;
	char limit[16];
};

static void mode_put(struct mode_change *mc, bool add, char letter)
{
	char sign = add ? '+' : '-';
	if (mc->sign != sign && mc->n + 1 < sizeof(mc->modes))
		mc->modes[mc->n++] = mc->sign = sign;
	if (mc->n + 1 < sizeof(mc->modes))
		mc->modes[mc->n++] = letter;
}

static void mode_arg(struct mode_change *mc, const char *p, size_t len)
{
	if (mc->nargs < 2)
		mc->args[mc->nargs++] = (struct irc_slice){p, len};
}

static void room_mode_change(const struct hub_room_modes *a, const struct hub_room_modes *b,
			     struct mode_change *mc)
{
	for (size_t i = 0; i < sizeof(room_flag_letters) - 1; i++) {
		uint32_t bit = room_flag_bit(i);
		if ((a->flags & bit) != (b->flags & bit))
			mode_put(mc, b->flags & bit, room_flag_letters[i]);
	}
	if (strcmp(a->key, b->key) != 0) {
		/* unsetting shows the old key, as clients expect an argument */
		const char *key = b->key[0] ? b->key : a->key;
		mode_put(mc, b->key[0] != '\0', 'k');
		mode_arg(mc, key, strlen(key));
	}
	if (a->limit != b->limit) {
		mode_put(mc, b->limit != 0, 'l');
		if (b->limit) {
			int n = snprintf(mc->limit, sizeof(mc->limit), "%u", (unsigned)b->limit);
			mode_arg(mc, mc->limit, (size_t)n);
		}
	}
}

static void member_mode_change(const struct hub_event *ev, struct mode_change *mc)
{
	static const struct {
		uint32_t bit;
		char letter;
	} flags[] = {{HUB_MEMBER_OP, 'o'}, {HUB_MEMBER_VOICE, 'v'}};
	for (size_t i = 0; i < 2; i++) {
		if (!((ev->flags_old ^ ev->flags_new) & flags[i].bit))
			continue;
		mode_put(mc, ev->flags_new & flags[i].bit, flags[i].letter);
		mode_arg(mc, ev->target, ev->target_len);
	}
}

/* Renders a non-text event; NULL for events IRC users are not shown. */
static struct msg *render_other(struct irc_session *s, const struct hub_event *ev,
				const char *source, const struct tag_set *tags)
{
	struct line_parts lp = {.source = source};
	struct irc_slice room = SLICE(ev->room, ev->room_len), none = {0};
	struct irc_slice text = SLICE(ev->text, ev->text_len);
	switch (ev->kind) {
	case HUB_EV_JOIN:
		lp.cmd = "JOIN";
		lp.mid[0] = room;
		if (HAS_CAP(s, CAP_EXTENDED_JOIN) && ev->user) {
			const char *acct = irc_account_of(ev->user);
			const struct irc_session *js = irc_session_of(ev->user);
			lp.mid[1] = CSTR(acct ? acct : "*");
			lp.has_last = true;
			text = js ? CSTR(irc_realname(js)) : SLICE(ev->from, ev->from_len);
		}
		break;
	case HUB_EV_LEAVE:
		lp.cmd = "PART";
		lp.mid[0] = room;
		lp.has_last = text.len > 0;
		break;
	case HUB_EV_QUIT:
		lp.cmd = "QUIT";
		lp.has_last = true;
		break;
	case HUB_EV_NICK:
		lp.cmd = "NICK";
		lp.mid[0] = SLICE(ev->target, ev->target_len);
		break;
	case HUB_EV_KICK:
		lp.cmd = "KICK";
		lp.mid[0] = room;
		lp.mid[1] = SLICE(ev->target, ev->target_len);
		lp.has_last = true;
		break;
	case HUB_EV_TOPIC:
		lp.cmd = "TOPIC";
		lp.mid[0] = room;
		lp.has_last = true;
		break;
	case HUB_EV_AWAY:
		if (!HAS_CAP(s, CAP_AWAY_NOTIFY) || ev->user == s->user)
			return NULL;
		lp.cmd = "AWAY";
		lp.has_last = text.len > 0;
		break;
	case HUB_EV_MODE: {
		struct mode_change mc = {.n = 0};
		if (ev->target_len)
			member_mode_change(ev, &mc);
		else
			room_mode_change(ev->modes_old, ev->modes_new, &mc);
		if (mc.n == 0)
			return NULL;
		lp.cmd = "MODE";
		lp.mid[0] = room;
		lp.mid[1] = SLICE(mc.modes, mc.n);
		if (mc.nargs == 2)
			lp.mid[2] = mc.args[0];
		lp.has_last = lp.bare_last = mc.nargs > 0;
		text = mc.nargs ? mc.args[mc.nargs - 1] : none;
		return render_text(&lp, text.p, text.len, tags, 0, 0, none);
	}
	case HUB_EV_BAN: {
		struct mode_change mc = {.n = 0};
		mode_put(&mc, ev->flags_new != 0, 'b');
		lp.cmd = "MODE";
		lp.mid[0] = room;
		lp.mid[1] = SLICE(mc.modes, mc.n);
		lp.has_last = lp.bare_last = true;
		text = SLICE(ev->target, ev->target_len);
		return render_text(&lp, text.p, text.len, tags, 0, 0, none);
	}
	default:
		return NULL;
	}
	if (!lp.has_last)
		text = none;
	return render_text(&lp, text.p, text.len, tags, 0, 0, none);
}

/* The variant a recipient needs: bit 0 server-time, bit 1 message-tags,
 * bit 2 account-tag, bit 3 extended-join. */
static unsigned variant_of(const struct irc_session *s)
{
	return (HAS_CAP(s, CAP_SERVER_TIME) ? 1u : 0u) | (HAS_CAP(s, CAP_MESSAGE_TAGS) ? 2u : 0u) |
	       (HAS_CAP(s, CAP_ACCOUNT_TAG) ? 4u : 0u) | (HAS_CAP(s, CAP_EXTENDED_JOIN) ? 8u : 0u);
}

static struct tag_set tags_for(unsigned variant, const struct hub_user *from)
{
	return (struct tag_set){.time = variant & 1,
				.msgid = variant & 2,
				.client = variant & 2,
				.account = variant & 4 ? irc_account_of(from) : NULL};
}

static struct msg *render_event(struct irc_session *s, const struct hub_event *ev,
				unsigned variant)
{
	char source[HUB_NAME_MAX * 2 + HUB_ORIGIN_MAX + 120];
	source_of(s->irc, ev->from, ev->from_len, ev->origin, ev->origin_len, source,
		  sizeof(source));
	struct tag_set tags = tags_for(variant, ev->user);
	static const char *const style_cmd[] = {"PRIVMSG", "NOTICE", "TAGMSG"};
	struct line_parts lp = {.source = source, .cmd = style_cmd[ev->style],
				.has_last = ev->style != HUB_STYLE_TAGMSG};
	if (ev->kind == HUB_EV_SAY) {
		lp.mid[0] = SLICE(ev->room, ev->room_len);
	} else if (ev->kind == HUB_EV_PRIVMSG) {
		lp.mid[0] = ev->echo ? SLICE(ev->target, ev->target_len) : CSTR(irc_me(s));
	} else {
		return render_other(s, ev, source, &tags);
	}
	struct irc_slice client = ev->tags ? (struct irc_slice){ev->tags, ev->tags_len}
					   : s->irc->relay_tags;
	return render_text(&lp, ev->text, ev->text_len, &tags, ev->id, ev->time_ms, client);
}

static bool wanted(const struct irc_session *s, const struct hub_event *ev)
{
	if (ev->replay)
		return false; /* history is replayed to chat users only */
	if ((ev->echo || (ev->kind == HUB_EV_SAY && ev->user == s->user)) &&
	    !HAS_CAP(s, CAP_ECHO_MESSAGE))
		return false;
	return ev->style != HUB_STYLE_TAGMSG || HAS_CAP(s, CAP_MESSAGE_TAGS);
}

/* away-notify: someone who joins while away is shown away at once (IRCv3
 * away-notify), as no AWAY event will come for it. */
static void away_on_join(struct irc_session *s, const struct hub_event *ev)
{
	size_t len;
	const char *away = ev->user && ev->user != s->user && HAS_CAP(s, CAP_AWAY_NOTIFY)
				   ? hub_user_away(ev->user, &len)
				   : NULL;
	if (away)
		irc_user_line(s, ev->user, "AWAY :%.*s", (int)len, away);
}

static void irc_deliver(void *ctx, struct hub_event *ev)
{
	struct irc_session *s = ctx;
	struct irc *irc = s->irc;
	if (!wanted(s, ev))
		return;
	if (!ev->rendered[irc->slot]) {
		/* A fresh event: earlier variants belong to the last one. */
		for (size_t i = 0; i < 16; i++) {
			if (irc->variants[i])
				msg_unref(irc->variants[i]);
			irc->variants[i] = NULL;
		}
	}
	/* PRIVMSG names its one recipient, AWAY depends on the recipient's
	 * caps: neither is shared, so neither is cached. */
	if (ev->kind == HUB_EV_PRIVMSG || ev->kind == HUB_EV_AWAY) {
		struct msg *m = render_event(s, ev, variant_of(s));
		if (m) {
			irc_send(s, m);
			msg_unref(m);
		}
		return;
	}
	unsigned v = variant_of(s);
	if (!irc->variants[v]) {
		irc->variants[v] = render_event(s, ev, v);
		if (!irc->variants[v])
			return;
	}
	if (!ev->rendered[irc->slot])
		ev->rendered[irc->slot] = msg_ref(irc->variants[v]);
	irc_send(s, irc->variants[v]);
	if (ev->kind == HUB_EV_JOIN)
		away_on_join(s, ev);
}

const struct hub_sink irc_sink = {.deliver = irc_deliver, .kill = irc_kill};

void irc_send_message(struct irc_session *to, const struct hub_user *from, const char *cmd,
		      const char *target, const char *text, size_t len,
		      struct irc_slice client_tags, uint64_t id, uint64_t time_ms)
{
	char source[HUB_NAME_MAX * 2 + HUB_ORIGIN_MAX + 120];
	size_t olen;
	const char *origin = hub_user_origin(from, &olen);
	source_of(to->irc, hub_user_name(from), hub_user_name_len(from), origin, olen, source,
		  sizeof(source));
	struct tag_set tags = tags_for(variant_of(to), from);
	struct line_parts lp = {.source = source, .cmd = cmd, .has_last = len > 0 ||
							       strcmp(cmd, "TAGMSG") != 0};
	lp.mid[0] = CSTR(target);
	struct msg *m = render_text(&lp, text, len, &tags, id, time_ms, client_tags);
	if (m) {
		irc_send(to, m);
		msg_unref(m);
	}
}

void irc_send_history_line(struct irc_session *s, const char *batch,
			   const struct store_line *line)
{
	char source[HUB_NAME_MAX * 2 + HUB_ORIGIN_MAX + 120];
	size_t fl = line->from_len > HUB_NAME_MAX ? HUB_NAME_MAX : line->from_len;
	size_t ol = line->origin_len > HUB_ORIGIN_MAX ? HUB_ORIGIN_MAX : line->origin_len;
	source_of(s->irc, line->from, fl, line->origin, ol, source, sizeof(source));
	struct tag_set tags = tags_for(variant_of(s) & 3u, NULL);
	tags.batch = batch;
	struct line_parts lp = {.source = source, .cmd = "PRIVMSG", .has_last = true};
	lp.mid[0] = SLICE(line->room, line->room_len);
	struct irc_slice none = {0};
	struct msg *m = render_text(&lp, line->text, line->text_len, &tags, line->id,
				    line->time_ms, none);
	if (m) {
		irc_send(s, m);
		msg_unref(m);
	}
}

void irc_join_line(struct irc_session *s, const struct hub_user *u, const char *room)
{
	if (!HAS_CAP(s, CAP_EXTENDED_JOIN)) {
		irc_user_line(s, u, "JOIN %s", room);
		return;
	}
	const char *acct = irc_account_of(u);
	const struct irc_session *js = irc_session_of(u);
	irc_user_line(s, u, "JOIN %s %s :%s", room, acct ? acct : "*",
		      js ? irc_realname(js) : hub_user_name(u));
}

/* ---- the welcome burst ---- */

void irc_lusers(struct irc_session *s)
{
	struct irc *irc = s->irc;
	size_t users = hub_user_count(irc->hub), rooms = hub_room_count(irc->hub);
	size_t hidden = irc->invisible;
	/* Every IRC registration runs this, so the peak of IRC arrivals is
	 * exact; chat users count when they are present at such a moment. */
	if (users > irc->peak_users)
		irc->peak_users = users;
	size_t peak = irc->peak_users;
	irc_numeric(s, "251", ":There are %zu users and %zu invisible on 1 servers",
		    users - hidden, hidden);
	irc_numeric(s, "252", "0 :operator(s) online");
	irc_numeric(s, "253", "%zu :unknown connection(s)", irc->sessions - irc->registered);
	irc_numeric(s, "254", "%zu :channels formed", rooms);
	irc_numeric(s, "255", ":I have %zu clients and 0 servers", users);
	irc_numeric(s, "265", "%zu %zu :Current local users %zu, max %zu", users, peak, users,
		    peak);
	irc_numeric(s, "266", "%zu %zu :Current global users %zu, max %zu", users, peak, users,
		    peak);
}

void irc_motd(struct irc_session *s)
{
	const struct irc *irc = s->irc;
	if (!irc->motd) {
		irc_numeric(s, "422", ":MOTD File is missing");
		return;
	}
	irc_numeric(s, "375", ":- %s Message of the day - ", irc->server_name);
	const char *p = irc->motd, *end = p + irc->motd_len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t shown = n && p[n - 1] == '\r' ? n - 1 : n;
		irc_numeric(s, "372", ":- %.*s", (int)shown, p);
		p += n + (nl ? 1 : 0);
	}
	irc_numeric(s, "376", ":End of /MOTD command.");
}

void irc_welcome(struct irc_session *s)
{
	const struct irc *irc = s->irc;
	const char *me = irc_me(s);
	char uh[HUB_ORIGIN_MAX + HUB_NAME_MAX + 8];
	irc_userhost(irc, s->user, uh, sizeof(uh));
	irc_numeric(s, "001", ":Welcome to the %s IRC Network %s!%s", irc->network, me, uh);
	irc_numeric(s, "002", ":Your host is %s, running version parley-1.0", irc->server_name);
	irc_numeric(s, "003", ":This server was created %s", irc->created);
	irc_numeric(s, "004", "%s parley-1.0 iow bklimnostv bklov", irc->server_name);
	irc_numeric(s, "005",
		    "AWAYLEN=%d CASEMAPPING=ascii CHANLIMIT=#:%d CHANMODES=" IRC_CHANMODES
		    " CHANNELLEN=%d CHANTYPES=# KICKLEN=%d MAXLIST=b:%d MAXTARGETS=%d"
		    " MODES=4 MONITOR=%d :are supported by this server",
		    HUB_AWAY_MAX, IRC_CHANLIMIT, HUB_ROOM_MAX, IRC_KICKLEN, IRC_LIST_MAX, IRC_MAXTARGETS,
		    IRC_MONITOR_MAX);
	irc_numeric(s, "005",
		    "NETWORK=%s NICKLEN=%d PREFIX=(ov)@+ TARGMAX=PRIVMSG:%d,NOTICE:%d,"
		    "TAGMSG:%d,JOIN:,PART:,NAMES:1,WHOIS:1,KICK:1 TOPICLEN=%d USERLEN=%d"
		    " UTF8ONLY :are supported by this server",
		    irc->network, HUB_NAME_MAX, IRC_MAXTARGETS, IRC_MAXTARGETS, IRC_MAXTARGETS,
		    HUB_TOPIC_MAX, IRC_USER_MAX);
	if (hub_accounts_enabled(irc->hub))
		irc_numeric(s, "005",
			    "CHATHISTORY=%d MSGREFTYPES=msgid,timestamp :are supported by this"
			    " server",
			    STORE_HISTORY_MAX);
	irc_lusers(s);
	irc_motd(s);
}
