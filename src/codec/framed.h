/* framed: the decode loop every line or frame protocol shares. A `struct
 * framed` owns one connection's codec state (the line decoder's discard
 * mode across reads, a frame stream's unrecoverable state) and cuts offered
 * bytes into units, calling the protocol once per unit and once per
 * over-long unit. The protocol never sees partial input and never runs a
 * decode loop of its own.
 *
 * Pure like the rest of codec/: no fds, no loop. The caller wires it to a
 * connection (offering what the transport read, and saying through
 * `proceed` when the connection stops taking input). */
#ifndef PARLEY_CODEC_FRAMED_H
#define PARLEY_CODEC_FRAMED_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/codec.h"

struct framed {
	struct codec codec;
	bool broken; /* a frame stream that announced an oversize length */
};

/* What the protocol plugs into the loop. on_unit is required. */
struct framed_ops {
	/* Asked before each unit: false stops decoding, keeping the rest of
	 * the input unread (e.g. the connection is closing, or the protocol
	 * waits on an answer before it reads on). Optional: always true. */
	bool (*proceed)(void *ctx);
	/* One complete unit: u->data/len is its content (codec.h). For frames
	 * raw[0..u->used) is the whole frame as received, header included. */
	void (*on_unit)(void *ctx, const struct codec_unit *u, const char *raw);
	/* A unit over the limit. Lines: reported once per over-long line, whose
	 * rest is skipped; `announced` is 0. Frames: `announced` is the length the header gave;
	 * the stream cannot resynchronise, so every later byte is consumed
	 * unread. Optional. */
	void (*on_oversize)(void *ctx, size_t announced);
};

/* A framed reader with `codec`'s kind and limits, at the start of a stream. */
void framed_init(struct framed *f, const struct codec *codec);

/* A framed reader of lines up to `max` bytes (codec.h's line modes). */
void framed_init_lines(struct framed *f, size_t max, enum line_mode mode);

/* A framed reader of frames whose payload is up to `max` bytes. */
void framed_init_frames(struct framed *f, size_t max);

/* Decodes whole units from p[0..n), calling `ops` for each; returns the
 * bytes consumed. Unconsumed bytes (an unfinished unit, or everything after
 * `proceed` said stop) must be offered again, with more, later. */
size_t framed_decode(struct framed *f, const char *p, size_t n,
		     const struct framed_ops *ops, void *ctx);

/* True while decoding skips the rest of an over-long line. */
bool framed_discarding(const struct framed *f);

#endif
