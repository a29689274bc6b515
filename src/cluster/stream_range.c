/* stream_range: history queries as ranges over a room's stream, whose
 * entry ids are the lines' message ids (see stream_range.h). Each case
 * restates one branch of store_window() as id ranges; the unit test checks
 * them against store_window() itself. */
#include "cluster/stream_range.h"

#include <stdio.h>
#include <string.h>

static void add(struct stream_plan *p, bool reverse, uint64_t first, uint64_t last, size_t count,
		bool fill)
{
	if (first > last || count == 0)
		return;
	p->r[p->n++] = (struct stream_range){reverse, fill, first, last, count};
}

void stream_plan_make(const struct store_query *q, struct stream_plan *out)
{
	*out = (struct stream_plan){0};
	uint64_t a = q->a.value, b = q->b.value;
	size_t limit = q->limit;
	if (q->a.by_time || (q->anchor == STORE_BETWEEN && q->b.by_time)) {
		out->window = true;
		add(out, true, 0, UINT64_MAX, STREAM_WINDOW_MAX, false);
		return;
	}
	switch (q->anchor) {
	case STORE_LATEST:
		if (a < UINT64_MAX)
			add(out, true, a ? a + 1 : 0, UINT64_MAX, limit, false);
		return;
	case STORE_BEFORE:
		if (a > 0)
			add(out, true, 0, a - 1, limit, false);
		return;
	case STORE_AFTER:
		if (a < UINT64_MAX)
			add(out, false, a + 1, UINT64_MAX, limit, false);
		return;
	case STORE_AROUND:
		if (a > 0)
			add(out, true, 0, a - 1, limit / 2, false);
		add(out, false, a, UINT64_MAX, limit, true);
		return;
	case STORE_BETWEEN:
		if (a <= b) {
			if (a < UINT64_MAX && b > 0)
				add(out, false, a + 1, b - 1, limit, false);
		} else {
			add(out, true, b + 1, a - 1, limit, false);
		}
		return;
	}
}

void stream_bound(uint64_t id, char out[STREAM_ID_TEXT])
{
	if (id == 0)
		snprintf(out, STREAM_ID_TEXT, "-");
	else if (id == UINT64_MAX)
		snprintf(out, STREAM_ID_TEXT, "+");
	else
		snprintf(out, STREAM_ID_TEXT, "%llu", (unsigned long long)id);
}

bool stream_id_parse(const char *p, size_t len, uint64_t *id)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (i == 0 || i > 20 || len != i + 2 || p[i] != '-' || p[i + 1] != '0' || v == 0)
		return false;
	*id = v;
	return true;
}

static size_t lower_copy(char *out, const char *p, size_t len, size_t cap)
{
	if (len > cap)
		len = cap;
	for (size_t i = 0; i < len; i++)
		out[i] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] - 'A' + 'a') : p[i];
	return len;
}

size_t stream_pair_key(char out[STREAM_PAIR_KEY_MAX], const char *a, size_t alen, const char *b,
		       size_t blen)
{
	enum { NAME_CAP = (STREAM_PAIR_KEY_MAX - 12) / 2 };
	char la[NAME_CAP] = {0}, lb[NAME_CAP] = {0};
	alen = lower_copy(la, a, alen, NAME_CAP);
	blen = lower_copy(lb, b, blen, NAME_CAP);
	size_t common = alen < blen ? alen : blen;
	int cmp = memcmp(la, lb, common);
	bool a_first = cmp < 0 || (cmp == 0 && alen <= blen);
	int n = snprintf(out, STREAM_PAIR_KEY_MAX, "parley:pm:%.*s %.*s",
			 (int)(a_first ? alen : blen), a_first ? la : lb,
			 (int)(a_first ? blen : alen), a_first ? lb : la);
	return (size_t)n;
}
