/* publisher: what and when publishers send. Without --rate a publisher
 * keeps its window of unacknowledged messages full (as fast as the server
 * absorbs, never an unbounded queue). With --rate it follows a fixed
 * schedule — message k is due at start + k * interval — and catches up in
 * one batch after a late timer, still never exceeding the window. Each
 * batch is one msg (one allocation, one write) whatever its length. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "net/conn.h"
#include "payload.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/list.h"
#include "util/msg.h"

static void on_pace_timer(struct loop_timer *timer);

void publisher_init(struct publisher *p, struct bench *b, uint32_t id)
{
	const struct bench_opts *o = b->o;
	memset(p, 0, sizeof(*p));
	p->b = b;
	p->id = id;
	p->room = id % o->rooms;
	p->tmpl = xmalloc((size_t)o->size + PROTO_ENVELOPE_MAX);
	p->tmpl_len = b->proto->envelope(p->room, o->size, p->tmpl, &p->payload_off);
	struct payload_hdr h = {.pub = id};
	payload_encode(p->tmpl + p->payload_off, o->size, &h);
	if (o->rate > 0)
		p->interval_ns = 1e9 * o->publishers / o->rate;
	loop_timer_init(&p->timer, on_pace_timer);
}

void publisher_free(struct publisher *p)
{
	free(p->tmpl);
}

static uint32_t window_room(const struct publisher *p)
{
	uint32_t inflight = p->sent - p->acked;
	return inflight >= p->b->o->window ? 0 : p->b->o->window - inflight;
}

/* Sends `n` messages as one batch, stamped with one send time. */
static void send_batch(struct publisher *p, uint32_t n)
{
	struct bench *b = p->b;
	if (n == 0 || !p->c->conn || b->phase < PH_WARMUP || b->phase > PH_MEASURE)
		return;
	struct msg *m = msg_new((size_t)n * p->tmpl_len);
	struct payload_hdr h = {.pub = p->id, .sent_ns = clock_mono_ns()};
	char *at = m->data;
	for (uint32_t k = 0; k < n; k++, at += p->tmpl_len) {
		memcpy(at, p->tmpl, p->tmpl_len);
		h.seq = p->sent++;
		payload_stamp(at + p->payload_off, &h);
	}
	conn_send(p->c->conn, m);
	msg_unref(m);
	b->published += n;
	b->owed += (uint64_t)n * bench_members(b, p->room);
}

/* Messages due by `now_ns` and not yet sent. */
static uint32_t due(const struct publisher *p, uint64_t now_ns)
{
	if (now_ns < p->start_ns)
		return 0;
	double by_now = floor((double)(now_ns - p->start_ns) / p->interval_ns) + 1;
	return by_now > p->sent ? (uint32_t)(by_now - p->sent) : 0;
}

static void pace(struct publisher *p)
{
	uint64_t now = clock_mono_ns();
	uint32_t n = due(p, now), room = window_room(p);
	send_batch(p, n < room ? n : room);
	double next_ns = (double)p->start_ns + (double)p->sent * p->interval_ns;
	double wait_ms = ceil((next_ns - (double)now) / 1e6);
	loop_timer_arm(p->b->loop, &p->timer, wait_ms < 1 ? 1 : (uint64_t)wait_ms);
}

static void on_pace_timer(struct loop_timer *timer)
{
	struct publisher *p = container_of(timer, struct publisher, timer);
	pace(p);
}

void publisher_start(struct publisher *p, uint64_t now_ns)
{
	if (p->interval_ns > 0) {
		/* Stagger publishers over one interval so they do not all fire
		 * in the same millisecond. */
		double phase = p->interval_ns * p->id / p->b->o->publishers;
		p->start_ns = now_ns + (uint64_t)phase;
		pace(p);
	} else {
		send_batch(p, window_room(p));
	}
}

void publisher_stop(struct publisher *p)
{
	loop_timer_disarm(p->b->loop, &p->timer);
}

void publisher_input_done(struct publisher *p)
{
	if (p->b->phase < PH_WARMUP || p->b->phase > PH_MEASURE)
		return;
	if (p->interval_ns > 0) {
		uint32_t n = due(p, clock_mono_ns()), room = window_room(p);
		send_batch(p, n < room ? n : room);
	} else {
		send_batch(p, window_room(p));
	}
}
