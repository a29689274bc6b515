/* test_bucket: the token bucket behind fake lag and the connection throttle
 * — starts full, refills at the rate up to the burst, lets a charge run into
 * debt that refilling repays first, and says how long until the next token;
 * "PER_S:BURST" and "off" parse, anything else is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/bucket.h"

static void test_starts_full_and_drains(void **state)
{
	(void)state;
	struct rate r = {.per_s = 10, .burst = 5};
	struct bucket b;
	bucket_init(&b, &r, 1000);
	assert_int_equal(bucket_tokens(&b), 5);
	bucket_charge(&b, 5);
	assert_int_equal(bucket_tokens(&b), 0);
	assert_int_equal(bucket_wait_ms(&b, &r), 100);
}

static void test_refills_at_rate_up_to_burst(void **state)
{
	(void)state;
	struct rate r = {.per_s = 10, .burst = 5};
	struct bucket b;
	bucket_init(&b, &r, 0);
	bucket_charge(&b, 5);
	bucket_refill(&b, &r, 99);
	assert_int_equal(bucket_tokens(&b), 0);
	assert_int_equal(bucket_wait_ms(&b, &r), 1);
	bucket_refill(&b, &r, 100);
	assert_int_equal(bucket_tokens(&b), 1);
	assert_int_equal(bucket_wait_ms(&b, &r), 0);
	bucket_refill(&b, &r, 10000000);
	assert_int_equal(bucket_tokens(&b), 5);
	assert_true(bucket_full(&b, &r));
	bucket_refill(&b, &r, UINT64_MAX); /* a huge gap cannot overflow */
	assert_int_equal(bucket_tokens(&b), 5);
}

static void test_debt_is_repaid_first(void **state)
{
	(void)state;
	struct rate r = {.per_s = 2, .burst = 4};
	struct bucket b;
	bucket_init(&b, &r, 0);
	bucket_charge(&b, 10); /* 6 in debt */
	assert_int_equal(bucket_tokens(&b), 0);
	assert_int_equal(bucket_wait_ms(&b, &r), 3500);
	bucket_refill(&b, &r, 3000);
	assert_int_equal(bucket_tokens(&b), 0);
	bucket_refill(&b, &r, 3500);
	assert_int_equal(bucket_tokens(&b), 1);
	assert_false(bucket_full(&b, &r));
}

static void test_clock_going_back_is_ignored(void **state)
{
	(void)state;
	struct rate r = {.per_s = 1, .burst = 1};
	struct bucket b;
	bucket_init(&b, &r, 5000);
	bucket_charge(&b, 1);
	bucket_refill(&b, &r, 4000);
	assert_int_equal(bucket_tokens(&b), 0);
	bucket_refill(&b, &r, 6000);
	assert_int_equal(bucket_tokens(&b), 1);
}

static void test_parse(void **state)
{
	(void)state;
	struct rate r = {7, 7};
	assert_true(rate_parse("10:100", &r));
	assert_int_equal(r.per_s, 10);
	assert_int_equal(r.burst, 100);
	assert_true(rate_on(&r));
	assert_true(rate_parse("off", &r));
	assert_false(rate_on(&r));
	const char *bad[] = {"", "10", ":5", "5:", "0:5", "5:0", "a:b", "1:2:3", "-1:5",
			     "5:-1", "999999999999:1", " 5:5", "off "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.per_s = r.burst = 42;
		assert_false(rate_parse(bad[i], &r));
		assert_int_equal(r.per_s, 42); /* untouched on failure */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_full_and_drains),
		cmocka_unit_test(test_refills_at_rate_up_to_burst),
		cmocka_unit_test(test_debt_is_repaid_first),
		cmocka_unit_test(test_clock_going_back_is_ignored),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
