/* test_redis_link: cluster/redis_replies and redis_link — replies reach
 * the callbacks queued for them in order, however the bytes are split;
 * pub/sub pushes go to the push handler and never consume a waiter (and
 * are ordinary replies on a link without one); a broken stream is an
 * error, not a reply. Then the link against a scripted server on
 * loopback: commands go out in hiredis's format, replies come back in
 * order, a close from inside a callback is safe, when the server goes
 * every waiting callback gets NULL before on_down is called once, and
 * output past the bound is refused. */
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
#include <hiredis/hiredis.h>

#include "cluster/redis_link.h"
#include "cluster/redis_replies.h"
#include "loop/loop.h"
#include "net/addr.h"
#include "net/sock.h"

/* What the callbacks saw, in order: "tag:reply" or "tag:NULL". */
struct record {
	char seen[16][64];
	size_t n;
};

static void note(struct record *rec, const char *tag, const redisReply *r)
{
	assert_true(rec->n < 16);
	char *out = rec->seen[rec->n++];
	if (!r)
		snprintf(out, 64, "%s:NULL", tag);
	else if (r->type == REDIS_REPLY_ARRAY)
		snprintf(out, 64, "%s:[%s %s]", tag, r->element[0]->str,
			 r->elements > 1 && r->element[1]->str ? r->element[1]->str : "");
	else if (r->type == REDIS_REPLY_INTEGER)
		snprintf(out, 64, "%s:%lld", tag, r->integer);
	else
		snprintf(out, 64, "%s:%s", tag, r->str ? r->str : "nil");
}

static struct record *g_rec; /* the push handler has no priv */

static void on_reply(struct redis_link *link, void *reply, void *priv)
{
	(void)link;
	note(g_rec, priv, reply);
}

static void on_push(struct redis_link *link, void *reply, void *priv)
{
	(void)link;
	(void)priv;
	note(g_rec, "push", reply);
}

/* Feeds `bytes` in pieces of `step` and delivers what comes out. */
static void feed_all(struct redis_replies *r, const char *bytes, size_t step)
{
	size_t len = strlen(bytes);
	for (size_t at = 0; at < len; at += step) {
		size_t n = len - at < step ? len - at : step;
		assert_true(redis_replies_feed(r, bytes + at, n));
		struct redis_routed rt;
		while (redis_replies_next(r, &rt) == 1) {
			if (rt.fn)
				rt.fn(NULL, rt.reply, rt.priv);
			redis_reply_free(rt.reply);
		}
	}
}

static const char STREAM[] =
	"+OK\r\n"
	"*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n"
	"*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n"
	":7\r\n"
	"*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$2\r\nhi\r\n"
	"$5\r\nvalue\r\n";

static void test_replies_and_pushes_are_routed_in_order(void **state)
{
	(void)state;
	for (size_t step = 1; step <= sizeof(STREAM); step++) {
		struct record rec = {0};
		g_rec = &rec;
		struct redis_replies r;
		redis_replies_init(&r, on_push);
		redis_replies_expect(&r, on_reply, "auth");
		redis_replies_expect(&r, on_reply, "incr");
		redis_replies_expect(&r, NULL, NULL); /* nobody wants this one */
		feed_all(&r, STREAM, step);
		assert_int_equal(rec.n, 5);
		assert_string_equal(rec.seen[0], "auth:OK");
		assert_string_equal(rec.seen[1], "push:[subscribe ch1]");
		assert_string_equal(rec.seen[2], "push:[subscribe ch2]");
		assert_string_equal(rec.seen[3], "incr:7");
		assert_string_equal(rec.seen[4], "push:[message ch1]");
		assert_int_equal(r.waiting, 0);
		redis_replies_release(&r);
	}
}

static void test_without_a_push_handler_arrays_are_replies(void **state)
{
	(void)state;
	struct record rec = {0};
	g_rec = &rec;
	struct redis_replies r;
	redis_replies_init(&r, NULL);
	redis_replies_expect(&r, on_reply, "a");
	redis_replies_expect(&r, on_reply, "b");
	feed_all(&r, "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n-ERR no\r\n", 64);
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.seen[0], "a:[message x]");
	assert_string_equal(rec.seen[1], "b:ERR no");
	/* A reply nobody waits for goes nowhere. */
	feed_all(&r, "+stray\r\n", 64);
	assert_int_equal(rec.n, 2);
	redis_replies_release(&r);
}

static void test_a_broken_stream_is_an_error(void **state)
{
	(void)state;
	struct redis_replies r;
	redis_replies_init(&r, NULL);
	redis_replies_expect(&r, on_reply, "a");
	assert_true(redis_replies_feed(&r, "?what\r\n", 7));
	struct redis_routed rt;
	assert_int_equal(redis_replies_next(&r, &rt), -1);
	assert_true(strlen(redis_replies_error(&r)) > 0);
	redis_reply_fn *fn;
	void *priv;
	assert_true(redis_replies_pop_waiter(&r, &fn, &priv));
	assert_true(fn == on_reply);
	assert_false(redis_replies_pop_waiter(&r, &fn, &priv));
	redis_replies_release(&r);
}

/* hiredis would allocate an array's table at its header: a header over
 * the limits breaks the stream instead, after the replies before it, and
 * a bulk string's payload (which may hold '*') is not taken for one. */
static void test_a_header_over_the_limits_breaks_the_stream(void **state)
{
	(void)state;
	static const char *const bad[] = {"*99999999999\r\n", "$99999999999\r\n",
					  "*4194305\r\n"};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		for (size_t step = 1; step <= 16; step++) {
			struct record rec = {0};
			g_rec = &rec;
			struct redis_replies r;
			redis_replies_init(&r, NULL);
			redis_replies_expect(&r, on_reply, "a");
			redis_replies_expect(&r, on_reply, "b");
			char stream[128];
			snprintf(stream, sizeof(stream), "$4\r\n*999\r\n%s:1\r\n", bad[k]);
			int rc = 0;
			for (size_t at = 0, len = strlen(stream); at < len && rc >= 0; at += step) {
				size_t n = len - at < step ? len - at : step;
				assert_true(redis_replies_feed(&r, stream + at, n));
				struct redis_routed rt;
				while ((rc = redis_replies_next(&r, &rt)) == 1) {
					rt.fn(NULL, rt.reply, rt.priv);
					redis_reply_free(rt.reply);
				}
			}
			assert_int_equal(rc, -1);
			assert_int_equal(rec.n, 1);
			assert_string_equal(rec.seen[0], "a:*999");
			assert_string_equal(redis_replies_error(&r), "a reply over the size limits");
			redis_replies_release(&r);
		}
	}
	/* At the limit is fine. */
	struct redis_replies r;
	redis_replies_init(&r, NULL);
	assert_true(redis_replies_feed(&r, "*4194304\r\n", 10));
	struct redis_routed rt;
	assert_int_equal(redis_replies_next(&r, &rt), 0);
	redis_replies_release(&r);
}

/* ---- the link, against a scripted server ---- */

/* A server on the same loop: once it has read `want`, it writes `answer`. */
struct fake {
	struct loop *loop;
	int listen_fd, conn_fd;
	char got[512];
	size_t got_len;
	const char *want, *answer;
	struct record rec;
	struct redis_link *link;
	int downs;
	bool close_in_callback;
	bool timed_out;
	struct loop_timer guard;
};

static void on_guard(struct loop_timer *t)
{
	struct fake *f = (struct fake *)((char *)t - offsetof(struct fake, guard));
	f->timed_out = true;
	loop_stop(f->loop);
}

static void on_down(struct redis_link *link, const char *why)
{
	struct fake *f = redis_link_data(link);
	assert_true(strlen(why) > 0);
	f->downs++;
	loop_stop(f->loop);
}

static void on_link_reply(struct redis_link *link, void *reply, void *priv)
{
	struct fake *f = redis_link_data(link);
	note(&f->rec, priv, reply);
	if (f->close_in_callback && reply && strcmp(priv, "first") == 0) {
		redis_link_close(link); /* freed when this returns */
		f->link = NULL;
		loop_stop(f->loop);
	}
	if (reply && strcmp(priv, "last") == 0)
		loop_stop(f->loop);
}

static void on_conn(void *data, int fd, unsigned events)
{
	struct fake *f = data;
	(void)events;
	ssize_t n = read(fd, f->got + f->got_len, sizeof(f->got) - 1 - f->got_len);
	if (n <= 0)
		return;
	f->got_len += (size_t)n;
	f->got[f->got_len] = '\0';
	if (f->want && f->got_len >= strlen(f->want)) {
		assert_string_equal(f->got, f->want);
		size_t alen = strlen(f->answer);
		assert_int_equal(write(fd, f->answer, alen), (ssize_t)alen);
		f->want = NULL;
	}
}

static void on_accept(void *data, int fd, unsigned events)
{
	struct fake *f = data;
	struct peer p;
	(void)events;
	f->conn_fd = sock_accept(fd, &p);
	if (f->conn_fd >= 0)
		assert_int_equal(loop_watch(f->loop, f->conn_fd, LOOP_READ, on_conn, f), 0);
}

static void run(struct fake *f)
{
	loop_timer_arm(f->loop, &f->guard, 5000);
	loop_run(f->loop);
	loop_timer_disarm(f->loop, &f->guard);
	assert_false(f->timed_out);
}

static void fake_open(struct fake *f, struct redis_endpoint *ep, const char *want,
		      const char *answer)
{
	char err[128];
	memset(f, 0, sizeof(*f));
	f->conn_fd = -1;
	f->want = want;
	f->answer = answer;
	f->loop = loop_create("poll", err, sizeof(err));
	assert_non_null(f->loop);
	loop_timer_init(&f->guard, on_guard);
	struct hostport where = {.host = "127.0.0.1", .port = 0};
	struct peer bound;
	f->listen_fd = sock_listen(&where, 4, &bound, err, sizeof(err));
	assert_true(f->listen_fd >= 0);
	assert_int_equal(loop_watch(f->loop, f->listen_fd, LOOP_READ, on_accept, f), 0);
	*ep = (struct redis_endpoint){"127.0.0.1", bound.port, NULL, {0}};
	struct redis_link_config cfg = {
		.loop = f->loop, .ep = ep, .connect_timeout_ms = 2000, .obuf_max = 1 << 20,
		.on_down = on_down, .data = f,
	};
	f->link = redis_link_open(&cfg, err, sizeof(err));
	assert_non_null(f->link);
}

static void drop_conn(struct fake *f)
{
	if (f->conn_fd < 0)
		return;
	loop_unwatch(f->loop, f->conn_fd);
	close(f->conn_fd);
	f->conn_fd = -1;
}

static void fake_close(struct fake *f)
{
	redis_link_close(f->link);
	drop_conn(f);
	loop_unwatch(f->loop, f->listen_fd);
	close(f->listen_fd);
	loop_destroy(f->loop);
}

static void test_the_link_sends_and_delivers_in_order(void **state)
{
	(void)state;
	struct fake f;
	struct redis_endpoint ep;
	fake_open(&f, &ep,
		  "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv 1\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
		  "+OK\r\n$3\r\nv 1\r\n");
	assert_true(redis_link_command(f.link, on_link_reply, "first", "SET %s %b", "k", "v 1",
				       (size_t)3));
	const char *argv[] = {"GET", "k"};
	size_t lens[] = {3, 1};
	assert_true(redis_link_command_argv(f.link, on_link_reply, "last", 2, argv, lens));
	assert_true(redis_link_queued(f.link) > 0);
	run(&f);
	assert_int_equal(f.rec.n, 2);
	assert_string_equal(f.rec.seen[0], "first:OK");
	assert_string_equal(f.rec.seen[1], "last:v 1");
	assert_int_equal(redis_link_queued(f.link), 0);
	/* The server goes: what still waits gets NULL, then on_down once. */
	assert_true(redis_link_command(f.link, on_link_reply, "pending", "PING"));
	drop_conn(&f);
	run(&f);
	assert_int_equal(f.downs, 1);
	assert_int_equal(f.rec.n, 3);
	assert_string_equal(f.rec.seen[2], "pending:NULL");
	assert_false(redis_link_command(f.link, on_link_reply, "late", "PING"));
	fake_close(&f);
}

static void test_a_close_inside_a_callback_is_safe(void **state)
{
	(void)state;
	struct fake f;
	struct redis_endpoint ep;
	fake_open(&f, &ep, "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", "+PONG\r\n+PONG\r\n");
	f.close_in_callback = true;
	redis_link_command(f.link, on_link_reply, "first", "PING");
	redis_link_command(f.link, on_link_reply, "second", "PING");
	run(&f);
	assert_null(f.link);
	/* The second reply may have arrived too, but its waiter is failed,
	 * not fed, once the link is closed. */
	assert_int_equal(f.rec.n, 2);
	assert_string_equal(f.rec.seen[0], "first:PONG");
	assert_string_equal(f.rec.seen[1], "second:NULL");
	assert_int_equal(f.downs, 0);
	fake_close(&f);
}

static void test_output_past_the_bound_is_refused(void **state)
{
	(void)state;
	struct fake f;
	struct redis_endpoint ep;
	fake_open(&f, &ep, NULL, NULL);
	static char big[(1 << 20) + 1];
	memset(big, 'x', sizeof(big));
	assert_true(redis_link_command(f.link, NULL, NULL, "SET k %b", big, sizeof(big)));
	assert_false(redis_link_command(f.link, NULL, NULL, "PING"));
	fake_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replies_and_pushes_are_routed_in_order),
		cmocka_unit_test(test_without_a_push_handler_arrays_are_replies),
		cmocka_unit_test(test_a_broken_stream_is_an_error),
		cmocka_unit_test(test_a_header_over_the_limits_breaks_the_stream),
		cmocka_unit_test(test_the_link_sends_and_delivers_in_order),
		cmocka_unit_test(test_a_close_inside_a_callback_is_safe),
		cmocka_unit_test(test_output_past_the_bound_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
