/* map: open-addressing hash map keyed by strings stored in the values. */
#include "util/map.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "util/alloc.h"
#include "util/str.h"

struct slot {
	uint64_t hash; /* 0 marks an empty slot */
	void *value;
};

struct map {
	struct slot *slots;
	size_t cap; /* power of two */
	size_t count;
	map_key_fn *key_of;
	bool fold_case;
	uint64_t k0, k1;
};

enum { MAP_MIN_CAP = 8 };

/* ---- SipHash-1-3 over (optionally case-folded) bytes ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t load_word(const char *p, size_t n, bool fold)
{
	uint64_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		w |= (uint64_t)(fold ? ascii_lower(c) : c) << (8 * i);
	}
	return w;
}

static uint64_t map_hash(const struct map *m, const char *key, size_t len)
{
	uint64_t v[4] = {
		m->k0 ^ 0x736f6d6570736575ULL, m->k1 ^ 0x646f72616e646f6dULL,
		m->k0 ^ 0x6c7967656e657261ULL, m->k1 ^ 0x7465646279746573ULL,
	};
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = load_word(key + i, 8, m->fold_case);
		v[3] ^= w;
		sip_round(v);
		v[0] ^= w;
	}
	uint64_t last = load_word(key + i, len - i, m->fold_case) | ((uint64_t)len << 56);
	v[3] ^= last;
	sip_round(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	uint64_t h = v[0] ^ v[1] ^ v[2] ^ v[3];
	return h ? h : 1;
}

/* ---- table ---- */

static bool key_equal(const struct map *m, const void *value, const char *key, size_t len)
{
	size_t vlen;
	const char *vkey = m->key_of(value, &vlen);
	if (vlen != len)
		return false;
	return m->fold_case ? ascii_casecmp_n(vkey, key, len) == 0 : memcmp(vkey, key, len) == 0;
}

struct map *map_create(map_key_fn *key_of, bool fold_case)
{
	struct map *m = xcalloc(1, sizeof(*m));
	m->key_of = key_of;
	m->fold_case = fold_case;
	uint64_t seed[2];
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		seed[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)m;
		seed[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ULL;
	}
	m->k0 = seed[0];
	m->k1 = seed[1];
	return m;
}

void map_destroy(struct map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m);
}

static size_t find_slot(const struct map *m, uint64_t hash, const char *key, size_t len)
{
	size_t mask = m->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		const struct slot *s = &m->slots[i];
		if (s->hash == 0)
			return i;
		if (s->hash == hash && key_equal(m, s->value, key, len))
			return i;
	}
}

void *map_get(const struct map *m, const char *key, size_t len)
{
	if (m->count == 0)
		return NULL;
	size_t i = find_slot(m, map_hash(m, key, len), key, len);
	return m->slots[i].value;
}

static void insert_slot(struct map *m, uint64_t hash, void *value)
{
	size_t mask = m->cap - 1;
	size_t i = hash & mask;
	while (m->slots[i].hash != 0)
		i = (i + 1) & mask;
	m->slots[i].hash = hash;
	m->slots[i].value = value;
}

static void resize(struct map *m, size_t cap)
{
	struct slot *old = m->slots;
	size_t old_cap = m->cap;
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].hash)
			insert_slot(m, old[i].hash, old[i].value);
	free(old);
}

void map_put(struct map *m, void *value)
{
	if ((m->count + 1) * 4 > m->cap * 3)
		resize(m, m->cap ? m->cap * 2 : MAP_MIN_CAP);
	size_t len;
	const char *key = m->key_of(value, &len);
	assert(map_get(m, key, len) == NULL);
	insert_slot(m, map_hash(m, key, len), value);
	m->count++;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void delete_slot(struct map *m, size_t hole)
{
	size_t mask = m->cap - 1;
	for (size_t i = (hole + 1) & mask; m->slots[i].hash; i = (i + 1) & mask) {
		size_t home = m->slots[i].hash & mask;
		/* Move the entry back if the hole lies on its probe path. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	m->slots[hole].hash = 0;
	m->slots[hole].value = NULL;
}

void *map_remove(struct map *m, const char *key, size_t len)
{
	if (m->count == 0)
		return NULL;
	size_t i = find_slot(m, map_hash(m, key, len), key, len);
	void *value = m->slots[i].value;
	if (!value)
		return NULL;
	delete_slot(m, i);
	m->count--;
	if (m->count == 0) {
		free(m->slots);
		m->slots = NULL;
		m->cap = 0;
	} else if (m->cap > MAP_MIN_CAP && m->count * 8 < m->cap) {
		resize(m, m->cap / 2);
	}
	return value;
}

size_t map_count(const struct map *m)
{
	return m->count;
}
