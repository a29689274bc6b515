/* backend_epoll: level-triggered epoll(7). An fd with an empty mask is
 * removed from the epoll set, because epoll always reports EPOLLHUP/EPOLLERR
 * and a paused descriptor would otherwise wake us forever. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop/backend.h"
#include "loop/loop.h"
#include "util/alloc.h"

struct epoll_state {
	int epfd;
	struct epoll_event *events;
	int cap;
};

static void *epoll_create_state(void)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return NULL;
	struct epoll_state *s = xcalloc(1, sizeof(*s));
	s->epfd = epfd;
	return s;
}

static void epoll_destroy_state(void *state)
{
	struct epoll_state *s = state;
	close(s->epfd);
	free(s->events);
	free(s);
}

static int epoll_set(void *state, int fd, unsigned old_mask, unsigned new_mask)
{
	struct epoll_state *s = state;
	struct epoll_event ev = {0};
	ev.data.fd = fd;
	ev.events = ((new_mask & LOOP_READ) ? EPOLLIN | EPOLLRDHUP : 0u) |
		    ((new_mask & LOOP_WRITE) ? EPOLLOUT : 0u);
	int op = !old_mask ? EPOLL_CTL_ADD : !new_mask ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (!old_mask && !new_mask)
		return 0;
	return epoll_ctl(s->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

static int epoll_wait_events(void *state, struct loop_fired *fired, int max, int timeout_ms)
{
	struct epoll_state *s = state;
	if (s->cap < max) {
		s->events = xrealloc(s->events, (size_t)max * sizeof(*s->events));
		s->cap = max;
	}
	int n = epoll_wait(s->epfd, s->events, max, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		uint32_t e = s->events[i].events;
		unsigned events = 0;
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			events |= LOOP_READ;
		if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			events |= LOOP_WRITE;
		fired[i].fd = s->events[i].data.fd;
		fired[i].events = events;
	}
	return n;
}

const struct backend backend_epoll = {
	.name = "epoll",
	.wait_call = "epoll_wait()",
	.fd_limit = INT32_MAX,
	.create = epoll_create_state,
	.destroy = epoll_destroy_state,
	.set = epoll_set,
	.poll = epoll_wait_events,
};
