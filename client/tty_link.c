/* tty_link: the interactive session's connection to the server. It shows
 * what arrives (time-stamped, with a join's member list and history set
 * apart, see joinview.h), and when the connection drops without the user
 * asking to leave it reconnects on the loop's timers, 1 s then doubling up
 * to 30 s, while readline keeps the line being typed. Once back it
 * registers the same name and joins the same room again. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "connect.h"
#include "options.h"
#include "session.h"
#include "tty_private.h"
#include "util/list.h"

/* ---- what arrives ---- */

/* Starts a shown line in t->scratch with the time, if shown. */
void tty_stamp(struct tty *t)
{
	time_t now = time(NULL);
	struct tm local;
	if (t->style.timestamps && localtime_r(&now, &local))
		render_stamp(&t->style, &local, &t->scratch);
}

static void show_scratch(struct tty *t)
{
	tty_show(t, buf_head(&t->scratch), buf_len(&t->scratch));
	buf_consume(&t->scratch, buf_len(&t->scratch));
}

static void show_chat(struct tty *t, const struct chat_event *ev)
{
	switch (joinview_classify(&t->jv, ev)) {
	case JOINVIEW_HIDE:
		return;
	case JOINVIEW_MEMBERS:
		tty_stamp(t);
		render_members(&t->style, joinview_room(&t->jv), joinview_members(&t->jv),
			       &t->scratch);
		break;
	case JOINVIEW_HISTORY:
		render_history(&t->style, ev, &t->scratch);
		break;
	case JOINVIEW_SHOW:
		tty_stamp(t);
		if (!render_chat(&t->style, ev, &t->scratch))
			buf_consume(&t->scratch, buf_len(&t->scratch));
		break;
	}
	show_scratch(t);
}

static void on_unit(void *ctx, const char *data, size_t len)
{
	struct tty *t = ctx;
	struct chat_event ev;
	if (t->opt->proto == PROTO_CHAT) {
		chat_parse(data, len, &ev);
		if (chat_state_update(&t->chat, &ev))
			tty_update_prompt(t);
	}
	if (t->pretty) {
		show_chat(t, &ev);
		return;
	}
	tty_stamp(t);
	render_raw(&t->style, t->opt->proto, data, len, &t->scratch);
	show_scratch(t);
}

static void on_warning(void *ctx, const char *text)
{
	tty_notice(ctx, text);
}

static void on_session_end(void *ctx);

static const struct session_events session_events = {
	.on_unit = on_unit,
	.on_warning = on_warning,
	.on_end = on_session_end,
};

/* ---- connecting ---- */

/* Sends a JOIN line (typed, or the greeting's) and, when the answer is
 * shown pretty, the marker that ends it (see joinview.h). */
void tty_link_join(struct tty *t, const char *line, size_t len)
{
	session_send_line(t->s, line, len);
	if (t->pretty && session_open(t->s)) {
		session_send_line(t->s, JOINVIEW_MARKER, strlen(JOINVIEW_MARKER));
		joinview_sent_join(&t->jv);
	}
}

/* Registers the name and joins the room: the ones given on the command
 * line at first, the ones the server last confirmed after a reconnect. */
static void greet(struct tty *t)
{
	if (t->opt->proto != PROTO_CHAT)
		return;
	const char *name = t->chat.name[0] ? t->chat.name : t->opt->user;
	const char *room = t->chat.name[0] ? t->chat.room : t->opt->room;
	char line[CHAT_NAME_MAX + 16];
	if (name[0]) {
		int n = snprintf(line, sizeof(line), "USERNAME %s", name);
		session_send_line(t->s, line, (size_t)n);
	}
	if (room[0]) {
		int n = snprintf(line, sizeof(line), "JOIN %s", room);
		tty_link_join(t, line, (size_t)n);
	}
}

bool tty_link_start(struct tty *t, int fd)
{
	joinview_reset(&t->jv);
	if (!session_start(t->s, fd))
		return false;
	greet(t);
	return true;
}

bool tty_link_up(const struct tty *t)
{
	return session_open(t->s);
}

/* ---- reconnecting ---- */

static void schedule_retry(struct tty *t, const char *what, const char *why)
{
	char text[sizeof(t->reason) + 64];
	uint64_t delay = backoff_delay_ms(t->failures);
	snprintf(text, sizeof(text), "%s: %s; reconnecting in %llus", what, why,
		 (unsigned long long)(delay / 1000));
	tty_notice(t, text);
	loop_timer_arm(t->loop, &t->retry, delay);
}

static void on_connected(void *ctx, int fd, const char *err)
{
	struct tty *t = ctx;
	t->connecting = NULL;
	if (fd < 0) {
		t->failures++;
		schedule_retry(t, "reconnect failed", err);
		return;
	}
	if (!tty_link_start(t, fd)) {
		t->failures++;
		schedule_retry(t, "reconnect failed", "cannot watch the connection");
		return;
	}
	t->failures = 0;
	char text[ADDR_HOST_MAX + 64];
	snprintf(text, sizeof(text), "reconnected to %s port %u", t->opt->host, t->opt->port);
	tty_notice(t, text);
}

static void on_retry(struct loop_timer *timer)
{
	struct tty *t = container_of(timer, struct tty, retry);
	char err[256];
	t->connecting = connect_start(t->loop, t->opt->host, t->opt->port, t->opt->connect_ms,
				      on_connected, t, err, sizeof(err));
	if (!t->connecting) {
		t->failures++;
		schedule_retry(t, "reconnect failed", err);
	}
}

static void on_session_end(void *ctx)
{
	struct tty *t = ctx;
	char why[sizeof(t->reason)];
	int status = session_verdict(t->s, t->leaving, why, sizeof(why));
	/* A close the user asked for (leaving, or a QUIT typed raw) ends the
	 * program; anything else is a connection to get back. */
	if (t->leaving || t->signo || status == 0) {
		t->status = status;
		snprintf(t->reason, sizeof(t->reason), "%s", why);
		loop_stop(t->loop);
		return;
	}
	t->failures = 0;
	schedule_retry(t, "connection lost", why);
}

/* One session for the whole run, started again on each new connection:
 * its net layer's before-sleep hook is registered once, before the
 * screen's, so a notice it causes is written in the same loop pass. */
void tty_link_init(struct tty *t)
{
	struct session_config sc = {t->opt->proto,   t->opt->max_line, t->opt->max_frame,
				    t->opt->tls,     t->opt->host,     t->opt->ca_file,
				    t->opt->insecure};
	t->s = session_create(t->loop, &sc, &session_events, t);
	loop_timer_init(&t->retry, on_retry);
	joinview_init(&t->jv);
}

/* Gives up on reconnecting: the user is leaving. True if that was all
 * there was to do (no connection to close). */
bool tty_link_abandon(struct tty *t)
{
	loop_timer_disarm(t->loop, &t->retry);
	connect_cancel(t->connecting);
	t->connecting = NULL;
	return !session_open(t->s);
}

void tty_link_release(struct tty *t)
{
	tty_link_abandon(t);
	session_destroy(t->s);
	t->s = NULL;
	joinview_release(&t->jv);
}
