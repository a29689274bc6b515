/* proto: what differs between the three wire protocols, in one place:
 * how incoming bytes are cut into units (a codec) and how one line the user
 * typed becomes bytes on the wire. Pure: no fds, no loop. */
#ifndef PARLEY_CLIENT_PROTO_H
#define PARLEY_CLIENT_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "codec/codec.h"

struct buf;

enum proto {
	PROTO_CHAT,  /* text lines ending in "\r\n" */
	PROTO_RELAY, /* raw lines relayed to everybody else */
	PROTO_FRAME, /* 4-byte big-endian length prefix */
};

/* Parses "chat", "relay" or "frame". */
bool proto_parse(const char *name, enum proto *out);

const char *proto_name(enum proto p);

/* Sets up the decoder for what the server sends: lines (terminator
 * stripped) up to `max_line` bytes, or frames up to `max_frame`. */
void proto_codec(enum proto p, size_t max_line, size_t max_frame, struct codec *out);

/* Appends the wire form of one input line to `out`. `line` may still end in
 * its "\n" (filter mode reads lines with their terminators):
 *   chat:  the text without "\n" / "\r\n", then "\r\n";
 *   relay: the bytes unchanged, plus "\n" if missing;
 *   frame: one frame holding the line without its "\n". */
void proto_encode_line(enum proto p, const char *line, size_t len, struct buf *out);

#endif
