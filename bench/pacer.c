/* pacer: the --rate schedule on a timerfd; see struct pacer in bench.h.
 * A late wake-up hands out every message that fell due meanwhile, so the
 * offered rate holds on average even when single ticks slip. */
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench.h"
#include "util/clock.h"

static void arm(struct pacer *pc)
{
	uint64_t due = pc->start_ns + (uint64_t)((double)pc->next * pc->interval_ns);
	struct itimerspec its = {0};
	its.it_value.tv_sec = (time_t)(due / 1000000000u);
	its.it_value.tv_nsec = (long)(due % 1000000000u);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* all zero would disarm */
	timerfd_settime(pc->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Hands every message due by now to its publisher, then re-arms. */
static void on_tick(void *data, int fd, unsigned events)
{
	struct bench *b = data;
	struct pacer *pc = &b->pacer;
	uint64_t expirations;
	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return;
	uint64_t elapsed = clock_mono_ns() - pc->start_ns;
	uint64_t due = (uint64_t)((double)elapsed / pc->interval_ns) + 1;
	for (; pc->next < due; pc->next++) {
		uint32_t paced = b->o->publishers - b->o->flooders;
		struct publisher *p = &b->pubs[b->o->flooders + pc->next % paced];
		p->owed++;
		publisher_send(p);
	}
	arm(pc);
}

bool pacer_start(struct bench *b, uint64_t now_ns)
{
	struct pacer *pc = &b->pacer;
	pc->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pc->fd < 0 || loop_watch(b->loop, pc->fd, LOOP_READ, on_tick, b) < 0) {
		uint64_t dummy = 0;
		bench_fail(b, &dummy, "cannot create the pacing timer: %s", strerror(errno));
		if (pc->fd >= 0)
			close(pc->fd);
		pc->fd = -1;
		return false;
	}
	pc->start_ns = now_ns;
	pc->interval_ns = 1e9 / b->o->rate;
	pc->next = 0;
	arm(pc);
	return true;
}

void pacer_stop(struct bench *b)
{
	struct pacer *pc = &b->pacer;
	if (pc->fd < 0)
		return;
	loop_unwatch(b->loop, pc->fd);
	close(pc->fd);
	pc->fd = -1;
}
