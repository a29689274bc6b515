/* test_client_escape: client/escape — what the client does to untrusted
 * bytes before they reach a terminal. ESCAPE_TEXT (chat display): every C0
 * control but tab becomes \n, \r or \xNN, as do DEL, the C1 controls
 * (U+0080..U+009F, i.e. C2 80..C2 9F, and stray 0x80..0x9F bytes) and every
 * byte that is not part of well-formed UTF-8 (overlongs, surrogates, values
 * above U+10FFFF, stray continuation bytes, bad and truncated sequences,
 * 0xC0/0xC1/0xF5..0xFF); printable ASCII, backslash, tab and valid 2/3/4-byte
 * UTF-8 pass unchanged. ESCAPE_STRICT (frame payloads): also tab and
 * backslash are escaped, and any byte string, NULs included, can be
 * recovered from the output. Randomised: for many random byte strings (and
 * every two-byte string) the output is well-formed UTF-8 with no raw ESC,
 * no other C0 or C1 control, no DEL and (strict) no tab, strict output
 * decodes back to the input, and safe text passes unchanged. Every input
 * sits flush against a guard page, so a read past its end crashes. The
 * client's pure source is compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/escape.c"
#include "testutil.h"

enum { MAX_INPUT = 8192 };

GUARDED_GROUP(MAX_INPUT)

/* ---- helpers ---- */

/* Escapes `n` bytes placed flush against the guard page into `out`. */
static void escape_guarded(struct buf *out, const void *in, size_t n, enum escape_mode mode)
{
	const char *p = guarded_put(&guard, in, n);
	escape_append(out, p, n, mode);
}

/* The escaped form of `n` bytes must be exactly the string `want`. */
static void check_n(enum escape_mode mode, const char *in, size_t n, const char *want)
{
	struct buf out = BUF_INIT;
	escape_guarded(&out, in, n, mode);
	size_t want_len = strlen(want);
	char *got = calloc(1, buf_len(&out) + 1);
	assert_non_null(got);
	if (buf_len(&out))
		memcpy(got, buf_head(&out), buf_len(&out));
	assert_string_equal(got, want);
	assert_int_equal(buf_len(&out), want_len);
	free(got);
	buf_release(&out);
}

/* For string literals, embedded NULs included. */
#define CHECK(mode, lit, want) check_n((mode), (lit), sizeof(lit) - 1, (want))
/* The same expectation in both modes. */
#define CHECK_BOTH(lit, want)                    \
	do {                                     \
		CHECK(ESCAPE_TEXT, lit, want);   \
		CHECK(ESCAPE_STRICT, lit, want); \
	} while (0)

/* Strict UTF-8 decoding (RFC 3629 table), written independently of
 * util/utf8.c: the length of the sequence at p[0..n) and its code point, or
 * 0 if it is not well formed. */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t k;
	uint32_t v, min;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xE0) == 0xC0) {
		k = 2, v = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		k = 3, v = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		k = 4, v = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return k;
}

/* True if the code point is one a terminal may obey (or that is not
 * text): C0 controls, DEL, C1 controls. Tab is allowed if `tab_ok`. */
static bool control(uint32_t cp, bool tab_ok)
{
	if (cp == '\t')
		return !tab_ok;
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* The output of escape_append must be well-formed UTF-8 free of control
 * characters (tab only in text mode); in particular it never holds a raw
 * ESC, and a raw byte in 0x80..0x9F only ever continues a printable
 * multi-byte character. */
static void assert_safe(const char *s, size_t n, enum escape_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		uint32_t cp = 0;
		size_t k = decode(p + i, n - i, &cp);
		if (k == 0 || control(cp, mode == ESCAPE_TEXT))
			fail_msg("unsafe output at byte %zu of %zu: 0x%02x", i, n, p[i]);
		i += k;
	}
	assert_null(memchr(s, 0x1b, n));
}

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undoes ESCAPE_STRICT into `out` (capacity `cap`); returns the length, or
 * fails the test if the text is not a well-formed strict escape. */
static size_t unescape_strict(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		assert_true(o < cap);
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		assert_true(i + 1 < n);
		switch (s[++i]) {
		case 'n':
			out[o++] = '\n';
			break;
		case 'r':
			out[o++] = '\r';
			break;
		case 't':
			out[o++] = '\t';
			break;
		case '\\':
			out[o++] = '\\';
			break;
		case 'x': {
			assert_true(i + 2 < n);
			int hi = hex((unsigned char)s[i + 1]), lo = hex((unsigned char)s[i + 2]);
			assert_true(hi >= 0 && lo >= 0);
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
			break;
		}
		default:
			fail_msg("bad escape '\\%c'", s[i]);
		}
	}
	return o;
}

/* Escapes `n` bytes in both modes and checks every property that holds for
 * any input: safe output, no line break, strict output decodes back. */
static void check_properties(const unsigned char *in, size_t n)
{
	struct buf out = BUF_INIT;
	escape_guarded(&out, in, n, ESCAPE_TEXT);
	if (buf_len(&out)) {
		assert_safe(buf_head(&out), buf_len(&out), ESCAPE_TEXT);
		assert_true(buf_len(&out) >= n && buf_len(&out) <= 4 * n);
	} else {
		assert_int_equal(n, 0);
	}
	buf_release(&out);

	escape_guarded(&out, in, n, ESCAPE_STRICT);
	if (buf_len(&out)) {
		assert_safe(buf_head(&out), buf_len(&out), ESCAPE_STRICT);
		char back[MAX_INPUT];
		size_t m = unescape_strict(buf_head(&out), buf_len(&out), back, sizeof(back));
		assert_int_equal(m, n);
		assert_memory_equal(back, in, n);
	} else {
		assert_int_equal(n, 0);
	}
	buf_release(&out);
}

/* ---- ASCII ---- */

static void test_printable_ascii_passes(void **state)
{
	(void)state;
	CHECK_BOTH("hello, world", "hello, world");
	CHECK_BOTH("[#general] bob: ~!@#$%^&*()_+{}|:\"<>?`-=[];',./",
		   "[#general] bob: ~!@#$%^&*()_+{}|:\"<>?`-=[];',./");
	CHECK_BOTH(" ", " ");
	char all[0x7f - 0x20 + 1];
	for (int c = 0x20; c < 0x7f; c++)
		all[c - 0x20] = (char)c;
	all[sizeof(all) - 1] = '\0';
	check_n(ESCAPE_TEXT, all, sizeof(all) - 1, all);
}

static void test_empty_input(void **state)
{
	(void)state;
	CHECK_BOTH("", "");
	/* Appends: what is already in the buffer stays. */
	struct buf out = BUF_INIT;
	buf_append(&out, "abc", 3);
	escape_guarded(&out, "", 0, ESCAPE_TEXT);
	assert_int_equal(buf_len(&out), 3);
	escape_guarded(&out, "\x1b" "d", 2, ESCAPE_STRICT);
	assert_int_equal(buf_len(&out), 8);
	assert_memory_equal(buf_head(&out), "abc\\x1bd", 8);
	buf_release(&out);
}

static void test_backslash(void **state)
{
	(void)state;
	CHECK(ESCAPE_TEXT, "a\\b", "a\\b");
	CHECK(ESCAPE_TEXT, "\\x1b", "\\x1b"); /* looks escaped, is plain text */
	CHECK(ESCAPE_STRICT, "a\\b", "a\\\\b");
	CHECK(ESCAPE_STRICT, "\\x1b", "\\\\x1b");
	CHECK(ESCAPE_STRICT, "\\", "\\\\");
	CHECK(ESCAPE_STRICT, "\\\\", "\\\\\\\\");
}

/* ---- C0 controls and DEL ---- */

static void test_c0_controls(void **state)
{
	(void)state;
	for (int c = 0; c < 0x20; c++) {
		char in[3] = {'a', (char)c, 'b'}, want[16];
		if (c == '\n')
			snprintf(want, sizeof(want), "a\\nb");
		else if (c == '\r')
			snprintf(want, sizeof(want), "a\\rb");
		else if (c == '\t')
			snprintf(want, sizeof(want), "a\\tb");
		else
			snprintf(want, sizeof(want), "a\\x%02xb", c);
		check_n(ESCAPE_STRICT, in, sizeof(in), want);
		if (c == '\t')
			snprintf(want, sizeof(want), "a\tb");
		check_n(ESCAPE_TEXT, in, sizeof(in), want);
		/* alone, at the very end of the input: "a" and "b" dropped */
		want[strlen(want) - 1] = '\0';
		check_n(ESCAPE_TEXT, in + 1, 1, want + 1);
	}
}

static void test_tab(void **state)
{
	(void)state;
	CHECK(ESCAPE_TEXT, "a\tb\t", "a\tb\t");
	CHECK(ESCAPE_STRICT, "a\tb\t", "a\\tb\\t");
}

static void test_terminal_sequences(void **state)
{
	(void)state;
	/* clear screen, recolour, retitle, cursor moves: all made inert */
	CHECK_BOTH("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H");
	CHECK_BOTH("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
	CHECK_BOTH("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
	/* string terminator ESC \: the backslash is plain text except in strict */
	CHECK(ESCAPE_TEXT, "\x1b]0;pwned\x1b\\", "\\x1b]0;pwned\\x1b\\");
	CHECK(ESCAPE_STRICT, "\x1b]0;pwned\x1b\\", "\\x1b]0;pwned\\x1b\\\\");
}

static void test_line_breaks(void **state)
{
	(void)state;
	CHECK_BOTH("one\ntwo", "one\\ntwo");
	CHECK_BOTH("one\r\ntwo\r", "one\\r\\ntwo\\r");
	CHECK_BOTH("\n\n", "\\n\\n");
	CHECK_BOTH("\b\b\bXXX", "\\x08\\x08\\x08XXX");
}

static void test_nul_bytes(void **state)
{
	(void)state;
	CHECK_BOTH("a\0b", "a\\x00b");
	CHECK_BOTH("\0", "\\x00");
	CHECK_BOTH("\0\0\0", "\\x00\\x00\\x00");
}

static void test_del(void **state)
{
	(void)state;
	CHECK_BOTH("\x7f", "\\x7f");
	CHECK_BOTH("ab\x7f" "c", "ab\\x7fc");
	CHECK_BOTH("~\x7f", "~\\x7f");
}

/* ---- C1 controls ---- */

static void test_c1_controls_encoded(void **state)
{
	(void)state;
	/* U+0080..U+009F are valid UTF-8 (C2 80..C2 9F) but controls: U+009B
	 * is CSI on terminals that honour C1. Both bytes are escaped. */
	for (int c = 0x80; c < 0xA0; c++) {
		char in[4] = {'x', (char)0xC2, (char)c, 'y'}, want[16];
		snprintf(want, sizeof(want), "x\\xc2\\x%02xy", c);
		check_n(ESCAPE_TEXT, in, sizeof(in), want);
		check_n(ESCAPE_STRICT, in, sizeof(in), want);
	}
	CHECK_BOTH("\xc2\x9b" "31m", "\\xc2\\x9b31m");
	/* U+00A0 (no-break space) is the first printable one */
	CHECK_BOTH("\xc2\xa0", "\xc2\xa0");
	CHECK_BOTH("\xc2\xbf", "\xc2\xbf");
}

static void test_c1_raw_bytes(void **state)
{
	(void)state;
	/* The 8-bit forms: lone bytes 0x80..0x9F are never UTF-8 on their own. */
	for (int c = 0x80; c < 0xA0; c++) {
		char in[1] = {(char)c}, want[8];
		snprintf(want, sizeof(want), "\\x%02x", c);
		check_n(ESCAPE_TEXT, in, 1, want);
		check_n(ESCAPE_STRICT, in, 1, want);
	}
	CHECK_BOTH("\x9b" "2J", "\\x9b2J");
	CHECK_BOTH("\x9d" "0;t\x9c", "\\x9d0;t\\x9c");
}

/* ---- UTF-8 ---- */

static void test_valid_utf8_passes(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"caf\xc3\xa9",                 /* 2 bytes: é */
		"\xc3\xa9t\xc3\xa9",           /* été */
		"\xe2\x82\xac" "5",            /* 3 bytes: € */
		"\xed\x95\x9c\xea\xb5\xad",    /* 한국 */
		"\xe4\xbd\xa0\xe5\xa5\xbd",    /* 你好 */
		"\xf0\x9f\x98\x80",            /* 4 bytes: 😀 */
		"a\xf0\x9f\x91\x8d" "b",       /* 👍 between ASCII */
		"\xc2\xa0",                    /* U+00A0, lowest printable 2-byte */
		"\xdf\xbf",                    /* U+07FF */
		"\xe0\xa0\x80",                /* U+0800 */
		"\xed\x9f\xbf",                /* U+D7FF, below the surrogates */
		"\xee\x80\x80",                /* U+E000, above them */
		"\xef\xbf\xbd",                /* U+FFFD */
		"\xef\xbf\xbf",                /* U+FFFF */
		"\xf0\x90\x80\x80",            /* U+10000 */
		"\xf4\x8f\xbf\xbf",            /* U+10FFFF, the last one */
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\\tz",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		check_n(ESCAPE_TEXT, ok[i], strlen(ok[i]), ok[i]);
		if (!strchr(ok[i], '\\') && !strchr(ok[i], '\t'))
			check_n(ESCAPE_STRICT, ok[i], strlen(ok[i]), ok[i]);
	}
	CHECK(ESCAPE_STRICT, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\\tz",
	      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\\\\\tz");
}

static void test_invalid_utf8_escaped(void **state)
{
	(void)state;
	/* overlong forms */
	CHECK_BOTH("\xc0\x80", "\\xc0\\x80");
	CHECK_BOTH("\xc1\xbf", "\\xc1\\xbf");
	CHECK_BOTH("\xc0\xaf", "\\xc0\\xaf");
	CHECK_BOTH("\xe0\x80\x80", "\\xe0\\x80\\x80");
	CHECK_BOTH("\xe0\x9f\xbf", "\\xe0\\x9f\\xbf");
	CHECK_BOTH("\xf0\x80\x80\x80", "\\xf0\\x80\\x80\\x80");
	CHECK_BOTH("\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf");
	/* UTF-16 surrogates */
	CHECK_BOTH("\xed\xa0\x80", "\\xed\\xa0\\x80");
	CHECK_BOTH("\xed\xbf\xbf", "\\xed\\xbf\\xbf");
	/* above U+10FFFF, and bytes that never appear in UTF-8 */
	CHECK_BOTH("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	CHECK_BOTH("\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80");
	CHECK_BOTH("\xf8\x88\x80\x80\x80", "\\xf8\\x88\\x80\\x80\\x80");
	CHECK_BOTH("\xfe\xff", "\\xfe\\xff");
	/* stray continuation bytes */
	CHECK_BOTH("\xa0", "\\xa0");
	CHECK_BOTH("a\xbf" "b", "a\\xbfb");
	CHECK_BOTH("\xc3\xa9\xa9", "\xc3\xa9\\xa9");
	/* Latin-1 text is not UTF-8 */
	CHECK_BOTH("caf\xe9", "caf\\xe9");
}

static void test_broken_sequences_resync(void **state)
{
	(void)state;
	/* A bad lead byte is escaped alone; what follows is looked at again,
	 * so a valid character right after it survives. */
	CHECK_BOTH("\xc3" "A", "\\xc3A");
	CHECK_BOTH("\xc3\xc3\xa9", "\\xc3\xc3\xa9");
	CHECK_BOTH("\xe2\x82" "A", "\\xe2\\x82A");
	CHECK_BOTH("\xe2\xe2\x82\xac", "\\xe2\xe2\x82\xac");
	CHECK_BOTH("\xe2\x82\xe2\x82\xac", "\\xe2\\x82\xe2\x82\xac");
	CHECK_BOTH("\xf0\x9f\x98" "!", "\\xf0\\x9f\\x98!");
	CHECK_BOTH("\xf0\x9f\x98\xf0\x9f\x98\x80", "\\xf0\\x9f\\x98\xf0\x9f\x98\x80");
	CHECK_BOTH("\xf0\x9f\x98\x0a", "\\xf0\\x9f\\x98\\n");
	CHECK_BOTH("\xc2\x1b[2J", "\\xc2\\x1b[2J");
}

static void test_truncated_at_end(void **state)
{
	(void)state;
	/* Every proper prefix of a multi-byte character, at the very end of
	 * the input (flush against the guard page): each byte escaped, and
	 * nothing read past the end. */
	static const char *const chars[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xef\xbf\xbf", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
	};
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++) {
		size_t n = strlen(chars[i]);
		for (size_t k = 1; k < n; k++) {
			char in[8], want[64] = "ok";
			memcpy(in, "ok", 2);
			memcpy(in + 2, chars[i], k);
			for (size_t j = 0; j < k; j++)
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "\\x%02x",
					 (unsigned char)chars[i][j]);
			check_n(ESCAPE_TEXT, in, 2 + k, want);
			check_n(ESCAPE_STRICT, in, 2 + k, want);
		}
		check_n(ESCAPE_TEXT, chars[i], n, chars[i]);
	}
}

/* ---- frame payloads (ESCAPE_STRICT) ---- */

static void test_frame_payloads(void **state)
{
	(void)state;
	CHECK(ESCAPE_STRICT, "hello", "hello");
	CHECK(ESCAPE_STRICT, "a\tb\\c\nd\re", "a\\tb\\\\c\\nd\\re");
	CHECK(ESCAPE_STRICT, "\0\x01\x02\xff", "\\x00\\x01\\x02\\xff");
	CHECK(ESCAPE_STRICT, "\x00\x00\x00\x05" "hello", "\\x00\\x00\\x00\\x05hello");
	/* Every byte value, in order and in reverse: one line, recoverable. */
	unsigned char all[512];
	for (int i = 0; i < 256; i++) {
		all[i] = (unsigned char)i;
		all[511 - i] = (unsigned char)i;
	}
	check_properties(all, sizeof(all));
	struct buf out = BUF_INIT;
	escape_guarded(&out, all, 256, ESCAPE_STRICT);
	assert_null(memchr(buf_head(&out), '\n', buf_len(&out)));
	assert_null(memchr(buf_head(&out), '\0', buf_len(&out)));
	buf_release(&out);
}

static void test_strict_is_unambiguous(void **state)
{
	(void)state;
	/* Inputs that text mode would show alike come out different. */
	static const char *const inputs[] = {"\\n", "\n", "\\x1b", "\x1b", "\t", "\\t"};
	enum { N = sizeof(inputs) / sizeof(inputs[0]) };
	char got[N][32];
	for (size_t i = 0; i < N; i++) {
		struct buf out = BUF_INIT;
		escape_guarded(&out, inputs[i], strlen(inputs[i]), ESCAPE_STRICT);
		assert_true(buf_len(&out) < sizeof(got[i]));
		memcpy(got[i], buf_head(&out), buf_len(&out));
		got[i][buf_len(&out)] = '\0';
		buf_release(&out);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(got[i], got[j]);
	}
}

/* ---- randomised ---- */

/* Bytes that are interesting to an escaper, drawn more often than others. */
static const unsigned char spicy[] = {
	0x00, 0x07, 0x08, '\t', '\n', '\r', 0x1b, '[', ']', '\\', 0x7f, 0x80, 0x85, 0x9b,
	0x9c, 0x9d, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef,
	0xf0, 0xf4, 0xf5, 0xff, 'a', ' ',
};

static void test_random_bytes_never_escape(void **state)
{
	(void)state;
	unsigned long long seed = 0x5eed0fe5ca9eULL;
	unsigned char in[300];
	for (int iter = 0; iter < 30000; iter++) {
		size_t n = (size_t)(test_rand(&seed) % (iter % 10 == 0 ? sizeof(in) : 24));
		for (size_t i = 0; i < n; i++) {
			unsigned long long r = test_rand(&seed);
			in[i] = (r & 1) ? spicy[(r >> 8) % sizeof(spicy)] : (unsigned char)(r >> 16);
		}
		check_properties(in, n);
	}
}

static void test_every_two_byte_string(void **state)
{
	(void)state;
	for (int a = 0; a < 256; a++) {
		for (int b = 0; b < 256; b++) {
			unsigned char in[2] = {(unsigned char)a, (unsigned char)b};
			check_properties(in, 2);
		}
	}
}

/* Appends the UTF-8 form of `cp` to p; returns its length. */
static size_t encode(uint32_t cp, unsigned char *p)
{
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xC0 | (cp >> 6));
		p[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xE0 | (cp >> 12));
		p[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (unsigned char)(0xF0 | (cp >> 18));
	p[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static void test_random_text_passes_unchanged(void **state)
{
	(void)state;
	/* Random printable text (ASCII, tab, backslash and code points of
	 * every encoded length) is shown exactly as it is in text mode. */
	unsigned long long seed = 0x7e57u;
	unsigned char in[256];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0, target = (size_t)(test_rand(&seed) % 60);
		while (n < target) {
			unsigned long long r = test_rand(&seed);
			uint32_t cp;
			switch (r % 5) {
			case 0:
				cp = 0x20 + (uint32_t)((r >> 8) % 0x5F);
				break;
			case 1:
				cp = (r >> 8) & 1 ? '\t' : '\\';
				break;
			case 2:
				cp = 0xA0 + (uint32_t)((r >> 8) % (0x800 - 0xA0));
				break;
			case 3:
				cp = 0x800 + (uint32_t)((r >> 8) % (0x10000 - 0x800 - 0x800));
				if (cp >= 0xD800)
					cp += 0x800; /* skip the surrogates */
				break;
			default:
				cp = 0x10000 + (uint32_t)((r >> 8) % 0x100000);
				break;
			}
			n += encode(cp, in + n);
		}
		struct buf out = BUF_INIT;
		escape_guarded(&out, in, n, ESCAPE_TEXT);
		assert_int_equal(buf_len(&out), n);
		if (n)
			assert_memory_equal(buf_head(&out), in, n);
		buf_release(&out);
		check_properties(in, n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_printable_ascii_passes),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_backslash),
		cmocka_unit_test(test_c0_controls),
		cmocka_unit_test(test_tab),
		cmocka_unit_test(test_terminal_sequences),
		cmocka_unit_test(test_line_breaks),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_c1_controls_encoded),
		cmocka_unit_test(test_c1_raw_bytes),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_invalid_utf8_escaped),
		cmocka_unit_test(test_broken_sequences_resync),
		cmocka_unit_test(test_truncated_at_end),
		cmocka_unit_test(test_frame_payloads),
		cmocka_unit_test(test_strict_is_unambiguous),
		cmocka_unit_test(test_random_bytes_never_escape),
		cmocka_unit_test(test_every_two_byte_string),
		cmocka_unit_test(test_random_text_passes_unchanged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
