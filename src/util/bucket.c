/* bucket: token-bucket arithmetic in thousandths of a token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/bucket.h"

enum { MILLI = 1000, RATE_MAX = 100000000 };

static bool parse_u32(const char *s, const char *end, uint32_t *out)
{
	if (s == end)
		return false;
	uint64_t v = 0;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > RATE_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

bool rate_parse(const char *text, struct rate *out)
{
	if (strcmp(text, "off") == 0) {
		out->per_s = out->burst = 0;
		return true;
	}
	const char *colon = strchr(text, ':');
	if (!colon)
		return false;
	struct rate r;
	if (!parse_u32(text, colon, &r.per_s) ||
	    !parse_u32(colon + 1, colon + 1 + strlen(colon + 1), &r.burst))
		return false;
	if (r.per_s == 0 || r.burst == 0)
		return false;
	*out = r;
	return true;
}

void bucket_init(struct bucket *b, const struct rate *r, uint64_t now_ms)
{
	b->milli = (int64_t)r->burst * MILLI;
	b->stamp_ms = now_ms;
}

void bucket_refill(struct bucket *b, const struct rate *r, uint64_t now_ms)
{
	if (now_ms <= b->stamp_ms)
		return;
	int64_t cap = (int64_t)r->burst * MILLI;
	uint64_t elapsed = now_ms - b->stamp_ms;
	b->stamp_ms = now_ms;
	/* per_s tokens a second is per_s thousandths a millisecond; a long
	 * idle spell is clipped so the product cannot overflow. */
	if (elapsed > INT32_MAX)
		elapsed = INT32_MAX;
	b->milli += (int64_t)(elapsed * r->per_s);
	if (b->milli > cap)
		b->milli = cap;
}

uint64_t bucket_tokens(const struct bucket *b)
{
	return b->milli <= 0 ? 0 : (uint64_t)b->milli / MILLI;
}

void bucket_charge(struct bucket *b, uint64_t n)
{
	b->milli -= (int64_t)n * MILLI;
}

uint64_t bucket_wait_ms(const struct bucket *b, const struct rate *r)
{
	if (b->milli >= MILLI || r->per_s == 0)
		return 0;
	uint64_t short_by = (uint64_t)(MILLI - b->milli);
	return (short_by + r->per_s - 1) / r->per_s;
}

bool bucket_full(const struct bucket *b, const struct rate *r)
{
	return b->milli >= (int64_t)r->burst * MILLI;
}
