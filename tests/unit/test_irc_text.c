/* test_irc_text: dialect/irc_text and irc_caps — nick validation (strict
 * RFC 2812 rule vs the permissive one that admits a leading digit or '-',
 * every special character, length bound), channel names (chantypes, every
 * forbidden byte, length bound, prefix alone), ASCII casemapping (only A-Z
 * fold; "[" and "{" differ), comma lists with empty items, UTF-8-safe
 * chunking (every budget over texts of 1-4-byte characters, invalid UTF-8
 * still progresses), CTCP ACTION forms; CAP REQ accepted or refused as a
 * whole (unknown, empty, sticky removal, "-" alone, repeated spaces), and
 * CAP LS listing split to a budget with and without values. Inputs that a
 * parser scans sit flush against a guard page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/irc_caps.h"
#include "dialect/irc_text.h"
#include "testutil.h"

enum { MAX_INPUT = 4096 };

GUARDED_GROUP(MAX_INPUT)

static const char *g(const char *s)
{
	return guarded_put(&guard, s, strlen(s));
}

/* ---- names ---- */

static bool nick(const char *s, enum irc_nick_rule rule)
{
	return irc_nick_valid(g(s), strlen(s), 9, rule);
}

static void test_nick(void **state)
{
	(void)state;
	static const char *const both[] = {"a", "Dan", "[x]", "\\o|", "`a", "^^", "_u", "{|}",
					   "a-b", "a1", "z9-_[]\\`^", "abcdefghi"};
	static const char *const permissive_only[] = {"7of9", "-dash", "1", "123"};
	static const char *const neither[] = {"", "a b", "a!b", "a@b", "#a", ":a", "a,b",
					      "abcdefghij", "a.b", "é", "a*", "~a", "\\o/"};
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		assert_true(nick(both[i], IRC_NICK_STRICT));
		assert_true(nick(both[i], IRC_NICK_PERMISSIVE));
	}
	for (size_t i = 0; i < sizeof(permissive_only) / sizeof(permissive_only[0]); i++) {
		assert_false(nick(permissive_only[i], IRC_NICK_STRICT));
		assert_true(nick(permissive_only[i], IRC_NICK_PERMISSIVE));
	}
	for (size_t i = 0; i < sizeof(neither) / sizeof(neither[0]); i++) {
		assert_false(nick(neither[i], IRC_NICK_STRICT));
		assert_false(nick(neither[i], IRC_NICK_PERMISSIVE));
	}
	/* every byte: exactly the RFC 2812 classes pass as a second character */
	for (int c = 0; c < 256; c++) {
		char s[2] = {'a', (char)c};
		bool want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || strchr("[]\\`_^{|}", c);
		if (c == 0)
			want = false;
		assert_int_equal(irc_nick_valid(guarded_put(&guard, s, 2), 2, 9, IRC_NICK_STRICT),
				 want);
	}
}

static bool chan(const char *s, const char *types)
{
	return irc_channel_valid(g(s), strlen(s), 50, types);
}

static void test_channel(void **state)
{
	(void)state;
	assert_true(chan("#a", "#"));
	assert_true(chan("#Parley-é[]!", "#"));
	assert_true(chan("&local", "#&"));
	assert_false(chan("&local", "#"));
	assert_false(chan("#", "#"));
	assert_false(chan("", "#"));
	assert_false(chan("a", "#"));
	assert_false(chan("#a b", "#"));
	assert_false(chan("#a,b", "#"));
	assert_false(chan("#a:b", "#"));
	assert_false(chan("#a\ab", "#"));
	assert_false(chan("#a\rb", "#"));
	assert_false(chan("#a\nb", "#"));
	assert_false(irc_channel_valid(guarded_put(&guard, "#a\0b", 4), 4, 50, "#"));
	assert_false(irc_channel_valid(guarded_put(&guard, "\0a", 2), 2, 50, "#"));
	char name[52];
	name[0] = '#';
	memset(name + 1, 'c', 50);
	assert_true(irc_channel_valid(guarded_put(&guard, name, 50), 50, 50, "#"));
	assert_false(irc_channel_valid(guarded_put(&guard, name, 51), 51, 50, "#"));
}

/* ---- casemapping ---- */

static void test_casemapping(void **state)
{
	(void)state;
	assert_int_equal(irc_casecmp("Dan", 3, "dAN", 3), 0);
	assert_int_not_equal(irc_casecmp("[a]", 3, "{a}", 3), 0); /* ascii, not rfc1459 */
	assert_int_not_equal(irc_casecmp("a\\", 2, "a|", 2), 0);
	assert_true(irc_casecmp("ab", 2, "abc", 3) < 0);
	assert_true(irc_casecmp("abc", 3, "AB", 2) > 0);
	assert_true(irc_casecmp("a", 1, "B", 1) < 0);
	assert_int_equal(irc_casecmp("", 0, "", 0), 0);
	assert_int_not_equal(irc_casecmp("É", 2, "é", 2), 0);
	char buf[16];
	irc_casefold(buf, "MiXeD[]{}É", 12);
	assert_memory_equal(buf, "mixed[]{}É", 12);
	memcpy(buf, "ABC", 3);
	irc_casefold(buf, buf, 3); /* in place */
	assert_memory_equal(buf, "abc", 3);
}

/* ---- comma lists ---- */

static void check_list(const char *s, size_t want_n, const char *const *want)
{
	const char *list = g(s);
	size_t pos = 0, n = 0, len = strlen(s);
	const char *item;
	size_t ilen;
	while (irc_list_next(list, len, &pos, &item, &ilen)) {
		assert_true(n < want_n);
		assert_int_equal(ilen, strlen(want[n]));
		assert_memory_equal(item, want[n], ilen);
		assert_true(item >= list && item + ilen <= list + len);
		n++;
	}
	assert_int_equal(n, want_n);
}

static void test_list(void **state)
{
	(void)state;
	check_list("", 0, NULL);
	check_list("#a", 1, (const char *const[]){"#a"});
	check_list("#a,#b,#c", 3, (const char *const[]){"#a", "#b", "#c"});
	check_list("#a,,#b", 3, (const char *const[]){"#a", "", "#b"});
	check_list(",", 2, (const char *const[]){"", ""});
	check_list("k1,", 2, (const char *const[]){"k1", ""});
}

/* ---- chunks ---- */

/* Chunks `text` with every budget from 1 to len+1 and checks that the
 * pieces are the text, each within budget, each ending on a character
 * boundary (the next byte is not a continuation byte). */
static void check_chunks(const char *s, size_t len)
{
	const char *text = guarded_put(&guard, s, len);
	for (size_t budget = 1; budget <= len + 1; budget++) {
		size_t off = 0;
		while (off < len) {
			size_t n = irc_text_chunk(text + off, len - off, budget);
			if (n == 0) {
				/* only when the next character is wider than the budget */
				assert_true(budget < 4);
				break;
			}
			assert_true(n <= budget);
			off += n;
			if (off < len) {
				assert_true(((unsigned char)text[off] & 0xC0) != 0x80);
			}
		}
	}
}

static void test_chunks(void **state)
{
	(void)state;
	const char *mixed = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z \xe2\x82\xac\xe2\x82\xac";
	check_chunks(mixed, strlen(mixed));
	check_chunks("plain ascii text", 16);
	assert_int_equal(irc_text_chunk("abc", 3, 10), 3);
	assert_int_equal(irc_text_chunk("abc", 3, 3), 3);
	assert_int_equal(irc_text_chunk("abc", 3, 2), 2);
	assert_int_equal(irc_text_chunk("", 0, 0), 0);
	assert_int_equal(irc_text_chunk("\xe2\x82\xac", 3, 2), 0);
	assert_int_equal(irc_text_chunk("a\xe2\x82\xac", 4, 3), 1);
	assert_int_equal(irc_text_chunk("\xf0\x9f\x98\x80", 4, 3), 0);
	/* invalid UTF-8 (a run of continuation bytes) still makes progress */
	const char *junk = guarded_put(&guard, "\x80\x80\x80\x80\x80\x80", 6);
	assert_int_equal(irc_text_chunk(junk, 6, 4), 4);
	/* a 600-byte text of two-byte characters in 400-byte pieces */
	char text[600];
	for (size_t i = 0; i < sizeof(text); i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	assert_int_equal(irc_text_chunk(text, 600, 401), 400);
	assert_int_equal(irc_text_chunk(text, 600, 400), 400);
}

/* ---- CTCP ACTION ---- */

static void check_action(const char *s, bool want, const char *body)
{
	const char *b = NULL;
	size_t blen = 99;
	const char *text = g(s);
	assert_int_equal(irc_ctcp_action(text, strlen(s), &b, &blen), want);
	if (want) {
		assert_int_equal(blen, strlen(body));
		assert_memory_equal(b, body, blen);
	}
}

static void test_ctcp_action(void **state)
{
	(void)state;
	check_action("\001ACTION waves\001", true, "waves");
	check_action("\001ACTION waves at you\001", true, "waves at you");
	check_action("\001ACTION waves", true, "waves"); /* closing \x01 missing */
	check_action("\001action waves\001", true, "waves");
	check_action("\001ACTION\001", true, "");
	check_action("\001ACTION", true, "");
	check_action("\001ACTION \001", true, "");
	check_action("\001ACTIONS x\001", false, NULL);
	check_action("\001VERSION\001", false, NULL);
	check_action("ACTION waves", false, NULL);
	check_action("", false, NULL);
	check_action("\001", false, NULL);
	check_action("hello \001ACTION x\001", false, NULL);
}

/* ---- capabilities ---- */

static const struct irc_cap caps[] = {
	{"cap-notify", NULL, true},
	{"message-tags", NULL, false},
	{"server-time", NULL, false},
	{"sasl", "PLAIN,EXTERNAL", false},
	{"echo-message", NULL, false},
	{"sts", "port=6697", false},
};
/* sts (index 5) only informs: never enabled, never listed without a value */
static const struct irc_cap_table table = {
	.caps = caps, .n = sizeof(caps) / sizeof(caps[0]), .listed_only = 1u << 5,
	.needs_value = 1u << 5};

static bool req(const char *s, uint32_t *on, uint32_t *off)
{
	return irc_cap_req(&table, g(s), strlen(s), on, off);
}

static void test_cap_req(void **state)
{
	(void)state;
	uint32_t on, off;
	assert_true(req("message-tags server-time", &on, &off));
	assert_int_equal(on, 1u << 1 | 1u << 2);
	assert_int_equal(off, 0);
	assert_true(req("  -echo-message   sasl ", &on, &off));
	assert_int_equal(on, 1u << 3);
	assert_int_equal(off, 1u << 4);
	assert_true(req("server-time -server-time", &on, &off));
	assert_int_equal(on, 0);
	assert_int_equal(off, 1u << 2);
	assert_true(req("-server-time server-time", &on, &off));
	assert_int_equal(on, 1u << 2);
	assert_int_equal(off, 0);
	assert_true(req("cap-notify", &on, &off));
	assert_int_equal(on, 1u << 0);
	/* NAK as a whole: the known names are not applied either */
	static const char *const naks[] = {"message-tags bogus", "", "   ", "-", "- sasl",
					   "-cap-notify", "Server-Time", "sasl=PLAIN",
					   "message-tags -cap-notify", "sts",
					   "-sts", "server-time sts"};
	for (size_t i = 0; i < sizeof(naks) / sizeof(naks[0]); i++) {
		on = off = 0xFFFF;
		assert_false(req(naks[i], &on, &off));
		assert_int_equal(on, 0);
		assert_int_equal(off, 0);
	}
	assert_int_equal(irc_cap_find(&table, "sasl", 4), 3);
	assert_int_equal(irc_cap_find(&table, "sas", 3), -1);
}

static void test_cap_list(void **state)
{
	(void)state;
	char buf[64];
	size_t next = 0;
	uint32_t all = (1u << table.n) - 1;
	size_t n = irc_cap_list(&table, all, true, &next, buf, sizeof(buf));
	const char *want = "cap-notify message-tags server-time sasl=PLAIN,EXTERNAL";
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	assert_int_equal(next, 3 + 1);
	n = irc_cap_list(&table, all, true, &next, buf, sizeof(buf));
	assert_memory_equal(buf, "echo-message sts=port=6697", n);
	assert_int_equal(n, 26);
	assert_int_equal(next, table.n);
	assert_int_equal(irc_cap_list(&table, all, true, &next, buf, sizeof(buf)), 0);
	/* without values (CAP LS before 302, CAP LIST), only enabled ones */
	next = 0;
	n = irc_cap_list(&table, 1u << 3 | 1u << 1, false, &next, buf, sizeof(buf));
	assert_memory_equal(buf, "message-tags sasl", n);
	assert_int_equal(n, 17);
	/* a small budget splits into several lines, never mid-name */
	char line[24], joined[128];
	size_t jl = 0;
	int lines = 0;
	next = 0;
	while (next < table.n) {
		n = irc_cap_list(&table, all, false, &next, line, sizeof(line));
		assert_true(n > 0 && n <= sizeof(line));
		assert_true(line[0] != ' ' && line[n - 1] != ' ');
		if (jl)
			joined[jl++] = ' ';
		memcpy(joined + jl, line, n);
		jl += n;
		lines++;
	}
	const char *names = "cap-notify message-tags server-time sasl echo-message";
	assert_int_equal(jl, strlen(names));
	assert_memory_equal(joined, names, jl);
	assert_int_equal(lines, 3);
	/* a name longer than the budget: no progress, reported as 0 */
	next = 0;
	assert_int_equal(irc_cap_list(&table, all, false, &next, line, 5), 0);
	assert_int_equal(next, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nick),         cmocka_unit_test(test_channel),
		cmocka_unit_test(test_casemapping),  cmocka_unit_test(test_list),
		cmocka_unit_test(test_chunks),       cmocka_unit_test(test_ctcp_action),
		cmocka_unit_test(test_cap_req),      cmocka_unit_test(test_cap_list),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
