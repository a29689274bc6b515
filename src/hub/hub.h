/* hub: the one place users and rooms live, whatever protocol a user speaks.
 * Every dialect (chat today, IRC and WebSocket later) registers its users
 * here and asks the hub to join, leave, say, rename and so on; the hub turns
 * that into events delivered to each affected user's sink. The hub never
 * sees a socket or protocol text: a sink renders an event into its own wire
 * format, at most once per event per dialect thanks to the event's render
 * cache (each dialect asks for its slot with hub_render_slot()).
 *
 * A user may be in many rooms; each membership is a node linked into both
 * the user and the room, carrying per-member flags (operator, voice).
 * Protocol rules beyond that (chat's one room at a time, IRC's channel
 * modes being enforced) belong to the dialects: the hub stores and
 * broadcasts, it does not police.
 *
 * Lookups are hash-indexed (names and rooms compare ignoring ASCII case);
 * fan-out walks only the room's member list. Sinks must not call back into
 * the hub while an event is being delivered. */
#ifndef PARLEY_HUB_HUB_H
#define PARLEY_HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct msg;
struct hub;
struct hub_user;
struct hub_room;
struct hub_member;

enum {
	HUB_NAME_MAX = 32,
	HUB_ROOM_MAX = 32,
	HUB_RENDER_SLOTS = 4,
	HUB_ORIGIN_MAX = 80,  /* "ident@host" */
	HUB_TOPIC_MAX = 390,  /* bytes of topic text kept */
	HUB_AWAY_MAX = 200,   /* bytes of away text kept */
	HUB_KEY_MAX = 23,     /* room key (IRC +k) */
	HUB_MSGID_LEN = 16,   /* hub_msgid_format(): hex digits, no NUL */
	HUB_MASK_MAX = 120,   /* a ban mask, "nick!ident@host" with wildcards */
	HUB_BANS_MAX = 64,    /* masks per room (IRC MAXLIST b:64) */
};

/* The actor named in events done by the server's console (no user). */
#define HUB_CONSOLE_NAME "console"

enum hub_event_kind {
	HUB_EV_JOIN,    /* `from` joined `room` (not sent to `from`) */
	HUB_EV_LEAVE,   /* `from` left `room`, reason in `text` (to the remaining members) */
	HUB_EV_SAY,     /* `from` said `text` in `room` (to every member) */
	HUB_EV_PRIVMSG, /* `from` whispered `text` (to the target only) */
	HUB_EV_QUIT,    /* `from` disconnected, reason in `text`: once to each user
			 * sharing a room with it; `room` is the first shared room */
	HUB_EV_NICK,    /* `from` (old name) is now `target` (new name): once to the
			 * user itself and each user sharing a room with it */
	HUB_EV_TOPIC,   /* `from` set `room`'s topic to `text` (to every member) */
	HUB_EV_KICK,    /* `from` removed `target` from `room`, reason in `text`
			 * (to every member, the kicked one included) */
	HUB_EV_MODE,    /* `from` changed `room`'s modes (`modes_old`/`modes_new`)
			 * or, if `target` is set, that member's flags
			 * (`flags_old`/`flags_new`); to every member */
	HUB_EV_AWAY,    /* `from` went away with `text`, or came back (empty):
			 * once to each user sharing a room with it */
	HUB_EV_BAN,     /* `from` added (`flags_new` 1) or removed (0) the ban
			 * mask `target` on `room` (to every member) */
};

/* How a message reads (IRC): a PRIVMSG, a NOTICE, or a TAGMSG (tags, no
 * text). Dialects without notices mark a notice's text; a TAGMSG reaches
 * only users whose dialect shows tags. */
enum hub_msg_style { HUB_STYLE_PLAIN, HUB_STYLE_NOTICE, HUB_STYLE_TAGMSG };

/* Per-membership flags. The first member of a new room becomes operator. */
enum { HUB_MEMBER_OP = 1u << 0, HUB_MEMBER_VOICE = 1u << 1 };

/* Room modes the hub stores and broadcasts; dialects give them meaning and
 * enforce them (IRC letters in brackets). */
enum {
	HUB_ROOM_NO_OUTSIDE = 1u << 0, /* [n] only members may speak to it */
	HUB_ROOM_TOPIC_LOCK = 1u << 1, /* [t] only operators set the topic */
	HUB_ROOM_MODERATED = 1u << 2,  /* [m] only op/voice may speak */
	HUB_ROOM_INVITE = 1u << 3,     /* [i] invitation needed to join */
	HUB_ROOM_SECRET = 1u << 4,     /* [s] hidden from lists */
};

struct hub_room_modes {
	uint32_t flags;
	uint32_t limit; /* [l] most members; 0 = none */
	char key[HUB_KEY_MAX + 1]; /* [k] NUL-terminated; empty = none */
};

/* One thing that happened. Strings are not NUL-terminated; lengths rule.
 * `user` is the acting user while it is registered (NULL on history
 * replay: the speaker may be gone); `from` and `origin` are its name and
 * "ident@host" as they were when the line was said, for prefixes.
 * `id` and `time_ms` are set on room lines (SAY, live or replayed) and on
 * PRIVMSG; 0 elsewhere. `rendered` is a per-dialect cache: the first sink
 * of a dialect to see the event stores its rendering in its slot and later
 * recipients reuse it. The hub drops those references once delivery is
 * over (for QUIT, NICK and AWAY: after each shared room, since `room`
 * changes from one room to the next). */
struct hub_event {
	enum hub_event_kind kind;
	bool replay; /* a history line replayed to a joining user */
	/* PRIVMSG to its own sender: its copy of a line the bus numbered
	 * (IRC echo-message), `target` the recipient. Dialects without an
	 * echo drop it. */
	bool echo;
	uint64_t id;
	uint64_t time_ms;
	const struct hub_user *user;
	const char *room;
	size_t room_len;
	const char *from;
	size_t from_len;
	const char *origin;
	size_t origin_len;
	const char *target; /* NICK: new name; KICK, MODE: the member's name */
	size_t target_len;
	const char *text;
	size_t text_len;
	const struct hub_room_modes *modes_old, *modes_new; /* MODE on the room */
	uint32_t flags_old, flags_new;                       /* MODE on a member */
	/* SAY and PRIVMSG from hub_relay(): the style, and the message tags
	 * the sender gave (raw, as its dialect read them; dialects relay the
	 * client-only ones). Plain with no tags elsewhere. */
	enum hub_msg_style style;
	const char *tags;
	size_t tags_len;
	struct msg *rendered[HUB_RENDER_SLOTS];
};

/* How the hub reaches a user: supplied by the user's dialect. */
struct hub_sink {
	void (*deliver)(void *ctx, struct hub_event *ev);
	/* A server operator (or the console) named `by` disconnects the user
	 * with `reason`: the dialect says so and closes the connection; the
	 * user leaves the hub the usual way, on close. NULL: cannot be killed
	 * (another node's user). */
	void (*kill)(void *ctx, const char *by, const char *reason, size_t len);
};

/* The bus seam (cluster mode, see src/cluster/): the hub tells the bus what
 * its local users do, and the bus applies what users of other nodes do
 * through the ordinary calls below on proxy users (hub_proxy_add()). Events
 * whose actor is a proxy are never handed back to the bus. Every function
 * is called from inside the hub operation; none may call back into it. */
struct hub_bus_ops {
	/* A local user was registered, or became a server operator: claim
	 * its name network-wide and announce it (with that status). */
	void (*user_added)(void *impl, const struct hub_user *user);
	/* A local user did `ev`: JOIN, LEAVE, QUIT (before its memberships
	 * go), NICK, AWAY, TOPIC, KICK, MODE, BAN, or a PRIVMSG to a proxy;
	 * or the console (no `user`) did a KICK, MODE or BAN; or a relayed
	 * line (hub_relay: a SAY with id 0, or a PRIVMSG with id 0 to a
	 * proxy) for the other nodes' users. */
	void (*publish)(void *impl, const struct hub_event *ev);
	/* A local user said `ev` (SAY, id and time unset). True when the bus
	 * takes it: it comes back through hub_bus_say() with its network id
	 * and the hub delivers nothing now. False (bus offline): the hub
	 * delivers it locally as without a bus. */
	bool (*say)(void *impl, const struct hub_event *ev);
	/* `room` gained its first local member (true) or is losing its last
	 * one (false; its proxies are dropped quietly right after). */
	void (*interest)(void *impl, const struct hub_room *room, bool interested);
	/* True while the network, not this hub, decides who is a room's first
	 * member: a local joiner is then not made operator at once, the bus
	 * grants it (a MODE by the server) once it knows. NULL: never. */
	bool (*decides_ops)(void *impl);
	/* Server operator (or console, `by` NULL) `by` kills proxy `victim`:
	 * the bus asks the victim's node to. False (or NULL): it cannot. */
	bool (*kill)(void *impl, const struct hub_user *by, const struct hub_user *victim,
		     const char *reason, size_t len);
	/* A local user sent `ev` (PRIVMSG, id unset) to `ev->target`, local
	 * or proxy; `keep` when both are logged in (a line for history). True
	 * when the bus takes it: it comes back through hub_bus_privmsg() with
	 * its network id, to the recipient and (as an echo) to the sender,
	 * and the hub delivers nothing now. False or NULL: as a single
	 * server (a proxy recipient is then reached through `publish`). */
	bool (*privmsg)(void *impl, const struct hub_event *ev, bool keep);
};

struct hub_bus {
	const struct hub_bus_ops *ops;
	void *impl;
};

struct hub_config {
	size_t history; /* room lines kept for replay on join; 0 = none */
	/* Server time in ms since the Unix epoch for event timestamps; NULL
	 * means 0. Supplied by the server (the hub keeps no clock). */
	uint64_t (*now_ms)(void *ctx);
	void *now_ctx;
	/* Message ids: NULL means a counter from 1, unique for this hub's
	 * life. A store or cluster supplies its own (non-zero, increasing). */
	uint64_t (*next_id)(void *ctx);
	void *id_ctx;
	/* Durable history and accounts (see store/store.h), or NULL: then
	 * each room keeps its last `history` lines in memory while it has
	 * members, and there are no accounts. With a store, replay on join
	 * and history queries read it (rooms keep history when empty), and
	 * private lines between two logged-in users are kept. */
	const struct store *store;
	/* Cluster mode, or NULL: a single server. */
	const struct hub_bus *bus;
	/* Server operators: users logged in to one of these accounts (the
	 * strings must outlive the hub), and the OPER password (or NULL). */
	const char *const *opers;
	size_t nopers;
	const char *oper_password;
};

enum hub_result {
	HUB_OK,
	HUB_NAME_INVALID,
	HUB_NAME_TAKEN,
	HUB_ROOM_INVALID,
	HUB_ALREADY_IN,
	HUB_NOT_IN_ROOM,
	HUB_NO_SUCH_USER,
	HUB_NO_SUCH_ROOM,
	HUB_NAME_REGISTERED, /* an account owns the name: log in as it */
	HUB_BAN_EXISTS,      /* the mask is already on the list */
	HUB_BAN_MISSING,     /* the mask is not on the list */
	HUB_BAN_FULL,        /* HUB_BANS_MAX masks already */
};

struct hub *hub_create(const struct hub_config *cfg);

/* Frees the hub; every user must have been unregistered. */
void hub_destroy(struct hub *hub);

/* Stops all event delivery for good. Used at shutdown, when every user is
 * about to leave: announcing each departure to everyone else who is also
 * leaving would cost O(users^2) and push lines after the farewell. */
void hub_silence(struct hub *hub);

/* Hands out the next free render-cache slot (0, 1, ...), or -1 when all
 * HUB_RENDER_SLOTS are taken. Each dialect asks once at setup. */
int hub_render_slot(struct hub *hub);

/* The text form of a message id: HUB_MSGID_LEN lowercase hex digits,
 * zero-padded, so text order is id order. `out` gets no NUL. */
void hub_msgid_format(uint64_t id, char out[HUB_MSGID_LEN]);

/* Names (every protocol): 1-32 of [A-Za-z0-9_-] and []\`^{}|. Rooms: '#'
 * then 1-31 printable ASCII characters other than space, ',' and ':'.
 * Dialects may accept less for their own users (chat: no []\`^{}|). */
bool hub_name_valid(const char *name, size_t len);
bool hub_room_valid(const char *room, size_t len);

/* ---- users ---- */

/* Registers a user named `name` (unique ignoring case) reached through
 * `sink`/`ctx`. On HUB_OK stores the new user in *out. */
enum hub_result hub_register(struct hub *hub, const char *name, size_t len,
			     const struct hub_sink *sink, void *ctx, struct hub_user **out);

/* As hub_register, for a user who has proved (hub_account_submit with
 * STORE_ACCOUNT_VERIFY) that it owns the account `name`: the one way to
 * take a registered name. The user counts as logged in. */
enum hub_result hub_register_account(struct hub *hub, const char *name, size_t len,
				     const struct hub_sink *sink, void *ctx,
				     struct hub_user **out);

/* True if the user registered through hub_register_account(), or created
 * its account while connected. */
bool hub_user_logged_in(const struct hub_user *user);

/* Marks the user as logged in to the account of its current name (after
 * a successful STORE_ACCOUNT_CREATE or a login after registration); a
 * local user is announced to the bus again with that status. */
void hub_user_set_logged_in(struct hub *hub, struct hub_user *user);

/* Sets the "ident@host" shown in prefixes (truncated to HUB_ORIGIN_MAX). */
void hub_set_origin(struct hub_user *user, const char *origin, size_t len);

/* Removes the user: every user sharing a room with it gets one QUIT with
 * `reason`; its memberships go (emptied rooms are dropped); it is freed. */
void hub_unregister(struct hub *hub, struct hub_user *user, const char *reason, size_t len);

/* Renames the user (a change of case only is allowed). The user and each
 * user sharing a room with it get one NICK. */
enum hub_result hub_rename(struct hub *hub, struct hub_user *user, const char *name, size_t len);

/* As hub_rename, for a user who has proved it owns the account `name`
 * (as hub_register_account): it may take that registered name, and is
 * logged in to it afterwards. */
enum hub_result hub_rename_account(struct hub *hub, struct hub_user *user, const char *name,
				   size_t len);

/* Sets (len > 0) or clears the away text; users sharing a room get one AWAY. */
void hub_set_away(struct hub *hub, struct hub_user *user, const char *text, size_t len);

/* Sends `text` privately to the user named `to` (ignoring case; may be the
 * sender). */
enum hub_result hub_privmsg(struct hub *hub, struct hub_user *from, const char *to,
			    size_t to_len, const char *text, size_t len);

/* The id and timestamp of the last hub_privmsg, so a dialect can show the
 * sender its own copy exactly as the recipient and the history have it.
 * Id 0: the bus took the line, and the copy comes as an `echo` event. */
void hub_last_privmsg(const struct hub *hub, uint64_t *id, uint64_t *time_ms);

/* Relays an unnumbered message of `from`: to `room` (every member, as a
 * SAY; `from` need not be one) or to the user `to` (a PRIVMSG), with
 * `style` and the sender's `tags` (may be NULL) on the event. It has no
 * id, is not kept in history, and reaches other nodes' users through the
 * bus. For IRC notices, TAGMSG and lines from outside a room. */
void hub_relay(struct hub *hub, struct hub_user *from, struct hub_room *room,
	       struct hub_user *to, enum hub_msg_style style, const char *text, size_t len,
	       const char *tags, size_t tags_len);

/* ---- proxies of other nodes' users (cluster mode) ---- */

/* Adds a proxy for a user of another node: it holds its name, can be in
 * rooms and be listed, but is reached through the bus, never a sink. `tag`
 * is the bus's own (hub_user_ctx() returns it). HUB_NAME_TAKEN if held. */
enum hub_result hub_proxy_add(struct hub *hub, const char *name, size_t len,
			      const char *origin, size_t origin_len, void *tag,
			      struct hub_user **out);

/* True for a proxy. */
bool hub_user_is_proxy(const struct hub_user *user);

/* Delivers a room line that came back from the bus to `room`'s local
 * members (and keeps it in the room's history ring without a store).
 * While the room is held (hub_bus_hold) the line waits for the read; after
 * it, a line at or below the newest id delivered from the bus is a
 * duplicate and dropped. */
void hub_bus_say(struct hub *hub, struct hub_room *room, uint64_t id, uint64_t time_ms,
		 const char *from, size_t from_len, const char *origin, size_t origin_len,
		 const char *text, size_t len);

/* A private line numbered by the bus (see hub_bus_ops.privmsg). */
struct hub_bus_priv {
	uint64_t id, time_ms;
	const char *from, *origin, *to, *text;
	size_t from_len, origin_len, to_len, text_len;
	bool kept;       /* both parties logged in: a line of their history */
	bool from_here;  /* sent by this node's user `from`: it gets the echo */
};

/* Delivers `pm` to its recipient if that is a local user, its echo to the
 * sender if `from_here`, and (if kept) hands it to the store once. */
void hub_bus_privmsg(struct hub *hub, const struct hub_bus_priv *pm);

/* Delivers a relayed message from another node's user `from` to `room`'s
 * local members or to local user `to` (one of the two), as hub_relay. */
void hub_bus_relay(struct hub *hub, struct hub_room *room, struct hub_user *to,
		   enum hub_msg_style style, const char *from, size_t from_len,
		   const char *origin, size_t origin_len, const char *text, size_t len,
		   const char *tags, size_t tags_len);

/* The bus has subscribed to `room` and will read its recent lines once the
 * subscription is confirmed: until hub_bus_backfill() takes that read,
 * lines from hub_bus_say() are held, so none overtakes an older line that
 * only the read brings. */
void hub_bus_hold(struct hub *hub, struct hub_room *room);

/* Lines from the network's history for `room`, oldest first, read when
 * this node became interested in it: those older than every line the room
 * already holds join its history ring (in front) and are replayed to each
 * local member, so the first local joiner of a room still gets its recent
 * history. With a store (replay read it), only lines newer than every line
 * delivered or replayed in the room are taken: they are delivered to the
 * local members as live lines (said while the subscription was being
 * made). Then the held lines newer than the read are delivered, in id
 * order, and the hold ends (n may be 0: nothing read). Returns how many
 * read lines were taken. */
size_t hub_bus_backfill(struct hub *hub, struct hub_room *room, const struct store_line *lines,
			size_t n);

/* Sets `room`'s topic (with its setter and time) and modes as the network
 * keeps them, telling no one: for a room this node has just become
 * interested in. Each part is taken only while the room's own is still
 * unset here (a local change made meanwhile wins); `modes` may be NULL. */
void hub_bus_room_state(struct hub *hub, struct hub_room *room, const char *topic, size_t len,
			const char *setter, size_t setter_len, uint64_t topic_ms,
			const struct hub_room_modes *modes);

/* While on, events are applied from the bus: none is handed back to it
 * (the console's and the server's included, which otherwise are). */
void hub_bus_applying(struct hub *hub, bool on);

/* True from hub_bus_hold() until both the after-subscribe read of lines
 * and hub_bus_lists_taken(): while the room's operators are not known. */
bool hub_bus_loading(const struct hub_room *room);
/* The bus has read the room's member flags and bans. */
void hub_bus_lists_taken(struct hub_room *room);

/* Adds a ban the network keeps (`setter`, `time_ms` as recorded), telling
 * no one: for a room this node has just become interested in. False if
 * the mask is invalid, already listed, or the list is full. */
bool hub_bus_ban_load(struct hub *hub, struct hub_room *room, const char *mask, size_t len,
		      const char *setter, size_t setter_len, uint64_t time_ms);

/* Removes a proxy from `room` without telling anyone (state resync). */
void hub_proxy_forget(struct hub *hub, struct hub_user *proxy, struct hub_room *room);

/* ---- rooms ---- */

/* Adds the user to `room` (created if needed; its first member becomes
 * operator, unless the bus decides_ops); members already there get JOIN. The hub does not make the
 * user leave other rooms. On HUB_OK stores the room in *out if non-NULL. */
enum hub_result hub_join(struct hub *hub, struct hub_user *user, const char *room, size_t len,
			 struct hub_room **out);

/* Leaves `room` (the remaining members get LEAVE with `reason`; an emptied
 * room is dropped, so `room` may be freed on return). */
enum hub_result hub_leave(struct hub *hub, struct hub_user *user, struct hub_room *room,
			  const char *reason, size_t len);

/* Says `text` in `room`: every member, the speaker included, gets SAY with
 * a fresh id and timestamp; the line joins the room's history. */
enum hub_result hub_say(struct hub *hub, struct hub_user *user, struct hub_room *room,
			const char *text, size_t len);

/* Removes `victim` from `room` on behalf of `by`: every member, the victim
 * included, gets KICK. Here and below, `by` is a registered user (the hub
 * does not check that it may do this: the dialect does). */
enum hub_result hub_kick(struct hub *hub, struct hub_user *by, struct hub_room *room,
			 struct hub_user *victim, const char *reason, size_t len);

/* Sets the topic (truncated to HUB_TOPIC_MAX; empty clears it), remembering
 * who and when; every member gets TOPIC. */
void hub_set_topic(struct hub *hub, struct hub_user *by, struct hub_room *room,
		   const char *text, size_t len);

/* Replaces the room's modes; every member gets MODE (unless nothing changed). */
void hub_set_modes(struct hub *hub, struct hub_user *by, struct hub_room *room,
		   const struct hub_room_modes *modes);

/* Replaces a member's flags; every member gets MODE (unless nothing changed). */
enum hub_result hub_set_member_flags(struct hub *hub, struct hub_user *by,
				     struct hub_room *room, struct hub_user *target,
				     uint32_t flags);

/* ---- moderation (hub/moderation.c) ----
 * Who may do these is the dialects' business (room operators, server
 * operators); the hub keeps the lists so every dialect enforces the same
 * ones. `by` NULL means the server's console (events name it
 * HUB_CONSOLE_NAME; they reach the bus with no `user`). */

/* One ban: a mask matched against "name!ident@host" (hub_room_banned). */
struct hub_ban {
	char mask[HUB_MASK_MAX + 1];
	char setter[HUB_NAME_MAX + 1];
	uint64_t time_ms;
};

/* Adds or removes a ban mask (compared ignoring case); every member gets
 * BAN, and the bus is told (the console's too). The list lives while the
 * room has members. */
enum hub_result hub_ban_add(struct hub *hub, struct hub_user *by, struct hub_room *room,
			    const char *mask, size_t len);
enum hub_result hub_ban_remove(struct hub *hub, struct hub_user *by, struct hub_room *room,
			       const char *mask, size_t len);

/* The room's bans, oldest first: how many, and the i-th. */
size_t hub_room_ban_count(const struct hub_room *room);
const struct hub_ban *hub_room_ban(const struct hub_room *room, size_t i);

/* True if "name!ident@host" `who` matches one of the room's masks. */
bool hub_room_banned(const struct hub_room *room, const char *who, size_t len);

/* Kicks every member of `room` (each gets KICK with `reason`), which
 * drops the room and its lists. */
void hub_close_room(struct hub *hub, struct hub_user *by, struct hub_room *room,
		    const char *reason, size_t len);

/* Disconnects `victim` through its dialect (hub_sink.kill), or, for
 * another node's user, asks the bus to have its node do it. False if it
 * cannot be killed (no bus, or the bus is offline). */
bool hub_kill(struct hub *hub, struct hub_user *by, struct hub_user *victim, const char *reason,
	      size_t len);

/* Server operator status: by account (hub_config.opers, once logged in)
 * or granted after the OPER password (hub_oper_password_ok). */
bool hub_user_is_oper(const struct hub *hub, const struct hub_user *user);
/* Grants it; another node's user (a proxy) is one as its node says. A
 * local user's new status is announced to the bus (user_added). */
void hub_user_set_oper(struct hub *hub, struct hub_user *user);
/* True if an OPER password is configured and `pw` is it. */
bool hub_oper_password_ok(const struct hub *hub, const char *pw, size_t len);

/* True if `user` may moderate `room`: an operator of it, or a server
 * operator. */
bool hub_may_moderate(const struct hub *hub, const struct hub_user *user,
		      const struct hub_room *room);

/* True if `user` may speak in `room` as its modes stand: not +m, or a
 * voiced or operator member, or a server operator. */
bool hub_may_speak(const struct hub *hub, const struct hub_user *user,
		   const struct hub_room *room);

/* Delivers `room`'s history to `user` alone, oldest first, as SAY events
 * with `replay` set: the newest lines whose cost, counted as
 * `line_overhead` + name length + text length each, fits in `budget`
 * bytes (SIZE_MAX: all). Returns how many lines were replayed. */
size_t hub_replay_history(struct hub *hub, struct hub_user *user, struct hub_room *room,
			  size_t budget, size_t line_overhead);

/* Per-dialect room data: a dialect may hang protocol state the hub does
 * not model (IRC ban and invite lists) on a room under its render slot.
 * The hub never reads it; when the room is dropped it passes the data to
 * the release function the dialect set for that slot (if any). */
void hub_set_ext_release(struct hub *hub, int slot, void (*release)(void *data));
void hub_room_set_ext(struct hub_room *room, int slot, void *data);
void *hub_room_ext(const struct hub_room *room, int slot);

/* ---- presence watch ----
 * Arrivals, departures and renames of every user, whatever its protocol
 * and whether or not it shares a room with anyone (proxies of other
 * nodes' users too): for a dialect that keeps its own record of who comes
 * and goes (IRC's WHOWAS and MONITOR). Room events cannot serve, as they
 * reach only users who share a room. The watcher runs after the change
 * (a departing user has left its rooms and lost its name, and is freed
 * right after); it may read the hub but must not change it. Not called
 * once the hub is silenced. */
enum hub_presence {
	HUB_PRESENCE_ARRIVED, /* `user` registered (from hub_register*, hub_proxy_add) */
	HUB_PRESENCE_LEFT,    /* `user` is being unregistered */
	HUB_PRESENCE_RENAMED, /* `user` was called `old` (old_len bytes) */
};

struct hub_watch {
	void (*presence)(void *ctx, enum hub_presence what, const struct hub_user *user,
			 const char *old, size_t old_len);
	void *ctx;
};

/* Sets the one watcher (copied), or clears it with NULL. */
void hub_set_watch(struct hub *hub, const struct hub_watch *watch);

/* ---- history and accounts (through the store, see store/store.h) ---- */

/* `room`'s lines matching `q`, oldest first, to `fn`. Returns how many, or
 * -1 for a room that has neither members nor stored lines. Without a store,
 * the live room's in-memory lines are searched. */
int hub_history(struct hub *hub, const char *room, size_t len, const struct store_query *q,
		store_line_fn *fn, void *ctx);

/* Private lines between `user` and the name `peer`, both directions, as
 * hub_history; kept only while both parties are logged in, and only ever
 * returned to one of them (the caller passes its own user). -1 if none. */
int hub_private_history(struct hub *hub, const struct hub_user *user, const char *peer,
			size_t len, const struct store_query *q, store_line_fn *fn, void *ctx);

/* True when accounts can be used (a store is configured). */
bool hub_accounts_enabled(const struct hub *hub);

/* Starts an account operation (store/store.h); the result comes back
 * through req->done on the loop's thread, never from inside this call.
 * Returns the ticket for hub_account_cancel(), or 0 without a store. */
uint64_t hub_account_submit(struct hub *hub, const struct store_account_request *req);

/* Forgets a pending operation: its callback will not run (the caller is
 * going away). */
void hub_account_cancel(struct hub *hub, uint64_t ticket);

/* Looks a room up by name (ignoring case); NULL if it has no members. */
struct hub_room *hub_find_room(const struct hub *hub, const char *name, size_t len);

/* Looks a user up by name (ignoring case); NULL if none. */
struct hub_user *hub_find_user(const struct hub *hub, const char *name, size_t len);

/* The user's membership of `room`, or NULL. Walks the user's rooms. */
struct hub_member *hub_membership(const struct hub_user *user, const struct hub_room *room);

/* ---- reading state ---- */

const char *hub_user_name(const struct hub_user *user); /* NUL-terminated */
size_t hub_user_name_len(const struct hub_user *user);
const char *hub_user_origin(const struct hub_user *user, size_t *len);
const char *hub_user_away(const struct hub_user *user, size_t *len); /* NULL if here */
size_t hub_user_room_count(const struct hub_user *user);
void *hub_user_ctx(const struct hub_user *user);
/* The sink given at registration: a dialect tells its own users by it. */
const struct hub_sink *hub_user_sink(const struct hub_user *user);

const char *hub_room_name(const struct hub_room *room); /* as first created */
size_t hub_room_name_len(const struct hub_room *room);
size_t hub_room_size(const struct hub_room *room);
uint64_t hub_room_created_ms(const struct hub_room *room);
const struct hub_room_modes *hub_room_modes(const struct hub_room *room);
/* Topic text (empty if none), its setter's name and when it was set. */
const char *hub_room_topic(const struct hub_room *room, size_t *len);
const char *hub_room_topic_setter(const struct hub_room *room);
uint64_t hub_room_topic_ms(const struct hub_room *room);

struct hub_user *hub_member_user(const struct hub_member *m);
struct hub_room *hub_member_room(const struct hub_member *m);
uint32_t hub_member_flags(const struct hub_member *m);

size_t hub_user_count(const struct hub *hub);
size_t hub_room_count(const struct hub *hub);

/* How many local users each room event reached: a histogram over upper
 * bounds (the last bucket is unbounded), with the count and sum of all. */
enum { HUB_FANOUT_BUCKETS = 12 };
extern const unsigned hub_fanout_bounds[HUB_FANOUT_BUCKETS - 1];
struct hub_fanout {
	uint64_t buckets[HUB_FANOUT_BUCKETS]; /* not cumulative */
	uint64_t count, sum;
};
void hub_get_fanout(const struct hub *hub, struct hub_fanout *out);

/* Iteration: users in registration order, rooms in creation order, room
 * members in join order, a user's memberships in join order. Each returns
 * NULL past the end. The hub must not change during an iteration. */
struct hub_user *hub_first_user(const struct hub *hub);
struct hub_user *hub_next_user(const struct hub *hub, const struct hub_user *user);
struct hub_room *hub_first_room(const struct hub *hub);
struct hub_room *hub_next_room(const struct hub *hub, const struct hub_room *room);
struct hub_member *hub_first_member(const struct hub_room *room);
struct hub_member *hub_next_member(const struct hub_member *m);
struct hub_member *hub_first_membership(const struct hub_user *user);
struct hub_member *hub_next_membership(const struct hub_member *m);

#endif
