/* render: turn what the server sent into what a person or a script reads.
 * Each function appends one complete output line (with its '\n') to a
 * buffer, so the caller decides where and when it is written. All text from
 * the network is escaped (see escape.h) before it reaches a terminal. */
#ifndef PARLEY_CLIENT_RENDER_H
#define PARLEY_CLIENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "chat.h"
#include "proto.h"

struct buf;

struct render_style {
	bool color;    /* ANSI colours (only ever on a terminal) */
	bool terminal; /* output is a screen: escape control bytes even in raw */
	bool timestamps; /* render_stamp writes "[HH:MM] " */
};

/* The start of a shown line: "[HH:MM] " for `when` (local time, as the
 * caller converted it), or nothing with timestamps off. */
void render_stamp(const struct render_style *st, const struct tm *when, struct buf *out);

/* A room message replayed on join, set apart from live ones: marked
 * "[history] " where a live line has its time (the server does not say
 * when it was first sent) and dimmed when colours are on. */
void render_history(const struct render_style *st, const struct chat_event *ev,
		    struct buf *out);

/* The members already in a room we joined: "* Users in #room: a, b, c". */
void render_members(const struct render_style *st, const char *room, struct span list,
		    struct buf *out);

/* An error found by the client itself: "! text". */
void render_error(const struct render_style *st, const char *text, struct buf *out);

/* Raw form: a line exactly as received minus its terminator (escaped only
 * on a terminal), or a frame with non-printable bytes escaped. */
void render_raw(const struct render_style *st, enum proto p, const char *unit, size_t len,
		struct buf *out);

/* Human form of one chat line: "[#general] alice: hello", "[PM from bob] hi",
 * "-> carol joined #general", "! Username taken", ... Returns false (and
 * appends nothing) for replies not worth showing ("OK Sent", which the
 * local echo of the private message already stands for). */
bool render_chat(const struct render_style *st, const struct chat_event *ev, struct buf *out);

/* The local echo of a private message we sent: "[PM to bob] hi". */
void render_sent_privmsg(const struct render_style *st, struct span to, struct span text,
			 struct buf *out);

/* A message from the client itself ("* connected to ..."), not the server. */
void render_notice(const struct render_style *st, const char *text, struct buf *out);

#endif
