/* heap: array-backed binary min-heap. */
#include "util/heap.h"

#include <assert.h>
#include <stdlib.h>

#include "util/alloc.h"

enum { HEAP_MIN_CAP = 16 };

static void place(struct heap *h, uint32_t i, struct heap_node *n)
{
	h->items[i] = n;
	n->index = i;
}

static void sift_up(struct heap *h, uint32_t i)
{
	struct heap_node *n = h->items[i];
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h->items[parent]->key <= n->key)
			break;
		place(h, i, h->items[parent]);
		i = parent;
	}
	place(h, i, n);
}

static void sift_down(struct heap *h, uint32_t i)
{
	struct heap_node *n = h->items[i];
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= h->len)
			break;
		if (child + 1 < h->len && h->items[child + 1]->key < h->items[child]->key)
			child++;
		if (n->key <= h->items[child]->key)
			break;
		place(h, i, h->items[child]);
		i = child;
	}
	place(h, i, n);
}

void heap_push(struct heap *h, struct heap_node *n)
{
	assert(!heap_contains(n));
	if (h->len == h->cap) {
		h->cap = h->cap ? h->cap * 2 : HEAP_MIN_CAP;
		h->items = xrealloc(h->items, h->cap * sizeof(*h->items));
	}
	place(h, h->len++, n);
	sift_up(h, n->index);
}

/* Gives memory back after a peak (ten thousand registration timers that
 * have all been cancelled should not keep their slots for good). */
static void maybe_shrink(struct heap *h)
{
	if (h->cap <= HEAP_MIN_CAP || h->len > h->cap / 4)
		return;
	h->cap /= 2;
	h->items = xrealloc(h->items, h->cap * sizeof(*h->items));
}

void heap_remove(struct heap *h, struct heap_node *n)
{
	uint32_t i = n->index;
	assert(i < h->len && h->items[i] == n);
	n->index = HEAP_NONE;
	struct heap_node *last = h->items[--h->len];
	if (i != h->len) {
		place(h, i, last);
		sift_up(h, i);
		sift_down(h, last->index);
	}
	maybe_shrink(h);
}

void heap_release(struct heap *h)
{
	free(h->items);
	h->items = NULL;
	h->len = h->cap = 0;
}
