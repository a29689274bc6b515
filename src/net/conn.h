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

#include <stdbool.h>
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
	/* The connection is being closed for flooding (see net.h, fake lag):
	 * the last word, saying why and when to come back, may be queued. */
	void (*on_flood)(struct conn *c);
	/* The connection is going away: free the session. Called exactly once. */
	void (*on_close)(struct conn *c);
};

/* What a listener's input bucket counts (net.h, --rate-limit): line ends
 * for line protocols, bytes for the relays, or messages the handler counts
 * itself (a framed protocol such as WebSocket, whose bytes hold no line
 * ends): it calls conn_charge(c, 1) per message and stops decoding when
 * conn_input_paused() says so; the rest is offered again later. */
enum conn_rate_unit {
	CONN_RATE_NONE,  /* not limited */
	CONN_RATE_LINES,
	CONN_RATE_BYTES,
	CONN_RATE_MESSAGES, /* --rate-limit, counted by the handler */
};

/* Why a connection closed: logged as DISCONNECT reason=<name>, where the
 * name is what conn_close_reason_name() returns. */
enum conn_close_reason {
	CONN_CLOSE_NONE,             /* still open */
	CONN_CLOSE_EOF,              /* "eof": the peer finished */
	CONN_CLOSE_QUIT,             /* "quit": the peer asked to leave */
	CONN_CLOSE_LOCAL,            /* "local": this side decided to hang up */
	CONN_CLOSE_RESET,            /* "reset": ECONNRESET or EPIPE */
	CONN_CLOSE_TIMEOUT,          /* "timeout" */
	CONN_CLOSE_REGISTER_TIMEOUT, /* "register-timeout" */
	CONN_CLOSE_IO_ERROR,         /* "io-error": any other socket error */
	CONN_CLOSE_POLL_ERROR,       /* "poll-error": the loop could not watch it */
	CONN_CLOSE_SLOW_CONSUMER,    /* "slow-consumer": see conn_send() */
	CONN_CLOSE_OVERSIZE,         /* "oversize": a unit over the size limit */
	CONN_CLOSE_SHUTDOWN,         /* "shutdown": the server is stopping */
	CONN_CLOSE_PING_TIMEOUT,     /* "ping-timeout": no answer to a keepalive */
	CONN_CLOSE_BAD_PASSWORD,     /* "bad-password": a server password refused */
	CONN_CLOSE_TLS_ERROR,        /* "tls-error": the peer broke the TLS protocol */
	CONN_CLOSE_HANDSHAKE_TIMEOUT, /* "handshake-timeout": TLS setup never finished */
	CONN_CLOSE_FLOOD,            /* "flood": input far over --rate-limit, for long */
	CONN_CLOSE_KILLED,           /* "killed": a server operator's KILL */
	CONN_CLOSE_REASON_COUNT
};

/* The logged word for `reason` ("none" for CONN_CLOSE_NONE, "?" if out of
 * range). */
const char *conn_close_reason_name(enum conn_close_reason reason);

/* A framer is a codec layered between the transport and the handler, so a
 * connection is transport x framer x handler; with none, the handler reads
 * and writes the byte stream itself. A framer turns received bytes into the
 * handler's stream (offering it with conn_deliver()) and frames what is
 * sent: conn_send() passes each message through encode, which returns a
 * reference to the framed form (shared between recipients through
 * msg_variant(), so a message is framed once per codec, not per peer).
 * Switching framer or handler on a live connection (HTTP upgrading to
 * WebSocket) is a codec switch, not a new connection. */
struct conn_framer {
	/* Offers received bytes; returns how many were consumed (the rest is
	 * offered again with more). */
	size_t (*decode)(struct conn *c, void *state, const char *data, size_t len);
	/* Returns a reference to `m` framed for this codec. */
	struct msg *(*encode)(void *state, struct msg *m);
	/* The connection is about to close after flushing, for `reason`: a
	 * last frame may be queued with conn_send_raw(). Optional. */
	void (*on_closing)(struct conn *c, void *state, enum conn_close_reason reason);
	/* The connection is going away (after the handler's on_close). */
	void (*release)(void *state);
};

/* Queues a reference to `m`. Output is normally written before the loop
 * sleeps; when the queued bytes pass --sendq the socket is written at once
 * instead, and only if the kernel will not take enough to bring the queue
 * back within --sendq is the connection a slow consumer: logged as
 * SLOW_CLIENT and closed. Ignored when closing. */
void conn_send(struct conn *c, struct msg *m);

/* Queues a copy of `len` bytes (for replies sent to one connection). */
void conn_send_bytes(struct conn *c, const void *data, size_t len);

/* Queues bytes as they are, past the framer (a framer's own frames). */
void conn_send_raw(struct conn *c, const void *data, size_t len);

/* Puts `framer` (with its `state`) under the handler; NULL removes it. */
void conn_set_framer(struct conn *c, const struct conn_framer *framer, void *state);

/* Hands the connection to another handler: `h->on_open(c, data)` runs now.
 * The old handler's session must already be freed by its caller. */
void conn_set_handler(struct conn *c, const struct conn_handler *h, void *data);

/* For a framer: offers decoded stream bytes to the handler; returns how
 * many it consumed. */
size_t conn_deliver(struct conn *c, const char *data, size_t len);

/* Closes now: pending output is dropped. `reason` is logged as
 * DISCONNECT reason=...; the first reason given wins. */
void conn_close(struct conn *c, enum conn_close_reason reason);

/* Stops reading and closes once queued output is written (or after a
 * bounded drain time). */
void conn_close_after_flush(struct conn *c, enum conn_close_reason reason);

/* Charges `tokens` more to the connection's input bucket, for a command
 * that costs more than a line (LIST, WHO, a history query, a failed
 * login). The bucket may go into debt: input then waits until it is
 * repaid. No effect on an unlimited connection. */
void conn_charge(struct conn *c, unsigned tokens);

/* True while the connection's bucket is empty: a handler counting its own
 * messages (CONN_RATE_MESSAGES) stops consuming input until offered it
 * again. Always false on an unlimited connection. */
bool conn_input_paused(const struct conn *c);

/* Arms the connection's timer (0 disarms); expiry calls on_timeout. */
void conn_set_timeout(struct conn *c, uint64_t ms);

/* True once the connection is closing (no more input will be offered). */
int conn_closing(const struct conn *c);

/* The reason given to the first close call, or CONN_CLOSE_NONE while open. */
enum conn_close_reason conn_close_reason(const struct conn *c);

void conn_set_session(struct conn *c, void *session);
void *conn_session(const struct conn *c);
uint64_t conn_id(const struct conn *c);
int conn_fd(const struct conn *c);
const struct peer *conn_peer(const struct conn *c);
const struct log *conn_log(const struct conn *c);
/* The transport's name: "plain" or "tls". */
const char *conn_transport_name(const struct conn *c);

#endif
