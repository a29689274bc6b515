/* server: the one struct that owns everything parleyd runs — loop, hub,
 * dialects, connection set, listeners, signals and console — and the
 * start/run/stop sequence. No globals: main() holds the only instance. */
#ifndef PARLEY_SERVER_SERVER_H
#define PARLEY_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/loop.h"
#include "server/options.h"
#include "util/log.h"

struct server {
	struct options opt;
	struct log log;
	struct loop *loop;
	struct hub *hub;
	struct chat *chat;
	struct relay *relays[OPTIONS_MAX_LISTENERS];
	size_t nrelays;
	struct net *net;
	struct loop_signals *signals;
	struct console *console;
	struct loop_timer grace; /* bounds the shutdown flush */
	uint64_t started_ms;
	uint64_t wall_minus_mono_ms; /* turns the loop's clock into wall time */
	bool shutting_down;
	bool forced;
};

/* Builds everything and opens every listener. Returns false with a reason
 * in `err`; server_fini() must be called either way. */
bool server_init(struct server *s, const struct options *opt, char *err, size_t errlen);

/* Serves until a signal has shut the server down. Returns 0, or -errno if
 * the event loop failed. */
int server_run(struct server *s);

/* Closes every descriptor, frees everything and logs the summary. */
void server_fini(struct server *s);

#endif
