/* test_loop: loop/ on every backend (epoll, poll, select; each test runs
 * once per backend) — creation by name and the backend table, readable and
 * writable pipes and socketpairs, EOF as readable, events always a subset
 * of the mask, set_mask, replacing and removing watches (also from inside
 * callbacks), many descriptors in one batch; the stale-event guard: a
 * callback that unwatches and closes LATER descriptors which already fired
 * in the same batch, and reuses some of their numbers for new watches, must
 * deliver nothing to either; timers in deadline order, cancellation,
 * re-arming (also from callbacks), and no busy waiting before a timer;
 * loop_stop ending the current batch; before-sleep hooks in registration
 * order; signals delivered through the loop (loop/signal); and select
 * refusing descriptors >= FD_SETSIZE with -EMFILE (after raising
 * RLIMIT_NOFILE; skipped if impossible) while the others accept; and the
 * iteration-time figures (loop_get_stats) counting a slow callback. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop/loop.h"
#include "loop/loop_hist.h"
#include "loop/signal.h"
#include "util/clock.h"
#include "util/list.h"

enum { DEADLINE_MS = 5000 };

/* ---- fixtures ---- */

/* Every test gets a fresh loop on the backend named by its prestate, a
 * safety deadline (so a broken loop fails instead of hanging) and a hook
 * that numbers the batches. */
struct fx {
	struct loop *loop;
	const char *backend;
	struct loop_timer deadline;
	bool timed_out;
	int batch; /* incremented before every wait */
};

static void on_deadline(struct loop_timer *t)
{
	struct fx *f = container_of(t, struct fx, deadline);
	f->timed_out = true;
	loop_stop(f->loop);
}

static void count_batch(void *data)
{
	struct fx *f = data;
	f->batch++;
}

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof(f));
	f.backend = *state;
	char err[128];
	f.loop = loop_create(f.backend, err, sizeof(err));
	if (!f.loop) {
		fprintf(stderr, "loop_create(%s): %s\n", f.backend, err);
		return -1;
	}
	loop_timer_init(&f.deadline, on_deadline);
	loop_timer_arm(f.loop, &f.deadline, DEADLINE_MS);
	loop_add_hook(f.loop, count_batch, &f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	loop_destroy(f->loop);
	return 0;
}

static void run(struct fx *f)
{
	assert_int_equal(loop_run(f->loop), 0);
	assert_false(f->timed_out);
}

static void make_pipe(int p[2])
{
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void put_byte(int fd)
{
	assert_int_equal(write(fd, "x", 1), 1);
}

/* A watcher that records its calls. */
struct probe {
	struct fx *f;
	int fd;
	int calls;
	unsigned events;    /* union of all events seen */
	unsigned mask;      /* what it was watched for */
	int first_batch;
	bool stop;          /* stop the loop when called */
	bool consume;       /* read what is there */
};

static void on_probe(void *data, int fd, unsigned events)
{
	struct probe *p = data;
	assert_int_equal(fd, p->fd);
	assert_int_not_equal(events, 0);
	assert_int_equal(events & ~p->mask, 0); /* never more than asked for */
	if (p->calls++ == 0)
		p->first_batch = p->f->batch;
	p->events |= events;
	if (p->consume) {
		char sink[256];
		while (read(fd, sink, sizeof(sink)) > 0)
			;
	}
	if (p->stop)
		loop_stop(p->f->loop);
}

static void probe_watch(struct probe *p, struct fx *f, int fd, unsigned mask)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->fd = fd;
	p->mask = mask;
	assert_int_equal(loop_watch(f->loop, fd, mask, on_probe, p), 0);
}

/* A timer that stops the loop: bounded "run for a while" without sleeps. */
struct stopper {
	struct loop_timer t;
	struct loop *loop;
	bool fired;
};

static void on_stopper(struct loop_timer *t)
{
	struct stopper *s = container_of(t, struct stopper, t);
	s->fired = true;
	loop_stop(s->loop);
}

static void run_for(struct fx *f, uint64_t ms)
{
	struct stopper s = {.loop = f->loop};
	loop_timer_init(&s.t, on_stopper);
	loop_timer_arm(f->loop, &s.t, ms);
	int rc = loop_run(f->loop);
	loop_timer_disarm(f->loop, &s.t); /* it lives on this stack frame */
	assert_int_equal(rc, 0);
	assert_false(f->timed_out);
	assert_true(s.fired);
}

/* ---- creation ---- */

static void test_create(void **state)
{
	struct fx *f = *state;
	assert_string_equal(loop_backend(f->loop), f->backend);
	if (strcmp(f->backend, "select") == 0)
		assert_int_equal(loop_fd_limit(f->loop), FD_SETSIZE);
	else
		assert_int_equal(loop_fd_limit(f->loop), INT32_MAX);
	char names[LOOP_BACKEND_LIST_MAX];
	assert_non_null(strstr(loop_backend_list(names, sizeof(names)), f->backend));

	char err[128] = "";
	assert_null(loop_create("kqueue", err, sizeof(err)));
	assert_non_null(strstr(err, "kqueue"));
	assert_non_null(strstr(err, "epoll"));
	loop_destroy(NULL);
}

/* Every name in the list is a backend that loop_create accepts, and a
 * short buffer gets a truncated, terminated list. */
static void test_backend_list(void **state)
{
	(void)state;
	char names[LOOP_BACKEND_LIST_MAX];
	char *list = loop_backend_list(names, sizeof(names));
	assert_ptr_equal(list, names);
	int count = 0;
	for (char *save = NULL, *name = strtok_r(list, ", ", &save); name;
	     name = strtok_r(NULL, ", ", &save), count++) {
		char err[128];
		struct loop *loop = loop_create(name, err, sizeof(err));
		assert_non_null(loop);
		assert_string_equal(loop_backend(loop), name);
		loop_destroy(loop);
	}
	assert_int_equal(count, 3);
	char tiny[6];
	assert_string_equal(loop_backend_list(tiny, sizeof(tiny)), "epoll");
}

/* ---- readiness ---- */

static void test_readable(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	struct probe r;
	probe_watch(&r, f, p[0], LOOP_READ);
	r.stop = true;
	r.consume = true;
	run_for(f, 20); /* nothing to read: no call */
	assert_int_equal(r.calls, 0);
	put_byte(p[1]);
	run(f);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.events, LOOP_READ);
	loop_unwatch(f->loop, p[0]);
	close(p[0]);
	close(p[1]);
}

static void test_writable(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	struct probe w;
	probe_watch(&w, f, p[1], LOOP_WRITE);
	w.stop = true;
	run(f);
	assert_int_equal(w.calls, 1);
	assert_int_equal(w.events, LOOP_WRITE);
	loop_unwatch(f->loop, p[1]);
	close(p[0]);
	close(p[1]);
}

static void test_read_and_write_together(void **state)
{
	struct fx *f = *state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct probe b;
	probe_watch(&b, f, sv[0], LOOP_READ | LOOP_WRITE);
	b.stop = true;
	b.consume = true;
	run(f);
	assert_int_equal(b.events, LOOP_WRITE); /* writable, nothing to read */
	put_byte(sv[1]);
	b.events = 0;
	run(f);
	assert_int_equal(b.events, LOOP_READ | LOOP_WRITE);
	loop_unwatch(f->loop, sv[0]);
	close(sv[0]);
	close(sv[1]);
}

/* A closed writer makes the reader readable (read then returns 0). */
static void test_eof_is_readable(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	struct probe r;
	probe_watch(&r, f, p[0], LOOP_READ);
	r.stop = true;
	close(p[1]);
	run(f);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.events, LOOP_READ);
	char c;
	assert_int_equal(read(p[0], &c, 1), 0);
	loop_unwatch(f->loop, p[0]);
	close(p[0]);
}

static void test_set_mask(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	put_byte(p[1]);
	struct probe r;
	probe_watch(&r, f, p[0], LOOP_READ);
	r.stop = true;
	r.consume = true;
	assert_int_equal(loop_set_mask(f->loop, p[0], 0), 0); /* paused */
	r.mask = 0;
	run_for(f, 30);
	assert_int_equal(r.calls, 0);
	assert_int_equal(loop_set_mask(f->loop, p[0], 0), 0); /* unchanged */
	assert_int_equal(loop_set_mask(f->loop, p[0], LOOP_READ), 0);
	r.mask = LOOP_READ;
	run(f);
	assert_int_equal(r.calls, 1);

	/* Narrowing READ|WRITE to READ stops write events. */
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct probe s;
	probe_watch(&s, f, sv[0], LOOP_READ | LOOP_WRITE);
	r.stop = false;
	assert_int_equal(loop_set_mask(f->loop, sv[0], LOOP_READ), 0);
	s.mask = LOOP_READ;
	run_for(f, 30);
	assert_int_equal(s.calls, 0);
	/* Widening from 0 to WRITE starts them. */
	assert_int_equal(loop_set_mask(f->loop, sv[0], 0), 0);
	assert_int_equal(loop_set_mask(f->loop, sv[0], LOOP_WRITE), 0);
	s.mask = LOOP_WRITE;
	s.stop = true;
	run(f);
	assert_int_equal(s.events, LOOP_WRITE);

	loop_unwatch(f->loop, p[0]);
	loop_unwatch(f->loop, sv[0]);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/* A watch registered with an empty mask is silent until given one. */
static void test_watch_with_empty_mask(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	put_byte(p[1]);
	struct probe r;
	probe_watch(&r, f, p[0], 0);
	run_for(f, 20);
	assert_int_equal(r.calls, 0);
	assert_int_equal(loop_set_mask(f->loop, p[0], LOOP_READ), 0);
	r.mask = LOOP_READ;
	r.stop = true;
	run(f);
	assert_int_equal(r.calls, 1);
	loop_unwatch(f->loop, p[0]);
	close(p[0]);
	close(p[1]);
}

static void test_replace_and_unwatch(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	put_byte(p[1]);
	struct probe a, b;
	probe_watch(&a, f, p[0], LOOP_READ);
	probe_watch(&b, f, p[0], LOOP_READ); /* replaces a */
	b.stop = true;
	run(f);
	assert_int_equal(a.calls, 0);
	assert_int_equal(b.calls, 1);

	loop_unwatch(f->loop, p[0]);
	loop_unwatch(f->loop, p[0]);   /* twice: ignored */
	loop_unwatch(f->loop, 999);    /* never watched: ignored */
	loop_unwatch(f->loop, -1);
	run_for(f, 20);
	assert_int_equal(b.calls, 1);
	assert_int_equal(loop_watch(f->loop, -1, LOOP_READ, on_probe, &a), -EBADF);
	close(p[0]);
	close(p[1]);
}

/* ---- callbacks that close things ---- */

enum { NPIPES = 8 };

struct stale {
	struct fx *f;
	int rd[NPIPES], wr[NPIPES];
	int old_calls[NPIPES];
	int new_calls[NPIPES];
	int new_first_batch[NPIPES];
	int closer;       /* index of the callback that closed the others */
	int close_batch;
	int reused_total; /* descriptor numbers given to new watches */
	int reused_live;  /* new watches that have fired (in later batches) */
};

struct slot {
	struct stale *s;
	int i;
};

static struct slot slots[NPIPES];

static void on_new(void *data, int fd, unsigned events)
{
	struct slot *sl = data;
	struct stale *s = sl->s;
	(void)events;
	assert_int_equal(fd, s->rd[sl->i]);
	if (s->new_calls[sl->i]++ == 0) {
		s->new_first_batch[sl->i] = s->f->batch;
		s->reused_live++;
	}
	char sink[16];
	while (read(fd, sink, sizeof(sink)) > 0)
		;
	if (s->reused_live == s->reused_total)
		loop_stop(s->f->loop);
}

/* The first callback to run closes every other pipe — all of which are
 * readable, so their events are in this same batch. Odd-numbered ones get
 * their descriptor number reused at once by a new, readable pipe watched
 * with another callback; even-numbered ones are just gone. */
static void on_old(void *data, int fd, unsigned events)
{
	struct slot *sl = data;
	struct stale *s = sl->s;
	(void)events;
	assert_int_equal(fd, s->rd[sl->i]);
	s->old_calls[sl->i]++;
	if (s->closer >= 0)
		return;
	s->closer = sl->i;
	s->close_batch = s->f->batch;
	for (int k = 0; k < NPIPES; k++) {
		if (k == sl->i)
			continue;
		loop_unwatch(s->f->loop, s->rd[k]);
		close(s->rd[k]);
		close(s->wr[k]);
		if (k % 2 == 0) {
			s->rd[k] = s->wr[k] = -1;
			continue;
		}
		int np[2];
		make_pipe(np);
		if (np[0] != s->rd[k]) { /* force the same number */
			assert_int_equal(dup2(np[0], s->rd[k]), s->rd[k]);
			close(np[0]);
		}
		s->wr[k] = np[1];
		s->reused_total++;
		put_byte(s->wr[k]);
		assert_int_equal(loop_watch(s->f->loop, s->rd[k], LOOP_READ, on_new, &slots[k]), 0);
	}
	char sink[16];
	while (read(fd, sink, sizeof(sink)) > 0)
		;
}

static void test_close_later_fd_in_batch(void **state)
{
	struct fx *f = *state;
	static struct stale s;
	memset(&s, 0, sizeof(s));
	s.f = f;
	s.closer = -1;
	for (int i = 0; i < NPIPES; i++) {
		int p[2];
		make_pipe(p);
		s.rd[i] = p[0];
		s.wr[i] = p[1];
		put_byte(p[1]); /* all readable before the first wait */
		slots[i] = (struct slot){&s, i};
		assert_int_equal(loop_watch(f->loop, p[0], LOOP_READ, on_old, &slots[i]), 0);
	}
	run(f);
	assert_true(s.closer >= 0);
	int reused = 0;
	for (int i = 0; i < NPIPES; i++) {
		/* Only the closer's old watch ever ran. */
		assert_int_equal(s.old_calls[i], i == s.closer ? 1 : 0);
		if (i == s.closer || i % 2 == 0) {
			assert_int_equal(s.new_calls[i], 0);
			continue;
		}
		/* A reused number's new owner is called, but only in a later
		 * batch: never with the stale event of the old pipe. */
		reused++;
		assert_true(s.new_calls[i] >= 1);
		assert_true(s.new_first_batch[i] > s.close_batch);
	}
	assert_int_equal(reused, s.reused_total);
	assert_int_equal(reused, s.reused_live);
	for (int i = 0; i < NPIPES; i++) {
		if (s.rd[i] < 0)
			continue;
		loop_unwatch(f->loop, s.rd[i]);
		close(s.rd[i]);
		close(s.wr[i]);
	}
}

/* A callback that unwatches and closes its own descriptor is not called
 * again, even though it stays readable until closed. */
static void on_self_close(void *data, int fd, unsigned events)
{
	struct probe *p = data;
	(void)events;
	p->calls++;
	loop_unwatch(p->f->loop, fd);
	close(fd);
}

static void test_unwatch_self(void **state)
{
	struct fx *f = *state;
	int p[2];
	make_pipe(p);
	put_byte(p[1]);
	struct probe r = {.f = f, .fd = p[0]};
	assert_int_equal(loop_watch(f->loop, p[0], LOOP_READ, on_self_close, &r), 0);
	run_for(f, 30);
	assert_int_equal(r.calls, 1);
	close(p[1]);
}

/* More ready descriptors than the loop's initial event array. */
static void test_many_ready(void **state)
{
	struct fx *f = *state;
	enum { N = 200 };
	static int fds[N][2];
	static struct probe probes[N];
	for (int i = 0; i < N; i++) {
		make_pipe(fds[i]);
		put_byte(fds[i][1]);
		probe_watch(&probes[i], f, fds[i][0], LOOP_READ);
		probes[i].consume = true;
	}
	run_for(f, 50);
	for (int i = 0; i < N; i++) {
		assert_int_equal(probes[i].calls, 1);
		assert_int_equal(probes[i].first_batch, probes[0].first_batch);
		loop_unwatch(f->loop, fds[i][0]);
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/* ---- timers ---- */

struct tick {
	struct loop_timer t;
	struct fx *f;
	int id;
	uint64_t armed_at;
	uint64_t delay;
	int *order;
	int *norder;
	int fired;
	struct loop_timer *victim; /* disarmed when this one fires */
	int rearm;                 /* times to re-arm itself */
	bool stop;
};

static void on_tick(struct loop_timer *t)
{
	struct tick *k = container_of(t, struct tick, t);
	assert_false(loop_timer_armed(t)); /* disarmed before the call */
	k->fired++;
	assert_true(loop_now_ms(k->f->loop) >= k->armed_at + k->delay);
	if (k->order)
		k->order[(*k->norder)++] = k->id;
	if (k->victim)
		loop_timer_disarm(k->f->loop, k->victim);
	if (k->rearm > 0) {
		k->rearm--;
		k->armed_at = clock_mono_ms();
		loop_timer_arm(k->f->loop, t, k->delay);
		return;
	}
	if (k->stop)
		loop_stop(k->f->loop);
}

static void tick_arm(struct tick *k, struct fx *f, int id, uint64_t delay)
{
	k->f = f;
	k->id = id;
	k->delay = delay;
	k->armed_at = clock_mono_ms();
	loop_timer_init(&k->t, on_tick);
	loop_timer_arm(f->loop, &k->t, delay);
	assert_true(loop_timer_armed(&k->t));
}

static void test_timers_in_order(void **state)
{
	struct fx *f = *state;
	int order[8], n = 0;
	struct tick t[4] = {{.order = order}, {.order = order}, {.order = order},
			    {.order = order}};
	for (int i = 0; i < 4; i++)
		t[i].norder = &n;
	tick_arm(&t[0], f, 30, 30);
	tick_arm(&t[1], f, 10, 10);
	tick_arm(&t[2], f, 20, 20);
	tick_arm(&t[3], f, 0, 0);
	t[0].stop = true;
	run(f);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 10);
	assert_int_equal(order[2], 20);
	assert_int_equal(order[3], 30);
}

static void test_timer_cancel_and_rearm(void **state)
{
	struct fx *f = *state;
	int order[8], n = 0;
	struct tick a = {.order = order, .norder = &n};
	struct tick b = {.order = order, .norder = &n};
	struct tick c = {.order = order, .norder = &n};
	tick_arm(&a, f, 1, 10);
	tick_arm(&b, f, 2, 20);
	tick_arm(&c, f, 3, 60);
	loop_timer_disarm(f->loop, &a.t);
	assert_false(loop_timer_armed(&a.t));
	loop_timer_disarm(f->loop, &a.t); /* disarming twice is harmless */
	c.armed_at = clock_mono_ms();
	c.delay = 5;
	loop_timer_arm(f->loop, &c.t, 5); /* re-arming moves the deadline */
	b.stop = true;
	run(f);
	assert_int_equal(n, 2);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 2);
	assert_int_equal(a.fired, 0);
	assert_int_equal(c.fired, 1);
}

/* Two timers due in the same pass: whichever runs first cancels the other,
 * which must then not run. */
static void test_timer_cancelled_by_sibling(void **state)
{
	struct fx *f = *state;
	struct tick a = {0}, b = {0};
	tick_arm(&a, f, 1, 0);
	tick_arm(&b, f, 2, 0);
	a.victim = &b.t;
	b.victim = &a.t;
	run_for(f, 20);
	assert_int_equal(a.fired + b.fired, 1);
}

static void test_timer_rearms_itself(void **state)
{
	struct fx *f = *state;
	struct tick k = {.rearm = 3, .stop = true};
	tick_arm(&k, f, 1, 2);
	run(f);
	assert_int_equal(k.fired, 4);
	assert_false(loop_timer_armed(&k.t));
}

/* With a single timer 40 ms away the loop sleeps instead of spinning: a
 * handful of waits at most (rounding up means it never wakes early). */
static void test_no_busy_wait(void **state)
{
	struct fx *f = *state;
	struct tick k = {.stop = true};
	int before = f->batch;
	tick_arm(&k, f, 1, 40);
	run(f);
	assert_int_equal(k.fired, 1);
	assert_true(f->batch - before <= 3);
}

/* ---- stop and hooks ---- */

/* loop_stop() ends the loop after the current batch: the other callback
 * ready in the same batch still runs, then loop_run() returns; a later
 * loop_run() carries on. */
static void test_stop(void **state)
{
	struct fx *f = *state;
	int p[2], q[2];
	make_pipe(p);
	make_pipe(q);
	put_byte(p[1]);
	put_byte(q[1]);
	struct probe a, b;
	probe_watch(&a, f, p[0], LOOP_READ);
	probe_watch(&b, f, q[0], LOOP_READ);
	a.stop = b.stop = true;
	run(f);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(a.first_batch, b.first_batch);
	a.consume = b.consume = true;
	run(f); /* both still readable: runs again */
	assert_int_equal(a.calls, 2);
	loop_unwatch(f->loop, p[0]);
	loop_unwatch(f->loop, q[0]);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

struct hooklog {
	struct loop *loop;
	char seq[4096];
	int n;
	int stop_after;
};

static void hook_a(void *data)
{
	struct hooklog *h = data;
	assert_true(h->n < (int)sizeof(h->seq));
	h->seq[h->n++] = 'A';
}

static void hook_b(void *data)
{
	struct hooklog *h = data;
	assert_true(h->n < (int)sizeof(h->seq));
	h->seq[h->n++] = 'B';
	if (--h->stop_after == 0)
		loop_stop(h->loop);
}

/* Hooks run in registration order before every wait; a hook may stop the
 * loop, which then returns without waiting (there is nothing to wait for
 * here but the 5 s deadline, so waiting would be noticed). */
static void test_hooks(void **state)
{
	struct fx *f = *state;
	static struct hooklog h;
	memset(&h, 0, sizeof(h));
	h.loop = f->loop;
	h.stop_after = 1;
	loop_add_hook(f->loop, hook_a, &h);
	loop_add_hook(f->loop, hook_b, &h);
	uint64_t t0 = clock_mono_ms();
	run(f);
	assert_true(clock_mono_ms() - t0 < 1000);
	assert_int_equal(h.n, 2);
	assert_memory_equal(h.seq, "AB", 2);

	/* Three timer batches: the hooks run before each wait, in order. */
	h.stop_after = 1000;
	struct tick k = {.rearm = 2, .stop = true};
	tick_arm(&k, f, 1, 1);
	run(f);
	assert_true(h.n >= 2 + 2 * 3);
	for (int i = 0; i < h.n; i++)
		assert_int_equal(h.seq[i], i % 2 ? 'B' : 'A');
}

/* ---- signals ---- */

struct siglog {
	struct loop *loop;
	int signo[8];
	int n;
};

static void on_signal(void *data, int signo)
{
	struct siglog *g = data;
	assert_true(g->n < 8);
	g->signo[g->n++] = signo;
	loop_stop(g->loop);
}

/* A signal raised while the loop runs arrives as an ordinary callback;
 * closing restores the previous mask; SIGPIPE is ignored from then on. */
static void test_signals(void **state)
{
	struct fx *f = *state;
	struct siglog g = {.loop = f->loop};
	const int sigs[] = {SIGUSR1, SIGUSR2};
	struct loop_signals *ls = loop_signals_open(f->loop, sigs, 2, on_signal, &g);
	assert_non_null(ls);
	sigset_t now;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	assert_true(sigismember(&now, SIGUSR1));
	assert_int_equal(raise(SIGUSR2), 0); /* blocked: waits for the loop */
	assert_int_equal(g.n, 0);
	run(f);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.signo[0], SIGUSR2);
	assert_int_equal(raise(SIGUSR1), 0);
	run(f);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.signo[1], SIGUSR1);
	struct sigaction sa;
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
	loop_signals_close(ls);
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGUSR1));
	assert_false(sigismember(&now, SIGUSR2));
	loop_signals_close(NULL);
}

/* ---- descriptor limits ---- */

/* select(2) cannot represent fd >= FD_SETSIZE: the loop must refuse such a
 * descriptor with -EMFILE rather than write past its fd_set. The other
 * backends take it. */
static void test_high_fd(void **state)
{
	struct fx *f = *state;
	struct rlimit old, want;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rlim_t need = FD_SETSIZE + 64;
	if (old.rlim_cur < need) {
		if (old.rlim_max != RLIM_INFINITY && old.rlim_max < need)
			skip();
		want = old;
		want.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &want) != 0)
			skip();
	}
	int p[2];
	make_pipe(p);
	int high = FD_SETSIZE + 5;
	int edge = FD_SETSIZE - 1;
	bool got_high = dup2(p[0], high) == high;
	bool got_edge = dup2(p[0], edge) == edge;
	if (!got_high || !got_edge) {
		if (got_high)
			close(high);
		if (got_edge)
			close(edge);
		close(p[0]);
		close(p[1]);
		if (old.rlim_cur < need)
			setrlimit(RLIMIT_NOFILE, &old);
		skip();
	}
	put_byte(p[1]);

	struct probe hp, ep;
	memset(&hp, 0, sizeof(hp));
	hp.f = f;
	hp.fd = high;
	hp.mask = LOOP_READ;
	hp.stop = true;
	int rc = loop_watch(f->loop, high, LOOP_READ, on_probe, &hp);
	if (strcmp(f->backend, "select") == 0) {
		assert_int_equal(rc, -EMFILE);
		/* FD_SETSIZE itself is refused, FD_SETSIZE - 1 is fine. */
		assert_int_equal(loop_watch(f->loop, FD_SETSIZE, LOOP_READ, on_probe, &hp),
				 -EMFILE);
		loop_unwatch(f->loop, high); /* never watched: ignored */
		probe_watch(&ep, f, edge, LOOP_READ);
		ep.stop = true;
		run(f);
		assert_int_equal(ep.calls, 1);
		loop_unwatch(f->loop, edge);
	} else {
		assert_int_equal(rc, 0);
		run(f);
		assert_int_equal(hp.calls, 1);
		loop_unwatch(f->loop, high);
	}
	close(high);
	close(edge);
	close(p[0]);
	close(p[1]);
	if (old.rlim_cur < need)
		setrlimit(RLIMIT_NOFILE, &old);
}

/* ---- iteration times ---- */

enum { SLOW_NS = 3000000 };

struct slow {
	struct probe probe;
	struct loop_timer stopper;
};

static void on_slow_stopper(struct loop_timer *t)
{
	struct slow *s = container_of(t, struct slow, stopper);
	loop_stop(s->probe.f->loop);
}

/* Busy for SLOW_NS on the clock, not asleep, then stops the loop from a
 * timer: stopping here would end the run before this iteration's sleep,
 * and an iteration is timed when it reaches its sleep. */
static void on_slow(void *data, int fd, unsigned events)
{
	struct slow *s = data;
	on_probe(&s->probe, fd, events);
	uint64_t until = clock_mono_ns() + SLOW_NS;
	while (clock_mono_ns() < until)
		;
	loop_timer_arm(s->probe.f->loop, &s->stopper, 1);
}

static void test_iteration_stats(void **state)
{
	struct fx *f = *state;
	struct loop_stats st;
	loop_get_stats(f->loop, &st);
	assert_int_equal(st.iterations, 0);
	assert_int_equal(st.max_ns, 0);
	int p[2];
	make_pipe(p);
	struct slow s;
	probe_watch(&s.probe, f, p[0], LOOP_READ);
	s.probe.consume = true;
	loop_timer_init(&s.stopper, on_slow_stopper);
	assert_int_equal(loop_watch(f->loop, p[0], LOOP_READ, on_slow, &s), 0);
	put_byte(p[1]);
	run(f);
	assert_int_equal(s.probe.calls, 1);
	loop_get_stats(f->loop, &st);
	assert_true(st.iterations >= 1);
	assert_true(st.max_ns >= SLOW_NS);
	assert_true(st.max_ns < DEADLINE_MS * 1000000ull);
	assert_true(st.sum_ns >= st.max_ns);
	assert_true(st.p50_ns <= st.p99_ns);
	assert_true(st.p99_ns <= st.max_ns);
	assert_true(loop_iteration_hist(f->loop)->max_ns == st.max_ns);
	loop_unwatch(f->loop, p[0]);
	close(p[0]);
	close(p[1]);
}

/* ---- registration: every test on every backend ---- */

/* Like cmocka_unit_test_prestate_setup_teardown(), with the backend in the
 * reported test name. */
#define ON(fn, backend) {#fn "/" backend, fn, setup, teardown, (void *)backend}
#define ON_ALL(fn) ON(fn, "epoll"), ON(fn, "poll"), ON(fn, "select")

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_ALL(test_create),
		cmocka_unit_test(test_backend_list),
		ON_ALL(test_readable),
		ON_ALL(test_writable),
		ON_ALL(test_read_and_write_together),
		ON_ALL(test_eof_is_readable),
		ON_ALL(test_set_mask),
		ON_ALL(test_watch_with_empty_mask),
		ON_ALL(test_replace_and_unwatch),
		ON_ALL(test_close_later_fd_in_batch),
		ON_ALL(test_unwatch_self),
		ON_ALL(test_many_ready),
		ON_ALL(test_timers_in_order),
		ON_ALL(test_timer_cancel_and_rearm),
		ON_ALL(test_timer_cancelled_by_sibling),
		ON_ALL(test_timer_rearms_itself),
		ON_ALL(test_no_busy_wait),
		ON_ALL(test_stop),
		ON_ALL(test_hooks),
		ON_ALL(test_signals),
		ON_ALL(test_high_fd),
		ON_ALL(test_iteration_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
