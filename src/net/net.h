/* net: the set of live connections, the listeners that feed it, and the
 * limits every connection shares (--max-clients, --sendq). It owns the
 * deferred-close and pending-flush lists and runs them from a loop hook:
 * output is queued during an iteration and written once, before sleeping
 * (or at once, for a connection whose queue passes --sendq).
 * Knows the loop and sockets, not protocols. */
#ifndef PARLEY_NET_NET_H
#define PARLEY_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "net/conn.h"
#include "util/bucket.h"
#include "net/transport.h"

struct loop;
struct log;
struct net;
struct listener;

struct trace;

struct net_config {
	const struct trace *trace; /* --trace lines for accepts, reads, closes; or NULL */
	size_t max_clients; /* over all listeners, registered or not */
	size_t sendq;       /* per-connection queued-output limit in bytes */
	uint64_t drain_ms;  /* longest wait for output before a closing conn goes */
	uint64_t handshake_ms; /* longest transport setup (TLS handshake); 0 = none */
	/* Fake lag: a listener's connections take input only while their
	 * bucket has tokens; when it is empty they are not read (TCP pushes
	 * back on the sender) until tokens return. A line connection whose
	 * input has waited on its bucket without a break for `flood_ms` is
	 * closed with reason "flood" (0 = never). */
	struct rate line_rate; /* --rate-limit, for CONN_RATE_LINES listeners */
	struct rate byte_rate; /* --byte-rate, for CONN_RATE_BYTES listeners */
	uint64_t flood_ms;
	/* Per source address (IPv6 by /64): open connections and arrivals. */
	size_t max_per_ip;       /* 0 = no limit */
	struct rate connect_rate; /* per_s 0 = no limit */
	bool exempt_loopback;
};

struct listener_config {
	const char *proto;                  /* label for logs, e.g. "chat" */
	struct hostport where;
	const struct conn_handler *handler; /* for accepted connections */
	void *handler_data;                 /* passed to on_open */
	const char *reject_text;            /* sent before closing at capacity, or NULL;
					       never over TLS (no handshake is done) */
	const char *per_ip_text;            /* sent when refused by --max-per-ip, or NULL */
	const char *connect_rate_text;      /* sent when refused by --connect-rate, or NULL */
	enum conn_rate_unit rate_unit;      /* what its connections' bucket counts */
	const struct transport_factory *transport; /* NULL: plain */
};

struct net_stats {
	uint64_t total_accept;
	uint64_t rejected;
	uint64_t rejected_per_ip;       /* of `rejected`: --max-per-ip */
	uint64_t rejected_connect_rate; /* of `rejected`: --connect-rate */
	uint64_t flood_closed;          /* closed with reason "flood" */
	uint64_t throttled;             /* times a connection's input was held back */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t messages_sent; /* conn_send() calls that queued a message */
	size_t active;
	uint64_t closed[CONN_CLOSE_REASON_COUNT]; /* torn down, by reason */
	size_t parked; /* connections held back right now */
};

/* Creates an empty set on `loop`; `log` must outlive it. */
struct net *net_create(struct loop *loop, const struct log *log, const struct net_config *cfg);

/* Closes every listener and connection (calling on_close) and frees all. */
void net_destroy(struct net *net);

/* Opens a listener; logs LISTEN with the bound address. Returns NULL with a
 * reason in `err` on failure. */
struct listener *net_listen(struct net *net, const struct listener_config *cfg,
			    char *err, size_t errlen);

/* Wraps an already connected socket `fd` (e.g. from sock_connect) as a
 * connection driven by `handler`, as if accepted; on_open gets `data`.
 * Not subject to --max-clients. Returns NULL (fd left open) on failure. */
struct conn *net_adopt(struct net *net, int fd, const struct conn_handler *handler,
		       void *data);

/* net_adopt() over the transport `transport` makes (NULL: plain). */
struct conn *net_adopt_transport(struct net *net, int fd, const struct transport_factory *transport,
				 const struct conn_handler *handler, void *data);

/* The bound address of a listener (useful with port 0). */
const struct peer *listener_address(const struct listener *l);

/* Stops accepting, lets every handler say goodbye and closes each
 * connection after flushing. net_active() reaches 0 when all are gone. */
void net_shutdown(struct net *net);

/* Current counters. */
void net_get_stats(const struct net *net, struct net_stats *out);

/* Delivery latency in ns, one sample per message queued by conn_send()
 * and fully written: from the loop wake-up it was first queued in until
 * its last byte went to the transport. Valid while `net` lives. */
struct loop_hist;
const struct loop_hist *net_delivery_latency(const struct net *net);

/* Live connections (not yet torn down). */
size_t net_active(const struct net *net);

/* Calls `fn` for each live connection in accept order. */
void net_for_each(const struct net *net, void (*fn)(void *ctx, const struct conn *c), void *ctx);

/* Per-connection figures for STATS. */
struct conn_info {
	uint64_t id;
	int fd;
	const char *state;
	uint64_t bytes_in, bytes_out;
	uint64_t age_ms;
	size_t queued;
	const char *transport; /* "plain" or "tls" */
	const char *label;     /* the listener's protocol, or conn_set_label()'s */
};

/* Renames the protocol a connection reports (e.g. after an upgrade). */
void conn_set_label(struct conn *c, const char *label);
void conn_get_info(const struct conn *c, struct conn_info *out);

/* Appends the handler's " key=value" description of `c`, if any. */
void conn_describe(const struct conn *c, char *out, size_t outlen);

#endif
