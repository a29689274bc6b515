/* buf: growable byte buffer with lazy allocation. */
#include "util/buf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

enum { BUF_MIN_CAP = 256 };

char *buf_reserve(struct buf *b, size_t want)
{
	size_t len = buf_len(b);

	if (b->cap - b->end >= want)
		return b->data + b->end;
	if (b->start > 0 && b->cap - len >= want) {
		memmove(b->data, b->data + b->start, len);
		b->start = 0;
		b->end = (uint32_t)len;
		return b->data + b->end;
	}
	size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap - len < want)
		cap *= 2;
	assert(cap <= UINT32_MAX);
	char *data = xmalloc(cap);
	if (len)
		memcpy(data, b->data + b->start, len);
	free(b->data);
	b->data = data;
	b->start = 0;
	b->end = (uint32_t)len;
	b->cap = (uint32_t)cap;
	return b->data + b->end;
}

void buf_commit(struct buf *b, size_t n)
{
	assert(n <= buf_space(b));
	b->end += (uint32_t)n;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_reserve(b, n), p, n);
	b->end += (uint32_t)n;
}

void buf_consume(struct buf *b, size_t n)
{
	assert(n <= buf_len(b));
	b->start += (uint32_t)n;
	if (b->start == b->end)
		b->start = b->end = 0;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->start = b->end = b->cap = 0;
}
