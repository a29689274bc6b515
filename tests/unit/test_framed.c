/* test_framed: codec/framed — the shared decode loop. Lines: units handed
 * over one per call of on_unit in order, the unread tail of an unfinished
 * line left for the next offer, an over-long line reported once (announced
 * 0) with its rest skipped across offers (the discard state lives in the
 * framed reader, not the caller) and the lines after it kept; delivering a
 * stream in any chunk size, re-offering the unread tail the way a
 * connection does, gives the same units and reports as one offer. `proceed`
 * saying stop leaves the rest unread, and asking again resumes at the next
 * unit. Frames: on_unit sees the payload and, in `raw`, the whole frame
 * with its header; an oversize header is reported once with its announced
 * length, and then every byte, now and later, is consumed unread.
 * The line codec's encode side: line_end() writes "\r\n", and
 * line_payload_next() gives back each payload of encoded lines ("\r\n",
 * a lone '\n', an unterminated last line, empty lines) so that decoding
 * what was encoded yields the payloads put in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/framed.h"

enum { LOG_MAX = 4096 };

/* What the loop told the protocol, as text: "[unit]" per unit, "!N" per
 * oversize report with its announced length. */
struct record {
	char log[LOG_MAX];
	size_t at;
	size_t raw_len;    /* the last unit's raw span (frames) */
	const char *raw;
	int units_left;    /* proceed says stop once this reaches 0; -1: never */
};

static void note(struct record *r, int n)
{
	assert_true(n >= 0 && (size_t)n < LOG_MAX - r->at);
	r->at += (size_t)n;
}

static bool proceed(void *ctx)
{
	const struct record *r = ctx;
	return r->units_left != 0;
}

static void on_unit(void *ctx, const struct codec_unit *u, const char *raw)
{
	struct record *r = ctx;
	note(r, snprintf(r->log + r->at, LOG_MAX - r->at, "[%.*s]", (int)u->len, u->data));
	r->raw = raw;
	r->raw_len = u->used;
	if (r->units_left > 0)
		r->units_left--;
}

static void on_oversize(void *ctx, size_t announced)
{
	struct record *r = ctx;
	note(r, snprintf(r->log + r->at, LOG_MAX - r->at, "!%zu", announced));
}

static const struct framed_ops ops = {.proceed = proceed, .on_unit = on_unit,
				      .on_oversize = on_oversize};

/* Feeds `s` in chunks of `chunk` bytes the way a connection does: unread
 * bytes stay buffered and are offered again with the next chunk. Returns
 * the bytes still unread at the end. */
static size_t feed(struct framed *f, struct record *r, const char *s, size_t chunk)
{
	char held[LOG_MAX];
	size_t have = 0, n = strlen(s);
	for (size_t at = 0; at < n; at += chunk) {
		size_t take = n - at < chunk ? n - at : chunk;
		memcpy(held + have, s + at, take);
		have += take;
		size_t used = framed_decode(f, held, have, &ops, r);
		assert_true(used <= have);
		memmove(held, held + used, have - used);
		have -= used;
	}
	return have;
}

static void lines_in_any_chunking(void **state)
{
	(void)state;
	const char *input = "one\r\ntwo\n\nthis line is too long\r\nthree\nlong again, twice\nfour\npart";
	const char *want = "[one][two][]!0[three]!0[four]";
	for (size_t chunk = 1; chunk <= strlen(input); chunk++) {
		struct framed f;
		framed_init_lines(&f, 8, LINE_STRIP);
		struct record r = {.units_left = -1};
		size_t unread = feed(&f, &r, input, chunk);
		assert_string_equal(r.log, want);
		assert_int_equal(unread, 4); /* "part" waits for its '\n' */
		assert_false(framed_discarding(&f));
	}
}

static void discard_state_survives_offers(void **state)
{
	(void)state;
	struct framed f;
	framed_init_lines(&f, 4, LINE_STRIP);
	struct record r = {.units_left = -1};
	assert_int_equal(framed_decode(&f, "abcdefgh", 8, &ops, &r), 8);
	assert_true(framed_discarding(&f));
	assert_string_equal(r.log, "!0");
	/* The rest of that line is skipped without a second report. */
	assert_int_equal(framed_decode(&f, "ijkl", 4, &ops, &r), 4);
	assert_int_equal(framed_decode(&f, "mn\nok\n", 6, &ops, &r), 6);
	assert_false(framed_discarding(&f));
	assert_string_equal(r.log, "!0[ok]");
}

static void keep_mode_hands_over_the_terminator(void **state)
{
	(void)state;
	struct framed f;
	framed_init_lines(&f, 16, LINE_KEEP);
	struct record r = {.units_left = -1};
	assert_int_equal(framed_decode(&f, "a\r\nb\n", 5, &ops, &r), 5);
	assert_string_equal(r.log, "[a\r\n][b\n]");
}

static void proceed_stops_and_resumes(void **state)
{
	(void)state;
	struct framed f;
	framed_init_lines(&f, 16, LINE_STRIP);
	struct record r = {.units_left = 1};
	const char *in = "a\nb\nc\n";
	size_t used = framed_decode(&f, in, 6, &ops, &r);
	assert_int_equal(used, 2);
	assert_string_equal(r.log, "[a]");
	/* Stopped before any unit: nothing is read. */
	assert_int_equal(framed_decode(&f, in + used, 6 - used, &ops, &r), 0);
	r.units_left = -1;
	assert_int_equal(framed_decode(&f, in + used, 6 - used, &ops, &r), 4);
	assert_string_equal(r.log, "[a][b][c]");
}

static void frames_carry_their_raw_form(void **state)
{
	(void)state;
	struct framed f;
	framed_init_frames(&f, 8);
	struct record r = {.units_left = -1};
	const char in[] = "\0\0\0\3abc\0\0\0\0\0\0\0\2x";
	size_t n = sizeof(in) - 1;
	size_t used = framed_decode(&f, in, n, &ops, &r);
	assert_int_equal(used, 11); /* two frames; the third lacks a byte */
	assert_string_equal(r.log, "[abc][]");
	assert_ptr_equal(r.raw, in + 7);
	assert_int_equal(r.raw_len, 4);
	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct framed g;
		framed_init_frames(&g, 8);
		struct record s = {.units_left = -1};
		char buf[64];
		size_t have = 0;
		for (size_t at = 0; at < n; at += chunk) {
			size_t take = n - at < chunk ? n - at : chunk;
			memcpy(buf + have, in + at, take);
			have += take;
			size_t u = framed_decode(&g, buf, have, &ops, &s);
			memmove(buf, buf + u, have - u);
			have -= u;
		}
		assert_string_equal(s.log, "[abc][]");
		assert_int_equal(have, 5);
	}
}

static void frame_oversize_consumes_the_stream(void **state)
{
	(void)state;
	struct framed f;
	framed_init_frames(&f, 8);
	struct record r = {.units_left = -1};
	const char in[] = "\0\0\0\2hi\0\0\1\0rest\0\0\0\1z";
	size_t n = sizeof(in) - 1;
	assert_int_equal(framed_decode(&f, in, n, &ops, &r), n);
	assert_string_equal(r.log, "[hi]!256");
	/* Nothing after a bad length can be trusted to start a frame. */
	assert_int_equal(framed_decode(&f, "\0\0\0\1z", 5, &ops, &r), 5);
	assert_string_equal(r.log, "[hi]!256");
	framed_init_frames(&f, 8);
	assert_int_equal(framed_decode(&f, "\0\0\0\1z", 5, &ops, &r), 5);
	assert_string_equal(r.log, "[hi]!256[z]");
}

static void init_from_a_codec_starts_fresh(void **state)
{
	(void)state;
	struct codec c = {.kind = CODEC_LINE,
			  .u.line = {.max = 2, .mode = LINE_STRIP, .discarding = true}};
	struct framed f;
	framed_init(&f, &c);
	struct record r = {.units_left = -1};
	assert_int_equal(framed_decode(&f, "ok\n", 3, &ops, &r), 3);
	assert_string_equal(r.log, "[ok]");
}

/* Encodes `payloads` as lines and reads them back. */
static void line_encoding_round_trip(void **state)
{
	(void)state;
	const char *payloads[] = {"PRIVMSG #a :hi", "", "x y", ""};
	char block[128], *out = block;
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(payloads[i]);
		memcpy(out, payloads[i], n);
		out = line_end(out + n);
	}
	size_t len = (size_t)(out - block);
	assert_int_equal(len, strlen("PRIVMSG #a :hi") + 3 + 4 * LINE_END_LEN);
	assert_memory_equal(block + len - 4, "\r\n\r\n", 4);
	struct codec_unit u;
	size_t at = 0, k = 0;
	while (line_payload_next(block, len, &at, &u)) {
		assert_true(k < 4);
		assert_int_equal(u.len, strlen(payloads[k]));
		assert_memory_equal(u.data, payloads[k], u.len);
		k++;
	}
	assert_int_equal(k, 4);
	assert_int_equal(at, len);
	/* And what a framed line reader makes of the same bytes. */
	struct framed f;
	framed_init_lines(&f, 64, LINE_STRIP);
	struct record r = {.units_left = -1};
	assert_int_equal(framed_decode(&f, block, len, &ops, &r), len);
	assert_string_equal(r.log, "[PRIVMSG #a :hi][][x y][]");
}

static void line_payloads_of_loose_input(void **state)
{
	(void)state;
	const char *in = "a\nb\r\nc";
	struct codec_unit u;
	size_t at = 0;
	assert_true(line_payload_next(in, 6, &at, &u));
	assert_int_equal(u.len, 1);
	assert_int_equal(u.data[0], 'a');
	assert_int_equal(at, 2);
	assert_true(line_payload_next(in, 6, &at, &u));
	assert_int_equal(u.len, 1);
	assert_int_equal(u.data[0], 'b');
	assert_true(line_payload_next(in, 6, &at, &u));
	assert_int_equal(u.len, 1);
	assert_int_equal(u.data[0], 'c');
	assert_int_equal(at, 6);
	assert_false(line_payload_next(in, 6, &at, &u));
	at = 0;
	assert_false(line_payload_next("", 0, &at, &u));
	/* A lone '\r' is a payload byte unless it ends the line. */
	at = 0;
	assert_true(line_payload_next("\r\r\n", 3, &at, &u));
	assert_int_equal(u.len, 1);
	assert_int_equal(at, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_in_any_chunking),
		cmocka_unit_test(discard_state_survives_offers),
		cmocka_unit_test(keep_mode_hands_over_the_terminator),
		cmocka_unit_test(proceed_stops_and_resumes),
		cmocka_unit_test(frames_carry_their_raw_form),
		cmocka_unit_test(frame_oversize_consumes_the_stream),
		cmocka_unit_test(init_from_a_codec_starts_fresh),
		cmocka_unit_test(line_encoding_round_trip),
		cmocka_unit_test(line_payloads_of_loose_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
