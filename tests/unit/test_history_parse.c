/* test_history_parse: the pure argument parsers behind the chat store
 * commands — HISTORY's "<#room> [<n>] [BEFORE <msgid>]" (defaults, clamping,
 * every malformed shape), LOGIN/PASSWORD's "<first> <rest>" split — and the
 * new command words in the line classifier. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/chat_parse.h"

static bool parse(const char *text, size_t max, struct chat_history_args *out)
{
	return chat_parse_history(text, strlen(text), max, out);
}

static void test_room_only_takes_the_default(void **state)
{
	(void)state;
	struct chat_history_args a;
	assert_true(parse("#general", 500, &a));
	assert_int_equal(a.room_len, 8);
	assert_memory_equal(a.room, "#general", 8);
	assert_int_equal(a.count, CHAT_HISTORY_DEFAULT);
	assert_int_equal(a.before, 0);
	assert_true(parse("#g", 20, &a)); /* the default never exceeds the maximum */
	assert_int_equal(a.count, 20);
}

static void test_count_and_before(void **state)
{
	(void)state;
	struct chat_history_args a;
	assert_true(parse("#g 7", 500, &a));
	assert_int_equal(a.count, 7);
	assert_true(parse("#g 7 BEFORE 00000000000000ff", 500, &a));
	assert_int_equal(a.count, 7);
	assert_int_equal(a.before, 255);
	assert_true(parse("#g BEFORE 0123456789abcdef", 500, &a));
	assert_int_equal(a.count, CHAT_HISTORY_DEFAULT);
	assert_int_equal(a.before, 0x0123456789abcdefull);
	assert_true(parse("#g 100000", 500, &a));
	assert_int_equal(a.count, 500);
	assert_true(parse("  #g   3  ", 500, &a)); /* extra spaces are separators */
	assert_int_equal(a.count, 3);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " ", "#g 0", "#g -1", "#g 1x", "#g 1234567890", "#g BEFORE",
		"#g 5 BEFORE", "#g BEFORE 0000000000000000", "#g BEFORE 00000000000000FF",
		"#g BEFORE 00000000000000f", "#g BEFORE 00000000000000fff", "#g 5 AFTER 00000000000000ff",
		"#g 5 6", "#g BEFORE 00000000000000ff extra", "#g before 00000000000000ff",
	};
	struct chat_history_args a;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], 500, &a))
			fail_msg("accepted '%s'", bad[i]);
	}
}

static void test_split_two(void **state)
{
	(void)state;
	const char *a, *b;
	size_t an, bn;
	assert_true(chat_split_two("alice my pass", 13, &a, &an, &b, &bn));
	assert_int_equal(an, 5);
	assert_int_equal(bn, 7);
	assert_memory_equal(b, "my pass", 7);
	assert_false(chat_split_two("alice", 5, &a, &an, &b, &bn));
	assert_false(chat_split_two("alice ", 6, &a, &an, &b, &bn));
	assert_false(chat_split_two(" alice", 6, &a, &an, &b, &bn));
}

static void test_command_words(void **state)
{
	(void)state;
	struct chat_command c;
	chat_parse("HISTORY #g 5", 12, &c);
	assert_int_equal(c.cmd, CHAT_HISTORY);
	assert_int_equal(c.arg_len, 4);
	chat_parse("/history #g", 11, &c);
	assert_int_equal(c.cmd, CHAT_HISTORY);
	chat_parse("REGISTER pw", 11, &c);
	assert_int_equal(c.cmd, CHAT_REGISTER);
	chat_parse("LOGIN a b", 9, &c);
	assert_int_equal(c.cmd, CHAT_LOGIN);
	chat_parse("PASSWORD a b", 12, &c);
	assert_int_equal(c.cmd, CHAT_PASSWORD);
	chat_parse("login a b", 9, &c); /* protocol words are upper case */
	assert_int_equal(c.cmd, CHAT_SAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_only_takes_the_default),
		cmocka_unit_test(test_count_and_before),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_split_two),
		cmocka_unit_test(test_command_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
