/* client: one generator connection — hello, then every received unit:
 * readiness, acknowledgements, and payload deliveries checked against each
 * publisher's sequence and timed into the latency histogram. This is the
 * generator's hot path, so per delivery it does a decode of fixed-width hex
 * and a few compares, and reads the clock once per read, not per message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "net/net.h"
#include "tls/tls.h"
#include "net/sock.h"
#include "payload.h"
#include "util/alloc.h"
#include "util/clock.h"

bool client_open(struct client *c)
{
	struct bench *b = c->b;
	const struct bench_opts *o = b->o;
	uint16_t port = options_port_of(o, c->id, c->room);
	char err[256];
	int fd = sock_connect(o->host, port, 1, err, sizeof(err));
	if (fd < 0) {
		bench_fail(b, &b->checks.closed, "%s", err);
		return false;
	}
	sock_nodelay(fd);
	c->conn = net_adopt_transport(b->net, fd, b->tls ? tls_client_factory(b->tls) : NULL,
				      &client_handler, c);
	if (!c->conn) {
		close(fd);
		bench_fail(b, &b->checks.closed, "cannot watch fd %d (backend limit?)", fd);
		return false;
	}
	char hello[256];
	size_t n = b->proto->hello(c->id, c->room, !c->receiver, hello, sizeof(hello));
	conn_send_bytes(c->conn, hello, n);
	return true;
}

/* ---- deliveries ---- */

static void check_sequence(struct client *c, const struct payload_hdr *h)
{
	struct bench *b = c->b;
	uint32_t *next = &c->next_seq[h->pub / b->o->rooms];
	if (h->seq == *next) {
		(*next)++;
	} else if (h->seq > *next) {
		bench_fail(b, &b->checks.lost,
			   "client %u: publisher %u seq %u arrived while expecting %u",
			   c->id, h->pub, h->seq, *next);
		b->checks.lost += h->seq - *next - 1; /* bench_fail counted one */
		*next = h->seq + 1;
	} else {
		bench_fail(b, &b->checks.duplicated,
			   "client %u: publisher %u seq %u again (expecting %u)",
			   c->id, h->pub, h->seq, *next);
	}
}

static void acknowledge(struct client *c)
{
	struct publisher *p = c->pub;
	if (p->acked < p->sent) {
		p->acked++;
		c->b->acks++;
	} else {
		bench_fail(c->b, &c->b->checks.refused, "publisher %u: ack for nothing", p->id);
	}
}

static void on_payload(struct client *c, const char *data, size_t len, uint64_t now_ns)
{
	struct bench *b = c->b;
	struct payload_hdr h;
	if (!payload_decode(data, len, &h)) {
		bench_fail(b, &b->checks.malformed, "client %u: malformed payload", c->id);
		return;
	}
	if (h.pub >= b->o->publishers || h.pub % b->o->rooms != c->room) {
		bench_fail(b, &b->checks.foreign, "client %u (room %u) got publisher %u's message",
			   c->id, c->room, h.pub);
		return;
	}
	check_sequence(c, &h);
	b->deliveries++;
	if (b->recording && h.pub >= b->o->flooders)
		hist_record(b->hist, now_ns > h.sent_ns ? now_ns - h.sent_ns : 0);
	if (c->pub && c->pub->id == h.pub)
		acknowledge(c);
}

static void on_ack(struct client *c, uint64_t receivers)
{
	struct bench *b = c->b;
	if (!c->pub) {
		bench_fail(b, &b->checks.refused, "client %u: unexpected integer reply", c->id);
		return;
	}
	if (receivers != ACK_UNCOUNTED && receivers != bench_members(b, c->room))
		bench_fail(b, &b->checks.wrong_ack, "publisher %u: PUBLISH reached %llu, not %u",
			   c->pub->id, (unsigned long long)receivers, bench_members(b, c->room));
	acknowledge(c);
}

static void on_ready(struct client *c)
{
	if (c->ready)
		return;
	c->ready = true;
	driver_client_ready(c->b);
}

static void on_unit(struct client *c, const struct unit *u, uint64_t now_ns)
{
	switch (u->kind) {
	case UNIT_PAYLOAD:
		on_payload(c, u->data, u->len, now_ns);
		break;
	case UNIT_ACK:
		on_ack(c, u->value);
		break;
	case UNIT_READY:
		on_ready(c);
		break;
	case UNIT_REPLY:
		conn_send_bytes(c->conn, u->data, u->len);
		break;
	case UNIT_ERROR:
		bench_fail(c->b, &c->b->checks.refused, "client %u: server said: %.*s", c->id,
			   (int)(u->len > 120 ? 120 : u->len), u->data);
		if (c->b->phase == PH_SETUP) /* registration refused: cannot go on */
			driver_abort(c->b);
		break;
	case UNIT_OTHER:
	case UNIT_NEED_MORE:
		break;
	}
}

/* ---- handler ---- */

static void client_on_open(struct conn *conn, void *data)
{
	conn_set_session(conn, data);
}

static size_t client_on_data(struct conn *conn, const char *data, size_t len)
{
	struct client *c = conn_session(conn);
	const struct proto *proto = c->b->proto;
	uint64_t now_ns = clock_mono_ns();
	size_t off = 0;
	while (off < len) {
		struct unit u;
		proto->next(&c->scan, data + off, len - off, &u);
		off += u.used;
		if (u.kind == UNIT_NEED_MORE)
			break;
		on_unit(c, &u, now_ns);
	}
	if (c->pub)
		publisher_input_done(c->pub);
	if (c->b->phase == PH_DRAIN)
		driver_check_drained(c->b);
	return off;
}

static void client_on_eof(struct conn *conn)
{
	struct client *c = conn_session(conn);
	if (c->b->phase != PH_DONE)
		bench_fail(c->b, &c->b->checks.closed, "client %u: server closed the connection",
			   c->id);
	conn_close(conn, CONN_CLOSE_EOF);
}

static void client_on_close(struct conn *conn)
{
	struct client *c = conn_session(conn);
	enum conn_close_reason why = conn_close_reason(conn);
	if (c->b->phase != PH_DONE && why != CONN_CLOSE_NONE && why != CONN_CLOSE_EOF)
		bench_fail(c->b, &c->b->checks.closed, "client %u: connection %s (%s)", c->id,
			   c->ready ? "closed" : "failed before registering (refused?)",
			   conn_close_reason_name(why));
	c->conn = NULL;
	if (c->b->phase == PH_SETUP) /* setup can no longer complete */
		driver_abort(c->b);
}

const struct conn_handler client_handler = {
	.on_open = client_on_open,
	.on_data = client_on_data,
	.on_eof = client_on_eof,
	.on_close = client_on_close,
};

void client_check_complete(struct client *c)
{
	struct bench *b = c->b;
	if (!c->receiver)
		return;
	for (uint32_t j = c->room; j < b->o->publishers; j += b->o->rooms) {
		if (c->pub && c->pub->id == j && !b->proto->own_copy)
			continue; /* irc: a publisher never gets its own messages */
		uint32_t got = c->next_seq[j / b->o->rooms], sent = b->pubs[j].sent;
		if (got < sent)
			bench_fail(b, &b->checks.lost, "client %u: publisher %u's last %u of %u "
				   "messages never arrived", c->id, j, sent - got, sent);
		if (got < sent)
			b->checks.lost += sent - got - 1;
	}
}
