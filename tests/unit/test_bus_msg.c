/* test_bus_msg: cluster/bus_msg — every kind round-trips through encode and
 * decode with its fields intact; the id-less tail completed the way the
 * room-line Lua script completes it decodes to the same message; and
 * decoding refuses, without reading past its input, each malformed form:
 * unknown kind, missing or extra fields, a length past the end or without
 * its ',', too many length digits, numbers out of range, invalid names,
 * rooms and node names, and fields a kind needs left empty. A relayed
 * message names a room or a user (not both) and keeps its tags apart from
 * its text; a KILL names its victim and claims an operator exactly when it
 * names a sender. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cluster/bus_msg.h"
#include "util/buf.h"

#define S(lit) ((struct bus_str){lit, sizeof(lit) - 1})

static bool str_eq(struct bus_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

static struct bus_msg sample(enum bus_kind kind)
{
	struct bus_msg m = {
		.kind = kind,
		.id = 18446744073709551615ull,
		.time_ms = 1764547200123ull,
		.node = S("node-1.a"),
		.room = S("#room"),
		.from = S("alice"),
		.origin = S("alice@127.0.0.1"),
		.target = S("bob"),
		.text = S("hello, world: 3:x, with commas"),
		.a = 4294967295u,
		.b = 7,
	};
	return m;
}

static void test_every_kind_round_trips(void **state)
{
	(void)state;
	const char kinds[] = "HUQNAJLSPTKM"; /* BAN: a mask, below */
	for (const char *k = kinds; *k; k++) {
		struct bus_msg m = sample((enum bus_kind)*k), got;
		if (*k == BUS_USER || *k == BUS_PRIV) /* flags: 0 or 1 */
			m.a = 1, m.b = *k == BUS_USER ? 1 : 7;
		struct buf b = BUF_INIT;
		bus_msg_encode(&m, true, &b);
		assert_true(bus_msg_decode(buf_head(&b), buf_len(&b), &got));
		assert_int_equal(got.kind, *k);
		assert_true(got.id == m.id && got.time_ms == m.time_ms);
		assert_true(str_eq(got.node, "node-1.a") && str_eq(got.room, "#room"));
		assert_true(str_eq(got.from, "alice") && str_eq(got.origin, "alice@127.0.0.1"));
		assert_true(str_eq(got.target, "bob"));
		assert_true(str_eq(got.text, "hello, world: 3:x, with commas"));
		assert_true(got.a == m.a && got.b == m.b);
		buf_release(&b);
	}
}

/* A user record's operator and login flags, and a private line's "kept"
 * flag, are 0 or 1: anything else is refused. */
static void test_flags_are_zero_or_one(void **state)
{
	(void)state;
	struct { char kind; uint32_t a, b; bool ok; } cases[] = {
		{'U', 0, 0, true}, {'U', 1, 1, true}, {'U', 2, 0, false}, {'U', 0, 2, false},
		{'P', 0, 9, true}, {'P', 1, 0, true}, {'P', 2, 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct bus_msg m = sample((enum bus_kind)cases[i].kind), got;
		m.a = cases[i].a;
		m.b = cases[i].b;
		struct buf b = BUF_INIT;
		bus_msg_encode(&m, true, &b);
		assert_int_equal(bus_msg_decode(buf_head(&b), buf_len(&b), &got), cases[i].ok);
		buf_release(&b);
	}
}

/* What SAY_LUA in publish.c does: kind .. len(id) .. ':' .. id .. ',' .. tail */
static void test_tail_completed_with_an_id_decodes(void **state)
{
	(void)state;
	struct bus_msg m = sample(BUS_SAY), got;
	struct buf tail = BUF_INIT, whole = BUF_INIT;
	bus_msg_encode(&m, false, &tail);
	buf_append(&whole, "S2:42,", 6);
	buf_append(&whole, buf_head(&tail), buf_len(&tail));
	assert_true(bus_msg_decode(buf_head(&whole), buf_len(&whole), &got));
	assert_true(got.kind == BUS_SAY && got.id == 42 && got.time_ms == m.time_ms);
	assert_true(str_eq(got.text, "hello, world: 3:x, with commas"));
	buf_release(&tail);
	buf_release(&whole);
}

static void test_empty_optional_fields(void **state)
{
	(void)state;
	struct bus_msg m = {.kind = BUS_HELLO, .node = S("n1")}, got;
	struct buf b = BUF_INIT;
	bus_msg_encode(&m, true, &b);
	assert_true(bus_msg_decode(buf_head(&b), buf_len(&b), &got));
	assert_int_equal(got.from.len, 0);
	assert_int_equal(got.text.len, 0);
	buf_release(&b);
}

/* Decodes `text` from a heap copy of exactly its length, so ASan catches
 * any read past the end. */
static bool decodes(const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);
	memcpy(copy, text, n);
	struct bus_msg m;
	bool ok = bus_msg_decode(copy, n, &m);
	free(copy);
	return ok;
}

#define GOOD_TAIL "1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:0,1:0,"

static void test_malformed_messages_are_refused(void **state)
{
	(void)state;
	assert_true(decodes("S1:1," GOOD_TAIL));
	static const char *const bad[] = {
		"",
		"S",
		"Z1:1," GOOD_TAIL,                           /* unknown kind */
		"S1:1," GOOD_TAIL "x",                       /* trailing byte */
		"S1:1," GOOD_TAIL "1:0,",                    /* extra field */
		"S1:1,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:0,",    /* missing field */
		"S1:1,1:0,2:n1,2:#r,1:a,0:,0:,9:hi,1:0,1:0,", /* length past the end */
		"S1:1,1:0,2:n1,2:#r,1:a,0:,0:,1:hi,1:0,1:0,", /* no ',' after the bytes */
		"S1:1,1:0,2:n1,2:#r,1:a,0:,0:,0000002:hi,1:0,1:0,", /* too many digits */
		"S:1," GOOD_TAIL,                            /* no length */
		"S1:x," GOOD_TAIL,                           /* id not a number */
		"S0:," GOOD_TAIL,                            /* empty number */
		"S21:184467440737095516160," GOOD_TAIL,      /* id too long */
		"S20:18446744073709551616," GOOD_TAIL,       /* id overflows */
		"S1:1,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,10:4294967296,1:0,", /* a overflows */
		"S1:1,1:0,2:n!,2:#r,1:a,0:,0:,2:hi,1:0,1:0,", /* bad node */
		"S1:1,1:0,0:,2:#r,1:a,0:,0:,2:hi,1:0,1:0,",  /* empty node */
		"S1:1,1:0,2:n1,2:xr,1:a,0:,0:,2:hi,1:0,1:0,", /* bad room */
		"S1:1,1:0,2:n1,2:#r,1:!,0:,0:,2:hi,1:0,1:0,", /* bad name */
		"S1:1,1:0,2:n1,2:#r,0:,0:,0:,2:hi,1:0,1:0,", /* no speaker */
		"S1:1,1:0,2:n1,0:,1:a,0:,0:,2:hi,1:0,1:0,",  /* a line needs a room */
		"P1:1,1:0,2:n1,0:,1:a,0:,0:,2:hi,1:0,1:0,",  /* a whisper needs a target */
		"K1:1,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:0,1:0,", /* a kick needs a victim */
		"P1:1,1:0,2:n1,0:,1:a,0:,2:b ,2:hi,1:0,1:0,", /* bad target */
		"B1:0,1:0,2:n1,2:#r,1:a,0:,0:,0:,1:1,1:0,",  /* a ban needs a mask */
		"B1:0,1:0,2:n1,2:#r,1:a,0:,0:,3:a b,1:1,1:0,", /* a space in a mask */
		"B1:0,1:0,2:n1,2:#r,1:a,0:,0:,1:\x01,1:1,1:0,", /* a control byte */
		"B1:0,1:0,2:n1,2:#r,1:a,0:,0:,5:a!*@*,1:2,1:0,", /* neither add nor remove */
		"B1:0,1:0,2:n1,0:,1:a,0:,0:,5:a!*@*,1:1,1:0,", /* a ban needs a room */
		"S1:1,1:0,2:n1,2:#r,0:,0:,0:,2:hi,1:0,1:0,", /* only the node's own acts lack a name */
		"T1:0,1:0,2:n1,2:#r,0:,0:,0:,2:hi,1:0,1:0,", /* (a topic is a user's) */
		"R1:0,1:0,2:n1,0:,1:a,0:,0:,2:hi,1:1,1:0,",  /* a relay to no one */
		"R1:0,1:0,2:n1,2:#r,1:a,0:,1:b,2:hi,1:1,1:0,", /* to a room and a user */
		"R1:0,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:3,1:0,", /* no such style */
		"R1:0,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:1,1:3,", /* tags past the text */
		"R1:0,1:0,2:n1,2:#r,0:,0:,0:,2:hi,1:1,1:0,",  /* a relay is a user's */
		"X1:0,1:0,2:n1,0:,1:a,0:,0:,3:bye,1:1,1:0,",  /* a kill needs a victim */
		"X1:0,1:0,2:n1,2:#r,1:a,0:,1:b,3:bye,1:1,1:0,", /* and no room */
		"X1:0,1:0,2:n1,0:,1:a,0:,1:b,3:bye,1:0,1:0,", /* a user not claimed operator */
		"X1:0,1:0,2:n1,0:,0:,0:,1:b,3:bye,1:1,1:0,",  /* an operator with no name */
		"X1:0,1:0,2:n1,0:,1:a,0:,1:b,3:bye,1:2,1:0,", /* a out of range */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decodes(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
}

/* KICK, MODE and BAN may come from the sending node itself (empty
 * `from`): its console, or its grant of operator to a first member. */
static void test_a_node_acts_without_a_name(void **state)
{
	(void)state;
	assert_true(decodes("K1:0,1:0,2:n1,2:#r,0:,0:,1:b,6:Banned,1:0,1:0,"));
	assert_true(decodes("M1:0,1:0,2:n1,2:#r,0:,0:,1:b,0:,1:1,1:0,"));
	assert_true(decodes("B1:0,1:0,2:n1,2:#r,0:,0:,0:,5:a!*@*,1:0,1:0,"));
	struct bus_msg m = {.kind = BUS_BAN, .node = S("n1"), .room = S("#r"),
			    .from = S("alice"), .text = S("*!*@10.0.0.*"), .a = 1}, got;
	struct buf b = BUF_INIT;
	bus_msg_encode(&m, true, &b);
	assert_true(bus_msg_decode(buf_head(&b), buf_len(&b), &got));
	assert_true(str_eq(got.text, "*!*@10.0.0.*") && got.a == 1);
	buf_release(&b);
}

static void test_relay_and_kill(void **state)
{
	(void)state;
	struct bus_msg m = {.kind = BUS_RELAY, .node = S("n1"), .room = S("#r"), .from = S("alice"),
			    .origin = S("a@h"), .text = S("+typing=active"), .a = 2, .b = 14},
		       got;
	struct buf b = BUF_INIT;
	bus_msg_encode(&m, true, &b);
	assert_true(bus_msg_decode(buf_head(&b), buf_len(&b), &got));
	assert_true(got.kind == BUS_RELAY && got.a == 2 && got.b == 14);
	assert_true(str_eq(got.text, "+typing=active") && str_eq(got.room, "#r"));
	/* A notice to a user, tags then text. */
	assert_true(decodes("R1:0,1:0,2:n1,0:,1:a,0:,1:b,9:+x=1psst!,1:1,1:4,"));
	/* A line from outside a room: plain, no tags. */
	assert_true(decodes("R1:0,1:0,2:n1,2:#r,1:a,0:,0:,2:hi,1:0,1:0,"));
	/* A kill by an operator, and by the node's console. */
	assert_true(decodes("X1:0,1:0,2:n1,0:,4:oper,0:,1:b,4:spam,1:1,1:0,"));
	assert_true(decodes("X1:0,1:0,2:n1,0:,0:,0:,1:b,0:,1:0,1:0,"));
	buf_release(&b);
}

static void test_node_names(void **state)
{
	(void)state;
	assert_true(bus_node_valid("a", 1));
	assert_true(bus_node_valid("host-7000.example_1", 19));
	assert_false(bus_node_valid("", 0));
	assert_false(bus_node_valid("a b", 3));
	assert_false(bus_node_valid("a:b", 3));
	char longest[BUS_NODE_MAX + 1];
	memset(longest, 'x', sizeof(longest));
	assert_true(bus_node_valid(longest, BUS_NODE_MAX));
	assert_false(bus_node_valid(longest, BUS_NODE_MAX + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_round_trips),
		cmocka_unit_test(test_flags_are_zero_or_one),
		cmocka_unit_test(test_tail_completed_with_an_id_decodes),
		cmocka_unit_test(test_empty_optional_fields),
		cmocka_unit_test(test_malformed_messages_are_refused),
		cmocka_unit_test(test_a_node_acts_without_a_name),
		cmocka_unit_test(test_relay_and_kill),
		cmocka_unit_test(test_node_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
