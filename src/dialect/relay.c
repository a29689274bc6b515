/* relay: line relay and frame broadcast groups. A frame listener also
 * serves people typing into it (nc): such a connection is told apart by its
 * first bytes (frame_input_kind), then read as lines, each line broadcast
 * as the frame it stands for; it receives frames like everyone else. */
#include "dialect/relay.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/framed.h"
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
	uint64_t units_received; /* for /metrics */
};

/* How a member's input reads. */
enum member_input {
	READS_UNDECIDED, /* frame listener, first bytes not yet conclusive */
	READS_FRAMES,    /* frame listener, a framing peer */
	READS_TYPED,     /* frame listener, a person typing: lines become frames */
	READS_LINES,     /* relay listener */
};

struct relay_member {
	struct list link; /* unlinked once the member stops sending */
	struct conn *conn;
	struct relay *relay;
	struct framed in; /* the member's decoder, once its input is known */
	enum member_input input;
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

uint64_t relay_units_received(const struct relay *r)
{
	return r->units_received;
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

/* Sets up the decoder for the member's input, once it is known. A typed
 * line's content is a frame payload: --max-frame bounds it. */
static void start_decoding(struct relay_member *m, enum member_input input)
{
	size_t max = m->relay->max_unit;
	m->input = input;
	if (input == READS_FRAMES)
		framed_init_frames(&m->in, max);
	else
		framed_init_lines(&m->in, max, input == READS_TYPED ? LINE_STRIP : LINE_KEEP);
}

static void relay_open(struct conn *c, void *data)
{
	struct relay_member *m = xcalloc(1, sizeof(*m));
	m->conn = c;
	m->relay = data;
	/* A relay member always reads lines; a frame one is told by its bytes. */
	if (m->relay->mode == RELAY_LINES)
		start_decoding(m, READS_LINES);
	else
		m->input = READS_UNDECIDED;
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

/* Sends `msg` to the group: for frames, to every member; for lines, to
 * every member but the sender. */
static void fan_out(struct relay_member *from, struct msg *msg)
{
	struct relay *r = from->relay;
	bool echo = r->mode == RELAY_FRAMES;
	struct list *pos;
	list_for_each(pos, &r->members) {
		struct relay_member *to = list_entry(pos, struct relay_member, link);
		if (to != from || echo)
			conn_send(to->conn, msg);
	}
}

static void broadcast(struct relay_member *from, const char *bytes, size_t len)
{
	struct msg *msg = msg_copy(bytes, len);
	fan_out(from, msg);
	msg_unref(msg);
}

/* A typed line goes out as the frame a framing peer would have sent. */
static void broadcast_as_frame(struct relay_member *from, const char *payload, size_t len)
{
	struct msg *msg = msg_new(FRAME_HEADER + len);
	frame_header((uint32_t)len, msg->data);
	memcpy(msg->data + FRAME_HEADER, payload, len);
	fan_out(from, msg);
	msg_unref(msg);
}

static void log_oversize(const struct relay_member *m, size_t len)
{
	const struct relay *r = m->relay;
	char peer[PEER_STRLEN];
	peer_format(conn_peer(m->conn), peer);
	if (m->input == READS_TYPED)
		log_event(r->log, LOG_WARN, "OVERSIZE",
			  "conn=%llu fd=%d peer=%s listener=frame input=text limit=%zu",
			  (unsigned long long)conn_id(m->conn), conn_fd(m->conn), peer,
			  r->max_unit);
	else if (r->mode == RELAY_FRAMES)
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

static void log_text_client(const struct relay_member *m)
{
	char peer[PEER_STRLEN];
	peer_format(conn_peer(m->conn), peer);
	log_event(m->relay->log, LOG_INFO, "TEXT_CLIENT",
		  "conn=%llu fd=%d peer=%s listener=frame",
		  (unsigned long long)conn_id(m->conn), conn_fd(m->conn), peer);
}

/* Settles, once, whether a frame listener's peer frames or types. */
static bool input_decided(struct relay_member *m, const char *data, size_t len)
{
	if (m->input != READS_UNDECIDED)
		return true;
	switch (frame_input_kind(data, len, m->relay->max_unit)) {
	case FRAME_INPUT_UNDECIDED:
		return false;
	case FRAME_INPUT_FRAMES:
		start_decoding(m, READS_FRAMES);
		return true;
	case FRAME_INPUT_TEXT:
		start_decoding(m, READS_TYPED);
		log_text_client(m);
		return true;
	}
	return false;
}

/* Hands one decoded unit to the group, each input in its own form. */
static void forward(void *ctx, const struct codec_unit *unit, const char *raw)
{
	struct relay_member *m = ctx;
	m->relay->units_received++;
	/* Forward a frame exactly as received, header and all, and a relayed
	 * line with its terminator. Not `raw` for lines: their `used` also
	 * covers the skipped tail of an over-long line. */
	if (m->input == READS_FRAMES)
		broadcast(m, raw, unit->used);
	else if (m->input == READS_TYPED)
		broadcast_as_frame(m, unit->data, unit->len);
	else
		broadcast(m, unit->data, unit->len);
}

static bool member_reading(void *ctx)
{
	const struct relay_member *m = ctx;
	return !conn_closing(m->conn);
}

static void on_oversize(void *ctx, size_t announced)
{
	struct relay_member *m = ctx;
	log_oversize(m, announced);
	/* A frame stream cannot resynchronise after a bad length. */
	if (m->input == READS_FRAMES)
		conn_close(m->conn, CONN_CLOSE_OVERSIZE);
}

static const struct framed_ops relay_framing = {
	.proceed = member_reading,
	.on_unit = forward,
	.on_oversize = on_oversize,
};

static size_t relay_data(struct conn *c, const char *data, size_t len)
{
	struct relay_member *m = conn_session(c);
	if (!input_decided(m, data, len))
		return 0;
	size_t off = framed_decode(&m->in, data, len, &relay_framing, m);
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
	snprintf(out, outlen, "  proto=%s%s", relay_name(m->relay),
		 m->input == READS_TYPED ? "  input=text" : "");
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
