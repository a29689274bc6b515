/* outq: ring of message references flushed with gathered writes. */
#include "net/outq.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "loop/loop_hist.h"
#include "net/transport.h"
#include "util/clock.h"
#include "util/alloc.h"
#include "util/msg.h"

enum { OUTQ_MIN_CAP = 8, OUTQ_MAX_HINT = 1024, OUTQ_BATCH = 256, COALESCE_MAX = 1024 };

/* While the ring is freed, `cap` remembers how big it last grew, so a
 * connection that receives a burst every iteration allocates the right size
 * at once instead of regrowing 8, 16, 32, 64... each time. */
static void grow(struct outq *q)
{
	uint32_t cap;
	if (!q->ring)
		cap = q->cap ? q->cap : OUTQ_MIN_CAP;
	else
		cap = q->cap * 2;
	struct msg **ring = xmalloc(cap * sizeof(*ring));
	for (uint32_t i = 0; i < q->count; i++)
		ring[i] = q->ring[(q->head + i) & (q->cap - 1)];
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
}

void outq_push(struct outq *q, struct msg *m)
{
	if (!q->ring || q->count == q->cap)
		grow(q);
	q->ring[(q->head + q->count) & (q->cap - 1)] = msg_ref(m);
	q->count++;
	q->bytes += m->len;
}

static void release_ring(struct outq *q)
{
	free(q->ring);
	q->ring = NULL;
	q->head = q->count = q->offset = 0;
	if (q->cap > OUTQ_MAX_HINT)
		q->cap = OUTQ_MAX_HINT;
}

/* Where fully written messages' delivery latency goes: the clock is read
 * at most once per flush, when the first stamped message completes. All
 * messages queued in one loop wake-up carry the same stamp, so within a
 * flush their latencies are equal: a run of equal stamps is recorded once
 * with its count (exact, and far cheaper than one record per message). */
struct latency_sink {
	struct loop_hist *hist; /* NULL: not measured */
	uint64_t now_ns;        /* 0 until read */
	uint64_t run_born_ns;   /* the stamp of the run not yet recorded */
	uint64_t run_count;     /* messages in that run; 0: none */
};

static void record_run(struct latency_sink *s)
{
	if (s->run_count == 0)
		return;
	uint64_t ns = s->now_ns > s->run_born_ns ? s->now_ns - s->run_born_ns : 0;
	loop_hist_record_n(s->hist, ns, s->run_count);
	s->run_count = 0;
}

static void start_run(struct latency_sink *s, uint64_t born_ns)
{
	if (!s->hist || born_ns == 0)
		return;
	if (s->now_ns == 0)
		s->now_ns = clock_mono_ns();
	record_run(s);
	s->run_born_ns = born_ns;
	s->run_count = 1;
}

/* The common case, a message of the current run, stays small enough to be
 * inlined into advance(). */
static inline void delivered(struct latency_sink *s, const struct msg *m)
{
	if (s->run_count && m->born_ns == s->run_born_ns)
		s->run_count++;
	else
		start_run(s, m->born_ns);
}

/* Drops fully written messages from the front after `n` bytes went out. */
static void advance(struct outq *q, size_t n, struct latency_sink *sink)
{
	q->bytes -= n;
	while (n > 0) {
		struct msg *m = q->ring[q->head];
		size_t left = m->len - q->offset;
		if (n < left) {
			q->offset += (uint32_t)n;
			return;
		}
		n -= left;
		delivered(sink, m);
		msg_unref(m);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
		q->offset = 0;
	}
	/* Zero-length messages at the front carry no bytes; drop them too. */
	while (q->count && q->ring[q->head]->len == 0) {
		delivered(sink, q->ring[q->head]);
		msg_unref(q->ring[q->head]);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
	}
}

/* Builds the iovec batch for the next transport write. Runs of messages shorter
 * than COALESCE_MAX are copied into the scratch buffer and sent as one
 * segment: the kernel's per-segment copy setup costs far more than copying
 * a chat line, so this is cheaper even though the bytes are copied twice.
 * An encrypting transport gains too: one large segment becomes full-size
 * records instead of one record per line. The batch is a pure function of
 * the queue, so a retry after a short write starts with the same bytes in
 * a first segment at least as long, as a transport may require. */
static int gather(const struct outq *q, struct iovec *iov, char *scratch, size_t scratch_len)
{
	int n = 0;
	size_t used = 0;
	for (uint32_t i = 0; i < q->count && n < OUTQ_BATCH; i++) {
		struct msg *m = q->ring[(q->head + i) & (q->cap - 1)];
		size_t skip = i == 0 ? q->offset : 0;
		size_t len = m->len - skip;
		const char *p = m->data + skip;
		if (len == 0)
			continue;
		if (len <= COALESCE_MAX && used + len <= scratch_len) {
			char *dst = scratch + used;
			memcpy(dst, p, len);
			used += len;
			if (n > 0 && (char *)iov[n - 1].iov_base + iov[n - 1].iov_len == dst) {
				iov[n - 1].iov_len += len;
				continue;
			}
			p = dst;
		} else if (len <= COALESCE_MAX && n > 0) {
			break; /* scratch full: send what we have */
		}
		iov[n].iov_base = (void *)p;
		iov[n].iov_len = len;
		n++;
	}
	return n;
}

int outq_flush(struct outq *q, struct transport *t, int fd, char *scratch, size_t scratch_len,
	       uint64_t *written)
{
	return outq_flush_timed(q, t, fd, scratch, scratch_len, written, NULL);
}

int outq_flush_timed(struct outq *q, struct transport *t, int fd, char *scratch,
		     size_t scratch_len, uint64_t *written, struct loop_hist *latency)
{
	struct latency_sink sink = {latency, 0, 0, 0};
	struct iovec iov[OUTQ_BATCH];
	int rc = 0;
	while (q->bytes > 0) {
		int niov = gather(q, iov, scratch, scratch_len);
		ssize_t n = transport_write(t, fd, iov, niov);
		if (n <= 0) {
			rc = n < 0 ? (int)n : -EAGAIN;
			break;
		}
		*written += (uint64_t)n;
		advance(q, (size_t)n, &sink);
	}
	record_run(&sink);
	if (rc == 0)
		outq_clear(q);
	return rc;
}

void outq_clear(struct outq *q)
{
	for (uint32_t i = 0; i < q->count; i++)
		msg_unref(q->ring[(q->head + i) & (q->cap - 1)]);
	release_ring(q);
	q->bytes = 0;
}
