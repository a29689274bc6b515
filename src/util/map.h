/* map: a hash map from string keys to values, optionally ignoring ASCII case.
 * The key lives inside the value (a user's or room's name), so a slot costs
 * 16 bytes. Open addressing with linear probing and backward-shift deletion;
 * hashing is SipHash-1-3 with a per-map random key so that clients choosing
 * names cannot force collisions. */
#ifndef PARLEY_UTIL_MAP_H
#define PARLEY_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>

struct map;

/* Returns the key stored inside `value` and its length. */
typedef const char *map_key_fn(const void *value, size_t *len);

/* Creates an empty map; with `fold_case` keys compare ignoring ASCII case. */
struct map *map_create(map_key_fn *key_of, bool fold_case);

/* Frees the map (not the values). */
void map_destroy(struct map *m);

/* Returns the value whose key equals `key`, or NULL. */
void *map_get(const struct map *m, const char *key, size_t len);

/* Inserts `value`; its key must not already be present. */
void map_put(struct map *m, void *value);

/* Removes and returns the value with `key`, or NULL if absent. */
void *map_remove(struct map *m, const char *key, size_t len);

/* Number of values stored. */
size_t map_count(const struct map *m);

#endif
