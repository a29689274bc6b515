/* test_outq: net/outq over a real AF_UNIX socketpair — lazy ring, byte
 * count, FIFO order, one msg queued several times, zero-length messages,
 * more messages than one sendmsg batch holds, partial writes against a tiny
 * SO_SNDBUF and a peer that does not read (-EAGAIN, the byte count and the
 * offset into the head message), completion once the peer reads, a long
 * pseudo-random push/flush/read run that wraps and grows the ring, write
 * errors, and clear; delivery latency samples (one per fully written
 * stamped message, none for a partly written one). Reference counts are checked exactly: each queued
 * reference is dropped once when its last byte is written, or on clear. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop/loop_hist.h"
#include "net/outq.h"
#include "net/transport.h"
#include "testutil.h"
#include "util/clock.h"
#include "util/msg.h"

/* The shared buffer outq_flush coalesces small messages into. */
static char flush_scratch[64 * 1024];

struct pair {
	int w, r; /* writer (queue side) and reader (peer) */
};

static void make_pair(struct pair *p, int sndbuf)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	p->w = sv[0];
	p->r = sv[1];
	if (sndbuf > 0) {
		assert_int_equal(setsockopt(p->w, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
		assert_int_equal(setsockopt(p->r, SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf)), 0);
	}
}

static void close_pair(struct pair *p)
{
	if (p->w >= 0)
		close(p->w);
	if (p->r >= 0)
		close(p->r);
}

/* Reads whatever is available (non-blocking) and appends it to `out`. */
static size_t drain(int fd, char *out, size_t *have, size_t cap)
{
	size_t got = 0;
	for (;;) {
		assert_true(*have < cap);
		ssize_t n = read(fd, out + *have, cap - *have);
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			return got;
		}
		if (n == 0)
			return got;
		*have += (size_t)n;
		got += (size_t)n;
	}
}

/* Message `i` of `len` bytes with content that identifies both. */
static struct msg *pattern_msg(uint32_t i, size_t len)
{
	struct msg *m = msg_new(len);
	for (size_t k = 0; k < len; k++)
		m->data[k] = (char)(i * 7 + k * 13 + (k >> 8));
	return m;
}

static void test_empty(void **state)
{
	(void)state;
	struct pair p;
	make_pair(&p, 0);
	struct outq q = OUTQ_INIT;
	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
	assert_int_equal(written, 0);
	assert_null(q.ring);
	assert_int_equal(outq_bytes(&q), 0);
	outq_clear(&q); /* harmless on an empty queue */
	assert_null(q.ring);
	close_pair(&p);
}

static void test_order_and_refs(void **state)
{
	(void)state;
	struct pair p;
	make_pair(&p, 0);
	struct outq q = OUTQ_INIT;
	struct msg *a = msg_copy("alpha ", 6), *b = msg_copy("beta ", 5), *c = msg_copy("gamma", 5);
	outq_push(&q, a);
	outq_push(&q, b);
	outq_push(&q, c);
	outq_push(&q, a); /* the same block twice: two references */
	assert_non_null(q.ring);
	assert_int_equal(q.count, 4);
	assert_int_equal(outq_bytes(&q), 22);
	assert_int_equal(a->refs, 3);
	assert_int_equal(b->refs, 2);
	assert_int_equal(c->refs, 2);

	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
	assert_int_equal(written, 22);
	assert_int_equal(outq_bytes(&q), 0);
	assert_null(q.ring); /* released when empty */
	assert_int_equal(q.count, 0);
	assert_int_equal(q.offset, 0);
	assert_int_equal(a->refs, 1); /* exactly the queue's references went */
	assert_int_equal(b->refs, 1);
	assert_int_equal(c->refs, 1);

	char got[64];
	size_t have = 0;
	drain(p.r, got, &have, sizeof(got));
	assert_int_equal(have, 22);
	assert_memory_equal(got, "alpha beta gammaalpha ", 22);
	msg_unref(a);
	msg_unref(b);
	msg_unref(c);
	close_pair(&p);
}

static void test_zero_length_messages(void **state)
{
	(void)state;
	struct pair p;
	make_pair(&p, 0);
	struct outq q = OUTQ_INIT;
	struct msg *e = msg_new(0), *x = msg_copy("x", 1);
	outq_push(&q, e);
	outq_push(&q, x);
	outq_push(&q, e);
	outq_push(&q, e);
	assert_int_equal(outq_bytes(&q), 1);
	assert_int_equal(e->refs, 4);
	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
	assert_int_equal(written, 1);
	assert_int_equal(e->refs, 1);
	assert_int_equal(x->refs, 1);
	assert_null(q.ring);

	/* A queue holding only empty messages flushes to nothing. */
	outq_push(&q, e);
	outq_push(&q, e);
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
	assert_int_equal(written, 1);
	assert_int_equal(e->refs, 1);
	assert_null(q.ring);
	msg_unref(e);
	msg_unref(x);
	close_pair(&p);
}

/* More messages than one gathered write takes (the batch is 256 iovecs). */
static void test_more_than_one_batch(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct pair p;
	make_pair(&p, 0);
	struct outq q = OUTQ_INIT;
	static struct msg *ms[N];
	for (uint32_t i = 0; i < N; i++) {
		char text[8];
		text[0] = (char)('0' + i % 10);
		ms[i] = msg_copy(text, 1);
		outq_push(&q, ms[i]);
	}
	assert_true(q.cap >= N);
	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
	assert_int_equal(written, N);
	static char got[N + 16];
	size_t have = 0;
	drain(p.r, got, &have, sizeof(got));
	assert_int_equal(have, N);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(got[i], '0' + i % 10);
		assert_int_equal(ms[i]->refs, 1);
		msg_unref(ms[i]);
	}
	close_pair(&p);
}

/* Sum of the lengths of the queue's messages, minus the written offset:
 * must always equal outq_bytes(). */
static size_t queued_bytes(const struct outq *q)
{
	size_t sum = 0;
	for (uint32_t i = 0; i < q->count; i++)
		sum += q->ring[(q->head + i) & (q->cap - 1)]->len;
	return sum - q->offset;
}

/* The peer does not read and the socket buffer is tiny: the flush stops
 * with -EAGAIN part-way, the queue keeps exactly the unwritten bytes, and
 * exactly the fully written messages have been released. */
static void test_partial_write(void **state)
{
	(void)state;
	enum { N = 20, LEN = 10007 };
	struct pair p;
	make_pair(&p, 4096);
	struct outq q = OUTQ_INIT;
	struct msg *ms[N];
	for (uint32_t i = 0; i < N; i++) {
		ms[i] = pattern_msg(i, LEN);
		outq_push(&q, ms[i]);
	}
	const size_t total = (size_t)N * LEN;
	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), -EAGAIN);
	assert_true(written > 0);
	assert_true(written < total);
	assert_int_equal(outq_bytes(&q), total - written);
	assert_int_equal(queued_bytes(&q), outq_bytes(&q));
	size_t done = (size_t)written / LEN; /* messages fully written */
	assert_int_equal(q.count, N - done);
	assert_int_equal(q.offset, written % LEN);
	assert_ptr_equal(q.ring[q.head], ms[done]);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(ms[i]->refs, i < done ? 1 : 2);

	/* Still full: another flush writes nothing and changes nothing. */
	uint64_t again = written;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &again), -EAGAIN);
	assert_int_equal(again, written);

	/* The peer reads; flushing resumes mid-message until done. */
	char *got = malloc(total + 1);
	size_t have = 0;
	int rounds = 0;
	int rc;
	do {
		drain(p.r, got, &have, total + 1);
		rc = outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written);
		assert_true(rc == 0 || rc == -EAGAIN);
		assert_int_equal(outq_bytes(&q), total - written);
		assert_int_equal(queued_bytes(&q), outq_bytes(&q));
		assert_true(++rounds < 100000);
	} while (rc != 0);
	drain(p.r, got, &have, total + 1);
	assert_int_equal(have, total);
	assert_int_equal(written, total);
	for (uint32_t i = 0; i < N; i++) {
		struct msg *want = pattern_msg(i, LEN);
		assert_memory_equal(got + (size_t)i * LEN, want->data, LEN);
		msg_unref(want);
		assert_int_equal(ms[i]->refs, 1);
		msg_unref(ms[i]);
	}
	assert_null(q.ring);
	free(got);
	close_pair(&p);
}

/* Pushes, flushes and peer reads interleaved at random: the ring wraps and
 * grows while partially written, and the peer must see every message
 * exactly once, in order. */
static void test_random_pump(void **state)
{
	(void)state;
	enum { N = 3000 };
	struct pair p;
	make_pair(&p, 4096);
	struct outq q = OUTQ_INIT;
	static struct msg *ms[N];
	size_t total = 0;
	unsigned long long rng = 77;
	for (uint32_t i = 0; i < N; i++) {
		size_t len = (size_t)(test_rand(&rng) % 3000);
		if (i % 11 == 0)
			len = 0;
		ms[i] = pattern_msg(i, len);
		total += len;
	}
	char *got = malloc(total + 1);
	size_t have = 0;
	uint64_t written = 0;
	uint32_t pushed = 0;
	int mid_message_stops = 0;
	while (pushed < N || outq_bytes(&q) > 0 || q.count > 0) {
		unsigned action = (unsigned)(test_rand(&rng) % 10);
		if (action < 5 && pushed < N) {
			outq_push(&q, ms[pushed++]);
		} else if (action < 8) {
			int rc = outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written);
			assert_true(rc == 0 || rc == -EAGAIN);
			if (rc == -EAGAIN && q.offset != 0)
				mid_message_stops++;
			if (rc == 0)
				assert_null(q.ring);
		} else {
			drain(p.r, got, &have, total + 1);
		}
		assert_int_equal(queued_bytes(&q), outq_bytes(&q));
		if (pushed == N && outq_bytes(&q) == 0 && q.count > 0) {
			/* only empty messages left: a flush releases them */
			assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), 0);
		}
	}
	drain(p.r, got, &have, total + 1);
	assert_int_equal(have, total);
	assert_int_equal(written, total);
	assert_true(mid_message_stops > 0); /* the offset path really ran */
	size_t pos = 0;
	for (uint32_t i = 0; i < N; i++) {
		assert_memory_equal(got + pos, ms[i]->data, ms[i]->len);
		pos += ms[i]->len;
		assert_int_equal(ms[i]->refs, 1);
		msg_unref(ms[i]);
	}
	free(got);
	close_pair(&p);
}

static void test_clear(void **state)
{
	(void)state;
	enum { N = 8, LEN = 50000 };
	struct pair p;
	make_pair(&p, 4096);
	struct outq q = OUTQ_INIT;
	struct msg *ms[N];
	for (uint32_t i = 0; i < N; i++) {
		ms[i] = pattern_msg(i, LEN);
		outq_push(&q, ms[i]);
		outq_push(&q, ms[i]);
		assert_int_equal(ms[i]->refs, 3);
	}
	uint64_t written = 0;
	assert_int_equal(outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written), -EAGAIN);
	assert_true(q.offset > 0 || written % LEN == 0);
	outq_clear(&q);
	assert_null(q.ring);
	assert_int_equal(q.count, 0);
	assert_int_equal(q.offset, 0);
	assert_int_equal(outq_bytes(&q), 0);
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(ms[i]->refs, 1);

	/* The queue is reusable after a clear. */
	struct msg *z = msg_copy("zz", 2);
	outq_push(&q, z);
	assert_int_equal(outq_bytes(&q), 2);
	assert_int_equal(z->refs, 2);
	outq_clear(&q);
	assert_int_equal(z->refs, 1);
	msg_unref(z);
	for (uint32_t i = 0; i < N; i++)
		msg_unref(ms[i]);
	close_pair(&p);
}

/* A vanished peer is an error other than -EAGAIN (EPIPE, and no SIGPIPE);
 * nothing is released until the owner clears the queue. */
static void test_write_error(void **state)
{
	(void)state;
	struct pair p;
	make_pair(&p, 0);
	close(p.r);
	p.r = -1;
	struct outq q = OUTQ_INIT;
	struct msg *m = msg_copy("lost", 4);
	outq_push(&q, m);
	uint64_t written = 0;
	int rc = outq_flush(&q, transport_plain(), p.w, flush_scratch, sizeof(flush_scratch), &written);
	assert_int_equal(rc, -EPIPE);
	assert_int_equal(written, 0);
	assert_int_equal(outq_bytes(&q), 4);
	assert_int_equal(m->refs, 2);
	outq_clear(&q);
	assert_int_equal(m->refs, 1);
	msg_unref(m);

	/* A bad descriptor is reported too. */
	m = msg_copy("x", 1);
	outq_push(&q, m);
	assert_int_equal(outq_flush(&q, transport_plain(), -1, flush_scratch, sizeof(flush_scratch), &written), -EBADF);
	outq_clear(&q);
	msg_unref(m);
	close_pair(&p);
}

/* Small messages are coalesced through the scratch buffer and large ones
 * sent from their own storage; with a scratch far smaller than the queue,
 * every mix of the two must still arrive in order, byte for byte. */
static void test_coalescing_mixed_sizes(void **state)
{
	(void)state;
	enum { N = 300 };
	static const size_t sizes[] = {1, 7, 90, 1024, 1025, 3000, 64};
	struct pair p;
	make_pair(&p, 0);
	struct outq q = OUTQ_INIT;
	static struct msg *ms[N];
	size_t total = 0;
	for (uint32_t i = 0; i < N; i++) {
		ms[i] = pattern_msg(i, sizes[i % 7]);
		total += ms[i]->len;
		outq_push(&q, ms[i]);
	}
	static char expect[N * 3000];
	size_t at = 0;
	for (uint32_t i = 0; i < N; i++) {
		memcpy(expect + at, ms[i]->data, ms[i]->len);
		at += ms[i]->len;
	}
	char small_scratch[100];
	static char got[N * 3000];
	size_t have = 0;
	uint64_t written = 0;
	int rc;
	while ((rc = outq_flush(&q, transport_plain(), p.w, small_scratch, sizeof(small_scratch), &written)) == -EAGAIN)
		drain(p.r, got, &have, sizeof(got));
	assert_int_equal(rc, 0);
	drain(p.r, got, &have, sizeof(got));
	assert_int_equal(written, total);
	assert_int_equal(have, total);
	assert_memory_equal(got, expect, total);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(ms[i]->refs, 1);
		msg_unref(ms[i]);
	}
	close_pair(&p);
}

/* Stamped messages give one latency sample each once fully written; an
 * unstamped one (born_ns 0) and a partly written one give none. */
static void test_delivery_latency(void **state)
{
	(void)state;
	enum { LEN = 10007, N = 20 };
	struct pair p;
	make_pair(&p, 4096);
	struct outq q = OUTQ_INIT;
	struct loop_hist h = {0};
	uint64_t born = clock_mono_ns();
	struct msg *plain = pattern_msg(0, 100);
	struct msg *ms[N];
	outq_push(&q, plain); /* not stamped */
	msg_unref(plain);
	for (uint32_t i = 0; i < N; i++) {
		ms[i] = pattern_msg(i + 1, LEN);
		ms[i]->born_ns = born;
		outq_push(&q, ms[i]);
		msg_unref(ms[i]);
	}
	uint64_t written = 0;
	assert_int_equal(outq_flush_timed(&q, transport_plain(), p.w, flush_scratch,
					  sizeof(flush_scratch), &written, &h),
			 -EAGAIN);
	assert_true(written > 100);
	size_t done = (size_t)(written - 100) / LEN; /* stamped ones fully written */
	assert_int_equal(h.total, done);
	assert_true(h.max_ns <= clock_mono_ns() - born);

	char *got = malloc((size_t)N * LEN + 101);
	size_t have = 0;
	int rc;
	do {
		drain(p.r, got, &have, (size_t)N * LEN + 101);
		rc = outq_flush_timed(&q, transport_plain(), p.w, flush_scratch,
				      sizeof(flush_scratch), &written, &h);
	} while (rc == -EAGAIN);
	assert_int_equal(rc, 0);
	assert_int_equal(h.total, N);
	assert_true(h.max_ns <= clock_mono_ns() - born);
	free(got);
	close_pair(&p);
}

/* Messages queued in one wake-up share a stamp and are recorded as one
 * run; the figures stay exact per message: two runs of different stamps,
 * split by an unstamped message, give one sample per stamped message, each
 * in its own bucket, all measured against the same clock reading. */
static void test_delivery_latency_runs(void **state)
{
	(void)state;
	struct pair p;
	make_pair(&p, 1 << 16);
	struct outq q = OUTQ_INIT;
	struct loop_hist h = {0};
	uint64_t before = clock_mono_ns();
	uint64_t young = before - 1000, old = before - 1000000000ull;
	const uint64_t stamps[] = {old, old, old, 0, young, young, old};
	enum { N = sizeof(stamps) / sizeof(stamps[0]) };
	for (uint32_t i = 0; i < N; i++) {
		struct msg *m = pattern_msg(i, 50);
		m->born_ns = stamps[i];
		outq_push(&q, m);
		msg_unref(m);
	}
	uint64_t written = 0;
	assert_int_equal(outq_flush_timed(&q, transport_plain(), p.w, flush_scratch,
					  sizeof(flush_scratch), &written, &h),
			 0);
	assert_int_equal(written, N * 50);
	assert_int_equal(h.total, N - 1);
	uint64_t now = h.max_ns + old; /* the one clock reading of the flush */
	assert_true(now >= before && now <= clock_mono_ns());
	assert_int_equal(h.counts[loop_hist_bucket(now - old)], 4);
	assert_int_equal(h.counts[loop_hist_bucket(now - young)], 2);
	assert_int_equal(h.sum_ns, 4 * (now - old) + 2 * (now - young));
	char got[N * 50 + 1];
	size_t have = 0;
	drain(p.r, got, &have, sizeof(got));
	assert_int_equal(have, N * 50);
	close_pair(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_order_and_refs),
		cmocka_unit_test(test_zero_length_messages),
		cmocka_unit_test(test_more_than_one_batch),
		cmocka_unit_test(test_coalescing_mixed_sizes),
		cmocka_unit_test(test_partial_write),
		cmocka_unit_test(test_random_pump),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_delivery_latency),
		cmocka_unit_test(test_delivery_latency_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
