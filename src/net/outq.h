/* outq: a connection's output queue — a ring of references to shared,
 * immutable messages plus the offset already written of the first one.
 * Nothing is copied per recipient; flushing gathers the queue into one
 * iovec batch handed to the connection's transport. The ring is allocated on first use and freed when
 * the queue empties, so an idle connection's queue is 32 bytes.
 * `bytes` is the number --sendq bounds: queued bytes not yet written. */
#ifndef PARLEY_NET_OUTQ_H
#define PARLEY_NET_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct loop_hist;
struct msg;
struct transport;

struct outq {
	struct msg **ring; /* NULL when empty */
	uint32_t head;     /* index of the oldest message */
	uint32_t count;    /* messages queued */
	uint32_t cap;      /* ring slots, a power of two; while ring is NULL,
			      the size to allocate next (a bounded hint) */
	uint32_t offset;   /* bytes of ring[head] already written */
	size_t bytes;      /* unwritten bytes in the queue */
};

#define OUTQ_INIT {0}

/* Appends a reference to `m` (the caller keeps its own reference). */
void outq_push(struct outq *q, struct msg *m);

/* Writes as much as the transport `t` takes on `fd`. Small messages are copied into
 * `scratch` (shared, `scratch_len` bytes) so the kernel sees a few large
 * segments instead of many tiny ones; large ones go out from their own
 * storage. Returns 0 when the queue is empty, -EAGAIN when the socket is
 * full with data left, or another negative errno on a write error. Adds the
 * bytes written to *written. */
int outq_flush(struct outq *q, struct transport *t, int fd, char *scratch, size_t scratch_len,
	       uint64_t *written);

/* outq_flush(), also recording into `latency` (if not NULL) the time from
 * each fully written message's born_ns (if set) until now, in ns. */
int outq_flush_timed(struct outq *q, struct transport *t, int fd, char *scratch,
		     size_t scratch_len, uint64_t *written, struct loop_hist *latency);

/* Drops every queued reference and frees the ring. */
void outq_clear(struct outq *q);

static inline size_t outq_bytes(const struct outq *q)
{
	return q->bytes;
}

#endif
