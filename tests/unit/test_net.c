/* test_net: net/ end to end on every backend — a real listener on
 * 127.0.0.1 port 0 (net_listen) driven by a tiny line handler, and client
 * sockets watched by the same loop. Covers accept, stats, per-connection
 * info; on_data consumption of partial and concatenated input (the
 * unconsumed tail is offered again with the next bytes); conn_send fan-out
 * of one shared msg to several connections (references taken and released
 * exactly); the --sendq rule: a burst past it written at once to a peer
 * with room (also from inside on_data, without clobbering the input being
 * parsed), and the slow consumer closed with SLOW_CLIENT, both at once and
 * against a peer that stops reading; the close-reason names; --max-clients rejection sending
 * reject_text; conn_close_after_flush delivering all output (1 MiB) before
 * the close; half-close by the peer; timeouts; on_close exactly once with
 * the first reason; deferred teardown when a connection is closed from
 * inside another connection's on_data or on_close or its own; net_adopt;
 * net_shutdown; and net_destroy with connections still open. Waiting is
 * always "run the loop until a condition holds", with a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop/loop.h"
#include "net/net.h"
#include "util/buf.h"
#include "util/list.h"
#include "util/log.h"
#include "util/msg.h"

enum { MAX_SESSIONS = 16, MAX_OFFERS = 16, DEADLINE_MS = 10000 };

static const char REJECT_TEXT[] = "ERROR Server full\r\n";

struct fx;

/* Server side: what the test handler saw of one connection. */
struct session {
	struct fx *f;
	struct conn *conn; /* NULL once torn down */
	int idx;
	int offers;
	size_t offer_len[MAX_OFFERS];
	char offer_head[MAX_OFFERS][16];
	char lines[1024]; /* units seen, each followed by '|' */
	size_t nlines_bytes;
	int nlines;
	int close_calls;
	int shutdown_calls;
	int timeouts;
	enum conn_close_reason reason; /* as seen by on_close */
	int close_seq;      /* fx->seq when on_close ran */
	bool in_data;       /* inside on_data right now */
	struct session *close_with; /* closed from this one's on_close */
};

/* Client side: a plain socket watched by the same loop. */
struct client {
	struct fx *f;
	int fd;
	struct buf in;
	bool eof;
	bool reset;
};

struct fx {
	const char *backend;
	struct loop *loop;
	struct net *net;
	struct listener *lis;
	struct net_config cfg;
	struct listener_config lcfg;
	struct log log;
	FILE *logfile;
	uint16_t port;
	struct session sessions[MAX_SESSIONS];
	int nsessions;
	int seq;
	int in_callback; /* depth of test handler callbacks on the stack */
	struct loop_timer deadline;
	bool timed_out;
	bool (*cond)(struct fx *f, const void *arg);
	const void *cond_arg;
	struct rate line_rate;          /* set before start(): fake lag */
	enum conn_rate_unit rate_unit;
};

/* ---- the test handler: '\n' lines, a few commands ---- */

static void flood(struct conn *c, size_t n)
{
	static char chunk[65536];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (char)('a' + i % 26);
	for (size_t sent = 0; sent < n;) {
		size_t k = n - sent < sizeof(chunk) ? n - sent : sizeof(chunk);
		conn_send_bytes(c, chunk, k);
		sent += k;
	}
}

/* `n` separate 100-byte lines: small messages, coalesced when flushed. */
static void many(struct conn *c, size_t n)
{
	char line[100];
	memset(line, 'm', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (size_t i = 0; i < n; i++)
		conn_send_bytes(c, line, sizeof(line));
}

/* Runs one line; returns false if the connection should stop reading. */
static bool command(struct session *s, const char *line, size_t len)
{
	struct conn *c = s->conn;
	char text[128];
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, line, len);
	text[len] = '\0';
	if (strncmp(text, "echo ", 5) == 0) {
		conn_send_bytes(c, text + 5, len - 5);
		conn_send_bytes(c, "\n", 1);
	} else if (strcmp(text, "quit") == 0) {
		conn_send_bytes(c, "bye\n", 4);
		conn_close_after_flush(c, CONN_CLOSE_QUIT);
		return false;
	} else if (strncmp(text, "flood ", 6) == 0) {
		flood(c, strtoul(text + 6, NULL, 10));
		conn_close_after_flush(c, CONN_CLOSE_QUIT);
		return false;
	} else if (strncmp(text, "many ", 5) == 0) {
		many(c, strtoul(text + 5, NULL, 10));
	} else if (strncmp(text, "kill ", 5) == 0) {
		struct session *victim = &s->f->sessions[atoi(text + 5)];
		assert_non_null(victim->conn);
		conn_close(victim->conn, CONN_CLOSE_LOCAL);
		conn_send_bytes(victim->conn, "ignored\n", 8); /* closing: dropped */
		conn_close(victim->conn, CONN_CLOSE_RESET); /* first reason wins */
	} else if (strcmp(text, "killself") == 0) {
		conn_close(c, CONN_CLOSE_OVERSIZE);
		conn_send_bytes(c, "ignored\n", 8);
		return false;
	}
	return true;
}

static void on_open(struct conn *c, void *data)
{
	struct fx *f = data;
	assert_true(f->nsessions < MAX_SESSIONS);
	struct session *s = &f->sessions[f->nsessions];
	memset(s, 0, sizeof(*s));
	s->f = f;
	s->conn = c;
	s->idx = f->nsessions++;
	conn_set_session(c, s);
}

static size_t on_data(struct conn *c, const char *data, size_t len)
{
	struct session *s = conn_session(c);
	assert_false(conn_closing(c)); /* never offered input once closing */
	assert_true(len > 0);
	s->f->in_callback++;
	s->in_data = true;
	if (s->offers < MAX_OFFERS) {
		s->offer_len[s->offers] = len;
		size_t k = len < 15 ? len : 15;
		memcpy(s->offer_head[s->offers], data, k);
		s->offer_head[s->offers][k] = '\0';
	}
	s->offers++;
	size_t used = 0;
	for (;;) {
		const char *nl = memchr(data + used, '\n', len - used);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (data + used));
		if (s->nlines_bytes + n + 1 < sizeof(s->lines)) {
			memcpy(s->lines + s->nlines_bytes, data + used, n);
			s->nlines_bytes += n;
			s->lines[s->nlines_bytes++] = '|';
		}
		s->nlines++;
		bool go_on = command(s, data + used, n);
		used += n + 1;
		if (!go_on)
			break;
		if (s->f->rate_unit == CONN_RATE_MESSAGES) { /* a framed protocol's way */
			conn_charge(c, 1);
			if (conn_input_paused(c))
				break;
		}
	}
	s->in_data = false;
	s->f->in_callback--;
	return used;
}

static void on_close(struct conn *c)
{
	struct session *s = conn_session(c);
	s->close_calls++;
	s->reason = conn_close_reason(c);
	s->close_seq = ++s->f->seq;
	assert_int_equal(s->f->in_callback, 0); /* teardown is deferred */
	s->conn = NULL;
	if (s->close_with && s->close_with->conn)
		conn_close(s->close_with->conn, CONN_CLOSE_IO_ERROR);
}

static void on_shutdown(struct conn *c)
{
	struct session *s = conn_session(c);
	s->shutdown_calls++;
	conn_send_bytes(c, "shutting down\n", 14);
}

static void on_timeout(struct conn *c)
{
	struct session *s = conn_session(c);
	s->timeouts++;
	conn_send_bytes(c, "idle\n", 5);
}

static void describe(const struct conn *c, char *out, size_t outlen)
{
	const struct session *s = conn_session(c);
	snprintf(out, outlen, " session=%d", s->idx);
}

static const struct conn_handler handler = {
	.on_open = on_open,
	.on_data = on_data,
	.on_shutdown = on_shutdown,
	.describe = describe,
	.on_close = on_close,
};

static const struct conn_handler handler_with_timeout = {
	.on_open = on_open,
	.on_data = on_data,
	.on_timeout = on_timeout,
	.on_close = on_close,
};

/* ---- waiting ---- */

static void on_deadline(struct loop_timer *t)
{
	struct fx *f = container_of(t, struct fx, deadline);
	f->timed_out = true;
	loop_stop(f->loop);
}

/* Runs after net's own before-sleep hook (registered earlier), so queued
 * output has been flushed and doomed connections torn down by now. */
static void check_cond(void *data)
{
	struct fx *f = data;
	if (f->cond && f->cond(f, f->cond_arg))
		loop_stop(f->loop);
}

static void run_until(struct fx *f, bool (*cond)(struct fx *f, const void *arg),
		      const void *arg)
{
	f->cond = cond;
	f->cond_arg = arg;
	f->timed_out = false;
	loop_timer_arm(f->loop, &f->deadline, DEADLINE_MS);
	int rc = loop_run(f->loop);
	loop_timer_disarm(f->loop, &f->deadline);
	f->cond = NULL;
	assert_int_equal(rc, 0);
	if (f->timed_out)
		fail_msg("condition not reached within %d ms", DEADLINE_MS);
}

static bool have_sessions(struct fx *f, const void *arg)
{
	return f->nsessions >= *(const int *)arg;
}

static void wait_sessions(struct fx *f, int n)
{
	run_until(f, have_sessions, &n);
}

struct want_bytes {
	const struct client *cl;
	size_t n;
};

static bool client_has(struct fx *f, const void *arg)
{
	(void)f;
	const struct want_bytes *w = arg;
	return buf_len(&w->cl->in) >= w->n || w->cl->eof;
}

static void wait_client_bytes(struct fx *f, const struct client *cl, size_t n)
{
	struct want_bytes w = {cl, n};
	run_until(f, client_has, &w);
	assert_true(buf_len(&cl->in) >= n);
}

static bool client_eof(struct fx *f, const void *arg)
{
	(void)f;
	return ((const struct client *)arg)->eof;
}

static bool session_closed(struct fx *f, const void *arg)
{
	(void)f;
	return ((const struct session *)arg)->close_calls > 0;
}

static bool session_offered(struct fx *f, const void *arg)
{
	const int *want = arg; /* {session, offers} */
	return f->sessions[want[0]].offers >= want[1];
}

static void wait_offers(struct fx *f, int session, int offers)
{
	int want[2] = {session, offers};
	run_until(f, session_offered, want);
}

/* ---- clients ---- */

static void on_client_io(void *data, int fd, unsigned events)
{
	struct client *cl = data;
	(void)events;
	for (;;) {
		char *p = buf_reserve(&cl->in, 65536);
		ssize_t n = read(fd, p, 65536);
		if (n > 0) {
			buf_commit(&cl->in, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		cl->eof = true;
		cl->reset = n < 0;
		loop_unwatch(cl->f->loop, fd);
		return;
	}
}

/* Connects to the listener; `rcvbuf` > 0 shrinks the receive buffer and
 * `reading` false leaves the socket unwatched (a peer that never reads). */
static void client_open(struct fx *f, struct client *cl, int rcvbuf, bool reading)
{
	memset(cl, 0, sizeof(*cl));
	cl->f = f;
	cl->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(cl->fd >= 0);
	if (rcvbuf > 0)
		assert_int_equal(setsockopt(cl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					    sizeof(rcvbuf)), 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(cl->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(fcntl(cl->fd, F_SETFL, O_NONBLOCK), 0);
	if (reading)
		assert_int_equal(loop_watch(f->loop, cl->fd, LOOP_READ, on_client_io, cl), 0);
}

static void client_send(struct client *cl, const char *text)
{
	size_t n = strlen(text);
	assert_int_equal(send(cl->fd, text, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void client_close(struct client *cl)
{
	if (cl->fd < 0)
		return;
	loop_unwatch(cl->f->loop, cl->fd);
	close(cl->fd);
	cl->fd = -1;
	buf_release(&cl->in);
}

static void expect_received(const struct client *cl, const char *text)
{
	size_t n = strlen(text);
	if (buf_len(&cl->in) != n || memcmp(buf_head(&cl->in), text, n) != 0)
		fail_msg("client got %zu bytes \"%.*s\", expected \"%s\"", buf_len(&cl->in),
			 (int)(buf_len(&cl->in) > 200 ? 200 : buf_len(&cl->in)),
			 buf_len(&cl->in) ? buf_head(&cl->in) : "", text);
}

/* ---- log capture ---- */

static bool log_contains(struct fx *f, const char *needle)
{
	static char text[65536];
	ssize_t n = pread(fileno(f->logfile), text, sizeof(text) - 1, 0);
	assert_true(n >= 0);
	text[n] = '\0';
	return strstr(text, needle) != NULL;
}

/* ---- fixture ---- */

static void start(struct fx *f, size_t max_clients, size_t sendq, const struct conn_handler *h)
{
	char err[256];
	f->cfg = (struct net_config){.max_clients = max_clients, .sendq = sendq, .drain_ms = 3000,
				     .line_rate = f->line_rate};
	f->net = net_create(f->loop, &f->log, &f->cfg);
	loop_add_hook(f->loop, check_cond, f);
	memset(&f->lcfg, 0, sizeof(f->lcfg));
	f->lcfg.proto = "test";
	strcpy(f->lcfg.where.host, "127.0.0.1");
	f->lcfg.where.port = 0;
	f->lcfg.handler = h;
	f->lcfg.handler_data = f;
	f->lcfg.reject_text = REJECT_TEXT;
	f->lcfg.rate_unit = f->rate_unit;
	f->lis = net_listen(f->net, &f->lcfg, err, sizeof(err));
	if (!f->lis)
		fail_msg("net_listen: %s", err);
	f->port = listener_address(f->lis)->port;
	assert_int_not_equal(f->port, 0);
}

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	f.backend = *state;
	char err[128];
	f.loop = loop_create(f.backend, err, sizeof(err));
	if (!f.loop)
		return -1;
	f.logfile = tmpfile();
	if (!f.logfile)
		return -1;
	f.log = (struct log){.level = LOG_DEBUG, .fd = fileno(f.logfile)};
	loop_timer_init(&f.deadline, on_deadline);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	net_destroy(f->net);
	loop_destroy(f->loop);
	fclose(f->logfile);
	return 0;
}

/* ---- tests ---- */

static void count_conn(void *ctx, const struct conn *c)
{
	(void)c;
	++*(int *)ctx;
}

static void test_accept_and_echo(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	const struct peer *bound = listener_address(f->lis);
	assert_int_equal(bound->family, AF_INET);
	assert_true(log_contains(f, "LISTEN"));

	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	struct session *s = &f->sessions[0];
	assert_int_equal(net_active(f->net), 1);
	char peer[PEER_STRLEN];
	peer_format(conn_peer(s->conn), peer);
	assert_int_equal(strncmp(peer, "127.0.0.1:", 10), 0);
	assert_true(conn_fd(s->conn) >= 0);
	assert_true(log_contains(f, "ACCEPT"));

	client_send(&a, "echo hello\n");
	wait_client_bytes(f, &a, 6);
	expect_received(&a, "hello\n");

	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_int_equal(st.total_accept, 1);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.bytes_in, 11);
	assert_int_equal(st.bytes_out, 6);
	struct conn_info info;
	conn_get_info(s->conn, &info);
	assert_int_equal(info.id, conn_id(s->conn));
	assert_string_equal(info.state, "CONNECTED");
	assert_int_equal(info.bytes_in, 11);
	assert_int_equal(info.bytes_out, 6);
	assert_int_equal(info.queued, 0);
	char desc[64];
	conn_describe(s->conn, desc, sizeof(desc));
	assert_string_equal(desc, " session=0");
	int n = 0;
	net_for_each(f->net, count_conn, &n);
	assert_int_equal(n, 1);

	/* The client hangs up: the server sees EOF and closes once. */
	client_close(&a);
	run_until(f, session_closed, s);
	assert_int_equal(s->close_calls, 1);
	assert_int_equal(s->reason, CONN_CLOSE_EOF);
	assert_int_equal(net_active(f->net), 0);
	assert_true(log_contains(f, "DISCONNECT"));
}

/* The handler consumes only whole lines; the rest comes back with more. */
static void test_partial_and_concatenated(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	struct session *s = &f->sessions[0];

	client_send(&a, "ec");
	wait_offers(f, 0, 1);
	assert_int_equal(s->nlines, 0);
	assert_int_equal(s->offer_len[0], 2);

	client_send(&a, "ho a\necho b\nech");
	wait_offers(f, 0, 2);
	assert_int_equal(s->nlines, 2);
	assert_int_equal(s->offer_len[1], 17); /* "ec" kept, offered again */
	assert_string_equal(s->offer_head[1], "echo a\necho b\ne");

	client_send(&a, "o c\n");
	wait_client_bytes(f, &a, 6);
	assert_int_equal(s->offers, 3);
	assert_int_equal(s->offer_len[2], 7);
	assert_string_equal(s->offer_head[2], "echo c\n");
	assert_int_equal(s->nlines, 3);
	assert_memory_equal(s->lines, "echo a|echo b|echo c|", 21);
	expect_received(&a, "a\nb\nc\n");

	/* Many lines in one write are all consumed in one offer. */
	client_send(&a, "echo 1\necho 2\necho 3\necho 4\n");
	wait_client_bytes(f, &a, 14);
	expect_received(&a, "a\nb\nc\n1\n2\n3\n4\n");
	assert_int_equal(s->nlines, 7);
	client_close(&a);
}

static void test_fanout_shared_msg(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client cl[3];
	for (int i = 0; i < 3; i++)
		client_open(f, &cl[i], 0, true);
	wait_sessions(f, 3);

	struct msg *m = msg_copy("news\n", 5);
	for (int i = 0; i < 3; i++)
		conn_send(f->sessions[i].conn, m);
	assert_int_equal(m->refs, 4); /* one block, three queued references */
	struct conn_info info;
	conn_get_info(f->sessions[1].conn, &info);
	assert_int_equal(info.queued, 5);

	for (int i = 0; i < 3; i++)
		wait_client_bytes(f, &cl[i], 5);
	for (int i = 0; i < 3; i++)
		expect_received(&cl[i], "news\n");
	assert_int_equal(m->refs, 1); /* every queue let go */
	msg_unref(m);
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_int_equal(st.bytes_out, 15);
	for (int i = 0; i < 3; i++)
		client_close(&cl[i]);
}

/* Past --sendq the socket is written at once: a peer whose socket is full
 * (it does not read) is closed right there; teardown (and on_close) still
 * waits for the safe point. */
static void test_slow_consumer_immediate(void **state)
{
	struct fx *f = *state;
	start(f, 100, 32 * 1024, &handler);
	struct client a;
	client_open(f, &a, 4096, false);
	wait_sessions(f, 1);
	struct session *s = &f->sessions[0];
	int small = 4096;
	setsockopt(conn_fd(s->conn), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	struct msg *m = msg_new(40 * 1024);
	memset(m->data, 'x', m->len);
	conn_send(s->conn, m); /* past the limit: the kernel takes only a little */
	conn_send(s->conn, m); /* socket full, still far past the limit */
	assert_true(conn_closing(s->conn));
	assert_int_equal(conn_close_reason(s->conn), CONN_CLOSE_SLOW_CONSUMER);
	assert_int_equal(s->close_calls, 0); /* deferred */
	conn_send(s->conn, m);               /* ignored once closing */
	run_until(f, session_closed, s);
	assert_int_equal(s->close_calls, 1);
	assert_int_equal(s->reason, CONN_CLOSE_SLOW_CONSUMER);
	assert_int_equal(m->refs, 1); /* the dropped queue released its refs */
	msg_unref(m);
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_true(st.bytes_out > 0); /* it was tried before being judged */
	assert_true(log_contains(f, "SLOW_CLIENT"));
	assert_true(log_contains(f, "reason=slow-consumer"));
	client_close(&a);
}

/* A burst queued within one loop pass passes --sendq, but the peer's
 * socket has room: it is written at once, not judged, and all of it
 * arrives — a single unit larger than --sendq too. */
static void test_burst_past_sendq_to_reader(void **state)
{
	struct fx *f = *state;
	start(f, 100, 8 * 1024, &handler);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	struct session *s = &f->sessions[0];
	struct msg *small = msg_new(4 * 1024), *big = msg_new(20 * 1024);
	memset(small->data, 's', small->len);
	memset(big->data, 'b', big->len);
	for (int i = 0; i < 6; i++)
		conn_send(s->conn, small);
	conn_send(s->conn, big);
	assert_false(conn_closing(s->conn));
	size_t total = 6 * small->len + big->len;
	struct conn_info info;
	conn_get_info(s->conn, &info);
	assert_true(info.queued <= 8 * 1024);
	assert_int_equal(info.bytes_out + info.queued, total); /* the rest went out already */
	assert_true(info.bytes_out > 0);

	wait_client_bytes(f, &a, total);
	assert_int_equal(buf_len(&a.in), total);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(buf_head(&a.in)[i], i < 6 * small->len ? 's' : 'b');
	assert_int_equal(small->refs, 1);
	assert_int_equal(big->refs, 1);
	msg_unref(small);
	msg_unref(big);
	assert_false(log_contains(f, "SLOW_CLIENT"));
	assert_int_equal(s->close_calls, 0);
	client_close(&a);
}

/* The early write can run inside on_data, while the input being parsed is
 * still in the shared read buffer: coalescing the output must not
 * overwrite it. "many 200" passes --sendq with small messages; the command
 * after it in the same read must still be seen. */
static void test_flush_inside_on_data_keeps_input(void **state)
{
	struct fx *f = *state;
	start(f, 100, 8 * 1024, &handler);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_send(&a, "many 200\necho after\n");
	size_t total = 200 * 100 + 6;
	wait_client_bytes(f, &a, total);
	static char want[200 * 100 + 7];
	for (size_t i = 0; i < 200; i++) {
		memset(want + i * 100, 'm', 99);
		want[i * 100 + 99] = '\n';
	}
	strcpy(want + 200 * 100, "after\n");
	expect_received(&a, want);
	assert_int_equal(f->sessions[0].nlines, 2);
	assert_false(log_contains(f, "SLOW_CLIENT"));
	client_close(&a);
}

/* The logged words, one per reason, as the docs and log readers know them. */
static void test_close_reason_names(void **state)
{
	(void)state;
	static const char *const want[CONN_CLOSE_REASON_COUNT] = {
		"none", "eof", "quit", "local", "reset", "timeout", "register-timeout",
		"io-error", "poll-error", "slow-consumer", "oversize", "shutdown", "ping-timeout",
		"bad-password", "tls-error", "handshake-timeout", "flood", "killed",
	};
	for (int r = 0; r < CONN_CLOSE_REASON_COUNT; r++)
		assert_string_equal(conn_close_reason_name((enum conn_close_reason)r), want[r]);
	assert_string_equal(conn_close_reason_name(CONN_CLOSE_REASON_COUNT), "?");
	assert_string_equal(conn_close_reason_name((enum conn_close_reason)-1), "?");
}

/* A peer that never reads: kernel buffers fill, the queue grows past
 * --sendq and the connection is closed; nobody else is held up. */
struct pump {
	struct loop_timer t;
	struct fx *f;
	struct session *s;
	struct msg *m;
	int sends;
};

static void on_pump(struct loop_timer *t)
{
	struct pump *p = container_of(t, struct pump, t);
	if (!p->s->conn || conn_closing(p->s->conn))
		return;
	conn_send(p->s->conn, p->m);
	p->sends++;
	/* 1 ms, not 0: a timer re-armed with 0 from its own callback runs
	 * again in the same pass (until the clock ticks), and the flush in
	 * between is the point of this test. */
	loop_timer_arm(p->f->loop, t, 1);
}

static void test_slow_consumer_not_reading(void **state)
{
	struct fx *f = *state;
	start(f, 100, 64 * 1024, &handler);
	struct client slow, fine;
	client_open(f, &slow, 4096, false);
	wait_sessions(f, 1);
	client_open(f, &fine, 0, true);
	wait_sessions(f, 2);
	struct session *s = &f->sessions[0];
	int small = 4096;
	setsockopt(conn_fd(s->conn), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));

	struct pump p = {.f = f, .s = s};
	p.m = msg_new(16 * 1024);
	memset(p.m->data, 's', p.m->len);
	loop_timer_init(&p.t, on_pump);
	loop_timer_arm(f->loop, &p.t, 0);
	run_until(f, session_closed, s);
	loop_timer_disarm(f->loop, &p.t);
	assert_int_equal(s->reason, CONN_CLOSE_SLOW_CONSUMER);
	assert_int_equal(s->close_calls, 1);
	/* The kernel took what it could before the queue overflowed. */
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_true(st.bytes_out > 0);
	assert_true((size_t)p.sends * p.m->len > 64 * 1024 + st.bytes_out);
	assert_true(log_contains(f, "SLOW_CLIENT"));
	assert_int_equal(p.m->refs, 1);
	msg_unref(p.m);

	/* The other client is unaffected. */
	client_send(&fine, "echo still here\n");
	wait_client_bytes(f, &fine, 11);
	expect_received(&fine, "still here\n");
	client_close(&slow);
	client_close(&fine);
}

static void test_max_clients(void **state)
{
	struct fx *f = *state;
	start(f, 2, 1 << 20, &handler);
	struct client c[4];
	client_open(f, &c[0], 0, true);
	wait_sessions(f, 1);
	client_open(f, &c[1], 0, true);
	wait_sessions(f, 2);
	client_open(f, &c[2], 0, true);
	run_until(f, client_eof, &c[2]);
	expect_received(&c[2], REJECT_TEXT);
	assert_false(c[2].reset); /* a clean FIN after the text */
	assert_int_equal(f->nsessions, 2); /* no on_open for the rejected one */
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_int_equal(st.total_accept, 2);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.active, 2);
	assert_true(log_contains(f, "REJECT"));
	assert_true(log_contains(f, "max-clients"));

	/* Capacity frees up when a client leaves. */
	client_close(&c[0]);
	run_until(f, session_closed, &f->sessions[0]);
	client_open(f, &c[3], 0, true);
	wait_sessions(f, 3);
	client_send(&c[3], "echo in\n");
	wait_client_bytes(f, &c[3], 3);
	expect_received(&c[3], "in\n");
	for (int i = 1; i < 4; i++)
		client_close(&c[i]);
}

/* conn_close_after_flush: everything queued reaches the peer, then EOF. */
static void test_close_after_flush(void **state)
{
	struct fx *f = *state;
	start(f, 100, 4u << 20, &handler);
	struct client a, b;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_send(&a, "quit\n");
	run_until(f, client_eof, &a);
	expect_received(&a, "bye\n");
	assert_false(a.reset);
	assert_int_equal(f->sessions[0].close_calls, 1);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_QUIT);

	enum { MIB = 1 << 20 };
	client_open(f, &b, 0, true);
	wait_sessions(f, 2);
	client_send(&b, "flood 1048576\n");
	run_until(f, client_eof, &b);
	assert_false(b.reset);
	assert_int_equal(buf_len(&b.in), MIB);
	for (size_t i = 0; i < MIB; i += 4099)
		assert_int_equal(buf_head(&b.in)[i], 'a' + (i % 65536) % 26);
	struct session *s = &f->sessions[1];
	assert_int_equal(s->close_calls, 1);
	assert_int_equal(s->reason, CONN_CLOSE_QUIT);
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_int_equal(st.bytes_out, 4 + MIB);
	client_close(&a);
	client_close(&b);
}

/* A peer that half-closes after sending still gets every reply. */
static void test_half_close(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_send(&a, "echo one\necho two\n");
	assert_int_equal(shutdown(a.fd, SHUT_WR), 0);
	run_until(f, client_eof, &a);
	expect_received(&a, "one\ntwo\n");
	assert_false(a.reset);
	assert_int_equal(f->sessions[0].close_calls, 1);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_EOF);
	client_close(&a);
}

/* An unterminated last line at EOF is dropped, not offered as a unit. */
static void test_eof_drops_partial(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_send(&a, "echo x\necho partial");
	assert_int_equal(shutdown(a.fd, SHUT_WR), 0);
	run_until(f, client_eof, &a);
	expect_received(&a, "x\n");
	assert_int_equal(f->sessions[0].nlines, 1);
	client_close(&a);
}

static void test_timeout(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a, b;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_open(f, &b, 0, true);
	wait_sessions(f, 2);
	/* Without on_timeout the connection is closed. */
	conn_set_timeout(f->sessions[0].conn, 10);
	/* Disarmed again: nothing happens to this one. */
	conn_set_timeout(f->sessions[1].conn, 10);
	conn_set_timeout(f->sessions[1].conn, 0);
	run_until(f, session_closed, &f->sessions[0]);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_TIMEOUT);
	run_until(f, client_eof, &a);
	client_send(&b, "echo alive\n");
	wait_client_bytes(f, &b, 6);
	expect_received(&b, "alive\n");
	assert_int_equal(f->sessions[1].close_calls, 0);
	client_close(&a);
	client_close(&b);
}

static void test_timeout_handler(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler_with_timeout);
	struct client a;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	conn_set_timeout(f->sessions[0].conn, 5);
	wait_client_bytes(f, &a, 5);
	expect_received(&a, "idle\n");
	assert_int_equal(f->sessions[0].timeouts, 1);
	assert_int_equal(f->sessions[0].close_calls, 0);
	client_close(&a);
}

/* conn_close from inside another connection's on_data: the victim is torn
 * down later (after the callback returns), exactly once, gets no more
 * input, and the closer carries on. */
static void test_close_other_from_callback(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a, b;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_open(f, &b, 0, true);
	wait_sessions(f, 2);
	/* Both readable in the same batch: the victim's own event may come
	 * before or after the kill; either way it must be safe. */
	client_send(&b, "echo from b\n");
	client_send(&a, "kill 1\necho after kill\n");
	run_until(f, session_closed, &f->sessions[1]);
	struct session *victim = &f->sessions[1];
	assert_int_equal(victim->close_calls, 1);
	assert_int_equal(victim->reason, CONN_CLOSE_LOCAL);
	run_until(f, client_eof, &b);
	wait_client_bytes(f, &a, 11);
	expect_received(&a, "after kill\n");
	assert_int_equal(f->sessions[0].close_calls, 0);

	/* Closing itself from inside its own on_data. */
	client_send(&a, "killself\necho never\n");
	run_until(f, session_closed, &f->sessions[0]);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_OVERSIZE);
	assert_int_equal(f->sessions[0].nlines, 3);
	run_until(f, client_eof, &a);
	expect_received(&a, "after kill\n");
	client_close(&a);
	client_close(&b);
}

/* A connection closed from another's on_close is torn down in the same
 * before-sleep pass. */
static void test_close_from_on_close(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client c[3];
	for (int i = 0; i < 3; i++) {
		client_open(f, &c[i], 0, true);
		wait_sessions(f, i + 1);
	}
	f->sessions[0].close_with = &f->sessions[1];
	f->sessions[1].close_with = &f->sessions[2];
	f->sessions[2].close_with = &f->sessions[0]; /* already gone by then */
	client_send(&c[0], "killself\n");
	run_until(f, session_closed, &f->sessions[2]);
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->sessions[i].close_calls, 1);
	assert_int_equal(f->sessions[1].reason, CONN_CLOSE_IO_ERROR);
	assert_int_equal(f->sessions[2].reason, CONN_CLOSE_IO_ERROR);
	assert_true(f->sessions[0].close_seq < f->sessions[1].close_seq);
	assert_true(f->sessions[1].close_seq < f->sessions[2].close_seq);
	assert_int_equal(net_active(f->net), 0);
	for (int i = 0; i < 3; i++) {
		run_until(f, client_eof, &c[i]);
		client_close(&c[i]);
	}
}

/* However many close calls, on_close runs once and the first reason wins. */
static void test_on_close_once(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client a, b;
	client_open(f, &a, 0, true);
	wait_sessions(f, 1);
	client_open(f, &b, 0, true);
	wait_sessions(f, 2);
	struct conn *c = f->sessions[0].conn;
	conn_close(c, CONN_CLOSE_LOCAL);
	conn_close(c, CONN_CLOSE_RESET);
	conn_close_after_flush(c, CONN_CLOSE_TIMEOUT);
	assert_int_equal(conn_close_reason(c), CONN_CLOSE_LOCAL);

	/* Drain-then-close, then a hard close: still one on_close, and the
	 * drain's reason stays. */
	struct conn *d = f->sessions[1].conn;
	conn_send_bytes(d, "last words\n", 11);
	conn_close_after_flush(d, CONN_CLOSE_QUIT);
	assert_true(conn_closing(d));
	conn_close_after_flush(d, CONN_CLOSE_RESET);
	run_until(f, client_eof, &b);
	expect_received(&b, "last words\n");
	run_until(f, session_closed, &f->sessions[0]);
	assert_int_equal(f->sessions[0].close_calls, 1);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_LOCAL);
	assert_int_equal(f->sessions[1].close_calls, 1);
	assert_int_equal(f->sessions[1].reason, CONN_CLOSE_QUIT);
	client_close(&a);
	client_close(&b);
}

static void test_adopt(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	struct conn *c = net_adopt(f->net, sv[0], &handler, f);
	assert_non_null(c);
	assert_int_equal(f->nsessions, 1); /* on_open ran with our data */
	assert_ptr_equal(f->sessions[0].conn, c);
	char peer[PEER_STRLEN];
	peer_format(conn_peer(c), peer);
	assert_string_equal(peer, "?"); /* not an IP socket */
	struct client u = {.f = f, .fd = sv[1]};
	assert_int_equal(loop_watch(f->loop, sv[1], LOOP_READ, on_client_io, &u), 0);
	assert_int_equal(send(sv[1], "echo adopted\n", 13, 0), 13);
	wait_client_bytes(f, &u, 8);
	expect_received(&u, "adopted\n");
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_int_equal(st.total_accept, 0); /* adopted, not accepted */
	assert_int_equal(st.active, 1);
	client_close(&u);
	run_until(f, session_closed, &f->sessions[0]);
}

/* A framer between socket and handler: what arrives reaches the handler
 * only through it, what is sent is framed through it, once per message for
 * all its recipients (the variant is shared), conn_send_raw bypasses it,
 * and on_closing/release run when the connection goes. */
struct test_framer {
	int builds, encodes, closings, releases;
	enum conn_close_reason last_reason;
};

static size_t tf_decode(struct conn *c, void *state, const char *data, size_t len)
{
	(void)state;
	char up[64];
	size_t n = len < sizeof(up) ? len : sizeof(up);
	for (size_t i = 0; i < n; i++) /* "ECHO x" must reach the handler as "echo x" */
		up[i] = (char)(data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32 : data[i]);
	return conn_deliver(c, up, n);
}

static struct msg *tf_encode(void *state, struct msg *m)
{
	struct test_framer *t = state;
	t->encodes++;
	struct msg *v = msg_variant(m, 7);
	if (!v) {
		t->builds++;
		v = msg_new(m->len + 2);
		v->data[0] = '[';
		memcpy(v->data + 1, m->data, m->len);
		v->data[m->len + 1] = ']';
		msg_add_variant(m, 7, v);
	}
	return msg_ref(v);
}

static void tf_closing(struct conn *c, void *state, enum conn_close_reason reason)
{
	struct test_framer *t = state;
	t->closings++;
	t->last_reason = reason;
	conn_send_raw(c, "bye", 3);
}

static void tf_release(void *state)
{
	((struct test_framer *)state)->releases++;
}

static const struct conn_framer test_framer_ops = {tf_decode, tf_encode, tf_closing, tf_release};

static void test_framer(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct test_framer tf = {0};
	struct client u[2];
	struct conn *c[2];
	for (int i = 0; i < 2; i++) {
		int sv[2];
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
		c[i] = net_adopt(f->net, sv[0], &handler, f);
		conn_set_framer(c[i], &test_framer_ops, &tf);
		u[i] = (struct client){.f = f, .fd = sv[1]};
		assert_int_equal(loop_watch(f->loop, sv[1], LOOP_READ, on_client_io, &u[i]), 0);
	}
	struct msg *m = msg_copy("hi", 2);
	conn_send(c[0], m);
	conn_send(c[1], m);
	msg_unref(m);
	assert_int_equal(tf.encodes, 2);
	assert_int_equal(tf.builds, 1); /* framed once for both */
	wait_client_bytes(f, &u[0], 4);
	wait_client_bytes(f, &u[1], 4);
	expect_received(&u[0], "[hi]");
	expect_received(&u[1], "[hi]");
	assert_int_equal(send(u[0].fd, "ECHO framed\n", 12, 0), 12);
	wait_client_bytes(f, &u[0], 15); /* the handler sends text and "\n" apart */
	expect_received(&u[0], "[hi][framed][\n]");
	conn_close_after_flush(c[0], CONN_CLOSE_QUIT);
	wait_client_bytes(f, &u[0], 15 + 3);
	expect_received(&u[0], "[hi][framed][\n]bye");
	assert_int_equal(tf.closings, 1);
	assert_int_equal(tf.last_reason, CONN_CLOSE_QUIT);
	client_close(&u[0]);
	client_close(&u[1]);
	run_until(f, session_closed, &f->sessions[0]);
	run_until(f, session_closed, &f->sessions[1]);
	assert_int_equal(tf.releases, 2);
}

/* net_shutdown: listeners close, each handler says goodbye, connections
 * close after flushing. */
static void test_shutdown(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client c[2];
	for (int i = 0; i < 2; i++) {
		client_open(f, &c[i], 0, true);
		wait_sessions(f, i + 1);
	}
	net_shutdown(f->net);
	for (int i = 0; i < 2; i++) {
		run_until(f, client_eof, &c[i]);
		expect_received(&c[i], "shutting down\n");
		assert_false(c[i].reset);
		assert_int_equal(f->sessions[i].shutdown_calls, 1);
		assert_int_equal(f->sessions[i].close_calls, 1);
		assert_int_equal(f->sessions[i].reason, CONN_CLOSE_SHUTDOWN);
	}
	assert_int_equal(net_active(f->net), 0);
	/* Nobody is listening any more. */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(f->port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(fd);
	for (int i = 0; i < 2; i++)
		client_close(&c[i]);
}

/* net_destroy with live connections calls each on_close exactly once. */
static void test_destroy_with_live_conns(void **state)
{
	struct fx *f = *state;
	start(f, 100, 1 << 20, &handler);
	struct client c[3];
	for (int i = 0; i < 3; i++) {
		client_open(f, &c[i], 0, true);
		wait_sessions(f, i + 1);
	}
	conn_send_bytes(f->sessions[0].conn, "pending\n", 8); /* dropped */
	conn_close(f->sessions[1].conn, CONN_CLOSE_LOCAL);   /* doomed, not torn down */
	net_destroy(f->net);
	f->net = NULL;
	for (int i = 0; i < 3; i++)
		assert_int_equal(f->sessions[i].close_calls, 1);
	assert_int_equal(f->sessions[0].reason, CONN_CLOSE_SHUTDOWN);
	assert_int_equal(f->sessions[1].reason, CONN_CLOSE_LOCAL);
	for (int i = 0; i < 3; i++)
		client_close(&c[i]);
}

/* Fake lag: with a burst of 5 lines at 50 a second, 20 lines sent at once
 * are all answered, in order, the last ones about 300 ms later; meanwhile
 * the connection is parked (not read) and then read again. */
static void fake_lag(struct fx *f, enum conn_rate_unit unit)
{
	f->line_rate = (struct rate){.per_s = 50, .burst = 5};
	f->rate_unit = unit;
	start(f, 10, 1 << 20, &handler);
	struct client cl;
	client_open(f, &cl, 0, true);
	wait_sessions(f, 1);
	char all[512] = "", want[512] = "";
	for (int i = 0; i < 20; i++) {
		size_t a = strlen(all), w = strlen(want);
		snprintf(all + a, sizeof(all) - a, "echo %d\n", i);
		snprintf(want + w, sizeof(want) - w, "%d\n", i);
	}
	uint64_t t0 = loop_now_ms(f->loop);
	client_send(&cl, all);
	wait_client_bytes(f, &cl, strlen(want));
	expect_received(&cl, want);
	assert_true(loop_now_ms(f->loop) - t0 >= 250);
	struct net_stats st;
	net_get_stats(f->net, &st);
	assert_true(st.throttled >= 3); /* parked at least once per refill round */
	assert_int_equal(st.flood_closed, 0);
	assert_int_equal(f->sessions[0].nlines, 20);
	client_send(&cl, "echo after\n"); /* reading resumed */
	wait_client_bytes(f, &cl, strlen(want) + 6);
	client_close(&cl);
}

static void test_fake_lag_delivers_everything_in_order(void **state)
{
	fake_lag(*state, CONN_RATE_LINES);
}

/* The same when the handler counts its own messages (CONN_RATE_MESSAGES,
 * for framed protocols) and stops when conn_input_paused() says so. */
static void test_fake_lag_counted_by_the_handler(void **state)
{
	fake_lag(*state, CONN_RATE_MESSAGES);
}

/* ---- registration: every test on every backend ---- */

#define ON(fn, backend) {#fn "/" backend, fn, setup, teardown, (void *)backend}
#define ON_ALL(fn) ON(fn, "epoll"), ON(fn, "poll"), ON(fn, "select")

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL(test_accept_and_echo),
		ON_ALL(test_partial_and_concatenated),
		ON_ALL(test_fanout_shared_msg),
		ON_ALL(test_slow_consumer_immediate),
		ON_ALL(test_burst_past_sendq_to_reader),
		ON_ALL(test_flush_inside_on_data_keeps_input),
		ON_ALL(test_slow_consumer_not_reading),
		ON_ALL(test_max_clients),
		ON_ALL(test_close_after_flush),
		ON_ALL(test_half_close),
		ON_ALL(test_eof_drops_partial),
		ON_ALL(test_timeout),
		ON_ALL(test_timeout_handler),
		ON_ALL(test_close_other_from_callback),
		ON_ALL(test_close_from_on_close),
		ON_ALL(test_on_close_once),
		ON_ALL(test_adopt),
		ON_ALL(test_framer),
		ON_ALL(test_shutdown),
		ON_ALL(test_destroy_with_live_conns),
		ON_ALL(test_fake_lag_delivers_everything_in_order),
		ON_ALL(test_fake_lag_counted_by_the_handler),
		cmocka_unit_test(test_close_reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
