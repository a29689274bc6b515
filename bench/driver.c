/* driver: the phases of one run, in order —
 *   SETUP    connect and register every client, at most --setup-window at a
 *            time so the server's accept backlog never overflows (a dropped
 *            SYN costs a one-second retransmit and would skew setup);
 *   SETTLE   idle, so join notices and setup work are over;
 *   WARMUP   publish, unmeasured;
 *   MEASURE  publish; latencies recorded, counters and /proc sampled at
 *            both ends;
 *   DRAIN    stop publishing; wait until everything owed has arrived;
 *   DONE     verify every receiver's sequences.
 * A watchdog bounds the whole run, so it always stops by itself. */
#include "driver.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "loop/signal.h"
#include "net/net.h"
#include "tls/tls.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/list.h"

enum {
	DRAIN_MS = 10000,    /* longest wait for the last deliveries */
	SENDQ = 64 << 20,    /* the generator only queues publishes */
};

uint32_t bench_members(const struct bench *b, uint32_t r)
{
	uint32_t n = b->o->clients, rooms = b->o->rooms;
	return n / rooms + (r < n % rooms ? 1u : 0u);
}

void bench_fail(struct bench *b, uint64_t *counter, const char *fmt, ...)
{
	(*counter)++;
	if (b->res->error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->res->error, sizeof(b->res->error), fmt, ap);
	va_end(ap);
}

static void take_snapshot(struct bench *b, struct bench_snapshot *s)
{
	s->t_ns = clock_mono_ns();
	s->published = b->published;
	s->deliveries = b->deliveries;
	s->self_cpu_us = proc_self_cpu_us();
	s->machine_busy_us = proc_machine_busy_us();
	s->server = proc_sample(b->o->server_pid);
}

static uint64_t secs_ms(double s)
{
	return (uint64_t)(s * 1000.0 + 0.5);
}

static void finish(struct bench *b)
{
	b->phase = PH_DONE;
	loop_timer_disarm(b->loop, &b->phase_timer);
	loop_stop(b->loop);
}

void driver_abort(struct bench *b)
{
	b->aborted = true;
	finish(b);
}

/* ---- phases ---- */

static void next_phase(struct loop_timer *timer);

static void enter(struct bench *b, enum phase ph, double secs)
{
	b->phase = ph;
	loop_timer_arm(b->loop, &b->phase_timer, secs_ms(secs));
}

static void begin_warmup(struct bench *b)
{
	enter(b, PH_WARMUP, b->o->warmup);
	if (b->o->publishers == 0)
		return;
	if (b->o->rate > 0) {
		if (!pacer_start(b, clock_mono_ns()))
			driver_abort(b);
		for (uint32_t j = 0; j < b->o->flooders; j++)
			publisher_send(&b->pubs[j]);
		return;
	}
	for (uint32_t j = 0; j < b->o->publishers; j++)
		publisher_send(&b->pubs[j]);
}

static void begin_drain(struct bench *b)
{
	take_snapshot(b, &b->res->end);
	b->recording = false;
	pacer_stop(b);
	enter(b, PH_DRAIN, DRAIN_MS / 1000.0);
	driver_check_drained(b);
}

static void next_phase(struct loop_timer *timer)
{
	struct bench *b = container_of(timer, struct bench, phase_timer);
	switch (b->phase) {
	case PH_SETTLE:
		begin_warmup(b);
		break;
	case PH_WARMUP:
		take_snapshot(b, &b->res->start);
		b->recording = true;
		enter(b, PH_MEASURE, b->o->duration);
		break;
	case PH_MEASURE:
		begin_drain(b);
		break;
	case PH_DRAIN: /* timed out: the tail check reports what is missing */
	case PH_SETUP:
	case PH_DONE:
		finish(b);
		break;
	}
}

void driver_check_drained(struct bench *b)
{
	if (b->phase == PH_DRAIN && b->deliveries >= b->owed && b->acks >= b->published)
		finish(b);
}

/* ---- setup ---- */

static void open_more(struct bench *b)
{
	while (b->phase == PH_SETUP && b->opened < b->nconns &&
	       b->opened - b->ready < b->o->setup_window) {
		if (!client_open(&b->clients[b->opened++])) {
			driver_abort(b);
			return;
		}
	}
}

void driver_client_ready(struct bench *b)
{
	b->ready++;
	if (b->phase != PH_SETUP)
		return;
	if (b->ready < b->nconns) {
		open_more(b);
		return;
	}
	b->res->setup_s = (double)(clock_mono_ns() - b->res->start.t_ns) / 1e9;
	enter(b, PH_SETTLE, b->o->settle);
}

static void on_watchdog(struct loop_timer *timer)
{
	struct bench *b = container_of(timer, struct bench, watchdog);
	static const char *const names[] = {"setup", "settle", "warmup", "measure", "drain", "done"};
	uint64_t dummy = 0;
	bench_fail(b, &dummy, "run timed out during %s (%u of %u connections ready)",
		   names[b->phase], b->ready, b->nconns);
	b->aborted = true;
	finish(b);
}

static void on_signal(void *data, int signo)
{
	struct bench *b = data;
	uint64_t dummy = 0;
	bench_fail(b, &dummy, "interrupted by signal %d", signo);
	b->aborted = true;
	finish(b);
}

/* ---- building and tearing down ---- */

static void init_client(struct bench *b, struct client *c, uint32_t id)
{
	const struct bench_opts *o = b->o;
	c->b = b;
	c->id = id;
	c->receiver = id < o->clients;
	c->room = c->receiver ? id % o->rooms : (id - o->clients) % o->rooms;
	b->proto->scan_init(&c->scan, id, c->room, o->size);
	uint32_t pubs_here = o->publishers / o->rooms + 1;
	if (c->receiver)
		c->next_seq = xcalloc(pubs_here, sizeof(*c->next_seq));
}

static void build(struct bench *b, const struct bench_opts *o, struct bench_result *r)
{
	b->o = o;
	b->res = r;
	b->hist = &r->latency;
	b->proto = proto_get(o->proto);
	b->nconns = o->clients + (b->proto->publisher_is_member ? 0 : o->publishers);
	b->clients = xcalloc(b->nconns, sizeof(*b->clients));
	for (uint32_t i = 0; i < b->nconns; i++)
		init_client(b, &b->clients[i], i);
	b->pubs = xcalloc(o->publishers ? o->publishers : 1, sizeof(*b->pubs));
	for (uint32_t j = 0; j < o->publishers; j++) {
		struct publisher *p = &b->pubs[j];
		publisher_init(p, b, j);
		p->c = &b->clients[b->proto->publisher_is_member ? j : o->clients + j];
		p->c->pub = p;
	}
	b->pacer.fd = -1;
	loop_timer_init(&b->phase_timer, next_phase);
	loop_timer_init(&b->watchdog, on_watchdog);
	r->conns = b->nconns;
}

static void teardown(struct bench *b)
{
	pacer_stop(b);
	net_destroy(b->net);
	for (uint32_t i = 0; i < b->nconns; i++)
		free(b->clients[i].next_seq);
	for (uint32_t j = 0; j < b->o->publishers; j++)
		publisher_free(&b->pubs[j]);
	free(b->clients);
	free(b->pubs);
}

static void verify(struct bench *b)
{
	for (uint32_t i = 0; i < b->nconns; i++)
		client_check_complete(&b->clients[i]);
	for (uint32_t j = 0; j < b->o->publishers; j++) {
		const struct publisher *p = &b->pubs[j];
		if (p->acked < p->sent) {
			bench_fail(b, &b->checks.unacked, "publisher %u: %u messages unacknowledged",
				   j, p->sent - p->acked);
			b->checks.unacked += p->sent - p->acked - 1;
		}
	}
	b->res->checks = b->checks;
	b->res->completed = !b->aborted && b->res->end.t_ns != 0;
}

static bool checks_pass(const struct bench_checks *c)
{
	return !(c->lost | c->duplicated | c->foreign | c->malformed | c->refused | c->closed |
		 c->unacked | c->wrong_ack);
}

/* Wall-clock budget: generous setup (registration is O(members^2) join
 * notices in chat), the run itself, and the drain. */
static uint64_t budget_ms(const struct bench_opts *o)
{
	double setup = 30.0 + o->clients / 200.0;
	return secs_ms(setup + o->settle + o->warmup + o->duration) + DRAIN_MS + 5000;
}

static int run_loop(struct bench *b)
{
	const int sigs[] = {SIGINT, SIGTERM};
	struct loop_signals *s = loop_signals_open(b->loop, sigs, 2, on_signal, b);
	b->res->server_before = proc_sample(b->o->server_pid);
	b->res->start.t_ns = clock_mono_ns();
	loop_timer_arm(b->loop, &b->watchdog, budget_ms(b->o));
	open_more(b);
	int rc = b->phase == PH_DONE ? 0 : loop_run(b->loop);
	loop_timer_disarm(b->loop, &b->watchdog);
	loop_timer_disarm(b->loop, &b->phase_timer);
	if (s)
		loop_signals_close(s);
	return rc;
}

int driver_run(const struct bench_opts *o, struct bench_result *r)
{
	memset(r, 0, sizeof(*r));
	hist_reset(&r->latency);
	proc_raise_fd_limit();
	if (o->server_pid && !proc_sample(o->server_pid).ok) {
		snprintf(r->error, sizeof(r->error), "--server-pid %d: no such process, or its "
			 "/proc entry cannot be read", (int)o->server_pid);
		return 2;
	}
	struct bench b = {.log = {.level = LOG_WARN, .fd = 2}};
	char err[256];
	b.loop = loop_create(o->backend, err, sizeof(err));
	if (!b.loop) {
		snprintf(r->error, sizeof(r->error), "%s", err);
		return 2;
	}
	struct net_config nc = {.max_clients = SIZE_MAX, .sendq = SENDQ, .drain_ms = 1000};
	b.net = net_create(b.loop, &b.log, &nc);
	if (o->tls) {
		struct tls_client_config tc = {.insecure = true};
		b.tls = tls_client_create(&tc, err, sizeof(err));
		if (!b.tls) {
			snprintf(r->error, sizeof(r->error), "%s", err);
			net_destroy(b.net);
			loop_destroy(b.loop);
			return 2;
		}
	}
	build(&b, o, r);
	int rc = run_loop(&b);
	if (rc < 0)
		snprintf(r->error, sizeof(r->error), "event loop failed: %s", strerror(-rc));
	verify(&b);
	bool reached = r->completed;
	teardown(&b);
	tls_client_destroy(b.tls);
	loop_destroy(b.loop);
	if (!reached)
		return 2;
	return checks_pass(&r->checks) ? 0 : 1;
}
