/* report: turns a run's raw counters and samples into the figures we
 * publish — rates, latency percentiles, server CPU per 1000 deliveries, RSS
 * per connection, generator CPU — decides what limited the run, and prints
 * them as a table or as one JSON object. */
#ifndef PARLEY_BENCH_REPORT_H
#define PARLEY_BENCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "driver.h"
#include "options.h"

struct bench_figures {
	double window_s;
	double published_per_s, deliveries_per_s;
	double p50_us, p90_us, p99_us, p999_us, max_us, mean_us;
	bool have_server;           /* --server-pid given and readable */
	double server_cpu_pct;      /* of one core, over the window */
	double server_us_per_1000;  /* server CPU per 1000 deliveries; <0 if none */
	unsigned long long rss_before_kb, rss_kb;
	double rss_per_conn_bytes;  /* (RSS at end - RSS before setup) / connections */
	double gen_cpu_pct;         /* the generator's own CPU, of one core */
	double other_cpu_pct;       /* everything else on the machine, of one core */
	const char *limit;          /* server | generator | window | disturbed |
				       offered-rate | idle */
	const char *note;           /* a caveat about the limit, or "" */
	bool pass;                  /* every correctness check passed */
};

/* Derives the figures; `pass` comes from the driver's verdict. */
void report_compute(const struct bench_opts *o, const struct bench_result *r, bool pass,
		    struct bench_figures *f);

/* A human-readable block. */
void report_table(FILE *out, const struct bench_opts *o, const struct bench_result *r,
		  const struct bench_figures *f);

/* One JSON object on one line. */
void report_json(FILE *out, const struct bench_opts *o, const struct bench_result *r,
		 const struct bench_figures *f);

#endif
