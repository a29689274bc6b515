/* irc: an IRC connection's life — open, lines in, registration (PASS,
 * NICK, USER and CAP negotiation), keepalive PINGs, QUIT and close — and
 * the command table. Channel commands live in irc_channel.c, messages and
 * queries in irc_query.c, and every line sent is composed in irc_render.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "codec/codec.h"
#include "dialect/cost.h"
#include "dialect/irc_private.h"
#include "dialect/irc_text.h"
#include "net/conn.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/msg.h"
#include "util/str.h"
#include "util/utf8.h"

const char irc_server_full[] = "ERROR :Closing Link: Server full\r\n";
const char irc_too_many[] = "ERROR :Closing Link: (Too many connections from your address; "
			    "close one and try again)\r\n";
const char irc_too_fast[] = "ERROR :Closing Link: (Too many new connections from your "
			    "address; try again in a few seconds)\r\n";

static const struct irc_cap cap_list[CAP_COUNT] = {
	[CAP_CAP_NOTIFY] = {"cap-notify", NULL, true},
	[CAP_MESSAGE_TAGS] = {"message-tags", NULL, false},
	[CAP_SERVER_TIME] = {"server-time", NULL, false},
	[CAP_ECHO_MESSAGE] = {"echo-message", NULL, false},
	[CAP_BATCH] = {"batch", NULL, false},
	[CAP_LABELED_RESPONSE] = {"labeled-response", NULL, false},
	[CAP_MULTI_PREFIX] = {"multi-prefix", NULL, false},
	[CAP_AWAY_NOTIFY] = {"away-notify", NULL, false},
	[CAP_USERHOST_IN_NAMES] = {"userhost-in-names", NULL, false},
	[CAP_INVITE_NOTIFY] = {"invite-notify", NULL, false},
	[CAP_SETNAME] = {"setname", NULL, false},
	/* Only with a store (accounts and history): */
	[CAP_ACCOUNT_TAG] = {"account-tag", NULL, false},
	[CAP_ACCOUNT_NOTIFY] = {"account-notify", NULL, false},
	[CAP_EXTENDED_JOIN] = {"extended-join", NULL, false},
	[CAP_SASL] = {"sasl", "PLAIN", false},
	[CAP_ACCOUNT_REGISTRATION] = {"draft/account-registration", NULL, false},
	[CAP_CHATHISTORY] = {"draft/chathistory", NULL, false},
};

_Static_assert(CAP_COUNT + 1 <= IRC_CAPS_MAX, "the cap tables hold every cap and sts");

static char *dup_or_null(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

static void read_motd(struct irc *irc, const char *path)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return;
	size_t cap = 4096, len = 0;
	char *text = xmalloc(cap);
	size_t n;
	while ((n = fread(text + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap && cap < (1u << 20))
			text = xrealloc(text, cap *= 2);
		else if (len == cap)
			break;
	}
	fclose(f);
	irc->motd = text;
	irc->motd_len = len;
}

/* Appends `sts` with `value` to a table; it informs, so it is listed only
 * with its value (CAP LS 302: it means nothing bare) and a REQ is NAK. */
static void add_sts(struct irc_cap_table *t, struct irc_cap *entries, const char *value)
{
	uint32_t bit = UINT32_C(1) << t->n;
	entries[t->n++] = (struct irc_cap){"sts", value, false};
	t->listed_only |= bit;
	t->needs_value |= bit;
}

/* The shared capabilities for both transports; TLS connections get the
 * persistence policy now, plain ones the upgrade policy once a TLS IRC
 * listener is known (irc_set_tls_port). */
static void init_caps(struct irc *irc, size_t n, const struct irc_config *cfg)
{
	for (int i = 0; i < 2; i++)
		memcpy(irc->cap_entries[i], cap_list, n * sizeof(cap_list[0]));
	irc->caps = (struct irc_cap_table){.caps = irc->cap_entries[0], .n = n};
	irc->caps_tls = (struct irc_cap_table){.caps = irc->cap_entries[1], .n = n};
	irc->sts_on = cfg->sts_duration_s >= 0;
	if (!irc->sts_on)
		return;
	snprintf(irc->sts_policy, sizeof(irc->sts_policy), "duration=%lld%s",
		 (long long)cfg->sts_duration_s, cfg->sts_preload ? ",preload" : "");
	add_sts(&irc->caps_tls, irc->cap_entries[1], irc->sts_policy);
}

uint64_t irc_lines_received(const struct irc *irc)
{
	return irc->lines_received;
}

void irc_set_tls_port(struct irc *irc, uint16_t port)
{
	if (!irc->sts_on || irc->sts_port[0])
		return;
	snprintf(irc->sts_port, sizeof(irc->sts_port), "port=%u", (unsigned)port);
	add_sts(&irc->caps, irc->cap_entries[0], irc->sts_port);
}

struct irc *irc_create(struct hub *hub, const struct irc_config *cfg)
{
	struct irc *irc = xcalloc(1, sizeof(*irc));
	irc->hub = hub;
	irc->slot = hub_render_slot(hub);
	if (irc->slot < 0)
		abort(); /* more dialects than HUB_RENDER_SLOTS: a build-time mistake */
	hub_set_ext_release(hub, irc->slot, irc_chan_release);
	irc->server_name = dup_or_null(cfg->server_name ? cfg->server_name : "parley");
	irc->network = dup_or_null(cfg->network ? cfg->network : "Parley");
	irc->password = dup_or_null(cfg->password);
	irc->ping_interval_ms = cfg->ping_interval_ms;
	irc->register_timeout_ms = cfg->register_timeout_ms;
	read_motd(irc, cfg->motd_path);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(irc->created, sizeof(irc->created), "%Y-%m-%d %H:%M:%S UTC", &tm);
	init_caps(irc, hub_accounts_enabled(hub) ? CAP_COUNT : CAP_BASIC_COUNT, cfg);
	irc->logins = login_limit_create();
	irc->min_password = cfg->min_password ? cfg->min_password : 8;
	irc_presence_init(irc);
	return irc;
}

void irc_destroy(struct irc *irc)
{
	if (!irc)
		return;
	irc_presence_fini(irc);
	for (size_t i = 0; i < sizeof(irc->variants) / sizeof(irc->variants[0]); i++)
		if (irc->variants[i])
			msg_unref(irc->variants[i]);
	free(irc->labeled.held);
	free(irc->server_name);
	free(irc->network);
	free(irc->password);
	free(irc->motd);
	login_limit_destroy(irc->logins);
	free(irc);
}

struct irc_session *irc_session_of(const struct hub_user *u)
{
	return hub_user_sink(u) == &irc_sink ? hub_user_ctx(u) : NULL;
}

const char *irc_me(const struct irc_session *s)
{
	if (s->user)
		return hub_user_name(s->user);
	return s->hello->nick[0] ? s->hello->nick : "*";
}

/* The peer's address as IRC shows hosts; an IPv6 form starting with ':'
 * gets a leading 0 so it never reads as a trailing parameter. Formatted
 * when needed (rarely) rather than kept in every session. */
const char *irc_session_host(const struct irc_session *s, char out[IRC_HOST_MAX + 1])
{
	const struct peer *p = conn_peer(s->conn);
	char ip[INET6_ADDRSTRLEN] = "unknown";
	if (p->family == AF_INET)
		inet_ntop(AF_INET, p->addr, ip, sizeof(ip));
	else if (p->family == AF_INET6)
		inet_ntop(AF_INET6, p->addr, ip, sizeof(ip));
	snprintf(out, IRC_HOST_MAX + 1, "%s%s", ip[0] == ':' ? "0" : "", ip);
	return out;
}

const char *irc_session_mask(const struct irc_session *s, char out[IRC_MASK_OUT_MAX])
{
	if (s->user) {
		size_t olen;
		const char *origin = hub_user_origin(s->user, &olen);
		snprintf(out, IRC_MASK_OUT_MAX, "%s!%.*s", hub_user_name(s->user), (int)olen, origin);
		return out;
	}
	char host[IRC_HOST_MAX + 1];
	const char *ident = s->hello->username[0] ? s->hello->username : "*";
	snprintf(out, IRC_MASK_OUT_MAX, "%s!%s@%s", irc_me(s), ident, irc_session_host(s, host));
	return out;
}

static void irc_open(struct conn *c, void *data)
{
	struct irc *irc = data;
	struct irc_session *s = xcalloc(1, sizeof(*s));
	s->conn = c;
	s->irc = irc;
	s->hello = xcalloc(1, sizeof(*s->hello));
	s->pass_ok = irc->password == NULL;
	framed_init_lines(&s->in, IRC_TAGS_MAX + 1 + IRC_LINE_MAX, LINE_STRIP);
	irc->sessions++;
	conn_set_session(c, s);
	if (irc->register_timeout_ms)
		conn_set_timeout(c, irc->register_timeout_ms);
}

void irc_quit(struct irc_session *s, const char *reason, size_t len)
{
	irc_monitor_forget(s);
	if (!s->user)
		return;
	if (s->invisible)
		s->irc->invisible--;
	s->invisible = false;
	hub_unregister(s->irc->hub, s->user, reason, len);
	s->user = NULL;
	s->irc->registered--;
}

/* ERROR, then close once it is written. */
static void close_link(struct irc_session *s, const char *why,
		       enum conn_close_reason log_reason)
{
	char host[IRC_HOST_MAX + 1];
	irc_raw_line(s, "ERROR :Closing Link: %s (%s)", irc_session_host(s, host), why);
	irc_quit(s, why, strlen(why));
	conn_close_after_flush(s->conn, log_reason);
}

/* ---- registration ---- */

void irc_try_register(struct irc_session *s)
{
	if (s->user || s->cap_open || !s->hello->nick[0] || !s->got_user || irc_account_busy(s))
		return;
	if (!s->pass_ok) {
		irc_numeric(s, "464", ":Password incorrect");
		close_link(s, "Bad password", CONN_CLOSE_BAD_PASSWORD);
		return;
	}
	struct hub_user *user;
	char *nick = s->hello->nick;
	size_t nlen = strlen(nick);
	/* SASL before registration: the account's own name may be taken. */
	enum hub_result r = irc_session_account(s)[0] &&
			       str_equals_nocase(nick, nlen, irc_session_account(s))
				    ? hub_register_account(s->irc->hub, nick, nlen, &irc_sink, s, &user)
				    : hub_register(s->irc->hub, nick, nlen, &irc_sink, s, &user);
	switch (r) {
	case HUB_OK:
		break;
	case HUB_NAME_TAKEN:
		irc_numeric(s, "433", "%s :Nickname is already in use", nick);
		nick[0] = '\0';
		return;
	case HUB_NAME_REGISTERED:
		irc_numeric(s, "433", "%s :Nickname is registered to an account", nick);
		nick[0] = '\0';
		return;
	default:
		irc_numeric(s, "432", "%s :Erroneous nickname", nick);
		nick[0] = '\0';
		return;
	}
	s->user = user;
	s->irc->registered++;
	char origin[HUB_ORIGIN_MAX + 1];
	char host[IRC_HOST_MAX + 1];
	int n = snprintf(origin, sizeof(origin), "%s@%s", s->hello->username,
			 irc_session_host(s, host));
	hub_set_origin(user, origin, (size_t)n < sizeof(origin) ? (size_t)n : sizeof(origin) - 1);
	free(s->hello);
	s->hello = NULL;
	s->last_msg_ms = clock_mono_ms();
	conn_set_timeout(s->conn, s->irc->ping_interval_ms);
	irc_welcome(s);
	irc_presence_arrived(s->irc, user);
}

bool irc_nick_ok(const char *nick, size_t len)
{
	return irc_nick_valid(nick, len, HUB_NAME_MAX, IRC_NICK_STRICT) &&
	       hub_name_valid(nick, len) && !irc_is_nickserv((struct irc_slice){nick, len});
}

static void cmd_nick(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "431", ":No nickname given");
		return;
	}
	struct irc_slice want = m->params[0];
	if (!irc_nick_ok(want.p, want.len)) {
		irc_numeric(s, "432", "%.*s :Erroneous nickname", (int)want.len, want.p);
		return;
	}
	if (!s->user) {
		struct hub_user *other = hub_find_user(s->irc->hub, want.p, want.len);
		if (other) {
			irc_numeric(s, "433", "%.*s :Nickname is already in use", (int)want.len,
				    want.p);
			return;
		}
		memcpy(s->hello->nick, want.p, want.len);
		s->hello->nick[want.len] = '\0';
		irc_try_register(s);
		return;
	}
	if (want.len == hub_user_name_len(s->user) &&
	    memcmp(want.p, hub_user_name(s->user), want.len) == 0)
		return;
	switch (hub_rename(s->irc->hub, s->user, want.p, want.len)) {
	case HUB_OK:
		break;
	case HUB_NAME_TAKEN:
		irc_numeric(s, "433", "%.*s :Nickname is already in use", (int)want.len, want.p);
		break;
	case HUB_NAME_REGISTERED:
		irc_numeric(s, "433", "%.*s :Nickname is registered to an account", (int)want.len,
			    want.p);
		break;
	default:
		irc_numeric(s, "432", "%.*s :Erroneous nickname", (int)want.len, want.p);
		break;
	}
}

const char *irc_realname(const struct irc_session *s)
{
	return s->realname ? s->realname : "";
}

void irc_set_realname(struct irc_session *s, const char *text, size_t len)
{
	size_t n = len < IRC_REAL_MAX ? len : IRC_REAL_MAX;
	n = irc_text_chunk(text, n, n); /* never end inside a character */
	free(s->realname);
	s->realname = xmalloc(n + 1);
	memcpy(s->realname, text, n);
	s->realname[n] = '\0';
}

/* An ident holds no spaces, '@' or control bytes: keep what is safe. */
static void copy_ident(char *dst, struct irc_slice src)
{
	size_t n = 0;
	for (size_t i = 0; i < src.len && n < IRC_USER_MAX; i++) {
		unsigned char ch = (unsigned char)src.p[i];
		if (ch > ' ' && ch < 0x7f && ch != '@' && ch != '!' && ch != ':')
			dst[n++] = (char)ch;
	}
	dst[n] = '\0';
	if (n == 0)
		memcpy(dst, "user", 5);
}

static void cmd_user(struct irc_session *s, const struct irc_msg *m)
{
	if (s->user || s->got_user) {
		irc_numeric(s, "462", ":You may not reregister");
		return;
	}
	/* An empty username or realname counts as missing (Modern IRC). */
	if (m->nparams < 4 || m->params[0].len == 0 || m->params[3].len == 0) {
		irc_numeric(s, "461", "USER :Not enough parameters");
		return;
	}
	copy_ident(s->hello->username, m->params[0]);
	irc_set_realname(s, m->params[3].p, m->params[3].len);
	s->got_user = true;
	irc_try_register(s);
}

static void cmd_pass(struct irc_session *s, const struct irc_msg *m)
{
	if (s->user) {
		irc_numeric(s, "462", ":You may not reregister");
		return;
	}
	if (m->nparams < 1) {
		irc_numeric(s, "461", "PASS :Not enough parameters");
		return;
	}
	const char *want = s->irc->password;
	s->pass_ok = !want || str_equals(m->params[0].p, m->params[0].len, want);
}

/* ---- CAP ---- */

/* The capabilities as this connection's transport sees them. */
static const struct irc_cap_table *session_caps(const struct irc_session *s)
{
	bool tls = strcmp(conn_transport_name(s->conn), "tls") == 0;
	return tls ? &s->irc->caps_tls : &s->irc->caps;
}

static void cap_list_reply(struct irc_session *s, const char *sub, uint32_t mask, bool values)
{
	const struct irc_cap_table *t = session_caps(s);
	size_t next = 0;
	char names[400];
	do {
		size_t n = irc_cap_list(t, mask, values, &next, names, sizeof(names));
		bool more = next < t->n && values;
		irc_server_line(s, "CAP %s %s %s:%.*s", irc_me(s), sub, more ? "* " : "", (int)n,
				names);
		if (n == 0)
			break;
	} while (next < t->n);
}

static void cmd_cap(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1) {
		irc_numeric(s, "461", "CAP :Not enough parameters");
		return;
	}
	struct irc_slice sub = m->params[0];
	uint32_t all = (UINT32_C(1) << session_caps(s)->n) - 1;
	if (str_equals_nocase(sub.p, sub.len, "LS")) {
		if (!s->user)
			s->cap_open = true;
		bool v302 = m->nparams > 1 && m->params[1].len == 3 &&
			    memcmp(m->params[1].p, "302", 3) >= 0;
		if (v302)
			s->caps |= UINT32_C(1) << CAP_CAP_NOTIFY; /* implied by 302 */
		cap_list_reply(s, "LS", all, v302);
	} else if (str_equals_nocase(sub.p, sub.len, "LIST")) {
		cap_list_reply(s, "LIST", s->caps, false);
	} else if (str_equals_nocase(sub.p, sub.len, "REQ")) {
		if (!s->user)
			s->cap_open = true;
		struct irc_slice list = m->nparams > 1 ? m->params[1] : (struct irc_slice){"", 0};
		uint32_t on, off;
		if (irc_cap_req(session_caps(s), list.p, list.len, &on, &off)) {
			s->caps = (s->caps | on) & ~off;
			irc_server_line(s, "CAP %s ACK :%.*s", irc_me(s), (int)list.len, list.p);
		} else {
			irc_server_line(s, "CAP %s NAK :%.*s", irc_me(s), (int)list.len, list.p);
		}
	} else if (str_equals_nocase(sub.p, sub.len, "END")) {
		s->cap_open = false;
		irc_try_register(s);
	} else {
		irc_numeric(s, "410", "%.*s :Invalid CAP command", (int)sub.len, sub.p);
	}
}

/* ---- keepalive and the rest ---- */

static void cmd_ping(struct irc_session *s, const struct irc_msg *m)
{
	if (m->nparams < 1 || m->params[0].len == 0) {
		irc_numeric(s, "409", ":No origin specified");
		return;
	}
	irc_server_line(s, "PONG %s :%.*s", s->irc->server_name, (int)m->params[0].len,
			m->params[0].p);
}

static void cmd_pong(struct irc_session *s, const struct irc_msg *m)
{
	(void)s;
	(void)m; /* any input counts as life; see irc_data */
}

static void cmd_quit(struct irc_session *s, const struct irc_msg *m)
{
	char reason[IRC_REAL_MAX * 4];
	int n = m->nparams ? snprintf(reason, sizeof(reason), "Quit: %.*s",
				      (int)m->params[0].len, m->params[0].p)
			   : snprintf(reason, sizeof(reason), "Client Quit");
	size_t len = (size_t)n < sizeof(reason) ? (size_t)n : sizeof(reason) - 1;
	len = irc_text_chunk(reason, len, len);
	char host[IRC_HOST_MAX + 1];
	irc_raw_line(s, "ERROR :Closing Link: %s (%.*s)", irc_session_host(s, host), (int)len,
		     reason);
	irc_quit(s, reason, len);
	conn_close_after_flush(s->conn, CONN_CLOSE_QUIT);
}

struct command_spec {
	const char *name;
	bool needs_registration; /* else 451 */
	irc_command_fn *run;
};

static const struct command_spec commands[] = {
	{"CAP", false, cmd_cap},
	{"NICK", false, cmd_nick},
	{"USER", false, cmd_user},
	{"PASS", false, cmd_pass},
	{"PING", false, cmd_ping},
	{"PONG", false, cmd_pong},
	{"QUIT", false, cmd_quit},
	{"JOIN", true, irc_cmd_join},
	{"PART", true, irc_cmd_part},
	{"NAMES", true, irc_cmd_names},
	{"TOPIC", true, irc_cmd_topic},
	{"LIST", true, irc_cmd_list},
	{"KICK", true, irc_cmd_kick},
	{"INVITE", true, irc_cmd_invite},
	{"MODE", true, irc_cmd_mode},
	{"PRIVMSG", true, irc_cmd_privmsg},
	{"NOTICE", true, irc_cmd_notice},
	{"TAGMSG", true, irc_cmd_tagmsg},
	{"WHO", true, irc_cmd_who},
	{"WHOIS", true, irc_cmd_whois},
	{"AWAY", true, irc_cmd_away},
	{"ISON", true, irc_cmd_ison},
	{"USERHOST", true, irc_cmd_userhost},
	{"LUSERS", true, irc_cmd_lusers},
	{"MOTD", true, irc_cmd_motd},
	{"SETNAME", true, irc_cmd_setname},
	{"AUTHENTICATE", false, irc_cmd_authenticate},
	{"REGISTER", false, irc_cmd_register},
	{"VERIFY", false, irc_cmd_verify},
	{"CHATHISTORY", true, irc_cmd_chathistory},
	{"OPER", true, irc_cmd_oper},
	{"KILL", true, irc_cmd_kill},
	{"WALLOPS", true, irc_cmd_wallops},
	{"WHOWAS", true, irc_cmd_whowas},
	{"MONITOR", true, irc_cmd_monitor},
	{"TIME", true, irc_cmd_time},
	{"INFO", true, irc_cmd_info},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* At most 32 bytes of an unknown command word, never half a character. */
static void unknown_command(struct irc_session *s, struct irc_slice word)
{
	size_t n = irc_text_chunk(word.p, word.len, 32);
	irc_numeric(s, "421", "%.*s :Unknown command", (int)n, word.p);
}

static void run_command(struct irc_session *s, const struct irc_msg *m)
{
	if (s->user && m->nparams >= 2 && irc_msg_is(m, "PRIVMSG") &&
	    irc_is_nickserv(m->params[0])) {
		irc_nickserv(s, m->params[1]);
		return;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(m->cmd, commands[i].name) != 0)
			continue;
		conn_charge(s->conn, command_cost(commands[i].name));
		if (commands[i].needs_registration && !s->user)
			irc_numeric(s, "451", ":You have not registered");
		else
			commands[i].run(s, m);
		return;
	}
	if (!s->user)
		irc_numeric(s, "451", ":You have not registered");
	else
		unknown_command(s, m->command);
}

/* Only PASS may carry bytes that are not UTF-8 (a password is opaque);
 * nothing else is read, or echoed in a numeric, before this check. */
static bool check_utf8(struct irc_session *s, const char *line, size_t len,
		       const struct irc_msg *m, enum irc_parse r)
{
	if (utf8_valid(line, len) || (r == IRC_OK && irc_msg_is(m, "PASS")))
		return true;
	irc_server_line(s, "FAIL %s INVALID_UTF8 :Message rejected, text must be UTF-8",
			r == IRC_OK && m->cmd[0] ? m->cmd : "*");
	return false;
}

static void handle_line(struct irc_session *s, const char *line, size_t len)
{
	struct irc_msg m;
	enum irc_parse r = irc_parse(line, len, &m);
	if (r == IRC_ERR_EMPTY || !check_utf8(s, line, len, &m, r))
		return;
	switch (r) {
	case IRC_OK:
		break;
	case IRC_ERR_LINE_TOO_LONG:
	case IRC_ERR_TAGS_TOO_LONG:
		irc_numeric(s, "417", ":Input line was too long");
		return;
	case IRC_ERR_BAD_COMMAND:
		break; /* 421 below, labeled like any other reply */
	default:
		/* No numeric names a malformed line; 421 with a placeholder
		 * tells the client it was not understood. */
		irc_numeric(s, "421", "* :Malformed message (%s)", irc_parse_name(r));
		return;
	}
	if (irc_tags_client_len(m.tags) > IRC_CLIENT_TAGS_MAX) {
		irc_numeric(s, "417", ":Input line was too long");
		return;
	}
	struct irc_slice label;
	bool labeled = HAS_CAP(s, CAP_LABELED_RESPONSE) && s->user &&
		       irc_tag_find(m.tags, "label", &label) && label.len > 0 &&
		       label.len <= IRC_LABEL_MAX;
	if (labeled)
		irc_label_begin(s, label);
	if (r == IRC_ERR_BAD_COMMAND)
		unknown_command(s, m.command);
	else
		run_command(s, &m);
	if (labeled)
		irc_label_end(s);
}

static bool irc_reading(void *ctx)
{
	const struct irc_session *s = ctx;
	return !conn_closing(s->conn);
}

static void irc_unit(void *ctx, const struct codec_unit *u, const char *raw)
{
	(void)raw;
	struct irc_session *s = ctx;
	s->irc->lines_received++;
	handle_line(s, u->data, u->len);
}

static void irc_oversize(void *ctx, size_t announced)
{
	(void)announced;
	irc_numeric(ctx, "417", ":Input line was too long");
}

static const struct framed_ops irc_framing = {
	.proceed = irc_reading,
	.on_unit = irc_unit,
	.on_oversize = irc_oversize,
};

static size_t irc_data(struct conn *c, const char *data, size_t len)
{
	struct irc_session *s = conn_session(c);
	if (s->user) {
		s->ping_sent = false;
		conn_set_timeout(c, s->irc->ping_interval_ms);
	}
	size_t off = framed_decode(&s->in, data, len, &irc_framing, s);
	return conn_closing(c) ? len : off;
}

static void irc_eof(struct conn *c)
{
	struct irc_session *s = conn_session(c);
	irc_quit(s, "Connection closed", 17);
	conn_close_after_flush(c, CONN_CLOSE_EOF);
}

static void irc_timeout(struct conn *c)
{
	struct irc_session *s = conn_session(c);
	if (!s->user) {
		close_link(s, "Registration timed out", CONN_CLOSE_REGISTER_TIMEOUT);
	} else if (s->ping_sent) {
		close_link(s, "Ping timeout", CONN_CLOSE_PING_TIMEOUT);
	} else {
		s->ping_sent = true;
		irc_raw_line(s, "PING :%s", s->irc->server_name);
		conn_set_timeout(c, s->irc->ping_interval_ms);
	}
}

static void irc_shutdown(struct conn *c)
{
	struct irc_session *s = conn_session(c);
	char host[IRC_HOST_MAX + 1];
	irc_raw_line(s, "ERROR :Closing Link: %s (Server shutting down)", irc_session_host(s, host));
}

static void irc_flood(struct conn *c)
{
	struct irc_session *s = conn_session(c);
	char host[IRC_HOST_MAX + 1];
	irc_raw_line(s, "ERROR :Closing Link: %s (Excess Flood: sent too fast for too long; "
			"reconnect and send more slowly)", irc_session_host(s, host));
}

static void irc_describe(const struct conn *c, char *out, size_t outlen)
{
	const struct irc_session *s = conn_session(c);
	if (!s->user)
		snprintf(out, outlen, "  proto=irc");
	else
		snprintf(out, outlen, "  proto=irc  user=%s  rooms=%zu", hub_user_name(s->user),
			 hub_user_room_count(s->user));
}

static void irc_close(struct conn *c)
{
	struct irc_session *s = conn_session(c);
	enum conn_close_reason why = conn_close_reason(c);
	const char *reason =
		why != CONN_CLOSE_NONE ? conn_close_reason_name(why) : "Connection closed";
	irc_quit(s, reason, strlen(reason));
	s->irc->sessions--;
	irc_account_forget(s);
	free(s->realname);
	free(s->hello);
	free(s);
}

const struct conn_handler irc_handler = {
	.on_open = irc_open,
	.on_data = irc_data,
	.on_eof = irc_eof,
	.on_timeout = irc_timeout,
	.on_shutdown = irc_shutdown,
	.describe = irc_describe,
	.on_flood = irc_flood,
	.on_close = irc_close,
};
