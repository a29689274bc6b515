/* conn: per-connection reading, queued writing and deferred closing. Bytes
 * cross the socket only through the connection's transport (transport.h),
 * whose per-direction waits decide the watched events. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net_private.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/msg.h"
#include "util/trace.h"

static void on_conn_io(void *data, int fd, unsigned events);
static void on_conn_timer(struct loop_timer *timer);
static bool read_once(struct conn *c, bool *dry);

struct conn *conn_create(struct net *net, int fd, const struct peer *peer,
			 const struct conn_handler *handler,
			 const struct transport_factory *transport)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->tr = transport ? transport->open(transport->ctx, fd, net->next_id)
			  : transport_plain();
	if (!c->tr) {
		free(c);
		return NULL;
	}
	if (loop_watch(net->loop, fd, c->tr->read_wait, on_conn_io, c) < 0) {
		transport_close(c->tr, -1);
		free(c);
		return NULL;
	}
	c->net = net;
	c->handler = handler;
	c->fd = fd;
	c->peer = *peer;
	c->id = net->next_id++;
	c->created_ms = loop_now_ms(net->loop);
	c->state = CONN_OPEN;
	list_init(&c->pending);
	list_init(&c->parked);
	loop_timer_init(&c->timer, on_conn_timer);
	list_insert_tail(&net->conns, &c->link);
	net->stats.active++;
	if (transport_handshaking(c->tr) && net->cfg.handshake_ms) {
		/* A handler that sets its own timeout takes the timer over. */
		loop_timer_arm(net->loop, &c->timer, net->cfg.handshake_ms);
		c->flags |= CONN_HANDSHAKE_TIMER;
	}
	return c;
}

/* ---- accessors ---- */

void conn_set_session(struct conn *c, void *session) { c->session = session; }
void *conn_session(const struct conn *c) { return c->session; }
uint64_t conn_id(const struct conn *c) { return c->id; }
int conn_fd(const struct conn *c) { return c->fd; }
const struct peer *conn_peer(const struct conn *c) { return &c->peer; }
const struct log *conn_log(const struct conn *c) { return c->net->log; }
const char *conn_transport_name(const struct conn *c) { return c->tr->ops->name; }
int conn_closing(const struct conn *c) { return c->state != CONN_OPEN; }
enum conn_close_reason conn_close_reason(const struct conn *c) { return c->close_reason; }

static const char *const reason_names[CONN_CLOSE_REASON_COUNT] = {
	[CONN_CLOSE_NONE] = "none",
	[CONN_CLOSE_EOF] = "eof",
	[CONN_CLOSE_QUIT] = "quit",
	[CONN_CLOSE_LOCAL] = "local",
	[CONN_CLOSE_RESET] = "reset",
	[CONN_CLOSE_TIMEOUT] = "timeout",
	[CONN_CLOSE_REGISTER_TIMEOUT] = "register-timeout",
	[CONN_CLOSE_IO_ERROR] = "io-error",
	[CONN_CLOSE_POLL_ERROR] = "poll-error",
	[CONN_CLOSE_SLOW_CONSUMER] = "slow-consumer",
	[CONN_CLOSE_OVERSIZE] = "oversize",
	[CONN_CLOSE_SHUTDOWN] = "shutdown",
	[CONN_CLOSE_PING_TIMEOUT] = "ping-timeout",
	[CONN_CLOSE_BAD_PASSWORD] = "bad-password",
	[CONN_CLOSE_TLS_ERROR] = "tls-error",
	[CONN_CLOSE_HANDSHAKE_TIMEOUT] = "handshake-timeout",
	[CONN_CLOSE_FLOOD] = "flood",
	[CONN_CLOSE_KILLED] = "killed",
};

const char *conn_close_reason_name(enum conn_close_reason reason)
{
	if ((unsigned)reason >= CONN_CLOSE_REASON_COUNT || !reason_names[reason])
		return "?";
	return reason_names[reason];
}

/* ---- interest ---- */

static bool reading(const struct conn *c)
{
	return c->state == CONN_OPEN && !(c->flags & (CONN_EOF | CONN_PARKED));
}

/* Watches what the transport waits for in each direction in use: for the
 * plain transport, readable for input and writable for blocked output. */
static void update_mask(struct conn *c)
{
	unsigned mask = 0;
	if (reading(c))
		mask |= c->tr->read_wait;
	if (c->flags & CONN_WRITE_ARMED)
		mask |= c->tr->write_wait;
	/* Changing the interest of a watched fd cannot fail on our backends
	 * except for resource exhaustion; we then close rather than spin. */
	if (loop_set_mask(c->net->loop, c->fd, mask) < 0)
		conn_close(c, CONN_CLOSE_POLL_ERROR);
}

static void set_write_armed(struct conn *c, int armed)
{
	unsigned want = armed ? CONN_WRITE_ARMED : 0u;
	if ((c->flags & CONN_WRITE_ARMED) == want)
		return;
	c->flags = (uint8_t)((c->flags & ~CONN_WRITE_ARMED) | want);
	update_mask(c);
}

/* ---- closing ---- */

static void log_disconnect(const struct conn *c)
{
	char peer[PEER_STRLEN];
	peer_format(&c->peer, peer);
	log_event(c->net->log, LOG_INFO, "DISCONNECT",
		  "conn=%llu fd=%d peer=%s reason=%s in=%llu out=%llu",
		  (unsigned long long)c->id, c->fd, peer, conn_close_reason_name(c->close_reason),
		  (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
}

void conn_close(struct conn *c, enum conn_close_reason reason)
{
	if (c->state == CONN_DOOMED)
		return;
	if (c->close_reason == CONN_CLOSE_NONE)
		c->close_reason = reason;
	c->state = CONN_DOOMED;
	if (list_linked(&c->pending))
		list_remove(&c->pending);
	list_insert_tail(&c->net->doomed, &c->pending);
	loop_timer_disarm(c->net->loop, &c->timer);
}

void conn_close_after_flush(struct conn *c, enum conn_close_reason reason)
{
	if (c->state != CONN_OPEN)
		return;
	if (c->framer && c->framer->on_closing)
		c->framer->on_closing(c, c->framer_state, reason);
	c->state = CONN_DRAINING;
	c->close_reason = reason;
	if (outq_bytes(&c->out) == 0) {
		conn_close(c, reason);
		return;
	}
	/* c->in is not released here: this may run inside on_data, which is
	 * reading it. handle_input() releases it once the handler returns (and
	 * teardown does in any case); no more input is read meanwhile. */
	update_mask(c);
	loop_timer_arm(c->net->loop, &c->timer, c->net->cfg.drain_ms);
}

void conn_teardown(struct conn *c)
{
	assert(c->state == CONN_DOOMED);
	if (c->handler->on_close)
		c->handler->on_close(c);
	if (c->framer && c->framer->release)
		c->framer->release(c->framer_state);
	log_disconnect(c);
	trace_removing(c->net->cfg.trace, c->fd);
	list_remove(&c->pending);
	list_remove(&c->link);
	if (c->flags & CONN_PARKED) {
		list_remove(&c->parked);
		c->net->stats.parked--;
	}
	addrlimit_release(c->addr);
	loop_timer_disarm(c->net->loop, &c->timer);
	loop_unwatch(c->net->loop, c->fd);
	transport_close(c->tr, c->fd);
	close(c->fd);
	outq_clear(&c->out);
	buf_release(&c->in);
	c->net->stats.active--;
	if (c->close_reason < CONN_CLOSE_REASON_COUNT)
		c->net->stats.closed[c->close_reason]++;
	free(c);
}

/* ---- output ---- */

/* The queue just passed --sendq. Output is normally written once per loop
 * pass, so a burst fanned out within one pass can pass the limit for a
 * reader whose socket is empty: write now, and call the connection a slow
 * consumer only if the kernel would not take enough. */
static void send_past_limit(struct conn *c)
{
	conn_flush(c);
	if (c->state == CONN_DOOMED || outq_bytes(&c->out) <= c->net->cfg.sendq)
		return;
	char peer[PEER_STRLEN];
	peer_format(&c->peer, peer);
	log_event(c->net->log, LOG_WARN, "SLOW_CLIENT",
		  "conn=%llu fd=%d peer=%s queued=%zu limit=%zu",
		  (unsigned long long)c->id, c->fd, peer, outq_bytes(&c->out),
		  c->net->cfg.sendq);
	conn_close(c, CONN_CLOSE_SLOW_CONSUMER);
}

static inline void queue_msg(struct conn *c, struct msg *m)
{
	outq_push(&c->out, m);
	if (outq_bytes(&c->out) > c->net->cfg.sendq) {
		send_past_limit(c);
		return;
	}
	if (!(c->flags & CONN_WRITE_ARMED) && !list_linked(&c->pending))
		list_insert_tail(&c->net->dirty, &c->pending);
}

void conn_send(struct conn *c, struct msg *m)
{
	if (c->state == CONN_DOOMED)
		return;
	struct net *net = c->net;
	net->stats.messages_sent++;
	/* The first recipient stamps the message with the cached wake-up
	 * time: no clock read per message. */
	if (m->born_ns == 0)
		m->born_ns = loop_now_ns(net->loop);
	if (!c->framer) {
		queue_msg(c, m);
		return;
	}
	struct msg *framed = c->framer->encode(c->framer_state, m);
	if (framed->born_ns == 0)
		framed->born_ns = m->born_ns;
	queue_msg(c, framed);
	msg_unref(framed);
}

void conn_send_raw(struct conn *c, const void *data, size_t len)
{
	if (c->state == CONN_DOOMED)
		return;
	struct msg *m = msg_copy(data, len);
	queue_msg(c, m);
	msg_unref(m);
}

void conn_set_framer(struct conn *c, const struct conn_framer *framer, void *state)
{
	c->framer = framer;
	c->framer_state = state;
}

void conn_set_handler(struct conn *c, const struct conn_handler *h, void *data)
{
	c->handler = h;
	c->session = NULL;
	loop_timer_disarm(c->net->loop, &c->timer);
	if (h->on_open)
		h->on_open(c, data);
}

size_t conn_deliver(struct conn *c, const char *data, size_t len)
{
	size_t used = c->handler->on_data(c, data, len);
	assert(used <= len);
	return used;
}

void conn_send_bytes(struct conn *c, const void *data, size_t len)
{
	if (c->state == CONN_DOOMED)
		return;
	struct msg *m = msg_copy(data, len);
	conn_send(c, m);
	msg_unref(m);
}

static enum conn_close_reason errno_reason(int err)
{
	switch (err) {
	case EPIPE:
	case ECONNRESET:
		return CONN_CLOSE_RESET;
	case ETIMEDOUT:
		return CONN_CLOSE_TIMEOUT;
	case EPROTO:
		return CONN_CLOSE_TLS_ERROR;
	default:
		return CONN_CLOSE_IO_ERROR;
	}
}

void conn_flush(struct conn *c)
{
	if (c->state == CONN_DOOMED)
		return;
	if (list_linked(&c->pending))
		list_remove(&c->pending);
	uint64_t written = 0;
	uint8_t read_wait = c->tr->read_wait, write_wait = c->tr->write_wait;
	int rc = outq_flush_timed(&c->out, c->tr, c->fd, c->net->out_scratch, NET_READ_CHUNK,
				  &written, &c->net->delivery_latency);
	c->bytes_out += written;
	c->net->stats.bytes_out += written;
	/* A transport can change what either direction waits for (TLS: a
	 * handshake message to read first) while the flags stay as they are. */
	if (c->tr->read_wait != read_wait || c->tr->write_wait != write_wait)
		update_mask(c);
	if (rc == -EAGAIN) {
		set_write_armed(c, 1);
		return;
	}
	if (rc < 0) {
		conn_close(c, errno_reason(-rc));
		return;
	}
	set_write_armed(c, 0);
	if (c->state == CONN_DRAINING)
		conn_close(c, c->close_reason);
}

/* ---- input ---- */

/* ---- input limiting (fake lag) ---- */

void conn_limit_input(struct conn *c, enum conn_rate_unit unit)
{
	const struct rate *r = unit == CONN_RATE_BYTES  ? &c->net->cfg.byte_rate
			       : unit != CONN_RATE_NONE ? &c->net->cfg.line_rate
							: NULL;
	c->rate = r && rate_on(r) ? r : NULL;
	c->rate_unit = (uint8_t)unit;
	if (c->rate)
		bucket_init(&c->bucket, c->rate, loop_now_ms(c->net->loop));
}

void conn_charge(struct conn *c, unsigned tokens)
{
	if (c->rate)
		bucket_charge(&c->bucket, tokens);
}

bool conn_input_paused(const struct conn *c)
{
	return c->rate && bucket_tokens(&c->bucket) == 0;
}

/* The input has waited on the bucket without a break for --flood-ms (see
 * net.h): the handler says its last word and the connection goes. */
static void flood_out(struct conn *c)
{
	char peer[PEER_STRLEN];
	peer_format(&c->peer, peer);
	log_event(c->net->log, LOG_WARN, "FLOOD", "conn=%llu fd=%d peer=%s rate=%u/s burst=%u",
		  (unsigned long long)c->id, c->fd, peer, c->rate->per_s, c->rate->burst);
	c->net->stats.flood_closed++;
	if (c->handler->on_flood)
		c->handler->on_flood(c);
	conn_close_after_flush(c, CONN_CLOSE_FLOOD);
}

/* Out of tokens: stop reading until the net's wake timer finds some. A
 * complete unit left unread means the sender is ahead of its rate; line and
 * message connections are judged for flooding (a byte stream's backlog sits
 * in the kernel, out of sight). */
static void park(struct conn *c, bool backlogged)
{
	struct net *net = c->net;
	uint64_t now = loop_now_ms(net->loop);
	if (c->rate_unit == CONN_RATE_BYTES)
		c->backlog_since = 0;
	else if (!backlogged)
		; /* all read input was taken: the streak neither starts nor ends */
	else if (!c->backlog_since)
		c->backlog_since = now;
	else if (net->cfg.flood_ms && now - c->backlog_since >= net->cfg.flood_ms) {
		flood_out(c);
		return;
	}
	c->flags |= CONN_PARKED;
	list_insert_tail(&net->parked, &c->parked);
	net->stats.parked++;
	net->stats.throttled++;
	update_mask(c);
	net_wake_within(net, bucket_wait_ms(&c->bucket, c->rate) + 1);
}

/* Offers lines one at a time while tokens last, so that a command that
 * costs more (conn_charge) holds back the very next line; a partial line
 * is offered as it is (an over-long one must still be refused). */
/* Input goes through the connection's framer when it has one (a WebSocket
 * connection decodes frames first), else straight to the handler. */
static size_t decode_input(struct conn *c, const char *data, size_t len)
{
	return c->framer ? c->framer->decode(c, c->framer_state, data, len)
			 : c->handler->on_data(c, data, len);
}

static size_t offer_lines(struct conn *c, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len && c->state == CONN_OPEN && bucket_tokens(&c->bucket) > 0) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - data) + 1 : len;
		size_t used = decode_input(c, data + off, end - off);
		assert(used <= end - off);
		off += used;
		if (off != end)
			break;
		if (nl)
			bucket_charge(&c->bucket, 1);
	}
	return off;
}

/* Bytes: at most as many as there are tokens. A unit larger than a full
 * bucket (a big frame) goes whole, into debt; anything else left over
 * waits for tokens (*held). */
static size_t offer_bytes(struct conn *c, const char *data, size_t len, bool *held)
{
	uint64_t tokens = bucket_tokens(&c->bucket);
	size_t allowed = tokens < len ? (size_t)tokens : len;
	size_t used = allowed ? decode_input(c, data, allowed) : 0;
	if (used == 0 && allowed < len && tokens >= c->rate->burst && c->state == CONN_OPEN)
		used = decode_input(c, data, allowed = len);
	assert(used <= len);
	bucket_charge(&c->bucket, used);
	*held = used < len && allowed < len;
	return used;
}

/* Out of tokens after offering, or holding input back, the connection
 * parks (see park()). */
static size_t offer_limited(struct conn *c, const char *data, size_t len)
{
	bucket_refill(&c->bucket, c->rate, loop_now_ms(c->net->loop));
	bool held = false;
	size_t used;
	bool backlogged;
	if (c->rate_unit == CONN_RATE_MESSAGES) {
		used = bucket_tokens(&c->bucket) ? decode_input(c, data, len) : 0;
		assert(used <= len);
		backlogged = used < len; /* may be half a message: judged generously */
	} else {
		used = c->rate_unit == CONN_RATE_LINES ? offer_lines(c, data, len)
						       : offer_bytes(c, data, len, &held);
		backlogged = memchr(data + used, '\n', len - used) != NULL;
	}
	bool empty = bucket_tokens(&c->bucket) == 0;
	if (c->state == CONN_OPEN && (empty || held) && !(c->flags & CONN_PARKED))
		park(c, backlogged);
	return used;
}

/* Offers bytes to the handler; returns how many it consumed. */
static size_t offer(struct conn *c, const char *data, size_t len)
{
	if (c->rate)
		return offer_limited(c, data, len);
	size_t used = decode_input(c, data, len);
	assert(used <= len);
	return used;
}

/* Tokens are back: what is buffered goes first, then reading resumes
 * (unless the buffered input used them all up again). */
void conn_unpark(struct conn *c)
{
	list_remove(&c->parked);
	c->flags &= (uint8_t)~CONN_PARKED;
	c->net->stats.parked--;
	if (c->state != CONN_OPEN)
		return;
	if (buf_len(&c->in) > 0) {
		size_t used = offer(c, buf_head(&c->in), buf_len(&c->in));
		buf_consume(&c->in, used);
		if (buf_len(&c->in) == 0 || c->state != CONN_OPEN)
			buf_release(&c->in);
	}
	if (c->state != CONN_OPEN || (c->flags & CONN_PARKED))
		return;
	update_mask(c);
	/* Read at once: if the socket is dry the sender has fallen behind its
	 * rate, and its waiting streak (the flood measure) ends. */
	bool dry = false;
	while (reading(c) && read_once(c, &dry) && transport_pending(c->tr) > 0)
		;
	if (dry)
		c->backlog_since = 0;
}

static void handle_input(struct conn *c, const char *data, size_t n)
{
	if (buf_len(&c->in) > 0) {
		buf_append(&c->in, data, n);
		size_t used = offer(c, buf_head(&c->in), buf_len(&c->in));
		buf_consume(&c->in, used);
	} else {
		size_t used = offer(c, data, n);
		if (used < n && c->state == CONN_OPEN)
			buf_append(&c->in, data + used, n - used);
	}
	if (buf_len(&c->in) == 0 || c->state != CONN_OPEN)
		buf_release(&c->in);
}

static void handle_eof(struct conn *c)
{
	c->flags |= CONN_EOF;
	buf_release(&c->in); /* an unterminated last unit is dropped */
	update_mask(c);
	if (c->handler->on_eof)
		c->handler->on_eof(c);
	else
		conn_close_after_flush(c, CONN_CLOSE_EOF);
}

/* The transport's setup finished: the deadline that covered it is over,
 * unless the handler has taken the timer for a deadline of its own. */
static void check_handshake_done(struct conn *c)
{
	if (!(c->flags & CONN_HANDSHAKE_TIMER) || transport_handshaking(c->tr))
		return;
	c->flags &= (uint8_t)~CONN_HANDSHAKE_TIMER;
	loop_timer_disarm(c->net->loop, &c->timer);
}

/* A TLS handshake record (type 22, version 3.x) as the first bytes on a
 * plain connection: a client that meant a TLS port. Said once and closed,
 * rather than fed to a line protocol that would wait for a line end. */
static bool tls_on_plain(struct conn *c, const char *data, size_t n)
{
	if (c->bytes_in != (uint64_t)n || c->tr != transport_plain() || n < 3 ||
	    data[0] != 0x16 || data[1] != 0x03 || (unsigned char)data[2] > 0x04)
		return false;
	char peer[PEER_STRLEN];
	peer_format(&c->peer, peer);
	log_event(c->net->log, LOG_WARN, "TLS_ON_PLAIN", "conn=%llu fd=%d peer=%s",
		  (unsigned long long)c->id, c->fd, peer);
	conn_close(c, CONN_CLOSE_TLS_ERROR);
	return true;
}

/* One read; false when nothing more can be read now. Sets *dry when the
 * socket had nothing to give. */
static bool read_once(struct conn *c, bool *dry)
{
	char *scratch = c->net->scratch;
	const struct trace *trace = c->net->cfg.trace;
	uint8_t read_wait = c->tr->read_wait, write_wait = c->tr->write_wait;
	ssize_t n = transport_read(c->tr, c->fd, scratch, NET_READ_CHUNK);
	if (c->tr->read_wait != read_wait || c->tr->write_wait != write_wait)
		update_mask(c);
	if (n < 0) {
		if (n == -ECONNRESET)
			trace_peer_closed(trace, c->fd);
		if (n != -EAGAIN)
			conn_close(c, errno_reason((int)-n));
		else
			*dry = true;
		return false;
	}
	if (n == 0) {
		trace_peer_closed(trace, c->fd);
		handle_eof(c);
		return false;
	}
	trace_received(trace, (size_t)n, c->fd);
	c->bytes_in += (uint64_t)n;
	c->net->stats.bytes_in += (uint64_t)n;
	if (c->bytes_in == (uint64_t)n && tls_on_plain(c, scratch, (size_t)n))
		return false;
	handle_input(c, scratch, (size_t)n);
	return true;
}

/* Reads once, then again while the transport holds bytes it has already
 * taken from the socket (a TLS record larger than what was asked for):
 * the socket will not report them readable. */
static void conn_read(struct conn *c)
{
	trace_readable(c->net->cfg.trace, c->fd);
	bool dry = false;
	while (read_once(c, &dry) && reading(c) && transport_pending(c->tr) > 0)
		;
	if (c->flags & CONN_HANDSHAKE_TIMER)
		check_handshake_done(c);
}

static void on_conn_io(void *data, int fd, unsigned events)
{
	struct conn *c = data;
	(void)fd;
	if ((c->flags & CONN_WRITE_ARMED) && (events & c->tr->write_wait) &&
	    c->state != CONN_DOOMED)
		conn_flush(c);
	if (reading(c) && (events & c->tr->read_wait))
		conn_read(c);
}

/* ---- timer ---- */

void conn_set_timeout(struct conn *c, uint64_t ms)
{
	if (c->state == CONN_DOOMED)
		return;
	c->flags &= (uint8_t)~CONN_HANDSHAKE_TIMER;
	if (ms)
		loop_timer_arm(c->net->loop, &c->timer, ms);
	else
		loop_timer_disarm(c->net->loop, &c->timer);
}

static void on_conn_timer(struct loop_timer *timer)
{
	struct conn *c = container_of(timer, struct conn, timer);
	if (c->state == CONN_DRAINING) {
		conn_close(c, c->close_reason);
	} else if (transport_handshaking(c->tr)) {
		/* Whoever armed the timer, nothing can be said to a peer that
		 * never finished the handshake. */
		char peer[PEER_STRLEN];
		peer_format(&c->peer, peer);
		log_event(c->net->log, LOG_WARN, "HANDSHAKE_TIMEOUT", "conn=%llu fd=%d peer=%s",
			  (unsigned long long)c->id, c->fd, peer);
		conn_close(c, CONN_CLOSE_HANDSHAKE_TIMEOUT);
	} else if (c->handler->on_timeout)
		c->handler->on_timeout(c);
	else
		conn_close(c, CONN_CLOSE_TIMEOUT);
}

/* ---- reporting ---- */

void conn_get_info(const struct conn *c, struct conn_info *out)
{
	static const char *const names[] = {"CONNECTED", "CLOSING", "CLOSING"};
	out->id = c->id;
	out->fd = c->fd;
	out->state = names[c->state];
	out->bytes_in = c->bytes_in;
	out->bytes_out = c->bytes_out;
	out->age_ms = loop_now_ms(c->net->loop) - c->created_ms;
	out->queued = outq_bytes(&c->out);
	out->transport = c->tr->ops->name;
	out->label = c->label ? c->label : "adopted";
}

void conn_set_label(struct conn *c, const char *label)
{
	c->label = label;
}

void conn_describe(const struct conn *c, char *out, size_t outlen)
{
	out[0] = '\0';
	if (c->handler->describe && c->state != CONN_DOOMED)
		c->handler->describe(c, out, outlen);
	if (c->tr->ops->describe) {
		size_t used = strlen(out);
		if (used < outlen)
			c->tr->ops->describe(c->tr, out + used, outlen - used);
	}
}
