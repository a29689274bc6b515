/* filter: the non-interactive client (scripts, pipes, tests). */
#include "filter.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "render.h"
#include "session.h"
#include "stdin_reader.h"
#include "loop/loop.h"
#include "loop/signal.h"
#include "util/buf.h"
#include "util/list.h"

/* Stop reading stdin while this much is queued for the server, resume
 * once it drains below the low mark: a slow server slows the producer
 * instead of growing our memory. */
enum { QUEUE_HIGH = 1024 * 1024, QUEUE_LOW = 256 * 1024 };

struct filter {
	struct loop *loop;
	const struct options *opt;
	struct session *s;
	struct stdin_reader *in;
	struct loop_signals *sigs;
	struct render_style style;
	struct buf out;            /* rendered output, written before sleeping */
	struct loop_timer linger;  /* after stdin ends: quiet time before exit */
	uint64_t seen_bytes_out;   /* progress marker for the linger timer */
	bool fresh_input;          /* something arrived since the last hook */
	bool input_done, ended, stdout_broken;
	int status;
	char reason[256];
};

/* ---- ending ---- */

/* Records the first failure; later ones are consequences. */
static void fail(struct filter *f, int status, const char *reason)
{
	if (f->status != 0)
		return;
	f->status = status;
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
}

static void finish(struct filter *f)
{
	f->ended = true;
	loop_stop(f->loop);
}

/* ---- output ---- */

/* Blocks until stdout takes everything: a filter's reader sets the pace.
 * A non-blocking stdout inherited from the parent is waited on with poll. */
static void write_stdout(struct filter *f)
{
	while (buf_len(&f->out) > 0 && !f->stdout_broken) {
		ssize_t n = write(1, buf_head(&f->out), buf_len(&f->out));
		if (n > 0) {
			buf_consume(&f->out, (size_t)n);
		} else if (n < 0 && errno == EAGAIN) {
			struct pollfd p = {.fd = 1, .events = POLLOUT};
			poll(&p, 1, -1);
		} else if (n < 0 && errno != EINTR) {
			f->stdout_broken = true;
			if (errno == EPIPE)
				fail(f, 128 + SIGPIPE, "");
			else
				fail(f, 1, "cannot write to stdout");
		}
	}
	buf_release(&f->out);
}

/* ---- session events ---- */

static void on_unit(void *ctx, const char *data, size_t len)
{
	struct filter *f = ctx;
	render_raw(&f->style, f->opt->proto, data, len, &f->out);
	f->fresh_input = true;
}

static void on_warning(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "parley: %s\n", text);
}

static void on_session_end(void *ctx)
{
	struct filter *f = ctx;
	char msg[256];
	if (session_verdict(f->s, f->input_done, msg, sizeof(msg)) != 0)
		fail(f, 1, msg);
	finish(f);
}

static const struct session_events session_events = {
	.on_unit = on_unit,
	.on_warning = on_warning,
	.on_end = on_session_end,
};

/* ---- stdin events ---- */

static void on_line(void *ctx, const char *line, size_t len)
{
	struct filter *f = ctx;
	session_send_line(f->s, line, len);
	if (session_queued(f->s) > QUEUE_HIGH)
		stdin_reader_pause(f->in, true);
}

static void on_too_long(void *ctx)
{
	struct filter *f = ctx;
	size_t max = f->opt->proto == PROTO_FRAME ? f->opt->max_frame : f->opt->max_line;
	fprintf(stderr, "parley: skipped an input line longer than %zu bytes\n", max);
}

static void on_input_end(void *ctx)
{
	struct filter *f = ctx;
	f->input_done = true;
	f->fresh_input = true; /* start the linger clock */
}

static const struct stdin_events stdin_events = {
	.on_line = on_line,
	.on_too_long = on_too_long,
	.on_end = on_input_end,
};

/* ---- timing ---- */

static void on_linger(struct loop_timer *t)
{
	struct filter *f = container_of(t, struct filter, linger);
	size_t stuck = session_queued(f->s);
	if (stuck > 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "server stopped reading; %zu bytes were not sent", stuck);
		fail(f, 1, msg);
	}
	session_close(f->s, false);
	finish(f);
}

/* Runs before every sleep, after the session's own flush: writes the
 * output, resumes stdin once the queue drained, and restarts the linger
 * clock whenever anything moved. */
static void before_sleep(void *data)
{
	struct filter *f = data;
	write_stdout(f);
	if (f->ended)
		return;
	if (f->stdout_broken) {
		session_close(f->s, false);
		finish(f);
		return;
	}
	if (session_queued(f->s) < QUEUE_LOW)
		stdin_reader_pause(f->in, false);
	if (!f->input_done)
		return;
	uint64_t out = session_bytes_out(f->s);
	if (f->fresh_input || out != f->seen_bytes_out || !loop_timer_armed(&f->linger)) {
		f->fresh_input = false;
		f->seen_bytes_out = out;
		loop_timer_arm(f->loop, &f->linger, f->opt->linger_ms);
	}
}

static void on_signal(void *data, int signo)
{
	struct filter *f = data;
	fail(f, 128 + signo, "");
	session_close(f->s, false);
	finish(f);
}

/* ---- run ---- */

static bool setup(struct filter *f, int fd)
{
	static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
	struct session_config sc = {f->opt->proto,   f->opt->max_line, f->opt->max_frame,
				    f->opt->tls,     f->opt->host,     f->opt->ca_file,
				    f->opt->insecure};
	f->s = session_create(f->loop, &sc, &session_events, f);
	if (!session_start(f->s, fd)) {
		fail(f, 1, "cannot watch the connection");
		return false;
	}
	f->sigs = loop_signals_open(f->loop, signals, 3, on_signal, f);
	loop_timer_init(&f->linger, on_linger);
	loop_add_hook(f->loop, before_sleep, f);
	session_greet(f->s, f->opt->user, f->opt->room);
	size_t max = f->opt->proto == PROTO_FRAME ? f->opt->max_frame : f->opt->max_line;
	f->in = stdin_reader_open(f->loop, max, &stdin_events, f);
	return true;
}

static void teardown(struct filter *f)
{
	write_stdout(f);
	loop_timer_disarm(f->loop, &f->linger);
	stdin_reader_close(f->in);
	session_destroy(f->s);
	loop_signals_close(f->sigs);
}

int filter_run(struct loop *loop, const struct options *opt, int fd)
{
	struct filter f = {.loop = loop, .opt = opt};
	f.style.terminal = isatty(1);
	if (setup(&f, fd) && !f.ended) {
		int rc = loop_run(loop);
		if (rc < 0)
			fail(&f, 1, strerror(-rc));
	}
	teardown(&f);
	if (f.status == 1 && f.reason[0])
		fprintf(stderr, "parley: %s\n", f.reason);
	return f.status;
}
