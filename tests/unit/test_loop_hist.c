/* test_loop_hist: loop/loop_hist — the histogram of loop iteration times.
 * Buckets tile the 64-bit range without gaps or overlaps, every value lands
 * in the bucket whose range holds it, quantiles are within the promised 6%
 * of the exact answer (and never above the maximum), and cumulative counts
 * at a bound never over-count and are exact at bucket tops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "loop/loop_hist.h"

static struct loop_hist *new_hist(void)
{
	struct loop_hist *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	return h;
}

static void test_small_values_exact(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < LOOP_HIST_SUB; v++) {
		uint64_t lo, hi;
		assert_int_equal(loop_hist_bucket(v), v);
		loop_hist_bucket_range(loop_hist_bucket(v), &lo, &hi);
		assert_int_equal(lo, v);
		assert_int_equal(hi, v);
	}
}

static void test_buckets_tile_range(void **state)
{
	(void)state;
	uint64_t prev_hi = 0;
	for (unsigned i = 1; i < LOOP_HIST_BUCKETS; i++) {
		uint64_t lo, hi;
		loop_hist_bucket_range(i, &lo, &hi);
		assert_int_equal(lo, prev_hi + 1);
		assert_true(hi >= lo);
		/* width is at most 1/16 of the bucket's start */
		assert_true(hi - lo <= lo / LOOP_HIST_SUB);
		assert_int_equal(loop_hist_bucket(lo), i);
		assert_int_equal(loop_hist_bucket(hi), i);
		prev_hi = hi;
	}
	assert_true(prev_hi == UINT64_MAX);
}

static void test_empty(void **state)
{
	(void)state;
	struct loop_hist *h = new_hist();
	assert_int_equal(loop_hist_quantile(h, 0.5), 0);
	assert_int_equal(loop_hist_quantile(h, 0.99), 0);
	assert_int_equal(loop_hist_count_le(h, UINT64_MAX), 0);
	free(h);
}

/* 1..100000 ns once each: the exact q-quantile is q*100000. */
static void test_quantiles_within_bucket_precision(void **state)
{
	(void)state;
	struct loop_hist *h = new_hist();
	const uint64_t n = 100000;
	for (uint64_t v = 1; v <= n; v++)
		loop_hist_record(h, v);
	assert_int_equal(h->total, n);
	assert_int_equal(h->max_ns, n);
	assert_true(h->sum_ns == n * (n + 1) / 2);
	const double qs[] = {0.01, 0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = qs[i] * (double)n;
		double got = (double)loop_hist_quantile(h, qs[i]);
		assert_true(got >= exact * (1.0 - 1.0 / LOOP_HIST_SUB));
		assert_true(got <= exact * (1.0 + 1.0 / LOOP_HIST_SUB));
	}
	assert_int_equal(loop_hist_quantile(h, 1.0), n);
	free(h);
}

/* One huge outlier: p99 stays with the bulk, never above the maximum. */
static void test_outlier_and_max_clamp(void **state)
{
	(void)state;
	struct loop_hist *h = new_hist();
	for (int i = 0; i < 999; i++)
		loop_hist_record(h, 5000);
	loop_hist_record(h, 40000000);
	uint64_t p99 = loop_hist_quantile(h, 0.99);
	assert_true(p99 >= 4700 && p99 <= 5300);
	assert_int_equal(loop_hist_quantile(h, 1.0), 40000000);
	assert_int_equal(h->max_ns, 40000000);
	free(h);
	/* a single value: every quantile is at most it */
	h = new_hist();
	loop_hist_record(h, 1000);
	assert_true(loop_hist_quantile(h, 0.5) <= 1000);
	assert_true(loop_hist_quantile(h, 0.5) >= 1000 - 1000 / LOOP_HIST_SUB);
	free(h);
}

static void test_count_le(void **state)
{
	(void)state;
	struct loop_hist *h = new_hist();
	for (uint64_t v = 0; v < 16; v++)
		loop_hist_record(h, v);   /* exact buckets */
	loop_hist_record(h, 1000);        /* bucket [992, 1023] */
	loop_hist_record(h, 1023);
	loop_hist_record(h, 1024);        /* next power of two */
	loop_hist_record(h, 1000000);
	assert_int_equal(loop_hist_count_le(h, 0), 1);
	assert_int_equal(loop_hist_count_le(h, 15), 16);
	assert_int_equal(loop_hist_count_le(h, 991), 16);
	/* 1000 splits [992, 1023]: that bucket is left out */
	assert_int_equal(loop_hist_count_le(h, 1000), 16);
	assert_int_equal(loop_hist_count_le(h, 1023), 18);
	assert_int_equal(loop_hist_count_le(h, 1024), 18); /* [1024, 1087] split */
	assert_int_equal(loop_hist_count_le(h, 1087), 19);
	assert_int_equal(loop_hist_count_le(h, UINT64_MAX), 20);
	/* monotonic in the bound */
	uint64_t prev = 0;
	for (uint64_t b = 1; b < 2000000; b = b * 3 / 2 + 1) {
		uint64_t c = loop_hist_count_le(h, b);
		assert_true(c >= prev);
		prev = c;
	}
	free(h);
}

/* Recording a value n times at once leaves the histogram exactly as n
 * single records do (the delivery latency records runs this way). */
static void test_record_n_equals_repeats(void **state)
{
	(void)state;
	struct loop_hist *once = new_hist(), *each = new_hist();
	const uint64_t values[] = {0, 7, 1000, 123456789, 5};
	const uint64_t times[] = {3, 1, 250, 2, 17};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		loop_hist_record_n(once, values[i], times[i]);
		for (uint64_t k = 0; k < times[i]; k++)
			loop_hist_record(each, values[i]);
	}
	assert_memory_equal(once, each, sizeof(*once));
	assert_int_equal(once->total, 273);
	assert_int_equal(once->max_ns, 123456789);
	free(once);
	free(each);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_values_exact),
		cmocka_unit_test(test_buckets_tile_range),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_quantiles_within_bucket_precision),
		cmocka_unit_test(test_outlier_and_max_clamp),
		cmocka_unit_test(test_count_le),
		cmocka_unit_test(test_record_n_equals_repeats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
