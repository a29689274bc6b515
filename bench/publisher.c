/* publisher: what publishers send. Without --rate a publisher keeps its
 * window of unacknowledged messages full (as fast as the server absorbs,
 * never an unbounded queue). With --rate the pacer hands it messages as
 * they fall due and it sends them at once, unless the window is full; then
 * they wait for acknowledgements. Each batch is one msg (one allocation,
 * one write) whatever its length. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "net/conn.h"
#include "payload.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/msg.h"

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
	uint32_t reach = bench_members(b, p->room);
	if (b->proto->publisher_is_member && !b->proto->own_copy)
		reach--; /* irc: the sender gets no copy */
	b->owed += (uint64_t)n * reach;
}

void publisher_send(struct publisher *p)
{
	struct bench *b = p->b;
	if (!p->c->conn || b->phase < PH_WARMUP || b->phase > PH_MEASURE)
		return;
	uint32_t n = window_room(p);
	if (b->o->rate > 0 && p->id >= b->o->flooders) {
		n = p->owed < n ? p->owed : n;
		p->owed -= n;
	}
	if (n > 0)
		send_batch(p, n);
}

void publisher_input_done(struct publisher *p)
{
	if (p->b->o->rate <= 0 || p->id < p->b->o->flooders || p->owed > 0)
		publisher_send(p);
}
