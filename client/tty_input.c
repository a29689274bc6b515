/* tty_input: what a line typed at the prompt does. Two commands are the
 * client's own (/help and /quit); everything else goes to the server. */
#include <stdio.h>
#include <string.h>

#include <readline/history.h>

#include "options.h"
#include "session.h"
#include "tty_private.h"
#include "util/str.h"

static const char *const plain_commands[] = {"/help", "/quit", NULL};

const char *const *tty_input_commands(const struct tty *t)
{
	return t->opt->proto == PROTO_CHAT ? chat_slash_commands : plain_commands;
}

static const char chat_help[] =
	"Commands:\n"
	"  /join [#]room    join a room (moves you out of the current one)\n"
	"  /leave           leave the current room\n"
	"  /rooms           list the rooms that have people in them\n"
	"  /users [#room]   list the people here (everyone, outside a room)\n"
	"  /msg NAME TEXT   send a private message\n"
	"  /nick NAME       choose your name (once per session)\n"
	"  /quit            leave (also Ctrl-D, or Ctrl-C on an empty line)\n"
	"  /help            this list\n"
	"Any other line is said to your room. Up/Down recall earlier lines,\n"
	"Ctrl-R searches them, Tab completes commands.\n";

static const char plain_help[] =
	"Commands:\n"
	"  /quit            leave (also Ctrl-D, or Ctrl-C on an empty line)\n"
	"  /help            this list\n"
	"Any other line is sent as it is: one line (relay) or one frame\n"
	"(frame). Start a line with // to send one that begins with /.\n"
	"Up/Down recall earlier lines, Ctrl-R searches them.\n";

void tty_input_help(struct tty *t)
{
	const char *text = t->opt->proto == PROTO_CHAT ? chat_help : plain_help;
	tty_show(t, text, strlen(text));
}

/* Adds non-empty lines to the history, skipping an immediate repeat. */
static void remember(const char *line, size_t len)
{
	if (len == 0)
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1)
					      : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
}

enum local_command { LOCAL_NONE, LOCAL_HELP, LOCAL_QUIT };

/* Whether the first word is one of ours. */
static enum local_command local_command(const char *line, size_t len)
{
	size_t w = 0;
	while (w < len && line[w] != ' ')
		w++;
	if (str_equals_nocase(line, w, "/help"))
		return LOCAL_HELP;
	if (str_equals_nocase(line, w, "/quit"))
		return LOCAL_QUIT;
	return LOCAL_NONE;
}

/* Shows "[PM to bob] hi" for a private message we send, since the server's
 * reply ("OK Sent") does not repeat it and the typed line was erased. */
static void echo_privmsg(struct tty *t, const char *line, size_t len)
{
	struct span to, text;
	if (!t->pretty || !chat_is_privmsg(line, len, &to, &text))
		return;
	render_sent_privmsg(&t->style, to, text, &t->scratch);
	tty_show(t, buf_head(&t->scratch), buf_len(&t->scratch));
	buf_consume(&t->scratch, buf_len(&t->scratch));
}

/* The server's answer would not say which word it did not know. */
static void unknown_command(struct tty *t, struct span word)
{
	char text[128];
	int shown = word.len < 64 ? (int)word.len : 64;
	snprintf(text, sizeof(text), "Unknown command %.*s%s (/help lists them)", shown, word.p,
		 word.len > 64 ? "..." : "");
	tty_error(t, text);
}

static void send_chat(struct tty *t, const char *line, size_t len)
{
	struct span word;
	char joined[TTY_LINE_MAX];
	if (len == 0)
		return; /* the server ignores empty lines anyway */
	if (chat_is_unknown_command(line, len, &word)) {
		unknown_command(t, word);
		return;
	}
	if (chat_is_join(line, len)) {
		size_t n;
		if (chat_complete_join(line, len, joined, sizeof(joined), &n))
			tty_link_join(t, joined, n);
		else
			tty_link_join(t, line, len); /* too long for any room anyway */
		return;
	}
	echo_privmsg(t, line, len);
	session_send_line(t->s, line, len);
}

void tty_input_line(struct tty *t, const char *line, size_t len)
{
	remember(line, len);
	switch (local_command(line, len)) {
	case LOCAL_HELP:
		tty_input_help(t);
		return;
	case LOCAL_QUIT:
		tty_leave(t);
		return;
	case LOCAL_NONE:
		break;
	}
	if (len > 0 && !tty_link_up(t)) {
		tty_error(t, "Not connected (reconnecting); the line was not sent, Up recalls it");
		return;
	}
	if (t->opt->proto == PROTO_CHAT) {
		send_chat(t, line, len);
		return;
	}
	/* relay and frame: "//x" sends "/x" */
	if (len >= 2 && line[0] == '/' && line[1] == '/')
		session_send_line(t->s, line + 1, len - 1);
	else
		session_send_line(t->s, line, len);
}
