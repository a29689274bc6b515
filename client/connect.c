/* connect: address-by-address non-blocking connect on the event loop. */
#include "connect.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop.h"
#include "net/addr.h"
#include "net/sock.h"
#include "util/alloc.h"
#include "util/list.h"

struct connector {
	struct loop *loop;
	struct addrinfo *list;
	struct addrinfo *next; /* next address to try */
	struct loop_timer deadline;
	int fd;                /* socket in progress, or -1 */
	int last_error;        /* errno of the latest failure */
	connect_done_fn *done;
	void *ctx;
	char host[ADDR_HOST_MAX];
	uint16_t port;
};

static void on_writable(void *data, int fd, unsigned events);

/* Starts connecting to the next address; true if one is in progress,
 * false when no address is left. */
static bool try_next(struct connector *a)
{
	while (a->next) {
		struct addrinfo *ai = a->next;
		a->next = ai->ai_next;
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			a->last_error = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			a->last_error = errno;
			close(fd);
			continue;
		}
		int rc = loop_watch(a->loop, fd, LOOP_WRITE, on_writable, a);
		if (rc < 0) {
			a->last_error = -rc;
			close(fd);
			continue;
		}
		a->fd = fd;
		return true;
	}
	return false;
}

static void release(struct connector *a)
{
	loop_timer_disarm(a->loop, &a->deadline);
	if (a->fd >= 0) {
		loop_unwatch(a->loop, a->fd);
		close(a->fd);
	}
	freeaddrinfo(a->list);
	free(a);
}

static void describe_failure(const char *host, uint16_t port, int error, bool timed_out,
			     char *err, size_t errlen)
{
	if (timed_out)
		snprintf(err, errlen, "cannot connect to %s port %u: timed out", host, port);
	else
		snprintf(err, errlen, "cannot connect to %s port %u: %s", host, port,
			 strerror(error ? error : ECONNREFUSED));
}

/* Frees the attempt, then reports: `done` may start the next one. */
static void finish(struct connector *a, int fd, bool timed_out)
{
	char err[ADDR_HOST_MAX + 96] = "";
	connect_done_fn *done = a->done;
	void *ctx = a->ctx;
	if (fd < 0)
		describe_failure(a->host, a->port, a->last_error, timed_out, err, sizeof(err));
	release(a);
	done(ctx, fd, err);
}

static void on_writable(void *data, int fd, unsigned events)
{
	struct connector *a = data;
	(void)events;
	loop_unwatch(a->loop, fd);
	a->fd = -1;
	int rc = sock_error(fd);
	if (rc == 0) {
		finish(a, fd, false);
		return;
	}
	a->last_error = -rc;
	close(fd);
	if (!try_next(a))
		finish(a, -1, false);
}

static void on_deadline(struct loop_timer *t)
{
	struct connector *a = container_of(t, struct connector, deadline);
	finish(a, -1, true);
}

static int resolve(const char *host, uint16_t port, struct addrinfo **out, char *err,
		   size_t errlen)
{
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	int rc = getaddrinfo(host, service, &hints, out);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	return 0;
}

struct connector *connect_start(struct loop *loop, const char *host, uint16_t port,
				uint64_t timeout_ms, connect_done_fn *done, void *ctx,
				char *err, size_t errlen)
{
	struct addrinfo *list;
	if (resolve(host, port, &list, err, errlen) < 0)
		return NULL;
	struct connector *a = xcalloc(1, sizeof(*a));
	*a = (struct connector){.loop = loop, .list = list, .next = list, .fd = -1,
				.done = done, .ctx = ctx, .port = port};
	snprintf(a->host, sizeof(a->host), "%s", host);
	loop_timer_init(&a->deadline, on_deadline);
	if (!try_next(a)) {
		describe_failure(host, port, a->last_error, false, err, errlen);
		release(a);
		return NULL;
	}
	loop_timer_arm(loop, &a->deadline, timeout_ms);
	return a;
}

void connect_cancel(struct connector *c)
{
	if (c)
		release(c);
}

/* ---- the blocking form, for the first connection ---- */

struct outcome {
	struct loop *loop;
	bool done;
	int fd;
	char *err;
	size_t errlen;
};

static void on_done(void *ctx, int fd, const char *err)
{
	struct outcome *o = ctx;
	o->done = true;
	o->fd = fd;
	if (fd < 0)
		snprintf(o->err, o->errlen, "%s", err);
	loop_stop(o->loop);
}

int connect_tcp(struct loop *loop, const char *host, uint16_t port, uint64_t timeout_ms,
		char *err, size_t errlen)
{
	struct outcome o = {.loop = loop, .fd = -1, .err = err, .errlen = errlen};
	struct connector *c = connect_start(loop, host, port, timeout_ms, on_done, &o, err,
					    errlen);
	if (!c)
		return -1;
	loop_run(loop);
	if (!o.done) {
		connect_cancel(c);
		snprintf(err, errlen, "cannot connect to %s port %u: interrupted", host, port);
	}
	return o.fd;
}
