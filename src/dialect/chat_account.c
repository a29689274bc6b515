/* chat_account: the chat commands that reach the store — HISTORY, and the
 * account commands REGISTER, LOGIN and PASSWORD. Password checks run off
 * the loop (hub_account_submit); a session has at most one in flight, and
 * its reply comes when the result does. Passwords are never echoed or
 * logged; a wrong password and an unknown account get the same reply. */
#include <string.h>

#include "dialect/cost.h"
#include "dialect/chat_private.h"
#include "loop/loop.h"
#include "net/conn.h"

/* ---- HISTORY ---- */

struct history_reply {
	struct chat_session *s;
	const char *room;
	size_t room_len;
};

static void send_history_line(void *ctx, const struct store_line *line)
{
	const struct history_reply *r = ctx;
	reply_history_line(r->s, r->room, r->room_len, line);
}

/* The most lines one reply may hold: STORE_HISTORY_MAX, and never more
 * than the longest lines fitting in half the send queue (the reply must
 * not make its own reader a slow consumer). */
static size_t history_max(const struct chat *chat)
{
	size_t fit = chat->replay_budget / chat_largest_line(chat->cfg.max_line);
	size_t max = fit < STORE_HISTORY_MAX ? fit : STORE_HISTORY_MAX;
	return max ? max : 1;
}

void run_history(struct chat_session *s, const struct chat_command *cmd)
{
	struct chat_history_args args;
	if (!chat_parse_history(cmd->arg, cmd->arg_len, history_max(s->chat), &args)) {
		reply_error(s, ERR_HISTORY_USAGE);
		return;
	}
	if (!hub_room_valid(args.room, args.room_len)) {
		reply_error(s, ERR_INVALID_ROOM);
		return;
	}
	struct store_query q = {
		.anchor = args.before ? STORE_BEFORE : STORE_LATEST,
		.a = {.by_time = false, .value = args.before},
		.limit = args.count,
	};
	/* Replies name the room as it was created when it is live. */
	const struct hub_room *live = hub_find_room(s->chat->hub, args.room, args.room_len);
	struct history_reply r = {
		s,
		live ? hub_room_name(live) : args.room,
		live ? hub_room_name_len(live) : args.room_len,
	};
	int n = hub_history(s->chat->hub, args.room, args.room_len, &q, send_history_line, &r);
	if (n < 0)
		reply_error(s, ERR_NO_SUCH_ROOM);
	else
		reply_history_done(s, r.room, r.room_len, n);
}

/* ---- accounts ---- */

static uint64_t now_ms(const struct chat_session *s)
{
	return s->chat->cfg.loop ? loop_now_ms(s->chat->cfg.loop) : 0;
}

/* Shared entry checks; false when a reply has been sent. */
static bool account_ready(struct chat_session *s)
{
	if (!hub_accounts_enabled(s->chat->hub)) {
		reply_error(s, ERR_ACCOUNTS_OFF);
		return false;
	}
	/* Held input keeps a client's own lines from getting here while a
	 * request runs; this guards any other way in. */
	if (s->ticket) {
		reply_error(s, ERR_BUSY);
		return false;
	}
	return true;
}

static bool attempt_allowed(struct chat_session *s)
{
	if (login_limit_allowed(s->chat->logins, &s->attempts, conn_peer(s->conn), now_ms(s)))
		return true;
	reply_error(s, ERR_TOO_MANY_ATTEMPTS);
	return false;
}

static void failed_attempt(struct chat_session *s)
{
	login_limit_failed(s->chat->logins, &s->attempts, conn_peer(s->conn), now_ms(s));
	conn_charge(s->conn, COST_FAILED_LOGIN);
}

static void submit(struct chat_session *s, enum store_account_op op, const char *name,
		   size_t name_len, const char *pw, size_t pw_len, const char *new_pw,
		   size_t new_len, store_account_fn *done)
{
	struct store_account_request req = {
		.op = op,
		.name = name,
		.name_len = name_len,
		.password = pw,
		.password_len = pw_len,
		.new_password = new_pw,
		.new_password_len = new_len,
		.done = done,
		.ctx = s,
	};
	s->ticket = hub_account_submit(s->chat->hub, &req);
}

void chat_account_cancel(struct chat_session *s)
{
	hub_account_cancel(s->chat->hub, s->ticket);
	s->ticket = 0;
}

static bool password_ok(struct chat_session *s, size_t len)
{
	if (len > STORE_PASSWORD_MAX) {
		reply_error(s, ERR_LINE_TOO_LONG);
		return false;
	}
	if (len < s->chat->cfg.min_password) {
		reply_error(s, ERR_PASSWORD_SHORT);
		return false;
	}
	return true;
}

/* REGISTER <password>: the current name becomes an account. */
static void register_answer(struct chat_session *s, enum store_account_result result);
static void login_answer(struct chat_session *s, enum store_account_result result);
static void password_answer(struct chat_session *s, enum store_account_result result);

/* Every answer: reply, then run the input that waited for it. */
static void register_done(void *ctx, enum store_account_result result)
{
	struct chat_session *s = ctx;
	s->ticket = 0;
	register_answer(s, result);
	chat_resume(s);
}

static void login_done(void *ctx, enum store_account_result result)
{
	struct chat_session *s = ctx;
	s->ticket = 0;
	login_answer(s, result);
	chat_resume(s);
}

static void password_done(void *ctx, enum store_account_result result)
{
	struct chat_session *s = ctx;
	s->ticket = 0;
	password_answer(s, result);
	chat_resume(s);
}

static void register_answer(struct chat_session *s, enum store_account_result result)
{
	if (conn_closing(s->conn) || !s->user)
		return;
	switch (result) {
	case STORE_ACCOUNT_OK:
		hub_user_set_logged_in(s->chat->hub, s->user);
		reply_registered(s, hub_user_name(s->user));
		break;
	case STORE_ACCOUNT_EXISTS:
		reply_error(s, ERR_ALREADY_REGISTERED);
		break;
	default:
		reply_error(s, ERR_STORAGE);
		break;
	}
}

void run_register(struct chat_session *s, const struct chat_command *cmd)
{
	if (!account_ready(s))
		return;
	if (cmd->arg_len == 0) {
		reply_error(s, ERR_REGISTER_USAGE);
		return;
	}
	if (hub_user_logged_in(s->user)) {
		reply_error(s, ERR_ALREADY_REGISTERED);
		return;
	}
	if (!password_ok(s, cmd->arg_len))
		return;
	const char *name = hub_user_name(s->user);
	submit(s, STORE_ACCOUNT_CREATE, name, strlen(name), cmd->arg, cmd->arg_len, NULL, 0,
	       register_done);
}

/* LOGIN <name> <password>: USERNAME for an owned name. The name travels
 * with the session until the answer comes. */
static void login_answer(struct chat_session *s, enum store_account_result result)
{
	if (conn_closing(s->conn))
		return;
	if (result == STORE_ACCOUNT_ERROR) {
		reply_error(s, ERR_STORAGE);
		return;
	}
	if (result != STORE_ACCOUNT_OK) {
		failed_attempt(s);
		reply_error(s, ERR_LOGIN_FAILED);
		return;
	}
	login_limit_succeeded(&s->attempts);
	if (s->user) {
		reply_error(s, ERR_USERNAME_SET);
		return;
	}
	struct hub_user *user;
	switch (hub_register_account(s->chat->hub, s->login_name, strlen(s->login_name),
				     &chat_sink, s, &user)) {
	case HUB_OK:
		s->user = user;
		conn_set_timeout(s->conn, 0);
		reply_welcome(s, hub_user_name(user));
		break;
	case HUB_NAME_TAKEN:
		reply_error(s, ERR_USERNAME_TAKEN);
		break;
	default:
		reply_error(s, ERR_INVALID_USERNAME);
		break;
	}
}

void run_login(struct chat_session *s, const struct chat_command *cmd)
{
	if (s->user) {
		reply_error(s, ERR_USERNAME_SET);
		return;
	}
	if (!account_ready(s))
		return;
	const char *name, *pw;
	size_t name_len, pw_len;
	if (!chat_split_two(cmd->arg, cmd->arg_len, &name, &name_len, &pw, &pw_len)) {
		reply_error(s, ERR_LOGIN_USAGE);
		return;
	}
	if (!chat_username_valid(name, name_len)) {
		reply_error(s, ERR_INVALID_USERNAME);
		return;
	}
	if (pw_len > STORE_PASSWORD_MAX) {
		reply_error(s, ERR_LOGIN_FAILED);
		return;
	}
	if (!attempt_allowed(s))
		return;
	memcpy(s->login_name, name, name_len);
	s->login_name[name_len] = '\0';
	submit(s, STORE_ACCOUNT_VERIFY, name, name_len, pw, pw_len, NULL, 0, login_done);
}

/* PASSWORD <old> <new>: only for the account one is logged in to. */
static void password_answer(struct chat_session *s, enum store_account_result result)
{
	if (conn_closing(s->conn))
		return;
	if (result == STORE_ACCOUNT_OK) {
		login_limit_succeeded(&s->attempts);
		reply_password_changed(s);
	} else if (result == STORE_ACCOUNT_DENIED) {
		failed_attempt(s);
		reply_error(s, ERR_WRONG_PASSWORD);
	} else {
		reply_error(s, ERR_STORAGE);
	}
}

void run_password(struct chat_session *s, const struct chat_command *cmd)
{
	if (!account_ready(s))
		return;
	const char *old, *new_pw;
	size_t old_len, new_len;
	if (!chat_split_two(cmd->arg, cmd->arg_len, &old, &old_len, &new_pw, &new_len)) {
		reply_error(s, ERR_PASSWORD_USAGE);
		return;
	}
	if (!hub_user_logged_in(s->user)) {
		reply_error(s, ERR_NOT_LOGGED_IN);
		return;
	}
	if (!password_ok(s, new_len) || !attempt_allowed(s))
		return;
	const char *name = hub_user_name(s->user);
	submit(s, STORE_ACCOUNT_CHANGE, name, strlen(name), old, old_len, new_pw, new_len,
	       password_done);
}
