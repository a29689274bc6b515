/* test_line: codec/line — every outcome of line_decode() with its exact
 * `used` (unit, need more, need more while discarding, too long); the
 * inclusive --max-line limit for "\n" and "\r\n" in LINE_STRIP mode and the
 * count of bytes before '\n' in LINE_KEEP mode (max 0, 5 and 4096);
 * TOO_LONG reported exactly once per over-long line with the rest of that
 * line discarded and the lines after it kept; concatenated lines; and, for
 * fixed and pseudo-random streams, that delivering the bytes one at a time
 * or in any chunk size yields the same units as one-shot delivery and as an
 * independent model of the rules, while the caller never holds more than
 * max + 2 bytes. Every decoder call sees its input flush against a guard
 * page, so any read past the input crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "testutil.h"

enum { MAX_INPUT = 20000, MAX_EVENTS = 512, EVENT_BYTES = 64 };

GUARDED_GROUP(MAX_INPUT)

static struct line_decoder decoder(size_t max, enum line_mode mode)
{
	struct line_decoder d = {.max = max, .mode = mode, .discarding = false};
	return d;
}

/* One decode call on `n` bytes placed flush against the guard page. */
static enum codec_status decode(struct line_decoder *d, const char *s, size_t n,
				struct codec_unit *u)
{
	const char *p = guarded_put(&guard, s, n);
	memset(u, 0, sizeof(*u));
	u->used = (size_t)-1;
	enum codec_status st = line_decode(d, p, n, u);
	assert_true(u->used <= n);
	if (st == CODEC_UNIT) {
		/* The unit lies inside the consumed bytes. */
		assert_true(u->data >= p && u->data + u->len <= p + u->used);
	}
	return st;
}

/* ---- a stream driver and its trace ---- */

struct event {
	enum codec_status st; /* CODEC_UNIT or CODEC_TOO_LONG */
	size_t len;
	char data[EVENT_BYTES];
};

struct trace {
	struct event ev[MAX_EVENTS];
	int n;
	size_t held_max; /* most unconsumed bytes kept between reads */
};

static void record(struct trace *t, enum codec_status st, const char *data, size_t len)
{
	assert_true(t->n < MAX_EVENTS);
	struct event *e = &t->ev[t->n++];
	e->st = st;
	e->len = st == CODEC_UNIT ? len : 0;
	if (st == CODEC_UNIT)
		memcpy(e->data, data, len < EVENT_BYTES ? len : EVENT_BYTES);
}

/* Feeds `input` to a fresh decoder `chunk` bytes at a time the way a
 * connection does: unconsumed bytes are kept, new ones appended, and the
 * decoder is called until it needs more. */
static void run(struct line_decoder d, const char *input, size_t n, size_t chunk,
		struct trace *t)
{
	static char held[MAX_INPUT];
	size_t have = 0, fed = 0;
	memset(t, 0, sizeof(*t));
	assert_true(n <= MAX_INPUT);
	while (fed < n) {
		size_t k = n - fed < chunk ? n - fed : chunk;
		memcpy(held + have, input + fed, k);
		have += k;
		fed += k;
		for (;;) {
			struct codec_unit u;
			enum codec_status st = decode(&d, held, have, &u);
			if (st != CODEC_NEED_MORE) {
				record(t, st, u.data, u.len);
				assert_true(u.used > 0); /* progress, or we would loop */
			}
			memmove(held, held + u.used, have - u.used);
			have -= u.used;
			if (st == CODEC_NEED_MORE)
				break;
		}
		if (have > t->held_max)
			t->held_max = have;
	}
}

static void trace_equal(const struct trace *a, const struct trace *b, const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %d events vs %d", what, a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		const struct event *x = &a->ev[i], *y = &b->ev[i];
		size_t cmp = x->len < EVENT_BYTES ? x->len : EVENT_BYTES;
		if (x->st != y->st || x->len != y->len || memcmp(x->data, y->data, cmp) != 0)
			fail_msg("%s: event %d differs", what, i);
	}
}

/* Expected events, written compactly: "U:text" is a unit, "T" too long. */
static void expect_trace(const struct trace *t, const char *const *want, int nwant,
			 const char *what)
{
	if (t->n != nwant)
		fail_msg("%s: %d events, expected %d", what, t->n, nwant);
	for (int i = 0; i < nwant; i++) {
		const struct event *e = &t->ev[i];
		if (want[i][0] == 'T') {
			if (e->st != CODEC_TOO_LONG)
				fail_msg("%s: event %d should be TOO_LONG", what, i);
			continue;
		}
		const char *text = want[i] + 2;
		size_t len = strlen(text);
		if (e->st != CODEC_UNIT || e->len != len || memcmp(e->data, text, len) != 0)
			fail_msg("%s: event %d should be unit \"%s\"", what, i, text);
	}
}

static const size_t chunks[] = {1, 2, 3, 5, 7, 13, 64};

/* Runs `input` one-shot and at every chunk size; all must match `want`. */
static void check_stream(size_t max, enum line_mode mode, const char *input, size_t n,
			 const char *const *want, int nwant)
{
	struct trace one, part;
	char what[96];
	snprintf(what, sizeof(what), "%s max=%zu one-shot",
		 mode == LINE_STRIP ? "strip" : "keep", max);
	run(decoder(max, mode), input, n, n ? n : 1, &one);
	expect_trace(&one, want, nwant, what);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run(decoder(max, mode), input, n, chunks[i], &part);
		snprintf(what, sizeof(what), "%s max=%zu chunk=%zu",
			 mode == LINE_STRIP ? "strip" : "keep", max, chunks[i]);
		trace_equal(&one, &part, what);
		assert_true(part.held_max <= max + 2);
	}
}

#define STREAM(max, mode, lit, ...)                                                    \
	do {                                                                           \
		static const char *const want_[] = {__VA_ARGS__};                      \
		check_stream(max, mode, lit, sizeof(lit) - 1, want_,                   \
			     (int)(sizeof(want_) / sizeof(want_[0])));                  \
	} while (0)

#define NOTHING(max, mode, lit) check_stream(max, mode, lit, sizeof(lit) - 1, NULL, 0)

/* ---- single calls: every outcome and its `used` ---- */

static void test_outcome_unit(void **state)
{
	(void)state;
	struct line_decoder d = decoder(10, LINE_STRIP);
	struct codec_unit u;
	assert_int_equal(decode(&d, "hi\r\nrest", 8, &u), CODEC_UNIT);
	assert_int_equal(u.len, 2);
	assert_memory_equal(u.data, "hi", 2);
	assert_int_equal(u.used, 4);
	assert_int_equal(decode(&d, "\n", 1, &u), CODEC_UNIT);
	assert_int_equal(u.len, 0);
	assert_int_equal(u.used, 1);

	d = decoder(10, LINE_KEEP);
	assert_int_equal(decode(&d, "hi\r\nrest", 8, &u), CODEC_UNIT);
	assert_int_equal(u.len, 4);
	assert_memory_equal(u.data, "hi\r\n", 4);
	assert_int_equal(u.used, 4);
}

static void test_outcome_need_more(void **state)
{
	(void)state;
	struct line_decoder d = decoder(10, LINE_STRIP);
	struct codec_unit u;
	assert_int_equal(decode(&d, "", 0, &u), CODEC_NEED_MORE);
	assert_int_equal(u.used, 0);
	assert_int_equal(decode(&d, "partial", 7, &u), CODEC_NEED_MORE);
	assert_int_equal(u.used, 0);
	assert_int_equal(decode(&d, "partial\r", 8, &u), CODEC_NEED_MORE);
	assert_int_equal(u.used, 0);
	assert_false(d.discarding);
}

static void test_outcome_too_long(void **state)
{
	(void)state;
	struct codec_unit u;
	/* Known from the terminator. */
	struct line_decoder d = decoder(3, LINE_STRIP);
	assert_int_equal(decode(&d, "abcd\nxy\n", 8, &u), CODEC_TOO_LONG);
	assert_int_equal(u.used, 5);
	assert_false(d.discarding);
	assert_int_equal(decode(&d, "xy\n", 3, &u), CODEC_UNIT);

	/* Known before the terminator arrives: all input goes, the decoder
	 * keeps discarding until the line ends. */
	d = decoder(3, LINE_STRIP);
	assert_int_equal(decode(&d, "abcdefg", 7, &u), CODEC_TOO_LONG);
	assert_int_equal(u.used, 7);
	assert_true(d.discarding);

	/* Known before the terminator, which is in this input: only the line
	 * goes, and the next line is still there to decode. */
	d = decoder(3, LINE_STRIP);
	assert_int_equal(decode(&d, "abcdefg\nok\n", 11, &u), CODEC_TOO_LONG);
	assert_int_equal(u.used, 8);
	assert_false(d.discarding);
	assert_int_equal(decode(&d, "ok\n", 3, &u), CODEC_UNIT);
	assert_memory_equal(u.data, "ok", 2);
}

static void test_outcome_discarding(void **state)
{
	(void)state;
	struct codec_unit u;
	struct line_decoder d = decoder(3, LINE_KEEP);
	assert_int_equal(decode(&d, "abcd", 4, &u), CODEC_TOO_LONG);
	assert_true(d.discarding);
	/* Still inside the long line: everything is skipped, silently. */
	assert_int_equal(decode(&d, "efgh", 4, &u), CODEC_NEED_MORE);
	assert_int_equal(u.used, 4);
	assert_true(d.discarding);
	/* The line ends and a partial next line follows: only the tail of
	 * the long line is consumed. */
	assert_int_equal(decode(&d, "ij\nne", 5, &u), CODEC_NEED_MORE);
	assert_int_equal(u.used, 3);
	assert_false(d.discarding);
	/* The line ends and a whole next line follows in the same input. */
	d.discarding = true;
	assert_int_equal(decode(&d, "zz\nok\nmore", 10, &u), CODEC_UNIT);
	assert_int_equal(u.used, 6);
	assert_int_equal(u.len, 3);
	assert_memory_equal(u.data, "ok\n", 3);
	/* The line ends and another over-long one starts. */
	d.discarding = true;
	assert_int_equal(decode(&d, "z\nabcdef", 8, &u), CODEC_TOO_LONG);
	assert_int_equal(u.used, 8);
	assert_true(d.discarding);
}

/* ---- the limit ---- */

static void test_strip_limit_inclusive(void **state)
{
	(void)state;
	STREAM(5, LINE_STRIP, "abcde\n", "U:abcde");
	STREAM(5, LINE_STRIP, "abcde\r\n", "U:abcde");
	STREAM(5, LINE_STRIP, "abcdef\n", "T");
	STREAM(5, LINE_STRIP, "abcdef\r\n", "T");
	STREAM(5, LINE_STRIP, "abcde\rx\n", "T");
	STREAM(5, LINE_STRIP, "abcd\r\r\n", "U:abcd\r"); /* only one '\r' is the terminator's */
	STREAM(5, LINE_STRIP, "abcde\r\r\n", "T");
	STREAM(5, LINE_STRIP, "a\rb\n", "U:a\rb");
	/* Runs of '\r': only the last one before '\n' is the terminator's. */
	STREAM(5, LINE_STRIP, "\r\r\r\r\r\n", "U:\r\r\r\r");
	STREAM(5, LINE_STRIP, "\r\r\r\r\r\r\n", "U:\r\r\r\r\r");
	STREAM(5, LINE_STRIP, "\r\r\r\r\r\r\r\n", "T");
	NOTHING(5, LINE_STRIP, "\r\r\r\r\r\r");  /* could still be 5 + "\r\n" */
	STREAM(5, LINE_STRIP, "\r\r\r\r\r\r\r", "T"); /* cannot */
	NOTHING(5, LINE_STRIP, "abcde\r");
	STREAM(5, LINE_STRIP, "abcdef", "T");
}

static void test_keep_limit_counts_before_newline(void **state)
{
	(void)state;
	STREAM(5, LINE_KEEP, "abcde\n", "U:abcde\n");
	STREAM(5, LINE_KEEP, "abcd\r\n", "U:abcd\r\n"); /* '\r' counts in keep mode */
	STREAM(5, LINE_KEEP, "abcde\r\n", "T");
	STREAM(5, LINE_KEEP, "abcdef\n", "T");
	STREAM(5, LINE_KEEP, "\n", "U:\n");
	STREAM(5, LINE_KEEP, "\r\n", "U:\r\n");
	STREAM(5, LINE_KEEP, "a\r\nb\n", "U:a\r\n", "U:b\n");
}

static void test_zero_max(void **state)
{
	(void)state;
	STREAM(0, LINE_STRIP, "\n\r\n", "U:", "U:");
	STREAM(0, LINE_STRIP, "a\n\n", "T", "U:");
	STREAM(0, LINE_STRIP, "\r\r\n\n", "T", "U:");
	STREAM(0, LINE_KEEP, "\n", "U:\n");
	STREAM(0, LINE_KEEP, "\r\n\n", "T", "U:\n");
}

/* The default --max-line: 4096 content bytes pass with either terminator,
 * 4097 do not. */
static void test_default_limit(void **state)
{
	(void)state;
	static char in[4200];
	struct trace t;
	enum line_mode modes[] = {LINE_STRIP, LINE_KEEP};
	for (int mi = 0; mi < 2; mi++) {
		enum line_mode mode = modes[mi];
		for (size_t len = 4095; len <= 4097; len++) {
			for (int crlf = 0; crlf < 2; crlf++) {
				memset(in, 'x', len);
				size_t n = len;
				if (crlf)
					in[n++] = '\r';
				in[n++] = '\n';
				memcpy(in + n, "ok\n", 3);
				n += 3;
				/* In keep mode a '\r' is one more byte before '\n'. */
				size_t counted = len + (mode == LINE_KEEP && crlf);
				bool fits = counted <= 4096;
				run(decoder(4096, mode), in, n, n, &t);
				assert_int_equal(t.n, 2);
				assert_int_equal(t.ev[0].st, fits ? CODEC_UNIT : CODEC_TOO_LONG);
				if (fits)
					assert_int_equal(t.ev[0].len,
							 mode == LINE_KEEP ? len + (size_t)crlf + 1 : len);
				assert_int_equal(t.ev[1].st, CODEC_UNIT);
				struct trace byte;
				run(decoder(4096, mode), in, n, 1, &byte);
				trace_equal(&t, &byte, "4096 byte-at-a-time");
				assert_true(byte.held_max <= 4096 + 2);
			}
		}
	}
}

/* ---- streams ---- */

static void test_concatenated(void **state)
{
	(void)state;
	STREAM(10, LINE_STRIP, "a\nb\r\nc\n", "U:a", "U:b", "U:c");
	STREAM(10, LINE_STRIP, "\n\r\n\n", "U:", "U:", "U:");
	STREAM(10, LINE_KEEP, "one\ntwo\r\n", "U:one\n", "U:two\r\n");
	STREAM(10, LINE_STRIP, "ok\npartial", "U:ok");
	NOTHING(10, LINE_STRIP, "no newline");
	NOTHING(10, LINE_STRIP, "");
	NOTHING(5, LINE_KEEP, "abcde");
	STREAM(5, LINE_KEEP, "abcdef", "T");
}

static void test_nul_bytes_pass_through(void **state)
{
	(void)state;
	struct line_decoder d = decoder(10, LINE_STRIP);
	struct codec_unit u;
	assert_int_equal(decode(&d, "a\0b\r\n", 5, &u), CODEC_UNIT);
	assert_int_equal(u.len, 3);
	assert_memory_equal(u.data, "a\0b", 3);
}

/* One over-long line is one TOO_LONG, however it arrives, and the lines
 * around it survive. */
static void test_too_long_once(void **state)
{
	(void)state;
	STREAM(5, LINE_STRIP, "this line is too long\nok\n", "T", "U:ok");
	STREAM(5, LINE_STRIP, "first\nthis line is too long\r\nok\r\n", "U:first", "T", "U:ok");
	STREAM(5, LINE_STRIP, "toolong1\ntoolong2\r\nfine\n", "T", "T", "U:fine");
	STREAM(5, LINE_KEEP, "this line is too long\nok\n", "T", "U:ok\n");
	STREAM(5, LINE_STRIP, "abcdefghij", "T");

	/* A 10 000-byte line in various chunkings. */
	static char in[10010];
	memset(in, 'y', 10000);
	memcpy(in + 10000, "\nafter\n", 7);
	static const char *const want[] = {"T", "U:after"};
	check_stream(100, LINE_STRIP, in, 10007, want, 2);
	static const char *const want_keep[] = {"T", "U:after\n"};
	check_stream(100, LINE_KEEP, in, 10007, want_keep, 2);
}

/* ---- randomised equivalence with a model ---- */

/* The rules restated independently: split at '\n'; a complete line is a
 * unit if its counted length fits, else one TOO_LONG; an unterminated tail
 * is reported TOO_LONG as soon as no terminator could make it fit. */
static void model(size_t max, enum line_mode mode, const char *in, size_t n, struct trace *t)
{
	memset(t, 0, sizeof(*t));
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '\n')
			continue;
		size_t len = i - start;
		size_t counted = len;
		if (mode == LINE_STRIP && len > 0 && in[i - 1] == '\r')
			counted = len - 1;
		if (counted <= max)
			record(t, CODEC_UNIT, in + start, mode == LINE_KEEP ? len + 1 : counted);
		else
			record(t, CODEC_TOO_LONG, NULL, 0);
		start = i + 1;
	}
	size_t tail = n - start;
	/* STRIP: max + 1 bytes can still fit if the last is '\r'. */
	bool doomed = mode == LINE_KEEP ? tail > max
					: tail > max + 1 ||
						  (tail == max + 1 && in[start + max] != '\r');
	if (doomed)
		record(t, CODEC_TOO_LONG, NULL, 0);
}

static void test_random_streams(void **state)
{
	(void)state;
	static const char alphabet[] = "ab\r\n\r\n\n";
	unsigned long long rng = 0xC0FFEE;
	static char in[400];
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = (size_t)(test_rand(&rng) % sizeof(in));
		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[test_rand(&rng) % (sizeof(alphabet) - 1)];
		/* Sometimes long runs without a newline. */
		if (n > 40 && iter % 3 == 0)
			memset(in + n / 3, 'z', n / 3);
		size_t max = (size_t)(test_rand(&rng) % 12);
		enum line_mode mode = (iter & 1) ? LINE_KEEP : LINE_STRIP;
		struct trace want, got;
		model(max, mode, in, n, &want);
		size_t chunk = iter % 4 == 0 ? (n ? n : 1) : 1 + (size_t)(test_rand(&rng) % 9);
		run(decoder(max, mode), in, n, chunk, &got);
		char what[64];
		snprintf(what, sizeof(what), "random iter %d chunk %zu", iter, chunk);
		trace_equal(&want, &got, what);
		assert_true(got.held_max <= max + 2);
	}
}

/* codec_decode() dispatches to the line decoder for CODEC_LINE. */
static void test_codec_dispatch(void **state)
{
	(void)state;
	struct codec c = {.kind = CODEC_LINE};
	c.u.line = decoder(8, LINE_STRIP);
	struct codec_unit u;
	const char *p = guarded_put(&guard, "JOIN #a\r\n", 9);
	assert_int_equal(codec_decode(&c, p, 9, &u), CODEC_UNIT);
	assert_int_equal(u.len, 7);
	assert_int_equal(u.used, 9);
	p = guarded_put(&guard, "123456789", 9);
	assert_int_equal(codec_decode(&c, p, 9, &u), CODEC_TOO_LONG);
	assert_true(c.u.line.discarding); /* state lives in the codec */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_unit),
		cmocka_unit_test(test_outcome_need_more),
		cmocka_unit_test(test_outcome_too_long),
		cmocka_unit_test(test_outcome_discarding),
		cmocka_unit_test(test_strip_limit_inclusive),
		cmocka_unit_test(test_keep_limit_counts_before_newline),
		cmocka_unit_test(test_zero_max),
		cmocka_unit_test(test_default_limit),
		cmocka_unit_test(test_concatenated),
		cmocka_unit_test(test_nul_bytes_pass_through),
		cmocka_unit_test(test_too_long_once),
		cmocka_unit_test(test_random_streams),
		cmocka_unit_test(test_codec_dispatch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
