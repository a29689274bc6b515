/* test_client_chat: client/chat — how the client reads what a chat server
 * sends and what the user types. chat_parse: ROOM, JOIN, LEAVE, PRIVMSG,
 * OK, ERROR, ROOMLIST and USERLIST with their fields; text kept byte for
 * byte (extra spaces, CR, tab, NUL, UTF-8, control bytes); missing fields,
 * rooms without '#', double spaces, trailing spaces, lower-case or unknown
 * words, leading spaces and empty lines are CHAT_OTHER carrying the whole
 * line; every field lies inside the line, and a random line rebuilt from its
 * fields is the line again. chat_state_update: the name from "OK Welcome,
 * NAME!", the room from "OK Joined" / "OK Left", nothing from other replies,
 * and only printable ASCII names that fit (they reach the unescaped prompt).
 * chat_is_quit and chat_is_privmsg: the typed lines the client acts on.
 * chat_complete_join gives "/join room" its '#', as -j does, and leaves
 * everything else as typed; chat_is_unknown_command names any slash word
 * outside the client's own table; chat_joined_count reads the member count
 * from the join reply and nothing else.
 * Every input sits flush against a guard page, and every prefix of a few
 * lines is parsed, so that any read past the line crashes. The client's pure
 * source is compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/chat.c"
#include "testutil.h"

enum { MAX_INPUT = 8192 };

GUARDED_GROUP(MAX_INPUT)

/* ---- helpers ---- */

static void assert_in_line(struct span s, const char *line, size_t n)
{
	if (s.len) {
		assert_true(s.p >= line && s.p + s.len <= line + n);
	}
}

/* Parses `n` bytes placed flush against the guard page; checks what holds
 * for every line. Returns the line's address (valid until the next call). */
static const char *parse_n(const char *s, size_t n, struct chat_event *ev)
{
	const char *line = guarded_put(&guard, s, n);
	memset(ev, 0xA5, sizeof(*ev)); /* chat_parse must set every field */
	chat_parse(line, n, ev);
	assert_true(ev->kind <= CHAT_OTHER);
	assert_in_line(ev->room, line, n);
	assert_in_line(ev->user, line, n);
	assert_in_line(ev->text, line, n);
	if (ev->kind == CHAT_OTHER) {
		assert_int_equal(ev->room.len, 0);
		assert_int_equal(ev->user.len, 0);
		assert_int_equal(ev->text.len, n);
		assert_ptr_equal(ev->text.p, line);
	}
	return line;
}

static void assert_span(struct span s, const char *want, size_t want_len)
{
	assert_int_equal(s.len, want_len);
	if (want_len)
		assert_memory_equal(s.p, want, want_len);
}

#define SPAN_IS(s, lit) assert_span((s), (lit), sizeof(lit) - 1)

/* `lit` parses as `kind` with the given room, user and text. */
#define CHECK(lit, kind_, room_, user_, text_)                     \
	do {                                                       \
		struct chat_event ev_;                             \
		parse_n((lit), sizeof(lit) - 1, &ev_);             \
		assert_int_equal(ev_.kind, (kind_));               \
		SPAN_IS(ev_.room, room_);                          \
		SPAN_IS(ev_.user, user_);                          \
		SPAN_IS(ev_.text, text_);                          \
	} while (0)

/* `lit` is not a line of any known shape. */
#define CHECK_OTHER(lit) CHECK(lit, CHAT_OTHER, "", "", lit)

/* ---- server lines ---- */

static void test_room(void **state)
{
	(void)state;
	CHECK("ROOM #general alice hello", CHAT_ROOM, "#general", "alice", "hello");
	CHECK("ROOM #general alice hello big world", CHAT_ROOM, "#general", "alice",
	      "hello big world");
	CHECK("ROOM #a b c", CHAT_ROOM, "#a", "b", "c");
	/* the text is everything after one space, byte for byte */
	CHECK("ROOM #r bob  two  spaces ", CHAT_ROOM, "#r", "bob", " two  spaces ");
	CHECK("ROOM #r bob  ", CHAT_ROOM, "#r", "bob", " ");
	CHECK("ROOM #r bob a\tb", CHAT_ROOM, "#r", "bob", "a\tb");
	CHECK("ROOM #r bob a\rb\r", CHAT_ROOM, "#r", "bob", "a\rb\r");
	CHECK("ROOM #r bob a\0b", CHAT_ROOM, "#r", "bob", "a\0b");
	CHECK("ROOM #r bob \x1b[2J", CHAT_ROOM, "#r", "bob", "\x1b[2J");
	CHECK("ROOM #caf\xc3\xa9 b\xc3\xb8" "b \xe2\x82\xac \xf0\x9f\x98\x80", CHAT_ROOM,
	      "#caf\xc3\xa9", "b\xc3\xb8" "b", "\xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK("ROOM #r bob ROOM #x y z", CHAT_ROOM, "#r", "bob", "ROOM #x y z");
	CHECK("ROOM ## bob hi", CHAT_ROOM, "##", "bob", "hi");
}

static void test_room_malformed(void **state)
{
	(void)state;
	CHECK_OTHER("ROOM");
	CHECK_OTHER("ROOM ");
	CHECK_OTHER("ROOM #r");
	CHECK_OTHER("ROOM #r bob");
	CHECK_OTHER("ROOM #r bob "); /* empty text */
	CHECK_OTHER("ROOM general bob hi"); /* no '#' */
	CHECK_OTHER("ROOM # bob hi");       /* '#' alone */
	CHECK_OTHER("ROOM  #r bob hi");     /* double space: empty room */
	CHECK_OTHER("ROOM #r  bob hi");     /* double space: empty user */
	CHECK_OTHER("ROOM\t#r bob hi");
	CHECK_OTHER("ROOMS #r bob hi");
}

static void test_join_leave(void **state)
{
	(void)state;
	CHECK("JOIN #general bob", CHAT_JOIN, "#general", "bob", "");
	CHECK("LEAVE #general bob", CHAT_LEAVE, "#general", "bob", "");
	CHECK("JOIN #a b", CHAT_JOIN, "#a", "b", "");
	/* one trailing space is tolerated: the user is still "bob" */
	CHECK("JOIN #general bob ", CHAT_JOIN, "#general", "bob", "");
	CHECK("LEAVE #general bob ", CHAT_LEAVE, "#general", "bob", "");

	CHECK_OTHER("JOIN");
	CHECK_OTHER("JOIN #general");
	CHECK_OTHER("JOIN #general ");
	CHECK_OTHER("JOIN #general bob extra");
	CHECK_OTHER("JOIN #general bob  ");
	CHECK_OTHER("JOIN general bob");
	CHECK_OTHER("JOIN # bob");
	CHECK_OTHER("JOIN  #general bob");
	CHECK_OTHER("LEAVE");
	CHECK_OTHER("LEAVE #general");
	CHECK_OTHER("LEAVE #general bob x");
	CHECK_OTHER("LEAVE general bob");
}

static void test_privmsg(void **state)
{
	(void)state;
	CHECK("PRIVMSG carol lunch?", CHAT_PRIVMSG, "", "carol", "lunch?");
	CHECK("PRIVMSG carol lunch at noon?", CHAT_PRIVMSG, "", "carol", "lunch at noon?");
	CHECK("PRIVMSG carol  x ", CHAT_PRIVMSG, "", "carol", " x ");
	CHECK("PRIVMSG carol #general", CHAT_PRIVMSG, "", "carol", "#general");
	CHECK("PRIVMSG carol a\rb", CHAT_PRIVMSG, "", "carol", "a\rb");
	CHECK("PRIVMSG carol \x9b" "31m", CHAT_PRIVMSG, "", "carol", "\x9b" "31m");

	CHECK_OTHER("PRIVMSG");
	CHECK_OTHER("PRIVMSG ");
	CHECK_OTHER("PRIVMSG carol");
	CHECK_OTHER("PRIVMSG carol "); /* empty text */
	CHECK_OTHER("PRIVMSG  carol hi");
	CHECK_OTHER("privmsg carol hi");
}

static void test_ok_error(void **state)
{
	(void)state;
	CHECK("OK Welcome, alice!", CHAT_OK, "", "", "Welcome, alice!");
	CHECK("OK Joined #general (2 users)", CHAT_OK, "", "", "Joined #general (2 users)");
	CHECK("OK Sent", CHAT_OK, "", "", "Sent");
	CHECK("OK Goodbye!", CHAT_OK, "", "", "Goodbye!");
	CHECK("OK", CHAT_OK, "", "", "");
	CHECK("OK ", CHAT_OK, "", "", "");
	CHECK("OK  two", CHAT_OK, "", "", " two");
	CHECK("OK a\rb", CHAT_OK, "", "", "a\rb");
	CHECK("ERROR Username taken", CHAT_ERROR, "", "", "Username taken");
	CHECK("ERROR Server full", CHAT_ERROR, "", "", "Server full");
	CHECK("ERROR Already in #general", CHAT_ERROR, "", "", "Already in #general");
	CHECK("ERROR", CHAT_ERROR, "", "", "");
	CHECK("ERROR ", CHAT_ERROR, "", "", "");

	CHECK_OTHER("ok Welcome, alice!");
	CHECK_OTHER("Ok fine");
	CHECK_OTHER("OKAY");
	CHECK_OTHER("OK\tWelcome");
	CHECK_OTHER("error Username taken");
	CHECK_OTHER("ERRORS x");
}

static void test_lists(void **state)
{
	(void)state;
	CHECK("ROOMLIST #a #b", CHAT_ROOMLIST, "", "", "#a #b");
	CHECK("ROOMLIST #general", CHAT_ROOMLIST, "", "", "#general");
	CHECK("ROOMLIST", CHAT_ROOMLIST, "", "", "");
	CHECK("ROOMLIST ", CHAT_ROOMLIST, "", "", "");
	CHECK("USERLIST alice bob carol", CHAT_USERLIST, "", "", "alice bob carol");
	CHECK("USERLIST alice", CHAT_USERLIST, "", "", "alice");
	CHECK("USERLIST", CHAT_USERLIST, "", "", "");
	CHECK("USERLIST  alice", CHAT_USERLIST, "", "", " alice");
	CHECK_OTHER("roomlist #a");
	CHECK_OTHER("USERLISTS a");
	CHECK_OTHER("ROOMS");
	CHECK_OTHER("USERS");
}

static void test_other_lines(void **state)
{
	(void)state;
	CHECK_OTHER("");
	CHECK_OTHER(" ");
	CHECK_OTHER(" OK Welcome, x!"); /* leading space */
	CHECK_OTHER("HELLO there");
	CHECK_OTHER("hello world");
	CHECK_OTHER("MSG #r hi");
	CHECK_OTHER("QUIT");
	CHECK_OTHER("\x1b[2J");
	CHECK_OTHER("\0OK x");
	CHECK_OTHER("OK\0 x");
	CHECK_OTHER("\r");
	CHECK_OTHER("OK\r"); /* a CR the codec did not strip belongs to the word */
	CHECK_OTHER("=== SERVER STATS ===");
}

/* Every prefix of these lines, flush against the guard page. */
static void test_every_prefix(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"ROOM #general alice hello big world",
		"JOIN #general bob ",
		"LEAVE #general bob",
		"PRIVMSG carol lunch at noon?",
		"OK Welcome, alice!",
		"ERROR Username taken",
		"ROOMLIST #a #b #c",
		"USERLIST alice bob",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t n = strlen(lines[i]);
		for (size_t k = 0; k <= n; k++) {
			struct chat_event ev;
			parse_n(lines[i], k, &ev);
		}
	}
	/* a few prefixes whose kind is known */
	struct chat_event ev;
	parse_n("ROOM #general alice h", 21, &ev);
	assert_int_equal(ev.kind, CHAT_ROOM);
	parse_n("ROOM #general alice ", 20, &ev);
	assert_int_equal(ev.kind, CHAT_OTHER);
	parse_n("OK", 2, &ev);
	assert_int_equal(ev.kind, CHAT_OK);
	parse_n("O", 1, &ev);
	assert_int_equal(ev.kind, CHAT_OTHER);
}

/* Appends `n` bytes at `dst + *len`. */
static void put(char *dst, size_t *len, const char *src, size_t n)
{
	memcpy(dst + *len, src, n);
	*len += n;
}

static void put_span(char *dst, size_t *len, struct span s)
{
	if (s.len)
		put(dst, len, s.p, s.len);
}

/* The line a parsed event stands for. */
static size_t rebuild(const struct chat_event *ev, char *out)
{
	static const char *const words[] = {
		[CHAT_ROOM] = "ROOM",   [CHAT_PRIVMSG] = "PRIVMSG",   [CHAT_JOIN] = "JOIN",
		[CHAT_LEAVE] = "LEAVE", [CHAT_OK] = "OK",             [CHAT_ERROR] = "ERROR",
		[CHAT_ROOMLIST] = "ROOMLIST", [CHAT_USERLIST] = "USERLIST",
	};
	size_t n = 0;
	if (ev->kind == CHAT_OTHER) {
		put_span(out, &n, ev->text);
		return n;
	}
	put(out, &n, words[ev->kind], strlen(words[ev->kind]));
	if (ev->room.len) {
		put(out, &n, " ", 1);
		put_span(out, &n, ev->room);
	}
	if (ev->user.len) {
		put(out, &n, " ", 1);
		put_span(out, &n, ev->user);
	}
	if (ev->text.len) {
		put(out, &n, " ", 1);
		put_span(out, &n, ev->text);
	}
	return n;
}

static void test_random_lines(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"ROOM", "JOIN", "LEAVE", "PRIVMSG", "OK", "ERROR", "ROOMLIST", "USERLIST",
		"#r", "#", "##x", "bob", "x", " ", " ", " ", "  ", "\r", "\t", "\0", "\xc3\xa9",
		"\x1b", "Welcome,", "!",
	};
	enum { NPIECES = sizeof(pieces) / sizeof(pieces[0]) };
	unsigned long long seed = 0xc4a7u;
	char line[512], back[512];
	int kinds[CHAT_OTHER + 1] = {0};
	for (int iter = 0; iter < 50000; iter++) {
		size_t n = 0;
		size_t parts = (size_t)(test_rand(&seed) % 8);
		for (size_t k = 0; k < parts; k++) {
			unsigned long long r = test_rand(&seed);
			/* mostly a command word first, so that every shape is tried */
			size_t which = k == 0 && (r & 3) ? (r >> 8) % 8 : (r >> 8) % NPIECES;
			const char *pc = pieces[which];
			put(line, &n, pc, pc[0] ? strlen(pc) : 1); /* "\0": one NUL byte */
			if (k + 1 < parts && (r >> 40) % 3)
				put(line, &n, " ", 1);
		}
		struct chat_event ev;
		const char *p = parse_n(line, n, &ev);
		kinds[ev.kind]++;
		switch (ev.kind) {
		case CHAT_ROOM:
		case CHAT_JOIN:
		case CHAT_LEAVE:
			assert_true(ev.room.len >= 2 && ev.room.p[0] == '#');
			/* right after the command word and one space */
			assert_ptr_equal(ev.room.p, p + (ev.kind == CHAT_LEAVE ? 6 : 5));
			assert_null(memchr(ev.room.p, ' ', ev.room.len));
			assert_true(ev.user.len > 0);
			assert_null(memchr(ev.user.p, ' ', ev.user.len));
			assert_true(ev.kind == CHAT_ROOM ? ev.text.len > 0 : ev.text.len == 0);
			break;
		case CHAT_PRIVMSG:
			assert_int_equal(ev.room.len, 0);
			assert_true(ev.user.len > 0 && ev.text.len > 0);
			assert_null(memchr(ev.user.p, ' ', ev.user.len));
			break;
		case CHAT_OTHER:
			break;
		default:
			assert_int_equal(ev.room.len, 0);
			assert_int_equal(ev.user.len, 0);
			break;
		}
		/* the fields are the line again (up to one trailing space of a
		 * JOIN/LEAVE or a bare "OK " that carries no text) */
		size_t m = rebuild(&ev, back);
		assert_true(m <= n);
		assert_memory_equal(back, line, m);
		if (m < n) {
			assert_int_equal(n - m, 1);
			assert_int_equal(line[m], ' ');
			assert_true(ev.kind != CHAT_OTHER && ev.kind != CHAT_ROOM &&
				    ev.kind != CHAT_PRIVMSG);
		}
	}
	for (int k = 0; k <= CHAT_OTHER; k++)
		assert_true(kinds[k] > 0); /* every kind was reached */
}

/* ---- chat_state_update ---- */

/* Parses `lit` and applies it to `st`; returns what chat_state_update did. */
static bool apply_n(struct chat_state *st, const char *s, size_t n)
{
	struct chat_event ev;
	parse_n(s, n, &ev);
	return chat_state_update(st, &ev);
}

#define APPLY(st, lit) apply_n((st), (lit), sizeof(lit) - 1)

static void test_state_name(void **state)
{
	(void)state;
	struct chat_state st = {{0}, {0}};
	assert_true(APPLY(&st, "OK Welcome, alice!"));
	assert_string_equal(st.name, "alice");
	assert_string_equal(st.room, "");
	assert_false(APPLY(&st, "OK Welcome, alice!")); /* nothing changed */
	assert_true(APPLY(&st, "OK Welcome, a_b-9!"));
	assert_string_equal(st.name, "a_b-9");

	/* not a welcome: the name stays */
	assert_false(APPLY(&st, "OK Welcome, !"));
	assert_false(APPLY(&st, "OK Welcome, bob"));
	assert_false(APPLY(&st, "OK Welcome,bob!"));
	assert_false(APPLY(&st, "OK welcome, bob!"));
	assert_false(APPLY(&st, "ERROR Welcome, bob!"));
	assert_false(APPLY(&st, "Welcome, bob!"));
	assert_false(APPLY(&st, "ROOM #r bob Welcome, bob!"));
	assert_false(APPLY(&st, "PRIVMSG bob Welcome, bob!"));
	assert_string_equal(st.name, "a_b-9");

	/* names reach the prompt unescaped: only printable ASCII, no spaces */
	assert_false(APPLY(&st, "OK Welcome, a b!"));
	assert_false(APPLY(&st, "OK Welcome, \x1b[31mred!"));
	assert_false(APPLY(&st, "OK Welcome, bob\r!"));
	assert_false(APPLY(&st, "OK Welcome, bob\t!"));
	assert_false(APPLY(&st, "OK Welcome, b\x7f" "b!"));
	assert_false(APPLY(&st, "OK Welcome, b\0b!"));
	assert_false(APPLY(&st, "OK Welcome, j\xc3\xb8rn!"));
	assert_false(APPLY(&st, "OK Welcome, \x9b" "2J!"));
	assert_string_equal(st.name, "a_b-9");
}

static void test_state_name_length(void **state)
{
	(void)state;
	struct chat_state st = {{0}, {0}};
	char line[200];
	/* CHAT_NAME_MAX - 1 bytes fit; one more does not (and is not cut) */
	for (size_t len = 1; len <= CHAT_NAME_MAX + 2; len++) {
		int n = snprintf(line, sizeof(line), "OK Welcome, %.*s!", (int)len,
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		memset(&st, 0, sizeof(st));
		bool changed = apply_n(&st, line, (size_t)n);
		assert_int_equal(changed, len < CHAT_NAME_MAX);
		assert_int_equal(strlen(st.name), changed ? len : 0);
	}
}

static void test_state_room(void **state)
{
	(void)state;
	struct chat_state st = {{0}, {0}};
	assert_true(APPLY(&st, "OK Joined #general (2 users)"));
	assert_string_equal(st.room, "#general");
	assert_string_equal(st.name, "");
	assert_false(APPLY(&st, "OK Joined #general (3 users)"));
	/* a move: only "OK Joined" arrives for the mover */
	assert_true(APPLY(&st, "OK Joined #random (1 users)"));
	assert_string_equal(st.room, "#random");
	assert_true(APPLY(&st, "OK Joined #bare"));
	assert_string_equal(st.room, "#bare");
	/* notices about others do not move us */
	assert_false(APPLY(&st, "JOIN #other bob"));
	assert_false(APPLY(&st, "LEAVE #bare bob"));
	assert_false(APPLY(&st, "ERROR Already in #bare"));
	assert_false(APPLY(&st, "OK Sent"));
	assert_false(APPLY(&st, "OK Goodbye!"));
	assert_false(APPLY(&st, "OK joined #x (1 users)"));
	assert_false(APPLY(&st, "OK Joined #\x1b[2J (1 users)"));
	assert_string_equal(st.room, "#bare");
	assert_true(APPLY(&st, "OK Left #bare"));
	assert_string_equal(st.room, "");
	assert_false(APPLY(&st, "OK Left #bare"));
	assert_false(APPLY(&st, "ERROR Not in a room"));
	assert_string_equal(st.room, "");

	/* the name survives room changes and the other way round */
	assert_true(APPLY(&st, "OK Welcome, zed!"));
	assert_true(APPLY(&st, "OK Joined #z (1 users)"));
	assert_string_equal(st.name, "zed");
	assert_string_equal(st.room, "#z");
	assert_true(APPLY(&st, "OK Left #z"));
	assert_string_equal(st.name, "zed");
}

/* ---- typed lines ---- */

#define QUIT(lit) chat_is_quit(guarded_put(&guard, (lit), sizeof(lit) - 1), sizeof(lit) - 1)

static void test_is_quit(void **state)
{
	(void)state;
	assert_true(QUIT("QUIT"));
	assert_true(QUIT("QUIT bye all"));
	assert_true(QUIT("QUIT "));
	assert_true(QUIT("/quit"));
	assert_true(QUIT("/QUIT"));
	assert_true(QUIT("/Quit now"));

	assert_false(QUIT(""));
	assert_false(QUIT("quit"));  /* command words are upper case */
	assert_false(QUIT("Quit"));
	assert_false(QUIT(" QUIT")); /* the server reads that as a message */
	assert_false(QUIT("QUITTING"));
	assert_false(QUIT("QUI"));
	assert_false(QUIT("/quitx"));
	assert_false(QUIT("/q"));
	assert_false(QUIT("//quit"));
	assert_false(QUIT("QUIT\r")); /* callers strip the terminator first */
	assert_false(QUIT("QUIT\t"));
	assert_false(QUIT("say QUIT"));
}

static bool is_pm(const char *s, size_t n, struct span *to, struct span *text)
{
	const char *line = guarded_put(&guard, s, n);
	bool yes = chat_is_privmsg(line, n, to, text);
	if (yes) {
		assert_in_line(*to, line, n);
		assert_in_line(*text, line, n);
	}
	return yes;
}

#define PM(lit, to_, text_)                                              \
	do {                                                             \
		struct span to__, text__;                                \
		assert_true(is_pm((lit), sizeof(lit) - 1, &to__, &text__)); \
		SPAN_IS(to__, to_);                                      \
		SPAN_IS(text__, text_);                                  \
	} while (0)

#define NOT_PM(lit)                                                       \
	do {                                                              \
		struct span to__, text__;                                 \
		assert_false(is_pm((lit), sizeof(lit) - 1, &to__, &text__)); \
	} while (0)

static void test_is_privmsg(void **state)
{
	(void)state;
	PM("/msg bob hi", "bob", "hi");
	PM("/msg bob hi there", "bob", "hi there");
	PM("/MSG bob hi", "bob", "hi");
	PM("/Msg bob hi", "bob", "hi");
	PM("PRIVMSG bob hi", "bob", "hi");
	/* the text as the server will split it: after exactly one space */
	PM("/msg bob  hi", "bob", " hi");
	PM("/msg bob hi  ", "bob", "hi  ");
	PM("/msg bob caf\xc3\xa9", "bob", "caf\xc3\xa9");

	NOT_PM("");
	NOT_PM("/msg");
	NOT_PM("/msg ");
	NOT_PM("/msg bob");
	NOT_PM("/msg bob "); /* no text: the server answers ERROR Empty message */
	NOT_PM("/msg  bob hi");
	NOT_PM("/msgx bob hi");
	NOT_PM("/m bob hi");
	NOT_PM("privmsg bob hi");
	NOT_PM("Privmsg bob hi");
	NOT_PM("MSG bob hi");
	NOT_PM(" /msg bob hi");
	NOT_PM("hello /msg bob hi");
	NOT_PM("/msg bob\thi");
}

/* ---- joins, unknown commands, the join reply ---- */

static void check_join(const char *typed, const char *want)
{
	char out[64];
	const char *line = guarded_put(&guard, typed, strlen(typed));
	size_t n = 99;
	assert_true(chat_complete_join(line, strlen(typed), out, sizeof(out), &n));
	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void test_complete_join(void **state)
{
	(void)state;
	check_join("/join general", "/join #general");
	check_join("/JOIN general", "/JOIN #general");
	check_join("JOIN general", "JOIN #general");
	check_join("/join #general", "/join #general");
	check_join("/join", "/join");
	check_join("/join ", "/join ");
	check_join("/join  general", "/join  general"); /* the server names what is wrong */
	check_join("join general", "join general");     /* a message, not a command */
	check_join("hello general", "hello general");
	check_join("/joiner general", "/joiner general");
	check_join("/join a b", "/join #a b");
	assert_true(chat_is_join("/Join x", 7));
	assert_true(chat_is_join("JOIN", 4));
	assert_false(chat_is_join("join #x", 7));
	assert_false(chat_is_join("/joinx", 6));
	check_join("", "");
	char small[10];
	size_t n;
	assert_false(chat_complete_join("/join general", 13, small, sizeof(small), &n));
	assert_false(chat_complete_join("/join abc", 9, small, 10, &n)); /* no room for NUL */
	assert_true(chat_complete_join("/join #ab", 9, small, 10, &n));
	assert_int_equal(n, 9);
}

static void check_unknown(const char *typed, const char *word)
{
	struct span w;
	const char *line = guarded_put(&guard, typed, strlen(typed));
	bool unknown = chat_is_unknown_command(line, strlen(typed), &w);
	assert_int_equal(unknown, word != NULL);
	if (word) {
		assert_int_equal(w.len, strlen(word));
		assert_memory_equal(w.p, word, w.len);
	}
}

static void test_unknown_command(void **state)
{
	(void)state;
	check_unknown("/foo", "/foo");
	check_unknown("/foo bar baz", "/foo");
	check_unknown("//x", "//x");
	check_unknown("/", "/");
	check_unknown("/joinx #a", "/joinx");
	for (size_t i = 0; chat_slash_commands[i]; i++)
		check_unknown(chat_slash_commands[i], NULL);
	check_unknown("/JOIN #a", NULL);
	check_unknown("/Msg bob hi", NULL);
	check_unknown("", NULL);
	check_unknown("hello /foo", NULL);
	check_unknown(" /foo", NULL);
	check_unknown("FOO", NULL);
}

static void check_joined(const char *line, const char *room, size_t count)
{
	struct chat_event ev;
	struct span r;
	size_t n = 99;
	parse_n(line, strlen(line), &ev);
	bool ok = chat_joined_count(&ev, &r, &n);
	assert_int_equal(ok, room != NULL);
	if (room) {
		assert_int_equal(r.len, strlen(room));
		assert_memory_equal(r.p, room, r.len);
		assert_int_equal(n, count);
	}
}

static void test_joined_count(void **state)
{
	(void)state;
	check_joined("OK Joined #a (0 users)", "#a", 0);
	check_joined("OK Joined #general (12 users)", "#general", 12);
	check_joined("OK Joined #a (1 users)", "#a", 1);
	check_joined("OK Joined #a", NULL, 0);
	check_joined("OK Joined #a (users)", NULL, 0);
	check_joined("OK Joined #a (3 users", NULL, 0);
	check_joined("OK Joined #a (3 users) x", NULL, 0);
	check_joined("OK Joined #a (-1 users)", NULL, 0);
	check_joined("OK Left #a", NULL, 0);
	check_joined("ERROR Joined #a (1 users)", NULL, 0);
	check_joined("ROOM #a b Joined #a (1 users)", NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room),
		cmocka_unit_test(test_room_malformed),
		cmocka_unit_test(test_join_leave),
		cmocka_unit_test(test_privmsg),
		cmocka_unit_test(test_ok_error),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_other_lines),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_state_name),
		cmocka_unit_test(test_state_name_length),
		cmocka_unit_test(test_state_room),
		cmocka_unit_test(test_is_quit),
		cmocka_unit_test(test_is_privmsg),
		cmocka_unit_test(test_complete_join),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_joined_count),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
