/* test_bench_proto: bench/proto_* — the generator's scanners for what
 * Redis and parleyd send. A stream of replies, pushes and lines must come
 * out as the same units however the bytes are split across reads (the
 * caller re-offers unconsumed bytes with more appended), payloads must be
 * found without copying, and what a benchmark must not ignore (errors)
 * must be reported. The bench's pure sources are compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/proto_chat.c"
#include "../../bench/proto_frame.c"
#include "../../bench/proto_redis.c"

enum { MAX_UNITS = 16 };

struct seen {
	enum unit_kind kind[MAX_UNITS];
	char data[MAX_UNITS][80];
	uint64_t value[MAX_UNITS];
	int n;
};

/* Feeds `stream` in two pieces split at `cut`, the way conn.c does. */
static void scan_split(const struct proto *p, const char *stream, size_t len, size_t cut,
		       uint32_t size, struct seen *out)
{
	struct scan_state st;
	p->scan_init(&st, 7, size);
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
			if (u.kind == UNIT_PAYLOAD || u.kind == UNIT_ERROR)
				memcpy(out->data[out->n], u.data, u.len < 79 ? u.len : 79);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redis_every_split),
		cmocka_unit_test(test_redis_envelope),
		cmocka_unit_test(test_chat_every_split),
		cmocka_unit_test(test_frame_hello_and_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
