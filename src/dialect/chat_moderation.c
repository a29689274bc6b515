/* chat_moderation: KICK, BAN, UNBAN, MUTE, UNMUTE and TOPIC for room
 * operators, OPER, KILL and CLOSE for server operators, and the checks
 * chat applies on joining and speaking. The lists and modes are the hub's,
 * so what an IRC operator sets holds for chat users and the other way
 * round; every member sees the change as a line (chat_render.c). Commands
 * act on the sender's current room. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dialect/chat_private.h"
#include "dialect/cost.h"
#include "dialect/irc_mode.h"
#include "net/conn.h"

/* "name!name@address": chat has no ident, so the name stands in for it. */
static size_t who_of(const struct chat_session *s, char *out, size_t cap)
{
	const struct peer *p = conn_peer(s->conn);
	char ip[INET6_ADDRSTRLEN] = "unknown";
	if (p->family == AF_INET || p->family == AF_INET6)
		inet_ntop(p->family == AF_INET ? AF_INET : AF_INET6, p->addr, ip, sizeof(ip));
	int n = snprintf(out, cap, "%s!%s@%s", hub_user_name(s->user), hub_user_name(s->user), ip);
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

bool chat_banned(const struct chat_session *s, const struct hub_room *room)
{
	if (!hub_room_ban_count(room))
		return false;
	char who[HUB_NAME_MAX * 2 + INET6_ADDRSTRLEN + 4];
	size_t n = who_of(s, who, sizeof(who));
	return hub_room_banned(room, who, n);
}

/* The sender's room if it may moderate it, else NULL after the error. */
static struct hub_room *moderated_room(struct chat_session *s)
{
	struct hub_room *room = chat_room(s->user);
	if (!hub_may_moderate(s->chat->hub, s->user, room)) {
		reply_error(s, ERR_NOT_ROOM_OP);
		return NULL;
	}
	return room;
}

static bool server_oper(struct chat_session *s)
{
	if (hub_user_is_oper(s->chat->hub, s->user))
		return true;
	reply_error(s, ERR_NOT_SERVER_OP);
	return false;
}

void run_kick(struct chat_session *s, const struct chat_command *cmd)
{
	if (cmd->target_len == 0) {
		reply_error(s, ERR_KICK_USAGE);
		return;
	}
	struct hub_room *room = moderated_room(s);
	if (!room)
		return;
	struct hub *hub = s->chat->hub;
	struct hub_user *victim = hub_find_user(hub, cmd->target, cmd->target_len);
	if (!victim || !hub_membership(victim, room)) {
		reply_error(s, ERR_NOT_HERE);
		return;
	}
	const char *reason = cmd->text_len ? cmd->text : hub_user_name(s->user);
	size_t len = cmd->text_len ? cmd->text_len : hub_user_name_len(s->user);
	hub_kick(hub, s->user, room, victim, reason, len);
}

static void list_bans(struct chat_session *s, const struct hub_room *room)
{
	size_t n = hub_room_ban_count(room);
	for (size_t i = 0; i < n; i++) {
		const struct hub_ban *b = hub_room_ban(room, i);
		reply_line(s, "BANNED %s %s %s %llu", hub_room_name(room), b->mask, b->setter,
			   (unsigned long long)(b->time_ms / 1000));
	}
	reply_line(s, "OK Bans %s %zu", hub_room_name(room), n);
}

/* A bare name bans that name from any address; "*!*@10.0.0.*" bans
 * addresses; IRC's normalisation fills in what is left out. */
static size_t mask_arg(struct chat_session *s, const struct chat_command *cmd,
		       char out[IRC_MASK_MAX + 1])
{
	size_t n = cmd->arg_len ? irc_mask_normalise(cmd->arg, cmd->arg_len, out) : 0;
	if (n > 0)
		return n;
	reply_error(s, ERR_BAD_MASK);
	return 0;
}

void run_ban(struct chat_session *s, const struct chat_command *cmd)
{
	struct hub_room *room = chat_room(s->user);
	if (cmd->arg_len == 0) {
		list_bans(s, room);
		return;
	}
	if (!(room = moderated_room(s)))
		return;
	char mask[IRC_MASK_MAX + 1];
	size_t n = mask_arg(s, cmd, mask);
	if (!n)
		return;
	switch (hub_ban_add(s->chat->hub, s->user, room, mask, n)) {
	case HUB_OK:
		break;
	case HUB_BAN_EXISTS:
		reply_error(s, ERR_BAN_EXISTS);
		break;
	case HUB_BAN_FULL:
		reply_error(s, ERR_BAN_FULL);
		break;
	default:
		reply_error(s, ERR_BAD_MASK);
		break;
	}
}

void run_unban(struct chat_session *s, const struct chat_command *cmd)
{
	if (cmd->arg_len == 0) {
		reply_error(s, ERR_BAN_USAGE);
		return;
	}
	struct hub_room *room = moderated_room(s);
	if (!room)
		return;
	char mask[IRC_MASK_MAX + 1];
	size_t n = mask_arg(s, cmd, mask);
	if (n && hub_ban_remove(s->chat->hub, s->user, room, mask, n) != HUB_OK)
		reply_error(s, ERR_BAN_MISSING);
}

static void set_muted(struct chat_session *s, bool muted)
{
	struct hub_room *room = moderated_room(s);
	if (!room)
		return;
	struct hub_room_modes md = *hub_room_modes(room);
	md.flags = muted ? md.flags | HUB_ROOM_MODERATED : md.flags & ~(uint32_t)HUB_ROOM_MODERATED;
	hub_set_modes(s->chat->hub, s->user, room, &md);
}

void run_mute(struct chat_session *s, const struct chat_command *cmd)
{
	(void)cmd;
	set_muted(s, true);
}

void run_unmute(struct chat_session *s, const struct chat_command *cmd)
{
	(void)cmd;
	set_muted(s, false);
}

/* With no text, the topic as it stands: TOPIC <#room> <setter> <text>, or
 * "TOPIC <#room> *" when there is none. */
void run_topic(struct chat_session *s, const struct chat_command *cmd)
{
	struct hub_room *room = chat_room(s->user);
	if (cmd->arg_len == 0) {
		size_t len;
		const char *topic = hub_room_topic(room, &len);
		reply_line(s, "TOPIC %s %s%s%.*s", hub_room_name(room),
			   len ? hub_room_topic_setter(room) : "*", len ? " " : "", (int)len, topic);
		return;
	}
	if ((hub_room_modes(room)->flags & HUB_ROOM_TOPIC_LOCK) &&
	    !hub_may_moderate(s->chat->hub, s->user, room)) {
		reply_error(s, ERR_TOPIC_LOCKED);
		return;
	}
	hub_set_topic(s->chat->hub, s->user, room, cmd->arg, cmd->arg_len);
}

void run_oper(struct chat_session *s, const struct chat_command *cmd)
{
	if (cmd->arg_len == 0) {
		reply_error(s, ERR_OPER_USAGE);
		return;
	}
	if (!hub_oper_password_ok(s->chat->hub, cmd->arg, cmd->arg_len)) {
		conn_charge(s->conn, COST_FAILED_LOGIN);
		reply_error(s, ERR_WRONG_PASSWORD);
		return;
	}
	hub_user_set_oper(s->chat->hub, s->user);
	reply_line(s, "OK Oper");
}

void run_kill(struct chat_session *s, const struct chat_command *cmd)
{
	if (cmd->target_len == 0) {
		reply_error(s, ERR_KILL_USAGE);
		return;
	}
	if (!server_oper(s))
		return;
	struct hub_user *victim = hub_find_user(s->chat->hub, cmd->target, cmd->target_len);
	if (!victim) {
		reply_error(s, ERR_USER_NOT_FOUND);
		return;
	}
	if (!hub_kill(s->chat->hub, s->user, victim, cmd->text, cmd->text_len)) {
		reply_error(s, ERR_USER_NOT_FOUND);
		return;
	}
	if (victim != s->user)
		reply_line(s, "OK Killed %.*s", (int)cmd->target_len, cmd->target);
}

void run_close(struct chat_session *s, const struct chat_command *cmd)
{
	if (cmd->target_len == 0) {
		reply_error(s, ERR_CLOSE_USAGE);
		return;
	}
	if (!server_oper(s))
		return;
	struct hub_room *room = hub_find_room(s->chat->hub, cmd->target, cmd->target_len);
	if (!room) {
		reply_error(s, ERR_NO_SUCH_ROOM);
		return;
	}
	char name[HUB_ROOM_MAX + 1];
	memcpy(name, hub_room_name(room), hub_room_name_len(room) + 1);
	const char *reason = cmd->text_len ? cmd->text : "Room closed";
	hub_close_room(s->chat->hub, s->user, room, reason,
		       cmd->text_len ? cmd->text_len : strlen(reason));
	reply_line(s, "OK Closed %s", name);
}

/* Said once, then the user leaves the hub (others see LEAVE) and the
 * connection closes when the line is out. */
void chat_kill(void *ctx, const char *by, const char *reason, size_t len)
{
	struct chat_session *s = ctx;
	reply_line(s, "ERROR Killed by %s%s%.*s", by, len ? ": " : "", (int)len, reason);
	chat_depart(s, "Killed");
	conn_close_after_flush(s->conn, CONN_CLOSE_KILLED);
}
