/* loop_hist: a log-linear histogram of durations in nanoseconds, kept by
 * the loop for its iteration times (wake-up to next sleep). Values below 16
 * are exact; above, each power of two is split into 16 equal buckets, so a
 * recorded value is known to within 1/16 (6%). Fixed size (~8 KiB), no
 * allocation, O(1) recording. Readers get quantiles for summaries and
 * cumulative counts at chosen bounds for exporters (Prometheus-style "le"
 * buckets), so neither needs the bucket layout. */
#ifndef PARLEY_LOOP_LOOP_HIST_H
#define PARLEY_LOOP_LOOP_HIST_H

#include <stdint.h>

enum {
	LOOP_HIST_SUB_BITS = 4,
	LOOP_HIST_SUB = 1 << LOOP_HIST_SUB_BITS,
	LOOP_HIST_BUCKETS = (64 - LOOP_HIST_SUB_BITS + 1) * LOOP_HIST_SUB,
};

struct loop_hist {
	uint64_t counts[LOOP_HIST_BUCKETS];
	uint64_t total;
	uint64_t sum_ns; /* wraps after 584 years of recorded time */
	uint64_t max_ns;
};

/* Bucket index of `ns`. */
static inline unsigned loop_hist_bucket(uint64_t ns)
{
	if (ns < LOOP_HIST_SUB)
		return (unsigned)ns;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns); /* >= SUB_BITS */
	unsigned shift = e - LOOP_HIST_SUB_BITS;
	return (shift + 1u) * LOOP_HIST_SUB + (unsigned)((ns >> shift) & (LOOP_HIST_SUB - 1));
}

/* Adds the value `ns` `n` times. A zero-filled struct is an empty
 * histogram. */
static inline void loop_hist_record_n(struct loop_hist *h, uint64_t ns, uint64_t n)
{
	h->counts[loop_hist_bucket(ns)] += n;
	h->total += n;
	h->sum_ns += ns * n;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

/* Adds one value. */
static inline void loop_hist_record(struct loop_hist *h, uint64_t ns)
{
	loop_hist_record_n(h, ns, 1);
}

/* Smallest and largest value that fall in bucket `i`. */
void loop_hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi);

/* The value at quantile `q` (0..1]: the midpoint of the bucket holding the
 * ceil(q*total)-th smallest value, at most the maximum. 0 when empty. */
uint64_t loop_hist_quantile(const struct loop_hist *h, double q);

/* How many values are at most `ns`, counting whole buckets: exact when
 * `ns` is the top of a bucket (any value below 16, and 2^k-1), otherwise
 * the bucket holding `ns` is left out, so it never over-counts. */
uint64_t loop_hist_count_le(const struct loop_hist *h, uint64_t ns);

#endif
