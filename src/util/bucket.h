/* bucket: a token bucket, the rate limiter behind fake lag and the
 * per-address connection throttle. Pure arithmetic on a clock the caller
 * passes in (milliseconds), so it is tested without waiting. Tokens are
 * kept in thousandths so that rates below one per millisecond refill
 * smoothly; a charge may drive the level below zero (a debt that refilling
 * repays before anything else is allowed). */
#ifndef PARLEY_UTIL_BUCKET_H
#define PARLEY_UTIL_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

/* A rate: `per_s` tokens a second, at most `burst` saved up. per_s == 0
 * means unlimited (the bucket never runs dry). */
struct rate {
	uint32_t per_s;
	uint32_t burst;
};

struct bucket {
	int64_t milli;     /* tokens x 1000; may be negative after a charge */
	uint64_t stamp_ms; /* when `milli` was last brought up to date */
};

/* True when `r` limits anything. */
static inline bool rate_on(const struct rate *r) { return r->per_s != 0; }

/* Parses "PER_S:BURST" (BURST >= 1, PER_S >= 1) or "off" (both 0). False if
 * malformed or out of range. */
bool rate_parse(const char *text, struct rate *out);

/* A full bucket at `now_ms`. */
void bucket_init(struct bucket *b, const struct rate *r, uint64_t now_ms);

/* Adds what accrued since the last refill, capped at the burst. */
void bucket_refill(struct bucket *b, const struct rate *r, uint64_t now_ms);

/* Whole tokens available now (0 when empty or in debt). */
uint64_t bucket_tokens(const struct bucket *b);

/* Takes `n` tokens; the level may go below zero. */
void bucket_charge(struct bucket *b, uint64_t n);

/* Milliseconds until at least one whole token is available (0: now). */
uint64_t bucket_wait_ms(const struct bucket *b, const struct rate *r);

/* True if the bucket is full (an idle entry that may be forgotten). */
bool bucket_full(const struct bucket *b, const struct rate *r);

#endif
