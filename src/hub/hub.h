/* hub: the one place users and rooms live. Every dialect (chat today, IRC
 * and WebSocket later) registers its users here and asks the hub to join,
 * leave, say and whisper; the hub turns that into events delivered to each
 * affected user's sink. The hub never sees a socket or protocol text: a sink
 * renders an event into its own wire format, at most once per event per
 * dialect thanks to the event's render cache.
 *
 * Lookups are hash-indexed (names and rooms compare ignoring ASCII case);
 * fan-out walks only the room's member list. Sinks must not call back into
 * the hub while an event is being delivered. */
#ifndef PARLEY_HUB_HUB_H
#define PARLEY_HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct msg;
struct hub;
struct hub_user;
struct hub_room;

enum { HUB_NAME_MAX = 32, HUB_ROOM_MAX = 32, HUB_RENDER_SLOTS = 4 };

enum hub_event_kind {
	HUB_EV_JOIN,    /* `from` joined `room` (not sent to `from`) */
	HUB_EV_LEAVE,   /* `from` left `room` (sent to the remaining members) */
	HUB_EV_SAY,     /* `from` said `text` in `room` (sent to every member) */
	HUB_EV_PRIVMSG, /* `from` whispered `text` (sent to the target only) */
};

/* One thing that happened. Strings are not NUL-terminated; lengths rule.
 * `rendered` is a per-dialect cache: the first sink of a dialect to see the
 * event stores its rendering in its slot and later recipients reuse it. The
 * hub drops those references once delivery is over. */
struct hub_event {
	enum hub_event_kind kind;
	bool replay; /* a history line replayed to a joining user */
	const char *room;
	size_t room_len;
	const char *from;
	size_t from_len;
	const char *text;
	size_t text_len;
	struct msg *rendered[HUB_RENDER_SLOTS];
};

/* How the hub reaches a user: supplied by the user's dialect. */
struct hub_sink {
	void (*deliver)(void *ctx, struct hub_event *ev);
};

struct hub_config {
	size_t history; /* room lines kept for replay on join; 0 = none */
};

enum hub_result {
	HUB_OK,
	HUB_NAME_INVALID,
	HUB_NAME_TAKEN,
	HUB_ROOM_INVALID,
	HUB_ALREADY_IN,
	HUB_NOT_IN_ROOM,
	HUB_NO_SUCH_USER,
};

struct hub *hub_create(const struct hub_config *cfg);

/* Frees the hub; every user must have been unregistered. */
void hub_destroy(struct hub *hub);

/* Stops all event delivery for good. Used at shutdown, when every user is
 * about to leave: announcing each departure to everyone else who is also
 * leaving would cost O(users^2) and push lines after the farewell. */
void hub_silence(struct hub *hub);

/* Names: 1-32 of [A-Za-z0-9_-]. Rooms: '#' then 1-31 printable ASCII
 * characters other than space and ','. */
bool hub_name_valid(const char *name, size_t len);
bool hub_room_valid(const char *room, size_t len);

/* Registers a user named `name` (unique ignoring case) reached through
 * `sink`/`ctx`. On HUB_OK stores the new user in *out. */
enum hub_result hub_register(struct hub *hub, const char *name, size_t len,
			     const struct hub_sink *sink, void *ctx, struct hub_user **out);

/* Removes the user: leaves its room (members get LEAVE) and frees it. */
void hub_unregister(struct hub *hub, struct hub_user *user);

/* Moves the user into `room` (created if needed), leaving any current room
 * first (its members get LEAVE); members already there get JOIN. The caller
 * then reads hub_user_room() to describe the room to the joiner. */
enum hub_result hub_join(struct hub *hub, struct hub_user *user, const char *room, size_t len);

/* Leaves the current room (members get LEAVE; an emptied room is dropped).
 * Copies the room's display name, NUL-terminated, into `name_out`. */
enum hub_result hub_leave(struct hub *hub, struct hub_user *user,
			  char name_out[HUB_ROOM_MAX + 1]);

/* Says `text` in the user's room: every member, the speaker included, gets
 * SAY; the line joins the room's history. */
enum hub_result hub_say(struct hub *hub, struct hub_user *user, const char *text, size_t len);

/* Sends `text` privately to the user named `to` (ignoring case; may be the
 * sender). */
enum hub_result hub_privmsg(struct hub *hub, struct hub_user *from, const char *to,
			    size_t to_len, const char *text, size_t len);

/* Delivers the user's current room history to that user alone, oldest
 * first, as SAY events with `replay` set. */
void hub_replay_history(struct hub *hub, struct hub_user *user);

/* Looks a room up by name (ignoring case); NULL if it has no members. */
struct hub_room *hub_find_room(const struct hub *hub, const char *name, size_t len);

/* ---- reading state ---- */

const char *hub_user_name(const struct hub_user *user); /* NUL-terminated */
size_t hub_user_name_len(const struct hub_user *user);
struct hub_room *hub_user_room(const struct hub_user *user); /* NULL if none */

const char *hub_room_name(const struct hub_room *room); /* as first created */
size_t hub_room_name_len(const struct hub_room *room);
size_t hub_room_size(const struct hub_room *room);

size_t hub_user_count(const struct hub *hub);
size_t hub_room_count(const struct hub *hub);

/* Iteration: users in registration order, rooms in creation order, room
 * members in join order. Each returns NULL past the end. The hub must not
 * change during an iteration. */
struct hub_user *hub_first_user(const struct hub *hub);
struct hub_user *hub_next_user(const struct hub *hub, const struct hub_user *user);
struct hub_room *hub_first_room(const struct hub *hub);
struct hub_room *hub_next_room(const struct hub *hub, const struct hub_room *room);
struct hub_user *hub_first_member(const struct hub_room *room);
struct hub_user *hub_next_member(const struct hub_room *room, const struct hub_user *user);

#endif
