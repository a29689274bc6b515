/* test_client_render: client/render — what a person or a script sees for
 * each unit the server sends. Readable chat lines, colour off: "[#room]
 * name: text", "[PM from name] text", "[PM to name] text" (local echo),
 * "-> name joined #room", "<- name left #room", "* " for OK replies and the
 * client's notices, "! " for ERROR, "* Rooms: ..." / "* Users: ..." with
 * "(none)" for empty lists, unknown lines as they are; "OK Sent" appends
 * nothing. Colour on: the same text wrapped in the documented SGR
 * sequences, each name in a colour of its own that stays the same. Hostile
 * text in any field is escaped, so with colour off no ESC or other control
 * byte (tab aside) reaches the output, and with colour on the only ESCs are
 * our own SGR sequences (checked over many random lines). Raw mode: chat and
 * relay lines byte for byte in a pipe, escaped on a terminal; frames always
 * escaped unambiguously; never coloured. Every function appends exactly one
 * line. "[HH:MM] " stamps (dim in colour, nothing when off), replayed
 * history marked "[history] " and dimmed as a whole, the member list
 * "* Users in #room: a, b", and the client's own "! " errors. The client's pure sources (render, chat, escape) are compiled in
 * here; the terminal and readline parts (tty.c) are not needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/chat.c"
#include "../../client/escape.c"
#include "../../client/render.c"
#include "testutil.h"

enum { MAX_INPUT = 8192 };

GUARDED_GROUP(MAX_INPUT)

static const struct render_style plain = {.color = false, .terminal = true};
static const struct render_style colour = {.color = true, .terminal = true};
static const struct render_style pipe_out = {.color = false, .terminal = false};

/* ---- helpers ---- */

/* The buffer's content as a NUL-terminated string (freed by the caller);
 * fails on a NUL inside, which no rendered line may hold. */
static char *take(struct buf *out)
{
	size_t n = buf_len(out);
	char *s = calloc(1, n + 1);
	assert_non_null(s);
	if (n) {
		memcpy(s, buf_head(out), n);
		assert_null(memchr(s, '\0', n));
	}
	buf_release(out);
	return s;
}

/* Renders the server line `n` bytes long (flush against the guard page)
 * with `st`; `want` is the expected output, or NULL if nothing is shown. */
static void check_chat_n(const struct render_style *st, const char *line, size_t n,
			 const char *want)
{
	struct chat_event ev;
	chat_parse(guarded_put(&guard, line, n), n, &ev);
	struct buf out = BUF_INIT;
	bool shown = render_chat(st, &ev, &out);
	if (!want) {
		assert_false(shown);
		assert_int_equal(buf_len(&out), 0);
		buf_release(&out);
		return;
	}
	assert_true(shown);
	char *got = take(&out);
	assert_string_equal(got, want);
	free(got);
}

#define CHAT(st, lit, want) check_chat_n((st), (lit), sizeof(lit) - 1, (want))

static void check_raw_n(const struct render_style *st, enum proto p, const char *unit,
			size_t n, const char *want, size_t want_len)
{
	struct buf out = BUF_INIT;
	render_raw(st, p, guarded_put(&guard, unit, n), n, &out);
	assert_int_equal(buf_len(&out), want_len);
	assert_memory_equal(buf_head(&out), want, want_len);
	buf_release(&out);
}

#define RAW(st, p, lit, want) \
	check_raw_n((st), (p), (lit), sizeof(lit) - 1, (want), sizeof(want) - 1)

static struct span span_of(const char *s)
{
	return (struct span){s, strlen(s)};
}

/* Removes our SGR sequences (ESC '[' digits and ';' 'm') from `s` in
 * place; fails on any other use of ESC. */
static void strip_sgr(char *s)
{
	char *o = s;
	for (char *p = s; *p;) {
		if (*p != '\033') {
			*o++ = *p++;
			continue;
		}
		assert_int_equal(p[1], '[');
		p += 2;
		while ((*p >= '0' && *p <= '9') || *p == ';')
			p++;
		assert_int_equal(*p, 'm');
		p++;
	}
	*o = '\0';
}

/* One line: ends in '\n', holds no other line break and, once our SGR
 * sequences are gone, no control byte other than tab. */
static void assert_one_safe_line(char *s)
{
	size_t n = strlen(s);
	assert_true(n > 0);
	assert_int_equal(s[n - 1], '\n');
	s[n - 1] = '\0';
	strip_sgr(s);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 && *p != '\t')
			fail_msg("control byte 0x%02x in rendered line", *p);
		assert_true(*p != 0x7f);
		/* C1 controls: raw (not after a lead byte) or as U+0080..U+009F */
		if (*p == 0xC2) {
			assert_true(p[1] >= 0xA0);
		}
	}
}

/* ---- readable form, colour off ---- */

static void test_room_line(void **state)
{
	(void)state;
	CHAT(&plain, "ROOM #general bob morning!", "[#general] bob: morning!\n");
	CHAT(&plain, "ROOM #general bob  two  spaces ", "[#general] bob:  two  spaces \n");
	CHAT(&plain, "ROOM #r alice caf\xc3\xa9 \xf0\x9f\x98\x80",
	     "[#r] alice: caf\xc3\xa9 \xf0\x9f\x98\x80\n");
	CHAT(&plain, "ROOM #r alice a\tb", "[#r] alice: a\tb\n");
}

static void test_privmsg_lines(void **state)
{
	(void)state;
	CHAT(&plain, "PRIVMSG carol lunch?", "[PM from carol] lunch?\n");
	CHAT(&plain, "PRIVMSG carol  lunch? ", "[PM from carol]  lunch? \n");

	struct buf out = BUF_INIT;
	render_sent_privmsg(&plain, span_of("carol"), span_of("sure"), &out);
	char *got = take(&out);
	assert_string_equal(got, "[PM to carol] sure\n");
	free(got);

	render_sent_privmsg(&plain, span_of("bob\x1b"), span_of("hi\r\n"), &out);
	got = take(&out);
	assert_string_equal(got, "[PM to bob\\x1b] hi\\r\\n\n");
	free(got);
}

static void test_membership_lines(void **state)
{
	(void)state;
	CHAT(&plain, "JOIN #general bob", "-> bob joined #general\n");
	CHAT(&plain, "LEAVE #general bob", "<- bob left #general\n");
	CHAT(&plain, "JOIN #general bob ", "-> bob joined #general\n");
}

static void test_status_lines(void **state)
{
	(void)state;
	CHAT(&plain, "OK Welcome, alice!", "* Welcome, alice!\n");
	CHAT(&plain, "OK Joined #general (2 users)", "* Joined #general (2 users)\n");
	CHAT(&plain, "OK Goodbye!", "* Goodbye!\n");
	CHAT(&plain, "OK", "* \n");
	CHAT(&plain, "ERROR User not found", "! User not found\n");
	CHAT(&plain, "ERROR Server shutting down", "! Server shutting down\n");
	CHAT(&plain, "ERROR", "! \n");
	/* "OK Sent" is already shown as the local echo "[PM to ...]" */
	CHAT(&plain, "OK Sent", NULL);
	CHAT(&colour, "OK Sent", NULL);
	CHAT(&plain, "OK Sent ", "* Sent \n");
	CHAT(&plain, "OK Sent!", "* Sent!\n");
	CHAT(&plain, "ERROR Sent", "! Sent\n");
}

static void test_list_lines(void **state)
{
	(void)state;
	CHAT(&plain, "ROOMLIST #a #b", "* Rooms: #a #b\n");
	CHAT(&plain, "ROOMLIST", "* Rooms: (none)\n");
	CHAT(&plain, "ROOMLIST ", "* Rooms: (none)\n");
	CHAT(&plain, "USERLIST alice bob", "* Users: alice bob\n");
	CHAT(&plain, "USERLIST", "* Users: (none)\n");
}

static void test_other_lines(void **state)
{
	(void)state;
	/* a line of no known shape is shown as it came, escaped */
	CHAT(&plain, "HELLO there", "HELLO there\n");
	CHAT(&plain, "ROOM #r bob", "ROOM #r bob\n");
	CHAT(&plain, "PRIVMSG carol", "PRIVMSG carol\n");
	CHAT(&plain, "ok fine", "ok fine\n");
	CHAT(&plain, "", "\n");
	CHAT(&plain, "\x1b[2Jgotcha", "\\x1b[2Jgotcha\n");
	CHAT(&colour, "HELLO there", "HELLO there\n"); /* no colour either */
}

static void test_notice(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	render_notice(&plain, "connected to localhost port 7000 (chat); /help lists commands",
		      &out);
	char *got = take(&out);
	assert_string_equal(got, "* connected to localhost port 7000 (chat); /help lists commands\n");
	free(got);

	render_notice(&plain, "", &out);
	got = take(&out);
	assert_string_equal(got, "* \n");
	free(got);

	render_notice(&colour, "line skipped", &out);
	got = take(&out);
	assert_string_equal(got, "\033[2m* line skipped\033[0m\n");
	free(got);

	render_notice(&plain, "bad\x1b]0;t\x07", &out);
	got = take(&out);
	assert_string_equal(got, "* bad\\x1b]0;t\\x07\n");
	free(got);
}

/* ---- hostile text ---- */

static void test_fields_escaped(void **state)
{
	(void)state;
	CHAT(&plain, "ROOM #r bob \x1b[2J\x1b[H", "[#r] bob: \\x1b[2J\\x1b[H\n");
	CHAT(&plain, "ROOM #r\x1b b\x07ob hi\rthere\n", "[#r\\x1b] b\\x07ob: hi\\rthere\\n\n");
	CHAT(&plain, "ROOM #r bob \xc2\x9b" "31m\x9b" "2J\x7f",
	     "[#r] bob: \\xc2\\x9b31m\\x9b2J\\x7f\n");
	CHAT(&plain, "ROOM #r bob caf\xe9", "[#r] bob: caf\\xe9\n");
	CHAT(&plain, "PRIVMSG \x1b]0;x\x07 hi", "[PM from \\x1b]0;x\\x07] hi\n");
	CHAT(&plain, "PRIVMSG carol a\x1b" "b", "[PM from carol] a\\x1bb\n");
	CHAT(&plain, "JOIN #r\x1b[1m bob\x08", "-> bob\\x08 joined #r\\x1b[1m\n");
	CHAT(&plain, "LEAVE #r \x1b", "<- \\x1b left #r\n");
	CHAT(&plain, "OK \x1b[31mfake", "* \\x1b[31mfake\n");
	CHAT(&plain, "ERROR \r\x1b[Kgone", "! \\r\\x1b[Kgone\n");
	CHAT(&plain, "ROOMLIST #a\x1b", "* Rooms: #a\\x1b\n");
	CHAT(&plain, "USERLIST a\nb", "* Users: a\\nb\n");
	/* the same escapes with colour on, inside our own SGR */
	CHAT(&colour, "OK \x1b[31mfake", "\033[32m* \\x1b[31mfake\033[0m\n");
}

static void test_random_lines_stay_safe(void **state)
{
	(void)state;
	static const char *const words[] = {
		"ROOM", "JOIN", "LEAVE", "PRIVMSG", "OK", "ERROR", "ROOMLIST", "USERLIST", "Sent",
	};
	static const unsigned char spicy[] = {
		0x00, 0x07, 0x08, '\t', '\n', '\r', 0x1b, 0x1b, '[', ']', '\\', 0x7f, 0x85, 0x9b,
		0xc2, 0xc3, 0xe2, 0xed, 0xf0, 0xff, '#', '#', ' ', ' ', ' ', 'a', 'm', ';', '2',
	};
	unsigned long long seed = 0x12e4de4u;
	char line[128];
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = 0;
		unsigned long long r = test_rand(&seed);
		if (r % 8) {
			const char *w = words[(r >> 8) % (sizeof(words) / sizeof(words[0]))];
			memcpy(line, w, strlen(w));
			n = strlen(w);
		}
		size_t extra = (size_t)((r >> 16) % 40);
		for (size_t i = 0; i < extra; i++) {
			unsigned long long b = test_rand(&seed);
			line[n++] = (char)(b & 1 ? spicy[(b >> 8) % sizeof(spicy)] : (b >> 16) & 0xff);
		}
		for (int c = 0; c < 2; c++) {
			const struct render_style *st = c ? &colour : &plain;
			struct chat_event ev;
			chat_parse(guarded_put(&guard, line, n), n, &ev);
			struct buf out = BUF_INIT;
			if (!render_chat(st, &ev, &out)) {
				assert_int_equal(ev.kind, CHAT_OK);
				assert_int_equal(buf_len(&out), 0);
				buf_release(&out);
				continue;
			}
			char *got = take(&out);
			if (!c)
				assert_null(strchr(got, '\033'));
			assert_one_safe_line(got);
			free(got);

			if (ev.kind != CHAT_PRIVMSG)
				continue;
			/* the local echo of the same text */
			render_sent_privmsg(st, ev.user, ev.text, &out);
			got = take(&out);
			assert_one_safe_line(got);
			free(got);
		}
	}
}

/* ---- colour ---- */

static void test_colour_lines(void **state)
{
	(void)state;
	CHAT(&colour, "ERROR User not found", "\033[1;31m! User not found\033[0m\n");
	CHAT(&colour, "OK Welcome, alice!", "\033[32m* Welcome, alice!\033[0m\n");
	CHAT(&colour, "JOIN #general bob", "\033[2m-> bob joined #general\033[0m\n");
	CHAT(&colour, "LEAVE #general bob", "\033[2m<- bob left #general\033[0m\n");
	CHAT(&colour, "PRIVMSG carol lunch?", "\033[1;35m[PM from carol]\033[0m lunch?\n");
	CHAT(&colour, "ROOMLIST #a #b", "\033[32m* Rooms: #a #b\033[0m\n");
	CHAT(&colour, "USERLIST", "\033[32m* Users: (none)\033[0m\n");

	struct buf out = BUF_INIT;
	render_sent_privmsg(&colour, span_of("carol"), span_of("sure"), &out);
	char *got = take(&out);
	assert_string_equal(got, "\033[1;35m[PM to carol]\033[0m sure\n");
	free(got);
}

/* The SGR sequence that colours `who` in a room line. */
static char *name_sgr(const char *who)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "ROOM #general %s hi", who);
	struct chat_event ev;
	chat_parse(line, (size_t)n, &ev);
	assert_int_equal(ev.kind, CHAT_ROOM);
	struct buf out = BUF_INIT;
	assert_true(render_chat(&colour, &ev, &out));
	char *got = take(&out);
	/* "\033[36m[#general] \033[0m" NAMECOLOUR who "\033[0m: hi\n" */
	const char *head = "\033[36m[#general] \033[0m";
	assert_memory_equal(got, head, strlen(head));
	char *sgr_start = got + strlen(head);
	char *name_at = strstr(sgr_start, who);
	assert_non_null(name_at);
	char tail[128];
	snprintf(tail, sizeof(tail), "%s\033[0m: hi\n", who);
	assert_string_equal(name_at, tail);
	*name_at = '\0';
	assert_true(strlen(sgr_start) > 3);
	assert_memory_equal(sgr_start, "\033[", 2);
	assert_int_equal(sgr_start[strlen(sgr_start) - 1], 'm');
	char *sgr_copy = strdup(sgr_start);
	free(got);
	return sgr_copy;
}

static void test_name_colours(void **state)
{
	(void)state;
	static const char *const names[] = {"alice", "bob", "carol", "dave", "erin",
					    "frank", "grace", "heidi", "ivan", "judy"};
	enum { N = sizeof(names) / sizeof(names[0]) };
	char *colours[N];
	for (size_t i = 0; i < N; i++) {
		colours[i] = name_sgr(names[i]);
		/* stable: the same name, the same colour, every time */
		char *again = name_sgr(names[i]);
		assert_string_equal(colours[i], again);
		free(again);
		/* and never the colours used for the other kinds of line */
		assert_string_not_equal(colours[i], "\033[0m");
		assert_string_not_equal(colours[i], "\033[36m");
	}
	/* names get different colours (not all the same) */
	size_t distinct = 0;
	for (size_t i = 0; i < N; i++) {
		bool seen = false;
		for (size_t j = 0; j < i; j++)
			seen = seen || strcmp(colours[i], colours[j]) == 0;
		distinct += !seen;
	}
	assert_true(distinct >= 3);
	for (size_t i = 0; i < N; i++)
		free(colours[i]);
}

static void test_colour_off_has_no_escape(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"ROOM #general bob morning!", "PRIVMSG carol lunch?", "JOIN #general bob",
		"LEAVE #general bob",        "OK Welcome, alice!",   "ERROR User not found",
		"ROOMLIST #a",               "USERLIST",             "HELLO",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct chat_event ev;
		chat_parse(lines[i], strlen(lines[i]), &ev);
		for (int c = 0; c < 2; c++) {
			struct buf out = BUF_INIT;
			assert_true(render_chat(c ? &colour : &plain, &ev, &out));
			char *got = take(&out);
			char *plain_copy = strdup(got);
			strip_sgr(got);
			if (!c) {
				assert_null(strchr(plain_copy, '\033'));
			} else {
				/* colour adds SGR and nothing else */
				struct buf o2 = BUF_INIT;
				render_chat(&plain, &ev, &o2);
				char *no_colour = take(&o2);
				assert_string_equal(got, no_colour);
				free(no_colour);
			}
			free(plain_copy);
			free(got);
		}
	}
}

/* ---- raw form ---- */

static void test_raw_chat_and_relay(void **state)
{
	(void)state;
	/* in a pipe: exactly as received */
	RAW(&pipe_out, PROTO_CHAT, "ROOM #general bob morning!", "ROOM #general bob morning!\n");
	RAW(&pipe_out, PROTO_CHAT, "ROOM #r bob \x1b[31mhi\tx\\", "ROOM #r bob \x1b[31mhi\tx\\\n");
	RAW(&pipe_out, PROTO_RELAY, "a\rb\0c\xff\xc2\x9b", "a\rb\0c\xff\xc2\x9b\n");
	RAW(&pipe_out, PROTO_RELAY, "", "\n");
	/* on a terminal: escaped as text (tab and backslash kept) */
	RAW(&plain, PROTO_CHAT, "ROOM #r bob \x1b[31mhi\tx\\", "ROOM #r bob \\x1b[31mhi\tx\\\n");
	RAW(&plain, PROTO_RELAY, "a\rb\0c\xff\xc2\x9b", "a\\rb\\x00c\\xff\\xc2\\x9b\n");
	RAW(&plain, PROTO_CHAT, "caf\xc3\xa9", "caf\xc3\xa9\n");
	/* never coloured, even with colour on */
	RAW(&colour, PROTO_CHAT, "ERROR User not found", "ERROR User not found\n");
	RAW(&colour, PROTO_CHAT, "\x1b[2J", "\\x1b[2J\n");
}

static void test_raw_frames(void **state)
{
	(void)state;
	/* frames: always unambiguous, on a terminal or not */
	const struct render_style *styles[] = {&pipe_out, &plain, &colour};
	for (size_t i = 0; i < 3; i++) {
		RAW(styles[i], PROTO_FRAME, "hello", "hello\n");
		RAW(styles[i], PROTO_FRAME, "", "\n");
		RAW(styles[i], PROTO_FRAME, "a\tb\\c\nd", "a\\tb\\\\c\\nd\n");
		RAW(styles[i], PROTO_FRAME, "\0\0\0\x05" "hello\xff", "\\x00\\x00\\x00\\x05hello\\xff\n");
		RAW(styles[i], PROTO_FRAME, "\xe2\x82\xac\x1b", "\xe2\x82\xac\\x1b\n");
	}
	/* a frame full of every byte value is still one safe line */
	char all[256];
	for (int b = 0; b < 256; b++)
		all[b] = (char)b;
	struct buf out = BUF_INIT;
	render_raw(&pipe_out, PROTO_FRAME, guarded_put(&guard, all, sizeof(all)), sizeof(all), &out);
	char *got = take(&out);
	assert_one_safe_line(got);
	assert_null(strchr(got, '\t'));
	free(got);
}

static void test_appends(void **state)
{
	(void)state;
	/* each call adds one line after what the buffer already holds */
	struct buf out = BUF_INIT;
	struct chat_event ev;
	chat_parse("OK Sent", 7, &ev);
	assert_false(render_chat(&plain, &ev, &out));
	chat_parse("JOIN #g bob", 11, &ev);
	assert_true(render_chat(&plain, &ev, &out));
	render_notice(&plain, "hi", &out);
	render_raw(&pipe_out, PROTO_CHAT, "X", 1, &out);
	render_sent_privmsg(&plain, span_of("a"), span_of("b"), &out);
	char *got = take(&out);
	assert_string_equal(got, "-> bob joined #g\n* hi\nX\n[PM to a] b\n");
	free(got);
}

/* ---- time stamps, history, member list, client errors ---- */

static void test_stamp(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	struct tm when = {.tm_hour = 9, .tm_min = 5};
	struct render_style stamped = plain;
	stamped.timestamps = true;
	render_stamp(&stamped, &when, &out);
	char *got = take(&out);
	assert_string_equal(got, "[09:05] ");
	free(got);

	when = (struct tm){.tm_hour = 23, .tm_min = 59};
	render_stamp(&stamped, &when, &out);
	render_notice(&stamped, "hi", &out);
	got = take(&out);
	assert_string_equal(got, "[23:59] * hi\n");
	free(got);

	render_stamp(&plain, &when, &out); /* timestamps off: nothing */
	assert_int_equal(buf_len(&out), 0);

	struct render_style dim = colour;
	dim.timestamps = true;
	render_stamp(&dim, &when, &out);
	got = take(&out);
	assert_string_equal(got, "\033[2m[23:59] \033[0m");
	free(got);
}

static void test_history_line(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	struct chat_event ev;
	const char *line = "ROOM #g ann old \x1b news";
	chat_parse(line, strlen(line), &ev);
	render_history(&plain, &ev, &out);
	char *got = take(&out);
	assert_string_equal(got, "[history] [#g] ann: old \\x1b news\n");
	free(got);

	/* Dimmed as a whole: no name colour makes it look live. */
	render_history(&colour, &ev, &out);
	got = take(&out);
	assert_string_equal(got, "\033[2m[history] [#g] ann: old \\x1b news\033[0m\n");
	free(got);
}

static void test_members_line(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	render_members(&plain, "#g", span_of("a, b, c"), &out);
	char *got = take(&out);
	assert_string_equal(got, "* Users in #g: a, b, c\n");
	free(got);
	render_members(&colour, "#g", span_of("x\x07"), &out);
	got = take(&out);
	assert_string_equal(got, "\033[32m* Users in #g: x\\x07\033[0m\n");
	free(got);
}

static void test_client_error(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	render_error(&plain, "Unknown command /foo", &out);
	char *got = take(&out);
	assert_string_equal(got, "! Unknown command /foo\n");
	free(got);
	render_error(&colour, "bad\x1b", &out);
	got = take(&out);
	assert_string_equal(got, "\033[1;31m! bad\\x1b\033[0m\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_line),
		cmocka_unit_test(test_privmsg_lines),
		cmocka_unit_test(test_membership_lines),
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_list_lines),
		cmocka_unit_test(test_other_lines),
		cmocka_unit_test(test_notice),
		cmocka_unit_test(test_fields_escaped),
		cmocka_unit_test(test_random_lines_stay_safe),
		cmocka_unit_test(test_colour_lines),
		cmocka_unit_test(test_name_colours),
		cmocka_unit_test(test_colour_off_has_no_escape),
		cmocka_unit_test(test_raw_chat_and_relay),
		cmocka_unit_test(test_raw_frames),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_history_line),
		cmocka_unit_test(test_members_line),
		cmocka_unit_test(test_client_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
