/* msg: reference-counted immutable byte blocks. */
#include "util/msg.h"

#include <assert.h>
#include <string.h>

#include "util/alloc.h"

struct msg *msg_new(size_t len)
{
	assert(len <= UINT32_MAX);
	struct msg *m = xmalloc(sizeof(*m) + len);
	m->refs = 1;
	m->len = (uint32_t)len;
	return m;
}

struct msg *msg_copy(const void *p, size_t len)
{
	struct msg *m = msg_new(len);
	if (len)
		memcpy(m->data, p, len);
	return m;
}
