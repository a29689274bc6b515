/* test_bench_payload: bench/payload — what every benchmark message
 * carries. Encoding then decoding must round-trip every field at its
 * extremes, the text must be printable ASCII (the chat protocol carries it
 * byte for byte), and damaged payloads must be rejected rather than read as
 * a wrong sequence number. The bench's pure source is compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/payload.c"

static void roundtrip(size_t size, uint32_t pub, uint32_t seq, uint64_t t)
{
	char buf[2048];
	struct payload_hdr in = {.pub = pub, .seq = seq, .sent_ns = t}, out;
	payload_encode(buf, size, &in);
	for (size_t i = 0; i < size; i++)
		assert_true(buf[i] >= 'a' && buf[i] <= 'z');
	assert_true(payload_decode(buf, size, &out));
	assert_int_equal(out.pub, pub);
	assert_int_equal(out.seq, seq);
	assert_true(out.sent_ns == t);
}

static void test_roundtrip(void **state)
{
	(void)state;
	roundtrip(PAYLOAD_MIN, 0, 0, 0);
	roundtrip(64, 1, 2, 3);
	roundtrip(64, PAYLOAD_MAX_PUBLISHERS - 1, UINT32_MAX, UINT64_MAX);
	roundtrip(1024, 0x123456, 0x89abcdef, 0x0123456789abcdefull);
	uint64_t x = 88172645463325252ull; /* xorshift: many varied fields */
	for (int i = 0; i < 10000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		roundtrip(32 + (x % 200), (uint32_t)(x >> 40), (uint32_t)x, x * 2654435761u);
	}
}

static void test_stamp_keeps_padding(void **state)
{
	(void)state;
	char buf[100];
	struct payload_hdr a = {.pub = 7, .seq = 1, .sent_ns = 99}, b = {.pub = 7, .seq = 2, .sent_ns = 5}, out;
	payload_encode(buf, sizeof(buf), &a);
	payload_stamp(buf, &b);
	assert_true(payload_decode(buf, sizeof(buf), &out));
	assert_int_equal(out.seq, 2);
	assert_true(out.sent_ns == 5);
}

static void test_rejects_damage(void **state)
{
	(void)state;
	char buf[64];
	struct payload_hdr h = {.pub = 3, .seq = 4, .sent_ns = 5}, out;
	payload_encode(buf, sizeof(buf), &h);
	assert_false(payload_decode(buf, PAYLOAD_MIN - 1, &out));
	/* a payload read one byte off (e.g. a line cut short) fails the pad check */
	assert_false(payload_decode(buf + 1, sizeof(buf) - 1, &out));
	for (size_t i = 0; i < PAYLOAD_MIN; i++) {
		const char bad[] = {'`', 'q', 'z', '0', ' ', (char)0xff, 'A'};
		for (size_t k = 0; k < sizeof(bad); k++) {
			char copy[64];
			memcpy(copy, buf, sizeof(copy));
			copy[i] = bad[k];
			assert_false(payload_decode(copy, sizeof(copy), &out));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_stamp_keeps_padding),
		cmocka_unit_test(test_rejects_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
