/* connect: address-by-address non-blocking connect on the event loop. */
#include "connect.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop.h"
#include "net/sock.h"
#include "util/list.h"

struct attempt {
	struct loop *loop;
	struct addrinfo *next; /* next address to try */
	struct loop_timer deadline;
	int fd;                /* socket in progress, or -1 */
	int result;            /* connected fd once done */
	int last_error;        /* errno of the latest failure */
	bool done, timed_out;
};

static void on_writable(void *data, int fd, unsigned events);

/* Starts connecting to the next address; true if one is in progress or
 * done, false when no address is left. */
static bool try_next(struct attempt *a)
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

static void finish(struct attempt *a, int result)
{
	a->result = result;
	a->done = true;
	loop_stop(a->loop);
}

static void on_writable(void *data, int fd, unsigned events)
{
	struct attempt *a = data;
	(void)events;
	loop_unwatch(a->loop, fd);
	a->fd = -1;
	int rc = sock_error(fd);
	if (rc == 0) {
		finish(a, fd);
		return;
	}
	a->last_error = -rc;
	close(fd);
	if (!try_next(a))
		finish(a, -1);
}

static void on_deadline(struct loop_timer *t)
{
	struct attempt *a = container_of(t, struct attempt, deadline);
	a->timed_out = true;
	finish(a, -1);
}

static void abandon(struct attempt *a)
{
	loop_timer_disarm(a->loop, &a->deadline);
	if (a->fd >= 0) {
		loop_unwatch(a->loop, a->fd);
		close(a->fd);
	}
}

static void describe_failure(const struct attempt *a, const char *host, uint16_t port,
			     char *err, size_t errlen)
{
	if (a->timed_out)
		snprintf(err, errlen, "cannot connect to %s port %u: timed out", host, port);
	else if (!a->done)
		snprintf(err, errlen, "cannot connect to %s port %u: interrupted", host, port);
	else
		snprintf(err, errlen, "cannot connect to %s port %u: %s", host, port,
			 strerror(a->last_error ? a->last_error : ECONNREFUSED));
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

int connect_tcp(struct loop *loop, const char *host, uint16_t port, uint64_t timeout_ms,
		char *err, size_t errlen)
{
	struct addrinfo *list;
	if (resolve(host, port, &list, err, errlen) < 0)
		return -1;
	struct attempt a = {.loop = loop, .next = list, .fd = -1, .result = -1};
	loop_timer_init(&a.deadline, on_deadline);
	if (try_next(&a)) {
		loop_timer_arm(loop, &a.deadline, timeout_ms);
		loop_run(loop);
		abandon(&a);
	} else {
		a.done = true;
	}
	freeaddrinfo(list);
	if (a.result < 0)
		describe_failure(&a, host, port, err, errlen);
	return a.result;
}
