/* test_irc_mode: dialect/irc_mode — walking MODE strings (signs carried
 * over letters, which letters take an argument when set and when unset,
 * -k with and without its key, +b alone as a list query, unknown letters,
 * arguments running out), ban mask completion ("nick", "nick!user",
 * "user@host", over-long) and glob matching (*, ?, ASCII case, backtracking,
 * pathological masks stay fast). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/irc_mode.h"

#define S(s) ((struct irc_slice){(s), sizeof(s) - 1})

struct walk_case {
	struct irc_mode_walk w;
	struct irc_slice args[4];
};

static void start(struct walk_case *c, const char *modes, size_t nargs)
{
	irc_mode_walk_init(&c->w, (struct irc_slice){modes, strlen(modes)}, c->args, nargs);
}

static void expect_change(struct walk_case *c, bool add, char letter, const char *arg)
{
	struct irc_mode_change ch;
	assert_int_equal(irc_mode_next(&c->w, &ch), IRC_MODE_CHANGE);
	assert_int_equal(ch.add, add);
	assert_int_equal(ch.letter, letter);
	assert_int_equal(ch.has_arg, arg != NULL);
	if (arg) {
		assert_int_equal(ch.arg.len, strlen(arg));
		assert_memory_equal(ch.arg.p, arg, ch.arg.len);
	}
}

static void test_walk_signs_and_arguments(void **state)
{
	(void)state;
	struct walk_case c = {.args = {S("key"), S("10"), S("bob"), S("x!*@*")}};
	start(&c, "+kl-o+b-m", 4);
	expect_change(&c, true, 'k', "key");
	expect_change(&c, true, 'l', "10");
	expect_change(&c, false, 'o', "bob");
	expect_change(&c, true, 'b', "x!*@*");
	expect_change(&c, false, 'm', NULL);
	struct irc_mode_change ch;
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_END);
}

static void test_unset_limit_takes_no_argument(void **state)
{
	(void)state;
	struct walk_case c = {.args = {S("bob")}};
	start(&c, "-l+v", 1);
	expect_change(&c, false, 'l', NULL);
	expect_change(&c, true, 'v', "bob");
}

static void test_unset_key_with_or_without_its_argument(void **state)
{
	(void)state;
	struct walk_case c = {.args = {S("old")}};
	start(&c, "-k", 1);
	expect_change(&c, false, 'k', "old");
	start(&c, "-k", 0);
	expect_change(&c, false, 'k', NULL);
}

static void test_ban_without_argument_is_a_query(void **state)
{
	(void)state;
	struct walk_case c;
	memset(&c, 0, sizeof(c));
	start(&c, "+b", 0);
	struct irc_mode_change ch;
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_NO_ARG);
	assert_int_equal(ch.letter, 'b');
	start(&c, "b", 0); /* no sign: '+' is assumed */
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_NO_ARG);
	assert_true(ch.add);
}

static void test_unknown_letters_and_missing_arguments(void **state)
{
	(void)state;
	struct walk_case c;
	memset(&c, 0, sizeof(c));
	start(&c, "+zo", 0);
	struct irc_mode_change ch;
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_UNKNOWN);
	assert_int_equal(ch.letter, 'z');
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_NO_ARG);
	assert_int_equal(ch.letter, 'o');
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_END);
	start(&c, "+-+", 0);
	assert_int_equal(irc_mode_next(&c.w, &ch), IRC_MODE_END);
}

static void norm(const char *in, const char *want)
{
	char out[IRC_MASK_MAX + 1];
	size_t n = irc_mask_normalise(in, strlen(in), out);
	if (!want) {
		assert_int_equal(n, 0);
		return;
	}
	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void test_mask_normalise(void **state)
{
	(void)state;
	norm("bob", "bob!*@*");
	norm("bob!u", "bob!u@*");
	norm("u@host", "*!u@host");
	norm("b*!u@h", "b*!u@h");
	norm("", NULL);
	norm("a\x12", NULL); /* a control, a space: not one printable word */
	norm("a b", NULL);
	norm("a\x7f", NULL);
	char big[IRC_MASK_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	norm(big, NULL);
	big[IRC_MASK_MAX - 4] = '\0'; /* + "!*@*" fits exactly */
	char out[IRC_MASK_MAX + 1];
	assert_int_equal(irc_mask_normalise(big, strlen(big), out), IRC_MASK_MAX);
}

static bool match(const char *mask, const char *text)
{
	return irc_mask_match(mask, strlen(mask), text, strlen(text));
}

static void test_mask_match(void **state)
{
	(void)state;
	assert_true(match("*!*@*", "bob!u@127.0.0.1"));
	assert_true(match("BOB!*@*", "bob!u@h"));
	assert_true(match("b?b!*@*", "bib!u@h"));
	assert_false(match("b?b!*@*", "bb!u@h"));
	assert_true(match("*b", "aab"));
	assert_true(match("a*b*c", "a-b-b-c"));
	assert_false(match("a*b*c", "a-b-b-"));
	assert_true(match("", ""));
	assert_false(match("", "x"));
	assert_true(match("**", ""));
	assert_false(match("[", "{")); /* ascii casemapping: brackets do not fold */
}

static void test_pathological_mask_is_linear(void **state)
{
	(void)state;
	char text[4001];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_false(match("*a*a*a*a*a*a*a*a*a*a*b", text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_signs_and_arguments),
		cmocka_unit_test(test_unset_limit_takes_no_argument),
		cmocka_unit_test(test_unset_key_with_or_without_its_argument),
		cmocka_unit_test(test_ban_without_argument_is_a_query),
		cmocka_unit_test(test_unknown_letters_and_missing_arguments),
		cmocka_unit_test(test_mask_normalise),
		cmocka_unit_test(test_mask_match),
		cmocka_unit_test(test_pathological_mask_is_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
