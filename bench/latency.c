/* latency: log-linear histogram; see latency.h for the bucket layout. */
#include "latency.h"

#include <string.h>

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void hist_bucket_range(unsigned i, uint64_t *lo, uint64_t *hi)
{
	if (i < HIST_SUB) {
		*lo = *hi = i;
		return;
	}
	unsigned shift = i / HIST_SUB - 1u;
	uint64_t sub = i % HIST_SUB;
	*lo = (HIST_SUB + sub) << shift;
	*hi = *lo + ((uint64_t)1 << shift) - 1u;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (h->total == 0)
		return 0;
	if (q <= 0)
		return h->min;
	/* rank = ceil(q * total) without libm (unit tests link without -lm) */
	double want = q * (double)h->total;
	uint64_t rank = want >= (double)h->total ? h->total : (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen < rank)
			continue;
		uint64_t lo, hi;
		hist_bucket_range(i, &lo, &hi);
		uint64_t mid = lo + (hi - lo) / 2u;
		return mid < h->min ? h->min : mid > h->max ? h->max : mid;
	}
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->total ? h->sum / (double)h->total : 0.0;
}
