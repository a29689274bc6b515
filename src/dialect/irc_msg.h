/* irc_msg: one IRC message line, parsed and written. Pure functions on
 * bytes (no fds, no allocation): the parser takes a line the line codec has
 * already cut (no CR/LF) and returns slices into it; the writer builds an
 * outgoing line in a caller buffer. Grammar: the Modern IRC client protocol
 * (RFC 1459/2812 framing) plus IRCv3 message tags. */
#ifndef PARLEY_DIALECT_IRC_MSG_H
#define PARLEY_DIALECT_IRC_MSG_H

#include <stdbool.h>
#include <stddef.h>

enum {
	IRC_MAX_PARAMS = 15,
	IRC_LINE_MAX = 510,     /* bytes after the tags, without CR LF */
	IRC_TAGS_MAX = 8191,    /* the tag section, '@' and trailing space included */
	IRC_COMMAND_MAX = 31,   /* longer words are never known commands */
};

/* `len` bytes at `p`; p may be NULL only when len is 0. */
struct irc_slice {
	const char *p;
	size_t len;
};

enum irc_parse {
	IRC_OK,
	IRC_ERR_EMPTY,          /* nothing but spaces: ignore the line */
	IRC_ERR_BAD_CHAR,       /* NUL, CR or LF inside the line */
	IRC_ERR_TAGS_TOO_LONG,  /* tag section over IRC_TAGS_MAX */
	IRC_ERR_BAD_TAG,        /* empty or malformed tag key */
	IRC_ERR_NO_COMMAND,     /* tags and/or source but no command */
	IRC_ERR_BAD_SOURCE,     /* ':' with nothing after it */
	IRC_ERR_BAD_COMMAND,    /* neither letters nor exactly three digits */
	IRC_ERR_TOO_MANY_PARAMS,/* a 16th parameter */
	IRC_ERR_LINE_TOO_LONG,  /* over IRC_LINE_MAX after the tags (numeric 417) */
};

/* A parsed line. Every slice points into the parsed input, which must
 * outlive it. Invariant: params[0..nparams) are set; when `trailing` is
 * true the last of them was introduced by ':' (and may be empty or hold
 * spaces), so "TOPIC #a :" (one empty trailing) differs from "TOPIC #a". */
struct irc_msg {
	struct irc_slice tags;    /* raw "k=v;k2" without '@', empty if none */
	struct irc_slice source;  /* without ':', empty if none */
	struct irc_slice command; /* as sent */
	char cmd[IRC_COMMAND_MAX + 1]; /* upper-cased command, "" if longer */
	struct irc_slice params[IRC_MAX_PARAMS];
	size_t nparams;
	bool trailing;
};

/* Parses one line (no CR LF). On IRC_OK every field of `out` is set; on an
 * error the fields are unspecified except as noted per error (the command
 * slice is set for IRC_ERR_BAD_COMMAND and everything after it). Spaces
 * between the parts may be repeated; trailing spaces add no parameter. A
 * 16th parameter is an error rather than folded into the 15th as RFC 2812
 * allows: no client sends one, and an error is clearer than a guess. */
enum irc_parse irc_parse(const char *line, size_t len, struct irc_msg *out);

/* A short English name for a result, for logs and tests. */
const char *irc_parse_name(enum irc_parse r);

/* True if the message's command equals `upper` (an upper-case word). */
bool irc_msg_is(const struct irc_msg *m, const char *upper);

/* Splits a source "nick!user@host" into its parts; a part that is absent
 * ("server.name", "nick@host") is empty. The '@' is the last one after the
 * '!' (or in the whole source when there is no '!'). */
void irc_source_split(struct irc_slice source, struct irc_slice *nick, struct irc_slice *user,
		      struct irc_slice *host);

/* ---- tags ---- */

struct irc_tag {
	struct irc_slice key;   /* with its '+' and vendor, if any */
	struct irc_slice value; /* raw (escaped); empty when absent or "k=" */
};

/* True if `key` is a valid tag key: ['+'] [vendor '/'] name, the vendor a
 * host name (letters, digits, '-', '.'), the name letters, digits, '-'. */
bool irc_tag_key_valid(const char *key, size_t len);

/* Walks a raw tag section (irc_msg.tags): stores the next non-empty tag in
 * `tag` and returns true, or returns false at the end. `*pos` starts at 0. */
bool irc_tag_next(struct irc_slice tags, size_t *pos, struct irc_tag *tag);

/* Finds the last tag named `key` (the last one wins when repeated); true
 * and its raw value in `value` if present. */
bool irc_tag_find(struct irc_slice tags, const char *key, struct irc_slice *value);

/* Unescapes a raw tag value into `dst` (`cap` bytes): \: ; \s space, \\ \,
 * \r CR, \n LF, any other escaped character stands for itself and a lone
 * trailing backslash is dropped. Returns the unescaped length, which is
 * never longer than the raw value; writes at most `cap` bytes. */
size_t irc_tag_unescape(struct irc_slice raw, char *dst, size_t cap);

/* Bytes of the client-only ('+') tags in a raw section, separators
 * included, to hold clients to the 4094-byte client tag budget. */
size_t irc_tags_client_len(struct irc_slice tags);

/* ---- writing ---- */

enum irc_write {
	IRC_WRITE_OK,
	IRC_WRITE_TRUNCATED, /* the last parameter was cut; see irc_writer.cut */
	IRC_WRITE_OVERFLOW,  /* something other than the last parameter did not fit */
	IRC_WRITE_INVALID,   /* a part cannot be represented (see each call) */
};

/* Builds "[@tags ][:source ]COMMAND params\r\n" into buf[0..cap). Calls go
 * in that order; the first failure sticks and later calls do nothing. The
 * part after the tags is held to IRC_LINE_MAX + 2 bytes whatever `cap`. */
struct irc_writer {
	char *buf;
	size_t cap;
	size_t len;
	size_t body;      /* offset where the part after the tags starts */
	bool in_tags;     /* a tag has been written, the space not yet */
	bool has_command; /* parameters may follow */
	enum irc_write status;
	size_t cut;       /* after TRUNCATED: bytes of the last param written */
};

void irc_writer_init(struct irc_writer *w, char *buf, size_t cap);

/* Adds a tag; `value` (vlen bytes) is escaped, NULL means no value. A bad
 * key is INVALID; tags beyond IRC_TAGS_MAX or the buffer are OVERFLOW. */
void irc_writer_tag(struct irc_writer *w, const char *key, const char *value, size_t vlen);

/* Adds ":source " (source non-empty, without spaces, else INVALID). */
void irc_writer_source(struct irc_writer *w, const char *source, size_t len);

/* Adds the command word (non-empty, no space, once, else INVALID). */
void irc_writer_command(struct irc_writer *w, const char *cmd, size_t len);

/* Adds a middle parameter after the command: non-empty, no space, not
 * starting with ':' (else INVALID). */
void irc_writer_param(struct irc_writer *w, const char *p, size_t len);

/* Adds the last parameter, with ':' in front when it is empty, holds a
 * space or starts with ':'. If it does not fit, as much as fits without
 * cutting a UTF-8 character is written, status becomes TRUNCATED and
 * `cut` says how many bytes went out. NUL, CR or LF are INVALID. */
void irc_writer_last(struct irc_writer *w, const char *p, size_t len);

/* The same, always with ':' (message text, reasons: some clients read
 * only a ':' parameter as text). */
void irc_writer_trailing(struct irc_writer *w, const char *p, size_t len);

/* Bytes a last parameter (always given a ':') may still take. */
size_t irc_writer_room(const struct irc_writer *w);

/* Appends CR LF (room for it is always kept) and returns the status; the
 * line is buf[0..w->len) unless the status is OVERFLOW or INVALID. */
enum irc_write irc_writer_finish(struct irc_writer *w);

#endif
