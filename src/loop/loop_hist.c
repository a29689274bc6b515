/* loop_hist: log-linear duration histogram; see loop_hist.h for the layout. */
#include "loop/loop_hist.h"

void loop_hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	if (i < LOOP_HIST_SUB) {
		*lo = *hi = i;
		return;
	}
	unsigned shift = i / LOOP_HIST_SUB - 1u;
	uint64_t sub = i % LOOP_HIST_SUB;
	*lo = (LOOP_HIST_SUB + sub) << shift;
	*hi = *lo + ((uint64_t)1 << shift) - 1u;
}

uint64_t loop_hist_quantile(const struct loop_hist *h, double q)
{
	if (h->total == 0)
		return 0;
	/* rank = ceil(q * total), clamped to 1..total, without libm */
	double want = q * (double)h->total;
	uint64_t rank = want >= (double)h->total ? h->total : want <= 0 ? 0 : (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < LOOP_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen < rank)
			continue;
		uint64_t lo, hi;
		loop_hist_bucket_range(i, &lo, &hi);
		uint64_t mid = lo + (hi - lo) / 2u;
		return mid > h->max_ns ? h->max_ns : mid;
	}
	return h->max_ns;
}

uint64_t loop_hist_count_le(const struct loop_hist *h, uint64_t ns)
{
	unsigned last = loop_hist_bucket(ns);
	uint64_t lo, hi;
	loop_hist_bucket_range(last, &lo, &hi);
	if (hi != ns) {
		if (last == 0)
			return 0;
		last--; /* `ns` splits its bucket: leave that bucket out */
	}
	uint64_t n = 0;
	for (unsigned i = 0; i <= last; i++)
		n += h->counts[i];
	return n;
}
