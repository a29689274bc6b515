/* fuzz_stream_range: cluster/stream_range — stream_id_parse on arbitrary
 * bytes agrees with a plain model of "<decimal id>-0" (no sign, no
 * overflow, not 0), and for a stream and an id query drawn from the input
 * the planned XRANGE/XREVRANGE reads select exactly what store_window()
 * selects; a pair's stream name does not depend on which party names it. */
#include <stdio.h>
#include <string.h>

#include "cluster/stream_range.h"
#include "fuzz.h"

static bool ref_id_parse(const uint8_t *p, size_t n, uint64_t *out)
{
	if (n < 3 || n > 22 || p[n - 2] != '-' || p[n - 1] != '0')
		return false;
	char digits[24];
	size_t d = n - 2;
	for (size_t i = 0; i < d; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	memcpy(digits, p, d);
	digits[d] = '\0';
	/* Compare as text against the largest value to rule out overflow. */
	const char *max = "18446744073709551615";
	while (d > 1 && digits[0] == '0')
		memmove(digits, digits + 1, d--);
	if (d > 20 || (d == 20 && strcmp(digits, max) > 0))
		return false;
	unsigned long long v = strtoull(digits, NULL, 10);
	*out = v;
	return v != 0;
}

struct stream {
	uint64_t id[256];
	size_t n;
};

static uint64_t key_of(const void *ctx, size_t i, bool by_time)
{
	(void)by_time;
	return ((const struct stream *)ctx)->id[i];
}

static void check_plan(const uint8_t *p, size_t n)
{
	if (n < 4)
		return;
	struct store_query q = {
		.anchor = (enum store_anchor)(p[0] % 5),
		.a = {false, p[1]},
		.b = {false, p[2]},
		.limit = 1 + p[3] % 20,
	};
	struct stream s = {.n = 0};
	uint64_t id = 0;
	for (size_t i = 4; i < n && s.n < 256; i++)
		s.id[s.n++] = id += 1 + p[i] % 4;
	struct stream_plan plan;
	stream_plan_make(&q, &plan);
	FUZZ_CHECK(!plan.window && plan.n <= 2);
	size_t got[512], ngot = 0;
	for (size_t k = 0; k < plan.n; k++) {
		const struct stream_range *r = &plan.r[k];
		size_t count = r->fill ? (r->count > ngot ? r->count - ngot : 0) : r->count;
		size_t part[256], np = 0;
		for (size_t j = 0; j < s.n && np < count; j++) {
			size_t i = r->reverse ? s.n - 1 - j : j;
			if (s.id[i] >= r->first && s.id[i] <= r->last)
				part[np++] = i;
		}
		for (size_t j = 0; j < np; j++)
			got[ngot++] = part[r->reverse ? np - 1 - j : j];
	}
	size_t lo, hi;
	store_window(&q, s.n, key_of, &s, &lo, &hi);
	FUZZ_CHECK(ngot == (hi > lo ? hi - lo : 0));
	for (size_t j = 0; j < ngot; j++)
		FUZZ_CHECK(got[j] == lo + j);
}

/* The input cut in two at its first byte's value: a pair's stream name is
 * the same whichever party names it, fits, and starts with the prefix. */
static void check_pair(const uint8_t *p, size_t n)
{
	if (n < 1)
		return;
	size_t cut = 1 + p[0] % n;
	const char *a = (const char *)p + 1, *b = (const char *)p + cut;
	size_t alen = cut - 1, blen = n - cut;
	char ab[STREAM_PAIR_KEY_MAX], ba[STREAM_PAIR_KEY_MAX];
	size_t x = stream_pair_key(ab, a, alen, b, blen);
	size_t y = stream_pair_key(ba, b, blen, a, alen);
	FUZZ_CHECK(x == y && x < STREAM_PAIR_KEY_MAX && memcmp(ab, ba, x) == 0);
	FUZZ_CHECK(memcmp(ab, "parley:pm:", 10) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_pair(data, size);
	uint64_t a = 0, b = 0;
	bool ok = stream_id_parse((const char *)data, size, &a);
	FUZZ_CHECK(ok == ref_id_parse(data, size, &b));
	FUZZ_CHECK(!ok || a == b);
	check_plan(data, size);
	return 0;
}
