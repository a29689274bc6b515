/* bench: the state of one run, shared by driver.c (phases and setup),
 * client.c (what each connection receives) and publisher.c (what and when
 * publishers send). Nothing outside bench/ sees it; main.c talks to the
 * driver through driver.h only.
 *
 * Topology: client i (0 <= i < clients) is a member of room i % rooms.
 * Publisher j publishes to room j % rooms; for chat and frame it is client
 * j itself, for redis an extra connection with id clients + j. So room r
 * has publishers r, r + rooms, r + 2*rooms, ... and a receiver keeps one
 * expected sequence number per publisher of its room, at index j / rooms. */
#ifndef PARLEY_BENCH_BENCH_H
#define PARLEY_BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "driver.h"
#include "loop/loop.h"
#include "options.h"
#include "proto.h"
#include "tls/tls.h"
#include "util/log.h"

struct conn;
struct net;

enum phase { PH_SETUP, PH_SETTLE, PH_WARMUP, PH_MEASURE, PH_DRAIN, PH_DONE };

struct publisher {
	struct bench *b;
	struct client *c;     /* the connection it publishes on */
	uint32_t id, room;
	uint32_t sent, acked; /* messages sent / acknowledged so far */
	uint32_t owed;        /* rate mode: due but held back by the window */
	char *tmpl;           /* one publish, envelope and padded payload */
	size_t tmpl_len, payload_off;
};

/* The --rate schedule: message k of the run is due at start + k * interval
 * and belongs to publisher k mod publishers, so sends are evenly spaced
 * whatever the protocol. A timerfd gives microsecond wake-ups (loop timers
 * have millisecond resolution, which would bunch sends at tick edges). */
struct pacer {
	int fd;               /* timerfd, -1 when not running */
	uint64_t start_ns;
	double interval_ns;
	uint64_t next;        /* index of the next message to hand out */
};

struct client {
	struct bench *b;
	struct conn *conn;    /* NULL before connecting and after closing */
	uint32_t id, room;
	bool receiver;        /* member or subscriber (not a redis publisher) */
	bool ready;
	struct publisher *pub; /* set if this connection publishes */
	struct scan_state scan;
	uint32_t *next_seq;   /* expected next sequence per publisher of the room */
};

struct bench {
	const struct bench_opts *o;
	const struct proto *proto;
	struct loop *loop;
	struct net *net;
	struct tls_client *tls; /* --tls, else NULL */
	struct log log;
	struct client *clients;
	uint32_t nconns;      /* clients, plus publishers for redis */
	struct publisher *pubs;
	enum phase phase;
	uint32_t opened, ready;
	uint64_t published, deliveries, acks; /* running totals */
	uint64_t owed;        /* deliveries the published messages should make */
	struct hist *hist;
	bool recording;       /* latencies go into `hist` (measured window only) */
	bool aborted;         /* setup failed, watchdog fired or interrupted */
	struct loop_timer phase_timer, watchdog;
	struct pacer pacer;
	struct bench_checks checks;
	struct bench_result *res;
};

/* Members of room `r` (receivers that every message to r must reach). */
uint32_t bench_members(const struct bench *b, uint32_t r);

/* Records a failure; the first one's text is kept for the report. */
void bench_fail(struct bench *b, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* client.c */
extern const struct conn_handler client_handler;
/* Connects client `c` and sends its hello; false (and a failure) if the
 * connection cannot even be started. */
bool client_open(struct client *c);
/* Tail check after the run: messages each receiver never got. */
void client_check_complete(struct client *c);

/* publisher.c */
void publisher_init(struct publisher *p, struct bench *b, uint32_t id);
void publisher_free(struct publisher *p);
/* Saturation mode: fills the window. Rate mode: sends what is owed, as far
 * as the window allows. */
void publisher_send(struct publisher *p);
/* The publisher's connection consumed input that may have acknowledged
 * messages: same as publisher_send(). */
void publisher_input_done(struct publisher *p);

/* pacer.c */
/* Starts handing out due messages to publishers; false (with a failure
 * recorded) if the timer cannot be created. */
bool pacer_start(struct bench *b, uint64_t now_ns);
/* Stops the schedule and releases the timer; safe to call when stopped. */
void pacer_stop(struct bench *b);

/* driver.c: a client's registration was confirmed. */
void driver_client_ready(struct bench *b);
/* driver.c: totals changed while draining; finish if everything arrived. */
void driver_check_drained(struct bench *b);
/* driver.c: the run cannot go on (e.g. a connection failed during setup). */
void driver_abort(struct bench *b);

#endif
