/* frame: 4-byte big-endian length prefix followed by the payload. */
#include "codec/codec.h"

static uint32_t read_be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

void frame_header(uint32_t len, char out[FRAME_HEADER])
{
	out[0] = (char)(len >> 24);
	out[1] = (char)(len >> 16);
	out[2] = (char)(len >> 8);
	out[3] = (char)len;
}

enum codec_status frame_decode(const struct frame_decoder *d, const char *p, size_t n,
			       struct codec_unit *out)
{
	out->used = 0;
	if (n < FRAME_HEADER)
		return CODEC_NEED_MORE;
	size_t len = read_be32(p);
	out->len = len;
	if (len > d->max)
		return CODEC_TOO_LONG;
	if (n - FRAME_HEADER < len)
		return CODEC_NEED_MORE;
	out->data = p + FRAME_HEADER;
	out->used = FRAME_HEADER + len;
	return CODEC_UNIT;
}
