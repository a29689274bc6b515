/* fuzz_chat_parse: the chat line classifier (dialect/chat_parse.c) against
 * a model written from PRODUCT.md: a line is a command only when its first
 * word (up to the first space) is an upper-case command word, or it starts
 * with '/' (then the word is matched ignoring case and an unknown one is
 * CHAT_UNKNOWN); the argument is the rest of the line after that space;
 * PRIVMSG, KICK, KILL and CLOSE split their argument at the first space
 * into target and text.
 * Every pointer returned must lie inside the line. The same line is also
 * classified after chat_check_text, exactly as the dialect does. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dialect/chat_parse.h"
#include "fuzz.h"
#include "reference.h"

struct ref_word {
	const char *word;
	enum chat_cmd cmd;
};

static const struct ref_word upper_words[] = {
	{"USERNAME", CHAT_USERNAME}, {"JOIN", CHAT_JOIN},   {"LEAVE", CHAT_LEAVE},
	{"MSG", CHAT_MSG},           {"PRIVMSG", CHAT_PRIVMSG}, {"ROOMS", CHAT_ROOMS},
	{"USERS", CHAT_USERS},       {"QUIT", CHAT_QUIT},       {"HISTORY", CHAT_HISTORY},
	{"REGISTER", CHAT_REGISTER}, {"LOGIN", CHAT_LOGIN},     {"PASSWORD", CHAT_PASSWORD},
	{"KICK", CHAT_KICK},         {"BAN", CHAT_BAN},         {"UNBAN", CHAT_UNBAN},
	{"MUTE", CHAT_MUTE},         {"UNMUTE", CHAT_UNMUTE},   {"TOPIC", CHAT_TOPIC},
	{"OPER", CHAT_OPER},         {"KILL", CHAT_KILL},       {"CLOSE", CHAT_CLOSE},
	{NULL, CHAT_SAY},
};

static const struct ref_word slash_words[] = {
	{"join", CHAT_JOIN},   {"leave", CHAT_LEAVE}, {"rooms", CHAT_ROOMS}, {"users", CHAT_USERS},
	{"msg", CHAT_PRIVMSG}, {"nick", CHAT_USERNAME}, {"quit", CHAT_QUIT},
	{"history", CHAT_HISTORY}, {"kick", CHAT_KICK}, {"ban", CHAT_BAN},
	{"unban", CHAT_UNBAN}, {"mute", CHAT_MUTE}, {"unmute", CHAT_UNMUTE},
	{"topic", CHAT_TOPIC}, {"oper", CHAT_OPER}, {"kill", CHAT_KILL},
	{"close", CHAT_CLOSE}, {NULL, CHAT_UNKNOWN},
};

static enum chat_cmd ref_lookup(const struct ref_word *table, const char *w, size_t n,
				bool nocase)
{
	const struct ref_word *t = table;
	for (; t->word; t++) {
		if (strlen(t->word) != n)
			continue;
		if (nocase ? strncasecmp(t->word, w, n) == 0 : memcmp(t->word, w, n) == 0)
			break;
	}
	return t->cmd;
}

static size_t first_space(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] != ' ')
		i++;
	return i;
}

static void check_parse(const char *line, size_t len)
{
	struct chat_command got;
	chat_parse(line, len, &got);
	FUZZ_CHECK(got.cmd < CHAT_NCMDS);
	size_t w = first_space(line, len);
	enum chat_cmd want = len > 0 && line[0] == '/'
				     ? ref_lookup(slash_words, line + 1, w - 1, true)
				     : ref_lookup(upper_words, line, w, false);
	FUZZ_CHECK(got.cmd == want);
	if (want == CHAT_SAY) {
		FUZZ_CHECK(got.arg == line && got.arg_len == len);
		return;
	}
	size_t arg_off = w < len ? w + 1 : len;
	FUZZ_CHECK(got.arg == line + arg_off && got.arg_len == len - arg_off);
	if (want != CHAT_PRIVMSG && want != CHAT_KICK && want != CHAT_KILL && want != CHAT_CLOSE)
		return;
	size_t t = first_space(got.arg, got.arg_len);
	FUZZ_CHECK(got.target == got.arg && got.target_len == t);
	size_t text_off = t < got.arg_len ? t + 1 : got.arg_len;
	FUZZ_CHECK(got.text == got.arg + text_off && got.text_len == got.arg_len - text_off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	check_parse(line, size);
	enum chat_text st = chat_check_text(line, size);
	FUZZ_CHECK(st == (ref_has_control(data, size)   ? CHAT_TEXT_BAD_CHARS
			  : ref_utf8_valid(data, size) ? CHAT_TEXT_OK
						       : CHAT_TEXT_BAD_UTF8));
	return 0;
}
