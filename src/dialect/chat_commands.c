/* chat_commands: the chat command table and one handler per command. The
 * table does the shared state checks (username set? in a room?) before any
 * handler runs, so handlers only deal with their own arguments. */
#include <string.h>

#include "dialect/cost.h"
#include "dialect/chat_private.h"
#include "net/conn.h"
#include "util/str.h"

struct command_spec {
	bool needs_name; /* else: ERROR Set a username first */
	bool needs_room; /* else: ERROR Not in a room */
	void (*run)(struct chat_session *s, const struct chat_command *cmd);
};

struct hub_room *chat_room(const struct hub_user *user)
{
	const struct hub_member *m = hub_first_membership(user);
	return m ? hub_member_room(m) : NULL;
}

void chat_depart(struct chat_session *s, const char *reason)
{
	if (!s->user)
		return;
	hub_unregister(s->chat->hub, s->user, reason, strlen(reason));
	s->user = NULL;
}

static void run_username(struct chat_session *s, const struct chat_command *cmd)
{
	if (s->user) {
		reply_error(s, ERR_USERNAME_SET);
		return;
	}
	if (!chat_username_valid(cmd->arg, cmd->arg_len)) {
		reply_error(s, ERR_INVALID_USERNAME);
		return;
	}
	struct hub_user *user;
	switch (hub_register(s->chat->hub, cmd->arg, cmd->arg_len, &chat_sink, s, &user)) {
	case HUB_OK:
		s->user = user;
		conn_set_timeout(s->conn, 0);
		reply_welcome(s, hub_user_name(user));
		break;
	case HUB_NAME_TAKEN:
		reply_error(s, ERR_USERNAME_TAKEN);
		break;
	case HUB_NAME_REGISTERED:
		reply_error(s, ERR_NAME_REGISTERED);
		break;
	default:
		reply_error(s, ERR_INVALID_USERNAME);
		break;
	}
}

/* Chat users are in one room at a time: joining another moves them, the
 * old room hearing LEAVE before the new one hears JOIN. */
static void run_join(struct chat_session *s, const struct chat_command *cmd)
{
	struct hub *hub = s->chat->hub;
	if (!hub_room_valid(cmd->arg, cmd->arg_len)) {
		reply_error(s, ERR_INVALID_ROOM);
		return;
	}
	struct hub_room *current = chat_room(s->user);
	if (current && current == hub_find_room(hub, cmd->arg, cmd->arg_len)) {
		reply_already_in(s, hub_room_name(current));
		return;
	}
	struct hub_room *target = hub_find_room(hub, cmd->arg, cmd->arg_len);
	if (target && chat_banned(s, target)) {
		reply_error(s, ERR_BANNED);
		return;
	}
	if (current)
		hub_leave(hub, s->user, current, "", 0);
	if (hub_join(hub, s->user, cmd->arg, cmd->arg_len, NULL) == HUB_OK)
		reply_joined(s, hub);
	else
		reply_error(s, ERR_INVALID_ROOM);
}

static void run_leave(struct chat_session *s, const struct chat_command *cmd)
{
	struct hub_room *room = chat_room(s->user);
	if (cmd->arg_len > 0 && (cmd->arg_len != hub_room_name_len(room) ||
				 ascii_casecmp_n(cmd->arg, hub_room_name(room), cmd->arg_len))) {
		reply_not_in(s, cmd->arg, cmd->arg_len);
		return;
	}
	char name[HUB_ROOM_MAX + 1];
	memcpy(name, hub_room_name(room), hub_room_name_len(room) + 1);
	hub_leave(s->chat->hub, s->user, room, "", 0);
	reply_left(s, name);
}

static void run_say(struct chat_session *s, const struct chat_command *cmd)
{
	if (chat_text_blank(cmd->arg, cmd->arg_len)) {
		reply_error(s, ERR_EMPTY_MESSAGE);
		return;
	}
	struct hub_room *room = chat_room(s->user);
	if (!hub_may_speak(s->chat->hub, s->user, room)) {
		reply_error(s, ERR_ROOM_MUTED);
		return;
	}
	if (chat_banned(s, room) && !hub_may_moderate(s->chat->hub, s->user, room)) {
		reply_error(s, ERR_BANNED);
		return;
	}
	hub_say(s->chat->hub, s->user, room, cmd->arg, cmd->arg_len);
}

static void run_privmsg(struct chat_session *s, const struct chat_command *cmd)
{
	if (chat_text_blank(cmd->text, cmd->text_len)) {
		reply_error(s, ERR_EMPTY_MESSAGE);
		return;
	}
	if (hub_privmsg(s->chat->hub, s->user, cmd->target, cmd->target_len, cmd->text,
			cmd->text_len) != HUB_OK) {
		reply_error(s, ERR_USER_NOT_FOUND);
		return;
	}
	reply_sent(s);
}

static void run_rooms(struct chat_session *s, const struct chat_command *cmd)
{
	(void)cmd;
	reply_roomlist(s, s->chat->hub);
}

static void run_users(struct chat_session *s, const struct chat_command *cmd)
{
	const struct hub *hub = s->chat->hub;
	if (cmd->arg_len == 0) {
		reply_userlist(s, hub, chat_room(s->user));
		return;
	}
	if (!hub_room_valid(cmd->arg, cmd->arg_len)) {
		reply_error(s, ERR_INVALID_ROOM);
		return;
	}
	const struct hub_room *room = hub_find_room(hub, cmd->arg, cmd->arg_len);
	if (!room) {
		reply_error(s, ERR_NO_SUCH_ROOM);
		return;
	}
	reply_userlist(s, hub, room);
}

static void run_quit(struct chat_session *s, const struct chat_command *cmd)
{
	(void)cmd;
	reply_goodbye(s);
	chat_depart(s, "Quit");
	conn_close_after_flush(s->conn, CONN_CLOSE_QUIT);
}

static void run_unknown(struct chat_session *s, const struct chat_command *cmd)
{
	(void)cmd;
	reply_error(s, ERR_UNKNOWN_COMMAND);
}

static const struct command_spec commands[CHAT_NCMDS] = {
	[CHAT_SAY] = {true, true, run_say},
	[CHAT_USERNAME] = {false, false, run_username},
	[CHAT_JOIN] = {true, false, run_join},
	[CHAT_LEAVE] = {true, true, run_leave},
	[CHAT_MSG] = {true, true, run_say},
	[CHAT_PRIVMSG] = {true, false, run_privmsg},
	[CHAT_ROOMS] = {true, false, run_rooms},
	[CHAT_USERS] = {true, false, run_users},
	[CHAT_QUIT] = {false, false, run_quit},
	[CHAT_HISTORY] = {true, false, run_history},
	[CHAT_REGISTER] = {true, false, run_register},
	[CHAT_LOGIN] = {false, false, run_login},
	[CHAT_PASSWORD] = {true, false, run_password},
	[CHAT_KICK] = {true, true, run_kick},
	[CHAT_BAN] = {true, true, run_ban},
	[CHAT_UNBAN] = {true, true, run_unban},
	[CHAT_MUTE] = {true, true, run_mute},
	[CHAT_UNMUTE] = {true, true, run_unmute},
	[CHAT_TOPIC] = {true, true, run_topic},
	[CHAT_OPER] = {true, false, run_oper},
	[CHAT_KILL] = {true, false, run_kill},
	[CHAT_CLOSE] = {true, false, run_close},
	[CHAT_UNKNOWN] = {false, false, run_unknown},
};

void chat_run(struct chat_session *s, const struct chat_command *cmd)
{
	static const char *const costly[CHAT_NCMDS] = {
		[CHAT_ROOMS] = "ROOMS", [CHAT_USERS] = "USERS", [CHAT_HISTORY] = "HISTORY"};
	const struct command_spec *spec = &commands[cmd->cmd];
	if (costly[cmd->cmd])
		conn_charge(s->conn, command_cost(costly[cmd->cmd]));
	if (spec->needs_name && !s->user) {
		reply_error(s, ERR_SET_USERNAME);
		return;
	}
	if (spec->needs_room && !chat_room(s->user)) {
		reply_error(s, ERR_NOT_IN_ROOM);
		return;
	}
	spec->run(s, cmd);
}
