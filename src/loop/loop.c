/* loop: descriptor table, timer heap and dispatch over a pluggable backend.
 * Depends on util/ only. */
#include "loop/loop.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop/backend.h"
#include "loop/loop_hist.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/list.h" /* container_of */
#include "util/trace.h"

static const struct backend *const backends[] = {
	&backend_epoll,
	&backend_poll,
	&backend_select,
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

/* A batch holds at most MAX_FIRED events; backends hand out the rest on
 * the next wait (poll and select rotate their scan so none starve). */
enum { MAX_HOOKS = 4, MIN_FIRED = 64, MAX_FIRED = 1024, WATCH_STEP = 1024 };

struct watch {
	loop_io_fn *fn;
	void *data;
	unsigned gen; /* bumped whenever the fd changes hands */
	unsigned mask;
};

struct hook {
	loop_hook_fn *fn;
	void *data;
};

struct loop {
	const struct backend *backend;
	void *state;
	struct watch *watches; /* indexed by fd */
	int nwatches;
	int nwatched; /* fds with a callback */
	struct loop_fired *fired;
	int nfired_cap;
	struct heap timers;
	struct hook hooks[MAX_HOOKS];
	int nhooks;
	uint64_t now_ms;
	uint64_t now_ns; /* the same instant, in ns */
	struct loop_stats stats;
	const struct trace *trace; /* NULL unless --trace */
	bool stopping;
	struct loop_hist iterations; /* wake-up to next sleep, ns */
};

static const struct backend *find_backend(const char *name)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

char *loop_backend_list(char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < NBACKENDS && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
				 backends[i]->name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return out;
}

struct loop *loop_create(const char *name, char *err, size_t errlen)
{
	const struct backend *backend = find_backend(name);
	if (!backend) {
		char names[LOOP_BACKEND_LIST_MAX];
		snprintf(err, errlen, "unknown backend '%s' (choose from %s)", name,
			 loop_backend_list(names, sizeof(names)));
		return NULL;
	}
	void *state = backend->create();
	if (!state) {
		snprintf(err, errlen, "%s backend: %s", name, strerror(errno));
		return NULL;
	}
	struct loop *loop = xcalloc(1, sizeof(*loop));
	loop->backend = backend;
	loop->state = state;
	loop->now_ns = clock_mono_ns();
	loop->now_ms = loop->now_ns / 1000000u;
	return loop;
}

void loop_destroy(struct loop *loop)
{
	if (!loop)
		return;
	loop->backend->destroy(loop->state);
	free(loop->watches);
	free(loop->fired);
	heap_release(&loop->timers);
	free(loop);
}

const char *loop_backend(const struct loop *loop)
{
	return loop->backend->name;
}

int loop_fd_limit(const struct loop *loop)
{
	return loop->backend->fd_limit;
}

uint64_t loop_now_ms(const struct loop *loop)
{
	return loop->now_ms;
}

uint64_t loop_now_ns(const struct loop *loop)
{
	return loop->now_ns;
}

void loop_stop(struct loop *loop)
{
	loop->stopping = true;
}

void loop_set_trace(struct loop *loop, const struct trace *trace)
{
	loop->trace = trace;
}

void loop_add_hook(struct loop *loop, loop_hook_fn *fn, void *data)
{
	assert(loop->nhooks < MAX_HOOKS);
	loop->hooks[loop->nhooks++] = (struct hook){fn, data};
}

/* ---- descriptors ---- */

/* Grows in steps of 1024 slots rather than doubling: the table is touched
 * (zeroed) as it grows, and with ten thousand idle connections a doubled
 * table would be a tenth of the server's memory. */
static void grow_watches(struct loop *loop, int fd)
{
	int n = (fd + WATCH_STEP) & ~(WATCH_STEP - 1);
	loop->watches = xrealloc(loop->watches, (size_t)n * sizeof(*loop->watches));
	memset(loop->watches + loop->nwatches, 0,
	       (size_t)(n - loop->nwatches) * sizeof(*loop->watches));
	loop->nwatches = n;
}

int loop_watch(struct loop *loop, int fd, unsigned mask, loop_io_fn *fn, void *data)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= loop->backend->fd_limit)
		return -EMFILE;
	if (fd >= loop->nwatches)
		grow_watches(loop, fd);
	struct watch *w = &loop->watches[fd];
	int rc = loop->backend->set(loop->state, fd, w->mask, mask);
	if (rc < 0)
		return rc;
	if (!w->fn)
		loop->nwatched++;
	w->gen++;
	w->fn = fn;
	w->data = data;
	w->mask = mask;
	return 0;
}

int loop_set_mask(struct loop *loop, int fd, unsigned mask)
{
	assert(fd >= 0 && fd < loop->nwatches && loop->watches[fd].fn);
	struct watch *w = &loop->watches[fd];
	if (w->mask == mask)
		return 0;
	int rc = loop->backend->set(loop->state, fd, w->mask, mask);
	if (rc == 0)
		w->mask = mask;
	return rc;
}

void loop_unwatch(struct loop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nwatches || !loop->watches[fd].fn)
		return;
	struct watch *w = &loop->watches[fd];
	if (w->mask)
		loop->backend->set(loop->state, fd, w->mask, 0);
	w->fn = NULL;
	w->data = NULL;
	w->mask = 0;
	w->gen++;
	loop->nwatched--;
}

/* ---- timers ---- */

void loop_timer_init(struct loop_timer *timer, loop_timer_fn *fn)
{
	timer->node.index = HEAP_NONE;
	timer->node.key = 0;
	timer->fn = fn;
}

void loop_timer_arm(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms)
{
	if (loop_timer_armed(timer))
		heap_remove(&loop->timers, &timer->node);
	/* Round the start up to the next millisecond: a timer never fires early,
	 * and one re-armed with 0 ms from its own callback waits for the clock
	 * to tick instead of firing again in the same pass. */
	timer->node.key = (clock_mono_ns() + 999999u) / 1000000u + delay_ms;
	heap_push(&loop->timers, &timer->node);
}

void loop_timer_disarm(struct loop *loop, struct loop_timer *timer)
{
	if (loop_timer_armed(timer))
		heap_remove(&loop->timers, &timer->node);
}

static void run_timers(struct loop *loop)
{
	struct heap_node *n;
	while ((n = heap_peek(&loop->timers)) && n->key <= loop->now_ms) {
		heap_remove(&loop->timers, n);
		struct loop_timer *t = container_of(n, struct loop_timer, node);
		t->fn(t);
	}
}

/* Milliseconds from `now_ns` until the earliest timer, rounded up so that
 * we never wake a fraction early and spin; -1 when there are no timers. */
static int poll_timeout(const struct loop *loop, uint64_t now_ns)
{
	struct heap_node *n = heap_peek(&loop->timers);
	if (!n)
		return -1;
	uint64_t due_ns = n->key * 1000000u;
	if (due_ns <= now_ns)
		return 0;
	uint64_t ms = (due_ns - now_ns + 999999u) / 1000000u;
	return ms > 86400000u ? 86400000 : (int)ms;
}

/* ---- dispatch ---- */

static void ensure_fired_capacity(struct loop *loop)
{
	int want = loop->nwatched > MIN_FIRED ? loop->nwatched : MIN_FIRED;
	if (want > MAX_FIRED)
		want = MAX_FIRED;
	if (loop->nfired_cap >= want)
		return;
	loop->fired = xrealloc(loop->fired, (size_t)want * sizeof(*loop->fired));
	loop->nfired_cap = want;
}

static void dispatch(struct loop *loop, int nfired)
{
	/* Snapshot generations first: a callback may close fd X and a later
	 * accept may reuse X before X's stale event is reached. */
	for (int i = 0; i < nfired; i++) {
		int fd = loop->fired[i].fd;
		loop->fired[i].gen = fd < loop->nwatches ? loop->watches[fd].gen : 0;
	}
	for (int i = 0; i < nfired; i++) {
		const struct loop_fired *f = &loop->fired[i];
		if (f->fd >= loop->nwatches)
			continue;
		struct watch *w = &loop->watches[f->fd];
		unsigned events = f->events & w->mask;
		if (!w->fn || w->gen != f->gen || !events)
			continue;
		w->fn(w->data, f->fd, events);
	}
}

/* Highest descriptor with a non-empty mask, or -1. A scan, but only when
 * tracing, where a line per wait costs more anyway. */
static int max_waited_fd(const struct loop *loop)
{
	for (int fd = loop->nwatches - 1; fd >= 0; fd--)
		if (loop->watches[fd].fn && loop->watches[fd].mask)
			return fd;
	return -1;
}

static void run_hooks(struct loop *loop)
{
	for (int i = 0; i < loop->nhooks; i++)
		loop->hooks[i].fn(loop->hooks[i].data);
}

void loop_get_stats(const struct loop *loop, struct loop_stats *out)
{
	const struct loop_hist *h = &loop->iterations;
	*out = loop->stats; /* iterations and time per phase */
	out->sum_ns = h->sum_ns;
	out->p50_ns = loop_hist_quantile(h, 0.50);
	out->p99_ns = loop_hist_quantile(h, 0.99);
	out->max_ns = h->max_ns;
}

const struct loop_hist *loop_iteration_hist(const struct loop *loop)
{
	return &loop->iterations;
}

/* Two clock reads per iteration, both needed anyway: the wake-up time is
 * loop_now_ms(), the sleep time is what poll_timeout() measures from. */
int loop_run(struct loop *loop)
{
	loop->stopping = false;
	uint64_t woke_ns = 0; /* 0 until the first wait of this run returns */
	while (!loop->stopping) {
		uint64_t t0 = clock_mono_ns();
		run_hooks(loop);
		if (loop->stopping)
			break;
		ensure_fired_capacity(loop);
		if (loop->trace)
			trace_wait(loop->trace, loop->backend->wait_call, max_waited_fd(loop));
		uint64_t sleep_ns = clock_mono_ns();
		if (woke_ns)
			loop_hist_record(&loop->iterations, sleep_ns - woke_ns);
		int n = loop->backend->poll(loop->state, loop->fired, loop->nfired_cap,
					    poll_timeout(loop, sleep_ns));
		if (n < 0)
			return n;
		woke_ns = clock_mono_ns();
		loop->now_ns = woke_ns;
		loop->now_ms = woke_ns / 1000000u;
		dispatch(loop, n);
		uint64_t t3 = clock_mono_ns();
		run_timers(loop);
		struct loop_stats *st = &loop->stats;
		st->iterations++;
		st->ns[LOOP_PHASE_HOOKS] += sleep_ns - t0;
		st->ns[LOOP_PHASE_WAIT] += woke_ns - sleep_ns;
		st->ns[LOOP_PHASE_IO] += t3 - woke_ns;
		st->ns[LOOP_PHASE_TIMERS] += clock_mono_ns() - t3;
	}
	return 0;
}
