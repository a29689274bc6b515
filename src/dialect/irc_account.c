/* irc_account: accounts for IRC clients — SASL PLAIN (AUTHENTICATE),
 * draft/account-registration (REGISTER, VERIFY), the NickServ pseudo-user
 * (REGISTER, IDENTIFY) for clients without SASL, and account-notify.
 * Passwords are checked off the loop through hub_account_submit(); a
 * session has at most one check in flight, and registration waits for it.
 * A wrong password and an unknown account get the same reply; failures
 * are rate-limited per connection and per address (login_limit). */
#include <stdlib.h>
#include <string.h>

#include "dialect/cost.h"
#include "dialect/irc_private.h"
#include "net/conn.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/str.h"

enum pending_kind { PENDING_NONE, PENDING_SASL, PENDING_REGISTER, PENDING_NS_REGISTER,
		    PENDING_NS_IDENTIFY };

static const char nickserv[] = "NickServ";

static struct irc_auth *auth_of(struct irc_session *s)
{
	if (!s->auth)
		s->auth = xcalloc(1, sizeof(*s->auth));
	return s->auth;
}

bool irc_is_nickserv(struct irc_slice target)
{
	return str_equals_nocase(target.p, target.len, nickserv);
}

const char *irc_account_of(const struct hub_user *u)
{
	const struct irc_session *s = u ? irc_session_of(u) : NULL;
	if (s)
		return irc_session_account(s)[0] ? irc_session_account(s) : NULL;
	return u && hub_user_logged_in(u) ? hub_user_name(u) : NULL;
}

static bool same_name(const char *a, const char *b, size_t blen)
{
	return str_equals_nocase(b, blen, a);
}

/* ---- account-notify and the numerics that go with logging in ---- */

static void notify_one(struct irc_session *t, const struct hub_user *u, const char *account)
{
	if (t->mark == t->irc->notify_mark || !HAS_CAP(t, CAP_ACCOUNT_NOTIFY))
		return;
	t->mark = t->irc->notify_mark;
	irc_user_line(t, u, "ACCOUNT %s", account);
}

/* ACCOUNT to the user and every IRC user sharing a room with it, once. */
static void account_changed(struct irc_session *s)
{
	struct irc *irc = s->irc;
	irc->notify_mark++;
	const char *account = irc_session_account(s)[0] ? irc_session_account(s) : "*";
	notify_one(s, s->user, account);
	for (struct hub_member *m = hub_first_membership(s->user); m;
	     m = hub_next_membership(m))
		for (struct hub_member *o = hub_first_member(hub_member_room(m)); o;
		     o = hub_next_member(o)) {
			struct irc_session *t = irc_session_of(hub_member_user(o));
			if (t)
				notify_one(t, s->user, account);
		}
}

static void logged_in(struct irc_session *s, const char *account)
{
	char mask[IRC_MASK_OUT_MAX];
	size_t n = strlen(account);
	memcpy(auth_of(s)->account, account, n + 1);
	login_limit_succeeded(&auth_of(s)->attempts);
	irc_numeric(s, "900", "%s %s :You are now logged in as %s", irc_session_mask(s, mask),
		    account, account);
	if (s->user)
		account_changed(s);
}

/* ---- password checks ---- */

static bool attempt_allowed(struct irc_session *s)
{
	return login_limit_allowed(s->irc->logins, &auth_of(s)->attempts, conn_peer(s->conn),
				   clock_mono_ms());
}

static void attempt_failed(struct irc_session *s)
{
	login_limit_failed(s->irc->logins, &auth_of(s)->attempts, conn_peer(s->conn), clock_mono_ms());
	conn_charge(s->conn, COST_FAILED_LOGIN);
}

static void check_done(void *ctx, enum store_account_result result);

static void submit(struct irc_session *s, enum pending_kind kind, enum store_account_op op,
		   const char *name, size_t name_len, const char *pw, size_t pw_len)
{
	memcpy(auth_of(s)->pending_name, name, name_len);
	auth_of(s)->pending_name[name_len] = '\0';
	auth_of(s)->pending = kind;
	struct store_account_request req = {
		.op = op,
		.name = name,
		.name_len = name_len,
		.password = pw,
		.password_len = pw_len,
		.done = check_done,
		.ctx = s,
	};
	auth_of(s)->ticket = hub_account_submit(s->irc->hub, &req);
}

void irc_account_forget(struct irc_session *s)
{
	if (!s->auth)
		return;
	if (s->auth->ticket)
		hub_account_cancel(s->irc->hub, s->auth->ticket);
	free(s->auth->sasl);
	free(s->auth);
	s->auth = NULL;
}

const char *irc_session_account(const struct irc_session *s)
{
	return s->auth ? s->auth->account : "";
}

bool irc_account_busy(const struct irc_session *s)
{
	return s->auth && s->auth->ticket;
}

static void ns_notice(struct irc_session *s, const char *text)
{
	irc_raw_line(s, ":%s!%s@%s NOTICE %s :%s", nickserv, nickserv, s->irc->server_name,
		     irc_me(s), text);
}

static void sasl_answer(struct irc_session *s, enum store_account_result r)
{
	if (r == STORE_ACCOUNT_OK) {
		logged_in(s, auth_of(s)->pending_name);
		if (s->user && same_name(auth_of(s)->pending_name, hub_user_name(s->user),
					 hub_user_name_len(s->user)))
			hub_user_set_logged_in(s->irc->hub, s->user);
		irc_numeric(s, "903", ":SASL authentication successful");
		return;
	}
	if (r == STORE_ACCOUNT_DENIED)
		attempt_failed(s);
	irc_numeric(s, "904", ":SASL authentication failed");
}

static void register_answer(struct irc_session *s, enum store_account_result r)
{
	const char *name = auth_of(s)->pending_name;
	if (r == STORE_ACCOUNT_OK) {
		hub_user_set_logged_in(s->irc->hub, s->user);
		irc_server_line(s, "REGISTER SUCCESS %s :Account created", name);
		logged_in(s, name);
	} else if (r == STORE_ACCOUNT_EXISTS) {
		irc_server_line(s, "FAIL REGISTER ACCOUNT_EXISTS %s :Account already exists",
				name);
	} else {
		irc_server_line(s, "FAIL REGISTER TEMPORARILY_UNAVAILABLE %s :Try again later",
				name);
	}
}

static void ns_register_answer(struct irc_session *s, enum store_account_result r)
{
	if (r == STORE_ACCOUNT_OK) {
		hub_user_set_logged_in(s->irc->hub, s->user);
		ns_notice(s, "Your nickname is now registered and you are logged in.");
		logged_in(s, auth_of(s)->pending_name);
	} else if (r == STORE_ACCOUNT_EXISTS) {
		ns_notice(s, "This nickname is already registered.");
	} else {
		ns_notice(s, "Registration failed; try again later.");
	}
}

static void ns_identify_answer(struct irc_session *s, enum store_account_result r)
{
	if (r != STORE_ACCOUNT_OK) {
		if (r == STORE_ACCOUNT_DENIED)
			attempt_failed(s);
		ns_notice(s, "Invalid account name or password.");
		return;
	}
	const char *name = auth_of(s)->pending_name;
	size_t len = strlen(name);
	if (same_name(name, hub_user_name(s->user), hub_user_name_len(s->user))) {
		hub_user_set_logged_in(s->irc->hub, s->user);
	} else if (hub_rename_account(s->irc->hub, s->user, name, len) != HUB_OK) {
		ns_notice(s, "That nickname is in use by someone else; try again later.");
		return;
	}
	ns_notice(s, "You are now identified.");
	logged_in(s, name);
}

static void check_done(void *ctx, enum store_account_result result)
{
	struct irc_session *s = ctx;
	enum pending_kind kind = auth_of(s)->pending;
	auth_of(s)->ticket = 0;
	auth_of(s)->pending = PENDING_NONE;
	if (conn_closing(s->conn))
		return;
	if (kind == PENDING_SASL) {
		sasl_answer(s, result);
		irc_try_register(s); /* CAP END may have come while we checked */
		return;
	}
	if (!s->user)
		return;
	if (kind == PENDING_REGISTER)
		register_answer(s, result);
	else if (kind == PENDING_NS_REGISTER)
		ns_register_answer(s, result);
	else if (kind == PENDING_NS_IDENTIFY)
		ns_identify_answer(s, result);
}

/* ---- AUTHENTICATE ---- */

static void sasl_end(struct irc_session *s)
{
	free(auth_of(s)->sasl);
	auth_of(s)->sasl = NULL;
}

static void sasl_fail(struct irc_session *s, const char *num, const char *text)
{
	sasl_end(s);
	irc_numeric(s, num, ":%s", text);
}

static void sasl_payload(struct irc_session *s)
{
	char raw[IRC_SASL_MAX];
	size_t len;
	struct irc_sasl_plain plain;
	bool ok = irc_base64_decode(auth_of(s)->sasl->data, auth_of(s)->sasl->len, raw, sizeof(raw), &len) &&
		  irc_sasl_plain_split(raw, len, &plain);
	sasl_end(s);
	/* A payload that does not decode guesses no password: it fails at
	 * once but does not make the next try wait (the SASL spec lets a
	 * client retry after 904). */
	if (!ok) {
		irc_numeric(s, "904", ":SASL authentication failed");
		return;
	}
	if (!irc_nick_ok(plain.authcid, plain.authcid_len) ||
	    plain.password_len > STORE_PASSWORD_MAX) {
		attempt_failed(s);
		irc_numeric(s, "904", ":SASL authentication failed");
		return;
	}
	if (!attempt_allowed(s)) {
		irc_numeric(s, "904", ":SASL authentication failed: too many attempts, wait");
		return;
	}
	submit(s, PENDING_SASL, STORE_ACCOUNT_VERIFY, plain.authcid, plain.authcid_len,
	       plain.password, plain.password_len);
	explicit_bzero(raw, sizeof(raw));
}

void irc_cmd_authenticate(struct irc_session *s, const struct irc_msg *m)
{
	if (!HAS_CAP(s, CAP_SASL)) {
		irc_numeric(s, "904", ":SASL authentication failed");
		return;
	}
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "461", "AUTHENTICATE :Not enough parameters");
		return;
	}
	struct irc_slice arg = m->params[0];
	if (auth_of(s)->sasl && arg.len == 1 && arg.p[0] == '*') {
		sasl_fail(s, "906", "SASL authentication aborted");
		return;
	}
	if (auth_of(s)->sasl) {
		switch (irc_sasl_feed(auth_of(s)->sasl, arg.p, arg.len)) {
		case IRC_SASL_MORE:
			return;
		case IRC_SASL_TOO_LONG:
			sasl_fail(s, "905", "SASL message too long");
			return;
		case IRC_SASL_OVERFLOW: /* 905 names one line over 400 bytes */
			sasl_fail(s, "904", "SASL authentication failed");
			return;
		case IRC_SASL_DONE:
			sasl_payload(s);
			return;
		}
	}
	if (irc_session_account(s)[0]) {
		irc_numeric(s, "907", ":You have already authenticated using SASL");
		return;
	}
	if (auth_of(s)->ticket) {
		irc_numeric(s, "904", ":SASL authentication failed: a check is running");
		return;
	}
	if (!str_equals_nocase(arg.p, arg.len, "PLAIN")) {
		irc_numeric(s, "908", "PLAIN :are available SASL mechanisms");
		irc_numeric(s, "904", ":SASL authentication failed");
		return;
	}
	auth_of(s)->sasl = xcalloc(1, sizeof(*auth_of(s)->sasl));
	irc_raw_line(s, "AUTHENTICATE +");
}

/* ---- draft/account-registration ---- */

void irc_cmd_register(struct irc_session *s, const struct irc_msg *m)
{
	if (!hub_accounts_enabled(s->irc->hub)) {
		irc_numeric(s, "421", "REGISTER :Unknown command");
		return;
	}
	struct irc_slice acct = m->nparams ? m->params[0] : (struct irc_slice){"*", 1};
	int al = (int)(acct.len > HUB_NAME_MAX ? HUB_NAME_MAX : acct.len);
	if (!s->user) {
		irc_server_line(s, "FAIL REGISTER COMPLETE_CONNECTION_REQUIRED %.*s :Register "
				"after connecting", al, acct.p);
		return;
	}
	if (m->nparams < 3) {
		irc_server_line(s, "FAIL REGISTER INVALID_PARAMS %.*s :Usage: REGISTER <account> "
				"<email> <password>", al, acct.p);
		return;
	}
	const char *nick = hub_user_name(s->user);
	bool is_star = acct.len == 1 && acct.p[0] == '*';
	if (!is_star && !same_name(nick, acct.p, acct.len)) {
		irc_server_line(s, "FAIL REGISTER ACCOUNT_NAME_MUST_BE_NICK %.*s :Register your "
				"current nick", al, acct.p);
		return;
	}
	if (irc_session_account(s)[0] || hub_user_logged_in(s->user)) {
		irc_server_line(s, "FAIL REGISTER ALREADY_AUTHENTICATED %s :You are logged in",
				nick);
		return;
	}
	struct irc_slice pw = m->params[2];
	if (pw.len < s->irc->min_password || pw.len > STORE_PASSWORD_MAX) {
		irc_server_line(s, "FAIL REGISTER WEAK_PASSWORD %s :Use %zu to %d bytes", nick,
				s->irc->min_password, STORE_PASSWORD_MAX);
		return;
	}
	if (auth_of(s)->ticket) {
		irc_server_line(s, "FAIL REGISTER TEMPORARILY_UNAVAILABLE %s :A check is "
				"running", nick);
		return;
	}
	submit(s, PENDING_REGISTER, STORE_ACCOUNT_CREATE, nick, strlen(nick), pw.p, pw.len);
}

void irc_cmd_verify(struct irc_session *s, const struct irc_msg *m)
{
	if (!hub_accounts_enabled(s->irc->hub)) {
		irc_numeric(s, "421", "VERIFY :Unknown command");
		return;
	}
	struct irc_slice acct = m->nparams ? m->params[0] : (struct irc_slice){"*", 1};
	int al = (int)(acct.len > HUB_NAME_MAX ? HUB_NAME_MAX : acct.len);
	irc_server_line(s, "FAIL VERIFY INVALID_CODE %.*s :No verification is pending "
			"(accounts need none here)", al, acct.p);
}

/* ---- NickServ ---- */

/* Next space-separated word of text[*pos..len). */
static bool next_word(struct irc_slice text, size_t *pos, struct irc_slice *out)
{
	size_t i = *pos;
	while (i < text.len && text.p[i] == ' ')
		i++;
	size_t start = i;
	while (i < text.len && text.p[i] != ' ')
		i++;
	*pos = i;
	*out = (struct irc_slice){text.p + start, i - start};
	return i > start;
}

static void ns_register(struct irc_session *s, struct irc_slice pw)
{
	if (irc_session_account(s)[0] || hub_user_logged_in(s->user)) {
		ns_notice(s, "You are already logged in.");
		return;
	}
	if (pw.len < s->irc->min_password || pw.len > STORE_PASSWORD_MAX) {
		ns_notice(s, "That password is too short (or too long).");
		return;
	}
	const char *nick = hub_user_name(s->user);
	submit(s, PENDING_NS_REGISTER, STORE_ACCOUNT_CREATE, nick, strlen(nick), pw.p, pw.len);
}

static void ns_identify(struct irc_session *s, struct irc_slice a, struct irc_slice b)
{
	struct irc_slice name = b.len ? a : (struct irc_slice){hub_user_name(s->user),
								hub_user_name_len(s->user)};
	struct irc_slice pw = b.len ? b : a;
	if (irc_session_account(s)[0]) {
		ns_notice(s, "You are already logged in.");
		return;
	}
	if (!irc_nick_ok(name.p, name.len) || pw.len > STORE_PASSWORD_MAX) {
		ns_notice(s, "Invalid account name or password.");
		return;
	}
	if (!attempt_allowed(s)) {
		ns_notice(s, "Too many failed attempts; wait before trying again.");
		return;
	}
	submit(s, PENDING_NS_IDENTIFY, STORE_ACCOUNT_VERIFY, name.p, name.len, pw.p, pw.len);
}

void irc_nickserv(struct irc_session *s, struct irc_slice text)
{
	if (!hub_accounts_enabled(s->irc->hub)) {
		ns_notice(s, "Accounts are not enabled on this server.");
		return;
	}
	if (auth_of(s)->ticket) {
		ns_notice(s, "A check is already running; wait for its answer.");
		return;
	}
	size_t pos = 0;
	struct irc_slice cmd, a = {0}, b = {0}, extra;
	next_word(text, &pos, &cmd);
	bool has_a = next_word(text, &pos, &a);
	next_word(text, &pos, &b);
	bool more = next_word(text, &pos, &extra);
	if (str_equals_nocase(cmd.p, cmd.len, "REGISTER") && has_a)
		ns_register(s, a); /* an e-mail address after it is ignored */
	else if (str_equals_nocase(cmd.p, cmd.len, "IDENTIFY") && has_a && !more)
		ns_identify(s, a, b);
	else
		ns_notice(s, "Commands: REGISTER <password>, IDENTIFY [account] <password>");
}
