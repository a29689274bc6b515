/* framed: the one decode loop over the line and frame codecs, with the
 * codec state that must survive between reads. */
#include "codec/framed.h"

void framed_init(struct framed *f, const struct codec *codec)
{
	f->codec = *codec;
	if (f->codec.kind == CODEC_LINE)
		f->codec.u.line.discarding = false;
	f->broken = false;
}

void framed_init_lines(struct framed *f, size_t max, enum line_mode mode)
{
	f->codec.kind = CODEC_LINE;
	f->codec.u.line = (struct line_decoder){.max = max, .mode = mode, .discarding = false};
	f->broken = false;
}

void framed_init_frames(struct framed *f, size_t max)
{
	f->codec.kind = CODEC_FRAME;
	f->codec.u.frame = (struct frame_decoder){.max = max};
	f->broken = false;
}

bool framed_discarding(const struct framed *f)
{
	return f->codec.kind == CODEC_LINE && f->codec.u.line.discarding;
}

/* An oversize unit: returns the bytes it takes from the `left` at hand. */
static size_t oversize(struct framed *f, const struct codec_unit *u, size_t left,
		       const struct framed_ops *ops, void *ctx)
{
	bool lines = f->codec.kind == CODEC_LINE;
	if (ops->on_oversize)
		ops->on_oversize(ctx, lines ? 0 : u->len);
	if (lines)
		return u->used;
	f->broken = true; /* no later byte can be trusted to start a header */
	return left;
}

size_t framed_decode(struct framed *f, const char *p, size_t n,
		     const struct framed_ops *ops, void *ctx)
{
	if (f->broken)
		return n;
	size_t off = 0;
	while (off < n && (!ops->proceed || ops->proceed(ctx))) {
		struct codec_unit u;
		enum codec_status st = codec_decode(&f->codec, p + off, n - off, &u);
		if (st == CODEC_NEED_MORE) {
			off += u.used; /* bytes of an over-long line, skipped */
			break;
		}
		if (st == CODEC_TOO_LONG) {
			off += oversize(f, &u, n - off, ops, ctx);
			continue;
		}
		ops->on_unit(ctx, &u, p + off);
		off += u.used;
	}
	return off;
}
