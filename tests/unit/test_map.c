/* test_map: util/map — get/put/remove and count, keys compared by length
 * (prefixes and embedded NULs), ASCII-only case folding (and exact matching
 * without it), growth and shrink through many sizes, backward-shift removal
 * in small crowded tables where probe chains overlap and wrap, and 10k
 * random inserts/removes checked against a reference after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "util/map.h"

struct item {
	size_t len;
	char name[32];
};

static const char *item_key(const void *value, size_t *len)
{
	const struct item *it = value;
	*len = it->len;
	return it->name;
}

static void item_set(struct item *it, const char *name)
{
	it->len = strlen(name);
	memcpy(it->name, name, it->len + 1);
}

static void *get(const struct map *m, const char *key)
{
	return map_get(m, key, strlen(key));
}

static void test_basic(void **state)
{
	(void)state;
	struct map *m = map_create(item_key, false);
	struct item a, b, c;
	item_set(&a, "alice");
	item_set(&b, "bob");
	item_set(&c, "carol");
	assert_int_equal(map_count(m), 0);
	assert_null(get(m, "alice"));
	assert_null(map_remove(m, "alice", 5)); /* empty map */

	map_put(m, &a);
	map_put(m, &b);
	map_put(m, &c);
	assert_int_equal(map_count(m), 3);
	assert_ptr_equal(get(m, "alice"), &a);
	assert_ptr_equal(get(m, "bob"), &b);
	assert_ptr_equal(get(m, "carol"), &c);
	assert_null(get(m, "dave"));
	assert_null(map_remove(m, "dave", 4)); /* absent from a non-empty map */
	assert_int_equal(map_count(m), 3);

	assert_ptr_equal(map_remove(m, "bob", 3), &b);
	assert_int_equal(map_count(m), 2);
	assert_null(get(m, "bob"));
	assert_null(map_remove(m, "bob", 3));
	assert_ptr_equal(get(m, "alice"), &a);
	assert_ptr_equal(get(m, "carol"), &c);

	assert_ptr_equal(map_remove(m, "alice", 5), &a);
	assert_ptr_equal(map_remove(m, "carol", 5), &c);
	assert_int_equal(map_count(m), 0);
	assert_null(get(m, "carol"));

	map_put(m, &b); /* usable again after emptying */
	assert_ptr_equal(get(m, "bob"), &b);
	map_destroy(m);
	map_destroy(NULL);
}

/* Keys are (pointer, length): a prefix or an extension is another key, and
 * bytes after the length are ignored. */
static void test_key_length(void **state)
{
	(void)state;
	struct map *m = map_create(item_key, false);
	struct item ab, abc, nul;
	item_set(&ab, "ab");
	item_set(&abc, "abc");
	nul.len = 3;
	memcpy(nul.name, "a\0b", 4);
	map_put(m, &ab);
	map_put(m, &abc);
	map_put(m, &nul);
	assert_ptr_equal(map_get(m, "abcdef", 2), &ab);
	assert_ptr_equal(map_get(m, "abcdef", 3), &abc);
	assert_null(map_get(m, "abcdef", 1));
	assert_null(map_get(m, "abcdef", 4));
	assert_ptr_equal(map_get(m, "a\0b", 3), &nul);
	assert_null(map_get(m, "a\0c", 3));
	assert_null(map_get(m, "", 0));
	map_destroy(m);
}

static void test_case_folding(void **state)
{
	(void)state;
	struct map *fold = map_create(item_key, true);
	struct item alice, room;
	item_set(&alice, "Alice_1");
	item_set(&room, "#Lobby");
	map_put(fold, &alice);
	map_put(fold, &room);
	assert_ptr_equal(get(fold, "alice_1"), &alice);
	assert_ptr_equal(get(fold, "ALICE_1"), &alice);
	assert_ptr_equal(get(fold, "aLiCe_1"), &alice);
	assert_ptr_equal(get(fold, "#LOBBY"), &room);
	assert_ptr_equal(get(fold, "#lobby"), &room);
	/* Only A-Z fold. A fold that merely set bit 0x20 would equate '_'
	 * (0x5F) with DEL (0x7F), '[' with '{', and UTF-8 bytes 0x89 with 0xA9;
	 * bytes above 0x7F must compare exactly. */
	assert_null(get(fold, "alice\x7f" "1"));
	struct item br, hi;
	item_set(&br, "a[b");
	item_set(&hi, "\xc3\x89t\xc3\xa9");
	map_put(fold, &br);
	map_put(fold, &hi);
	assert_null(get(fold, "a{b"));
	assert_ptr_equal(get(fold, "A[B"), &br);
	assert_ptr_equal(get(fold, "\xc3\x89T\xc3\xa9"), &hi);
	assert_null(get(fold, "\xc3\xa9t\xc3\xa9"));
	/* Removal with a differently cased key finds the stored value. */
	assert_ptr_equal(map_remove(fold, "ALICE_1", 7), &alice);
	assert_null(get(fold, "Alice_1"));
	map_destroy(fold);

	/* Without folding, names differing in case are distinct keys. */
	struct map *exact = map_create(item_key, false);
	struct item lower, upper;
	item_set(&lower, "bob");
	item_set(&upper, "BOB");
	map_put(exact, &lower);
	map_put(exact, &upper);
	assert_int_equal(map_count(exact), 2);
	assert_ptr_equal(get(exact, "bob"), &lower);
	assert_ptr_equal(get(exact, "BOB"), &upper);
	assert_null(get(exact, "Bob"));
	map_destroy(exact);
}

/* Long keys exercise the 8-byte blocks of the hash, folded and not. */
static void test_long_keys(void **state)
{
	(void)state;
	struct map *m = map_create(item_key, true);
	static struct item items[20];
	for (int i = 0; i < 20; i++) {
		snprintf(items[i].name, sizeof(items[i].name), "UserNameNumber%02d", i);
		items[i].len = strlen(items[i].name);
		map_put(m, &items[i]);
	}
	for (int i = 0; i < 20; i++) {
		char key[32];
		snprintf(key, sizeof(key), "usernamenumber%02d", i);
		assert_ptr_equal(get(m, key), &items[i]);
	}
	map_destroy(m);
}

/* ---- many keys ---- */

enum { MANY = 10000 };
static struct item pool[MANY];

static void fill_pool(void)
{
	for (int i = 0; i < MANY; i++) {
		snprintf(pool[i].name, sizeof(pool[i].name), "k%d", i);
		pool[i].len = strlen(pool[i].name);
	}
}

static void check_against(const struct map *m, const bool *present, int n)
{
	size_t count = 0;
	for (int i = 0; i < n; i++) {
		void *v = map_get(m, pool[i].name, pool[i].len);
		if (present[i]) {
			assert_ptr_equal(v, &pool[i]);
			count++;
		} else {
			assert_null(v);
		}
	}
	assert_int_equal(map_count(m), count);
}

/* Grows from empty through many doublings, shrinks back to nothing, and
 * grows again; every key stays reachable throughout. */
static void test_grow_and_shrink(void **state)
{
	(void)state;
	fill_pool();
	struct map *m = map_create(item_key, false);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < MANY; i++) {
			map_put(m, &pool[i]);
			if ((i & (i + 1)) == 0 || i == MANY - 1) /* at 2^k - 1 */
				for (int j = 0; j <= i; j++)
					assert_ptr_equal(map_get(m, pool[j].name, pool[j].len),
							 &pool[j]);
		}
		assert_int_equal(map_count(m), MANY);
		for (int i = 0; i < MANY; i++) {
			assert_ptr_equal(map_remove(m, pool[i].name, pool[i].len), &pool[i]);
			if (i % 1000 == 999)
				for (int j = 0; j < MANY; j++)
					assert_true((map_get(m, pool[j].name, pool[j].len) != NULL) ==
						    (j > i));
		}
		assert_int_equal(map_count(m), 0);
	}
	map_destroy(m);
}

/* Small tables at up to 3/4 load are full of overlapping probe chains,
 * including chains that wrap past the last slot. Removing keys in every
 * kind of order must leave each remaining key reachable: a wrong backward
 * shift would orphan one behind a hole. */
static void test_remove_in_crowded_tables(void **state)
{
	(void)state;
	fill_pool();
	unsigned long long rng = 0x9E3779B97F4A7C15ULL;
	for (int trial = 0; trial < 400; trial++) {
		int n = 1 + trial % 24; /* tables of 8, 16 and 32 slots */
		bool present[24] = {false};
		struct map *m = map_create(item_key, trial & 1);
		for (int i = 0; i < n; i++) {
			map_put(m, &pool[i]);
			present[i] = true;
		}
		check_against(m, present, n);
		int order[24];
		for (int i = 0; i < n; i++)
			order[i] = i;
		for (int i = n - 1; i > 0; i--) {
			int j = (int)(test_rand(&rng) % (unsigned)(i + 1));
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (int i = 0; i < n; i++) {
			int k = order[i];
			assert_ptr_equal(map_remove(m, pool[k].name, pool[k].len), &pool[k]);
			present[k] = false;
			check_against(m, present, n);
			/* Re-insert now and then so removals also happen in
			 * tables that never shrank. */
			if (i % 5 == 4 && k % 2 == 0) {
				map_put(m, &pool[k]);
				present[k] = true;
				check_against(m, present, n);
				assert_ptr_equal(map_remove(m, pool[k].name, pool[k].len),
						 &pool[k]);
				present[k] = false;
			}
		}
		assert_int_equal(map_count(m), 0);
		map_destroy(m);
	}
}

/* 10k random operations over 2k keys against a reference set. */
static void test_random_ops(void **state)
{
	(void)state;
	fill_pool();
	enum { KEYS = 2000, OPS = 10000 };
	static bool present[KEYS];
	memset(present, 0, sizeof(present));
	unsigned long long rng = 12345;
	struct map *m = map_create(item_key, true);
	for (int op = 0; op < OPS; op++) {
		int k = (int)(test_rand(&rng) % KEYS);
		/* Bias towards inserting for the first half, removing after. */
		bool insert = (test_rand(&rng) % 100) < (op < OPS / 2 ? 70u : 30u);
		if (insert && !present[k]) {
			map_put(m, &pool[k]);
			present[k] = true;
		} else if (!insert) {
			void *v = map_remove(m, pool[k].name, pool[k].len);
			assert_ptr_equal(v, present[k] ? &pool[k] : NULL);
			present[k] = false;
		}
		if (op % 500 == 0)
			check_against(m, present, KEYS);
	}
	check_against(m, present, KEYS);
	for (int k = 0; k < KEYS; k++)
		if (present[k])
			assert_ptr_equal(map_remove(m, pool[k].name, pool[k].len), &pool[k]);
	assert_int_equal(map_count(m), 0);
	map_destroy(m);
}

/* Two maps with the same keys hash with different random keys; both work
 * independently (a per-map seed must not be shared state). */
static void test_independent_maps(void **state)
{
	(void)state;
	fill_pool();
	struct map *a = map_create(item_key, false);
	struct map *b = map_create(item_key, false);
	for (int i = 0; i < 100; i++) {
		map_put(a, &pool[i]);
		if (i % 2)
			map_put(b, &pool[i]);
	}
	for (int i = 0; i < 100; i++) {
		assert_ptr_equal(map_get(a, pool[i].name, pool[i].len), &pool[i]);
		assert_ptr_equal(map_get(b, pool[i].name, pool[i].len), i % 2 ? &pool[i] : NULL);
	}
	map_destroy(a);
	map_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_key_length),
		cmocka_unit_test(test_case_folding),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_grow_and_shrink),
		cmocka_unit_test(test_remove_in_crowded_tables),
		cmocka_unit_test(test_random_ops),
		cmocka_unit_test(test_independent_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
