/* proto_frame: parleyd's frame listener — every frame (4-byte big-endian
 * length, then payload) goes to every client of the listener, the sender
 * included. There is no registration, so a client proves it is in the
 * group by sending a short hello frame naming itself and waiting for its
 * echo; payload frames are recognised by their length (hellos are shorter
 * than any payload). */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "proto.h"

enum { HELLO_LEN = 9 }; /* 'H' + 8 hex digits */

static size_t frame_hello(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap)
{
	(void)room;
	(void)publisher_only;
	if (cap < FRAME_HEADER + HELLO_LEN + 1)
		return 0;
	frame_header(HELLO_LEN, out);
	snprintf(out + FRAME_HEADER, HELLO_LEN + 1, "H%08x", id);
	return FRAME_HEADER + HELLO_LEN;
}

static size_t frame_envelope(uint32_t room, uint32_t size, char *out, size_t *payload_off)
{
	(void)room;
	frame_header(size, out);
	*payload_off = FRAME_HEADER;
	return FRAME_HEADER + (size_t)size;
}

static void frame_scan_init(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size)
{
	(void)room;
	st->self = self;
	st->size = size;
}

static bool is_own_hello(const struct scan_state *st, const char *p, size_t n)
{
	char want[HELLO_LEN + 1];
	snprintf(want, sizeof(want), "H%08x", st->self);
	return n == HELLO_LEN && memcmp(p, want, HELLO_LEN) == 0;
}

static void frame_next(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	struct frame_decoder d = {.max = PAYLOAD_MAX};
	struct codec_unit cu;
	enum codec_status s = frame_decode(&d, p, n, &cu);
	out->used = cu.used;
	if (s == CODEC_NEED_MORE) {
		out->kind = UNIT_NEED_MORE;
	} else if (s == CODEC_TOO_LONG) {
		out->kind = UNIT_ERROR;
		out->data = "frame longer than any payload";
		out->len = strlen(out->data);
		out->used = n; /* cannot resynchronise; drop the rest */
	} else if (cu.len == st->size) {
		out->kind = UNIT_PAYLOAD;
		out->data = cu.data;
		out->len = cu.len;
	} else {
		out->kind = is_own_hello(st, cu.data, cu.len) ? UNIT_READY : UNIT_OTHER;
	}
}

const struct proto proto_frame = {
	.name = "frame",
	.publisher_is_member = true,
	.own_copy = true,
	.hello = frame_hello,
	.envelope = frame_envelope,
	.scan_init = frame_scan_init,
	.next = frame_next,
};
