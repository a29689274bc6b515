/* proto: per-protocol framing of what the client sends and receives. */
#include "proto.h"

#include <stdint.h>
#include <string.h>

#include "util/buf.h"

static const char *const names[] = {
	[PROTO_CHAT] = "chat",
	[PROTO_RELAY] = "relay",
	[PROTO_FRAME] = "frame",
};

bool proto_parse(const char *name, enum proto *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum proto)i;
			return true;
		}
	}
	return false;
}

const char *proto_name(enum proto p)
{
	return names[p];
}

void proto_codec(enum proto p, size_t max_line, size_t max_frame, struct codec *out)
{
	memset(out, 0, sizeof(*out));
	if (p == PROTO_FRAME) {
		out->kind = CODEC_FRAME;
		out->u.frame.max = max_frame;
	} else {
		out->kind = CODEC_LINE;
		out->u.line.max = max_line;
		out->u.line.mode = LINE_STRIP;
	}
}

/* Length of `line` without one trailing "\n". */
static size_t without_lf(const char *line, size_t len)
{
	return (len > 0 && line[len - 1] == '\n') ? len - 1 : len;
}

void proto_encode_line(enum proto p, const char *line, size_t len, struct buf *out)
{
	size_t n = without_lf(line, len);
	switch (p) {
	case PROTO_CHAT:
		/* The server accepts "\n" or "\r\n"; we always send the latter,
		 * which is what the protocol text prescribes. */
		if (n > 0 && line[n - 1] == '\r')
			n--;
		buf_append(out, line, n);
		buf_append(out, "\r\n", 2);
		break;
	case PROTO_RELAY:
		/* Relay forwards bytes unchanged, so a "\r" the user sent stays. */
		buf_append(out, line, n);
		buf_append(out, "\n", 1);
		break;
	case PROTO_FRAME: {
		char header[FRAME_HEADER];
		frame_header((uint32_t)n, header);
		buf_append(out, header, sizeof(header));
		buf_append(out, line, n);
		break;
	}
	}
}
