/* console: line reader for the operator's stdin. The descriptor is left
 * blocking (it may be a terminal shared with a shell); we only read after
 * the loop reports it readable, so a single read never blocks. */
#include "server/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop/loop.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"

enum { CONSOLE_MAX_LINE = 1024 };

struct console {
	struct loop *loop;
	const struct log *log;
	int fd;
	int watching;
	struct buf pending;
	console_fn *fn;
	void *ctx;
};

static void stop(struct console *c, const char *why)
{
	if (!c->watching)
		return;
	loop_unwatch(c->loop, c->fd);
	c->watching = 0;
	buf_release(&c->pending);
	log_event(c->log, LOG_DEBUG, "CONSOLE_CLOSED", "reason=%s", why);
}

static void dispatch_lines(struct console *c)
{
	char *nl;
	while (buf_len(&c->pending) &&
	       (nl = memchr(buf_head(&c->pending), '\n', buf_len(&c->pending)))) {
		size_t len = (size_t)(nl - buf_head(&c->pending));
		char line[CONSOLE_MAX_LINE];
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, buf_head(&c->pending), n);
		line[n] = '\0';
		buf_consume(&c->pending, len + 1);
		c->fn(c->ctx, line);
	}
	if (buf_len(&c->pending) > CONSOLE_MAX_LINE)
		buf_release(&c->pending); /* nobody types lines that long */
}

/* Returns false once there is nothing more to read. */
static int read_some(struct console *c)
{
	char chunk[4096];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		stop(c, n == 0 ? "eof" : strerror(errno));
		return 0;
	}
	buf_append(&c->pending, chunk, (size_t)n);
	dispatch_lines(c);
	return 1;
}

static void on_console(void *data, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	read_some(data);
}

struct console *console_open(struct loop *loop, int fd, const struct log *log,
			     console_fn *fn, void *ctx)
{
	if (fcntl(fd, F_GETFD) < 0)
		return NULL;
	struct console *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->log = log;
	c->fd = fd;
	c->fn = fn;
	c->ctx = ctx;
	int rc = loop_watch(loop, fd, LOOP_READ, on_console, c);
	if (rc == 0) {
		c->watching = 1;
		return c;
	}
	/* epoll refuses regular files (EPERM); they never block, so read the
	 * whole file now. */
	if (rc == -EPERM) {
		c->watching = 1;
		while (read_some(c))
			;
		c->watching = 0;
	}
	return c;
}

void console_close(struct console *c)
{
	if (!c)
		return;
	stop(c, "closed");
	buf_release(&c->pending);
	free(c);
}
