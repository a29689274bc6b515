/* wiring: how parleyd's parts are put together — one hub with the chat
 * dialect over it, one connection set, and the table of listener protocols
 * (chat, irc, relay, frame), each row naming its handler, the state it needs and
 * its defaults. Adding a protocol is adding a row. The server and the
 * in-process fuzz world both build themselves through this module, so what
 * is fuzzed is what runs. */
#ifndef PARLEY_SERVER_WIRING_H
#define PARLEY_SERVER_WIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "util/bucket.h"

struct conn;
struct loop;
struct transport_factory;
struct log;
struct trace;

/* One row of the protocol table (opaque; see wiring.c). */
struct proto;

enum { PROTO_LIST_MAX = 64 };

/* The protocol named by `word` (`len` bytes, e.g. "relay"), or NULL. */
const struct proto *proto_find(const char *word, size_t len);

/* Parses the protocol part of a --listen spec, "PROTO" or "PROTO+MOD...".
 * The one modifier is "+tls" (sets *tls); any other, or a repeat, is
 * refused by name. NULL with a reason in `err` when unknown. Every row can
 * be served over TLS: a new row gets "NAME+tls" for free. */
const struct proto *proto_parse(const char *spec, size_t len, bool *tls, char *err,
				size_t errlen);

/* The row's --listen word. */
const char *proto_name(const struct proto *p);

/* The largest unit a listener may send, for the startup check against
 * --sendq: its size, the option that bounds it (`flag`, e.g. "--max-line")
 * with that option's value, and a phrase saying what the unit is. */
struct proto_unit {
	size_t largest;
	size_t bound;
	const char *flag;
	const char *what;
};

struct proto_unit proto_largest_unit(const struct proto *p, size_t max_line, size_t max_frame);

/* The default protocol (chat), for PORT and -p. */
const struct proto *proto_default(void);

/* Writes every protocol's name, comma separated; returns `out`. */
char *proto_list(char *out, size_t outlen);

struct wiring_config {
	size_t max_clients;
	size_t max_line;
	size_t max_frame;
	size_t sendq;
	size_t history;
	const struct store *store; /* history and accounts, or NULL (memory only) */
	struct cluster *cluster;   /* cluster mode, or NULL (see cluster/cluster.h) */
	size_t min_password;
	uint64_t register_timeout_ms; /* 0 = never; also bounds TLS handshakes */
	uint64_t drain_ms;
	const struct trace *trace; /* or NULL */
	/* IRC listeners (all share one IRC dialect, made with the first). */
	const char *server_name;   /* NULL: "parley" */
	const char *network;       /* NULL: "Parley" */
	const char *irc_password;  /* NULL: no PASS needed */
	const char *motd_path;     /* NULL: 422 */
	uint64_t ping_interval_ms;
	int64_t sts_duration_s; /* -1: no sts (see dialect/irc.h) */
	bool sts_preload;
	/* HTTP listeners (all share one web endpoint, made with the first). */
	uint64_t http_timeout_ms;
	const char *web_root;      /* NULL: the compiled-in page */
	const char *ws_origins[8];
	size_t nws_origins;
	bool metrics_anywhere;
	/* Abuse limits, as net_config has them (net/net.h). */
	struct rate line_rate, byte_rate, connect_rate;
	uint64_t flood_ms;
	size_t max_per_ip;
	bool exempt_loopback;
	/* Server operators: account names, and the OPER password (or NULL). */
	const char *const *opers;
	size_t nopers;
	const char *oper_password;
};

/* One protocol instance: the state its connections share (the chat
 * dialect, or a relay group of its own). */
struct endpoint {
	const struct proto *proto;
	void *state;
	char label[32]; /* the listener's log label: "chat", "chat+tls" */
};

struct wiring {
	struct loop *loop;
	const struct log *log;
	struct wiring_config cfg;
	struct hub *hub;
	struct chat *chat;
	struct irc *irc; /* made with the first IRC endpoint */
	struct web *web; /* made with the first HTTP endpoint */
	uint64_t started_ms; /* monotonic, for the uptime in /metrics */
	struct net *net;
	uint64_t wall_minus_mono_ms; /* turns the loop's clock into wall time */
	uint64_t last_msgid; /* with a store: ids continue from its last one */
	uint64_t reserved_msgid; /* ids up to here are reserved in the store */
	struct endpoint **endpoints; /* grows; each endpoint keeps its address */
	size_t nendpoints;
	size_t cap;
};

/* Builds the hub, the chat dialect and the connection set on `loop`.
 * `log` (and cfg->trace) must outlive the wiring. */
void wiring_init(struct wiring *w, struct loop *loop, const struct log *log,
		 const struct wiring_config *cfg);

/* A new instance of `proto`, not yet listening anywhere. */
struct endpoint *wiring_add(struct wiring *w, const struct proto *proto);

/* A new instance of `proto` listening on `where`, its connections over the
 * transport `transport` makes (NULL: plain). False with a reason in `err`
 * if the socket cannot be opened. */
bool wiring_listen(struct wiring *w, const struct proto *proto, const struct hostport *where,
		   const struct transport_factory *transport, char *err, size_t errlen);

/* Serves a connected socket `fd` as if `ep` had accepted it. NULL (fd left
 * open) on failure. */
struct conn *wiring_adopt(struct wiring *w, struct endpoint *ep, int fd);

/* Closes every connection and listener and frees everything. */
void wiring_fini(struct wiring *w);

#endif
