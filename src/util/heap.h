/* heap: binary min-heap of intrusive nodes ordered by a 64-bit key.
 * Each node records its index so that removal from the middle is O(log n). */
#ifndef PARLEY_UTIL_HEAP_H
#define PARLEY_UTIL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct heap_node {
	uint64_t key;
	uint32_t index; /* HEAP_NONE when not in a heap */
};

#define HEAP_NONE UINT32_MAX

struct heap {
	struct heap_node **items;
	uint32_t len, cap;
};

#define HEAP_INIT {0}

static inline bool heap_contains(const struct heap_node *n)
{
	return n->index != HEAP_NONE;
}

/* Adds `n` (not already in a heap). */
void heap_push(struct heap *h, struct heap_node *n);

/* Returns the node with the smallest key, or NULL if empty. */
static inline struct heap_node *heap_peek(const struct heap *h)
{
	return h->len ? h->items[0] : NULL;
}

/* Removes `n`, which must be in `h`. */
void heap_remove(struct heap *h, struct heap_node *n);

/* Frees the storage; nodes are owned by the caller. */
void heap_release(struct heap *h);

#endif
