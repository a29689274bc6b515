/* stream_range: how a history query (store/store.h) becomes XRANGE and
 * XREVRANGE calls on a room's Redis stream. A room line's entry id in the
 * stream is "<id>-0", where <id> is the line's network message id (the
 * value of the parley:msgid counter that numbered it), so a message id and
 * a stream id are the same number and id-anchored queries are ranges with
 * COUNT. Queries by time cannot be ranges (times are inside the entries):
 * they read the newest STREAM_WINDOW_MAX entries and select the window in
 * memory, with the same rule as every other store. Pure code. */
#ifndef PARLEY_CLUSTER_STREAM_RANGE_H
#define PARLEY_CLUSTER_STREAM_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum {
	STREAM_WINDOW_MAX = 5000, /* entries read for a query by time */
	STREAM_ID_TEXT = 24,      /* "18446744073709551615-0" and a NUL */
	STREAM_PAIR_KEY_MAX = 160, /* bytes of a pair's stream name, with its NUL */
};

/* One range read: ids from `first` to `last`, both included; `reverse`
 * walks from `last` down (XREVRANGE). `count` entries at most; with
 * `fill`, minus what the ranges before it returned. */
struct stream_range {
	bool reverse, fill;
	uint64_t first, last;
	size_t count;
};

/* The reads for a query, results put in ascending id order and joined in
 * range order. `window`: read the newest STREAM_WINDOW_MAX entries (one
 * reverse range over everything) and select with store_window(). */
struct stream_plan {
	size_t n;
	struct stream_range r[2];
	bool window;
};

void stream_plan_make(const struct store_query *q, struct stream_plan *out);

/* The text of a range bound: "-" for 0 as a start, "+" for UINT64_MAX as
 * an end, else the decimal id. */
void stream_bound(uint64_t id, char out[STREAM_ID_TEXT]);

/* The message id of a stream entry id "<id>-0". False for any other form
 * (an entry this scheme did not write). */
bool stream_id_parse(const char *p, size_t len, uint64_t *id);

/* The stream of the private lines between users `a` and `b`:
 * "parley:pm:" then both names lower-cased (ASCII), the smaller first,
 * joined by a space (which no name holds), so both parties name one
 * stream. Names longer than fit are cut (names are at most 32 bytes).
 * Returns the length written before the NUL. */
size_t stream_pair_key(char out[STREAM_PAIR_KEY_MAX], const char *a, size_t alen, const char *b,
		       size_t blen);

#endif
