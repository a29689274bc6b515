/* backend_select: select(2). It cannot represent descriptors at or above
 * FD_SETSIZE; fd_limit tells the core, which refuses them with an error the
 * caller logs, instead of corrupting the fd_set. */
#include <errno.h>
#include <stdlib.h>
#include <sys/select.h>

#include "loop/backend.h"
#include "loop/loop.h"
#include "util/alloc.h"

struct select_state {
	fd_set read_set, write_set;
	int max_fd; /* highest fd in either set, -1 if none */
	int scan_from; /* fd the next scan starts at */
};

static void *select_create_state(void)
{
	struct select_state *s = xcalloc(1, sizeof(*s));
	FD_ZERO(&s->read_set);
	FD_ZERO(&s->write_set);
	s->max_fd = -1;
	return s;
}

static void select_destroy_state(void *state)
{
	free(state);
}

static int select_set(void *state, int fd, unsigned old_mask, unsigned new_mask)
{
	struct select_state *s = state;
	(void)old_mask;
	if (fd >= FD_SETSIZE)
		return -EMFILE;
	if (new_mask & LOOP_READ)
		FD_SET(fd, &s->read_set);
	else
		FD_CLR(fd, &s->read_set);
	if (new_mask & LOOP_WRITE)
		FD_SET(fd, &s->write_set);
	else
		FD_CLR(fd, &s->write_set);
	if (new_mask && fd > s->max_fd)
		s->max_fd = fd;
	while (s->max_fd >= 0 && !FD_ISSET(s->max_fd, &s->read_set) &&
	       !FD_ISSET(s->max_fd, &s->write_set))
		s->max_fd--;
	return 0;
}

static int select_wait_events(void *state, struct loop_fired *fired, int max, int timeout_ms)
{
	struct select_state *s = state;
	fd_set rs = s->read_set, ws = s->write_set;
	struct timeval tv, *tvp = NULL;
	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	int n = select(s->max_fd + 1, &rs, &ws, NULL, tvp);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int out = 0, span = s->max_fd + 1;
	int start = s->scan_from < span ? s->scan_from : 0;
	for (int k = 0; k < span && out < max && out < n; k++) {
		int fd = (start + k) % span;
		unsigned events = (FD_ISSET(fd, &rs) ? LOOP_READ : 0u) |
				  (FD_ISSET(fd, &ws) ? LOOP_WRITE : 0u);
		if (!events)
			continue;
		fired[out].fd = fd;
		fired[out].events = events;
		out++;
		s->scan_from = fd + 1;
	}
	return out;
}

const struct backend backend_select = {
	.name = "select",
	.wait_call = "select()",
	.fd_limit = FD_SETSIZE,
	.create = select_create_state,
	.destroy = select_destroy_state,
	.set = select_set,
	.poll = select_wait_events,
};
