/* chat: a chat connection's life — open, lines in, EOF, timeouts, close.
 * The shared decode loop (codec/framed.h) cuts the input into lines, each
 * checked here and handed to the command table; everything sent back is
 * composed in chat_render.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec/framed.h"
#include "dialect/chat_private.h"
#include "net/conn.h"
#include "util/alloc.h"

struct chat *chat_create(struct hub *hub, const struct chat_config *cfg)
{
	struct chat *chat = xcalloc(1, sizeof(*chat));
	chat->hub = hub;
	chat->cfg = *cfg;
	chat->slot = hub_render_slot(hub);
	if (chat->slot < 0)
		abort(); /* more dialects than HUB_RENDER_SLOTS: a build-time mistake */
	chat->replay_budget = cfg->sendq ? cfg->sendq / 2 : SIZE_MAX;
	chat->logins = login_limit_create();
	return chat;
}

void chat_destroy(struct chat *chat)
{
	if (chat)
		login_limit_destroy(chat->logins);
	free(chat);
}

uint64_t chat_lines_received(const struct chat *chat)
{
	return chat->lines_received;
}

static void chat_open(struct conn *c, void *data)
{
	struct chat *chat = data;
	struct chat_session *s = xcalloc(1, sizeof(*s));
	s->conn = c;
	s->chat = chat;
	framed_init_lines(&s->in, chat->cfg.max_line, LINE_STRIP);
	conn_set_session(c, s);
	if (chat->cfg.register_timeout_ms)
		conn_set_timeout(c, chat->cfg.register_timeout_ms);
}

static void handle_line(struct chat_session *s, const char *line, size_t len)
{
	if (len == 0)
		return;
	switch (chat_check_text(line, len)) {
	case CHAT_TEXT_BAD_CHARS:
		reply_error(s, ERR_INVALID_CHARS);
		return;
	case CHAT_TEXT_BAD_UTF8:
		reply_error(s, ERR_INVALID_UTF8);
		return;
	case CHAT_TEXT_OK:
		break;
	}
	struct chat_command cmd;
	chat_parse(line, len, &cmd);
	chat_run(s, &cmd);
}

static bool chat_proceed(void *ctx)
{
	struct chat_session *s = ctx;
	return !conn_closing(s->conn) && !s->ticket;
}

static void chat_unit(void *ctx, const struct codec_unit *u, const char *raw)
{
	(void)raw;
	struct chat_session *s = ctx;
	s->chat->lines_received++;
	handle_line(s, u->data, u->len);
}

static void chat_oversize(void *ctx, size_t announced)
{
	(void)announced;
	reply_error(ctx, ERR_LINE_TOO_LONG);
}

static const struct framed_ops chat_framing = {
	.proceed = chat_proceed,
	.on_unit = chat_unit,
	.on_oversize = chat_oversize,
};

/* Decodes and runs whole lines from `data` until an account command
 * starts waiting for its answer; returns the bytes used. */
static size_t run_lines(struct chat_session *s, const char *data, size_t len)
{
	return framed_decode(&s->in, data, len, &chat_framing, s);
}

/* While LOGIN, REGISTER or PASSWORD waits for the password check, later
 * lines wait too, in the session's own buffer (the connection re-offers
 * unread bytes only after its next read), so a client may pipeline
 * "LOGIN ...", "JOIN ..." and see them answered in order. */
static size_t chat_data(struct conn *c, const char *data, size_t len)
{
	struct chat_session *s = conn_session(c);
	if (s->ticket || buf_len(&s->held)) {
		size_t room = CHAT_HELD_MAX - buf_len(&s->held);
		size_t take = len < room ? len : room;
		buf_append(&s->held, data, take);
		if (!s->ticket)
			chat_resume(s);
		return conn_closing(c) ? len : take;
	}
	size_t off = run_lines(s, data, len);
	if (s->ticket && off < len && !conn_closing(c)) {
		size_t take = len - off < CHAT_HELD_MAX ? len - off : CHAT_HELD_MAX;
		buf_append(&s->held, data + off, take);
		off += take;
	}
	return conn_closing(c) ? len : off;
}

void chat_resume(struct chat_session *s)
{
	while (buf_len(&s->held) && !s->ticket && !conn_closing(s->conn)) {
		size_t used = run_lines(s, buf_head(&s->held), buf_len(&s->held));
		buf_consume(&s->held, used);
		if (used == 0)
			break; /* an unfinished line: wait for the rest */
	}
	if (!buf_len(&s->held))
		buf_release(&s->held);
	if (s->eof_pending && !s->ticket && !conn_closing(s->conn)) {
		chat_depart(s, "Connection closed");
		conn_close_after_flush(s->conn, CONN_CLOSE_EOF);
	}
}

/* The peer stopped sending: it leaves the hub now, but still gets every
 * reply already queued (clients like `nc -q` half-close and keep reading). */
static void chat_eof(struct conn *c)
{
	struct chat_session *s = conn_session(c);
	if (s->ticket) {
		s->eof_pending = true; /* the held lines run first */
		return;
	}
	chat_depart(s, "Connection closed");
	conn_close_after_flush(c, CONN_CLOSE_EOF);
}

static void chat_timeout(struct conn *c)
{
	struct chat_session *s = conn_session(c);
	if (s->user)
		return;
	reply_error(s, ERR_REGISTER_TIMEOUT);
	conn_close_after_flush(c, CONN_CLOSE_REGISTER_TIMEOUT);
}

static void chat_shutdown(struct conn *c)
{
	reply_error(conn_session(c), ERR_SHUTTING_DOWN);
}

static void chat_describe(const struct conn *c, char *out, size_t outlen)
{
	const struct chat_session *s = conn_session(c);
	if (!s->user) {
		snprintf(out, outlen, "  proto=chat");
		return;
	}
	const struct hub_room *room = chat_room(s->user);
	snprintf(out, outlen, "  proto=chat  user=%s%s%s", hub_user_name(s->user),
		 room ? "  room=" : "", room ? hub_room_name(room) : "");
}

static void chat_flood(struct conn *c)
{
	reply_error(conn_session(c), ERR_FLOOD);
}

static void chat_close(struct conn *c)
{
	struct chat_session *s = conn_session(c);
	enum conn_close_reason reason = conn_close_reason(c);
	chat_account_cancel(s);
	buf_release(&s->held);
	chat_depart(s, reason != CONN_CLOSE_NONE ? conn_close_reason_name(reason)
						 : "Connection closed");
	free(s);
}

const struct conn_handler chat_handler = {
	.on_open = chat_open,
	.on_data = chat_data,
	.on_eof = chat_eof,
	.on_timeout = chat_timeout,
	.on_shutdown = chat_shutdown,
	.describe = chat_describe,
	.on_flood = chat_flood,
	.on_close = chat_close,
};
