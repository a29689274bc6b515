/* fuzz_framed: the shared decode loop (codec/framed.c) over every codec.
 * Byte 0 picks the codec (lines stripped, lines kept, frames) and the limit
 * (1..64), byte 1 seeds the chunking and when `proceed` pauses, the rest is
 * the stream. The loop is driven the way a connection drives it — unread
 * bytes kept and offered again with the next chunk — once in one piece and
 * once in pseudo-random chunks with random pauses; both must report the
 * same units and oversize reports in the same order. Every unit lies
 * inside its offer, a frame's raw span is its header and payload, nothing
 * is consumed while paused, and after a frame oversize every byte is
 * consumed with no further report. */
#include <string.h>

#include "codec/framed.h"
#include "fuzz.h"
#include "util/alloc.h"
#include "util/buf.h"

struct drive {
	struct framed in;
	const char *offer; /* the current offer, for the bounds checks */
	size_t offer_len;
	struct buf log;
	uint64_t seed;
	bool pausing;      /* pauses at random (the chunked run) */
	bool paused;       /* proceed said no during this offer */
	size_t events;     /* units and oversize reports so far */
};

static bool proceed(void *ctx)
{
	struct drive *d = ctx;
	if (d->pausing && fuzz_rand(&d->seed) % 5 == 0)
		d->paused = true;
	return !d->paused;
}

static void on_unit(void *ctx, const struct codec_unit *u, const char *raw)
{
	struct drive *d = ctx;
	FUZZ_CHECK(raw >= d->offer && raw + u->used <= d->offer + d->offer_len);
	FUZZ_CHECK(u->data >= raw && u->data + u->len <= raw + u->used);
	if (d->in.codec.kind == CODEC_FRAME)
		FUZZ_CHECK(u->used == FRAME_HEADER + u->len && u->data == raw + FRAME_HEADER);
	d->events++;
	buf_append(&d->log, "U", 1);
	buf_append(&d->log, &u->len, sizeof(u->len));
	buf_append(&d->log, u->data, u->len);
}

static void on_oversize(void *ctx, size_t announced)
{
	struct drive *d = ctx;
	FUZZ_CHECK(!d->in.broken);
	d->events++;
	buf_append(&d->log, "O", 1);
	buf_append(&d->log, &announced, sizeof(announced));
}

static const struct framed_ops ops = {
	.proceed = proceed, .on_unit = on_unit, .on_oversize = on_oversize};

/* Offers p[0..n) in chunks, keeping what is unread as a connection does. */
static void run(struct drive *d, const char *p, size_t n, bool chunked)
{
	char *held = xmalloc(n + 1);
	size_t have = 0, at = 0;
	while (at < n || (have && d->paused)) {
		size_t take = n - at;
		if (chunked && take > 1)
			take = 1 + fuzz_rand(&d->seed) % take;
		memcpy(held + have, p + at, take);
		at += take;
		have += take;
		d->paused = false;
		d->offer = held;
		d->offer_len = have;
		size_t before = d->events;
		bool broken = d->in.broken;
		size_t used = framed_decode(&d->in, held, have, &ops, d);
		FUZZ_CHECK(used <= have);
		if (d->paused && d->events == before && !broken)
			FUZZ_CHECK(used == 0); /* stopped before the first unit */
		if (d->in.broken)
			FUZZ_CHECK(used == have);
		memmove(held, held + used, have - used);
		have -= used;
	}
	free(held);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = 1 + data[0] % 64;
	int kind = (data[0] >> 6) % 3;
	const char *p = (const char *)data + 2;
	size_t n = size - 2;
	struct drive whole = {.log = BUF_INIT}, chunked = {.log = BUF_INIT};
	chunked.seed = data[1] + 1;
	chunked.pausing = true;
	struct drive *both[2] = {&whole, &chunked};
	for (int i = 0; i < 2; i++) {
		if (kind == 2)
			framed_init_frames(&both[i]->in, max);
		else
			framed_init_lines(&both[i]->in, max, kind ? LINE_KEEP : LINE_STRIP);
	}
	run(&whole, p, n, false);
	run(&chunked, p, n, true);
	FUZZ_CHECK(buf_len(&whole.log) == buf_len(&chunked.log));
	FUZZ_CHECK(buf_len(&whole.log) == 0 ||
		   memcmp(buf_head(&whole.log), buf_head(&chunked.log), buf_len(&whole.log)) == 0);
	buf_release(&whole.log);
	buf_release(&chunked.log);
	return 0;
}
