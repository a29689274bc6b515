/* test_utf8: util/utf8 against RFC 3629 — valid 1-4 byte characters at
 * the range edges, overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF), values above U+10FFFF (F4 90.., F5..FF), stray continuation
 * bytes, truncated sequences; every 1- and 2-byte input, every 3-byte
 * input with an E0..FF lead and a sample of 4-byte ones compared with an
 * independent decoder; and the 8-byte ASCII fast path with the offending
 * byte at every position and every alignment. Inputs sit at the end of a
 * guarded page, so reading past them crashes the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "util/utf8.h"

GUARDED_GROUP(4096)

/* Validates `n` bytes placed flush against the guard page. */
static bool valid_n(const char *s, size_t n)
{
	return utf8_valid(guarded_put(&guard, s, n), n);
}

#define VALID(lit) valid_n(lit, sizeof(lit) - 1)

static void test_valid_characters(void **state)
{
	(void)state;
	assert_true(valid_n("", 0));
	assert_true(VALID("plain ascii text"));
	assert_true(VALID("\x00"));              /* NUL is well-formed */
	assert_true(VALID("\x7f"));              /* U+007F */
	assert_true(VALID("\xc2\x80"));          /* U+0080, smallest 2-byte */
	assert_true(VALID("\xdf\xbf"));          /* U+07FF, largest 2-byte */
	assert_true(VALID("\xe0\xa0\x80"));      /* U+0800, smallest 3-byte */
	assert_true(VALID("\xed\x9f\xbf"));      /* U+D7FF, below surrogates */
	assert_true(VALID("\xee\x80\x80"));      /* U+E000, above surrogates */
	assert_true(VALID("\xef\xbf\xbd"));      /* U+FFFD */
	assert_true(VALID("\xef\xbf\xbf"));      /* U+FFFF */
	assert_true(VALID("\xf0\x90\x80\x80"));  /* U+10000, smallest 4-byte */
	assert_true(VALID("\xf3\xbf\xbf\xbf"));  /* U+FFFFF */
	assert_true(VALID("\xf4\x8f\xbf\xbf"));  /* U+10FFFF, the last one */
	assert_true(VALID("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 ok"));
}

static void test_overlongs(void **state)
{
	(void)state;
	assert_false(VALID("\xc0\x80")); /* U+0000 as 2 bytes */
	assert_false(VALID("\xc0\xaf")); /* '/' */
	assert_false(VALID("\xc1\xbf")); /* U+007F as 2 bytes */
	assert_false(VALID("\xe0\x80\x80"));
	assert_false(VALID("\xe0\x9f\xbf")); /* U+07FF as 3 bytes */
	assert_false(VALID("\xf0\x80\x80\x80"));
	assert_false(VALID("\xf0\x8f\xbf\xbf")); /* U+FFFF as 4 bytes */
}

static void test_surrogates(void **state)
{
	(void)state;
	assert_false(VALID("\xed\xa0\x80")); /* U+D800 */
	assert_false(VALID("\xed\xaf\xbf")); /* U+DBFF */
	assert_false(VALID("\xed\xb0\x80")); /* U+DC00 */
	assert_false(VALID("\xed\xbf\xbf")); /* U+DFFF */
	assert_false(VALID("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 pair */
}

static void test_above_max(void **state)
{
	(void)state;
	assert_false(VALID("\xf4\x90\x80\x80")); /* U+110000 */
	assert_false(VALID("\xf4\xbf\xbf\xbf"));
	for (int lead = 0xF5; lead <= 0xFF; lead++) {
		char s[4] = {(char)lead, '\x80', '\x80', '\x80'};
		assert_false(valid_n(s, 4));
		assert_false(valid_n(s, 1));
	}
}

static void test_stray_and_truncated(void **state)
{
	(void)state;
	assert_false(VALID("\x80"));
	assert_false(VALID("\xbf"));
	assert_false(VALID("a\x80" "b"));
	assert_false(VALID("\xc3\xa9\xa9")); /* one continuation too many */
	/* Truncated at the end of the input (the guard page follows). */
	assert_false(VALID("\xc2"));
	assert_false(VALID("\xe0\xa0"));
	assert_false(VALID("\xe2"));
	assert_false(VALID("\xf0\x90\x80"));
	assert_false(VALID("\xf4\x8f"));
	assert_false(VALID("\xf1"));
	assert_false(VALID("abc\xe2\x82"));
	/* Truncated by a non-continuation byte. */
	assert_false(VALID("\xc2" "A"));
	assert_false(VALID("\xe0\xa0" "A"));
	assert_false(VALID("\xf0\x90\x80" "A"));
	assert_false(VALID("\xf0\x90" "AA"));
	assert_false(VALID("\xc2\xc2\x80"));
	assert_false(VALID("\xe2\x82\xe2\x82\xac"));
}

/* ---- exhaustive comparison with an independent decoder ---- */

/* Decodes by bit patterns and then range-checks the code point, which is
 * a different formulation from the table the implementation uses. */
static bool reference_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

static void expect_same(const unsigned char *s, size_t n)
{
	bool want = reference_valid(s, n);
	bool got = valid_n((const char *)s, n);
	if (got != want)
		fail_msg("utf8_valid disagrees on %zu bytes %02x %02x %02x %02x: got %d",
			 n, s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, got);
}

static void test_exhaustive_short(void **state)
{
	(void)state;
	unsigned char s[4];
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		expect_same(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			expect_same(s, 2);
		}
	}
}

static void test_exhaustive_three_and_four(void **state)
{
	(void)state;
	unsigned char s[4];
	static const unsigned char last[] = {0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0,
					     0xBF, 0xC0, 0xE0, 0xFF};
	for (unsigned a = 0xE0; a < 256; a++) {
		s[0] = (unsigned char)a;
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				expect_same(s, 3);
				/* Four bytes: every lead and second byte, a
				 * sample of third and fourth bytes. */
				bool sample = (c & 0x0F) == 0 || c == 0xBF;
				if (a < 0xF0 || !sample)
					continue;
				for (size_t k = 0; k < sizeof(last); k++) {
					s[3] = last[k];
					expect_same(s, 4);
				}
			}
		}
	}
}

/* ---- the 8-byte ASCII fast path ---- */

/* One bad byte at position `pos` of an ASCII run of length `len`, with the
 * run starting at every alignment: the word-at-a-time skip must not jump
 * over it, wherever it falls in or between words. */
static void test_fast_path_every_alignment(void **state)
{
	(void)state;
	static const char *const bad[] = {"\x80", "\xff", "\xc0\x80", "\xed\xa0\x80", "\xc2"};
	static const char *const good[] = {"\xc2\x80", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	_Alignas(8) char raw[80];
	for (size_t align = 0; align < 8; align++) {
		for (size_t len = 1; len <= 40; len++) {
			for (size_t pos = 0; pos < len; pos++) {
				for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
					size_t bl = strlen(bad[b]);
					if (pos + bl > len)
						continue;
					char *s = raw + align;
					memset(s, 'a', len);
					memcpy(s + pos, bad[b], bl);
					assert_false(utf8_valid(s, len));
					assert_false(valid_n(s, len));
				}
				for (size_t g = 0; g < sizeof(good) / sizeof(good[0]); g++) {
					size_t gl = strlen(good[g]);
					if (pos + gl > len)
						continue;
					char *s = raw + align;
					memset(s, 'a', len);
					memcpy(s + pos, good[g], gl);
					assert_true(utf8_valid(s, len));
					assert_true(valid_n(s, len));
					/* The same character cut short at the end. */
					if (pos + gl == len)
						assert_false(valid_n(s, len - 1));
				}
			}
			char *s = raw + align;
			memset(s, 'a', len);
			assert_true(utf8_valid(s, len));
			assert_true(valid_n(s, len));
		}
	}
}

/* A long valid text mixing runs of ASCII with multi-byte characters, so the
 * fast path re-engages after each character at varying offsets. */
static void test_long_mixed(void **state)
{
	(void)state;
	char text[3000];
	size_t n = 0;
	static const char *const parts[] = {"abcdefghijk", "\xc3\xa9", "0123456",
					    "\xe2\x82\xac", "xy", "\xf0\x9f\x98\x80", "z"};
	for (int i = 0; n + 16 < sizeof(text); i++) {
		const char *p = parts[i % 7];
		memcpy(text + n, p, strlen(p));
		n += strlen(p);
	}
	assert_true(valid_n(text, n));
	/* Corrupt a byte near the end, past many fast-path words. */
	text[n - 3] = (char)0xFF;
	assert_false(valid_n(text, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_characters),
		cmocka_unit_test(test_overlongs),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_above_max),
		cmocka_unit_test(test_stray_and_truncated),
		cmocka_unit_test(test_exhaustive_short),
		cmocka_unit_test(test_exhaustive_three_and_four),
		cmocka_unit_test(test_fast_path_every_alignment),
		cmocka_unit_test(test_long_mixed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
