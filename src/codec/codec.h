/* codec: pure byte framing. A decoder looks at the unread bytes of a stream
 * and says one of three things: here is a complete unit (and how many bytes
 * it used), I need more bytes, or this unit is too long. No fds, no loop, no
 * allocation; state is a small struct the caller owns.
 *
 * Two codecs exist: lines ('\n' or "\r\n" terminated) and frames (4-byte
 * big-endian length prefix). codec_decode() dispatches on the kind so a
 * listener can be configured with either. */
#ifndef PARLEY_CODEC_CODEC_H
#define PARLEY_CODEC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum codec_status {
	CODEC_UNIT,      /* a complete unit is in `out` */
	CODEC_NEED_MORE, /* keep bytes from out->used on and call again later */
	CODEC_TOO_LONG,  /* a unit exceeded the limit; see each codec's rules */
};

struct codec_unit {
	const char *data; /* the unit's content (points into the input) */
	size_t len;       /* content length */
	size_t used;      /* input bytes consumed by this call */
};

/* ---- lines ---- */

enum line_mode {
	LINE_STRIP, /* unit excludes "\n" / "\r\n"; limit counts the content */
	LINE_KEEP,  /* unit includes the '\n' (and any '\r' before it);
		       limit counts the bytes before '\n' */
};

struct line_decoder {
	size_t max;       /* longest acceptable line, inclusive */
	enum line_mode mode;
	bool discarding;  /* inside an over-long line, skipping to its '\n' */
};

/* Decodes the next line from `p[0..n)`.
 * CODEC_UNIT: out->data/len is the line, out->used includes the terminator.
 * CODEC_NEED_MORE: out->used bytes were skipped (only while discarding).
 * CODEC_TOO_LONG: reported once per over-long line, as soon as it is known;
 *   out->used bytes were discarded and the rest of that line will be skipped
 *   silently by later calls. The caller therefore never holds more than
 *   max + 2 bytes of an unfinished line. */
enum codec_status line_decode(struct line_decoder *d, const char *p, size_t n,
			      struct codec_unit *out);

/* Encoding: a server renders each line once, terminated by line_end(), in
 * the message every recipient shares; that is the line codec's framing,
 * applied at render time so a plain line connection sends the message as
 * it is. A codec that frames lines otherwise (WebSocket: one message per
 * line, no terminator) reads the payloads back with line_payload_next()
 * and frames them once per message, not per recipient. */
enum { LINE_END_LEN = 2 };

/* Writes the line terminator "\r\n" at `out`; returns the byte after it. */
static inline char *line_end(char *out)
{
	out[0] = '\r';
	out[1] = '\n';
	return out + LINE_END_LEN;
}

/* The next line of encoded lines p[0..n) from *at on: out->data/len is its
 * payload (without "\r\n" or a lone '\n'; a last line needs none) and
 * *at moves past it. Returns false once *at reaches n. */
bool line_payload_next(const char *p, size_t n, size_t *at, struct codec_unit *out);

/* ---- frames ---- */

enum { FRAME_HEADER = 4 };

struct frame_decoder {
	size_t max; /* largest acceptable payload, inclusive */
};

/* Decodes the next frame from `p[0..n)`.
 * CODEC_UNIT: out->data/len is the payload; out->used = 4 + len, so the
 *   whole frame as received is p[0..used).
 * CODEC_NEED_MORE: nothing consumed.
 * CODEC_TOO_LONG: the announced length exceeds max; nothing consumed and the
 *   stream cannot be resynchronised. out->len holds the announced length. */
enum codec_status frame_decode(const struct frame_decoder *d, const char *p, size_t n,
			       struct codec_unit *out);

/* Writes the 4-byte big-endian header for a payload of `len` bytes. */
void frame_header(uint32_t len, char out[FRAME_HEADER]);

/* What the first bytes of a connection to a frame listener say about the
 * peer: a framing program, or a person typing lines (e.g. with nc). */
enum frame_input {
	FRAME_INPUT_UNDECIDED, /* not yet known: wait for more bytes */
	FRAME_INPUT_FRAMES,    /* decode as frames */
	FRAME_INPUT_TEXT,      /* decode as lines; each line is one payload */
};

/* Classifies a connection from its first bytes p[0..n), given the
 * listener's --max-frame. Only the first 4 bytes matter, each examined in
 * order:
 *   - a byte that is not ASCII text (printable, '\t', '\r', '\n') means
 *     FRAMES;
 *   - a '\n' means TEXT if every header that starts with the bytes so far
 *     announces more than `max` (a framing peer would be cut as oversize);
 *   - four text bytes mean TEXT if, read as a length, they exceed `max`,
 *     and FRAMES otherwise.
 * Fewer than 4 text bytes without a deciding '\n' are UNDECIDED. So a
 * header a framing peer may legally send is never taken for text; the price
 * is that from a `max` of 0x09090909 ("\t\t\t\t") up, some typed input is a
 * legal header and reads as FRAMES. A decision, once made on a prefix,
 * holds for every longer input. */
enum frame_input frame_input_kind(const char *p, size_t n, size_t max);

/* ---- either ---- */

enum codec_kind { CODEC_LINE, CODEC_FRAME };

struct codec {
	enum codec_kind kind;
	union {
		struct line_decoder line;
		struct frame_decoder frame;
	} u;
};

/* Decodes with whichever codec `c` is. */
enum codec_status codec_decode(struct codec *c, const char *p, size_t n,
			       struct codec_unit *out);

#endif
