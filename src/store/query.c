/* query: the pure parts of the store contract — which window of a sorted
 * history a query selects, how a reference (message id or timestamp) is
 * written, and the time format history replies use. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "store/store_private.h"
#include "util/str.h"

/* First index whose key is >= v (or > v when `strict`). */
static size_t lower_bound(size_t n, uint64_t (*key)(const void *, size_t, bool),
			  const void *ctx, const struct store_ref *r, bool strict)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k = key(ctx, mid, r->by_time);
		if (strict ? k <= r->value : k < r->value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void newest(size_t from, size_t to, size_t limit, size_t *lo, size_t *hi)
{
	*hi = to;
	*lo = to - from > limit ? to - limit : from;
}

static void oldest(size_t from, size_t to, size_t limit, size_t *lo, size_t *hi)
{
	*lo = from;
	*hi = to - from > limit ? from + limit : to;
}

void store_window(const struct store_query *q, size_t n,
		  uint64_t (*key)(const void *ctx, size_t i, bool by_time), const void *ctx,
		  size_t *lo, size_t *hi)
{
	size_t limit = q->limit;
	size_t at = lower_bound(n, key, ctx, &q->a, false);     /* first >= a */
	size_t after = lower_bound(n, key, ctx, &q->a, true);   /* first > a */
	switch (q->anchor) {
	case STORE_LATEST:
		newest(q->a.value ? after : 0, n, limit, lo, hi);
		return;
	case STORE_BEFORE:
		newest(0, at, limit, lo, hi);
		return;
	case STORE_AFTER:
		oldest(after, n, limit, lo, hi);
		return;
	case STORE_AROUND: {
		size_t half = limit / 2;
		*lo = at > half ? at - half : 0;
		*hi = n - *lo > limit ? *lo + limit : n;
		return;
	}
	case STORE_BETWEEN: {
		size_t b_at = lower_bound(n, key, ctx, &q->b, false);
		size_t b_after = lower_bound(n, key, ctx, &q->b, true);
		if (q->a.value <= q->b.value)
			oldest(after, b_at > after ? b_at : after, limit, lo, hi);
		else
			newest(b_after < at ? b_after : at, at, limit, lo, hi);
		return;
	}
	}
	*lo = *hi = 0;
}

static bool all_digits(const char *s, size_t len, bool hex)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f');
		if (!ok)
			return false;
	}
	return len > 0;
}

static unsigned number(const char *s, size_t len)
{
	unsigned v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static bool parse_msgid(const char *s, size_t len, struct store_ref *out)
{
	if (len != 16 || !all_digits(s, len, true))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++)
		v = v * 16 + (uint64_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	if (v == 0)
		return false;
	*out = (struct store_ref){.by_time = false, .value = v};
	return true;
}

/* YYYY-MM-DDThh:mm:ss[.mmm]Z */
static bool parse_time(const char *s, size_t len, struct store_ref *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	if (len != 20 && len != 24)
		return false;
	for (size_t i = 0; i < 19; i++) {
		if (shape[i] == 'd' ? !all_digits(s + i, 1, false) : s[i] != shape[i])
			return false;
	}
	unsigned ms = 0;
	if (len == 24) {
		if (s[19] != '.' || !all_digits(s + 20, 3, false))
			return false;
		ms = number(s + 20, 3);
	}
	if (s[len - 1] != 'Z')
		return false;
	struct tm tm = {
		.tm_year = (int)number(s, 4) - 1900,
		.tm_mon = (int)number(s + 5, 2) - 1,
		.tm_mday = (int)number(s + 8, 2),
		.tm_hour = (int)number(s + 11, 2),
		.tm_min = (int)number(s + 14, 2),
		.tm_sec = (int)number(s + 17, 2),
	};
	if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	time_t t = timegm(&tm);
	if (t < 0)
		return false;
	*out = (struct store_ref){.by_time = true, .value = (uint64_t)t * 1000 + ms};
	return true;
}

bool store_ref_parse(const char *text, size_t len, struct store_ref *out)
{
	if (len > 6 && memcmp(text, "msgid=", 6) == 0)
		return parse_msgid(text + 6, len - 6, out);
	if (len > 10 && memcmp(text, "timestamp=", 10) == 0)
		return parse_time(text + 10, len - 10, out);
	return parse_msgid(text, len, out);
}

void store_time_format(uint64_t time_ms, char out[STORE_TIME_LEN])
{
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(time_ms % 1000));
	memcpy(out, tmp, STORE_TIME_LEN);
}

/* "a b" with both names lower-cased, the smaller first. */
size_t store_pair_key(const char *a, size_t alen, const char *b, size_t blen,
		      char out[STORE_PAIR_KEY_MAX])
{
	char la[32] = {0}, lb[32] = {0};
	alen = alen < 32 ? alen : 32;
	blen = blen < 32 ? blen : 32;
	for (size_t i = 0; i < alen; i++)
		la[i] = (char)ascii_lower((unsigned char)a[i]);
	for (size_t i = 0; i < blen; i++)
		lb[i] = (char)ascii_lower((unsigned char)b[i]);
	size_t min = alen < blen ? alen : blen;
	int c = memcmp(la, lb, min);
	bool a_first = c < 0 || (c == 0 && alen <= blen);
	const char *x = a_first ? la : lb, *y = a_first ? lb : la;
	size_t xl = a_first ? alen : blen, yl = a_first ? blen : alen;
	memcpy(out, x, xl);
	out[xl] = ' ';
	memcpy(out + xl + 1, y, yl);
	return xl + 1 + yl;
}

