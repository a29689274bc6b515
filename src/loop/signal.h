/* signal: delivers SIGINT/SIGTERM (or any set of signals) as loop events
 * through signalfd, so handlers run in the loop like any other callback and
 * never touch state asynchronously. Also ignores SIGPIPE process-wide, since a
 * peer that vanishes mid-write must cost us an EPIPE, not our life. */
#ifndef PARLEY_LOOP_SIGNAL_H
#define PARLEY_LOOP_SIGNAL_H

struct loop;
struct loop_signals;

typedef void loop_signal_fn(void *data, int signo);

/* Blocks `signals` (array of `count`), routes them to `fn` through the loop
 * and ignores SIGPIPE. Returns NULL with errno set on failure. */
struct loop_signals *loop_signals_open(struct loop *loop, const int *signals, int count,
				       loop_signal_fn *fn, void *data);

/* Stops watching, closes the signalfd and restores the signal mask. */
void loop_signals_close(struct loop_signals *sigs);

#endif
