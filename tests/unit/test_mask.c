/* test_mask: ban-mask wildcards — '*' any run (empty too), '?' exactly one
 * byte, ASCII case ignored, whole-string matches only, and no exponential
 * blow-up on many stars. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/mask.h"

static bool match(const char *mask, const char *text)
{
	return mask_match(mask, strlen(mask), text, strlen(text));
}

static void test_literals_and_case(void **state)
{
	(void)state;
	assert_true(match("alice!alice@127.0.0.1", "ALICE!alice@127.0.0.1"));
	assert_false(match("alice!alice@127.0.0.1", "alice!alice@127.0.0.12"));
	assert_false(match("alice", "alic"));
	assert_true(match("", ""));
	assert_false(match("", "a"));
}

static void test_star_and_question(void **state)
{
	(void)state;
	assert_true(match("*!*@127.0.0.1", "bob!bob@127.0.0.1"));
	assert_true(match("*!*@10.0.0.*", "eve!x@10.0.0.254"));
	assert_false(match("*!*@10.0.0.*", "eve!x@10.0.1.2"));
	assert_true(match("mallory!*@*", "Mallory!m@host"));
	assert_false(match("mallory!*@*", "mallory2!m@host"));
	assert_true(match("a?c", "abc"));
	assert_false(match("a?c", "ac"));
	assert_true(match("*", ""));
	assert_true(match("**a**", "a"));
	assert_true(match("*a*b*c", "xxaxxbxxc"));
	assert_false(match("*a*b*c", "xxaxxbxxcx"));
}

static void test_no_blowup(void **state)
{
	(void)state;
	char text[4096];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	/* Backtracking through every star would take forever here. */
	assert_false(match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals_and_case),
		cmocka_unit_test(test_star_and_question),
		cmocka_unit_test(test_no_blowup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
