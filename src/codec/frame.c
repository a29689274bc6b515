/* frame: 4-byte big-endian length prefix followed by the payload, and the
 * test that tells a framing peer from a person typing lines. */
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

static bool is_text_byte(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

enum frame_input frame_input_kind(const char *p, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t seen = n < FRAME_HEADER ? n : FRAME_HEADER;
	uint32_t least = 0; /* smallest length a header starting so would announce */
	for (size_t i = 0; i < seen; i++) {
		if (!is_text_byte(u[i]))
			return FRAME_INPUT_FRAMES;
		least |= (uint32_t)u[i] << (8 * (FRAME_HEADER - 1 - i));
		if (u[i] == '\n' && least > max)
			return FRAME_INPUT_TEXT;
	}
	if (seen < FRAME_HEADER)
		return FRAME_INPUT_UNDECIDED;
	return least > max ? FRAME_INPUT_TEXT : FRAME_INPUT_FRAMES;
}
