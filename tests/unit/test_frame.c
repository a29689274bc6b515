/* test_frame: codec/frame — big-endian header encoding (round trip and
 * byte order), every outcome of frame_decode() with its exact `used`
 * (unit, need more with a partial header or payload, too long), the
 * inclusive --max-frame limit (0, small, 1 MiB), oversize detected from
 * the header alone with the announced length reported, zero-length frames,
 * concatenated frames, and byte-at-a-time or any chunking giving the same
 * frames as one-shot delivery. frame_input_kind(), which tells a framing
 * peer from a person typing: typed lines of 1-3 bytes, LF and CRLF, a
 * newline first, non-text and high bytes, a 4-byte header at, one above
 * and far above --max-frame, a huge --max-frame keeping text as frames,
 * and for random inputs: decisions stable as bytes arrive, settled by 4
 * bytes, and never TEXT for a header a framing peer may legally send.
 * Every call sees its input flush against a guard page, so any read past
 * the input crashes. */
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

enum { MAX_INPUT = (1 << 20) + 64 };

GUARDED_GROUP(MAX_INPUT)

static enum codec_status decode(size_t max, const char *s, size_t n, struct codec_unit *u)
{
	struct frame_decoder d = {.max = max};
	const char *p = guarded_put(&guard, s, n);
	memset(u, 0, sizeof(*u));
	u->used = (size_t)-1;
	enum codec_status st = frame_decode(&d, p, n, u);
	assert_true(u->used <= n);
	if (st == CODEC_UNIT) {
		assert_ptr_equal(u->data, p + FRAME_HEADER);
		assert_int_equal(u->used, FRAME_HEADER + u->len);
	} else {
		assert_int_equal(u->used, 0); /* frames never consume partially */
	}
	return st;
}

/* Appends a frame with `len` payload bytes of `fill` to `out` at `*n`. */
static void put_frame(char *out, size_t *n, uint32_t len, char fill)
{
	frame_header(len, out + *n);
	memset(out + *n + FRAME_HEADER, fill, len);
	*n += FRAME_HEADER + len;
}

static void test_header_encoding(void **state)
{
	(void)state;
	char h[FRAME_HEADER];
	frame_header(0x01020304u, h);
	assert_memory_equal(h, "\x01\x02\x03\x04", 4);
	frame_header(0, h);
	assert_memory_equal(h, "\0\0\0\0", 4);
	frame_header(0xFFFFFFFFu, h);
	assert_memory_equal(h, "\xff\xff\xff\xff", 4);
	frame_header(300, h);
	assert_memory_equal(h, "\0\0\x01\x2c", 4);
}

static void test_outcome_unit(void **state)
{
	(void)state;
	struct codec_unit u;
	assert_int_equal(decode(100, "\0\0\0\x05hello+next", 15, &u), CODEC_UNIT);
	assert_int_equal(u.len, 5);
	assert_int_equal(u.used, 9);
	assert_memory_equal(u.data, "hello", 5);
	/* High header bytes are unsigned: 0x80 in byte 2 is 32768. */
	static char big[FRAME_HEADER + 32768];
	size_t n = 0;
	put_frame(big, &n, 32768, 'q');
	assert_memory_equal(big, "\0\0\x80\0", 4);
	assert_int_equal(decode(40000, big, n, &u), CODEC_UNIT);
	assert_int_equal(u.len, 32768);
}

static void test_outcome_need_more(void **state)
{
	(void)state;
	struct codec_unit u;
	assert_int_equal(decode(100, "", 0, &u), CODEC_NEED_MORE);
	assert_int_equal(decode(100, "\0", 1, &u), CODEC_NEED_MORE);
	assert_int_equal(decode(100, "\0\0\0", 3, &u), CODEC_NEED_MORE);
	assert_int_equal(decode(100, "\0\0\0\x05", 4, &u), CODEC_NEED_MORE);
	assert_int_equal(decode(100, "\0\0\0\x05hell", 8, &u), CODEC_NEED_MORE);
}

static void test_zero_length(void **state)
{
	(void)state;
	struct codec_unit u;
	assert_int_equal(decode(100, "\0\0\0\0", 4, &u), CODEC_UNIT);
	assert_int_equal(u.len, 0);
	assert_int_equal(u.used, 4);
	/* Even a max of 0 admits an empty frame, and only that. */
	assert_int_equal(decode(0, "\0\0\0\0", 4, &u), CODEC_UNIT);
	assert_int_equal(decode(0, "\0\0\0\x01x", 5, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, 1);
}

static void test_max_inclusive(void **state)
{
	(void)state;
	struct codec_unit u;
	assert_int_equal(decode(5, "\0\0\0\x05" "abcde", 9, &u), CODEC_UNIT);
	assert_int_equal(u.len, 5);
	assert_int_equal(decode(5, "\0\0\0\x06" "abcdef", 10, &u), CODEC_TOO_LONG);

	/* The default --max-frame, 1 MiB. */
	size_t mib = 1u << 20;
	char *in = malloc(MAX_INPUT);
	assert_non_null(in);
	size_t n = 0;
	put_frame(in, &n, (uint32_t)mib, 'm');
	assert_int_equal(decode(mib, in, n, &u), CODEC_UNIT);
	assert_int_equal(u.len, mib);
	assert_int_equal(u.used, mib + 4);
	assert_int_equal((unsigned char)u.data[mib - 1], 'm');
	assert_int_equal(decode(mib, in, n - 1, &u), CODEC_NEED_MORE);
	n = 0;
	put_frame(in, &n, (uint32_t)mib + 1, 'm');
	assert_int_equal(decode(mib, in, n, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, mib + 1);
	free(in);
}

/* Oversize is known from the 4 header bytes; the payload need not (and,
 * at 4 GiB, could not) be waited for. */
static void test_oversize_from_header(void **state)
{
	(void)state;
	struct codec_unit u;
	assert_int_equal(decode(1u << 20, "\xff\xff\xff\xff", 4, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, 0xFFFFFFFFu);
	assert_int_equal(decode(1u << 20, "\0\x10\0\x01", 4, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, (1u << 20) + 1);
	assert_int_equal(decode(1u << 20, "\0\x10\0\0", 4, &u), CODEC_NEED_MORE);
	assert_int_equal(decode(1u << 20, "\x80\0\0\0", 4, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, 0x80000000u);
}

/* ---- streams ---- */

struct frames {
	int n;
	bool too_long; /* the stream ended in TOO_LONG */
	size_t len[256];
	char first[256]; /* first payload byte (or 0) */
	char last[256];  /* last payload byte (or 0) */
};

/* Feeds `input` `chunk` bytes at a time, keeping unconsumed bytes, as a
 * connection does. A TOO_LONG ends the stream: it cannot resynchronise. */
static void run(size_t max, const char *input, size_t n, size_t chunk, struct frames *f)
{
	char *held = malloc(n ? n : 1);
	assert_non_null(held);
	size_t have = 0, fed = 0;
	memset(f, 0, sizeof(*f));
	while (fed < n && !f->too_long) {
		size_t k = n - fed < chunk ? n - fed : chunk;
		memcpy(held + have, input + fed, k);
		have += k;
		fed += k;
		for (;;) {
			struct codec_unit u;
			enum codec_status st = decode(max, held, have, &u);
			if (st == CODEC_NEED_MORE)
				break;
			if (st == CODEC_TOO_LONG) {
				f->too_long = true;
				break;
			}
			assert_true(f->n < 256);
			f->len[f->n] = u.len;
			f->first[f->n] = u.len ? u.data[0] : 0;
			f->last[f->n] = u.len ? u.data[u.len - 1] : 0;
			f->n++;
			memmove(held, held + u.used, have - u.used);
			have -= u.used;
		}
		/* Never more than one unfinished frame is held. */
		assert_true(f->too_long || have < FRAME_HEADER + max);
	}
	free(held);
}

static void expect_same(const struct frames *a, const struct frames *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->too_long, b->too_long);
	for (int i = 0; i < a->n; i++) {
		assert_int_equal(a->len[i], b->len[i]);
		assert_int_equal(a->first[i], b->first[i]);
		assert_int_equal(a->last[i], b->last[i]);
	}
}

static void test_concatenated_and_chunked(void **state)
{
	(void)state;
	static char in[4096];
	size_t n = 0;
	put_frame(in, &n, 3, 'a');
	put_frame(in, &n, 0, 0);
	put_frame(in, &n, 100, 'b');
	put_frame(in, &n, 1, 'c');
	put_frame(in, &n, 0, 0);
	put_frame(in, &n, 255, 'd');
	put_frame(in, &n, 256, 'e');
	in[n - 1] = 'E';
	struct frames one, part;
	run(256, in, n, n, &one);
	assert_int_equal(one.n, 7);
	assert_false(one.too_long);
	static const size_t want[] = {3, 0, 100, 1, 0, 255, 256};
	for (int i = 0; i < 7; i++)
		assert_int_equal(one.len[i], want[i]);
	assert_int_equal(one.first[6], 'e');
	assert_int_equal(one.last[6], 'E');
	static const size_t chunks[] = {1, 2, 3, 4, 5, 7, 64, 1000};
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run(256, in, n, chunks[i], &part);
		expect_same(&one, &part);
	}
	/* A trailing partial frame stays pending, however it arrives. */
	run(256, in, n - 1, n, &one);
	assert_int_equal(one.n, 6);
	run(256, in, n - 1, 1, &part);
	expect_same(&one, &part);
}

static void test_oversize_mid_stream(void **state)
{
	(void)state;
	static char in[1024];
	size_t n = 0;
	put_frame(in, &n, 10, 'a');
	put_frame(in, &n, 11, 'x'); /* over a max of 10 */
	put_frame(in, &n, 1, 'z');
	struct frames one, part;
	run(10, in, n, n, &one);
	assert_int_equal(one.n, 1);
	assert_true(one.too_long);
	for (size_t chunk = 1; chunk <= 16; chunk++) {
		run(10, in, n, chunk, &part);
		expect_same(&one, &part);
	}
}

static void test_random_chunking(void **state)
{
	(void)state;
	static char in[20000];
	unsigned long long rng = 4242;
	for (int iter = 0; iter < 200; iter++) {
		size_t n = 0;
		while (n < sizeof(in) - 600) {
			uint32_t len = (uint32_t)(test_rand(&rng) % 300);
			if (test_rand(&rng) % 8 == 0)
				len = 0;
			put_frame(in, &n, len, (char)('a' + iter % 26));
			if (len)
				in[n - 1] = (char)('A' + len % 26);
		}
		size_t max = 250 + (size_t)(test_rand(&rng) % 60); /* some oversize */
		struct frames one, part;
		run(max, in, n, n, &one);
		size_t chunk = 1 + (size_t)(test_rand(&rng) % 37);
		run(max, in, n, chunk, &part);
		expect_same(&one, &part);
		if (iter % 20 == 0) {
			run(max, in, n, 1, &part);
			expect_same(&one, &part);
		}
	}
}

static void test_codec_dispatch(void **state)
{
	(void)state;
	struct codec c = {.kind = CODEC_FRAME};
	c.u.frame.max = 4;
	struct codec_unit u;
	const char *p = guarded_put(&guard, "\0\0\0\x02hi", 6);
	assert_int_equal(codec_decode(&c, p, 6, &u), CODEC_UNIT);
	assert_int_equal(u.len, 2);
	assert_memory_equal(u.data, "hi", 2);
	p = guarded_put(&guard, "\0\0\0\x05", 4);
	assert_int_equal(codec_decode(&c, p, 4, &u), CODEC_TOO_LONG);
	assert_int_equal(u.len, 5);
	assert_int_equal(u.used, 0);
}

/* ---- telling a framing peer from a person typing ---- */

enum { MIB = 1 << 20 };

static enum frame_input kind(size_t max, const char *s, size_t n)
{
	return frame_input_kind(guarded_put(&guard, s, n), n, max);
}

/* Checks that `s` is UNDECIDED on every prefix shorter than `decided_at`
 * and `want` from there on, up to its full length. */
static void expect_kind(size_t max, const char *s, size_t decided_at, enum frame_input want)
{
	size_t n = strlen(s);
	for (size_t k = 0; k <= n; k++) {
		enum frame_input got = kind(max, s, k);
		if (k < decided_at)
			assert_int_equal(got, FRAME_INPUT_UNDECIDED);
		else
			assert_int_equal(got, want);
	}
}

static void test_input_typed_lines(void **state)
{
	(void)state;
	/* A newline in the first bytes settles it at once, at 1-4 bytes. */
	expect_kind(MIB, "\n", 1, FRAME_INPUT_TEXT);
	expect_kind(MIB, "h\n", 2, FRAME_INPUT_TEXT);
	expect_kind(MIB, "hi\nmore", 3, FRAME_INPUT_TEXT);
	expect_kind(MIB, "abc\n", 4, FRAME_INPUT_TEXT);
	expect_kind(MIB, "\r\n", 2, FRAME_INPUT_TEXT);
	expect_kind(MIB, "hi\r\n", 4, FRAME_INPUT_TEXT);
	expect_kind(MIB, "\tx\n", 3, FRAME_INPUT_TEXT);
	/* No newline: four text bytes announcing 1.7 GB. */
	expect_kind(MIB, "hello\n", 4, FRAME_INPUT_TEXT);
	expect_kind(MIB, "    ", 4, FRAME_INPUT_TEXT);
	expect_kind(0, "~~~~", 4, FRAME_INPUT_TEXT);
}

static void test_input_framing_peers(void **state)
{
	(void)state;
	/* A non-text byte settles it at once. */
	expect_kind(MIB, "\x01\x02", 1, FRAME_INPUT_FRAMES);
	assert_int_equal(kind(MIB, "\0", 1), FRAME_INPUT_FRAMES);
	assert_int_equal(kind(MIB, "\0\0\0\x05hello", 9), FRAME_INPUT_FRAMES);
	assert_int_equal(kind(MIB, "\0\x10\0\0", 4), FRAME_INPUT_FRAMES);
	expect_kind(MIB, "h\x01", 2, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "hi\x7f\n", 3, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "\x1b[A\n", 1, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "\b\n", 1, FRAME_INPUT_FRAMES);
	/* High bytes are binary, UTF-8 text included: such a peer is cut as
	 * oversize by the frame decoder, as before. */
	expect_kind(MIB, "\xff\xff\xff\xff", 1, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "\x80hel", 1, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "h\xc3\xa9llo\n", 2, FRAME_INPUT_FRAMES);
	expect_kind(MIB, "hel\x80", 4, FRAME_INPUT_FRAMES);
}

/* "hell" is 0x68656c6c: a legal header up to that --max-frame, typing
 * above it. */
static void test_input_at_max_frame(void **state)
{
	(void)state;
	const size_t hell = 0x68656c6cu;
	expect_kind(hell, "hello\n", 4, FRAME_INPUT_FRAMES);
	expect_kind(hell - 1, "hello\n", 4, FRAME_INPUT_TEXT);
	/* A newline decides early only if no header starting so is legal:
	 * "hi\n" is at least 0x68690a00. */
	expect_kind(0x68690a00u - 1, "hi\n", 3, FRAME_INPUT_TEXT);
	expect_kind(0x68690a00u, "hi\nA", 4, FRAME_INPUT_TEXT);
	expect_kind(0x68690a41u, "hi\nA", 4, FRAME_INPUT_FRAMES);
	expect_kind(0x68690a40u, "hi\n ", 4, FRAME_INPUT_FRAMES);
	/* An empty line first: headers from "\n" on are 0x0a000000 or more. */
	expect_kind(0x0a000000u - 1, "\n", 1, FRAME_INPUT_TEXT);
	expect_kind(0x0a000000u, "\n\n\n\n", 2, FRAME_INPUT_TEXT);
	expect_kind(0x0a0a0a0au, "\n\n\n\n", 4, FRAME_INPUT_FRAMES);
}

/* With a --max-frame at or above 0x7e7e7e7e every 4 text bytes are a legal
 * header: typed input stays frames, as documented. */
static void test_input_huge_max_frame(void **state)
{
	(void)state;
	expect_kind(0xffffffffu, "hello\n", 4, FRAME_INPUT_FRAMES);
	expect_kind(0x7e7e7e7eu, "~~~~", 4, FRAME_INPUT_FRAMES);
	expect_kind(0x7e7e7e7eu, "hi\n", 4, FRAME_INPUT_UNDECIDED);
	expect_kind(0x7e7e7e7eu, "hi\nthere", 4, FRAME_INPUT_FRAMES);
	expect_kind(0x7e7e7e7eu, "\n", 2, FRAME_INPUT_UNDECIDED);
}

static unsigned char random_byte(unsigned long long *rng)
{
	static const char text[] = "ab \t\r\n~";
	unsigned r = (unsigned)test_rand(rng);
	return r % 4 ? (unsigned char)text[r / 4 % (sizeof(text) - 1)] : (unsigned char)(r / 4);
}

/* For random inputs and limits: a decision, once made, holds as bytes
 * arrive; 4 bytes always decide and nothing after them matters; TEXT only
 * when every header starting with the bytes seen exceeds the limit. */
static void test_input_properties(void **state)
{
	(void)state;
	static const size_t limits[] = {0, 255, MIB, 0x09ffffffu, 0x0a000000u, 0x68690a00u,
					0x7e7e7e7eu, 0xffffffffu};
	unsigned long long rng = 99;
	for (int iter = 0; iter < 20000; iter++) {
		size_t max = limits[iter % (sizeof(limits) / sizeof(limits[0]))];
		unsigned char in[6];
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = random_byte(&rng);
		const char *s = (const char *)in;
		enum frame_input settled = FRAME_INPUT_UNDECIDED;
		for (size_t k = 0; k <= sizeof(in); k++) {
			enum frame_input got = kind(max, s, k);
			if (settled != FRAME_INPUT_UNDECIDED)
				assert_int_equal(got, settled);
			if (k >= FRAME_HEADER)
				assert_int_not_equal(got, FRAME_INPUT_UNDECIDED);
			uint32_t least = 0;
			for (size_t i = 0; i < k && i < FRAME_HEADER; i++)
				least |= (uint32_t)in[i] << (24 - 8 * i);
			if (got == FRAME_INPUT_TEXT)
				assert_true(least > max);
			settled = got;
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_encoding),
		cmocka_unit_test(test_outcome_unit),
		cmocka_unit_test(test_outcome_need_more),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_max_inclusive),
		cmocka_unit_test(test_oversize_from_header),
		cmocka_unit_test(test_concatenated_and_chunked),
		cmocka_unit_test(test_oversize_mid_stream),
		cmocka_unit_test(test_random_chunking),
		cmocka_unit_test(test_codec_dispatch),
		cmocka_unit_test(test_input_typed_lines),
		cmocka_unit_test(test_input_framing_peers),
		cmocka_unit_test(test_input_at_max_frame),
		cmocka_unit_test(test_input_huge_max_frame),
		cmocka_unit_test(test_input_properties),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
