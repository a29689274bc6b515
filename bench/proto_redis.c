/* proto_redis: Redis pub/sub over RESP2. Subscribers SUBSCRIBE to channel
 * "r<room>"; publishers are separate connections (a subscribed connection
 * may not PUBLISH) that register with PING and publish with PUBLISH, whose
 * integer reply (receivers reached) acknowledges the message. The scanner
 * understands exactly what pub/sub sends: simple strings, errors, integers
 * and arrays of up to three bulk strings or integers. */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "proto.h"

enum { MAX_ELEMS = 3 };

static size_t redis_hello(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap)
{
	(void)id;
	int n;
	if (publisher_only) {
		n = snprintf(out, cap, "PING\r\n");
	} else {
		char ch[16];
		int chlen = snprintf(ch, sizeof(ch), "r%u", room);
		n = snprintf(out, cap, "*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n", chlen, ch);
	}
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t redis_envelope(uint32_t room, uint32_t size, char *out, size_t *payload_off)
{
	char ch[16];
	int chlen = snprintf(ch, sizeof(ch), "r%u", room);
	int n = snprintf(out, PROTO_ENVELOPE_MAX, "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%u\r\n",
			 chlen, ch, size);
	*payload_off = (size_t)n;
	memcpy(out + n + size, "\r\n", 2);
	return (size_t)n + size + 2;
}

static void redis_scan_init(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size)
{
	(void)room;
	st->self = self;
	st->size = size;
}

/* Parses a decimal (optionally negative) number ending in "\r\n" at p.
 * Returns bytes used including the terminator, 0 if incomplete, -1 if bad. */
static long parse_num(const char *p, size_t n, long long *out)
{
	size_t i = 0;
	bool neg = n > 0 && p[0] == '-';
	i += neg;
	long long v = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (p[i] - '0');
	if (i + 2 > n)
		return 0;
	if (p[i] != '\r' || p[i + 1] != '\n')
		return -1;
	*out = neg ? -v : v;
	return (long)i + 2;
}

struct elem {
	const char *data; /* NULL for an integer */
	size_t len;
	long long num;
};

/* Parses one bulk string or integer at p; returns bytes used, 0 if
 * incomplete, -1 if it is neither. */
static long parse_elem(const char *p, size_t n, struct elem *e)
{
	if (n < 1)
		return 0;
	long k = parse_num(p + 1, n - 1, &e->num);
	if (k <= 0)
		return k;
	e->data = NULL;
	if (p[0] == ':')
		return 1 + k;
	if (p[0] != '$' || e->num < 0)
		return -1;
	size_t at = 1 + (size_t)k, len = (size_t)e->num;
	if (n < at + len + 2)
		return 0;
	e->data = p + at;
	e->len = len;
	return (long)(at + len + 2);
}

static bool elem_is(const struct elem *e, const char *word)
{
	return e->data && e->len == strlen(word) && memcmp(e->data, word, e->len) == 0;
}

static void bad(struct unit *out, size_t used, const char *why)
{
	out->kind = UNIT_ERROR;
	out->used = used;
	out->data = why;
	out->len = strlen(why);
}

static void classify_array(const struct elem *el, long long count, struct unit *out)
{
	out->kind = UNIT_OTHER;
	if (count == 3 && elem_is(&el[0], "message") && el[2].data) {
		out->kind = UNIT_PAYLOAD;
		out->data = el[2].data;
		out->len = el[2].len;
	} else if (count == 3 && elem_is(&el[0], "subscribe")) {
		out->kind = UNIT_READY;
	}
}

static void scan_array(const char *p, size_t n, struct unit *out)
{
	long long count;
	long k = parse_num(p + 1, n - 1, &count);
	if (k < 0 || count < 0 || count > MAX_ELEMS) {
		bad(out, n, "unexpected RESP array");
		return;
	}
	size_t at = 1 + (size_t)k;
	struct elem el[MAX_ELEMS];
	for (long long i = 0; k > 0 && i < count; i++) {
		k = parse_elem(p + at, n - at, &el[i]);
		at += k > 0 ? (size_t)k : 0;
	}
	if (k < 0) {
		bad(out, n, "unexpected RESP element");
		return;
	}
	if (k == 0) {
		out->kind = UNIT_NEED_MORE;
		out->used = 0;
		return;
	}
	out->used = at;
	classify_array(el, count, out);
}

/* "+..." "-..." ":..." lines. */
static void scan_line(const char *p, size_t n, struct unit *out)
{
	const char *nl = memchr(p, '\n', n);
	if (!nl) {
		out->kind = UNIT_NEED_MORE;
		out->used = 0;
		return;
	}
	out->used = (size_t)(nl - p) + 1;
	out->data = p;
	out->len = out->used >= 2 ? out->used - 2 : 0;
	long long v = 0;
	if (p[0] == ':' && parse_num(p + 1, n - 1, &v) > 0) {
		out->kind = UNIT_ACK;
		out->value = (uint64_t)v;
	} else if (p[0] == '+') {
		out->kind = UNIT_READY;
	} else {
		out->kind = UNIT_ERROR;
	}
}

static void redis_next(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	(void)st;
	if (n < 1) {
		out->kind = UNIT_NEED_MORE;
		out->used = 0;
	} else if (p[0] == '*') {
		scan_array(p, n, out);
	} else {
		scan_line(p, n, out);
	}
}

const struct proto proto_redis = {
	.name = "redis",
	.publisher_is_member = false,
	.hello = redis_hello,
	.envelope = redis_envelope,
	.scan_init = redis_scan_init,
	.next = redis_next,
};
