/* msg: an immutable, reference-counted byte block — the unit of fan-out.
 * A message rendered once is shared by every recipient's output queue; the
 * last reference frees it. Single-threaded by design: counts are not atomic. */
#ifndef PARLEY_UTIL_MSG_H
#define PARLEY_UTIL_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct msg {
	uint32_t refs;
	uint32_t len;
	/* The same content framed for another codec (e.g. as WebSocket frames),
	 * made on first need and shared by every recipient of that codec; a
	 * chain, each link tagged with its codec, owned by this message. */
	struct msg *variant;
	uint32_t variant_tag;
	/* Monotonic ns when first queued for a recipient (0 until then), for
	 * the delivery latency figure; bookkeeping, not content. */
	uint64_t born_ns;
	char data[];
};

/* Returns a message of `len` uninitialised bytes with one reference; the
 * creator fills `data` before sharing it and never changes it afterwards. */
struct msg *msg_new(size_t len);

/* Returns a message holding a copy of `len` bytes at `p`, one reference. */
struct msg *msg_copy(const void *p, size_t len);

/* Adds a reference and returns `m`. */
static inline struct msg *msg_ref(struct msg *m)
{
	m->refs++;
	return m;
}

/* Frees `m` and its variants; use msg_unref(). */
void msg_free(struct msg *m);

/* Drops a reference; frees the block when it was the last one. */
static inline void msg_unref(struct msg *m)
{
	if (--m->refs == 0)
		msg_free(m);
}

/* The variant of `m` tagged `tag` (not 0), or NULL if none was made. */
struct msg *msg_variant(const struct msg *m, uint32_t tag);

/* Attaches `v` (taking over its reference) as the variant `tag` of `m`. */
void msg_add_variant(struct msg *m, uint32_t tag, struct msg *v);

#endif
