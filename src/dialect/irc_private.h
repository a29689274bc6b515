/* irc_private: state shared by the IRC dialect's files: irc.c (connection
 * life, registration, CAP, keepalive), irc_channel.c (channels and modes),
 * irc_query.c (messages and queries) and irc_render.c (every line sent). */
#ifndef PARLEY_DIALECT_IRC_PRIVATE_H
#define PARLEY_DIALECT_IRC_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "codec/framed.h"
#include "dialect/irc.h"
#include "dialect/irc_caps.h"
#include "dialect/irc_mode.h"
#include "dialect/irc_msg.h"
#include "dialect/irc_sasl.h"
#include "dialect/login_limit.h"
#include "hub/hub.h"

struct map;
struct msg;

enum {
	IRC_USER_MAX = 16,      /* ident kept from USER */
	IRC_REAL_MAX = 64,      /* realname kept from USER / SETNAME */
	IRC_HOST_MAX = 46,      /* textual IP */
	IRC_MAXTARGETS = 4,
	IRC_CHANLIMIT = 50,     /* channels one IRC user may be in (ISUPPORT CHANLIMIT) */
	IRC_KICKLEN = 255,
	IRC_CLIENT_TAGS_MAX = 4094,
	IRC_LABEL_MAX = 64,
	IRC_LIST_MAX = 64,      /* bans or invitations kept per channel */
	IRC_MONITOR_MAX = 100,  /* MONITOR targets per session (ISUPPORT MONITOR) */
	IRC_MONITOR_TOTAL = 65536, /* MONITOR watches on the whole server */
};

/* Capabilities, in table order (irc_caps.h bit positions). */
enum irc_cap_bit {
	CAP_CAP_NOTIFY,
	CAP_MESSAGE_TAGS,
	CAP_SERVER_TIME,
	CAP_ECHO_MESSAGE,
	CAP_BATCH,
	CAP_LABELED_RESPONSE,
	CAP_MULTI_PREFIX,
	CAP_AWAY_NOTIFY,
	CAP_USERHOST_IN_NAMES,
	CAP_INVITE_NOTIFY,
	CAP_SETNAME,
	CAP_BASIC_COUNT, /* the caps above work without a store */
	CAP_ACCOUNT_TAG = CAP_BASIC_COUNT,
	CAP_ACCOUNT_NOTIFY,
	CAP_EXTENDED_JOIN,
	CAP_SASL,
	CAP_ACCOUNT_REGISTRATION,
	CAP_CHATHISTORY,
	CAP_COUNT,
};

#define HAS_CAP(s, c) (((s)->caps >> (c)) & 1u)

struct irc {
	struct hub *hub;
	int slot; /* render-cache slot and room-extension slot */
	char *server_name, *network, *password;
	char *motd; /* file text, NULL if none */
	size_t motd_len;
	uint64_t ping_interval_ms, register_timeout_ms;
	char created[64]; /* for 003 */
	size_t invisible; /* registered users with user mode +i, for LUSERS */
	size_t sessions, registered; /* IRC connections, and those registered */
	size_t peak_users;          /* most users seen by LUSERS, for 265/266 */
	/* Per transport, as `sts` says something else on each; the entries
	 * are the shared ones and `sts` last when advertised. */
	struct irc_cap_table caps, caps_tls;
	struct irc_cap cap_entries[2][CAP_COUNT + 1];
	char sts_port[24], sts_policy[40]; /* the two `sts` values */
	bool sts_on;
	/* Client-only tags of the message being relayed right now (hub
	 * delivery is synchronous), for recipients with message-tags. */
	struct irc_slice relay_tags;
	/* Renderings of the event being delivered, per tag variant; reset
	 * when a fresh event (empty render slot) arrives. */
	struct msg *variants[16];
	struct login_limit *logins; /* SASL and NickServ password tries */
	size_t min_password;        /* bytes, for self-registration */
	uint32_t notify_mark;       /* de-duplicates account-notify fan-out */
	uint64_t batches;           /* history batch references, unique server-wide */
	/* labeled-response: the replies of the one labeled command running
	 * now (commands run one at a time), held here rather than in every
	 * session, which keeps an idle session small. */
	struct irc_labeled {
		const struct irc_session *who; /* NULL when none runs */
		char label[IRC_LABEL_MAX + 1];
		struct msg **held; /* grows; freed with the dialect */
		size_t nheld, held_cap;
	} labeled;
	uint64_t lines_received; /* client lines decoded, for /metrics */
	/* irc_presence.c: WHOWAS's departures, MONITOR's watched nicks
	 * (struct irc_mon_target by nick, ignoring case) and their count. */
	struct irc_whowas *whowas;
	struct map *monitored;
	size_t monitor_total;
};

/* Per channel, hung on the hub room (hub_room_set_ext); made on the first
 * invitation, which grows to IRC_LIST_MAX. Bans are the hub's. */
struct irc_chan {
	char (*invited)[HUB_NAME_MAX + 1]; /* case-folded nicks */
	size_t ninvited;
};

/* What a client says before it is registered: the hub holds the nick and
 * "ident@host" after, so this goes at registration (idle sessions stay
 * small: their size is a measured figure, docs/IRC.md). */
struct irc_hello {
	char nick[HUB_NAME_MAX + 1]; /* from NICK */
	char username[IRC_USER_MAX + 1]; /* ident from USER */
};

struct irc_session {
	struct conn *conn;
	struct irc *irc;
	struct hub_user *user; /* NULL until registered and after QUIT */
	/* Until registered, what the client said (hello); from then on its
	 * MONITOR list (irc_presence.c; NULL until the first MONITOR +). The
	 * two never live together, so one pointer serves both and an idle
	 * session stays small. Which one is meant: s->user. */
	union {
		struct irc_hello *hello;
		struct irc_mon_list *monitor;
	};
	uint32_t caps;
	uint32_t mark; /* irc->notify_mark when last notified */
	bool pass_ok, cap_open, got_user, invisible, ping_sent;
	bool wallops; /* user mode +w */
	char *realname; /* from USER / SETNAME, exact size; NULL if none */
	uint64_t last_msg_ms; /* mono: idle time for WHOIS */
	struct framed in; /* the line decoder, across reads */
	/* Accounts (irc_account.c): made on a session's first account command
	 * (most never send one, and an idle session should stay small). */
	struct irc_auth *auth;
};

/* The account logged in to ("" if none), one password check at a time
 * (`ticket`, its kind and name), the SASL payload while an AUTHENTICATE
 * exchange runs, and the failed tries. */
struct irc_auth {
	char account[HUB_NAME_MAX + 1];
	uint64_t ticket;
	int pending;
	char pending_name[HUB_NAME_MAX + 1];
	struct irc_sasl_buf *sasl;
	struct login_attempts attempts;
};

extern const struct hub_sink irc_sink;

/* The IRC session behind a hub user, or NULL for other protocols. */
struct irc_session *irc_session_of(const struct hub_user *u);

/* The nick to address replies to ("*" before registration). */
const char *irc_me(const struct irc_session *s);

/* ---- irc.c ---- */

/* The peer's address as IRC shows hosts, written into `out`. */
const char *irc_session_host(const struct irc_session *s, char out[IRC_HOST_MAX + 1]);

/* "nick!ident@host" as IRC shows the session (before registration too). */
enum { IRC_MASK_OUT_MAX = HUB_NAME_MAX + 1 + HUB_ORIGIN_MAX + 1 };
const char *irc_session_mask(const struct irc_session *s, char out[IRC_MASK_OUT_MAX]);

/* The realname ("" if none); set replaces it with text[0..len), cut to
 * IRC_REAL_MAX bytes at a character boundary. */
const char *irc_realname(const struct irc_session *s);
void irc_set_realname(struct irc_session *s, const char *text, size_t len);
void irc_quit(struct irc_session *s, const char *reason, size_t len);

/* ---- command handlers (irc_channel.c, irc_query.c) ---- */
typedef void irc_command_fn(struct irc_session *s, const struct irc_msg *m);
irc_command_fn irc_cmd_join, irc_cmd_part, irc_cmd_names, irc_cmd_topic, irc_cmd_list,
	irc_cmd_kick, irc_cmd_invite, irc_cmd_mode;
irc_command_fn irc_cmd_privmsg, irc_cmd_notice, irc_cmd_tagmsg, irc_cmd_who, irc_cmd_whois,
	irc_cmd_away, irc_cmd_ison, irc_cmd_userhost, irc_cmd_lusers, irc_cmd_motd,
	irc_cmd_setname;
/* irc_account.c, irc_history.c */
irc_command_fn irc_cmd_authenticate, irc_cmd_register, irc_cmd_verify, irc_cmd_chathistory;
/* irc_oper.c: OPER, KILL, and the sink's kill (hub_sink.kill) */
irc_command_fn irc_cmd_oper, irc_cmd_kill;
void irc_kill(void *ctx, const char *by, const char *reason, size_t len);

/* irc_oper.c: WALLOPS; irc_query.c: TIME, INFO */
irc_command_fn irc_cmd_wallops, irc_cmd_time, irc_cmd_info;

/* irc_presence.c: WHOWAS and MONITOR, over the hub's presence watch */
irc_command_fn irc_cmd_whowas, irc_cmd_monitor;
void irc_presence_init(struct irc *irc);
void irc_presence_fini(struct irc *irc);
/* An IRC user has registered (its ident@host set): tell its watchers. */
void irc_presence_arrived(struct irc *irc, const struct hub_user *u);
/* Drops the session's MONITOR list (it quits or closes); a no-op before
 * registration, when the slot holds what the client said. */
void irc_monitor_forget(struct irc_session *s);

/* irc.c: registration, run again when a pending SASL check ends. */
void irc_try_register(struct irc_session *s);
bool irc_nick_ok(const char *nick, size_t len);

/* irc_account.c */
bool irc_is_nickserv(struct irc_slice target);
void irc_nickserv(struct irc_session *s, struct irc_slice text);
void irc_account_forget(struct irc_session *s); /* the session is going */
bool irc_account_busy(const struct irc_session *s); /* a password check runs */
const char *irc_session_account(const struct irc_session *s); /* "" if none */
/* The account `u` is logged in to, or NULL (any protocol). */
const char *irc_account_of(const struct hub_user *u);

/* irc_channel.c */
void irc_chan_release(void *chan);
void irc_names_reply(struct irc_session *s, const struct hub_room *room);
bool irc_banned(struct irc *irc, struct hub_room *room, const struct hub_user *u);

/* ---- irc_render.c: every byte sent is composed there ---- */

/* Queues a line (or several) for `s`, held if a labeled command runs. */
void irc_send(struct irc_session *s, struct msg *m);

/* ":server NUM me <fmt>" — fmt carries the parameters, ':' included. */
void irc_numeric(struct irc_session *s, const char *num, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ":server <fmt>" */
void irc_server_line(struct irc_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line as written, CR LF appended (ERROR, PING with no prefix). */
void irc_raw_line(struct irc_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ":nick!user@host <fmt>" for user `u`. */
void irc_user_line(struct irc_session *s, const struct hub_user *u, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes "user@host" for `u` (chat users have no ident: nick@server). */
int irc_userhost(const struct irc *irc, const struct hub_user *u, char *out, size_t cap);

/* Member prefix characters: "@", "+", "@+" (multi) or "". */
const char *irc_prefix(const struct irc_session *s, uint32_t flags);

/* labeled-response: starts holding replies for `label`, then sends them
 * with the label (one line), as a labeled batch (several), or an ACK. */
void irc_label_begin(struct irc_session *s, struct irc_slice label);
void irc_label_end(struct irc_session *s);

/* Sends a message with tags to `s`: the sender's echo (echo-message) or a
 * notice, rendered for this recipient alone. */
void irc_send_message(struct irc_session *to, const struct hub_user *from,
		      const char *cmd, const char *target, const char *text, size_t len,
		      struct irc_slice client_tags, uint64_t id, uint64_t time_ms);

/* One stored line inside a history batch (`batch` may be NULL). */
void irc_send_history_line(struct irc_session *s, const char *batch,
			   const struct store_line *line);
/* The JOIN line for `u` joining `room`, extended-join if negotiated. */
void irc_join_line(struct irc_session *s, const struct hub_user *u, const char *room);

void irc_welcome(struct irc_session *s);
void irc_lusers(struct irc_session *s);
void irc_motd(struct irc_session *s);

#endif
