/* fuzz_line: the line splitter (codec/line.c), both modes. Byte 0 picks the
 * limit (1..64) and the mode, byte 1 seeds the chunking, the rest is the
 * stream. The decoder is driven three ways — the whole stream in one piece,
 * one byte at a time, and in pseudo-random chunks — and each must report
 * exactly the events of a reference model written from codec.h's contract
 * (every terminated line is a unit or one TOO_LONG; an unterminated tail is
 * TOO_LONG once it is provably over the limit). The caller must never need
 * to keep more than max + 2 bytes of an unfinished line. */
#include <string.h>

#include "codec/codec.h"
#include "fuzz.h"
#include "util/alloc.h"
#include "util/buf.h"

struct drive {
	struct line_decoder dec;
	char *held; /* unconsumed bytes, at most max + 2 */
	size_t nheld;
	struct buf log;
};

static void log_unit(struct buf *log, const char *p, size_t len)
{
	buf_append(log, "U", 1);
	buf_append(log, &len, sizeof(len));
	buf_append(log, p, len);
}

static void log_too_long(struct buf *log)
{
	buf_append(log, "T", 1);
}

/* ---- the model ---- */

static void model_line(const struct line_decoder *d, const char *p, size_t raw, struct buf *log)
{
	if (d->mode == LINE_KEEP) {
		if (raw > d->max)
			log_too_long(log);
		else
			log_unit(log, p, raw + 1);
		return;
	}
	size_t len = (raw > 0 && p[raw - 1] == '\r') ? raw - 1 : raw;
	if (len > d->max)
		log_too_long(log);
	else
		log_unit(log, p, len);
}

static void model(const struct line_decoder *d, const char *p, size_t n, struct buf *log)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			model_line(d, p + start, i - start, log);
			start = i + 1;
		}
	}
	size_t m = n - start;
	const char *tail = p + start;
	bool over = d->mode == LINE_KEEP
			    ? m > d->max
			    : m >= d->max + 2 || (m == d->max + 1 && tail[d->max] != '\r');
	if (over)
		log_too_long(log);
}

/* ---- the streaming driver, as a connection uses the decoder ---- */

static size_t decode_all(struct drive *dr, const char *p, size_t n)
{
	size_t off = 0;
	while (off < n) {
		struct codec_unit u = {0};
		enum codec_status st = line_decode(&dr->dec, p + off, n - off, &u);
		FUZZ_CHECK(u.used <= n - off);
		if (st == CODEC_UNIT) {
			FUZZ_CHECK(u.used > 0 && u.data >= p + off);
			FUZZ_CHECK(u.data + u.len <= p + off + u.used);
			log_unit(&dr->log, u.data, u.len);
		} else if (st == CODEC_TOO_LONG) {
			FUZZ_CHECK(u.used > 0);
			log_too_long(&dr->log);
		}
		off += u.used;
		if (st == CODEC_NEED_MORE)
			break;
	}
	return off;
}

/* Offers the held bytes plus `chunk` in one exactly sized block, so that
 * AddressSanitizer sees any read past the end; keeps what is unconsumed. */
static void feed(struct drive *dr, const char *chunk, size_t n)
{
	size_t total = dr->nheld + n;
	if (total == 0)
		return;
	char *p = xmalloc(total);
	if (dr->nheld)
		memcpy(p, dr->held, dr->nheld);
	memcpy(p + dr->nheld, chunk, n);
	size_t off = decode_all(dr, p, total);
	dr->nheld = total - off;
	FUZZ_CHECK(dr->nheld <= dr->dec.max + 2);
	memcpy(dr->held, p + off, dr->nheld);
	free(p);
}

static void drive_init(struct drive *dr, const struct line_decoder *cfg)
{
	dr->dec = *cfg;
	dr->held = xmalloc(cfg->max + 2);
	dr->nheld = 0;
	dr->log = (struct buf)BUF_INIT;
}

static void drive_check(struct drive *dr, const struct buf *want)
{
	FUZZ_CHECK(buf_len(&dr->log) == buf_len(want));
	FUZZ_CHECK(buf_len(want) == 0 ||
		   memcmp(buf_head(&dr->log), buf_head(want), buf_len(want)) == 0);
	free(dr->held);
	buf_release(&dr->log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct line_decoder cfg = {1 + (data[0] & 63u), (data[0] & 64u) ? LINE_KEEP : LINE_STRIP,
				   false};
	uint64_t seed = data[1];
	const char *p = (const char *)data + 2;
	size_t n = size - 2;
	struct buf want = BUF_INIT;
	model(&cfg, p, n, &want);

	struct drive dr;
	drive_init(&dr, &cfg);
	decode_all(&dr, p, n); /* in place: the input ends at a guard page */
	drive_check(&dr, &want);

	drive_init(&dr, &cfg);
	for (size_t i = 0; i < n; i++)
		feed(&dr, p + i, 1);
	drive_check(&dr, &want);

	drive_init(&dr, &cfg);
	for (size_t i = 0, k; i < n; i += k) {
		k = 1 + fuzz_rand(&seed) % (2 * cfg.max + 3);
		k = k < n - i ? k : n - i;
		feed(&dr, p + i, k);
	}
	drive_check(&dr, &want);
	buf_release(&want);
	return 0;
}
