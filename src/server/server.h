/* server: the one struct that owns everything parleyd runs — loop, the
 * wiring (hub, dialects, connection set, listeners), signals and console —
 * and the
 * start/run/stop sequence. No globals: main() holds the only instance. */
#ifndef PARLEY_SERVER_SERVER_H
#define PARLEY_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop/loop.h"
#include "server/options.h"
#include "server/wiring.h"
#include "util/log.h"
#include "util/trace.h"

struct server {
	struct options opt;
	struct log log;
	struct trace trace; /* used only with --trace */
	struct loop *loop;
	struct store *store;  /* --data-dir, or NULL */
	struct cluster *cluster; /* --redis, or NULL */
	struct wiring wiring; /* hub, dialects, connections, listeners */
	struct loop_signals *signals;
	struct console *console;
	struct loop_timer grace; /* bounds the shutdown flush */
	uint64_t started_ms;
	char node_name[72]; /* cluster mode: this node's name */
	bool shutting_down;
	bool forced;
};

/* Builds everything and opens every listener. Returns false with a reason
 * in `err`; server_fini() must be called either way. */
bool server_init(struct server *s, const struct options *opt, char *err, size_t errlen);

/* Serves until a signal has shut the server down. Returns 0, or -errno if
 * the event loop failed. */
int server_run(struct server *s);

/* Re-reads what can change without a restart (run on SIGHUP). Nothing yet:
 * the hook where certificates and a configuration file will be reloaded.
 * Never disturbs connections or listeners. */
void server_reload(struct server *s);

/* Closes every descriptor, frees everything and logs the summary. */
void server_fini(struct server *s);

#endif
