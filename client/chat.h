/* chat: pure helpers for the chat protocol as a client sees it: cut a
 * server line into its parts, follow the user's name and room from the
 * replies, and recognise the typed lines the client must act on. */
#ifndef PARLEY_CLIENT_CHAT_H
#define PARLEY_CLIENT_CHAT_H

#include <stdbool.h>
#include <stddef.h>

struct span {
	const char *p;
	size_t len;
};

enum chat_kind {
	CHAT_ROOM,     /* ROOM <#room> <user> <text> */
	CHAT_PRIVMSG,  /* PRIVMSG <from> <text> */
	CHAT_JOIN,     /* JOIN <#room> <user> */
	CHAT_LEAVE,    /* LEAVE <#room> <user> */
	CHAT_OK,       /* OK <text> */
	CHAT_ERROR,    /* ERROR <text> */
	CHAT_ROOMLIST, /* ROOMLIST [<#room> ...]: text is the list */
	CHAT_USERLIST, /* USERLIST [<user> ...]: text is the list */
	CHAT_OTHER,    /* anything else: text is the whole line */
};

struct chat_event {
	enum chat_kind kind;
	struct span room, user, text; /* unused parts have len 0 */
};

/* Parses one server line (terminator already removed). Never fails: a line
 * that does not fit its command's shape is CHAT_OTHER. */
void chat_parse(const char *line, size_t len, struct chat_event *ev);

enum { CHAT_NAME_MAX = 64 };

/* What the replies so far say about us (for the prompt). */
struct chat_state {
	char name[CHAT_NAME_MAX]; /* empty until "OK Welcome, <name>!" */
	char room[CHAT_NAME_MAX]; /* empty outside a room */
};

/* Updates `st` from one parsed line; true if anything changed. */
bool chat_state_update(struct chat_state *st, const struct chat_event *ev);

/* True if the typed line asks the server to end the session: first word
 * QUIT (command words are upper case) or /quit in any case. */
bool chat_is_quit(const char *line, size_t len);

/* The slash commands a chat server knows (the server's own list, which
 * /help describes), NULL-terminated. */
extern const char *const chat_slash_commands[];

/* True if the typed line starts with a slash word that is not one of
 * chat_slash_commands (in any case); `word` is that word. The server would
 * only answer "ERROR Unknown command" without naming it. */
bool chat_is_unknown_command(const char *line, size_t len, struct span *word);

/* True if the typed line asks to join a room ("/join" in any case, or
 * "JOIN"), with or without an argument. */
bool chat_is_join(const char *line, size_t len);

/* Writes the typed line to `out` (NUL-terminated, at most `outlen` bytes)
 * with the room of a join given the '#' it lacks, as -j does: "/join tea"
 * becomes "/join #tea". Other lines are copied unchanged. Sets `*written`
 * to the length without the NUL; false if it does not fit. */
bool chat_complete_join(const char *line, size_t len, char *out, size_t outlen,
			size_t *written);

/* Reads the member count from "OK Joined <#room> (<n> users)": true with
 * the room and n, false for any other event. */
bool chat_joined_count(const struct chat_event *ev, struct span *room, size_t *count);

/* If the typed line is a private message ("/msg USER TEXT" in any case, or
 * "PRIVMSG USER TEXT"), fills `to` and `text` and returns true. */
bool chat_is_privmsg(const char *line, size_t len, struct span *to, struct span *text);

#endif
