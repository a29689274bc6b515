/* loop: the reactor. It owns the table of watched descriptors, the timers
 * and the before-sleep hooks, and dispatches readiness to callbacks. It knows
 * nothing of sockets or protocols; the I/O multiplexer is a backend chosen by
 * name at run time (see backend.h).
 *
 * Any callback may unwatch or close any descriptor, including ones that have
 * already fired in the same batch: stale events are dropped, never delivered
 * to a descriptor's next owner. */
#ifndef PARLEY_LOOP_LOOP_H
#define PARLEY_LOOP_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/heap.h"

struct trace;

struct loop;

enum { LOOP_READ = 1u, LOOP_WRITE = 2u };

/* Called when `fd` is ready; `events` is a subset of the watched mask. */
typedef void loop_io_fn(void *data, int fd, unsigned events);

struct loop_timer;
/* Called once when the timer expires; the timer is disarmed by then. */
typedef void loop_timer_fn(struct loop_timer *timer);

/* Embed in the owning struct; recover the owner with container_of(). */
struct loop_timer {
	struct heap_node node; /* key = deadline in loop milliseconds */
	loop_timer_fn *fn;
};

/* Runs before the loop waits for events (flushes, deferred closes). */
typedef void loop_hook_fn(void *data);

/* Creates a loop on the backend named `backend` ("epoll", "poll",
 * "select"). On failure returns NULL and writes a reason into `err`. */
struct loop *loop_create(const char *backend, char *err, size_t errlen);

/* Frees the loop; watched descriptors are not closed. */
void loop_destroy(struct loop *loop);

/* The backend's name. */
const char *loop_backend(const struct loop *loop);

enum { LOOP_BACKEND_LIST_MAX = 64 };

/* Writes the names of all compiled-in backends, comma separated, for --help
 * (LOOP_BACKEND_LIST_MAX bytes are enough); returns `out`. */
char *loop_backend_list(char *out, size_t outlen);

/* Lowest descriptor number the backend cannot watch (FD_SETSIZE for select,
 * INT32_MAX otherwise). */
int loop_fd_limit(const struct loop *loop);

/* Watches `fd` for `mask` (LOOP_READ|LOOP_WRITE, may be 0) with a callback.
 * Replaces any previous watch. Returns 0 or a negative errno. */
int loop_watch(struct loop *loop, int fd, unsigned mask, loop_io_fn *fn, void *data);

/* Changes the mask of a watched `fd`, keeping its callback. 0 or -errno. */
int loop_set_mask(struct loop *loop, int fd, unsigned mask);

/* Stops watching `fd` (call before closing it). Unknown fds are ignored. */
void loop_unwatch(struct loop *loop, int fd);

/* Prepares a timer; call once before arming. */
void loop_timer_init(struct loop_timer *timer, loop_timer_fn *fn);

/* (Re)arms `timer` to fire `delay_ms` from now. */
void loop_timer_arm(struct loop *loop, struct loop_timer *timer, uint64_t delay_ms);

/* Disarms `timer` if armed. */
void loop_timer_disarm(struct loop *loop, struct loop_timer *timer);

static inline bool loop_timer_armed(const struct loop_timer *timer)
{
	return heap_contains(&timer->node);
}

/* Registers a hook run before every wait, in registration order (max 4). */
void loop_add_hook(struct loop *loop, loop_hook_fn *fn, void *data);

/* Where the loop's time goes, per phase of an iteration, since creation:
 * hooks (flushing output, teardown), waiting in the backend, dispatching
 * ready descriptors (reading and handling input), and timers. */
enum loop_phase { LOOP_PHASE_HOOKS, LOOP_PHASE_WAIT, LOOP_PHASE_IO, LOOP_PHASE_TIMERS,
		  LOOP_PHASES };

/* Milliseconds on the monotonic clock, refreshed after each wait. */
uint64_t loop_now_ms(const struct loop *loop);

/* The same instant as loop_now_ms(), in nanoseconds: a free timestamp for
 * things made while handling this wake-up. */
uint64_t loop_now_ns(const struct loop *loop);

/* With a trace set, every wait is preceded by "Waiting on <call>..." and
 * "MaxFd N", N being the highest descriptor the wait covers (the one less
 * than select's first argument), on every backend. NULL turns it off;
 * `trace` must outlive the loop. */
void loop_set_trace(struct loop *loop, const struct trace *trace);

struct loop_hist;

/* Iteration times: each iteration is timed from the return of the wait to
 * the start of the next one (callbacks, timers and before-sleep hooks);
 * `ns` splits all the loop's time by phase. */
struct loop_stats {
	uint64_t iterations;
	uint64_t ns[LOOP_PHASES];
	uint64_t sum_ns;
	uint64_t p50_ns, p99_ns, max_ns; /* within 6%; see loop_hist.h */
};

/* Fills `out` with the figures since the loop was created. */
void loop_get_stats(const struct loop *loop, struct loop_stats *out);

/* The histogram behind loop_get_stats(), for exporters that want buckets
 * (loop_hist_count_le() in loop/loop_hist.h). Valid while the loop lives. */
const struct loop_hist *loop_iteration_hist(const struct loop *loop);

/* Runs until loop_stop(); returns 0, or a negative errno if the backend
 * failed. With no timers and nothing ready it sleeps indefinitely. */
int loop_run(struct loop *loop);

/* Makes loop_run() return after the current batch. */
void loop_stop(struct loop *loop);

#endif
