/* buf: a growable byte buffer with a read position and a write position.
 * Storage is allocated on first use and can be released when the buffer is
 * empty, so an idle owner costs only this small struct.
 * Invariant: start <= end <= cap; bytes [start, end) are the content. */
#ifndef PARLEY_UTIL_BUF_H
#define PARLEY_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;     /* NULL until the first reserve */
	uint32_t start; /* first unread byte */
	uint32_t end;   /* one past the last written byte */
	uint32_t cap;   /* bytes allocated */
};

#define BUF_INIT {0}

/* Number of unread bytes. */
static inline size_t buf_len(const struct buf *b) { return b->end - b->start; }

/* Pointer to the first unread byte (valid only while buf_len() > 0). */
static inline char *buf_head(const struct buf *b) { return b->data + b->start; }

/* Ensures at least `want` writable bytes after the content and returns a
 * pointer to them; moves content to the front before growing. */
char *buf_reserve(struct buf *b, size_t want);

/* Marks `n` bytes written after buf_reserve(). */
void buf_commit(struct buf *b, size_t n);

/* Copies `n` bytes to the end. */
void buf_append(struct buf *b, const void *p, size_t n);

/* Drops `n` unread bytes from the front; an emptied buffer rewinds. */
void buf_consume(struct buf *b, size_t n);

/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);

/* Bytes that can be written after the content without reallocating. */
static inline size_t buf_space(const struct buf *b) { return b->cap - b->end; }

#endif
