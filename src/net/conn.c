/* conn: per-connection reading, queued writing and deferred closing. */
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

struct conn *conn_create(struct net *net, int fd, const struct peer *peer,
			 const struct conn_handler *handler)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	if (loop_watch(net->loop, fd, LOOP_READ, on_conn_io, c) < 0) {
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
	loop_timer_init(&c->timer, on_conn_timer);
	list_insert_tail(&net->conns, &c->link);
	net->stats.active++;
	return c;
}

/* ---- accessors ---- */

void conn_set_session(struct conn *c, void *session) { c->session = session; }
void *conn_session(const struct conn *c) { return c->session; }
uint64_t conn_id(const struct conn *c) { return c->id; }
int conn_fd(const struct conn *c) { return c->fd; }
const struct peer *conn_peer(const struct conn *c) { return &c->peer; }
const struct log *conn_log(const struct conn *c) { return c->net->log; }
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
};

const char *conn_close_reason_name(enum conn_close_reason reason)
{
	if ((unsigned)reason >= CONN_CLOSE_REASON_COUNT || !reason_names[reason])
		return "?";
	return reason_names[reason];
}

/* ---- interest ---- */

static void update_mask(struct conn *c)
{
	unsigned mask = 0;
	if (c->state == CONN_OPEN && !(c->flags & CONN_EOF))
		mask |= LOOP_READ;
	if (c->flags & CONN_WRITE_ARMED)
		mask |= LOOP_WRITE;
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
	log_disconnect(c);
	trace_removing(c->net->cfg.trace, c->fd);
	list_remove(&c->pending);
	list_remove(&c->link);
	loop_timer_disarm(c->net->loop, &c->timer);
	loop_unwatch(c->net->loop, c->fd);
	close(c->fd);
	outq_clear(&c->out);
	buf_release(&c->in);
	c->net->stats.active--;
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

void conn_send(struct conn *c, struct msg *m)
{
	if (c->state == CONN_DOOMED)
		return;
	outq_push(&c->out, m);
	if (outq_bytes(&c->out) > c->net->cfg.sendq) {
		send_past_limit(c);
		return;
	}
	if (!(c->flags & CONN_WRITE_ARMED) && !list_linked(&c->pending))
		list_insert_tail(&c->net->dirty, &c->pending);
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
	int rc = outq_flush(&c->out, c->fd, c->net->out_scratch, NET_READ_CHUNK, &written);
	c->bytes_out += written;
	c->net->stats.bytes_out += written;
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

/* Offers bytes to the handler; returns how many it consumed. */
static size_t offer(struct conn *c, const char *data, size_t len)
{
	size_t used = c->handler->on_data(c, data, len);
	assert(used <= len);
	return used;
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

static void conn_read(struct conn *c)
{
	char *scratch = c->net->scratch;
	const struct trace *trace = c->net->cfg.trace;
	trace_readable(trace, c->fd);
	ssize_t n = read(c->fd, scratch, NET_READ_CHUNK);
	if (n < 0) {
		int err = errno;
		if (err == ECONNRESET)
			trace_peer_closed(trace, c->fd);
		if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
			conn_close(c, errno_reason(err));
		return;
	}
	if (n == 0) {
		trace_peer_closed(trace, c->fd);
		handle_eof(c);
		return;
	}
	trace_received(trace, (size_t)n, c->fd);
	c->bytes_in += (uint64_t)n;
	c->net->stats.bytes_in += (uint64_t)n;
	handle_input(c, scratch, (size_t)n);
}

static void on_conn_io(void *data, int fd, unsigned events)
{
	struct conn *c = data;
	(void)fd;
	if ((events & LOOP_WRITE) && c->state != CONN_DOOMED)
		conn_flush(c);
	if ((events & LOOP_READ) && c->state == CONN_OPEN && !(c->flags & CONN_EOF))
		conn_read(c);
}

/* ---- timer ---- */

void conn_set_timeout(struct conn *c, uint64_t ms)
{
	if (c->state == CONN_DOOMED)
		return;
	if (ms)
		loop_timer_arm(c->net->loop, &c->timer, ms);
	else
		loop_timer_disarm(c->net->loop, &c->timer);
}

static void on_conn_timer(struct loop_timer *timer)
{
	struct conn *c = container_of(timer, struct conn, timer);
	if (c->state == CONN_DRAINING)
		conn_close(c, c->close_reason);
	else if (c->handler->on_timeout)
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
}

void conn_describe(const struct conn *c, char *out, size_t outlen)
{
	out[0] = '\0';
	if (c->handler->describe && c->state != CONN_DOOMED)
		c->handler->describe(c, out, outlen);
}
