/* test_str: util/str — ASCII-only lower-casing, bounded case-insensitive
 * comparison (sign and length handling), exact and case-insensitive word
 * equality on (pointer, length) strings, and strict decimal parsing with an
 * upper bound (empty, signs, spaces, junk, overflow, the bound itself). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "util/str.h"

static void test_ascii_lower(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		int want = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		assert_int_equal(ascii_lower((unsigned char)c), want);
	}
}

static void test_casecmp(void **state)
{
	(void)state;
	assert_int_equal(ascii_casecmp_n("Hello", "hELLO", 5), 0);
	assert_int_equal(ascii_casecmp_n("abc", "xyz", 0), 0);
	assert_int_equal(ascii_casecmp_n("abcX", "ABCy", 3), 0); /* bounded */
	assert_true(ascii_casecmp_n("abc", "abd", 3) < 0);
	assert_true(ascii_casecmp_n("ABD", "abc", 3) > 0);
	assert_true(ascii_casecmp_n("a[", "A{", 2) != 0);
	/* Bytes compare as unsigned: 0xE9 sorts after 'z'. */
	assert_true(ascii_casecmp_n("\xe9", "z", 1) > 0);
	assert_true(ascii_casecmp_n("\xc9", "\xe9", 1) != 0);
	/* Embedded NULs are ordinary bytes. */
	assert_int_equal(ascii_casecmp_n("a\0B", "A\0b", 3), 0);
	assert_true(ascii_casecmp_n("a\0b", "a\0c", 3) < 0);
}

static void test_equals(void **state)
{
	(void)state;
	assert_true(str_equals("JOIN #a", 4, "JOIN"));
	assert_false(str_equals("JOIN", 4, "join"));
	assert_false(str_equals("JOI", 3, "JOIN"));
	assert_false(str_equals("JOINED", 6, "JOIN"));
	assert_true(str_equals("", 0, ""));
	assert_false(str_equals("x", 1, ""));

	assert_true(str_equals_nocase("join", 4, "JOIN"));
	assert_true(str_equals_nocase("/Quit", 5, "/quit"));
	assert_false(str_equals_nocase("joins", 5, "JOIN"));
	assert_false(str_equals_nocase("joi", 3, "JOIN"));
	assert_true(str_equals_nocase("", 0, ""));
}

static void test_to_ulong_accepts(void **state)
{
	(void)state;
	unsigned long v = 77;
	assert_true(str_to_ulong("0", 10, &v));
	assert_int_equal(v, 0);
	assert_true(str_to_ulong("65535", 65535, &v)); /* the bound is inclusive */
	assert_int_equal(v, 65535);
	assert_true(str_to_ulong("0042", 100, &v)); /* leading zeros are digits */
	assert_int_equal(v, 42);
	char big[32];
	snprintf(big, sizeof(big), "%lu", ULONG_MAX);
	assert_true(str_to_ulong(big, ULONG_MAX, &v));
	assert_true(v == ULONG_MAX);
}

static void test_to_ulong_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "-1", "-0", "1x", "x1", "0x10", "1.5", "1e3",
		"\t7", "12\n", "99999999999999999999999999", "18446744073709551616",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned long v = 1234;
		if (str_to_ulong(bad[i], ULONG_MAX, &v))
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(v, 1234); /* untouched on failure */
	}
	unsigned long v = 5;
	assert_false(str_to_ulong(NULL, 10, &v));
	assert_false(str_to_ulong("65536", 65535, &v)); /* just above the bound */
	assert_false(str_to_ulong("11", 10, &v));
	assert_int_equal(v, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_lower),
		cmocka_unit_test(test_casecmp),
		cmocka_unit_test(test_equals),
		cmocka_unit_test(test_to_ulong_accepts),
		cmocka_unit_test(test_to_ulong_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
