/* connect: open a TCP connection without ever blocking past a deadline.
 * Names are resolved (getaddrinfo blocks, but only on the resolver), then
 * each address is tried with a non-blocking connect watched by the loop;
 * the first that completes wins. localhost commonly resolves to ::1 first,
 * and a server bound to 127.0.0.1 only must still be reachable. */
#ifndef PARLEY_CLIENT_CONNECT_H
#define PARLEY_CLIENT_CONNECT_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct connector;

/* Reports the end of an attempt: the connected non-blocking socket (now
 * the callee's), or -1 with a one-line reason in `err`. */
typedef void connect_done_fn(void *ctx, int fd, const char *err);

/* Starts connecting on `loop` without running it: `done` is called once,
 * from the loop, unless connect_cancel() comes first. NULL, with a reason
 * in `err`, when nothing could even be tried (unknown host, no socket). */
struct connector *connect_start(struct loop *loop, const char *host, uint16_t port,
				uint64_t timeout_ms, connect_done_fn *done, void *ctx,
				char *err, size_t errlen);

/* Stops an attempt whose `done` has not been called yet, and frees it. */
void connect_cancel(struct connector *c);

/* Runs `loop` until connected, failed, `timeout_ms` passed, or someone
 * calls loop_stop() (a signal): returns the connected non-blocking socket,
 * or -1 with a one-line reason in `err`. */
int connect_tcp(struct loop *loop, const char *host, uint16_t port, uint64_t timeout_ms,
		char *err, size_t errlen);

#endif
