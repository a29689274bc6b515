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
#include "tls/tls.h"
#include "server/options.h"
#include "server/redis_tls.h"
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
	struct tls_server *tls; /* certificate for +tls listeners, or NULL */
	struct redis_tls redis_tls; /* --redis-tls, or none */
	struct loop_timer grace; /* bounds the shutdown flush */
	uint64_t started_ms;
	char node_name[72]; /* cluster mode: this node's name */
	bool shutting_down;
	bool forced;
	bool bad_config; /* server_init failed on the configuration (exit 2) */
};

/* Builds everything and opens every listener. Returns false with a reason
 * in `err` (and bad_config set if the configuration is at fault, e.g. an
 * unusable TLS certificate); server_fini() must be called either way. */
bool server_init(struct server *s, const struct options *opt, char *err, size_t errlen);

/* Serves until a signal has shut the server down. Returns 0, or -errno if
 * the event loop failed. */
int server_run(struct server *s);

/* Re-reads what can change without a restart (run on SIGHUP): the TLS
 * certificate and key. New handshakes use the new pair; a pair that does
 * not load is logged (RELOAD_FAILED) and the old one stays in service.
 * Never disturbs connections or listeners. */
void server_reload(struct server *s);

/* Closes every descriptor, frees everything and logs the summary. */
void server_fini(struct server *s);

#endif
