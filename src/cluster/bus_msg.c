/* bus_msg: encoding and strict decoding of node-to-node messages (see
 * bus_msg.h for the format). */
#include <stdio.h>
#include <string.h>

#include "cluster/bus_msg.h"
#include "hub/hub.h"
#include "util/buf.h"

enum { LEN_DIGITS_MAX = 6, NUM_DIGITS_MAX = 20 };

static void put_field(struct buf *out, const char *p, size_t len)
{
	char head[24];
	int n = snprintf(head, sizeof(head), "%zu:", len);
	buf_append(out, head, (size_t)n);
	if (len)
		buf_append(out, p, len);
	buf_append(out, ",", 1);
}

static void put_num(struct buf *out, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put_field(out, num, (size_t)n);
}

void bus_msg_encode(const struct bus_msg *m, bool with_id, struct buf *out)
{
	if (with_id) {
		char kind = (char)m->kind;
		buf_append(out, &kind, 1);
		put_num(out, m->id);
	}
	put_num(out, m->time_ms);
	put_field(out, m->node.p, m->node.len);
	put_field(out, m->room.p, m->room.len);
	put_field(out, m->from.p, m->from.len);
	put_field(out, m->origin.p, m->origin.len);
	put_field(out, m->target.p, m->target.len);
	put_field(out, m->text.p, m->text.len);
	put_num(out, m->a);
	put_num(out, m->b);
}

/* ---- decoding ---- */

struct cursor {
	const char *p, *end;
};

static bool take_field(struct cursor *c, size_t max, struct bus_str *out)
{
	size_t len = 0, digits = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++digits > LEN_DIGITS_MAX)
			return false;
		len = len * 10 + (size_t)(*c->p++ - '0');
	}
	if (digits == 0 || c->p == c->end || *c->p++ != ':')
		return false;
	if (len > max || (size_t)(c->end - c->p) < len + 1 || c->p[len] != ',')
		return false;
	out->p = c->p;
	out->len = len;
	c->p += len + 1;
	return true;
}

static bool take_num(struct cursor *c, uint64_t max, uint64_t *out)
{
	struct bus_str f;
	if (!take_field(c, NUM_DIGITS_MAX, &f) || f.len == 0)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < f.len; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return false;
		uint64_t d = (uint64_t)(f.p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool kind_known(char k)
{
	return k && strchr("HUQNAJLSPTKMBRX", k) != NULL;
}

bool bus_node_valid(const char *p, size_t len)
{
	if (len < 1 || len > BUS_NODE_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A ban mask: 1..HUB_MASK_MAX printable bytes, no spaces. */
static bool mask_ok(struct bus_str t)
{
	if (t.len == 0 || t.len > HUB_MASK_MAX)
		return false;
	for (size_t i = 0; i < t.len; i++)
		if ((unsigned char)t.p[i] <= ' ' || (unsigned char)t.p[i] == 0x7f)
			return false;
	return true;
}

/* Which fields a kind cannot do without. */
static bool fields_fit_kind(const struct bus_msg *m)
{
	bool room = m->room.len > 0, target = m->target.len > 0;
	switch (m->kind) {
	case BUS_USER:
		return m->a <= 1 && m->b <= 1;
	case BUS_HELLO:
	case BUS_QUIT:
	case BUS_AWAY:
		return true;
	case BUS_NICK:
		return target;
	case BUS_PRIV:
		return target && m->a <= 1;
	case BUS_KICK:
		return room && target;
	case BUS_BAN:
		return room && m->a <= 1 && mask_ok(m->text);
	case BUS_RELAY:
		return room != target && m->a <= 2 && m->b <= m->text.len;
	case BUS_KILL:
		return target && !room && m->a == (m->from.len > 0); /* an operator, or none */
	default: /* JOIN LEAVE SAY TOPIC MODE */
		return room;
	}
}

bool bus_msg_decode(const char *p, size_t len, struct bus_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 1 || !kind_known(p[0]))
		return false;
	out->kind = (enum bus_kind)p[0];
	struct cursor c = {p + 1, p + len};
	uint64_t a, b;
	if (!take_num(&c, UINT64_MAX, &out->id) || !take_num(&c, UINT64_MAX, &out->time_ms) ||
	    !take_field(&c, BUS_NODE_MAX, &out->node) ||
	    !take_field(&c, HUB_ROOM_MAX, &out->room) ||
	    !take_field(&c, HUB_NAME_MAX, &out->from) ||
	    !take_field(&c, HUB_ORIGIN_MAX, &out->origin) ||
	    !take_field(&c, HUB_NAME_MAX, &out->target) ||
	    !take_field(&c, BUS_TEXT_MAX, &out->text) || !take_num(&c, UINT32_MAX, &a) ||
	    !take_num(&c, UINT32_MAX, &b) || c.p != c.end)
		return false;
	out->a = (uint32_t)a;
	out->b = (uint32_t)b;
	if (!bus_node_valid(out->node.p, out->node.len))
		return false;
	if (out->from.len ? !hub_name_valid(out->from.p, out->from.len)
			  : !strchr("HKMBX", (char)out->kind))
		return false;
	if (out->room.len && !hub_room_valid(out->room.p, out->room.len))
		return false;
	if (out->target.len && !hub_name_valid(out->target.p, out->target.len))
		return false;
	return fields_fit_kind(out);
}
