/* stdin_reader: standard input as a stream of lines on the event loop.
 * epoll cannot watch regular files (or /dev/null), so for those the reader
 * pumps chunks from a zero-delay timer instead; either way it reads at most
 * one chunk per loop iteration and can be paused for backpressure. */
#ifndef PARLEY_CLIENT_STDIN_READER_H
#define PARLEY_CLIENT_STDIN_READER_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct stdin_reader;

struct stdin_events {
	/* One line including its '\n' (the last line may lack it). */
	void (*on_line)(void *ctx, const char *line, size_t len);
	/* A line longer than the limit was skipped. */
	void (*on_too_long)(void *ctx);
	/* Input ended (EOF or read error); no more lines will come. */
	void (*on_end)(void *ctx);
};

/* Starts reading fd 0 with lines of at most `max` bytes before the '\n'. */
struct stdin_reader *stdin_reader_open(struct loop *loop, size_t max,
				       const struct stdin_events *ev, void *ctx);

/* Stops reading and frees. */
void stdin_reader_close(struct stdin_reader *r);

/* Stops or resumes reading (the caller's output queue is full or drained). */
void stdin_reader_pause(struct stdin_reader *r, bool paused);

#endif
