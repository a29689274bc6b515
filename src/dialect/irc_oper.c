/* irc_oper: server operators over IRC — OPER with the --oper-password
 * (accounts named by --oper are operators once logged in, without it),
 * KILL and WALLOPS — and how an IRC user is disconnected when anyone's KILL (chat,
 * IRC or the console) names it. */
#include <stdio.h>

#include "dialect/cost.h"
#include "dialect/irc_private.h"
#include "net/conn.h"

#define P(sl) (int)(sl).len, (sl).p

void irc_cmd_oper(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 2) {
		irc_numeric(s, "461", "OPER :Not enough parameters");
		return;
	}
	struct hub *hub = s->irc->hub;
	if (!hub_oper_password_ok(hub, m->params[1].p, m->params[1].len)) {
		conn_charge(s->conn, COST_FAILED_LOGIN);
		irc_numeric(s, "464", ":Password incorrect");
		return;
	}
	bool already = hub_user_is_oper(s->irc->hub, s->user);
	hub_user_set_oper(hub, s->user);
	irc_numeric(s, "381", ":You are now an IRC operator");
	if (!already) /* user mode +o, as servers announce it */
		irc_user_line(s, s->user, "MODE %s +o", hub_user_name(s->user));
}

void irc_cmd_kill(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "461", "KILL :Not enough parameters");
		return;
	}
	struct hub *hub = s->irc->hub;
	if (!hub_user_is_oper(hub, s->user)) {
		irc_numeric(s, "481", ":Permission Denied- You're not an IRC operator");
		return;
	}
	struct hub_user *victim = hub_find_user(hub, m->params[0].p, m->params[0].len);
	struct irc_slice reason = m->nparams > 1 ? m->params[1] : (struct irc_slice){"", 0};
	if (!victim || !hub_kill(hub, s->user, victim, reason.p, reason.len))
		irc_numeric(s, "401", "%.*s :No such nick/channel", P(m->params[0]));
}

/* To every IRC user with user mode +w (the sender too if it has it).
 * Walks all users: rare, and only operators may send it. */
void irc_cmd_wallops(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "461", "WALLOPS :Not enough parameters");
		return;
	}
	struct hub *hub = s->irc->hub;
	if (!hub_user_is_oper(hub, s->user)) {
		irc_numeric(s, "481", ":Permission Denied- You're not an IRC operator");
		return;
	}
	struct irc_slice text = m->params[0];
	for (struct hub_user *u = hub_first_user(hub); u; u = hub_next_user(hub, u)) {
		struct irc_session *o = irc_session_of(u);
		if (o && o->wallops)
			irc_user_line(o, s->user, "WALLOPS :%.*s", P(text));
	}
}

/* Others see QUIT "Killed (by (reason))", as IRC servers word it. */
void irc_kill(void *ctx, const char *by, const char *reason, size_t len)
{
	struct irc_session *s = ctx;
	char why[IRC_REAL_MAX * 2];
	int n = snprintf(why, sizeof(why), "Killed (%s (%.*s))", by, (int)len, reason);
	size_t wlen = (size_t)n < sizeof(why) ? (size_t)n : sizeof(why) - 1;
	char host[IRC_HOST_MAX + 1];
	irc_raw_line(s, "ERROR :Closing Link: %s (%.*s)", irc_session_host(s, host), (int)wlen,
		     why);
	irc_quit(s, why, wlen);
	conn_close_after_flush(s->conn, CONN_CLOSE_KILLED);
}
