/* redis_link: connections to Redis over a transport (see redis_link.h).
 * The non-blocking link watches exactly what its transport waits for in
 * each direction; the blocking one polls for the same with a deadline. */
#include "cluster/redis_link.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop/loop.h"
#include "net/sock.h"
#include "net/transport.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/list.h"

enum {
	READ_CHUNK = 16 * 1024,
	READS_PER_WAKE = 64, /* then other connections get a turn */
};

/* ---- shared by both kinds ---- */

static struct transport *open_transport(const struct redis_transport *tr, int fd)
{
	if (!tr->factory)
		return transport_plain();
	return tr->factory->open(tr->factory->ctx, fd, 0);
}

/* Why an I/O call failed: the transport's own reason (a certificate
 * check) when it has one. A TLS server that wants a client certificate
 * and gets none just drops the connection after the handshake: that is
 * said too, as the likely cause, when Redis never answered. */
static void io_reason(const struct redis_transport *tr, ssize_t rc, bool answered, char *out,
		      size_t outlen)
{
	const char *own = tr->why ? tr->why(tr->why_ctx) : NULL;
	bool dropped = rc == 0 || rc == -ECONNRESET || rc == -EPIPE;
	if (tr->factory && !answered && dropped)
		snprintf(out, outlen, "TLS: redis closed the connection before answering "
				      "(%s; does it require a client certificate?)",
			 rc == 0 ? "end of stream" : strerror((int)-rc));
	else if (rc == 0)
		snprintf(out, outlen, "connection closed by redis");
	else if (rc == -EPROTO && own && own[0])
		snprintf(out, outlen, "TLS: %s", own);
	else if (rc == -EPROTO && tr->factory)
		snprintf(out, outlen, "TLS handshake or session failed");
	else
		snprintf(out, outlen, "%s", strerror((int)-rc));
}

/* ---- non-blocking ---- */

struct redis_link {
	struct redis_link_config cfg;
	int fd;
	struct transport *t; /* NULL until the TCP connect completes */
	unsigned mask;
	bool up;             /* connected, handshake done */
	bool failed;         /* socket gone; waiting for redis_link_close() */
	bool closing;        /* redis_link_close() called */
	int depth;           /* nested calls into the link's callbacks */
	struct buf out;
	struct redis_replies replies;
	struct loop_timer deadline;
	bool answered; /* bytes have come from Redis */
};

static void fail_waiters(struct redis_link *l)
{
	redis_reply_fn *fn;
	void *priv;
	while (redis_replies_pop_waiter(&l->replies, &fn, &priv))
		if (fn)
			fn(l, NULL, priv);
}

static void drop_socket(struct redis_link *l)
{
	loop_timer_disarm(l->cfg.loop, &l->deadline);
	if (l->fd < 0)
		return;
	loop_unwatch(l->cfg.loop, l->fd);
	if (l->t)
		transport_close(l->t, l->fd);
	close(l->fd);
	l->fd = -1;
	l->t = NULL;
}

static void destroy(struct redis_link *l)
{
	l->depth++; /* callbacks below cannot free it again */
	drop_socket(l);
	fail_waiters(l);
	redis_replies_release(&l->replies);
	buf_release(&l->out);
	free(l);
}

static void fail(struct redis_link *l, const char *why)
{
	if (l->failed || l->closing)
		return;
	l->failed = true;
	drop_socket(l);
	l->depth++;
	fail_waiters(l);
	if (!l->closing && l->cfg.on_down)
		l->cfg.on_down(l, why);
	l->depth--;
}

static void fail_io(struct redis_link *l, ssize_t rc)
{
	char why[256];
	io_reason(&l->cfg.ep->transport, rc, l->answered, why, sizeof(why));
	fail(l, why);
}

static void update_mask(struct redis_link *l)
{
	if (l->failed || l->closing)
		return;
	unsigned want = LOOP_WRITE;
	if (l->t)
		want = l->t->read_wait | (buf_len(&l->out) ? l->t->write_wait : 0u);
	if (want != l->mask && loop_set_mask(l->cfg.loop, l->fd, want) == 0)
		l->mask = want;
}

/* Leaves a callback-running section: a close asked for inside it happens
 * now, otherwise the watched events are brought up to date. */
static void leave(struct redis_link *l)
{
	if (--l->depth > 0)
		return;
	if (l->closing)
		destroy(l);
	else
		update_mask(l);
}

static void flush(struct redis_link *l)
{
	while (!l->failed && buf_len(&l->out)) {
		struct iovec iov = {buf_head(&l->out), buf_len(&l->out)};
		ssize_t n = transport_write(l->t, l->fd, &iov, 1);
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			fail_io(l, n);
			return;
		}
		buf_consume(&l->out, (size_t)n);
	}
}

static void dispatch(struct redis_link *l)
{
	struct redis_routed rt;
	while (!l->failed && !l->closing) {
		int rc = redis_replies_next(&l->replies, &rt);
		if (rc < 0)
			fail(l, redis_replies_error(&l->replies));
		if (rc <= 0)
			return;
		if (rt.fn)
			rt.fn(l, rt.reply, rt.priv);
		redis_reply_free(rt.reply);
	}
}

static void read_replies(struct redis_link *l)
{
	char chunk[READ_CHUNK];
	for (int i = 0; !l->failed && !l->closing; i++) {
		/* Bytes the transport already decrypted are not signalled by
		 * the socket again: those are always read. */
		if (i >= READS_PER_WAKE && transport_pending(l->t) == 0)
			return;
		ssize_t n = transport_read(l->t, l->fd, chunk, sizeof(chunk));
		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			fail_io(l, n);
			return;
		}
		l->answered = true;
		if (!redis_replies_feed(&l->replies, chunk, (size_t)n)) {
			fail(l, "out of memory reading a reply");
			return;
		}
		dispatch(l);
	}
}

static bool finish_connect(struct redis_link *l)
{
	int e = sock_error(l->fd);
	if (e < 0) {
		fail_io(l, e);
		return false;
	}
	sock_nodelay(l->fd);
	l->t = open_transport(&l->cfg.ep->transport, l->fd);
	if (!l->t) {
		fail(l, "cannot start a TLS session");
		return false;
	}
	return true;
}

static void on_ready(void *data, int fd, unsigned events)
{
	struct redis_link *l = data;
	(void)fd;
	(void)events;
	l->depth++;
	if (l->t || finish_connect(l)) {
		flush(l);
		read_replies(l);
		if (!l->failed && !l->up && !transport_handshaking(l->t)) {
			l->up = true;
			loop_timer_disarm(l->cfg.loop, &l->deadline);
		}
	}
	leave(l);
}

static void on_deadline(struct loop_timer *t)
{
	struct redis_link *l = container_of(t, struct redis_link, deadline);
	if (l->up)
		return;
	l->depth++;
	fail(l, l->t ? "TLS handshake timed out" : "connect timed out");
	leave(l);
}

struct redis_link *redis_link_open(const struct redis_link_config *cfg, char *why, size_t whylen)
{
	int fd = sock_connect(cfg->ep->host, (uint16_t)cfg->ep->port, 1, why, whylen);
	if (fd < 0)
		return NULL;
	struct redis_link *l = xcalloc(1, sizeof(*l));
	l->cfg = *cfg;
	l->fd = fd;
	l->mask = LOOP_WRITE;
	redis_replies_init(&l->replies, cfg->on_push);
	loop_timer_init(&l->deadline, on_deadline);
	if (loop_watch(cfg->loop, fd, LOOP_WRITE, on_ready, l) < 0) {
		snprintf(why, whylen, "cannot watch the socket");
		close(fd);
		redis_replies_release(&l->replies);
		free(l);
		return NULL;
	}
	loop_timer_arm(cfg->loop, &l->deadline, cfg->connect_timeout_ms);
	return l;
}

void *redis_link_data(const struct redis_link *link)
{
	return link->cfg.data;
}

size_t redis_link_queued(const struct redis_link *link)
{
	return buf_len(&link->out);
}

/* Takes a formatted command (malloc'd by hiredis) and queues it. */
static bool queue(struct redis_link *l, char *cmd, int len, bool expect, redis_reply_fn *fn,
		  void *priv)
{
	bool ok = len > 0 && !l->failed && !l->closing && buf_len(&l->out) <= l->cfg.obuf_max;
	if (ok) {
		buf_append(&l->out, cmd, (size_t)len);
		if (expect)
			redis_replies_expect(&l->replies, fn, priv);
		if (l->depth == 0)
			update_mask(l);
	}
	if (len > 0)
		redisFreeCommand(cmd);
	return ok;
}

bool redis_link_command_argv(struct redis_link *link, redis_reply_fn *fn, void *priv, int argc,
			     const char **argv, const size_t *lens)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	return queue(link, cmd, len, true, fn, priv);
}

bool redis_link_command(struct redis_link *link, redis_reply_fn *fn, void *priv,
			const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	return queue(link, cmd, len, true, fn, priv);
}

bool redis_link_send(struct redis_link *link, const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	return queue(link, cmd, len, false, NULL, NULL);
}

void redis_link_close(struct redis_link *link)
{
	if (!link || link->closing)
		return;
	link->closing = true;
	if (link->depth == 0)
		destroy(link);
}

/* ---- blocking ---- */

struct redis_sync {
	int fd;
	struct transport *t;
	struct redis_transport tr;
	uint64_t timeout_ms;
	struct redis_replies replies;
	bool broken;
	bool answered;
	char err[256];
};

static void sync_fail(struct redis_sync *rs, const char *why)
{
	snprintf(rs->err, sizeof(rs->err), "%s", why);
	rs->broken = true;
}

static void sync_fail_io(struct redis_sync *rs, ssize_t rc)
{
	char why[256];
	io_reason(&rs->tr, rc, rs->answered, why, sizeof(why));
	sync_fail(rs, why);
}

/* Waits until `fd` is ready for `wait` (a LOOP_ direction), up to the
 * deadline. */
static bool sync_wait(struct redis_sync *rs, unsigned wait, uint64_t deadline)
{
	for (;;) {
		uint64_t now = clock_mono_ms();
		if (now >= deadline) {
			sync_fail(rs, "timed out");
			return false;
		}
		struct pollfd p = {rs->fd, (short)(wait == LOOP_READ ? POLLIN : POLLOUT), 0};
		int n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR) {
			sync_fail_io(rs, -errno);
			return false;
		}
	}
}

static bool sync_write(struct redis_sync *rs, const char *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		struct iovec iov = {(void *)p, len};
		ssize_t n = transport_write(rs->t, rs->fd, &iov, 1);
		if (n == -EAGAIN) {
			if (!sync_wait(rs, rs->t->write_wait, deadline))
				return false;
			continue;
		}
		if (n <= 0) {
			sync_fail_io(rs, n);
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void *sync_read(struct redis_sync *rs, uint64_t deadline)
{
	char chunk[READ_CHUNK];
	for (;;) {
		struct redis_routed rt;
		int rc = redis_replies_next(&rs->replies, &rt);
		if (rc > 0)
			return rt.reply;
		if (rc < 0) {
			sync_fail(rs, redis_replies_error(&rs->replies));
			return NULL;
		}
		ssize_t n = transport_read(rs->t, rs->fd, chunk, sizeof(chunk));
		if (n == -EAGAIN) {
			if (!sync_wait(rs, rs->t->read_wait, deadline))
				return NULL;
			continue;
		}
		if (n <= 0) {
			sync_fail_io(rs, n);
			return NULL;
		}
		rs->answered = true;
		if (!redis_replies_feed(&rs->replies, chunk, (size_t)n)) {
			sync_fail(rs, "out of memory reading a reply");
			return NULL;
		}
	}
}

static void *sync_formatted(struct redis_sync *rs, char *cmd, int len)
{
	void *reply = NULL;
	if (len <= 0)
		sync_fail(rs, "cannot format the command");
	else if (!rs->broken) {
		uint64_t deadline = clock_mono_ms() + rs->timeout_ms;
		if (sync_write(rs, cmd, (size_t)len, deadline))
			reply = sync_read(rs, deadline);
	}
	if (len > 0)
		redisFreeCommand(cmd);
	return reply;
}

void *redis_sync_command_argv(struct redis_sync *rs, int argc, const char **argv,
			      const size_t *lens)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	return sync_formatted(rs, cmd, len);
}

void *redis_sync_command(struct redis_sync *rs, const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int len = redisvFormatCommand(&cmd, fmt, ap);
	va_end(ap);
	return sync_formatted(rs, cmd, len);
}

const char *redis_sync_error(const struct redis_sync *rs)
{
	return rs->err[0] ? rs->err : "no error";
}

void redis_sync_close(struct redis_sync *rs)
{
	if (!rs)
		return;
	if (rs->t)
		transport_close(rs->t, rs->fd);
	if (rs->fd >= 0)
		close(rs->fd);
	redis_replies_release(&rs->replies);
	free(rs);
}

/* The TCP connect, then AUTH (whose round trip also completes a TLS
 * handshake; without a password a PING does that). */
static bool sync_start(struct redis_sync *rs, const struct redis_endpoint *ep)
{
	uint64_t deadline = clock_mono_ms() + rs->timeout_ms;
	if (!sync_wait(rs, LOOP_WRITE, deadline))
		return false;
	int e = sock_error(rs->fd);
	if (e < 0) {
		sync_fail_io(rs, e);
		return false;
	}
	rs->t = open_transport(&rs->tr, rs->fd);
	if (!rs->t) {
		sync_fail(rs, "cannot start a TLS session");
		return false;
	}
	const redisReply *r = ep->password ? redis_sync_command(rs, "AUTH %s", ep->password)
					   : redis_sync_command(rs, "PING");
	if (r && r->type == REDIS_REPLY_ERROR)
		sync_fail(rs, r->str);
	redis_reply_free((void *)r);
	return !rs->broken;
}

struct redis_sync *redis_sync_open(const struct redis_endpoint *ep, uint64_t timeout_ms,
				   char *why, size_t whylen)
{
	int fd = sock_connect(ep->host, (uint16_t)ep->port, 1, why, whylen);
	if (fd < 0)
		return NULL;
	struct redis_sync *rs = xcalloc(1, sizeof(*rs));
	rs->fd = fd;
	rs->tr = ep->transport;
	rs->timeout_ms = timeout_ms;
	redis_replies_init(&rs->replies, NULL);
	if (!sync_start(rs, ep)) {
		snprintf(why, whylen, "%s", rs->err);
		redis_sync_close(rs);
		return NULL;
	}
	return rs;
}
