/* chat_private: state shared by chat.c, chat_commands.c and chat_render.c. */
#ifndef PARLEY_DIALECT_CHAT_PRIVATE_H
#define PARLEY_DIALECT_CHAT_PRIVATE_H

#include <stdbool.h>

#include "dialect/chat.h"
#include "dialect/chat_parse.h"
#include "hub/hub.h"

struct chat {
	struct hub *hub;
	struct chat_config cfg;
	int slot;             /* our render-cache slot in hub events */
	size_t replay_budget; /* bytes of history replayed on join */
};

/* Per connection. `user` is NULL until USERNAME succeeds and again after
 * QUIT or EOF; the hub reaches us through chat_sink with the session as ctx. */
struct chat_session {
	struct conn *conn;
	struct chat *chat;
	struct hub_user *user;
	bool discarding; /* line decoder: skipping the rest of an over-long line */
};

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

#endif
