/* fuzz_frame: the length-prefix frame decoder (codec/frame.c). Byte 0 is the
 * limit (0..255), byte 1 seeds the chunking, the rest is the stream. Driven
 * whole, byte by byte and in pseudo-random chunks, the decoder must report
 * exactly the frames of a reference model: each 4-byte big-endian length and
 * payload in turn, TOO_LONG as soon as a header announces more than the
 * limit (the stream then ends: it cannot resynchronise). frame_header() must
 * round-trip every length. frame_input_kind() must agree with a model of
 * its contract on every prefix of the stream, for the limit byte, a limit
 * in the range typed text spans (byte 0 as the top byte) and the largest;
 * a decision must hold as bytes arrive, and TEXT must never be said of a
 * prefix some legal header starts with. */
#include <string.h>

#include "codec/codec.h"
#include "fuzz.h"
#include "util/alloc.h"
#include "util/buf.h"

struct drive {
	struct frame_decoder dec;
	struct buf held; /* unconsumed bytes */
	struct buf log;
	bool dead;       /* TOO_LONG seen: the connection would close */
};

static void log_frame(struct buf *log, const char *p, size_t len)
{
	buf_append(log, "F", 1);
	buf_append(log, &len, sizeof(len));
	buf_append(log, p, len);
}

static void log_too_long(struct buf *log, size_t len)
{
	buf_append(log, "T", 1);
	buf_append(log, &len, sizeof(len));
}

static size_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | (size_t)u[3];
}

static void model(size_t max, const char *p, size_t n, struct buf *log)
{
	size_t off = 0;
	while (n - off >= FRAME_HEADER) {
		size_t len = be32(p + off);
		if (len > max) {
			log_too_long(log, len);
			return;
		}
		if (n - off - FRAME_HEADER < len)
			return;
		log_frame(log, p + off + FRAME_HEADER, len);
		off += FRAME_HEADER + len;
	}
}

/* Decodes every complete frame in p[0..total); returns the bytes used. */
static size_t decode_all(struct drive *dr, const char *p, size_t total)
{
	size_t off = 0;
	while (off < total && !dr->dead) {
		struct codec_unit u = {0};
		enum codec_status st = frame_decode(&dr->dec, p + off, total - off, &u);
		FUZZ_CHECK(u.used <= total - off);
		if (st == CODEC_NEED_MORE) {
			FUZZ_CHECK(u.used == 0);
			break;
		}
		if (st == CODEC_TOO_LONG) {
			FUZZ_CHECK(u.used == 0 && u.len > dr->dec.max);
			log_too_long(&dr->log, u.len);
			dr->dead = true;
			break;
		}
		FUZZ_CHECK(u.used == FRAME_HEADER + u.len && u.data == p + off + FRAME_HEADER);
		log_frame(&dr->log, u.data, u.len);
		off += u.used;
	}
	return off;
}

/* Decodes from an exactly sized copy of held + chunk, as a connection would. */
static void feed(struct drive *dr, const char *chunk, size_t n)
{
	if (dr->dead)
		return;
	buf_append(&dr->held, chunk, n);
	size_t total = buf_len(&dr->held);
	char *p = xmalloc(total ? total : 1);
	memcpy(p, buf_head(&dr->held), total);
	buf_consume(&dr->held, decode_all(dr, p, total));
	free(p);
}

static bool text_byte(uint8_t c)
{
	return c == '\t' || c == '\n' || c == '\r' || (c >= ' ' && c <= '~');
}

/* The contract, prefix by prefix: text so far, and either a newline just
 * read or all 4 header bytes read, and even the smallest header starting
 * so (zeros after) is above the limit: TEXT. Non-text: FRAMES. Four bytes
 * not TEXT: FRAMES. Otherwise still UNDECIDED. */
static enum frame_input model_kind(const uint8_t *p, size_t n, size_t max)
{
	for (size_t k = 1; k <= n && k <= FRAME_HEADER; k++) {
		if (!text_byte(p[k - 1]))
			return FRAME_INPUT_FRAMES;
		uint8_t hdr[FRAME_HEADER] = {0};
		memcpy(hdr, p, k);
		bool beyond = be32((const char *)hdr) > max;
		if (beyond && (p[k - 1] == '\n' || k == FRAME_HEADER))
			return FRAME_INPUT_TEXT;
		if (k == FRAME_HEADER)
			return FRAME_INPUT_FRAMES;
	}
	return FRAME_INPUT_UNDECIDED;
}

static void check_input_kind(const uint8_t *p, size_t n, size_t max)
{
	enum frame_input settled = FRAME_INPUT_UNDECIDED;
	size_t upto = n < 2 * FRAME_HEADER ? n : 2 * FRAME_HEADER;
	for (size_t k = 0; k <= upto; k++) {
		enum frame_input got = frame_input_kind((const char *)p, k, max);
		FUZZ_CHECK(got == model_kind(p, k, max));
		FUZZ_CHECK(settled == FRAME_INPUT_UNDECIDED || got == settled);
		FUZZ_CHECK(k < FRAME_HEADER || got != FRAME_INPUT_UNDECIDED);
		settled = got;
	}
	/* The whole stream, flush against its end (a guard page). */
	FUZZ_CHECK(frame_input_kind((const char *)p, n, max) == model_kind(p, n, max));
}

static void check_and_reset(struct drive *dr, const struct buf *want)
{
	FUZZ_CHECK(buf_len(&dr->log) == buf_len(want));
	FUZZ_CHECK(buf_len(want) == 0 ||
		   memcmp(buf_head(&dr->log), buf_head(want), buf_len(want)) == 0);
	buf_release(&dr->held);
	buf_release(&dr->log);
	dr->dead = false;
}

static void check_header_roundtrip(const uint8_t *data, size_t size)
{
	if (size < 4)
		return;
	uint32_t len = (uint32_t)be32((const char *)data);
	char hdr[FRAME_HEADER];
	frame_header(len, hdr);
	FUZZ_CHECK(memcmp(hdr, data, FRAME_HEADER) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct drive dr = {.dec = {data[0]}};
	uint64_t seed = data[1];
	const char *p = (const char *)data + 2;
	size_t n = size - 2;
	struct buf want = BUF_INIT;
	model(dr.dec.max, p, n, &want);
	check_header_roundtrip(data + 2, n);
	check_input_kind(data + 2, n, dr.dec.max);
	check_input_kind(data + 2, n, (size_t)data[0] << 24 | (size_t)data[1] << 16);
	check_input_kind(data + 2, n, 0xffffffffu);

	decode_all(&dr, p, n); /* in place: the input ends at a guard page */
	check_and_reset(&dr, &want);
	for (size_t i = 0; i < n; i++)
		feed(&dr, p + i, 1);
	check_and_reset(&dr, &want);
	for (size_t i = 0, k; i < n; i += k) {
		k = 1 + fuzz_rand(&seed) % 300;
		k = k < n - i ? k : n - i;
		feed(&dr, p + i, k);
	}
	check_and_reset(&dr, &want);
	buf_release(&want);
	return 0;
}
