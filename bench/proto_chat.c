/* proto_chat: parleyd's chat protocol. A member registers with USERNAME,
 * joins its room, and publishes with MSG; every member, the sender
 * included, receives "ROOM #room <sender> <payload>". Since the payload has
 * the run's fixed size, it is simply the line's last `size` bytes: the
 * scanner finds the terminator and never parses the prefix. */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "proto.h"

static size_t chat_hello(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap)
{
	(void)publisher_only;
	int n = snprintf(out, cap, "USERNAME b%u\r\nJOIN #r%u\r\n", id, room);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t chat_envelope(uint32_t room, uint32_t size, char *out, size_t *payload_off)
{
	(void)room;
	memcpy(out, "MSG ", 4);
	*payload_off = 4;
	memcpy(out + 4 + size, "\r\n", 2);
	return 4 + (size_t)size + 2;
}

static void chat_scan_init(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size)
{
	(void)room;
	st->self = self;
	st->size = size;
	st->line = (struct line_decoder){.max = (size_t)size + 256, .mode = LINE_STRIP};
}

static bool starts(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n >= w && memcmp(p, word, w) == 0;
}

void proto_chat_classify(const struct scan_state *st, const char *p, size_t n,
			 struct unit *out)
{
	out->kind = UNIT_OTHER;
	if (starts(p, n, "ROOM ")) {
		/* "ROOM " + room + ' ' + sender + ' ' + payload */
		if (n >= (size_t)st->size + 9 && p[n - st->size - 1] == ' ') {
			out->kind = UNIT_PAYLOAD;
			out->data = p + n - st->size;
			out->len = st->size;
		} else {
			out->kind = UNIT_ERROR;
			out->data = p;
			out->len = n;
		}
	} else if (starts(p, n, "OK Joined")) {
		out->kind = UNIT_READY;
	} else if (starts(p, n, "ERROR")) {
		out->kind = UNIT_ERROR;
		out->data = p;
		out->len = n;
	}
}

static void chat_next(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	struct codec_unit cu;
	enum codec_status s = line_decode(&st->line, p, n, &cu);
	out->used = cu.used;
	if (s == CODEC_NEED_MORE) {
		out->kind = UNIT_NEED_MORE;
	} else if (s == CODEC_TOO_LONG) {
		out->kind = UNIT_ERROR;
		out->data = "line longer than expected";
		out->len = strlen(out->data);
	} else {
		proto_chat_classify(st, cu.data, cu.len, out);
	}
}

const struct proto proto_chat = {
	.name = "chat",
	.publisher_is_member = true,
	.own_copy = true,
	.hello = chat_hello,
	.envelope = chat_envelope,
	.scan_init = chat_scan_init,
	.next = chat_next,
};
