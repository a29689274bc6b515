/* chat_parse: the pure half of the chat protocol — classify one line
 * (without its terminator) as a command or a message, and check that its
 * bytes are acceptable text. No allocation; results point into the line. */
#ifndef PARLEY_DIALECT_CHAT_PARSE_H
#define PARLEY_DIALECT_CHAT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum chat_cmd {
	CHAT_SAY,      /* a plain line: a message to the current room */
	CHAT_USERNAME, /* USERNAME <name>, /nick <name> */
	CHAT_JOIN,     /* JOIN <#room>, /join <#room> */
	CHAT_LEAVE,    /* LEAVE [<#room>], /leave */
	CHAT_MSG,      /* MSG <text> */
	CHAT_PRIVMSG,  /* PRIVMSG <user> <text>, /msg <user> <text> */
	CHAT_ROOMS,    /* ROOMS, /rooms */
	CHAT_USERS,    /* USERS [<#room>], /users [<#room>] */
	CHAT_QUIT,     /* QUIT, /quit */
	CHAT_HISTORY,  /* HISTORY <#room> [<n>] [BEFORE <msgid>], /history ... */
	CHAT_REGISTER, /* REGISTER <password> */
	CHAT_LOGIN,    /* LOGIN <name> <password> */
	CHAT_PASSWORD, /* PASSWORD <old> <new> */
	CHAT_KICK,     /* KICK <user> [<reason>] (room operators) */
	CHAT_BAN,      /* BAN [<mask>]: add, or list with no mask */
	CHAT_UNBAN,    /* UNBAN <mask> */
	CHAT_MUTE,     /* MUTE: only operators and voiced members speak (+m) */
	CHAT_UNMUTE,   /* UNMUTE */
	CHAT_TOPIC,    /* TOPIC [<text>]: show, or set */
	CHAT_OPER,     /* OPER <password> */
	CHAT_KILL,     /* KILL <user> [<reason>] (server operators) */
	CHAT_CLOSE,    /* CLOSE <#room> [<reason>] (server operators) */
	CHAT_UNKNOWN,  /* a /word we do not know */
	CHAT_NCMDS
};

struct chat_command {
	enum chat_cmd cmd;
	const char *arg; /* rest of the line after "WORD " (the text for SAY) */
	size_t arg_len;
	const char *target; /* PRIVMSG only: the first word of arg */
	size_t target_len;
	const char *text; /* PRIVMSG only: what follows the target and a space */
	size_t text_len;
};

/* A command word and what it means. */
struct chat_word {
	const char *name;
	enum chat_cmd cmd;
};

/* The parser's own tables: upper-case protocol words, matched exactly, and
 * slash commands for people at a terminal, matched ignoring case. */
extern const struct chat_word chat_command_words[];
extern const size_t chat_command_words_count;
extern const struct chat_word chat_slash_words[];
extern const size_t chat_slash_words_count;

/* Classifies `line`. A line is a command only when its first word is an
 * upper-case command word or it starts with '/'; anything else is CHAT_SAY. */
void chat_parse(const char *line, size_t len, struct chat_command *out);

enum chat_text {
	CHAT_TEXT_OK,
	CHAT_TEXT_BAD_CHARS, /* bytes below 0x20 other than tab, or 0x7F */
	CHAT_TEXT_BAD_UTF8,  /* not strict UTF-8 */
};

/* HISTORY's arguments: "<#room> [<n>] [BEFORE <msgid>]". */
enum { CHAT_HISTORY_DEFAULT = 50 };

struct chat_history_args {
	const char *room; /* not checked here: hub_room_valid() */
	size_t room_len;
	size_t count;     /* CHAT_HISTORY_DEFAULT if not given; >= 1 */
	uint64_t before;  /* message id, 0 = the newest lines */
};

/* Parses HISTORY's argument text. False on anything but the form above:
 * a count of 0 or with junk, an unknown keyword, BEFORE without a
 * 16-hex-digit non-zero message id, words left over. Counts above
 * `max_count` are clamped to it. */
bool chat_parse_history(const char *arg, size_t len, size_t max_count,
			struct chat_history_args *out);

/* Splits "<first> <rest>" at the first space: both must be non-empty. */
bool chat_split_two(const char *arg, size_t len, const char **first, size_t *first_len,
		    const char **rest, size_t *rest_len);

/* Checks a whole line: control characters first, then UTF-8. */
enum chat_text chat_check_text(const char *line, size_t len);

/* The names chat users may register: 1-32 of [A-Za-z0-9_-]. The hub
 * accepts more (IRC nicks), and chat shows those verbatim. */
bool chat_username_valid(const char *name, size_t len);

/* True if `text` is empty or only spaces and tabs. */
bool chat_text_blank(const char *text, size_t len);

#endif
