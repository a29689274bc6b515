/* driver: runs one benchmark — connects and registers every client on the
 * project's own event loop, publishes for warmup + duration, measures the
 * window, drains, and verifies that every receiver got every message of its
 * room exactly once and in each publisher's order. */
#ifndef PARLEY_BENCH_DRIVER_H
#define PARLEY_BENCH_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "latency.h"
#include "options.h"
#include "proc.h"

/* Correctness counters; all must stay 0 for a run to pass. */
struct bench_checks {
	uint64_t lost;       /* sequence gaps plus messages never received */
	uint64_t duplicated; /* a sequence number at or below one already seen */
	uint64_t foreign;    /* a message from a publisher outside the room */
	uint64_t malformed;  /* a payload that does not decode */
	uint64_t refused;    /* ERROR replies or unexpected protocol answers */
	uint64_t closed;     /* connections the server closed or reset */
	uint64_t unacked;    /* messages never acknowledged to their publisher */
	uint64_t wrong_ack;  /* redis: PUBLISH reached a different receiver count */
};

/* Counters and samples taken at the start and end of the measured window. */
struct bench_snapshot {
	uint64_t t_ns;
	uint64_t published, deliveries;
	uint64_t self_cpu_us;
	uint64_t machine_busy_us;
	struct proc_sample server;
};

struct bench_result {
	struct bench_snapshot start, end;
	struct proc_sample server_before; /* before the first connection */
	struct hist latency;              /* delivery latency, measured window */
	struct bench_checks checks;
	uint32_t conns;
	double setup_s;
	bool completed;                   /* reached the end of the drain */
	char error[256];                  /* first failure, or empty */
};

/* Runs the benchmark described by `o` into `r`. Returns 0 when the run
 * completed and every check passed, 1 when a check failed, 2 when the run
 * could not be carried out (e.g. connection refused). */
int driver_run(const struct bench_opts *o, struct bench_result *r);

#endif
