/* test_msg: util/msg — creation with one reference, copying (including
 * empty and large payloads), reference counting, and that the last unref
 * frees the block (leaks and double frees show up under ASan/valgrind). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/msg.h"

/* msg_unref() is inline and frees conditionally; called directly, gcc's
 * -Wuse-after-free cannot tell that the block survives, so the tests that
 * inspect a message after dropping a reference go through this. */
__attribute__((noinline)) static void drop(struct msg *m)
{
	msg_unref(m);
}

static void test_new(void **state)
{
	(void)state;
	struct msg *m = msg_new(5);
	assert_int_equal(m->refs, 1);
	assert_int_equal(m->len, 5);
	memcpy(m->data, "hello", 5); /* the creator fills the bytes */
	assert_memory_equal(m->data, "hello", 5);
	msg_unref(m);
}

static void test_copy(void **state)
{
	(void)state;
	const char text[] = "ROOM #a bob hi\r\n";
	struct msg *m = msg_copy(text, sizeof(text) - 1);
	assert_int_equal(m->refs, 1);
	assert_int_equal(m->len, sizeof(text) - 1);
	assert_memory_equal(m->data, text, sizeof(text) - 1);
	msg_unref(m);
}

static void test_empty(void **state)
{
	(void)state;
	struct msg *a = msg_new(0);
	struct msg *b = msg_copy(NULL, 0);
	assert_int_equal(a->len, 0);
	assert_int_equal(b->len, 0);
	assert_int_equal(b->refs, 1);
	msg_unref(a);
	msg_unref(b);
}

static void test_refcount(void **state)
{
	(void)state;
	struct msg *m = msg_copy("x", 1);
	assert_ptr_equal(msg_ref(m), m);
	assert_ptr_equal(msg_ref(m), m);
	assert_int_equal(m->refs, 3);
	drop(m);
	assert_int_equal(m->refs, 2);
	drop(m);
	assert_int_equal(m->refs, 1);
	assert_memory_equal(m->data, "x", 1); /* still alive */
	msg_unref(m);                         /* freed here */
}

/* Many holders, released in an arbitrary order: the block survives until
 * the very last one. */
static void test_many_holders(void **state)
{
	(void)state;
	enum { HOLDERS = 1000 };
	static struct msg *held[HOLDERS];
	struct msg *m = msg_copy("fan-out", 7);
	for (int i = 0; i < HOLDERS; i++)
		held[i] = msg_ref(m);
	drop(m); /* the creator lets go first */
	assert_int_equal(held[0]->refs, HOLDERS);
	for (int i = 0; i < HOLDERS; i += 2)
		drop(held[i]);
	assert_int_equal(held[1]->refs, HOLDERS / 2);
	assert_memory_equal(held[1]->data, "fan-out", 7);
	for (int i = HOLDERS - 1; i > 0; i -= 2)
		msg_unref(held[i]);
}

static void test_large(void **state)
{
	(void)state;
	size_t len = 1u << 20;
	struct msg *m = msg_new(len);
	memset(m->data, 0xAB, len);
	assert_int_equal(m->len, len);
	assert_int_equal((unsigned char)m->data[len - 1], 0xAB);
	msg_unref(m);
}

/* A framed variant is found by its tag, and one still queued somewhere
 * outlives its original (the original only drops its own reference). */
static void test_variants(void **state)
{
	(void)state;
	struct msg *m = msg_copy("line\r\n", 6);
	assert_null(msg_variant(m, 1));
	struct msg *a = msg_copy("A", 1), *b = msg_copy("BB", 2);
	msg_add_variant(m, 1, a);
	msg_add_variant(m, 2, b);
	assert_ptr_equal(msg_variant(m, 1), a);
	assert_ptr_equal(msg_variant(m, 2), b);
	assert_null(msg_variant(m, 3));
	struct msg *held = msg_ref(msg_variant(m, 2));
	msg_unref(m);
	assert_int_equal(held->refs, 1);
	assert_memory_equal(held->data, "BB", 2);
	msg_unref(held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_many_holders),
		cmocka_unit_test(test_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
