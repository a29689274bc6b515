/* stdin_reader: line splitting of standard input on the loop. */
#include "stdin_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "codec/codec.h"
#include "loop/loop.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/list.h"

enum { CHUNK = 64 * 1024 };

struct stdin_reader {
	struct loop *loop;
	const struct stdin_events *ev;
	void *ctx;
	struct line_decoder lines;
	struct buf in;           /* the unfinished line */
	struct loop_timer pump;  /* drives reading when fd 0 cannot be watched */
	bool watched;            /* fd 0 is in the loop */
	bool paused, ended;
};

static void split_lines(struct stdin_reader *r)
{
	while (buf_len(&r->in) > 0) {
		struct codec_unit u;
		enum codec_status st = line_decode(&r->lines, buf_head(&r->in), buf_len(&r->in), &u);
		if (st == CODEC_UNIT)
			r->ev->on_line(r->ctx, u.data, u.len);
		else if (st == CODEC_TOO_LONG)
			r->ev->on_too_long(r->ctx);
		buf_consume(&r->in, u.used);
		if (st == CODEC_NEED_MORE)
			break;
	}
}

static void stop_reading(struct stdin_reader *r)
{
	if (r->watched)
		loop_unwatch(r->loop, 0);
	r->watched = false;
	loop_timer_disarm(r->loop, &r->pump);
}

static void end_input(struct stdin_reader *r)
{
	/* An unterminated last line is still a line the user wrote. */
	if (buf_len(&r->in) > 0 && !r->lines.discarding)
		r->ev->on_line(r->ctx, buf_head(&r->in), buf_len(&r->in));
	buf_release(&r->in);
	r->ended = true;
	stop_reading(r);
	r->ev->on_end(r->ctx);
}

/* One read per readiness: fd 0 stays blocking (it may be shared with other
 * processes, so we do not change its flags), and a single read after the
 * loop reported it readable cannot block. */
static void read_chunk(struct stdin_reader *r)
{
	ssize_t n = read(0, buf_reserve(&r->in, CHUNK), CHUNK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		end_input(r);
		return;
	}
	buf_commit(&r->in, (size_t)n);
	split_lines(r);
}

static void on_readable(void *data, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	read_chunk(data);
}

static void on_pump(struct loop_timer *t)
{
	struct stdin_reader *r = container_of(t, struct stdin_reader, pump);
	read_chunk(r);
	if (!r->ended && !r->paused)
		loop_timer_arm(r->loop, &r->pump, 0);
}

struct stdin_reader *stdin_reader_open(struct loop *loop, size_t max,
				       const struct stdin_events *ev, void *ctx)
{
	struct stdin_reader *r = xcalloc(1, sizeof(*r));
	r->loop = loop;
	r->ev = ev;
	r->ctx = ctx;
	r->lines.max = max;
	r->lines.mode = LINE_KEEP;
	loop_timer_init(&r->pump, on_pump);
	/* Regular files and /dev/null are refused by epoll (EPERM) but are
	 * always readable, so a timer that fires at once stands in for
	 * readiness. */
	r->watched = loop_watch(loop, 0, LOOP_READ, on_readable, r) == 0;
	if (!r->watched)
		loop_timer_arm(loop, &r->pump, 0);
	return r;
}

void stdin_reader_close(struct stdin_reader *r)
{
	if (!r)
		return;
	stop_reading(r);
	buf_release(&r->in);
	free(r);
}

void stdin_reader_pause(struct stdin_reader *r, bool paused)
{
	if (r->ended || r->paused == paused)
		return;
	r->paused = paused;
	if (r->watched)
		loop_set_mask(r->loop, 0, paused ? 0 : LOOP_READ);
	else if (paused)
		loop_timer_disarm(r->loop, &r->pump);
	else
		loop_timer_arm(r->loop, &r->pump, 0);
}
