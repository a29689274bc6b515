/* bus_msg: what parleyd nodes tell each other through Redis, as bytes. One
 * message is a kind letter then ten netstring fields ("<len>:<bytes>,"),
 * always in the same order, so both the C code and the Lua scripts in
 * Redis can build one by concatenation. Decoding treats its input as
 * untrusted (anything could be PUBLISHed on our channels): every field is
 * bounded and names and rooms are validated; nothing is copied, the
 * decoded fields point into the input. Pure code: no I/O, no state. */
#ifndef PARLEY_CLUSTER_BUS_MSG_H
#define PARLEY_CLUSTER_BUS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum bus_kind {
	BUS_HELLO = 'H', /* node `node` (re)started or is leaving: forget its users
			  * (`text` says why; `from` may be empty) */
	BUS_USER = 'U',  /* `from` (origin) is on node `node`; `a` 1: a server
			  * operator there; `b` 1: logged in to its account */
	BUS_QUIT = 'Q',  /* `from` quit with `text` */
	BUS_NICK = 'N',  /* `from` is now `target` */
	BUS_AWAY = 'A',  /* `from` is away with `text` (empty: back) */
	BUS_JOIN = 'J',  /* `from` joined `room` with member flags `a` */
	BUS_LEAVE = 'L', /* `from` left `room`, `text` the reason */
	BUS_SAY = 'S',   /* `from` said `text` in `room`, message `id` */
	BUS_PRIV = 'P',  /* `from` whispered `text` to `target`, message `id`
			  * (the network's); `a` 1: kept in the pair's history */
	BUS_TOPIC = 'T', /* `from` set `room`'s topic to `text` */
	BUS_KICK = 'K',  /* `from` kicked `target` from `room`, `text` the reason */
	BUS_MODE = 'M',  /* room modes (`a` flags, `b` limit, `text` key), or with
			  * `target` that member's flags `a` */
	BUS_BAN = 'B',   /* `from` added (`a` 1) or removed (`a` 0) the ban mask
			  * `text` on `room` */
	BUS_RELAY = 'R', /* `from` sent an unnumbered message to `room` or to
			  * `target` (exactly one): a line (`a` 0), a notice (1)
			  * or a TAGMSG (2); `text` is its message tags (the
			  * first `b` bytes) followed by its text */
	BUS_KILL = 'X',  /* `from` (a server operator of its node, `a` 1; empty:
			  * the node's console) kills `target` with reason `text` */
};
/* KICK, MODE, BAN and KILL may have an empty `from`: the sending node itself
 * acted (its console, or its grant of operator to a room's first member). */

enum {
	BUS_NODE_MAX = 64,        /* bytes of a node name */
	BUS_TEXT_MAX = 64 * 1024, /* bytes of `text` */
	BUS_FIELDS = 10,
};

struct bus_str {
	const char *p;
	size_t len;
};

struct bus_msg {
	enum bus_kind kind;
	uint64_t id, time_ms;
	struct bus_str node, room, from, origin, target, text;
	uint32_t a, b;
};

/* Appends `m` to `out`. With `with_id` false, only the fields after `id`
 * are written (no kind letter, no id): the tail a Lua script completes
 * with the network's next id (see docs/CLUSTER.md). */
void bus_msg_encode(const struct bus_msg *m, bool with_id, struct buf *out);

/* Decodes one whole message. False on anything malformed: unknown kind,
 * a field too long or missing, trailing bytes, a number out of range, an
 * invalid name (`from`, `target`) or room, or a field required by the
 * kind left empty. */
bool bus_msg_decode(const char *p, size_t len, struct bus_msg *out);

/* Node names: 1..BUS_NODE_MAX of [A-Za-z0-9._-]. */
bool bus_node_valid(const char *p, size_t len);

#endif
