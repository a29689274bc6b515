/* proto: what differs between the protocols the generator speaks — how a
 * connection registers, how a message is published, and how received bytes
 * split into units (payload deliveries, acknowledgements, readiness). The
 * scanners are pull parsers in the style of codec/: one call, one unit, no
 * allocation, and they never copy a payload. */
#ifndef PARLEY_BENCH_PROTO_H
#define PARLEY_BENCH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "options.h"

enum unit_kind {
	UNIT_NEED_MORE, /* keep the bytes from `used` on; call again with more */
	UNIT_PAYLOAD,   /* a delivered message: data/len is its payload */
	UNIT_READY,     /* registration (or subscription) confirmed */
	UNIT_ACK,       /* a publish acknowledged: redis PUBLISH reply (value =
			   receivers counted), irc PONG (value = ACK_UNCOUNTED) */
	UNIT_REPLY,     /* irc: data/len must be sent back (PONG, JOIN once welcomed) */
	UNIT_OTHER,     /* anything else the server says (notices, hellos) */
	UNIT_ERROR,     /* the server refused something: data/len is its text */
};

enum { IRC_REPLY_MAX = 520 }; /* "PONG :" + a token of a 512-byte line */

#define ACK_UNCOUNTED UINT64_MAX /* an acknowledgement that counts no receivers */

struct unit {
	enum unit_kind kind;
	size_t used;      /* bytes consumed by this call */
	const char *data;
	size_t len;
	uint64_t value;
};

/* Per-connection scanner state, owned by the caller. */
struct scan_state {
	struct line_decoder line; /* chat, irc */
	uint32_t self;            /* connection id (frame hellos) */
	uint32_t size;            /* payload size of this run */
	uint32_t room;            /* irc: the channel to join once welcomed */
	char reply[IRC_REPLY_MAX]; /* irc: what a UNIT_REPLY points into */
	bool upgraded;            /* ws: the 101 answer has been read */
};

enum { PROTO_ENVELOPE_MAX = 128 }; /* envelope bytes besides the payload */

struct proto {
	const char *name;
	/* chat, frame: publishers are members and their own copy acknowledges
	 * a message. redis: a publisher is a separate connection (a subscribed
	 * one cannot publish) and the PUBLISH reply acknowledges. */
	bool publisher_is_member;
	/* A member publisher receives its own messages (chat, frame) and that
	 * copy acknowledges them. IRC servers do not echo a PRIVMSG to its
	 * sender, so an irc publisher is owed one delivery less per message. */
	bool own_copy;
	/* Writes what connection `id` sends first: register and join `room`,
	 * or, for a redis publisher-only connection, a PING. Returns length. */
	size_t (*hello)(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap);
	/* Writes the envelope of one publish to `room` with `size` payload
	 * bytes left for the caller at *payload_off; returns the total length
	 * (at most size + PROTO_ENVELOPE_MAX). */
	size_t (*envelope)(uint32_t room, uint32_t size, char *out, size_t *payload_off);
	/* Prepares a connection's scanner. */
	void (*scan_init)(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size);
	/* Scans the next unit from p[0..n). */
	void (*next)(struct scan_state *st, const char *p, size_t n, struct unit *out);
};

/* The protocol implementation for `p`. */
const struct proto *proto_get(enum bench_proto p);

extern const struct proto proto_chat;
extern const struct proto proto_frame;
extern const struct proto proto_redis;
extern const struct proto proto_irc;
extern const struct proto proto_ws;

/* The chat protocol's reading of one line (without CRLF), shared with
 * proto_ws, which carries the same lines in WebSocket frames. */
void proto_chat_classify(const struct scan_state *st, const char *p, size_t n,
			 struct unit *out);

#endif
