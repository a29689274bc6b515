/* irc_history: the CHATHISTORY command (draft/chathistory) over the hub's
 * history: a channel's stored lines, or the private lines between the
 * caller and a nick (kept for logged-in users only, and only shown to the
 * two of them). Replies come in a `chathistory` batch when `batch` is
 * negotiated, as plain lines otherwise; FAIL replies follow the
 * extension's standard-reply forms. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect/irc_chathistory.h"
#include "dialect/irc_private.h"
#include "util/alloc.h"

struct batch_out {
	struct irc_session *s;
	const char *ref; /* NULL without the batch cap */
};

static void history_line(void *ctx, const struct store_line *line)
{
	const struct batch_out *b = ctx;
	irc_send_history_line(b->s, b->ref, line);
}

static void ignore_line(void *ctx, const struct store_line *line)
{
	(void)ctx;
	(void)line;
}

static void fail(struct irc_session *s, const char *code, struct irc_slice sub,
		 struct irc_slice extra, const char *text)
{
	int sl = (int)(sub.len > 32 ? 32 : sub.len);
	int el = (int)(extra.len > 64 ? 64 : extra.len);
	if (extra.len)
		irc_server_line(s, "FAIL CHATHISTORY %s %.*s %.*s :%s", code, sl, sub.p, el,
				extra.p, text);
	else
		irc_server_line(s, "FAIL CHATHISTORY %s %.*s :%s", code, sl, sub.p, text);
}

/* May `s` read this channel? Anyone may, as with chat HISTORY, except a
 * live secret or invite-only channel it is not in. */
static bool may_read(const struct irc_session *s, const struct hub_room *room)
{
	if (!room || hub_membership(s->user, room))
		return true;
	return !(hub_room_modes(room)->flags & (HUB_ROOM_SECRET | HUB_ROOM_INVITE));
}

static void open_batch(struct irc_session *s, char ref[24], const char *type,
		       const char *target)
{
	if (!HAS_CAP(s, CAP_BATCH)) {
		ref[0] = '\0';
		return;
	}
	snprintf(ref, 24, "H%" PRIu64, ++s->irc->batches);
	if (target)
		irc_server_line(s, "BATCH +%s %s %s", ref, type, target);
	else
		irc_server_line(s, "BATCH +%s %s", ref, type);
}

static void close_batch(struct irc_session *s, const char *ref)
{
	if (ref[0])
		irc_server_line(s, "BATCH -%s", ref);
}

static void run_query(struct irc_session *s, const struct irc_ch_request *r)
{
	struct hub *hub = s->irc->hub;
	char target[HUB_NAME_MAX + HUB_ROOM_MAX + 2];
	bool is_room = r->target.p[0] == '#';
	bool valid = is_room ? hub_room_valid(r->target.p, r->target.len)
			     : irc_nick_ok(r->target.p, r->target.len);
	const struct hub_room *room = is_room && valid ? hub_find_room(hub, r->target.p,
								     r->target.len)
						 : NULL;
	if (!valid || (is_room && !may_read(s, room))) {
		fail(s, "INVALID_TARGET", r->subcommand, r->target,
		     "Messages could not be retrieved");
		return;
	}
	snprintf(target, sizeof(target), "%.*s", (int)r->target.len, r->target.p);
	if (room)
		snprintf(target, sizeof(target), "%s", hub_room_name(room));
	char ref[24];
	struct batch_out out = {s, NULL};
	/* The batch opens before the query so lines land inside it; an
	 * unknown channel's batch is closed empty only after the FAIL test. */
	if (is_room) {
		struct irc_ch_request probe = *r;
		probe.q.limit = 1;
		probe.q.anchor = STORE_LATEST;
		probe.q.a.value = 0;
		if (hub_history(hub, r->target.p, r->target.len, &probe.q, ignore_line, NULL) < 0) {
			fail(s, "INVALID_TARGET", r->subcommand, r->target,
			     "Messages could not be retrieved");
			return;
		}
	}
	open_batch(s, ref, "chathistory", target);
	out.ref = ref[0] ? ref : NULL;
	if (is_room)
		hub_history(hub, r->target.p, r->target.len, &r->q, history_line, &out);
	else
		hub_private_history(hub, s->user, r->target.p, r->target.len, &r->q,
				    history_line, &out);
	close_batch(s, ref);
}

/* ---- TARGETS ---- */

/* A target and its newest line in the window (ids break time ties). */
struct target_seen {
	char name[HUB_NAME_MAX + HUB_ROOM_MAX + 2];
	uint64_t time_ms, id;
};

static void keep_newest(void *ctx, const struct store_line *line)
{
	struct target_seen *t = ctx;
	if (line->id > t->id) {
		t->id = line->id;
		t->time_ms = line->time_ms;
	}
}

static int oldest_first(const void *a, const void *b)
{
	const struct target_seen *x = a, *y = b;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void add_target(struct target_seen **v, size_t *n, size_t *cap, const char *name,
		       const struct target_seen *t)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n] = *t;
	snprintf((*v)[*n].name, sizeof((*v)[*n].name), "%s", name);
	(*n)++;
}

/* The channels `s` is in and the users online it has private lines with,
 * each with its newest line's time inside the window, oldest first. */
static void run_targets(struct irc_session *s, const struct irc_ch_request *r)
{
	struct hub *hub = s->irc->hub;
	struct store_query q = r->q;
	/* Count from the later bound so the newest line comes back. */
	if (q.a.value < q.b.value) {
		struct store_ref t = q.a;
		q.a = q.b;
		q.b = t;
	}
	q.limit = 1;
	struct target_seen *v = NULL;
	size_t n = 0, cap = 0;
	for (struct hub_member *m = hub_first_membership(s->user); m;
	     m = hub_next_membership(m)) {
		const struct hub_room *room = hub_member_room(m);
		struct target_seen t = {.id = 0};
		if (hub_history(hub, hub_room_name(room), hub_room_name_len(room), &q, keep_newest,
				&t) > 0)
			add_target(&v, &n, &cap, hub_room_name(room), &t);
	}
	for (struct hub_user *u = hub_first_user(hub); u; u = hub_next_user(hub, u)) {
		struct target_seen t = {.id = 0};
		if (hub_private_history(hub, s->user, hub_user_name(u), hub_user_name_len(u), &q,
					keep_newest, &t) > 0)
			add_target(&v, &n, &cap, hub_user_name(u), &t);
	}
	if (n)
		qsort(v, n, sizeof(*v), oldest_first);
	if (n > r->q.limit)
		n = r->q.limit;
	char ref[24];
	open_batch(s, ref, "draft/chathistory-targets", NULL);
	for (size_t i = 0; i < n; i++) {
		char when[STORE_TIME_LEN];
		store_time_format(v[i].time_ms, when);
		if (ref[0])
			irc_raw_line(s, "@batch=%s :%s CHATHISTORY TARGETS %s %.*s", ref,
				     s->irc->server_name, v[i].name, STORE_TIME_LEN, when);
		else
			irc_server_line(s, "CHATHISTORY TARGETS %s %.*s", v[i].name,
					STORE_TIME_LEN, when);
	}
	close_batch(s, ref);
	free(v);
}

void irc_cmd_chathistory(struct irc_session *s, const struct irc_msg *m)
{
	if (!hub_accounts_enabled(s->irc->hub)) {
		irc_numeric(s, "421", "CHATHISTORY :Unknown command");
		return;
	}
	struct irc_ch_request r;
	enum irc_ch_error e = irc_chathistory_parse(m->params, m->nparams, STORE_HISTORY_MAX, &r);
	struct irc_slice none = {0};
	switch (e) {
	case IRC_CH_OK:
		break;
	case IRC_CH_UNKNOWN:
		fail(s, "INVALID_PARAMS", r.subcommand, none, "Unknown command");
		return;
	case IRC_CH_FEW:
		fail(s, "INVALID_PARAMS", r.subcommand, none, "Insufficient parameters");
		return;
	case IRC_CH_MANY:
		fail(s, "INVALID_PARAMS", r.subcommand, none, "Too many parameters");
		return;
	case IRC_CH_BAD_REF:
		fail(s, "INVALID_PARAMS", r.subcommand, r.bad, "Invalid message reference");
		return;
	case IRC_CH_BAD_LIMIT:
		fail(s, "INVALID_PARAMS", r.subcommand, r.bad, "Invalid limit");
		return;
	}
	if (r.sub == IRC_CH_TARGETS)
		run_targets(s, &r);
	else
		run_query(s, &r);
}
