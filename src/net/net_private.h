/* net_private: struct layouts shared by conn.c, net.c and listener.c only.
 * Nothing outside net/ includes this file. */
#ifndef PARLEY_NET_PRIVATE_H
#define PARLEY_NET_PRIVATE_H

#include "loop/loop.h"
#include "loop/loop_hist.h"
#include "net/net.h"
#include "net/outq.h"
#include "net/transport.h"
#include "net/addrlimit.h"
#include "util/bucket.h"
#include "util/buf.h"
#include "util/list.h"

enum conn_state {
	CONN_OPEN,     /* reading and writing */
	CONN_DRAINING, /* not reading; closes when output is written */
	CONN_DOOMED,   /* waiting for teardown at the next safe point */
};

enum {
	CONN_WRITE_ARMED = 1u << 0, /* LOOP_WRITE interest is on */
	CONN_EOF = 1u << 1,         /* peer sent FIN */
	CONN_HANDSHAKE_TIMER = 1u << 2, /* the timer is the transport's setup deadline */
	CONN_PARKED = 1u << 3,  /* out of tokens: not reading; in net->parked */
};

/* Invariants: `pending` is in net->doomed iff state is CONN_DOOMED;
 * otherwise it is in net->dirty iff output was queued since the last flush
 * attempt while write interest was off. The fd stays open until teardown. */
struct conn {
	/* What conn_send() touches per delivered message comes first, within
	 * 64 bytes: fan-out visits every recipient's connection. The small
	 * fields pack together, no padding holes (an idle connection's size
	 * is a measured figure). */
	uint8_t state;
	uint8_t flags;
	uint8_t rate_unit;      /* enum conn_rate_unit */
	int fd;
	struct net *net;
	const struct conn_framer *framer; /* NULL: the handler frames itself */
	struct outq out;
	struct list pending; /* in net->dirty or net->doomed */
	struct transport *tr; /* how bytes cross the socket */
	uint64_t bytes_in, bytes_out; /* then what conn_flush() also touches */
	struct list link;   /* in net->conns, accept order */
	const struct conn_handler *handler;
	void *session;
	void *framer_state;
	const char *label; /* the listener's protocol label, for metrics */
	struct buf in;      /* unconsumed input; allocated only while partial */
	struct loop_timer timer;
	struct peer peer;
	enum conn_close_reason close_reason;
	uint64_t id;
	uint64_t created_ms;
	/* Input limiting (fake lag); `rate` NULL = unlimited. */
	const struct rate *rate;
	struct bucket bucket;
	struct list parked;     /* in net->parked iff CONN_PARKED */
	uint64_t backlog_since; /* when input began waiting without a break; 0 = not */
	struct addr_entry *addr; /* counted in net->addrs, or NULL */
};

struct listener {
	struct list link; /* in net->listeners */
	struct net *net;
	struct listener_config cfg;
	struct peer bound;
	struct loop_timer pause; /* re-enables accepting after fd exhaustion */
	int fd;
};

struct net {
	struct loop *loop;
	const struct log *log;
	struct net_config cfg;
	struct list conns;
	struct list dirty;
	struct list doomed;
	struct list listeners;
	struct net_stats stats;
	struct list parked;          /* connections waiting for tokens */
	struct loop_timer wake;      /* armed while `parked` is not empty */
	struct addrlimit *addrs;
	uint64_t next_id;
	int reserve_fd; /* spare descriptor released to shed connections at EMFILE */
	char *scratch;  /* shared buffer for reads with no partial input */
	/* Flush coalescing has its own buffer: a flush can run inside on_data
	 * (conn_send past --sendq) while `scratch` holds the input. */
	char *out_scratch;
	struct loop_hist delivery_latency; /* conn_send() to fully written, ns */
};

enum { NET_READ_CHUNK = 64 * 1024 };

/* conn.c */
struct conn *conn_create(struct net *net, int fd, const struct peer *peer,
			 const struct conn_handler *handler,
			 const struct transport_factory *transport);
void conn_flush(struct conn *c);
void conn_teardown(struct conn *c);
void conn_limit_input(struct conn *c, enum conn_rate_unit unit);
void conn_unpark(struct conn *c);

/* net.c: makes the wake timer fire within `ms` (earlier if already due). */
void net_wake_within(struct net *net, uint64_t ms);

/* listener.c */
void listener_close(struct listener *l);

#endif
