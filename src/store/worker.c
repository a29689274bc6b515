/* worker: the store's helper thread for slow jobs. The loop thread queues a
 * job under a mutex; the thread runs it and moves it to a finished list,
 * then bumps an eventfd the loop watches; the loop thread runs completions.
 * A cancelled job still runs (it may be half way through) but its
 * completion is replaced by `drop`, so no caller is called back after it
 * went away. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/store_private.h"
#include "util/alloc.h"

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct worker_job *queue, **queue_tail; /* lock */
	struct worker_job *finished;            /* lock; newest first */
	struct worker_job *outstanding;         /* loop thread: submitted, not completed */
	bool stopping;                          /* lock */
	int wake_fd;
	uint64_t next_ticket;
};

static void notify(int fd)
{
	uint64_t one = 1;
	/* A full counter still leaves the descriptor readable. */
	ssize_t ignored = write(fd, &one, sizeof(one));
	(void)ignored;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->queue && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		struct worker_job *job = w->queue;
		if (!job)
			break;
		w->queue = job->next;
		if (!w->queue)
			w->queue_tail = &w->queue;
		pthread_mutex_unlock(&w->lock);
		job->run(job);
		pthread_mutex_lock(&w->lock);
		job->next = w->finished;
		w->finished = job;
		notify(w->wake_fd);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Helper threads take no signals: the loop's thread handles them (through
 * a signalfd), whenever it blocks them relative to our start. */
void store_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		abort(); /* no thread: nothing sensible left to do */
}

struct worker *worker_create(int wake_fd)
{
	struct worker *w = xcalloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->queue_tail = &w->queue;
	w->wake_fd = wake_fd;
	store_thread_start(&w->thread, worker_main, w);
	return w;
}

uint64_t worker_submit(struct worker *w, struct worker_job *job)
{
	job->ticket = ++w->next_ticket;
	job->cancelled = false;
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->queue_tail = job;
	w->queue_tail = &job->next;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return job->ticket;
}

void worker_cancel(struct worker *w, uint64_t ticket)
{
	/* The job is either queued or running or finished; all three lists
	 * are under the lock, and `cancelled` is read only by the loop thread
	 * in worker_complete(), so flag it wherever it is. */
	pthread_mutex_lock(&w->lock);
	for (struct worker_job *j = w->queue; j; j = j->next)
		if (j->ticket == ticket)
			j->cancelled = true;
	for (struct worker_job *j = w->finished; j; j = j->next)
		if (j->ticket == ticket)
			j->cancelled = true;
	pthread_mutex_unlock(&w->lock);
	/* Running right now: remembered until it finishes. */
	struct worker_job *mark = xcalloc(1, sizeof(*mark));
	mark->ticket = ticket;
	mark->next = w->outstanding;
	w->outstanding = mark;
}

static bool take_cancel_mark(struct worker *w, uint64_t ticket)
{
	for (struct worker_job **p = &w->outstanding; *p; p = &(*p)->next) {
		if ((*p)->ticket == ticket) {
			struct worker_job *mark = *p;
			*p = mark->next;
			free(mark);
			return true;
		}
	}
	return false;
}

void worker_complete(struct worker *w)
{
	uint64_t count;
	ssize_t ignored = read(w->wake_fd, &count, sizeof(count));
	(void)ignored;
	pthread_mutex_lock(&w->lock);
	struct worker_job *done = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->lock);
	/* Finished newest first: reverse so completions keep submission order. */
	struct worker_job *ordered = NULL;
	while (done) {
		struct worker_job *next = done->next;
		done->next = ordered;
		ordered = done;
		done = next;
	}
	while (ordered) {
		struct worker_job *job = ordered;
		ordered = job->next;
		bool cancelled = take_cancel_mark(w, job->ticket) || job->cancelled;
		if (cancelled)
			job->drop(job);
		else
			job->done(job);
	}
}

void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	while (w->finished) {
		struct worker_job *job = w->finished;
		w->finished = job->next;
		job->drop(job);
	}
	while (w->outstanding) {
		struct worker_job *mark = w->outstanding;
		w->outstanding = mark->next;
		free(mark);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}
