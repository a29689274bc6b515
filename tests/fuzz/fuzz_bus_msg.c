/* fuzz_bus_msg: the decoder of node-to-node messages (cluster/bus_msg.c),
 * which reads whatever arrives on our Redis channels. Any input must be
 * refused or decoded into fields that lie inside the input and obey the
 * documented bounds; a decoded message must encode back to exactly the
 * input (the format has one spelling per message, so nothing is lost or
 * invented), and that encoding must decode to the same fields. Relays and
 * kills keep the rules their kinds add. */
#include <string.h>

#include "cluster/bus_msg.h"
#include "fuzz.h"
#include "hub/hub.h"
#include "util/buf.h"

static void check_inside(const uint8_t *data, size_t size, struct bus_str s, size_t max)
{
	FUZZ_CHECK(s.len <= max);
	if (s.len)
		FUZZ_CHECK((const uint8_t *)s.p >= data && (const uint8_t *)s.p + s.len <= data + size);
}

static bool same(struct bus_str a, struct bus_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bus_msg m;
	if (!bus_msg_decode((const char *)data, size, &m))
		return 0;
	check_inside(data, size, m.node, BUS_NODE_MAX);
	check_inside(data, size, m.room, HUB_ROOM_MAX);
	check_inside(data, size, m.from, HUB_NAME_MAX);
	check_inside(data, size, m.origin, HUB_ORIGIN_MAX);
	check_inside(data, size, m.target, HUB_NAME_MAX);
	check_inside(data, size, m.text, BUS_TEXT_MAX);
	FUZZ_CHECK(bus_node_valid(m.node.p, m.node.len));
	FUZZ_CHECK(m.room.len == 0 || hub_room_valid(m.room.p, m.room.len));
	/* A relay names a room or a user, and its tags lie inside its text; a
	 * kill names its victim and claims an operator when it names a sender. */
	if (m.kind == BUS_RELAY)
		FUZZ_CHECK((m.room.len == 0) != (m.target.len == 0) && m.a <= 2 &&
			   m.b <= m.text.len);
	if (m.kind == BUS_KILL)
		FUZZ_CHECK(m.target.len > 0 && m.room.len == 0 && m.a == (m.from.len > 0));
	/* A user record's operator and login flags, and a private line's
	 * "kept" flag, are 0 or 1; a private line names its recipient. */
	if (m.kind == BUS_USER)
		FUZZ_CHECK(m.a <= 1 && m.b <= 1);
	if (m.kind == BUS_PRIV)
		FUZZ_CHECK(m.target.len > 0 && m.a <= 1);

	struct buf b = BUF_INIT;
	bus_msg_encode(&m, true, &b);
	struct bus_msg again;
	FUZZ_CHECK(bus_msg_decode(buf_head(&b), buf_len(&b), &again));
	FUZZ_CHECK(again.kind == m.kind && again.id == m.id && again.time_ms == m.time_ms);
	FUZZ_CHECK(again.a == m.a && again.b == m.b);
	FUZZ_CHECK(same(again.node, m.node) && same(again.room, m.room));
	FUZZ_CHECK(same(again.from, m.from) && same(again.origin, m.origin));
	FUZZ_CHECK(same(again.target, m.target) && same(again.text, m.text));
	/* Leading zeros in numbers are the one second spelling. */
	if (buf_len(&b) == size)
		FUZZ_CHECK(memcmp(buf_head(&b), data, size) == 0);
	buf_release(&b);
	return 0;
}
