/* tty_private: the interactive session's state, shared by tty.c (readline
 * and terminal plumbing, incoming messages) and tty_input.c (what a typed
 * line does). Nothing else includes this file. */
#ifndef PARLEY_CLIENT_TTY_PRIVATE_H
#define PARLEY_CLIENT_TTY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "chat.h"
#include "joinview.h"
#include "loop/loop.h"
#include "render.h"
#include "util/buf.h"

struct options;
struct session;
struct loop_signals;
struct connector;

enum { TTY_PROMPT_MAX = 96, TTY_LINE_MAX = 4096 };

struct tty {
	struct loop *loop;
	const struct options *opt;
	struct session *s;
	struct loop_signals *sigs;
	struct render_style style;
	struct chat_state chat;     /* name and room: the prompt, and what a
				     * reconnect registers and joins */
	struct joinview jv;         /* what the answer to a JOIN is made of */
	struct loop_timer retry;    /* next reconnect attempt */
	struct connector *connecting; /* reconnect attempt under way */
	unsigned failures;          /* reconnect attempts failed in a row */
	struct buf scratch;         /* one rendered message */
	struct buf pending;         /* shown output not yet written */
	struct loop_timer goodbye;  /* bounds the wait for the server after QUIT */
	char prompt[TTY_PROMPT_MAX];
	char *accepted;             /* the line the erasing accept-line took */
	bool pretty;                /* chat rendering (not --raw, chat protocol) */
	bool readline_on;           /* handler installed: the prompt is on screen */
	bool shared_screen;         /* readline draws on stdout, where we print */
	bool in_line_handler;       /* readline is between accept and new prompt */
	bool leaving;               /* the user asked to quit */
	bool want_leave;            /* Ctrl-C on an empty line, acted on after the key */
	bool want_suspend;          /* Ctrl-Z, acted on after the key */
	int signo;                  /* fatal signal received, or 0 */
	int status;
	char reason[256];
};

/* Shows one or more complete lines above the input line. They are written
 * before the loop next sleeps, then the prompt and whatever was being typed
 * are redrawn, cursor where it was. */
void tty_show(struct tty *t, const char *text, size_t len);

/* Shows a client notice ("* ...") above the input line. */
void tty_notice(struct tty *t, const char *text);

/* Shows an error found by the client ("! ...") above the input line. */
void tty_error(struct tty *t, const char *text);

/* Appends "[HH:MM] " (if shown) to t->scratch: the start of a line. */
void tty_stamp(struct tty *t);

/* Sets the prompt from the current room. */
void tty_update_prompt(struct tty *t);

/* ---- the connection (tty_link.c) ---- */

/* Creates the session (once, before the screen's hook is registered). */
void tty_link_init(struct tty *t);

/* Takes over the connected socket `fd`, registers and joins; false if the
 * socket cannot be watched (it is closed). */
bool tty_link_start(struct tty *t, int fd);

/* True while connected (not closing, not waiting to reconnect). */
bool tty_link_up(const struct tty *t);

/* Sends a typed join line and, for the chat view, the marker after it. */
void tty_link_join(struct tty *t, const char *line, size_t len);

/* Stops reconnecting; true if no connection is open (nothing to close). */
bool tty_link_abandon(struct tty *t);

/* Stops everything and frees the session. */
void tty_link_release(struct tty *t);

/* The user wants to go: stop reading the terminal, restore it, say QUIT in
 * chat mode and wait (bounded) for the server to close. Asked twice, it
 * closes at once. */
void tty_leave(struct tty *t);

/* Handles one line the user typed (readline's buffer, no newline). */
void tty_input_line(struct tty *t, const char *line, size_t len);

/* Prints the /help text for the session's protocol. */
void tty_input_help(struct tty *t);

/* Commands offered by tab completion, NULL-terminated. */
const char *const *tty_input_commands(const struct tty *t);

#endif
