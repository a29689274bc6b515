/* trace: the --trace lines. Formats are fixed by the exercise they mirror;
 * change none of them without changing the tests that compare them. */
#include "util/trace.h"

static void done(const struct trace *t)
{
	fflush(t->out);
}

void trace_wait(const struct trace *t, const char *call, int max_fd)
{
	if (!t)
		return;
	fprintf(t->out, "Waiting on %s...\nMaxFd %d\n", call, max_fd);
	done(t);
}

void trace_accept(const struct trace *t, int sd)
{
	if (!t)
		return;
	fprintf(t->out, "New incoming connection on sd %d\n", sd);
	done(t);
}

void trace_readable(const struct trace *t, int sd)
{
	if (!t)
		return;
	fprintf(t->out, "Descriptor %d is readable\n", sd);
	done(t);
}

void trace_received(const struct trace *t, size_t len, int sd)
{
	if (!t)
		return;
	fprintf(t->out, "%zu bytes received from sd %d\n", len, sd);
	done(t);
}

void trace_peer_closed(const struct trace *t, int sd)
{
	if (!t)
		return;
	fprintf(t->out, "Connection closed for sd %d\n", sd);
	done(t);
}

void trace_removing(const struct trace *t, int sd)
{
	if (!t)
		return;
	fprintf(t->out, "removing connection with sd %d \n", sd);
	done(t);
}
