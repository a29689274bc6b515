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
	m->variant = NULL;
	m->variant_tag = 0;
	m->born_ns = 0;
	return m;
}

struct msg *msg_copy(const void *p, size_t len)
{
	struct msg *m = msg_new(len);
	if (len)
		memcpy(m->data, p, len);
	return m;
}

/* A variant can outlive its original in some queue: the original only
 * drops the reference it held on each. */
void msg_free(struct msg *m)
{
	struct msg *v = m->variant;
	free(m);
	while (v) {
		struct msg *next = v->variant;
		v->variant = NULL;
		msg_unref(v);
		v = next;
	}
}

struct msg *msg_variant(const struct msg *m, uint32_t tag)
{
	for (struct msg *v = m->variant; v; v = v->variant)
		if (v->variant_tag == tag)
			return v;
	return NULL;
}

void msg_add_variant(struct msg *m, uint32_t tag, struct msg *v)
{
	assert(tag != 0 && v->variant == NULL && v->refs == 1);
	v->variant_tag = tag;
	v->variant = m->variant;
	m->variant = v;
}
