/* latency: a log-linear histogram of nanosecond values, HdrHistogram-like.
 * Values below 128 are exact; above, each power of two is split into 128
 * equal buckets, so any recorded value is known to within 1/128 (0.8%) and
 * reported to within half that. Fixed size (~59 KiB), no allocation, O(1)
 * recording: one count-leading-zeros and an increment. */
#ifndef PARLEY_BENCH_LATENCY_H
#define PARLEY_BENCH_LATENCY_H

#include <stdint.h>

enum {
	HIST_SUB_BITS = 7,
	HIST_SUB = 1 << HIST_SUB_BITS,
	HIST_BUCKETS = (64 - HIST_SUB_BITS + 1) * HIST_SUB,
};

struct hist {
	uint64_t counts[HIST_BUCKETS];
	uint64_t total;
	uint64_t min, max;
	double sum;
};

/* Empties the histogram. */
void hist_reset(struct hist *h);

/* Bucket index of `v` (exposed for tests). */
static inline unsigned hist_bucket(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= HIST_SUB_BITS */
	unsigned shift = e - HIST_SUB_BITS;
	return (shift + 1u) * HIST_SUB + (unsigned)((v >> shift) & (HIST_SUB - 1));
}

static inline void hist_record(struct hist *h, uint64_t v)
{
	h->counts[hist_bucket(v)]++;
	h->total++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Smallest and largest value that fall in bucket `i`. */
void hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi);

/* The value at quantile `q` (0..1): the midpoint of the bucket holding the
 * ceil(q*total)-th smallest value, clamped to [min, max]. 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

/* Mean of recorded values; 0 when empty. */
double hist_mean(const struct hist *h);

#endif
