/* codec: dispatch to the line or frame decoder a listener was configured with. */
#include "codec/codec.h"

enum codec_status codec_decode(struct codec *c, const char *p, size_t n,
			       struct codec_unit *out)
{
	if (c->kind == CODEC_FRAME)
		return frame_decode(&c->u.frame, p, n, out);
	return line_decode(&c->u.line, p, n, out);
}
