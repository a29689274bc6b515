/* session: the one connection to the server, as both modes use it. It
 * wraps the connected socket with net_adopt() (queued output flushed on
 * writability, deferred close), cuts incoming bytes into lines or frames
 * with the protocol's codec, encodes what the user sends, and remembers
 * enough about the end of the conversation to judge it: a normal end, or an
 * error worth a non-zero exit status. */
#ifndef PARLEY_CLIENT_SESSION_H
#define PARLEY_CLIENT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct loop;
struct session;

struct session_events {
	/* One incoming line (terminator removed) or frame payload. */
	void (*on_unit)(void *ctx, const char *data, size_t len);
	/* Something the user should know that does not end the session. */
	void (*on_warning)(void *ctx, const char *text);
	/* The connection is gone; session_verdict() says whether that is bad.
	 * Called from the loop's before-sleep hook, never from inside a
	 * session_* call. */
	void (*on_end)(void *ctx);
};

struct session_config {
	enum proto proto;
	size_t max_line;  /* longest incoming line; longer ones are skipped */
	size_t max_frame; /* largest incoming frame; a larger one is fatal */
	bool tls;         /* speak TLS, verifying `host` unless `insecure` */
	const char *host;
	const char *ca_file; /* trusted CAs (PEM), or NULL for the system's */
	bool insecure;
};

/* Creates a session on `loop` that reports to `ev` with `ctx`. */
struct session *session_create(struct loop *loop, const struct session_config *cfg,
			       const struct session_events *ev, void *ctx);

/* Closes the connection if still open (no events are sent) and frees. */
void session_destroy(struct session *s);

/* Takes over the connected socket `fd` (over TLS if configured); false
 * (fd closed) on failure. A
 * session whose connection has ended (on_end was called) may start again
 * with a new socket: the verdict then concerns the new connection. */
bool session_start(struct session *s, int fd);

/* chat: registers `user` and joins `room` (either may be empty). */
void session_greet(struct session *s, const char *user, const char *room);

/* Sends one line typed or read by the user, encoded for the protocol
 * (see proto_encode_line). Ignored once the connection is closing. */
void session_send_line(struct session *s, const char *line, size_t len);

/* True until the connection starts closing. */
bool session_open(const struct session *s);

/* Bytes queued for the server and not yet written. */
size_t session_queued(const struct session *s);

/* Bytes written to the server so far (to notice progress). */
uint64_t session_bytes_out(const struct session *s);

/* Ends the session from our side: at once, or after writing what is queued
 * (bounded in time). A local close is a normal end. */
void session_close(struct session *s, bool flush_first);

/* Judges the ended session: 0 for a normal end, or 1 with a one-line
 * reason in `msg`. `input_done` tells whether the user had finished (input
 * ended, or they asked to quit), which makes a plain close by the server
 * the expected end rather than a lost connection. */
int session_verdict(const struct session *s, bool input_done, char *msg, size_t msglen);

#endif
