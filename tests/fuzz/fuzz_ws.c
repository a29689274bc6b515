/* fuzz_ws: the WebSocket frame decoder (codec/ws.c). Byte 0 picks the
 * message limit, byte 1 the chunking seed; the rest is a client's byte
 * stream. Fed whole and in pseudo-random chunks, the decoder must give the
 * same frames and the same failure, never consume past its input, keep
 * every data message within the limit, and only report control frames of
 * at most 125 bytes. Close payloads are checked against the codes rule. */
#include <string.h>

#include "codec/ws.h"
#include "fuzz.h"
#include "util/buf.h"

/* Runs the stream in chunks of `seed`-driven sizes (0: all at once) and
 * logs every frame and the failure into `log`. */
static void drive(const char *p, size_t n, uint64_t max, uint64_t seed, struct buf *log)
{
	struct ws_decoder d = {.max_message = max};
	struct buf held = {0};
	uint64_t rng = seed | 1;
	size_t fed = 0, message = 0;
	while (fed < n) {
		size_t chunk = n - fed;
		if (seed) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			chunk = 1 + (size_t)(rng % 7);
			if (chunk > n - fed)
				chunk = n - fed;
		}
		buf_append(&held, p + fed, chunk);
		fed += chunk;
		while (buf_len(&held)) {
			struct ws_frame f;
			enum ws_status st = ws_decode(&d, buf_head(&held), buf_len(&held), &f);
			if (st == WS_NEED_MORE)
				break;
			if (st == WS_FAIL) {
				buf_append(log, "X", 1);
				buf_append(log, &f.code, sizeof(f.code));
				buf_release(&held);
				return;
			}
			FUZZ_CHECK(f.used <= buf_len(&held) && f.used >= 6 + f.len);
			if (f.opcode >= WS_CLOSE) {
				FUZZ_CHECK(f.len <= WS_CONTROL_MAX && f.fin);
				if (f.opcode == WS_CLOSE) {
					char plain[WS_CONTROL_MAX];
					uint16_t code;
					ws_unmask(plain, f.payload, f.len, f.key);
					if (ws_close_payload(plain, f.len, &code) && f.len >= 2)
						FUZZ_CHECK(ws_close_code_valid(code));
				}
			} else {
				message += f.len;
				FUZZ_CHECK(message <= max);
				if (f.message_done)
					message = 0;
			}
			buf_append(log, &f.opcode, 1);
			buf_append(log, &f.len, sizeof(f.len));
			buf_consume(&held, f.used);
		}
	}
	buf_release(&held);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint64_t max = (uint64_t)data[0] * 3;
	const char *p = (const char *)data + 2;
	struct buf whole = {0}, chunked = {0};
	drive(p, size - 2, max, 0, &whole);
	drive(p, size - 2, max, data[1] + 1u, &chunked);
	FUZZ_CHECK(buf_len(&whole) == buf_len(&chunked));
	FUZZ_CHECK(buf_len(&whole) == 0 ||
		   memcmp(buf_head(&whole), buf_head(&chunked), buf_len(&whole)) == 0);
	buf_release(&whole);
	buf_release(&chunked);
	return 0;
}
