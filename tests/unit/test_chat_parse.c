/* test_chat_parse: dialect/chat_parse — chat_parse classifies every
 * upper-case command word (USERNAME JOIN LEAVE MSG PRIVMSG ROOMS USERS QUIT)
 * with and without arguments; lower/mixed-case words, near misses ("MSGX"),
 * leading spaces and tab separators are plain messages (CHAT_SAY carrying
 * the whole line); slash commands match in any case, and an unknown /word
 * or "/" alone is CHAT_UNKNOWN; the argument is the rest of the line after
 * exactly one space, kept byte for byte (extra spaces, NULs, UTF-8);
 * PRIVMSG's target/text split (no text, empty text, spaces, double space).
 * chat_check_text: every control byte 0x00-0x1F except tab and 0x7F are
 * BAD_CHARS, anywhere in the line; strict UTF-8 (overlongs, surrogates,
 * > U+10FFFF, truncated and stray bytes) is BAD_UTF8, and control bytes win
 * over bad UTF-8. chat_text_blank. Every input sits flush against a guard
 * page, and every prefix of a few long lines is parsed, so that any read
 * past the line crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/chat_parse.h"
#include "testutil.h"

enum { MAX_INPUT = 8192 };

GUARDED_GROUP(MAX_INPUT)

#define NWORDS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* Parses `n` bytes placed flush against the guard page; checks that every
 * pointer in the result lies inside the line. Returns the line's address. */
static const char *parse_n(const char *s, size_t n, struct chat_command *c)
{
	const char *line = guarded_put(&guard, s, n);
	memset(c, 0xA5, sizeof(*c)); /* chat_parse must set every field */
	chat_parse(line, n, c);
	assert_true(c->cmd < CHAT_NCMDS);
	if (c->arg_len) {
		assert_true(c->arg >= line && c->arg + c->arg_len <= line + n);
	}
	if (c->cmd == CHAT_PRIVMSG || c->cmd == CHAT_KICK || c->cmd == CHAT_KILL ||
	    c->cmd == CHAT_CLOSE) {
		if (c->target_len) {
			assert_true(c->target >= line && c->target + c->target_len <= line + n);
		}
		if (c->text_len) {
			assert_true(c->text >= line && c->text + c->text_len <= line + n);
		}
	} else {
		assert_int_equal(c->target_len, 0);
		assert_int_equal(c->text_len, 0);
	}
	return line;
}

static void assert_bytes(const char *got, size_t got_len, const char *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	if (want_len)
		assert_memory_equal(got, want, want_len);
}

/* `s` (n bytes) parses as a message: CHAT_SAY whose argument is the line. */
static void check_say_n(const char *s, size_t n)
{
	struct chat_command c;
	const char *line = parse_n(s, n, &c);
	assert_int_equal(c.cmd, CHAT_SAY);
	assert_int_equal(c.arg_len, n);
	if (n)
		assert_ptr_equal(c.arg, line);
}

static void check_say(const char *s)
{
	check_say_n(s, strlen(s));
}

/* `s` (n bytes) is `cmd` whose argument is `arg` (arg_len bytes); when the
 * argument is present it starts right after the first space. */
static void check_cmd_n(const char *s, size_t n, enum chat_cmd cmd, const char *arg,
			size_t arg_len)
{
	struct chat_command c;
	const char *line = parse_n(s, n, &c);
	assert_int_equal(c.cmd, cmd);
	assert_bytes(c.arg, c.arg_len, arg, arg_len);
	const char *sp = memchr(line, ' ', n);
	if (arg_len) {
		assert_non_null(sp);
		assert_ptr_equal(c.arg, sp + 1);
	}
}

static void check_cmd(const char *s, enum chat_cmd cmd, const char *arg)
{
	check_cmd_n(s, strlen(s), cmd, arg, strlen(arg));
}

static void check_privmsg(const char *s, const char *arg, const char *target,
			  const char *text)
{
	struct chat_command c;
	parse_n(s, strlen(s), &c);
	assert_int_equal(c.cmd, CHAT_PRIVMSG);
	assert_bytes(c.arg, c.arg_len, arg, strlen(arg));
	assert_bytes(c.target, c.target_len, target, strlen(target));
	assert_bytes(c.text, c.text_len, text, strlen(text));
	if (c.target_len) {
		assert_ptr_equal(c.target, c.arg);
	}
	if (c.text_len) {
		/* the text follows the target and exactly one space */
		assert_ptr_equal(c.text, c.arg + c.target_len + 1);
	}
}

static void join3(char *out, size_t cap, const char *a, const char *b, const char *c)
{
	int n = snprintf(out, cap, "%s%s%s", a, b, c);
	assert_true(n >= 0 && (size_t)n < cap);
}

/* ---- upper-case command words ---- */

/* The parser's tables, which every test below walks: each command other
 * than SAY and UNKNOWN has an upper-case word; slash words are lower case
 * and never mean SAY, UNKNOWN or MSG (a terminal's plain line is already a
 * message); no word appears twice. */
static void test_word_tables(void **state)
{
	(void)state;
	bool covered[CHAT_NCMDS] = {false};
	for (size_t i = 0; i < chat_command_words_count; i++) {
		const struct chat_word *w = &chat_command_words[i];
		for (const char *p = w->name; *p; p++)
			assert_true(*p >= 'A' && *p <= 'Z');
		covered[w->cmd] = true;
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(chat_command_words[j].name, w->name);
	}
	for (int cmd = 0; cmd < CHAT_NCMDS; cmd++)
		assert_int_equal(covered[cmd], cmd != CHAT_SAY && cmd != CHAT_UNKNOWN);
	for (size_t i = 0; i < chat_slash_words_count; i++) {
		const struct chat_word *w = &chat_slash_words[i];
		for (const char *p = w->name; *p; p++)
			assert_true(*p >= 'a' && *p <= 'z');
		assert_true(w->cmd != CHAT_SAY && w->cmd != CHAT_UNKNOWN && w->cmd != CHAT_MSG);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(chat_slash_words[j].name, w->name);
	}
}

/* Every command word, bare, with an empty argument, with one and with
 * several words of argument. */
static void test_command_words(void **state)
{
	(void)state;
	char line[128];
	for (size_t i = 0; i < chat_command_words_count; i++) {
		const struct chat_word *w = &chat_command_words[i];
		check_cmd(w->name, w->cmd, "");
		join3(line, sizeof(line), w->name, " ", "");
		check_cmd(line, w->cmd, "");
		join3(line, sizeof(line), w->name, " ", "x");
		check_cmd(line, w->cmd, "x");
		join3(line, sizeof(line), w->name, " ", "#room b c");
		if (w->cmd != CHAT_PRIVMSG)
			check_cmd(line, w->cmd, "#room b c");
	}
	check_cmd("USERNAME alice", CHAT_USERNAME, "alice");
	check_cmd("USERNAME a b", CHAT_USERNAME, "a b");
	check_cmd("JOIN #general", CHAT_JOIN, "#general");
	check_cmd("JOIN #a b", CHAT_JOIN, "#a b");
	check_cmd("LEAVE #general", CHAT_LEAVE, "#general");
	check_cmd("MSG hello world", CHAT_MSG, "hello world");
	check_cmd("USERS #general", CHAT_USERS, "#general");
	check_cmd("ROOMS please", CHAT_ROOMS, "please");
	check_cmd("QUIT bye now", CHAT_QUIT, "bye now");
}

/* A bare word with no space: the argument is empty (and reading it is safe:
 * the pointer, if any, is the end of the line). */
static void test_bare_words_have_no_argument(void **state)
{
	(void)state;
	for (size_t i = 0; i < chat_command_words_count; i++) {
		struct chat_command c;
		const char *s = chat_command_words[i].name;
		const char *line = parse_n(s, strlen(s), &c);
		assert_int_equal(c.cmd, chat_command_words[i].cmd);
		assert_int_equal(c.arg_len, 0);
		if (c.arg)
			assert_true(c.arg >= line && c.arg <= line + strlen(s));
	}
}

/* The argument is everything after the first space, byte for byte. */
static void test_argument_kept_byte_for_byte(void **state)
{
	(void)state;
	check_cmd("MSG  two leading", CHAT_MSG, " two leading");
	check_cmd("MSG trailing  ", CHAT_MSG, "trailing  ");
	check_cmd("MSG   ", CHAT_MSG, "  ");
	check_cmd("MSG a\tb", CHAT_MSG, "a\tb");
	check_cmd("MSG \t", CHAT_MSG, "\t");
	check_cmd("MSG caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", CHAT_MSG,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	check_cmd("JOIN  #a", CHAT_JOIN, " #a");
	check_cmd("JOIN #a ", CHAT_JOIN, "#a ");
	check_cmd("USERNAME  bob", CHAT_USERNAME, " bob");
	check_cmd("LEAVE ", CHAT_LEAVE, "");
	/* Embedded NUL bytes are just bytes to the parser. */
	check_cmd_n("MSG a\0b", 7, CHAT_MSG, "a\0b", 3);
	check_cmd_n("JOIN #\0", 7, CHAT_JOIN, "#\0", 2);
	/* A long argument. */
	char line[4100];
	memcpy(line, "MSG ", 4);
	memset(line + 4, 'z', 4090);
	line[4094] = '\0';
	check_cmd(line, CHAT_MSG, line + 4);
}

/* Lower-case and mixed-case command words are messages, whole line. */
static void test_case_of_command_words(void **state)
{
	(void)state;
	char word[16], line[64];
	for (size_t i = 0; i < chat_command_words_count; i++) {
		const char *name = chat_command_words[i].name;
		size_t n = strlen(name);
		/* all lower case */
		for (size_t k = 0; k <= n; k++)
			word[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
		check_say(word);
		join3(line, sizeof(line), word, " ", "#x");
		check_say(line);
		/* exactly one letter lowered, at every position */
		for (size_t pos = 0; pos < n; pos++) {
			memcpy(word, name, n + 1);
			word[pos] = (char)(word[pos] + 32);
			check_say(word);
			join3(line, sizeof(line), word, " ", "#x");
			check_say(line);
		}
	}
	check_say("join #x");
	check_say("Join #x");
	check_say("HELLO there");
	check_say("Quit");
	check_say("hello");
}

/* Near misses: a command word must be the whole first word. */
static void test_near_misses_are_messages(void **state)
{
	(void)state;
	char line[64];
	for (size_t i = 0; i < chat_command_words_count; i++) {
		const char *name = chat_command_words[i].name;
		join3(line, sizeof(line), name, "X", "");
		check_say(line); /* MSGX */
		join3(line, sizeof(line), name, "X", " arg");
		check_say(line); /* MSGX arg */
		join3(line, sizeof(line), " ", name, " arg");
		check_say(line); /* leading space */
		join3(line, sizeof(line), name, "\t", "arg");
		check_say(line); /* tab is not a separator */
		join3(line, sizeof(line), name, "\t", "");
		check_say(line);
		join3(line, sizeof(line), name, ":", " arg");
		check_say(line);
		/* a prefix of the word */
		size_t n = strlen(name);
		memcpy(line, name, n - 1);
		line[n - 1] = '\0';
		check_say(line);
	}
	check_say("MSGX");
	check_say("MS");
	check_say("PRIV");
	check_say("USER");
	check_say("USERSS");
	check_say("QUITQUIT");
	check_say("JOIN#a");
	check_say("JOIN\t#a");
	check_say("MSG\thi");
	check_say("\tMSG hi");
	check_say_n("MSG\0hi", 6);
	check_say_n("QUIT\0", 5);
	check_say("#general hello");
	check_say("\xc3\x89JOIN #a");
	check_say("hello /join #a");
}

static void test_empty_and_blank_lines(void **state)
{
	(void)state;
	struct chat_command c;
	parse_n("", 0, &c); /* flush against the guard page: nothing may be read */
	assert_int_equal(c.cmd, CHAT_SAY);
	assert_int_equal(c.arg_len, 0);
	check_say(" ");
	check_say("  ");
	check_say("\t");
	check_say(" \t ");
}

/* ---- slash commands ---- */

static void casing(char *out, const char *word, int how)
{
	size_t n = strlen(word);
	for (size_t k = 0; k <= n; k++) {
		char ch = word[k];
		bool upper = how == 1 || (how == 2 && k % 2 == 0) || (how == 3 && k == 0);
		out[k] = (char)(upper && ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
	}
}

/* Every slash word in lower, upper, alternating and capitalized case, bare
 * and with arguments. */
static void test_slash_words_any_case(void **state)
{
	(void)state;
	char word[16], slashed[20], line[64];
	for (size_t i = 0; i < chat_slash_words_count; i++) {
		for (int how = 0; how < 4; how++) {
			casing(word, chat_slash_words[i].name, how);
			join3(slashed, sizeof(slashed), "/", word, "");
			check_cmd(slashed, chat_slash_words[i].cmd, "");
			join3(line, sizeof(line), slashed, " ", "");
			check_cmd(line, chat_slash_words[i].cmd, "");
			join3(line, sizeof(line), slashed, " ", "arg");
			check_cmd(line, chat_slash_words[i].cmd, "arg");
			join3(line, sizeof(line), slashed, " ", " two  spaces ");
			check_cmd(line, chat_slash_words[i].cmd, " two  spaces ");
		}
	}
	check_cmd("/join #general", CHAT_JOIN, "#general");
	check_cmd("/JOIN #general", CHAT_JOIN, "#general");
	check_cmd("/Leave", CHAT_LEAVE, "");
	check_cmd("/rooms", CHAT_ROOMS, "");
	check_cmd("/users #general", CHAT_USERS, "#general");
	check_cmd("/nick alice", CHAT_USERNAME, "alice");
	check_cmd("/NICK alice", CHAT_USERNAME, "alice");
	check_cmd("/quit", CHAT_QUIT, "");
	check_cmd("/QuIt", CHAT_QUIT, "");
	check_privmsg("/msg bob hello there", "bob hello there", "bob", "hello there");
	check_privmsg("/MSG bob hi", "bob hi", "bob", "hi");
	check_privmsg("/msg", "", "", "");
}

static void check_unknown(const char *s)
{
	struct chat_command c;
	parse_n(s, strlen(s), &c);
	assert_int_equal(c.cmd, CHAT_UNKNOWN);
}

static void test_unknown_slash_words(void **state)
{
	(void)state;
	check_unknown("/");
	check_unknown("/ ");
	check_unknown("/ join #a");
	check_unknown("//join #a");
	check_unknown("/foo");
	check_unknown("/foo bar baz");
	check_unknown("/joinx #a");
	check_unknown("/jo #a");
	check_unknown("/join\t#a"); /* tab is not a separator */
	check_unknown("/say hi");
	check_unknown("/privmsg bob hi"); /* upper-case words are not slash words */
	check_unknown("/username bob");
	check_unknown("/me waves");
	check_unknown("/help");
	check_unknown("/\xc3\xa9");
	char line[64];
	for (size_t i = 0; i < chat_slash_words_count; i++) {
		join3(line, sizeof(line), "/", chat_slash_words[i].name, "s");
		check_unknown(line);
		join3(line, sizeof(line), "/", chat_slash_words[i].name, "\t");
		check_unknown(line);
	}
	/* A slash anywhere but first is just text. */
	check_say(" /join #a");
	check_say("join/ #a");
}

/* ---- PRIVMSG target and text ---- */

static void test_privmsg_split(void **state)
{
	(void)state;
	check_privmsg("PRIVMSG", "", "", "");
	check_privmsg("PRIVMSG ", "", "", "");
	check_privmsg("PRIVMSG bob", "bob", "bob", "");
	check_privmsg("PRIVMSG bob ", "bob ", "bob", "");
	check_privmsg("PRIVMSG bob hi", "bob hi", "bob", "hi");
	check_privmsg("PRIVMSG bob hello big world", "bob hello big world", "bob",
		      "hello big world");
	check_privmsg("PRIVMSG bob  hi", "bob  hi", "bob", " hi");
	check_privmsg("PRIVMSG bob hi  ", "bob hi  ", "bob", "hi  ");
	check_privmsg("PRIVMSG bob   ", "bob   ", "bob", "  ");
	/* a double space after the word: the target is empty */
	check_privmsg("PRIVMSG  bob hi", " bob hi", "", "bob hi");
	check_privmsg("PRIVMSG bob\thi", "bob\thi", "bob\thi", "");
	check_privmsg("PRIVMSG bob \thi", "bob \thi", "bob", "\thi");
	check_privmsg("PRIVMSG Bob caf\xc3\xa9", "Bob caf\xc3\xa9", "Bob", "caf\xc3\xa9");

	/* "PRIVMSG bob" with no text: the text is empty and lies within the line */
	struct chat_command c;
	const char *line = parse_n("PRIVMSG bob", 11, &c);
	assert_int_equal(c.text_len, 0);
	if (c.text)
		assert_true(c.text >= line && c.text <= line + 11);

	/* embedded NUL in the text */
	line = parse_n("PRIVMSG bob a\0b", 15, &c);
	assert_int_equal(c.cmd, CHAT_PRIVMSG);
	assert_bytes(c.target, c.target_len, "bob", 3);
	assert_bytes(c.text, c.text_len, "a\0b", 3);
	(void)line;

	/* lower case is a message, not a private one */
	check_say("privmsg bob hi");
	check_say("Privmsg bob hi");
}

/* Every prefix of some long lines, each flush against the guard page: no
 * read past the end, and the fields stay inside the line (parse_n checks). */
static void test_every_prefix(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"PRIVMSG bob hello there  ",
		"/msg alice x y",
		"USERNAME someone",
		"JOIN #room-with-a-long-name",
		"/nick  x",
		"MSG \xf0\x9f\x98\x80",
		"QUIT",
		"/",
	};
	for (size_t i = 0; i < NWORDS(lines); i++) {
		size_t n = strlen(lines[i]);
		for (size_t k = 0; k <= n; k++) {
			struct chat_command c;
			parse_n(lines[i], k, &c);
			(void)chat_check_text(guarded_put(&guard, lines[i], k), k);
			(void)chat_text_blank(guarded_put(&guard, lines[i], k), k);
		}
	}
	/* Spot checks along the way. */
	check_cmd_n("PRIVMSG bob", 8, CHAT_PRIVMSG, "", 0);
	check_say_n("PRIVMSG bob", 6); /* "PRIVMS" */
	check_cmd_n("/nick x", 5, CHAT_USERNAME, "", 0);
	check_unknown("/nic");
}

/* ---- chat_check_text ---- */

static enum chat_text check_text_n(const char *s, size_t n)
{
	return chat_check_text(guarded_put(&guard, s, n), n);
}

static enum chat_text check_text(const char *s)
{
	return check_text_n(s, strlen(s));
}

/* Every byte below 0x20 except tab, and 0x7F, is rejected wherever it is. */
static void test_control_bytes(void **state)
{
	(void)state;
	for (int b = 0; b < 0x20; b++) {
		enum chat_text want = b == '\t' ? CHAT_TEXT_OK : CHAT_TEXT_BAD_CHARS;
		char s[3] = {'a', (char)b, 'z'};
		assert_int_equal(check_text_n(s + 1, 1), want); /* alone */
		assert_int_equal(check_text_n(s, 2), want);     /* last */
		assert_int_equal(check_text_n(s + 1, 2), want); /* first */
		assert_int_equal(check_text_n(s, 3), want);     /* middle */
	}
	char del[3] = {'a', 0x7f, 'z'};
	assert_int_equal(check_text_n(del + 1, 1), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text_n(del, 3), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("MSG hi\r"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("\x1b[31mred"), CHAT_TEXT_BAD_CHARS);
	/* far from the start, past the validator's 8-byte fast path */
	assert_int_equal(check_text("0123456789abcdefghij\x01"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("0123456789abcdefghij\x7f"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("0123456789abcdefghij\t"), CHAT_TEXT_OK);
}

static void test_printable_ascii_and_tab_ok(void **state)
{
	(void)state;
	char all[0x7f - 0x20 + 1];
	size_t n = 0;
	for (int b = 0x20; b < 0x7f; b++)
		all[n++] = (char)b;
	all[n++] = '\t';
	assert_int_equal(check_text_n(all, n), CHAT_TEXT_OK);
	assert_int_equal(check_text_n("", 0), CHAT_TEXT_OK);
	assert_int_equal(check_text("\t"), CHAT_TEXT_OK);
	assert_int_equal(check_text("a\tb\t"), CHAT_TEXT_OK);
	assert_int_equal(check_text("PRIVMSG bob hi"), CHAT_TEXT_OK);
}

static void test_utf8(void **state)
{
	(void)state;
	static const char *const good[] = {
		"caf\xc3\xa9",
		"\xc2\x80",             /* U+0080 */
		"\xc2\xa0",             /* no-break space */
		"\xdf\xbf",             /* U+07FF */
		"\xe0\xa0\x80",         /* U+0800 */
		"\xe2\x82\xac",         /* euro */
		"\xed\x9f\xbf",         /* U+D7FF, just below the surrogates */
		"\xee\x80\x80",         /* U+E000, just above them */
		"\xef\xbf\xbf",         /* U+FFFF */
		"\xf0\x90\x80\x80",     /* U+10000 */
		"\xf0\x9f\x98\x80",     /* emoji */
		"\xf4\x8f\xbf\xbf",     /* U+10FFFF */
		"12345678\xc3\xa9",     /* after the fast path */
		"\303\25112345678",     /* before it (octal: no hex digits run on) */
	};
	static const char *const bad[] = {
		"\x80",                 /* stray continuation */
		"\xbf",
		"a\x80z",
		"\xc0\x80",             /* overlong NUL */
		"\xc0\xaf",             /* overlong '/' */
		"\xc1\xbf",
		"\xe0\x80\xaf",         /* overlong, 3 bytes */
		"\xe0\x9f\xbf",
		"\xf0\x80\x80\xaf",     /* overlong, 4 bytes */
		"\xf0\x8f\xbf\xbf",
		"\xed\xa0\x80",         /* U+D800 */
		"\xed\xbf\xbf",         /* U+DFFF */
		"\xf4\x90\x80\x80",     /* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",
		"\xfe",
		"\xff",
		"\xc3\x28",             /* bad continuation */
		"\xe2\x28\xa1",
		"\xe2\x82\x28",
		"\xf0\x9f\x98\x28",
		"\xc3",                 /* truncated at the end of the line */
		"\xe2\x82",
		"\xf0\x9f\x98",
		"abc\xf0",
		"12345678\xff",
	};
	for (size_t i = 0; i < NWORDS(good); i++)
		assert_int_equal(check_text(good[i]), CHAT_TEXT_OK);
	for (size_t i = 0; i < NWORDS(bad); i++)
		assert_int_equal(check_text(bad[i]), CHAT_TEXT_BAD_UTF8);
}

/* Control characters are reported before bad UTF-8, whatever the order. */
static void test_control_beats_utf8(void **state)
{
	(void)state;
	assert_int_equal(check_text("\xff\x01"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("\x01\xff"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("\xc3\x7f"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text("\xed\xa0\x80\x1b"), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text_n("\xc0\x80\0", 3), CHAT_TEXT_BAD_CHARS);
	assert_int_equal(check_text_n("\0\xc3", 2), CHAT_TEXT_BAD_CHARS);
	/* An overlong NUL is bad UTF-8, not a control byte. */
	assert_int_equal(check_text("\xc0\x80"), CHAT_TEXT_BAD_UTF8);
	/* A tab does not hide bad UTF-8. */
	assert_int_equal(check_text("\t\xff"), CHAT_TEXT_BAD_UTF8);
}

/* ---- chat_text_blank ---- */

static bool blank(const char *s)
{
	size_t n = strlen(s);
	return chat_text_blank(guarded_put(&guard, s, n), n);
}

static void test_text_blank(void **state)
{
	(void)state;
	assert_true(chat_text_blank(guarded_put(&guard, "", 0), 0));
	assert_true(blank(" "));
	assert_true(blank("\t"));
	assert_true(blank("  \t \t  "));
	assert_false(blank("a"));
	assert_false(blank(" a"));
	assert_false(blank("a "));
	assert_false(blank(" \t.\t "));
	assert_false(blank("\xc2\xa0")); /* no-break space is text */
	assert_false(blank("\n"));
	assert_false(blank("\r"));
	assert_false(blank("\v"));
	assert_false(chat_text_blank(guarded_put(&guard, " \0", 2), 2));
	/* A blank prefix of a non-blank line: only `len` bytes count. */
	assert_true(chat_text_blank("  x", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_tables),
		cmocka_unit_test(test_command_words),
		cmocka_unit_test(test_bare_words_have_no_argument),
		cmocka_unit_test(test_argument_kept_byte_for_byte),
		cmocka_unit_test(test_case_of_command_words),
		cmocka_unit_test(test_near_misses_are_messages),
		cmocka_unit_test(test_empty_and_blank_lines),
		cmocka_unit_test(test_slash_words_any_case),
		cmocka_unit_test(test_unknown_slash_words),
		cmocka_unit_test(test_privmsg_split),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_control_bytes),
		cmocka_unit_test(test_printable_ascii_and_tab_ok),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_control_beats_utf8),
		cmocka_unit_test(test_text_blank),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
