/* chat_private: state shared by chat.c, chat_commands.c and chat_render.c. */
#ifndef PARLEY_DIALECT_CHAT_PRIVATE_H
#define PARLEY_DIALECT_CHAT_PRIVATE_H

#include <stdbool.h>

#include "codec/framed.h"
#include "dialect/chat.h"
#include "dialect/chat_parse.h"
#include "dialect/login_limit.h"
#include "hub/hub.h"
#include "util/buf.h"

struct chat {
	struct hub *hub;
	struct chat_config cfg;
	int slot;             /* our render-cache slot in hub events */
	size_t replay_budget; /* bytes of history replayed on join */
	struct login_limit *logins;
	uint64_t lines_received; /* client lines decoded, for /metrics */
};

/* Per connection. `user` is NULL until USERNAME succeeds and again after
 * QUIT or EOF; the hub reaches us through chat_sink with the session as ctx. */
struct chat_session {
	struct conn *conn;
	struct chat *chat;
	struct hub_user *user;
	struct framed in; /* the line decoder, across reads */
	uint64_t ticket; /* a pending account operation (hub_account_submit), or 0 */
	char login_name[HUB_NAME_MAX + 1]; /* LOGIN's name while its check runs */
	struct login_attempts attempts;
	struct buf held; /* input waiting for that operation to finish */
	bool eof_pending; /* the peer finished sending while it waited */
};

/* Input held while an account operation runs, at most. */
enum { CHAT_HELD_MAX = 1 << 20 };

/* Runs held input once an account operation has answered. */
void chat_resume(struct chat_session *s);

extern const struct hub_sink chat_sink;

/* The one room a chat user is in (chat's rule; the hub allows many), or
 * NULL. */
struct hub_room *chat_room(const struct hub_user *user);

/* ---- chat_commands.c ---- */

/* Runs one parsed command, after the shared state checks. */
void chat_run(struct chat_session *s, const struct chat_command *cmd);

/* Leaves the hub (room members get LEAVE) if registered; `reason` is what
 * users of other protocols are told. */
void chat_depart(struct chat_session *s, const char *reason);

/* ---- chat_account.c: HISTORY, REGISTER, LOGIN, PASSWORD ---- */

void run_history(struct chat_session *s, const struct chat_command *cmd);
void run_register(struct chat_session *s, const struct chat_command *cmd);
void run_login(struct chat_session *s, const struct chat_command *cmd);
void run_password(struct chat_session *s, const struct chat_command *cmd);
/* Forgets a pending account operation (the session is going away). */
void chat_account_cancel(struct chat_session *s);

/* ---- chat_render.c: every text the server sends lives there ---- */

enum chat_error {
	ERR_SET_USERNAME,
	ERR_USERNAME_TAKEN,
	ERR_INVALID_USERNAME,
	ERR_USERNAME_SET,
	ERR_NOT_IN_ROOM,
	ERR_INVALID_ROOM,
	ERR_NO_SUCH_ROOM,
	ERR_USER_NOT_FOUND,
	ERR_EMPTY_MESSAGE,
	ERR_UNKNOWN_COMMAND,
	ERR_LINE_TOO_LONG,
	ERR_INVALID_CHARS,
	ERR_INVALID_UTF8,
	ERR_REGISTER_TIMEOUT,
	ERR_SHUTTING_DOWN,
	ERR_FLOOD,
	ERR_NOT_ROOM_OP,
	ERR_NOT_SERVER_OP,
	ERR_NOT_HERE,
	ERR_ROOM_MUTED,
	ERR_BANNED,
	ERR_BAD_MASK,
	ERR_BAN_EXISTS,
	ERR_BAN_MISSING,
	ERR_BAN_FULL,
	ERR_TOPIC_LOCKED,
	ERR_KICK_USAGE,
	ERR_BAN_USAGE,
	ERR_KILL_USAGE,
	ERR_CLOSE_USAGE,
	ERR_OPER_USAGE,
	ERR_NAME_REGISTERED,
	ERR_HISTORY_USAGE,
	ERR_REGISTER_USAGE,
	ERR_LOGIN_USAGE,
	ERR_PASSWORD_USAGE,
	ERR_LOGIN_FAILED,
	ERR_WRONG_PASSWORD,
	ERR_TOO_MANY_ATTEMPTS,
	ERR_PASSWORD_SHORT,
	ERR_ALREADY_REGISTERED,
	ERR_NOT_LOGGED_IN,
	ERR_ACCOUNTS_OFF,
	ERR_STORAGE,
	ERR_BUSY,
};

void reply_error(struct chat_session *s, enum chat_error e);
void reply_welcome(struct chat_session *s, const char *name);
void reply_sent(struct chat_session *s);
void reply_goodbye(struct chat_session *s);
void reply_left(struct chat_session *s, const char *room);
void reply_already_in(struct chat_session *s, const char *room);
void reply_not_in(struct chat_session *s, const char *room, size_t len);
/* "OK Joined", one JOIN line per member already there, then history. */
void reply_joined(struct chat_session *s, struct hub *hub);
void reply_userlist(struct chat_session *s, const struct hub *hub, const struct hub_room *room);
void reply_roomlist(struct chat_session *s, const struct hub *hub);
/* "HISTORY <room> <msgid> <time> <name> <text>" */
void reply_history_line(struct chat_session *s, const char *room, size_t room_len,
			const struct store_line *line);
/* "OK History <room> <count>" */
void reply_history_done(struct chat_session *s, const char *room, size_t room_len, int count);
void reply_registered(struct chat_session *s, const char *name);
void reply_password_changed(struct chat_session *s);
/* One formatted line (the moderation replies: OK ..., TOPIC ..., BANNED ...). */
void reply_line(struct chat_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- chat_moderation.c ---- */

/* Disconnects the user for a server operator (hub_sink.kill). */
void chat_kill(void *ctx, const char *by, const char *reason, size_t len);
/* True if the session's "name!name@address" matches a ban of `room`. */
bool chat_banned(const struct chat_session *s, const struct hub_room *room);
void run_kick(struct chat_session *s, const struct chat_command *cmd);
void run_ban(struct chat_session *s, const struct chat_command *cmd);
void run_unban(struct chat_session *s, const struct chat_command *cmd);
void run_mute(struct chat_session *s, const struct chat_command *cmd);
void run_unmute(struct chat_session *s, const struct chat_command *cmd);
void run_topic(struct chat_session *s, const struct chat_command *cmd);
void run_oper(struct chat_session *s, const struct chat_command *cmd);
void run_kill(struct chat_session *s, const struct chat_command *cmd);
void run_close(struct chat_session *s, const struct chat_command *cmd);

#endif
