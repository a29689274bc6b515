/* signal: signalfd-based signal delivery into the loop. */
#include "loop/signal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "loop/loop.h"
#include "util/alloc.h"

struct loop_signals {
	struct loop *loop;
	int fd;
	sigset_t old_mask;
	loop_signal_fn *fn;
	void *data;
};

static void on_signalfd(void *data, int fd, unsigned events)
{
	struct loop_signals *s = data;
	(void)events;
	struct signalfd_siginfo info;
	while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info))
		s->fn(s->data, (int)info.ssi_signo);
}

struct loop_signals *loop_signals_open(struct loop *loop, const int *signals, int count,
				       loop_signal_fn *fn, void *data)
{
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	for (int i = 0; i < count; i++)
		sigaddset(&mask, signals[i]);
	struct loop_signals *s = xcalloc(1, sizeof(*s));
	if (sigprocmask(SIG_BLOCK, &mask, &s->old_mask) < 0)
		goto fail;
	s->fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0)
		goto fail_mask;
	int rc = loop_watch(loop, s->fd, LOOP_READ, on_signalfd, s);
	if (rc < 0) {
		close(s->fd);
		errno = -rc;
		goto fail_mask;
	}
	s->loop = loop;
	s->fn = fn;
	s->data = data;
	return s;
fail_mask:
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
fail:
	free(s);
	return NULL;
}

void loop_signals_close(struct loop_signals *s)
{
	if (!s)
		return;
	loop_unwatch(s->loop, s->fd);
	close(s->fd);
	sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	free(s);
}
