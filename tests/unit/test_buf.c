/* test_buf: util/buf — lazy allocation, append/reserve/commit, consume with
 * rewind on empty, compaction before growth, doubling growth that keeps the
 * content, and release/reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static void test_empty_is_unallocated(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_null(b.data);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_space(&b), 0);
	buf_append(&b, "x", 0); /* appending nothing allocates nothing */
	assert_null(b.data);
	buf_release(&b);
	assert_null(b.data);
}

static void test_append_and_consume(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_append(&b, "hello ", 6);
	buf_append(&b, "world", 5);
	assert_non_null(b.data);
	assert_int_equal(b.cap, 256);
	assert_int_equal(buf_len(&b), 11);
	assert_memory_equal(buf_head(&b), "hello world", 11);

	buf_consume(&b, 6);
	assert_int_equal(buf_len(&b), 5);
	assert_int_equal(b.start, 6);
	assert_memory_equal(buf_head(&b), "world", 5);

	buf_consume(&b, 5); /* emptied: positions rewind, storage stays */
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(b.start, 0);
	assert_int_equal(b.end, 0);
	assert_non_null(b.data);
	assert_int_equal(buf_space(&b), 256);
	buf_release(&b);
}

static void test_reserve_commit(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char *w = buf_reserve(&b, 10);
	assert_non_null(w);
	assert_true(buf_space(&b) >= 10);
	memcpy(w, "abcdefghij", 10);
	buf_commit(&b, 4); /* only part of the reservation is used */
	assert_int_equal(buf_len(&b), 4);
	assert_memory_equal(buf_head(&b), "abcd", 4);

	w = buf_reserve(&b, 3);
	assert_ptr_equal(w, b.data + 4);
	memcpy(w, "XYZ", 3);
	buf_commit(&b, 3);
	assert_memory_equal(buf_head(&b), "abcdXYZ", 7);
	buf_commit(&b, 0);
	assert_int_equal(buf_len(&b), 7);
	buf_release(&b);
}

/* With consumed bytes at the front and enough total room, reserve slides
 * the content down instead of reallocating. */
static void test_reserve_compacts(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char fill[200];
	memset(fill, 'a', sizeof(fill));
	buf_append(&b, fill, sizeof(fill));
	buf_append(&b, "tail", 4);
	buf_consume(&b, 200);
	char *data = b.data;
	uint32_t cap = b.cap;
	assert_int_equal(buf_space(&b), 256 - 204);

	char *w = buf_reserve(&b, 100); /* 52 free at the end, 252 in total */
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.start, 0);
	assert_int_equal(b.end, 4);
	assert_ptr_equal(w, b.data + 4);
	assert_memory_equal(buf_head(&b), "tail", 4);
	buf_release(&b);
}

/* Growth doubles until the request fits and preserves unread content,
 * dropping the consumed prefix. */
static void test_growth_keeps_content(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	char chunk[97];
	size_t total = 0;
	for (int i = 0; i < 100; i++) {
		for (size_t j = 0; j < sizeof(chunk); j++)
			chunk[j] = (char)(i * 31 + (int)j);
		buf_append(&b, chunk, sizeof(chunk));
		total += sizeof(chunk);
		if (i == 3) {
			buf_consume(&b, 50);
			total -= 50;
		}
	}
	assert_int_equal(buf_len(&b), total);
	/* Capacity is a power-of-two multiple of the minimum. */
	assert_int_equal(b.cap & (b.cap - 1), 0);
	assert_true(b.cap >= total);
	assert_true(b.cap < 2 * total + 256);
	/* Verify every byte, skipping the 50 consumed ones. */
	size_t pos = 0;
	for (int i = 0; i < 100; i++) {
		for (size_t j = 0; j < sizeof(chunk); j++) {
			size_t abs = (size_t)i * sizeof(chunk) + j;
			if (abs < 50)
				continue;
			assert_int_equal((unsigned char)buf_head(&b)[pos],
					 (unsigned char)(char)(i * 31 + (int)j));
			pos++;
		}
	}
	buf_release(&b);
}

static void test_large_reserve(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_append(&b, "ab", 2);
	char *w = buf_reserve(&b, 100000);
	assert_true(buf_space(&b) >= 100000);
	assert_int_equal(b.cap, 131072);
	memset(w, 'z', 100000);
	buf_commit(&b, 100000);
	assert_int_equal(buf_len(&b), 100002);
	assert_memory_equal(buf_head(&b), "abzz", 4);
	buf_release(&b);
}

static void test_release_and_reuse(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_append(&b, "abc", 3);
	buf_consume(&b, 1);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.start, 0);
	assert_int_equal(b.end, 0);
	assert_int_equal(b.cap, 0);
	buf_append(&b, "xyz", 3);
	assert_memory_equal(buf_head(&b), "xyz", 3);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_unallocated),
		cmocka_unit_test(test_append_and_consume),
		cmocka_unit_test(test_reserve_commit),
		cmocka_unit_test(test_reserve_compacts),
		cmocka_unit_test(test_growth_keeps_content),
		cmocka_unit_test(test_large_reserve),
		cmocka_unit_test(test_release_and_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
