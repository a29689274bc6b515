/* test_transport: the transport seam of net/ on every backend. The plain
 * transport itself (read, gathered write, end of input, errors as negative
 * errno), and a connection driven through net_adopt_transport() by test
 * transports that behave as an encrypting one can: a read that first waits
 * for writability (a client's first handshake message), bytes held inside
 * the transport that the socket no longer reports (drained without another
 * readiness event), a write that waits for readability, a setup that never
 * finishes (the handshake deadline closes it), and close() called exactly
 * once at teardown. Waiting is "run the loop until a condition holds",
 * with a deadline. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop/loop.h"
#include "net/net.h"
#include "net/transport.h"
#include "util/buf.h"
#include "util/list.h"

enum { DEADLINE_MS = 10000, HELD_MAX = 4096 };

/* A transport in front of the plain one, with switches for the cases. */
struct fake {
	struct transport base;
	int reads_waiting_for_write; /* first reads: -EAGAIN waiting for LOOP_WRITE */
	int writes_waiting_for_read; /* first writes: -EAGAIN waiting for LOOP_READ */
	size_t read_step;            /* > 0: hold input, hand out this much per read */
	char held[HELD_MAX];
	size_t held_len;
	bool never_ready;            /* handshaking forever */
	int *closes;
};

static struct fake *fake_of(struct transport *t) { return (struct fake *)t; }

static ssize_t fake_read(struct transport *t, int fd, void *buf, size_t len)
{
	struct fake *f = fake_of(t);
	if (f->reads_waiting_for_write > 0) {
		f->reads_waiting_for_write--;
		t->read_wait = f->reads_waiting_for_write ? LOOP_WRITE : LOOP_READ;
		return -EAGAIN;
	}
	if (!f->read_step)
		return transport_read(transport_plain(), fd, buf, len);
	if (f->held_len == 0) {
		ssize_t n = transport_read(transport_plain(), fd, f->held, sizeof(f->held));
		if (n <= 0)
			return n;
		f->held_len = (size_t)n;
	}
	size_t k = f->held_len < f->read_step ? f->held_len : f->read_step;
	k = k < len ? k : len;
	memcpy(buf, f->held, k);
	memmove(f->held, f->held + k, f->held_len - k);
	f->held_len -= k;
	return (ssize_t)k;
}

static ssize_t fake_write(struct transport *t, int fd, const struct iovec *iov, int niov)
{
	struct fake *f = fake_of(t);
	if (f->writes_waiting_for_read > 0) {
		f->writes_waiting_for_read--;
		t->write_wait = LOOP_READ;
		return -EAGAIN;
	}
	t->write_wait = LOOP_WRITE;
	return transport_write(transport_plain(), fd, iov, niov);
}

static size_t fake_pending(const struct transport *t)
{
	return ((const struct fake *)t)->held_len;
}

static bool fake_handshaking(const struct transport *t)
{
	return ((const struct fake *)t)->never_ready;
}

static void fake_close(struct transport *t, int fd)
{
	(void)fd;
	(*fake_of(t)->closes)++;
	free(t);
}

static const struct transport_ops fake_ops = {
	.name = "fake",
	.read = fake_read,
	.write = fake_write,
	.pending = fake_pending,
	.handshaking = fake_handshaking,
	.close = fake_close,
};

/* ---- fixture ---- */

struct fx {
	const char *backend;
	struct loop *loop;
	struct net *net;
	struct fake proto; /* copied into each transport made */
	int closes;
	struct conn *conn;
	char got[HELD_MAX];
	size_t got_len;
	int offers;
	bool closed;
	enum conn_close_reason reason;
	int peer; /* the test's end of the socket pair */
	struct loop_timer deadline;
	bool timed_out;
	bool (*cond)(struct fx *f);
};

static struct transport *open_fake(void *ctx, int fd, uint64_t id)
{
	struct fx *f = ctx;
	(void)fd;
	(void)id;
	struct fake *t = malloc(sizeof(*t));
	*t = f->proto;
	t->base.ops = &fake_ops;
	t->closes = &f->closes;
	return &t->base;
}

static void on_open(struct conn *c, void *data)
{
	struct fx *f = data;
	f->conn = c;
	conn_set_session(c, f);
}

/* Echoes whole lines back and keeps them in `got`. */
static size_t on_data(struct conn *c, const char *data, size_t len)
{
	struct fx *f = conn_session(c);
	f->offers++;
	const char *end = data;
	for (const char *nl; (nl = memchr(end, '\n', len - (size_t)(end - data)));)
		end = nl + 1;
	size_t n = (size_t)(end - data);
	if (n == 0 || f->got_len + n > sizeof(f->got))
		return n;
	memcpy(f->got + f->got_len, data, n);
	f->got_len += n;
	conn_send_bytes(c, data, n);
	return n;
}

static void on_close(struct conn *c)
{
	struct fx *f = conn_session(c);
	f->closed = true;
	f->reason = conn_close_reason(c);
	f->conn = NULL;
}

static const struct conn_handler handler = {
	.on_open = on_open,
	.on_data = on_data,
	.on_close = on_close,
};

static void on_deadline(struct loop_timer *t)
{
	struct fx *f = container_of(t, struct fx, deadline);
	f->timed_out = true;
	loop_stop(f->loop);
}

static void check_cond(void *data)
{
	struct fx *f = data;
	if (f->cond && f->cond(f))
		loop_stop(f->loop);
}

static void run_until(struct fx *f, bool (*cond)(struct fx *f))
{
	f->cond = cond;
	f->timed_out = false;
	loop_timer_arm(f->loop, &f->deadline, DEADLINE_MS);
	assert_int_equal(loop_run(f->loop), 0);
	loop_timer_disarm(f->loop, &f->deadline);
	f->cond = NULL;
	if (f->timed_out)
		fail_msg("condition not reached within %d ms", DEADLINE_MS);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[128];
	f->backend = *state;
	f->loop = loop_create(f->backend, err, sizeof(err));
	assert_non_null(f->loop);
	struct net_config cfg = {.max_clients = 10, .sendq = 1 << 20, .drain_ms = 1000,
				 .handshake_ms = 50};
	f->net = net_create(f->loop, NULL, &cfg);
	loop_add_hook(f->loop, check_cond, f);
	loop_timer_init(&f->deadline, on_deadline);
	f->peer = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	net_destroy(f->net);
	loop_destroy(f->loop);
	if (f->peer >= 0)
		close(f->peer);
	free(f);
	return 0;
}

/* Adopts one end of a fresh socket pair with the fixture's fake. */
static void adopt(struct fx *f)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct transport_factory factory = {"fake", open_fake, f};
	assert_non_null(net_adopt_transport(f->net, sv[0], &factory, &handler, f));
	f->peer = sv[1];
}

static bool peer_has_echo(struct fx *f)
{
	char buf[HELD_MAX];
	ssize_t n = recv(f->peer, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	return n > 0 && (size_t)n >= f->got_len && f->got_len > 0;
}

static bool got_all(struct fx *f)
{
	return f->got_len >= strlen("hello transport\nsecond line\n");
}

static bool is_closed(struct fx *f)
{
	return f->closed;
}

/* ---- the plain transport ---- */

static void test_plain_read_write(void **state)
{
	(void)state;
	struct transport *t = transport_plain();
	assert_string_equal(t->ops->name, "plain");
	assert_int_equal(t->read_wait, LOOP_READ);
	assert_int_equal(t->write_wait, LOOP_WRITE);
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	char buf[64];
	assert_int_equal(transport_read(t, sv[0], buf, sizeof(buf)), -EAGAIN);
	struct iovec iov[3] = {{"ab", 2}, {"cde", 3}, {"f", 1}};
	assert_int_equal(transport_write(t, sv[1], iov, 3), 6);
	assert_int_equal(transport_write(t, sv[1], iov, 1), 2);
	assert_int_equal(transport_read(t, sv[0], buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "abcdefab", 8);
	assert_int_equal(transport_pending(t), 0);
	assert_false(transport_handshaking(t));
	close(sv[1]);
	assert_int_equal(transport_read(t, sv[0], buf, sizeof(buf)), 0);
	assert_int_equal(transport_write(t, sv[0], iov, 2), -EPIPE);
	transport_close(t, sv[0]); /* frees nothing: shared */
	close(sv[0]);
	assert_int_equal(transport_read(t, -1, buf, sizeof(buf)), -EBADF);
}

/* ---- a connection through test transports ---- */

static void test_read_waits_for_write_first(void **state)
{
	struct fx *f = *state;
	f->proto.base.read_wait = LOOP_WRITE; /* as a TLS client starts */
	f->proto.base.write_wait = LOOP_WRITE;
	f->proto.reads_waiting_for_write = 2;
	adopt(f);
	assert_int_equal(write(f->peer, "hello transport\n", 16), 16);
	run_until(f, peer_has_echo);
	assert_memory_equal(f->got, "hello transport\n", 16);
	assert_int_equal(f->proto.reads_waiting_for_write, 2); /* the copy counted down */
}

static void test_held_bytes_drained_without_readiness(void **state)
{
	struct fx *f = *state;
	f->proto.base.read_wait = LOOP_READ;
	f->proto.base.write_wait = LOOP_WRITE;
	f->proto.read_step = 3; /* the socket is emptied at once, bytes trickle out */
	adopt(f);
	const char *text = "hello transport\nsecond line\n";
	assert_int_equal(write(f->peer, text, strlen(text)), (ssize_t)strlen(text));
	run_until(f, got_all);
	assert_memory_equal(f->got, text, strlen(text));
	assert_true(f->offers >= 2);
}

static bool got_one(struct fx *f)
{
	return f->got_len >= 4;
}

static bool echo_of_two(struct fx *f)
{
	char buf[64];
	ssize_t n = recv(f->peer, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	return n >= 8;
}

static void test_write_waiting_for_read_resumes_on_input(void **state)
{
	struct fx *f = *state;
	f->proto.base.read_wait = LOOP_READ;
	f->proto.base.write_wait = LOOP_WRITE;
	f->proto.writes_waiting_for_read = 1;
	adopt(f);
	assert_int_equal(write(f->peer, "one\n", 4), 4);
	run_until(f, got_one);
	/* The echo waits for input, as a TLS write waiting for the peer's
	 * handshake message does; the next bytes let it go. */
	assert_int_equal(write(f->peer, "two\n", 4), 4);
	run_until(f, echo_of_two);
	char buf[16];
	assert_int_equal(recv(f->peer, buf, sizeof(buf), MSG_DONTWAIT), 8);
	assert_memory_equal(buf, "one\ntwo\n", 8);
}

static void test_unfinished_setup_hits_the_deadline(void **state)
{
	struct fx *f = *state;
	f->proto.base.read_wait = LOOP_READ;
	f->proto.base.write_wait = LOOP_WRITE;
	f->proto.never_ready = true;
	adopt(f);
	run_until(f, is_closed);
	assert_int_equal(f->reason, CONN_CLOSE_HANDSHAKE_TIMEOUT);
	assert_int_equal(f->closes, 1);
}

static void test_close_once_at_teardown(void **state)
{
	struct fx *f = *state;
	f->proto.base.read_wait = LOOP_READ;
	f->proto.base.write_wait = LOOP_WRITE;
	adopt(f);
	close(f->peer);
	f->peer = -1;
	run_until(f, is_closed);
	assert_int_equal(f->reason, CONN_CLOSE_EOF);
	assert_int_equal(f->closes, 1);
}

#define ON(fn, backend) {#fn "/" backend, fn, setup, teardown, (void *)backend}
#define ON_ALL(fn) ON(fn, "epoll"), ON(fn, "poll"), ON(fn, "select")

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_read_write),
		ON_ALL(test_read_waits_for_write_first),
		ON_ALL(test_held_bytes_drained_without_readiness),
		ON_ALL(test_write_waiting_for_read_resumes_on_input),
		ON_ALL(test_unfinished_setup_hits_the_deadline),
		ON_ALL(test_close_once_at_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
