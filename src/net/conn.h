/* conn: one client connection as the protocol layers see it. A connection
 * reads into a lazily allocated input buffer and hands the bytes to its
 * handler, which consumes whole units; it queues shared messages for output
 * and flushes them when the socket is writable.
 *
 * Closing is always deferred: conn_close() marks the connection and the
 * teardown (handler's on_close, log line, close(2), free) happens at a safe
 * point before the loop sleeps, so a connection can be closed from inside a
 * fan-out over a list that contains it. */
#ifndef PARLEY_NET_CONN_H
#define PARLEY_NET_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct conn;
struct msg;
struct log;

/* What a protocol plugs into a connection. Every callback is optional
 * except on_data. */
struct conn_handler {
	/* Creates the per-connection session (conn_set_session) on accept. */
	void (*on_open)(struct conn *c, void *listener_data);
	/* Offers unread bytes; returns how many were consumed. The rest is kept
	 * and offered again, with more, after the next read. */
	size_t (*on_data)(struct conn *c, const char *data, size_t len);
	/* The peer finished sending; all bytes have been offered. Default:
	 * close after flushing. */
	void (*on_eof)(struct conn *c);
	/* The timer set with conn_set_timeout() expired. */
	void (*on_timeout)(struct conn *c);
	/* The server is shutting down; a last word may be queued. */
	void (*on_shutdown)(struct conn *c);
	/* Appends " key=value" fields describing the session to `out`. */
	void (*describe)(const struct conn *c, char *out, size_t outlen);
	/* The connection is going away: free the session. Called exactly once. */
	void (*on_close)(struct conn *c);
};

/* Queues a reference to `m`. If that pushes the queued bytes past --sendq
 * the connection is logged as SLOW_CLIENT and closed. Ignored when closing. */
void conn_send(struct conn *c, struct msg *m);

/* Queues a copy of `len` bytes (for replies sent to one connection). */
void conn_send_bytes(struct conn *c, const void *data, size_t len);

/* Closes now: pending output is dropped. `reason` is a static string
 * logged as DISCONNECT reason=...; the first reason given wins. */
void conn_close(struct conn *c, const char *reason);

/* Stops reading and closes once queued output is written (or after a
 * bounded drain time). */
void conn_close_after_flush(struct conn *c, const char *reason);

/* Arms the connection's timer (0 disarms); expiry calls on_timeout. */
void conn_set_timeout(struct conn *c, uint64_t ms);

/* True once the connection is closing (no more input will be offered). */
int conn_closing(const struct conn *c);

/* The reason given to the first close call, or NULL while open. */
const char *conn_close_reason(const struct conn *c);

void conn_set_session(struct conn *c, void *session);
void *conn_session(const struct conn *c);
uint64_t conn_id(const struct conn *c);
int conn_fd(const struct conn *c);
const struct peer *conn_peer(const struct conn *c);
const struct log *conn_log(const struct conn *c);

#endif
