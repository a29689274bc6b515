/* list: intrusive circular doubly-linked list (header only).
 * Embed a `struct list` in the element; the head is a `struct list` whose
 * prev/next point to itself when empty. Removal is O(1) and needs no head. */
#ifndef PARLEY_UTIL_LIST_H
#define PARLEY_UTIL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list {
	struct list *prev, *next;
};

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define list_entry(node, type, member) container_of(node, type, member)

static inline void list_init(struct list *head)
{
	head->prev = head->next = head;
}

static inline bool list_empty(const struct list *head)
{
	return head->next == head;
}

/* True if `node` is linked into some list (nodes are reset on removal). */
static inline bool list_linked(const struct list *node)
{
	return node->next != NULL && node->next != node;
}

static inline void list_insert_tail(struct list *head, struct list *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

/* Unlinks `node` and leaves it self-linked so list_linked() is false. */
static inline void list_remove(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = node;
}

#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Safe against removal of `pos` inside the body. */
#define list_for_each_safe(pos, tmp, head) \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

#endif
