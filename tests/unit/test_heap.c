/* test_heap: util/heap — empty peek, ordered extraction (random keys and
 * duplicates), removal of the root, the last slot and arbitrary middle
 * nodes with the heap property and each node's index re-verified after
 * every operation, re-pushing removed nodes, and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "testutil.h"
#include "util/heap.h"

static void node_init(struct heap_node *n, uint64_t key)
{
	n->key = key;
	n->index = HEAP_NONE;
}

/* Every parent <= its children, and every node knows its own slot. */
static void check_heap(const struct heap *h)
{
	for (uint32_t i = 0; i < h->len; i++) {
		assert_int_equal(h->items[i]->index, i);
		if (i > 0)
			assert_true(h->items[(i - 1) / 2]->key <= h->items[i]->key);
	}
}

static void test_empty(void **state)
{
	(void)state;
	struct heap h = HEAP_INIT;
	assert_null(heap_peek(&h));
	heap_release(&h);
	assert_null(h.items);
}

static void test_single(void **state)
{
	(void)state;
	struct heap h = HEAP_INIT;
	struct heap_node n;
	node_init(&n, 42);
	assert_false(heap_contains(&n));
	heap_push(&h, &n);
	assert_true(heap_contains(&n));
	assert_ptr_equal(heap_peek(&h), &n);
	heap_remove(&h, &n);
	assert_false(heap_contains(&n));
	assert_int_equal(n.index, HEAP_NONE);
	assert_null(heap_peek(&h));
	heap_push(&h, &n); /* a removed node can go back in */
	assert_ptr_equal(heap_peek(&h), &n);
	heap_release(&h);
}

static void test_sorted_extraction(void **state)
{
	(void)state;
	enum { N = 1000 };
	static struct heap_node nodes[N];
	struct heap h = HEAP_INIT;
	unsigned long long rng = 7;
	for (int i = 0; i < N; i++) {
		node_init(&nodes[i], test_rand(&rng) % 300); /* plenty of duplicates */
		heap_push(&h, &nodes[i]);
	}
	check_heap(&h);
	assert_int_equal(h.len, N);
	uint64_t last = 0;
	for (int i = 0; i < N; i++) {
		struct heap_node *top = heap_peek(&h);
		assert_non_null(top);
		assert_true(top->key >= last);
		last = top->key;
		heap_remove(&h, top);
		assert_false(heap_contains(top));
		if (i % 97 == 0)
			check_heap(&h);
	}
	assert_null(heap_peek(&h));
	heap_release(&h);
}

static void test_ascending_and_descending_pushes(void **state)
{
	(void)state;
	enum { N = 64 };
	struct heap_node up[N], down[N];
	struct heap h = HEAP_INIT;
	for (int i = 0; i < N; i++) {
		node_init(&up[i], (uint64_t)i);
		node_init(&down[i], (uint64_t)(2 * N - i));
		heap_push(&h, &up[i]);
		heap_push(&h, &down[i]);
		check_heap(&h);
	}
	assert_ptr_equal(heap_peek(&h), &up[0]);
	for (int i = 0; i < N; i++) {
		assert_ptr_equal(heap_peek(&h), &up[i]);
		heap_remove(&h, &up[i]);
	}
	for (int i = N - 1; i >= 0; i--) {
		assert_ptr_equal(heap_peek(&h), &down[i]);
		heap_remove(&h, &down[i]);
	}
	heap_release(&h);
}

/* Removing from the middle must both sift up (the moved last node is
 * smaller than the removed node's parent) and sift down (it is larger than
 * a child); random removals hit both. */
static void test_remove_middle(void **state)
{
	(void)state;
	enum { N = 500 };
	static struct heap_node nodes[N];
	struct heap h = HEAP_INIT;
	unsigned long long rng = 99;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++) {
			node_init(&nodes[i], test_rand(&rng) % 1000);
			heap_push(&h, &nodes[i]);
		}
		for (int i = 0; i < N; i++) {
			int k = (int)(test_rand(&rng) % N);
			if (heap_contains(&nodes[k])) {
				heap_remove(&h, &nodes[k]);
				assert_false(heap_contains(&nodes[k]));
				check_heap(&h);
			}
		}
		uint64_t last = 0;
		while (heap_peek(&h)) {
			struct heap_node *top = heap_peek(&h);
			assert_true(top->key >= last);
			last = top->key;
			heap_remove(&h, top);
		}
	}
	heap_release(&h);
}

/* A node whose key changes is removed and pushed again (as a timer
 * re-arm does). */
static void test_rekey(void **state)
{
	(void)state;
	struct heap h = HEAP_INIT;
	struct heap_node a, b, c;
	node_init(&a, 10);
	node_init(&b, 20);
	node_init(&c, 30);
	heap_push(&h, &a);
	heap_push(&h, &b);
	heap_push(&h, &c);
	heap_remove(&h, &a);
	a.key = 25;
	heap_push(&h, &a);
	assert_ptr_equal(heap_peek(&h), &b);
	heap_remove(&h, &c);
	c.key = 5;
	heap_push(&h, &c);
	check_heap(&h);
	assert_ptr_equal(heap_peek(&h), &c);
	heap_remove(&h, &c);
	assert_ptr_equal(heap_peek(&h), &b);
	heap_remove(&h, &b);
	assert_ptr_equal(heap_peek(&h), &a);
	heap_remove(&h, &a);
	assert_null(heap_peek(&h));
	heap_release(&h);
}

static void test_extreme_keys(void **state)
{
	(void)state;
	struct heap h = HEAP_INIT;
	struct heap_node big, zero, mid;
	node_init(&big, UINT64_MAX);
	node_init(&zero, 0);
	node_init(&mid, UINT64_MAX / 2);
	heap_push(&h, &big);
	heap_push(&h, &mid);
	heap_push(&h, &zero);
	assert_ptr_equal(heap_peek(&h), &zero);
	heap_remove(&h, &zero);
	assert_ptr_equal(heap_peek(&h), &mid);
	heap_remove(&h, &mid);
	assert_ptr_equal(heap_peek(&h), &big);
	heap_release(&h); /* nodes are the caller's; release frees only the array */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_single),
		cmocka_unit_test(test_sorted_extraction),
		cmocka_unit_test(test_ascending_and_descending_pushes),
		cmocka_unit_test(test_remove_middle),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_extreme_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
