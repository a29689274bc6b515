/* world: the whole connection input path of parleyd in one process, for the
 * fuzz_conn target. A real loop (any backend) and parleyd's own wiring
 * (src/server/wiring.h: net, hub, chat and IRC dialects, one relay group and
 * one frame group), with WORLD_CLIENTS clients: socketpairs whose server ends are
 * adopted through the wiring and whose client ends we drive. Stepping runs one loop iteration that never
 * blocks; everything a client receives goes through check.c. */
#ifndef PARLEY_TESTS_FUZZ_WORLD_H
#define PARLEY_TESTS_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "server/wiring.h"
#include "util/buf.h"
#include "util/log.h"

/* Small limits, so that the fuzzer reaches every limit's outcome. */
enum {
	WORLD_CLIENTS = 8, /* slots 0-1 chat, 2-3 irc, 4-5 relay, 6-7 frame */
	WORLD_MAX_LINE = 40,
	WORLD_MAX_FRAME = 48,
	WORLD_SENDQ = 2048, /* holds an IRC welcome burst (~1.4 KiB) */
	WORLD_SOCKBUF = 4096,
};

enum client_kind { KIND_CHAT, KIND_IRC, KIND_RELAY, KIND_FRAME };
enum { WORLD_KINDS = KIND_FRAME + 1 };

struct client {
	enum client_kind kind;
	int fd;        /* our end of the socketpair; -1 when closed */
	bool reading;  /* false: we leave the server's output unread */
	bool shut;     /* we shut down our writing side */
	bool eof;      /* the server closed its end */
	struct buf in;   /* received bytes not yet checked as a whole unit */
	struct buf sent; /* every byte this slot ever sent (relay/frame oracle) */
};

struct world {
	struct log log;
	struct loop *loop;
	struct wiring wiring; /* parleyd's own: hub, dialects, connection set */
	struct endpoint *endpoints[WORLD_KINDS]; /* chat, irc, one relay and frame group */
	struct net *net;      /* = wiring.net, for the checks */
	struct hub *hub;      /* = wiring.hub */
	int kick[2]; /* a pipe kept readable: loop waits never block */
	int hook_calls;
	struct client clients[WORLD_CLIENTS];
};

/* Opens the process-wide log sink (/dev/null) if not yet open; call before
 * counting descriptors, since it stays open across runs. */
void world_open_log(void);

/* Builds the server on `backend` with `history` lines per room and
 * connects every client slot. */
void world_init(struct world *w, const char *backend, size_t history);

/* Closes whatever the slot had and connects it afresh. */
void world_connect(struct world *w, int slot);

/* Sends `n` bytes from a client (what the socket takes, without blocking). */
void world_send(struct world *w, int slot, const void *data, size_t n);

/* Shuts down a client's writing side, or closes it. */
void world_shutdown(struct world *w, int slot);
void world_close(struct world *w, int slot);

/* One loop iteration (flush, wait without blocking, dispatch, timers,
 * flush and teardown), then every reading client reads what arrived. */
void world_step(struct world *w);

/* Destroys the server and every client; the world is empty afterwards. */
void world_fini(struct world *w);

#endif
