/* relay: line relay and frame broadcast groups. */
#include "dialect/relay.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec/codec.h"
#include "net/addr.h"
#include "util/alloc.h"
#include "util/list.h"
#include "util/log.h"
#include "util/msg.h"

struct relay {
	enum relay_mode mode;
	size_t max_unit;
	const struct log *log;
	struct list members; /* struct relay_member.link, join order */
	size_t count;
};

struct relay_member {
	struct list link; /* unlinked once the member stops sending */
	struct conn *conn;
	struct relay *relay;
	bool discarding; /* line decoder state */
};

static const char *relay_name(const struct relay *r)
{
	return r->mode == RELAY_LINES ? "relay" : "frame";
}

struct relay *relay_create(enum relay_mode mode, size_t max_unit, const struct log *log)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	r->mode = mode;
	r->max_unit = max_unit;
	r->log = log;
	list_init(&r->members);
	return r;
}

void relay_destroy(struct relay *r)
{
	if (!r)
		return;
	assert(list_empty(&r->members));
	free(r);
}

size_t relay_largest_unit(enum relay_mode mode, size_t max_unit)
{
	return max_unit + (mode == RELAY_FRAMES ? FRAME_HEADER : 2);
}

static void relay_open(struct conn *c, void *data)
{
	struct relay_member *m = xcalloc(1, sizeof(*m));
	m->conn = c;
	m->relay = data;
	list_insert_tail(&m->relay->members, &m->link);
	m->relay->count++;
	conn_set_session(c, m);
}

static void depart(struct relay_member *m)
{
	if (!list_linked(&m->link))
		return;
	list_remove(&m->link);
	m->relay->count--;
}

static void broadcast(struct relay_member *from, const char *bytes, size_t len)
{
	struct relay *r = from->relay;
	struct msg *msg = msg_copy(bytes, len);
	bool echo = r->mode == RELAY_FRAMES;
	struct list *pos;
	list_for_each(pos, &r->members) {
		struct relay_member *to = list_entry(pos, struct relay_member, link);
		if (to != from || echo)
			conn_send(to->conn, msg);
	}
	msg_unref(msg);
}

static void log_oversize(const struct relay_member *m, size_t len)
{
	const struct relay *r = m->relay;
	char peer[PEER_STRLEN];
	peer_format(conn_peer(m->conn), peer);
	if (r->mode == RELAY_FRAMES)
		log_event(r->log, LOG_WARN, "OVERSIZE",
			  "conn=%llu fd=%d peer=%s listener=frame len=%zu limit=%zu",
			  (unsigned long long)conn_id(m->conn), conn_fd(m->conn), peer, len,
			  r->max_unit);
	else
		log_event(r->log, LOG_WARN, "OVERSIZE",
			  "conn=%llu fd=%d peer=%s listener=relay limit=%zu",
			  (unsigned long long)conn_id(m->conn), conn_fd(m->conn), peer,
			  r->max_unit);
}

static struct codec member_codec(const struct relay_member *m)
{
	struct codec codec;
	if (m->relay->mode == RELAY_FRAMES) {
		codec.kind = CODEC_FRAME;
		codec.u.frame = (struct frame_decoder){m->relay->max_unit};
	} else {
		codec.kind = CODEC_LINE;
		codec.u.line = (struct line_decoder){m->relay->max_unit, LINE_KEEP, m->discarding};
	}
	return codec;
}

static size_t relay_data(struct conn *c, const char *data, size_t len)
{
	struct relay_member *m = conn_session(c);
	struct codec codec = member_codec(m);
	size_t off = 0;
	while (off < len && !conn_closing(c)) {
		struct codec_unit unit;
		enum codec_status st = codec_decode(&codec, data + off, len - off, &unit);
		/* Forward the unit exactly as received: a frame with its header,
		 * a line with its terminator. Not data + off for lines: their
		 * `used` also covers the skipped tail of an over-long line. */
		if (st == CODEC_UNIT && codec.kind == CODEC_FRAME)
			broadcast(m, data + off, unit.used);
		else if (st == CODEC_UNIT)
			broadcast(m, unit.data, unit.len);
		off += unit.used;
		if (st == CODEC_NEED_MORE)
			break;
		if (st == CODEC_TOO_LONG) {
			log_oversize(m, unit.len);
			/* A frame stream cannot resynchronise after a bad length. */
			if (m->relay->mode == RELAY_FRAMES)
				conn_close(c, CONN_CLOSE_OVERSIZE);
		}
	}
	if (codec.kind == CODEC_LINE)
		m->discarding = codec.u.line.discarding;
	return conn_closing(c) ? len : off;
}

static void relay_eof(struct conn *c)
{
	depart(conn_session(c));
	conn_close_after_flush(c, CONN_CLOSE_EOF);
}

static void relay_describe(const struct conn *c, char *out, size_t outlen)
{
	const struct relay_member *m = conn_session(c);
	snprintf(out, outlen, "  proto=%s", relay_name(m->relay));
}

static void relay_close(struct conn *c)
{
	struct relay_member *m = conn_session(c);
	depart(m);
	free(m);
}

const struct conn_handler relay_handler = {
	.on_open = relay_open,
	.on_data = relay_data,
	.on_eof = relay_eof,
	.describe = relay_describe,
	.on_close = relay_close,
};
