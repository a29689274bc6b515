/* test_bench_latency: bench/latency — the log-linear histogram behind
 * parley-bench's percentiles. Buckets must tile the value range without
 * gaps or overlaps, every value must land in the bucket whose range holds
 * it, and quantiles must be within the promised ~1% of the exact answer.
 * The bench is not a library, so its pure source is compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../bench/latency.c"

static struct hist *new_hist(void)
{
	struct hist *h = malloc(sizeof(*h));
	assert_non_null(h);
	hist_reset(h);
	return h;
}

static void test_small_values_exact(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < HIST_SUB; v++) {
		uint64_t lo, hi;
		assert_int_equal(hist_bucket(v), v);
		hist_bucket_range(hist_bucket(v), &lo, &hi);
		assert_int_equal(lo, v);
		assert_int_equal(hi, v);
	}
}

/* Consecutive buckets are adjacent ranges, up to the largest 64-bit value. */
static void test_buckets_tile_range(void **state)
{
	(void)state;
	uint64_t prev_hi = 0;
	for (unsigned i = 1; i < HIST_BUCKETS; i++) {
		uint64_t lo, hi;
		hist_bucket_range(i, &lo, &hi);
		assert_int_equal(lo, prev_hi + 1);
		assert_true(hi >= lo);
		prev_hi = hi;
	}
	assert_true(prev_hi == UINT64_MAX);
	assert_int_equal(hist_bucket(UINT64_MAX), HIST_BUCKETS - 1);
}

static void test_value_in_its_bucket(void **state)
{
	(void)state;
	uint64_t v = 1;
	for (int i = 0; i < 200000; i++) {
		uint64_t lo, hi;
		hist_bucket_range(hist_bucket(v), &lo, &hi);
		assert_true(lo <= v && v <= hi);
		/* relative bucket width is at most 1/128 */
		assert_true((double)(hi - lo) <= (double)lo / 128.0 + 1.0);
		v = v * 1.0001 + 1;
	}
}

static void test_quantiles_uniform(void **state)
{
	(void)state;
	struct hist *h = new_hist();
	for (uint64_t v = 1; v <= 1000000; v++)
		hist_record(h, v * 1000);
	const double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = qs[i] * 1e9;
		double got = (double)hist_quantile(h, qs[i]);
		assert_true(got > exact * 0.995 && got < exact * 1.005);
	}
	assert_int_equal(hist_quantile(h, 1.0), 1000000000u);
	assert_int_equal(hist_quantile(h, 0.0), 1000u);
	assert_true(hist_mean(h) > 500000000.0 && hist_mean(h) < 500001000.0);
	free(h);
}

static void test_quantile_clamped_to_seen(void **state)
{
	(void)state;
	struct hist *h = new_hist();
	hist_record(h, 123456789);
	assert_int_equal(hist_quantile(h, 0.5), 123456789);
	assert_int_equal(hist_quantile(h, 0.999), 123456789);
	hist_record(h, 5);
	assert_int_equal(hist_quantile(h, 0.5), 5);
	assert_int_equal(hist_quantile(h, 0.51), 123456789);
	free(h);
}

static void test_empty(void **state)
{
	(void)state;
	struct hist *h = new_hist();
	assert_int_equal(hist_quantile(h, 0.99), 0);
	assert_true(hist_mean(h) == 0.0);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_buckets_tile_range),
		cmocka_unit_test(test_value_in_its_bucket),
		cmocka_unit_test(test_quantiles_uniform),
		cmocka_unit_test(test_quantile_clamped_to_seen),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
