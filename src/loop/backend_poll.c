/* backend_poll: poll(2) over a dense pollfd array. A side table maps each fd
 * to its slot so adds, changes and swap-removals are O(1). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loop/backend.h"
#include "loop/loop.h"
#include "util/alloc.h"

struct poll_state {
	struct pollfd *fds;
	int len, cap;
	int *slot_of; /* fd -> index in fds, -1 if absent */
	int nslots;
	int scan_from; /* where the next scan of revents starts */
};

static void *poll_create_state(void)
{
	return xcalloc(1, sizeof(struct poll_state));
}

static void poll_destroy_state(void *state)
{
	struct poll_state *s = state;
	free(s->fds);
	free(s->slot_of);
	free(s);
}

static void grow_slots(struct poll_state *s, int fd)
{
	int n = (fd + 1024) & ~1023;
	s->slot_of = xrealloc(s->slot_of, (size_t)n * sizeof(*s->slot_of));
	for (int i = s->nslots; i < n; i++)
		s->slot_of[i] = -1;
	s->nslots = n;
}

static short poll_events(unsigned mask)
{
	return (short)(((mask & LOOP_READ) ? POLLIN : 0) | ((mask & LOOP_WRITE) ? POLLOUT : 0));
}

static void add_fd(struct poll_state *s, int fd, unsigned mask)
{
	if (s->len == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->fds = xrealloc(s->fds, (size_t)s->cap * sizeof(*s->fds));
	}
	s->fds[s->len] = (struct pollfd){.fd = fd, .events = poll_events(mask)};
	s->slot_of[fd] = s->len++;
}

static void remove_fd(struct poll_state *s, int fd)
{
	int slot = s->slot_of[fd];
	s->fds[slot] = s->fds[--s->len];
	if (slot < s->len)
		s->slot_of[s->fds[slot].fd] = slot;
	s->slot_of[fd] = -1;
}

static int poll_set(void *state, int fd, unsigned old_mask, unsigned new_mask)
{
	struct poll_state *s = state;
	(void)old_mask;
	if (fd >= s->nslots)
		grow_slots(s, fd);
	int slot = s->slot_of[fd];
	if (slot < 0 && new_mask)
		add_fd(s, fd, new_mask);
	else if (slot >= 0 && !new_mask)
		remove_fd(s, fd);
	else if (slot >= 0)
		s->fds[slot].events = poll_events(new_mask);
	return 0;
}

static int poll_wait_events(void *state, struct loop_fired *fired, int max, int timeout_ms)
{
	struct poll_state *s = state;
	int n = poll(s->fds, (nfds_t)s->len, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int out = 0;
	int start = s->scan_from < s->len ? s->scan_from : 0;
	for (int k = 0; k < s->len && out < n && out < max; k++) {
		int i = (start + k) % s->len;
		short re = s->fds[i].revents;
		if (!re)
			continue;
		unsigned events = 0;
		if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			events |= LOOP_READ;
		if (re & (POLLOUT | POLLHUP | POLLERR | POLLNVAL))
			events |= LOOP_WRITE;
		fired[out].fd = s->fds[i].fd;
		fired[out].events = events;
		out++;
		s->scan_from = i + 1;
	}
	return out;
}

const struct backend backend_poll = {
	.name = "poll",
	.wait_call = "poll()",
	.fd_limit = INT32_MAX,
	.create = poll_create_state,
	.destroy = poll_destroy_state,
	.set = poll_set,
	.poll = poll_wait_events,
};
