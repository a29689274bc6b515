/* irc_text: pure helpers the IRC dialect needs around names and text:
 * nick and channel validation (RFC 2812 grammar, Modern IRC), the ASCII
 * casemapping, comma lists, cutting text into chunks at UTF-8 character
 * boundaries, and CTCP ACTION. No allocation; results are slices. */
#ifndef PARLEY_DIALECT_IRC_TEXT_H
#define PARLEY_DIALECT_IRC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

enum irc_nick_rule {
	/* RFC 2812: a letter or one of [ ] \ ` _ ^ { | } first, then those,
	 * digits and '-'. */
	IRC_NICK_STRICT,
	/* The same characters, but a digit or '-' may also come first, so a
	 * chat name such as "7of9" is accepted. */
	IRC_NICK_PERMISSIVE,
};

/* True if `nick` (len bytes) is 1..maxlen bytes and follows `rule`. */
bool irc_nick_valid(const char *nick, size_t len, size_t maxlen, enum irc_nick_rule rule);

/* True if `name` starts with a byte of `chantypes` (e.g. "#"), has at least
 * one byte after it, is at most maxlen bytes, and contains no NUL, BEL, CR,
 * LF, space, comma or ':' (RFC 2812's chanstring, without channel masks). */
bool irc_channel_valid(const char *name, size_t len, size_t maxlen, const char *chantypes);

/* ---- casemapping "ascii": only A-Z and a-z fold ---- */

/* Compares like memcmp over the common length, then by length, with A-Z
 * folded to a-z: 0 means equal ignoring ASCII case. */
int irc_casecmp(const char *a, size_t alen, const char *b, size_t blen);

/* Writes the folded form of src[0..n) to dst (n bytes; may be src). */
void irc_casefold(char *dst, const char *src, size_t n);

/* ---- comma lists ("#a,#b", "key1,key2") ---- */

/* Stores the next item of list[0..len) in `item` and returns true, or
 * returns false at the end. `*pos` starts at 0. Items may be empty
 * ("#a,,#b" yields "#a", "", "#b"); an empty list yields nothing. */
bool irc_list_next(const char *list, size_t len, size_t *pos, const char **item,
		   size_t *item_len);

/* ---- text chunks ---- */

/* Length of the longest prefix of text[0..len) that fits in `budget` bytes
 * without ending inside a UTF-8 character: `len` if it all fits. Invalid
 * UTF-8 is cut at most three bytes early. Returns 0 only for an empty text
 * or a first character longer than the budget; a caller splitting a long
 * text takes chunks of this length until nothing is left. */
size_t irc_text_chunk(const char *text, size_t len, size_t budget);

/* ---- CTCP ACTION (/me) ---- */

/* True if text is "\x01ACTION <body>\x01" (the closing \x01 may be
 * missing, the command is matched ignoring case, and "\x01ACTION\x01" has
 * an empty body); the body is stored in `body`. */
bool irc_ctcp_action(const char *text, size_t len, const char **body, size_t *body_len);

#endif
