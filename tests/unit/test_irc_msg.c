/* test_irc_msg: dialect/irc_msg and irc_write — the IRC line parser on the
 * Modern IRC documentation's examples and the IRCv3 message-tags examples;
 * optional tags and source, repeated spaces, command case folding and
 * numerics, 15 parameters, an empty trailing parameter told apart from an
 * absent one, every error result and every limit at its boundary (tags
 * 8191, body 510); tag keys (client '+', vendor '/'), iteration, last-wins
 * lookup, unescaping (every escape, unknown escapes, a lone trailing
 * backslash). The writer: escaping, automatic ':' on the last parameter,
 * INVALID parts, OVERFLOW, truncation between UTF-8 characters and the
 * 512-byte body limit, and parse(write(x)) == x. Every parsed line sits
 * flush against a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/irc_msg.h"
#include "testutil.h"

enum { MAX_INPUT = 16384 };

GUARDED_GROUP(MAX_INPUT)

/* ---- helpers ---- */

static void assert_inside(struct irc_slice s, const char *line, size_t n)
{
	if (s.len) {
		assert_true(s.p >= line && s.p + s.len <= line + n);
	}
}

/* Parses n bytes placed flush against the guard page. */
static enum irc_parse parse_n(const char *s, size_t n, struct irc_msg *m)
{
	const char *line = guarded_put(&guard, s, n);
	memset(m, 0xA5, sizeof(*m));
	enum irc_parse r = irc_parse(line, n, m);
	if (r == IRC_OK) {
		assert_inside(m->tags, line, n);
		assert_inside(m->source, line, n);
		assert_inside(m->command, line, n);
		assert_true(m->nparams <= IRC_MAX_PARAMS);
		for (size_t i = 0; i < m->nparams; i++)
			assert_inside(m->params[i], line, n);
	}
	return r;
}

static enum irc_parse parse(const char *s, struct irc_msg *m)
{
	return parse_n(s, strlen(s), m);
}

static void assert_slice(struct irc_slice s, const char *want)
{
	assert_int_equal(s.len, strlen(want));
	if (s.len)
		assert_memory_equal(s.p, want, s.len);
}

/* Parses `line` and checks source, command (upper-cased), and the params
 * given as a NULL-terminated list; `trailing` as expected (an int: va_start
 * after a bool parameter is undefined). */
static void check(const char *line, const char *source, const char *cmd, int trailing, ...)
{
	struct irc_msg m;
	assert_int_equal(parse(line, &m), IRC_OK);
	assert_slice(m.source, source);
	assert_string_equal(m.cmd, cmd);
	va_list ap;
	va_start(ap, trailing);
	size_t i = 0;
	for (const char *p; (p = va_arg(ap, const char *)) != NULL; i++) {
		assert_true(i < m.nparams);
		assert_slice(m.params[i], p);
	}
	va_end(ap);
	assert_int_equal(m.nparams, i);
	assert_int_equal(m.trailing, trailing);
}

static void check_error(const char *line, enum irc_parse want)
{
	struct irc_msg m;
	assert_string_equal(irc_parse_name(parse(line, &m)), irc_parse_name(want));
}

/* ---- the Modern IRC documentation's examples ---- */

static void test_modern_examples(void **state)
{
	(void)state;
	check(":irc.example.com CAP LS * :multi-prefix extended-join sasl", "irc.example.com",
	      "CAP", true, "LS", "*", "multi-prefix extended-join sasl", NULL);
	check("@id=234AB :dan!d@localhost PRIVMSG #chan :Hey what's up!", "dan!d@localhost",
	      "PRIVMSG", true, "#chan", "Hey what's up!", NULL);
	check("CAP REQ :sasl", "", "CAP", true, "REQ", "sasl", NULL);
	check(":irc.example.com CAP * LIST :", "irc.example.com", "CAP", true, "*", "LIST", "",
	      NULL);
	check("CAP * LS :multi-prefix sasl", "", "CAP", true, "*", "LS", "multi-prefix sasl",
	      NULL);
	check("CAP REQ :sasl message-tags foo", "", "CAP", true, "REQ",
	      "sasl message-tags foo", NULL);
	/* the same message with and without ':' on a one-word last param */
	check(":dan!d@localhost PRIVMSG #chan :Hey!", "dan!d@localhost", "PRIVMSG", true,
	      "#chan", "Hey!", NULL);
	check(":dan!d@localhost PRIVMSG #chan Hey!", "dan!d@localhost", "PRIVMSG", false,
	      "#chan", "Hey!", NULL);
	check(":dan!d@localhost PRIVMSG #chan ::-)", "dan!d@localhost", "PRIVMSG", true,
	      "#chan", ":-)", NULL);
	check(":irc.example.com 001 dan :Welcome", "irc.example.com", "001", true, "dan",
	      "Welcome", NULL);
}

/* Cases in the style of the public IRC parser test suites: spaces,
 * colons inside the trailing parameter, control bytes in a source. */
static void test_parser_cases(void **state)
{
	(void)state;
	check("foo bar baz asdf", "", "FOO", false, "bar", "baz", "asdf", NULL);
	check(":coolguy foo bar baz asdf", "coolguy", "FOO", false, "bar", "baz", "asdf", NULL);
	check("foo bar baz :asdf quux", "", "FOO", true, "bar", "baz", "asdf quux", NULL);
	check("foo bar baz :", "", "FOO", true, "bar", "baz", "", NULL);
	check("foo bar baz ::asdf", "", "FOO", true, "bar", "baz", ":asdf", NULL);
	check(":coolguy foo bar baz :  asdf quux ", "coolguy", "FOO", true, "bar", "baz",
	      "  asdf quux ", NULL);
	check(":coolguy PRIVMSG bar :lol :) ", "coolguy", "PRIVMSG", true, "bar", "lol :) ", NULL);
	check(":src JOIN #chan", "src", "JOIN", false, "#chan", NULL);
	check(":src JOIN :#chan", "src", "JOIN", true, "#chan", NULL);
	check(":src AWAY", "src", "AWAY", false, NULL);
	check(":src AWAY ", "src", "AWAY", false, NULL);
	check(":cool\tguy foo bar baz", "cool\tguy", "FOO", false, "bar", "baz", NULL);
	check(":coolguy!ag@net\x03" "5w\x03ork.admin PRIVMSG foo :bar baz",
	      "coolguy!ag@net\x03" "5w\x03ork.admin", "PRIVMSG", true, "foo", "bar baz", NULL);
	check(":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters",
	      "gravel.mozilla.org", "432", true, "#momo", "Erroneous Nickname: Illegal characters",
	      NULL);
	check(":gravel.mozilla.org MODE #tckk +n ", "gravel.mozilla.org", "MODE", false, "#tckk",
	      "+n", NULL);
	check(":services.esper.net MODE #foo-bar +o foobar  ", "services.esper.net", "MODE",
	      false, "#foo-bar", "+o", "foobar", NULL);

	struct irc_msg m;
	struct irc_slice v;
	char buf[32];
	assert_int_equal(parse("@a=b\\\\and\\nk;c=72\\s45;d=gh\\\\764 foo", &m), IRC_OK);
	assert_true(irc_tag_find(m.tags, "a", &v));
	size_t n = irc_tag_unescape(v, buf, sizeof(buf));
	assert_memory_equal(buf, "b\\and\nk", n);
	assert_int_equal(n, 7);
	assert_true(irc_tag_find(m.tags, "c", &v));
	n = irc_tag_unescape(v, buf, sizeof(buf));
	assert_memory_equal(buf, "72 45", n);
	assert_true(irc_tag_find(m.tags, "d", &v));
	n = irc_tag_unescape(v, buf, sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "gh\\764", n);
	assert_int_equal(parse("@c;h=;a=b :quux ab cd", &m), IRC_OK);
	assert_slice(m.source, "quux");
	assert_true(irc_tag_find(m.tags, "c", &v) && v.len == 0);
	assert_true(irc_tag_find(m.tags, "h", &v) && v.len == 0);
	assert_true(irc_tag_find(m.tags, "a", &v));
	assert_slice(v, "b");
	assert_int_equal(parse("@tag1=value1;tag2;vendor1/tag3=value2;vendor2/tag4 "
			       ":irc.example.com COMMAND param1 param2 :param3 param3", &m),
			 IRC_OK);
	assert_true(irc_tag_find(m.tags, "vendor1/tag3", &v));
	assert_slice(v, "value2");
	assert_true(irc_tag_find(m.tags, "vendor2/tag4", &v));
	assert_int_equal(m.nparams, 3);
	assert_slice(m.params[2], "param3 param3");
	assert_int_equal(parse("@tag1=value\\\\ntest COMMAND", &m), IRC_OK);
	assert_true(irc_tag_find(m.tags, "tag1", &v));
	n = irc_tag_unescape(v, buf, sizeof(buf));
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "value\\ntest", n);
}

static void test_source_split(void **state)
{
	(void)state;
	static const char *const cases[][4] = {
		{"nick!user@host", "nick", "user", "host"},
		{"irc.example.com", "irc.example.com", "", ""},
		{"nick@host", "nick", "", "host"},
		{"nick!user", "nick", "user", ""},
		{"n!u@h@x", "n", "u@h", "x"},
		{"n@a!u@h", "n@a", "u", "h"},
		{"", "", "", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = guarded_put(&guard, cases[i][0], strlen(cases[i][0]));
		struct irc_slice nick, user, host;
		irc_source_split((struct irc_slice){s, strlen(cases[i][0])}, &nick, &user, &host);
		assert_slice(nick, cases[i][1]);
		assert_slice(user, cases[i][2]);
		assert_slice(host, cases[i][3]);
	}
}

static void test_command_forms(void **state)
{
	(void)state;
	check("privmsg #a b", "", "PRIVMSG", false, "#a", "b", NULL);
	check("PiNg", "", "PING", false, NULL);
	check("PING :", "", "PING", true, "", NULL);
	check("999", "", "999", false, NULL);
	struct irc_msg m;
	assert_int_equal(parse("nick x", &m), IRC_OK);
	assert_slice(m.command, "nick"); /* the slice keeps the case sent */
	assert_true(irc_msg_is(&m, "NICK"));
	assert_false(irc_msg_is(&m, "NIC"));
	/* a word longer than IRC_COMMAND_MAX is valid but never known */
	char longcmd[64];
	memset(longcmd, 'A', 40);
	longcmd[40] = '\0';
	assert_int_equal(parse(longcmd, &m), IRC_OK);
	assert_string_equal(m.cmd, "");
	assert_int_equal(m.command.len, 40);
	check_error("12", IRC_ERR_BAD_COMMAND);
	check_error("1234", IRC_ERR_BAD_COMMAND);
	check_error("PRIV$MSG x", IRC_ERR_BAD_COMMAND);
	check_error("12a", IRC_ERR_BAD_COMMAND);
	check_error("ÄB", IRC_ERR_BAD_COMMAND);
	assert_int_equal(parse("PRIV$MSG x", &m), IRC_ERR_BAD_COMMAND);
	assert_slice(m.command, "PRIV$MSG"); /* for a 421 reply */
}

static void test_spaces(void **state)
{
	(void)state;
	check("PRIVMSG   #a    b", "", "PRIVMSG", false, "#a", "b", NULL);
	check("  PING x", "", "PING", false, "x", NULL);
	check("PING x   ", "", "PING", false, "x", NULL);
	check(":src    PING", "src", "PING", false, NULL);
	check("PRIVMSG #a :  two  spaces ", "", "PRIVMSG", true, "#a", "  two  spaces ", NULL);
	check("@a=b    :s   X  :", "s", "X", true, "", NULL);
}

static void test_params_limit(void **state)
{
	(void)state;
	check("X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "", "X", false, "1", "2", "3", "4", "5",
	      "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", NULL);
	check("X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 and more", "", "X", true, "1", "2", "3",
	      "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 and more", NULL);
	check_error("X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", IRC_ERR_TOO_MANY_PARAMS);
	check_error("X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 :16", IRC_ERR_TOO_MANY_PARAMS);
	/* trailing spaces after the 15th add nothing */
	check("X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15  ", "", "X", false, "1", "2", "3", "4",
	      "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", NULL);
}

static void test_trailing_empty_vs_absent(void **state)
{
	(void)state;
	struct irc_msg a, b;
	assert_int_equal(parse("TOPIC #a :", &a), IRC_OK);
	assert_int_equal(a.nparams, 2);
	assert_true(a.trailing);
	assert_int_equal(a.params[1].len, 0);
	assert_int_equal(parse("TOPIC #a", &b), IRC_OK);
	assert_int_equal(b.nparams, 1);
	assert_false(b.trailing);
	/* a ':' inside a middle parameter is an ordinary byte */
	check("MODE #a b:c", "", "MODE", false, "#a", "b:c", NULL);
}

static void test_errors(void **state)
{
	(void)state;
	check_error("", IRC_ERR_EMPTY);
	check_error("    ", IRC_ERR_EMPTY);
	check_error("@a=b", IRC_ERR_NO_COMMAND);
	check_error("@a=b ", IRC_ERR_NO_COMMAND);
	check_error("@a=b :src", IRC_ERR_NO_COMMAND);
	check_error(":src", IRC_ERR_NO_COMMAND);
	check_error(":src   ", IRC_ERR_NO_COMMAND);
	check_error(": PING", IRC_ERR_BAD_SOURCE);
	check_error(":", IRC_ERR_BAD_SOURCE);
	check_error("@ PING", IRC_ERR_BAD_TAG);
	check_error("@=v PING", IRC_ERR_BAD_TAG);
	check_error("@a_b=1 PING", IRC_ERR_BAD_TAG);
	check_error("@a=1;+ PING", IRC_ERR_BAD_TAG);
	check_error("@/x PING", IRC_ERR_BAD_TAG);
	check_error("@v/ PING", IRC_ERR_BAD_TAG);
	check_error("@a/b/c PING", IRC_ERR_BAD_TAG);
	check_error("@++a PING", IRC_ERR_BAD_TAG);
	struct irc_msg m;
	assert_int_equal(parse_n("PING a\0b", 8, &m), IRC_ERR_BAD_CHAR);
	assert_int_equal(parse("PING a\rb", &m), IRC_ERR_BAD_CHAR);
	assert_int_equal(parse("PING a\nb", &m), IRC_ERR_BAD_CHAR);
	assert_int_equal(parse_n("@a=\0 PING", 9, &m), IRC_ERR_BAD_CHAR);
	for (int r = IRC_OK; r <= IRC_ERR_LINE_TOO_LONG; r++)
		assert_string_not_equal(irc_parse_name((enum irc_parse)r), "?");
	assert_string_equal(irc_parse_name((enum irc_parse)99), "?");
}

/* Builds a tag section of `tag_section` bytes ('@' and space included;
 * 0 for none) followed by a PRIVMSG of `body` (>= 12) bytes; returns the
 * length. */
static size_t build_line(char *out, size_t tag_section, size_t body)
{
	size_t n = 0;
	if (tag_section) {
		memcpy(out, "@k=", 3);
		memset(out + 3, 'v', tag_section - 4);
		out[tag_section - 1] = ' ';
		n = tag_section;
	}
	memcpy(out + n, "PRIVMSG #a :", 12);
	memset(out + n + 12, 'x', body - 12);
	return n + body;
}

static void test_limits(void **state)
{
	(void)state;
	static char line[IRC_TAGS_MAX + IRC_LINE_MAX + 16];
	struct irc_msg m;
	size_t n = build_line(line, 0, IRC_LINE_MAX);
	assert_int_equal(n, 510);
	assert_int_equal(parse_n(line, n, &m), IRC_OK);
	assert_int_equal(m.params[1].len, 510 - 12);
	n = build_line(line, 0, IRC_LINE_MAX + 1);
	assert_int_equal(parse_n(line, n, &m), IRC_ERR_LINE_TOO_LONG);
	/* the tags do not count against the 510 bytes */
	n = build_line(line, IRC_TAGS_MAX, IRC_LINE_MAX);
	assert_int_equal(n, IRC_TAGS_MAX + 510);
	assert_int_equal(parse_n(line, n, &m), IRC_OK);
	assert_int_equal(m.tags.len, IRC_TAGS_MAX - 2);
	n = build_line(line, IRC_TAGS_MAX + 1, 20);
	assert_int_equal(parse_n(line, n, &m), IRC_ERR_TAGS_TOO_LONG);
	n = build_line(line, IRC_TAGS_MAX, IRC_LINE_MAX + 1);
	assert_int_equal(parse_n(line, n, &m), IRC_ERR_LINE_TOO_LONG);
	/* too long tags without any space are reported as too long */
	memset(line, 'a', IRC_TAGS_MAX + 5);
	line[0] = '@';
	assert_int_equal(parse_n(line, IRC_TAGS_MAX + 5, &m), IRC_ERR_TAGS_TOO_LONG);
	assert_int_equal(parse_n(line, IRC_TAGS_MAX - 1, &m), IRC_ERR_NO_COMMAND);
}

/* Every prefix of a few lines parses without reading past its end. */
static void test_every_prefix(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"@a=b\\s;+x.y/z;c= :n!u@h PRIVMSG #c :hello there",
		"@k PING",
		":s 001 a b c :d e",
	};
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		for (size_t n = 0; n <= strlen(lines[l]); n++) {
			struct irc_msg m;
			enum irc_parse r = parse_n(lines[l], n, &m);
			assert_true(r <= IRC_ERR_LINE_TOO_LONG);
		}
	}
}

/* ---- tags ---- */

static void test_tag_keys(void **state)
{
	(void)state;
	static const char *const good[] = {"a", "aaa", "+a", "example.com/ddd", "+example.com/x-y",
					   "a-b-1", "9", "v.-/k"};
	static const char *const bad[] = {"", "+", "/a", "a/", "+/a", "a/b/c", "a_b", "a.b",
					  "a=b", "ä", "++a", "a+", "v!/k"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(irc_tag_key_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(irc_tag_key_valid(bad[i], strlen(bad[i])));
}

/* The message-tags specification's examples. */
static void test_tags_spec_examples(void **state)
{
	(void)state;
	struct irc_msg m;
	assert_int_equal(parse("@aaa=bbb;ccc;example.com/ddd=eee :nick!ident@host.com PRIVMSG me :Hello", &m),
			 IRC_OK);
	assert_slice(m.tags, "aaa=bbb;ccc;example.com/ddd=eee");
	assert_slice(m.source, "nick!ident@host.com");
	size_t pos = 0;
	struct irc_tag t;
	static const char *const kv[][2] = {{"aaa", "bbb"}, {"ccc", ""}, {"example.com/ddd", "eee"}};
	for (size_t i = 0; i < 3; i++) {
		assert_true(irc_tag_next(m.tags, &pos, &t));
		assert_slice(t.key, kv[i][0]);
		assert_slice(t.value, kv[i][1]);
	}
	assert_false(irc_tag_next(m.tags, &pos, &t));

	assert_int_equal(parse("@+icon=https://example.com/favicon.png :url_bot!bot@example.com PRIVMSG #channel :Example.com: A News Story", &m),
			 IRC_OK);
	struct irc_slice v;
	assert_true(irc_tag_find(m.tags, "+icon", &v));
	assert_slice(v, "https://example.com/favicon.png");
	assert_false(irc_tag_find(m.tags, "icon", &v));

	assert_int_equal(parse("@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel :Message", &m),
			 IRC_OK);
	assert_true(irc_tag_find(m.tags, "+example", &v));
	char buf[64];
	size_t n = irc_tag_unescape(v, buf, sizeof(buf));
	assert_int_equal(n, strlen("raw+:=,escaped; \\"));
	assert_memory_equal(buf, "raw+:=,escaped; \\", n);

	assert_int_equal(parse("@+example-client-tag=example-value PRIVMSG #channel :Message", &m),
			 IRC_OK);
	assert_true(irc_tag_find(m.tags, "+example-client-tag", &v));
	assert_slice(v, "example-value");
}

static void test_tag_iteration(void **state)
{
	(void)state;
	struct irc_slice tags = {"a=1;;b;c=;a=2;", 14};
	size_t pos = 0;
	struct irc_tag t;
	const char *keys[] = {"a", "b", "c", "a"};
	const char *vals[] = {"1", "", "", "2"};
	for (size_t i = 0; i < 4; i++) {
		assert_true(irc_tag_next(tags, &pos, &t));
		assert_slice(t.key, keys[i]);
		assert_slice(t.value, vals[i]);
	}
	assert_false(irc_tag_next(tags, &pos, &t));
	struct irc_slice v;
	assert_true(irc_tag_find(tags, "a", &v));
	assert_slice(v, "2"); /* the last one wins */
	assert_true(irc_tag_find(tags, "b", &v));
	assert_int_equal(v.len, 0);
	assert_false(irc_tag_find(tags, "d", &v));
	/* an '=' inside a value belongs to the value */
	struct irc_slice eq = {"k=a=b", 5};
	assert_true(irc_tag_find(eq, "k", &v));
	assert_slice(v, "a=b");
}

static void check_unescape(const char *raw, const char *want, size_t want_len)
{
	char buf[64];
	size_t n = irc_tag_unescape((struct irc_slice){raw, strlen(raw)}, buf, sizeof(buf));
	assert_int_equal(n, want_len);
	assert_memory_equal(buf, want, n);
}

static void test_tag_unescape(void **state)
{
	(void)state;
	check_unescape("a\\:b\\sc\\\\d\\re\\nf", "a;b c\\d\re\nf", 11);
	check_unescape("\\foo\\bar", "foobar", 6);   /* unknown escapes: the char */
	check_unescape("abc\\", "abc", 3);           /* lone trailing backslash */
	check_unescape("\\\\", "\\", 1);
	check_unescape("\\\\\\", "\\", 1);
	check_unescape("", "", 0);
	check_unescape("\\s\\s", "  ", 2);
	/* bounded by cap */
	char small[3];
	size_t n = irc_tag_unescape((struct irc_slice){"abcdef", 6}, small, sizeof(small));
	assert_int_equal(n, 3);
	assert_memory_equal(small, "abc", 3);
}

static void test_client_tag_len(void **state)
{
	(void)state;
	struct irc_slice t = {"a=1;+b=22;c;+d", 14};
	assert_int_equal(irc_tags_client_len(t), strlen("+b=22") + 1 + strlen("+d"));
	struct irc_slice none = {"a=1;c", 5};
	assert_int_equal(irc_tags_client_len(none), 0);
}

/* ---- the writer ---- */

static const char *write_simple(char *buf, size_t cap, enum irc_write *st, const char *last)
{
	struct irc_writer w;
	irc_writer_init(&w, buf, cap);
	irc_writer_source(&w, "srv", 3);
	irc_writer_command(&w, "PRIVMSG", 7);
	irc_writer_param(&w, "#a", 2);
	irc_writer_last(&w, last, strlen(last));
	*st = irc_writer_finish(&w);
	buf[w.len < cap ? w.len : cap - 1] = '\0';
	return buf;
}

static void test_write_basic(void **state)
{
	(void)state;
	char buf[1024];
	enum irc_write st;
	assert_string_equal(write_simple(buf, sizeof(buf), &st, "hi"), ":srv PRIVMSG #a hi\r\n");
	assert_int_equal(st, IRC_WRITE_OK);
	assert_string_equal(write_simple(buf, sizeof(buf), &st, "hi there"),
			    ":srv PRIVMSG #a :hi there\r\n");
	assert_string_equal(write_simple(buf, sizeof(buf), &st, ""), ":srv PRIVMSG #a :\r\n");
	assert_string_equal(write_simple(buf, sizeof(buf), &st, ":-)"), ":srv PRIVMSG #a ::-)\r\n");
	assert_string_equal(write_simple(buf, sizeof(buf), &st, "a:b"), ":srv PRIVMSG #a a:b\r\n");

	struct irc_writer w;
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_command(&w, "PING", 4);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	assert_int_equal(w.len, 6);
	assert_memory_equal(buf, "PING\r\n", 6);
}

static void test_write_tags(void **state)
{
	(void)state;
	char buf[256];
	struct irc_writer w;
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_tag(&w, "time", "2026-01-01T00:00:00.000Z", 24);
	irc_writer_tag(&w, "+x.org/k", "a; b\\c\r\n", 8);
	irc_writer_tag(&w, "flag", NULL, 0);
	irc_writer_tag(&w, "empty", "", 0);
	irc_writer_source(&w, "n!u@h", 5);
	irc_writer_command(&w, "TAGMSG", 6);
	irc_writer_param(&w, "#a", 2);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	const char *want = "@time=2026-01-01T00:00:00.000Z;+x.org/k=a\\:\\sb\\\\c\\r\\n;flag;empty= "
			   ":n!u@h TAGMSG #a\r\n";
	assert_int_equal(w.len, strlen(want));
	assert_memory_equal(buf, want, w.len);

	/* and it parses back to the same values */
	struct irc_msg m;
	assert_int_equal(parse_n(buf, w.len - 2, &m), IRC_OK);
	struct irc_slice v;
	assert_true(irc_tag_find(m.tags, "+x.org/k", &v));
	char un[32];
	size_t n = irc_tag_unescape(v, un, sizeof(un));
	assert_int_equal(n, 8);
	assert_memory_equal(un, "a; b\\c\r\n", 8);
	assert_true(irc_tag_find(m.tags, "flag", &v));

	/* tags with no body part before them: a command straight after */
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_tag(&w, "a", "1", 1);
	irc_writer_command(&w, "PING", 4);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	assert_memory_equal(buf, "@a=1 PING\r\n", w.len);
}

static enum irc_write write_status(void (*step)(struct irc_writer *))
{
	char buf[128];
	struct irc_writer w;
	irc_writer_init(&w, buf, sizeof(buf));
	step(&w);
	return irc_writer_finish(&w);
}

static void bad_key(struct irc_writer *w)
{
	irc_writer_tag(w, "a b", "x", 1);
	irc_writer_command(w, "PING", 4);
}
static void tag_after_body(struct irc_writer *w)
{
	irc_writer_command(w, "PING", 4);
	irc_writer_tag(w, "a", "x", 1);
}
static void middle_space(struct irc_writer *w)
{
	irc_writer_command(w, "PRIVMSG", 7);
	irc_writer_param(w, "a b", 3);
}
static void middle_colon(struct irc_writer *w)
{
	irc_writer_command(w, "PRIVMSG", 7);
	irc_writer_param(w, ":a", 2);
}
static void middle_empty(struct irc_writer *w)
{
	irc_writer_command(w, "PRIVMSG", 7);
	irc_writer_param(w, "", 0);
}
static void last_crlf(struct irc_writer *w)
{
	irc_writer_command(w, "PRIVMSG", 7);
	irc_writer_last(w, "a\r\nQUIT", 7);
}
static void last_nul(struct irc_writer *w)
{
	irc_writer_command(w, "PRIVMSG", 7);
	irc_writer_last(w, "a\0b", 3);
}
static void empty_source(struct irc_writer *w)
{
	irc_writer_source(w, "", 0);
	irc_writer_command(w, "PING", 4);
}
static void spaced_command(struct irc_writer *w)
{
	irc_writer_command(w, "PI NG", 5);
}
static void no_command(struct irc_writer *w)
{
	irc_writer_tag(w, "a", NULL, 0);
}
static void nothing(struct irc_writer *w)
{
	(void)w;
}
static void param_first(struct irc_writer *w)
{
	irc_writer_param(w, "a", 1);
	irc_writer_command(w, "PING", 4);
}
static void last_first(struct irc_writer *w)
{
	irc_writer_last(w, "a", 1);
}
static void two_commands(struct irc_writer *w)
{
	irc_writer_command(w, "PING", 4);
	irc_writer_command(w, "PONG", 4);
}
static void source_after_command(struct irc_writer *w)
{
	irc_writer_command(w, "PING", 4);
	irc_writer_source(w, "s", 1);
}
static void value_nul(struct irc_writer *w)
{
	irc_writer_tag(w, "a", "x\0y", 3);
	irc_writer_command(w, "PING", 4);
}

static void test_write_invalid(void **state)
{
	(void)state;
	void (*const steps[])(struct irc_writer *) = {
		bad_key,    tag_after_body, middle_space,   middle_colon, middle_empty, last_crlf,
		last_nul,   empty_source,   spaced_command, no_command,   nothing,      value_nul,
		param_first, last_first,    two_commands,   source_after_command,
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(write_status(steps[i]), IRC_WRITE_INVALID);
}

static void test_write_overflow(void **state)
{
	(void)state;
	char buf[600];
	struct irc_writer w;
	/* a middle parameter that does not fit is OVERFLOW, not a cut */
	irc_writer_init(&w, buf, 20);
	irc_writer_command(&w, "PRIVMSG", 7);
	irc_writer_param(&w, "#averyveryverylongchannel", 25);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OVERFLOW);
	/* the 510-byte body rule holds whatever the buffer */
	char big[600];
	memset(big, 'x', sizeof(big));
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_command(&w, "X", 1);
	irc_writer_param(&w, big, 508);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	assert_int_equal(w.len, 512);
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_command(&w, "X", 1);
	irc_writer_param(&w, big, 509);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OVERFLOW);
	/* tags beyond IRC_TAGS_MAX */
	static char tagbuf[IRC_TAGS_MAX + 600];
	static char value[IRC_TAGS_MAX];
	memset(value, 'v', sizeof(value));
	irc_writer_init(&w, tagbuf, sizeof(tagbuf));
	irc_writer_tag(&w, "k", value, IRC_TAGS_MAX - 4); /* "@k=" + v + " " = 8191 */
	irc_writer_command(&w, "PING", 4);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	irc_writer_init(&w, tagbuf, sizeof(tagbuf));
	irc_writer_tag(&w, "k", value, IRC_TAGS_MAX - 3);
	irc_writer_command(&w, "PING", 4);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OVERFLOW);
}

static void test_write_truncate(void **state)
{
	(void)state;
	char buf[1024];
	char text[600];
	/* "é" is two bytes: a 600-byte text of them cannot end mid-character */
	for (size_t i = 0; i < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	for (size_t cmdlen = 1; cmdlen <= 4; cmdlen++) {
		struct irc_writer w;
		irc_writer_init(&w, buf, sizeof(buf));
		irc_writer_command(&w, "XXXX", cmdlen);
		size_t room = irc_writer_room(&w);
		assert_int_equal(room, IRC_LINE_MAX - cmdlen - 2);
		irc_writer_last(&w, text, sizeof(text));
		assert_int_equal(irc_writer_finish(&w), IRC_WRITE_TRUNCATED);
		/* no space in the text, so no ':' and one byte more than room */
		assert_true(w.cut == room + 1 || w.cut == room);
		assert_int_equal(w.cut % 2, 0);
		assert_true(w.len <= 512);
		assert_memory_equal(buf + w.len - 2, "\r\n", 2);
		struct irc_msg m;
		assert_int_equal(parse_n(buf, w.len - 2, &m), IRC_OK);
		assert_int_equal(m.params[0].len, w.cut);
	}
	/* a small buffer truncates too, keeping room for CR LF */
	struct irc_writer w;
	irc_writer_init(&w, buf, 16);
	irc_writer_command(&w, "PRIVMSG", 7);
	irc_writer_param(&w, "#a", 2);
	assert_int_equal(irc_writer_room(&w), 16 - 2 - 10 - 2);
	irc_writer_last(&w, "hello world", 11);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_TRUNCATED);
	assert_int_equal(w.cut, 2);
	assert_int_equal(w.len, 16);
	assert_memory_equal(buf, "PRIVMSG #a :he\r\n", 16);
	/* nothing is added after a truncation */
	irc_writer_init(&w, buf, 16);
	irc_writer_command(&w, "X", 1);
	irc_writer_last(&w, "0123456789abcdef", 16);
	irc_writer_last(&w, "more", 4);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_TRUNCATED);
	assert_int_equal(irc_writer_room(&w), 0);
}

static void test_write_room_with_tags(void **state)
{
	(void)state;
	char buf[2048];
	struct irc_writer w;
	irc_writer_init(&w, buf, sizeof(buf));
	irc_writer_tag(&w, "msgid", "abc", 3);
	/* the tags do not eat into the body's 510 bytes */
	assert_int_equal(irc_writer_room(&w), IRC_LINE_MAX - 2);
	irc_writer_source(&w, "n!u@h", 5);
	irc_writer_command(&w, "PRIVMSG", 7);
	irc_writer_param(&w, "#c", 2);
	size_t room = irc_writer_room(&w);
	assert_int_equal(room, IRC_LINE_MAX - strlen(":n!u@h PRIVMSG #c :"));
	char text[600];
	memset(text, 'a', sizeof(text));
	text[0] = ' ';
	irc_writer_last(&w, text, room);
	assert_int_equal(irc_writer_finish(&w), IRC_WRITE_OK);
	assert_int_equal(w.len - w.body, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modern_examples),
		cmocka_unit_test(test_parser_cases),
		cmocka_unit_test(test_source_split),
		cmocka_unit_test(test_command_forms),
		cmocka_unit_test(test_spaces),
		cmocka_unit_test(test_params_limit),
		cmocka_unit_test(test_trailing_empty_vs_absent),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_tag_keys),
		cmocka_unit_test(test_tags_spec_examples),
		cmocka_unit_test(test_tag_iteration),
		cmocka_unit_test(test_tag_unescape),
		cmocka_unit_test(test_client_tag_len),
		cmocka_unit_test(test_write_basic),
		cmocka_unit_test(test_write_tags),
		cmocka_unit_test(test_write_invalid),
		cmocka_unit_test(test_write_overflow),
		cmocka_unit_test(test_write_truncate),
		cmocka_unit_test(test_write_room_with_tags),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
