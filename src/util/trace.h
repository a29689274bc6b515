/* trace: parleyd --trace, one plain line on a stream for each step of the
 * event loop (wait, accept, read, peer close, removal), in the wording of
 * the classic select() chat-server exercise so that its expected output can
 * be compared line for line. Every function takes the trace object and does
 * nothing when it is NULL, so callers need no test of their own. */
#ifndef PARLEY_UTIL_TRACE_H
#define PARLEY_UTIL_TRACE_H

#include <stddef.h>
#include <stdio.h>

struct trace {
	FILE *out; /* flushed after every line: a reader on a pipe sees it at once */
};

/* Before each wait: "Waiting on <call>...", then "MaxFd <max_fd>". */
void trace_wait(const struct trace *t, const char *call, int max_fd);

/* "New incoming connection on sd <sd>": a connection was accepted. */
void trace_accept(const struct trace *t, int sd);

/* "Descriptor <sd> is readable": about to read from a connection. */
void trace_readable(const struct trace *t, int sd);

/* "<len> bytes received from sd <sd>": a read returned data. */
void trace_received(const struct trace *t, size_t len, int sd);

/* "Connection closed for sd <sd>": the peer closed its side. */
void trace_peer_closed(const struct trace *t, int sd);

/* "removing connection with sd <sd> ": the server drops a connection, for
 * whatever reason. The space before the newline is the exercise's own. */
void trace_removing(const struct trace *t, int sd);

#endif
