/* test_stream_range: cluster/stream_range — the XRANGE/XREVRANGE reads a
 * history query becomes select exactly the lines store_window() selects
 * (checked over many streams with gaps in their ids and every anchor,
 * limit and reference, including the ends of the id space); queries by
 * time read a window; range bounds and entry ids are written and parsed
 * in the "<id>-0" form, refusing every other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/stream_range.h"

struct stream {
	uint64_t id[64];
	size_t n;
};

static uint64_t key_of(const void *ctx, size_t i, bool by_time)
{
	(void)by_time;
	return ((const struct stream *)ctx)->id[i];
}

/* What Redis does for one range: indexes of matching entries, in walk
 * order, at most `count`. */
static size_t run_range(const struct stream *s, const struct stream_range *r, size_t count,
			size_t *out)
{
	size_t got = 0;
	for (size_t k = 0; k < s->n && got < count; k++) {
		size_t i = r->reverse ? s->n - 1 - k : k;
		if (s->id[i] >= r->first && s->id[i] <= r->last)
			out[got++] = i;
	}
	return got;
}

/* The plan's selection as [lo, hi) indexes; the ranges must yield one
 * contiguous run in ascending order. */
static void run_plan(const struct stream *s, const struct stream_plan *p, size_t *lo, size_t *hi)
{
	size_t all[128], n = 0;
	for (size_t k = 0; k < p->n; k++) {
		const struct stream_range *r = &p->r[k];
		size_t count = r->fill ? (r->count > n ? r->count - n : 0) : r->count;
		size_t part[64];
		size_t got = run_range(s, r, count, part);
		for (size_t j = 0; j < got; j++)
			all[n + j] = part[r->reverse ? got - 1 - j : j];
		n += got;
	}
	for (size_t j = 1; j < n; j++)
		assert_int_equal(all[j], all[j - 1] + 1);
	*lo = n ? all[0] : 0;
	*hi = n ? all[n - 1] + 1 : 0;
}

static void check(const struct stream *s, const struct store_query *q)
{
	struct stream_plan p;
	stream_plan_make(q, &p);
	assert_false(p.window);
	size_t lo, hi, want_lo, want_hi;
	run_plan(s, &p, &lo, &hi);
	store_window(q, s->n, key_of, s, &want_lo, &want_hi);
	if (want_lo == want_hi) {
		assert_int_equal(hi - lo, 0);
		return;
	}
	assert_int_equal(lo, want_lo);
	assert_int_equal(hi, want_hi);
}

static void test_id_queries_select_what_store_window_selects(void **state)
{
	(void)state;
	srand(7);
	const enum store_anchor anchors[] = {STORE_LATEST, STORE_BEFORE, STORE_AFTER,
					     STORE_AROUND, STORE_BETWEEN};
	for (int round = 0; round < 300; round++) {
		struct stream s = {.n = (size_t)(rand() % 40)};
		uint64_t id = 1 + (uint64_t)(rand() % 3);
		for (size_t i = 0; i < s.n; i++) {
			s.id[i] = id;
			id += 1 + (uint64_t)(rand() % 3);
		}
		for (size_t ai = 0; ai < 5; ai++)
			for (uint64_t a = 0; a <= id + 1; a++) {
				uint64_t b = (uint64_t)(rand() % (int)(id + 2));
				size_t limit = 1 + (size_t)(rand() % 12);
				struct store_query q = {anchors[ai], {false, a}, {false, b}, limit};
				check(&s, &q);
			}
	}
}

static void test_the_ends_of_the_id_space(void **state)
{
	(void)state;
	struct stream s = {.id = {1, 2, UINT64_MAX - 1}, .n = 3};
	const uint64_t refs[] = {0, 1, 2, UINT64_MAX - 1, UINT64_MAX};
	for (size_t i = 0; i < 5; i++)
		for (size_t j = 0; j < 5; j++)
			for (int anchor = STORE_LATEST; anchor <= STORE_BETWEEN; anchor++) {
				struct store_query q = {(enum store_anchor)anchor,
							{false, refs[i]},
							{false, refs[j]},
							2};
				check(&s, &q);
			}
}

static void test_time_queries_read_a_window(void **state)
{
	(void)state;
	struct store_query q = {STORE_BEFORE, {true, 1700000000000ULL}, {false, 0}, 10};
	struct stream_plan p;
	stream_plan_make(&q, &p);
	assert_true(p.window);
	assert_int_equal(p.n, 1);
	assert_true(p.r[0].reverse);
	assert_int_equal(p.r[0].count, STREAM_WINDOW_MAX);
	q = (struct store_query){STORE_BETWEEN, {false, 5}, {true, 1700000000000ULL}, 10};
	stream_plan_make(&q, &p);
	assert_true(p.window);
}

static void test_bounds_and_entry_ids(void **state)
{
	(void)state;
	char t[STREAM_ID_TEXT];
	stream_bound(0, t);
	assert_string_equal(t, "-");
	stream_bound(UINT64_MAX, t);
	assert_string_equal(t, "+");
	stream_bound(42, t);
	assert_string_equal(t, "42");
	uint64_t id = 0;
	assert_true(stream_id_parse("42-0", 4, &id));
	assert_int_equal(id, 42);
	assert_true(stream_id_parse("18446744073709551615-0", 22, &id));
	assert_true(id == UINT64_MAX);
	const char *bad[] = {"", "-0", "42", "42-1", "42-00", "0-0", "1700000000000-3",
			     "18446744073709551616-0", "4a-0", "42-0 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(stream_id_parse(bad[i], strlen(bad[i]), &id));
}

static void test_a_pair_names_one_stream(void **state)
{
	(void)state;
	char ab[STREAM_PAIR_KEY_MAX], ba[STREAM_PAIR_KEY_MAX];
	assert_int_equal(stream_pair_key(ab, "Bob", 3, "alice", 5), 19);
	assert_string_equal(ab, "parley:pm:alice bob");
	stream_pair_key(ba, "ALICE", 5, "bob", 3);
	assert_string_equal(ab, ba);
	/* A prefix sorts first; a user with itself is one name twice. */
	stream_pair_key(ab, "annie", 5, "ann", 3);
	assert_string_equal(ab, "parley:pm:ann annie");
	stream_pair_key(ab, "Zed", 3, "zed", 3);
	assert_string_equal(ab, "parley:pm:zed zed");
	/* Over-long input is cut, never overflows. */
	char big[400];
	memset(big, 'x', sizeof(big));
	size_t n = stream_pair_key(ab, big, sizeof(big), "a", 1);
	assert_true(n < STREAM_PAIR_KEY_MAX);
	assert_int_equal(strlen(ab), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_pair_names_one_stream),
		cmocka_unit_test(test_id_queries_select_what_store_window_selects),
		cmocka_unit_test(test_the_ends_of_the_id_space),
		cmocka_unit_test(test_time_queries_read_a_window),
		cmocka_unit_test(test_bounds_and_entry_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
