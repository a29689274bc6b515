/* test_bench_proto: bench/proto_* — the generator's scanners for what
 * Redis and parleyd send. A stream of replies, pushes and lines must come
 * out as the same units however the bytes are split across reads (the
 * caller re-offers unconsumed bytes with more appended), payloads must be
 * found without copying, and what a benchmark must not ignore (errors)
 * must be reported; the IRC scanner must also say what to send back (PONG,
 * JOIN). The bench's pure sources are compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/proto_chat.c"
#include "../../bench/proto_frame.c"
#include "../../bench/proto_irc.c"
#include "../../bench/proto_redis.c"

enum { MAX_UNITS = 16 };

struct seen {
	enum unit_kind kind[MAX_UNITS];
	char data[MAX_UNITS][160];
	uint64_t value[MAX_UNITS];
	int n;
};

/* Feeds `stream` in two pieces split at `cut`, the way conn.c does. */
static void scan_split(const struct proto *p, const char *stream, size_t len, size_t cut,
		       uint32_t size, struct seen *out)
{
	struct scan_state st;
	p->scan_init(&st, 7, 0, size);
	char buf[1024];
	size_t have = 0, fed = 0;
	memset(out, 0, sizeof(*out));
	while (fed < len || have > 0) {
		size_t piece = fed < cut ? cut - fed : len - fed;
		memcpy(buf + have, stream + fed, piece);
		have += piece;
		fed += piece;
		size_t off = 0;
		struct unit u;
		for (;;) {
			p->next(&st, buf + off, have - off, &u);
			off += u.used;
			if (u.kind == UNIT_NEED_MORE || off > have)
				break;
			assert_true(out->n < MAX_UNITS);
			out->kind[out->n] = u.kind;
			out->value[out->n] = u.value;
			if (u.kind == UNIT_PAYLOAD || u.kind == UNIT_ERROR || u.kind == UNIT_REPLY)
				memcpy(out->data[out->n], u.data, u.len < 159 ? u.len : 159);
			out->n++;
			if (off == have)
				break;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		if (fed == len && u.kind == UNIT_NEED_MORE)
			break;
	}
}

static const char redis_stream[] =
	"*3\r\n$9\r\nsubscribe\r\n$2\r\nr0\r\n:1\r\n"
	"*3\r\n$7\r\nmessage\r\n$2\r\nr0\r\n$5\r\nhello\r\n"
	":100\r\n"
	"+PONG\r\n"
	"-ERR unknown command\r\n"
	"*3\r\n$7\r\nmessage\r\n$3\r\nr12\r\n$6\r\nworld!\r\n";

static void test_redis_every_split(void **state)
{
	(void)state;
	size_t len = sizeof(redis_stream) - 1;
	for (size_t cut = 0; cut <= len; cut++) {
		struct seen s;
		scan_split(&proto_redis, redis_stream, len, cut, 5, &s);
		assert_int_equal(s.n, 6);
		assert_int_equal(s.kind[0], UNIT_READY);
		assert_int_equal(s.kind[1], UNIT_PAYLOAD);
		assert_string_equal(s.data[1], "hello");
		assert_int_equal(s.kind[2], UNIT_ACK);
		assert_int_equal(s.value[2], 100);
		assert_int_equal(s.kind[3], UNIT_READY);
		assert_int_equal(s.kind[4], UNIT_ERROR);
		assert_string_equal(s.data[4], "-ERR unknown command");
		assert_int_equal(s.kind[5], UNIT_PAYLOAD);
		assert_string_equal(s.data[5], "world!");
	}
}

static void test_redis_envelope(void **state)
{
	(void)state;
	char out[PROTO_ENVELOPE_MAX + 8];
	size_t off;
	size_t n = proto_redis.envelope(3, 4, out, &off);
	memcpy(out + off, "abcd", 4);
	const char want[] = "*3\r\n$7\r\nPUBLISH\r\n$2\r\nr3\r\n$4\r\nabcd\r\n";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
}

static const char chat_stream[] =
	"OK Welcome, b7!\r\n"
	"OK Joined #r0 (3 users)\r\n"
	"JOIN #r0 b9\r\n"
	"ROOM #r0 b12 abcdefgh\r\n"
	"ERROR Username taken\r\n"
	"ROOM #r0 b1 x\r\n";

static void test_chat_every_split(void **state)
{
	(void)state;
	size_t len = sizeof(chat_stream) - 1;
	for (size_t cut = 0; cut <= len; cut++) {
		struct seen s;
		scan_split(&proto_chat, chat_stream, len, cut, 8, &s);
		assert_int_equal(s.n, 6);
		assert_int_equal(s.kind[0], UNIT_OTHER);
		assert_int_equal(s.kind[1], UNIT_READY);
		assert_int_equal(s.kind[2], UNIT_OTHER);
		assert_int_equal(s.kind[3], UNIT_PAYLOAD);
		assert_string_equal(s.data[3], "abcdefgh");
		assert_int_equal(s.kind[4], UNIT_ERROR);
		assert_string_equal(s.data[4], "ERROR Username taken");
		/* a ROOM line too short for the run's payload size is an error */
		assert_int_equal(s.kind[5], UNIT_ERROR);
	}
}

static void test_frame_hello_and_payload(void **state)
{
	(void)state;
	char stream[64];
	size_t n = proto_frame.hello(7, 0, false, stream, sizeof(stream));
	n += proto_frame.hello(8, 0, false, stream + n, sizeof(stream) - n);
	size_t off;
	size_t env = proto_frame.envelope(0, 6, stream + n, &off);
	memcpy(stream + n + off, "payld!", 6);
	n += env;
	for (size_t cut = 0; cut <= n; cut++) {
		struct seen s;
		scan_split(&proto_frame, stream, n, cut, 6, &s);
		assert_int_equal(s.n, 3);
		assert_int_equal(s.kind[0], UNIT_READY); /* its own hello (id 7) */
		assert_int_equal(s.kind[1], UNIT_OTHER); /* another client's */
		assert_int_equal(s.kind[2], UNIT_PAYLOAD);
		assert_string_equal(s.data[2], "payld!");
	}
}

/* What InspIRCd and ngIRCd send a bench member, in order: welcome, a
 * tagged notice, the JOIN echo and NAMES, a member's PRIVMSG, a server
 * PING, the PONG for our own PING, a refusal, and a PRIVMSG whose text
 * does not have the run's payload size. */
static const char irc_stream[] =
	":irc.test 001 b7 :Welcome to the bench network b7!~b7@127.0.0.1\r\n"
	":irc.test 422 b7 :MOTD File is missing\r\n"
	"@time=2026-01-01T00:00:00.000Z :irc.test NOTICE b7 :hello\r\n"
	":b7!~b7@127.0.0.1 JOIN :#r3\r\n"
	":irc.test 353 b7 = #r3 :@b3 b7\r\n"
	":irc.test 366 b7 #r3 :End of /NAMES list.\r\n"
	":b3!~b3@127.0.0.1 PRIVMSG #r3 :abcdefgh\r\n"
	"PING :irc.test\r\n"
	":irc.test PONG irc.test :a\r\n"
	":irc.test 433 * b7 :Nickname is already in use\r\n"
	":b3!~b3@127.0.0.1 PRIVMSG #r3 :short\n";

static void test_irc_every_split(void **state)
{
	(void)state;
	size_t len = sizeof(irc_stream) - 1;
	for (size_t cut = 0; cut <= len; cut++) {
		struct seen s;
		scan_split(&proto_irc, irc_stream, len, cut, 8, &s);
		assert_int_equal(s.n, 11);
		assert_int_equal(s.kind[0], UNIT_REPLY); /* welcomed: join room 0 */
		assert_string_equal(s.data[0], "JOIN #r0\r\n");
		assert_int_equal(s.kind[1], UNIT_OTHER); /* 422 is no refusal */
		assert_int_equal(s.kind[2], UNIT_OTHER);
		assert_int_equal(s.kind[3], UNIT_OTHER);
		assert_int_equal(s.kind[4], UNIT_OTHER);
		assert_int_equal(s.kind[5], UNIT_READY);
		assert_int_equal(s.kind[6], UNIT_PAYLOAD);
		assert_string_equal(s.data[6], "abcdefgh");
		assert_int_equal(s.kind[7], UNIT_REPLY);
		assert_string_equal(s.data[7], "PONG :irc.test\r\n");
		assert_int_equal(s.kind[8], UNIT_ACK);
		assert_true(s.value[8] == ACK_UNCOUNTED);
		assert_int_equal(s.kind[9], UNIT_ERROR);
		assert_string_equal(s.data[9], ":irc.test 433 * b7 :Nickname is already in use");
		assert_int_equal(s.kind[10], UNIT_ERROR);
	}
}

static void test_irc_hello_joins_its_room(void **state)
{
	(void)state;
	char out[128];
	size_t n = proto_irc.hello(42, 5, false, out, sizeof(out));
	const char want[] = "NICK b42\r\nUSER b42 0 * :parley-bench\r\n";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	struct scan_state st;
	proto_irc.scan_init(&st, 42, 5, 32);
	const char welcome[] = ":s 001 b42 :hi\r\n";
	struct unit u;
	proto_irc.next(&st, welcome, sizeof(welcome) - 1, &u);
	assert_int_equal(u.kind, UNIT_REPLY);
	assert_int_equal(u.used, sizeof(welcome) - 1);
	assert_memory_equal(u.data, "JOIN #r5\r\n", u.len);
}

/* A publish is a PRIVMSG to the room and a PING whose PONG acknowledges it. */
static void test_irc_envelope(void **state)
{
	(void)state;
	char out[PROTO_ENVELOPE_MAX + 8];
	size_t off;
	size_t n = proto_irc.envelope(12, 4, out, &off);
	memcpy(out + off, "abcd", 4);
	const char want[] = "PRIVMSG #r12 :abcd\r\nPING :a\r\n";
	assert_int_equal(n, sizeof(want) - 1);
	assert_memory_equal(out, want, n);
	assert_int_equal(bench_irc_payload_max() + strlen(":b16777215!~b16777215@127.0.0.1 PRIVMSG "
						   "#r16777215 :\r\n") < 512, 1);
}

static void test_irc_parse(void **state)
{
	(void)state;
	struct bench_irc_line l;
	const char tagged[] = "@a=b;c :n!u@h PRIVMSG #room :text with  spaces";
	assert_true(bench_irc_parse(tagged, strlen(tagged), &l));
	assert_memory_equal(l.cmd, "PRIVMSG", l.cmd_len);
	assert_int_equal(l.nparams, 2);
	assert_memory_equal(l.first, "#room", l.first_len);
	assert_int_equal(l.last_len, strlen("text with  spaces"));
	assert_memory_equal(l.last, "text with  spaces", l.last_len);

	const char middle[] = "PING   token";
	assert_true(bench_irc_parse(middle, strlen(middle), &l));
	assert_memory_equal(l.cmd, "PING", l.cmd_len);
	assert_int_equal(l.nparams, 1);
	assert_memory_equal(l.last, "token", l.last_len);

	const char empty_trailing[] = ":s 366 b1 #r0 :";
	assert_true(bench_irc_parse(empty_trailing, strlen(empty_trailing), &l));
	assert_int_equal(l.nparams, 3);
	assert_int_equal(l.last_len, 0);

	const char bare[] = "PING";
	assert_true(bench_irc_parse(bare, strlen(bare), &l));
	assert_int_equal(l.nparams, 0);
	assert_null(l.last);

	/* no command: a prefix alone, tags alone, nothing */
	assert_false(bench_irc_parse(":prefix.only", 12, &l));
	assert_false(bench_irc_parse("@tags", 5, &l));
	assert_false(bench_irc_parse("", 0, &l));
}

/* A PING with no token is still answered; one whose token cannot fit a
 * reply, and a line over the IRC limits, are errors, not crashes. */
static void test_irc_odd_lines(void **state)
{
	(void)state;
	struct scan_state st;
	struct unit u;
	proto_irc.scan_init(&st, 1, 0, 32);
	proto_irc.next(&st, "PING\r\n", 6, &u);
	assert_int_equal(u.kind, UNIT_REPLY);
	assert_memory_equal(u.data, "PONG :\r\n", u.len);

	static char big[IRC_TAGS_MAX + IRC_LINE_MAX + 16];
	memset(big, 'x', sizeof(big));
	memcpy(big, "PING :", 6);
	big[sizeof(big) - 1] = '\n';
	proto_irc.next(&st, big, 600, &u);
	assert_int_equal(u.kind, UNIT_NEED_MORE);
	char line[600];
	memcpy(line, big, 598);
	memcpy(line + 598, "\r\n", 2);
	proto_irc.next(&st, line, sizeof(line), &u);
	assert_int_equal(u.kind, UNIT_ERROR); /* token longer than a reply holds */
	assert_int_equal(u.used, sizeof(line));
	size_t used = 0;
	do {
		proto_irc.next(&st, big + used, sizeof(big) - used, &u);
		used += u.used;
	} while (u.kind == UNIT_NEED_MORE && u.used > 0);
	assert_int_equal(u.kind, UNIT_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redis_every_split),
		cmocka_unit_test(test_redis_envelope),
		cmocka_unit_test(test_chat_every_split),
		cmocka_unit_test(test_frame_hello_and_payload),
		cmocka_unit_test(test_irc_every_split),
		cmocka_unit_test(test_irc_hello_joins_its_room),
		cmocka_unit_test(test_irc_envelope),
		cmocka_unit_test(test_irc_parse),
		cmocka_unit_test(test_irc_odd_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
