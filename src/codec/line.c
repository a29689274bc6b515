/* line: '\n'-terminated lines with a length limit and a discard mode that
 * skips the remainder of an over-long line without buffering it; and the
 * payloads of lines already encoded, for codecs that frame them anew. */
#include <string.h>

#include "codec/codec.h"

/* Bytes a terminated line of the maximum length can span, terminator and
 * all: the decoder never has to look further than this for the '\n'. */
static size_t search_span(const struct line_decoder *d)
{
	return d->mode == LINE_STRIP ? d->max + 2 : d->max + 1;
}

/* True if `m` unterminated bytes already prove the line is too long. */
static bool surely_too_long(const struct line_decoder *d, const char *q, size_t m)
{
	if (d->mode == LINE_KEEP)
		return m > d->max;
	/* In strip mode a '\r' at index max may still be the terminator's. */
	return m >= d->max + 2 || (m == d->max + 1 && q[d->max] != '\r');
}

static size_t content_len(const struct line_decoder *d, const char *q, size_t nl)
{
	if (d->mode == LINE_KEEP)
		return nl;
	return (nl > 0 && q[nl - 1] == '\r') ? nl - 1 : nl;
}

enum codec_status line_decode(struct line_decoder *d, const char *p, size_t n,
			      struct codec_unit *out)
{
	size_t off = 0;
	if (d->discarding) {
		const char *nl = memchr(p, '\n', n);
		if (!nl) {
			out->used = n;
			return CODEC_NEED_MORE;
		}
		off = (size_t)(nl - p) + 1;
		d->discarding = false;
	}
	const char *q = p + off;
	size_t m = n - off;
	size_t span = search_span(d);
	size_t seen = m < span ? m : span;
	const char *nl = memchr(q, '\n', seen);
	if (!nl) {
		if (!surely_too_long(d, q, m)) {
			out->used = off;
			return CODEC_NEED_MORE;
		}
		/* Discard only up to the end of this line: lines after it in
		 * the same input are still to be decoded. */
		const char *end = memchr(q + seen, '\n', m - seen);
		if (end) {
			out->used = (size_t)(end - p) + 1;
		} else {
			d->discarding = true;
			out->used = n;
		}
		return CODEC_TOO_LONG;
	}
	size_t at = (size_t)(nl - q);
	size_t len = content_len(d, q, at);
	out->used = off + at + 1;
	if (len > d->max)
		return CODEC_TOO_LONG;
	out->data = q;
	out->len = d->mode == LINE_KEEP ? at + 1 : len;
	return CODEC_UNIT;
}

bool line_payload_next(const char *p, size_t n, size_t *at, struct codec_unit *out)
{
	if (*at >= n)
		return false;
	const char *q = p + *at;
	const char *nl = memchr(q, '\n', n - *at);
	size_t end = nl ? (size_t)(nl - q) : n - *at;
	out->data = q;
	out->len = end && q[end - 1] == '\r' ? end - 1 : end;
	out->used = nl ? end + 1 : end;
	*at += out->used;
	return true;
}
