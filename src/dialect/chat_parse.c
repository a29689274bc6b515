/* chat_parse: line classification and text checks for the chat protocol. */
#include "dialect/chat_parse.h"

#include <string.h>

#include "util/str.h"
#include "util/utf8.h"

const struct chat_word chat_command_words[] = {
	{"USERNAME", CHAT_USERNAME}, {"JOIN", CHAT_JOIN},   {"LEAVE", CHAT_LEAVE},
	{"MSG", CHAT_MSG},           {"PRIVMSG", CHAT_PRIVMSG}, {"ROOMS", CHAT_ROOMS},
	{"USERS", CHAT_USERS},       {"QUIT", CHAT_QUIT},       {"HISTORY", CHAT_HISTORY},
	{"REGISTER", CHAT_REGISTER}, {"LOGIN", CHAT_LOGIN},     {"PASSWORD", CHAT_PASSWORD},
	{"KICK", CHAT_KICK},         {"BAN", CHAT_BAN},         {"UNBAN", CHAT_UNBAN},
	{"MUTE", CHAT_MUTE},         {"UNMUTE", CHAT_UNMUTE},   {"TOPIC", CHAT_TOPIC},
	{"OPER", CHAT_OPER},         {"KILL", CHAT_KILL},       {"CLOSE", CHAT_CLOSE},
};

const struct chat_word chat_slash_words[] = {
	{"join", CHAT_JOIN},   {"leave", CHAT_LEAVE}, {"rooms", CHAT_ROOMS},
	{"users", CHAT_USERS}, {"msg", CHAT_PRIVMSG}, {"nick", CHAT_USERNAME},
	{"quit", CHAT_QUIT},   {"history", CHAT_HISTORY}, {"kick", CHAT_KICK},
	{"ban", CHAT_BAN},     {"unban", CHAT_UNBAN},     {"mute", CHAT_MUTE},
	{"unmute", CHAT_UNMUTE}, {"topic", CHAT_TOPIC},   {"oper", CHAT_OPER},
	{"kill", CHAT_KILL},   {"close", CHAT_CLOSE},
};

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

const size_t chat_command_words_count = NWORDS(chat_command_words);
const size_t chat_slash_words_count = NWORDS(chat_slash_words);

static enum chat_cmd lookup(const struct chat_word *words, size_t n, const char *w, size_t wlen,
			    bool nocase, enum chat_cmd otherwise)
{
	for (size_t i = 0; i < n; i++) {
		bool match = nocase ? str_equals_nocase(w, wlen, words[i].name)
				    : str_equals(w, wlen, words[i].name);
		if (match)
			return words[i].cmd;
	}
	return otherwise;
}

/* Splits "<target> <text>" at the first space. */
static void split_target(struct chat_command *out)
{
	const char *sp = memchr(out->arg, ' ', out->arg_len);
	out->target = out->arg;
	if (!sp) {
		out->target_len = out->arg_len;
		out->text = out->arg + out->arg_len;
		out->text_len = 0;
		return;
	}
	out->target_len = (size_t)(sp - out->arg);
	out->text = sp + 1;
	out->text_len = out->arg_len - out->target_len - 1;
}

void chat_parse(const char *line, size_t len, struct chat_command *out)
{
	memset(out, 0, sizeof(*out));
	const char *sp = memchr(line, ' ', len);
	size_t wlen = sp ? (size_t)(sp - line) : len;
	if (len > 0 && line[0] == '/')
		out->cmd = lookup(chat_slash_words, chat_slash_words_count, line + 1, wlen - 1, true,
				  CHAT_UNKNOWN);
	else
		out->cmd = lookup(chat_command_words, chat_command_words_count, line, wlen, false,
				  CHAT_SAY);
	if (out->cmd == CHAT_SAY) {
		out->arg = line;
		out->arg_len = len;
		return;
	}
	out->arg = sp ? sp + 1 : line + len;
	out->arg_len = sp ? len - wlen - 1 : 0;
	if (out->cmd == CHAT_PRIVMSG || out->cmd == CHAT_KICK || out->cmd == CHAT_KILL ||
	    out->cmd == CHAT_CLOSE)
		split_target(out);
}

enum chat_text chat_check_text(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return CHAT_TEXT_BAD_CHARS;
	}
	return utf8_valid(line, len) ? CHAT_TEXT_OK : CHAT_TEXT_BAD_UTF8;
}

bool chat_text_blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t')
			return false;
	return true;
}

bool chat_username_valid(const char *name, size_t len)
{
	if (len < 1 || len > 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* ---- HISTORY and account arguments ---- */

/* The next space-separated word at *pos, advancing past it. */
static bool next_word(const char *s, size_t len, size_t *pos, const char **w, size_t *wlen)
{
	while (*pos < len && s[*pos] == ' ')
		(*pos)++;
	if (*pos >= len)
		return false;
	size_t start = *pos;
	while (*pos < len && s[*pos] != ' ')
		(*pos)++;
	*w = s + start;
	*wlen = *pos - start;
	return true;
}

static bool parse_count(const char *w, size_t len, size_t max, size_t *out)
{
	if (len == 0 || len > 9)
		return false;
	size_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (size_t)(w[i] - '0');
	}
	if (v == 0)
		return false;
	*out = v < max ? v : max;
	return true;
}

static bool parse_msgid(const char *w, size_t len, uint64_t *out)
{
	if (len != 16)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		char c = w[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return v != 0;
}

bool chat_parse_history(const char *arg, size_t len, size_t max_count,
			struct chat_history_args *out)
{
	memset(out, 0, sizeof(*out));
	out->count = CHAT_HISTORY_DEFAULT < max_count ? CHAT_HISTORY_DEFAULT : max_count;
	size_t pos = 0;
	const char *w;
	size_t wlen;
	if (!next_word(arg, len, &pos, &out->room, &out->room_len))
		return false;
	if (!next_word(arg, len, &pos, &w, &wlen))
		return true;
	if (!str_equals(w, wlen, "BEFORE")) {
		if (!parse_count(w, wlen, max_count, &out->count))
			return false;
		if (!next_word(arg, len, &pos, &w, &wlen))
			return true;
		if (!str_equals(w, wlen, "BEFORE"))
			return false;
	}
	if (!next_word(arg, len, &pos, &w, &wlen) || !parse_msgid(w, wlen, &out->before))
		return false;
	return !next_word(arg, len, &pos, &w, &wlen);
}

bool chat_split_two(const char *arg, size_t len, const char **first, size_t *first_len,
		    const char **rest, size_t *rest_len)
{
	const char *sp = memchr(arg, ' ', len);
	if (!sp || sp == arg || sp + 1 == arg + len)
		return false;
	*first = arg;
	*first_len = (size_t)(sp - arg);
	*rest = sp + 1;
	*rest_len = len - *first_len - 1;
	return true;
}
