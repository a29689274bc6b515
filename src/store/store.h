/* store: the seam between the hub and durable storage — room lines,
 * private lines and accounts — behind one small table of operations, so
 * the hub never knows whether history lives in memory, in SQLite or (later)
 * in a shared server. Protocol-neutral: no wire text, no sockets; message
 * ids and times come from the hub.
 *
 * Threading contract: every operation is called on the loop's thread and
 * returns without waiting on disk or on a password hash. Appends are queued
 * (O(1)); reads are bounded by the query's limit and see every line
 * appended so far, committed or not. Account operations that hash run
 * elsewhere and report through a callback, which runs on the loop's thread
 * from `on_wake` once `wake_fd` is readable (memory: from `on_wake` as
 * well, so callers see one behaviour). */
#ifndef PARLEY_STORE_STORE_H
#define PARLEY_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	STORE_PASSWORD_MAX = 256, /* bytes of password accepted */
	STORE_HISTORY_MAX = 500,  /* most lines one history request returns */
	STORE_REPLAY_MAX = 2000,  /* most lines replayed on join from a store */
};

/* One stored line. For private lines `room` is the recipient's name. Strings
 * are not NUL-terminated; lengths rule. */
struct store_line {
	uint64_t id, time_ms;
	const char *room;
	size_t room_len;
	const char *from;
	size_t from_len;
	const char *origin;
	size_t origin_len;
	const char *text;
	size_t text_len;
};

/* Where a history query is anchored. A reference is a message id, or a time
 * in ms since the Unix epoch when `by_time` is set. */
struct store_ref {
	bool by_time;
	uint64_t value;
};

enum store_anchor {
	STORE_LATEST,  /* the newest `limit` lines (after `a` if a.value != 0) */
	STORE_BEFORE,  /* the newest `limit` lines older than `a` */
	STORE_AFTER,   /* the oldest `limit` lines newer than `a` */
	STORE_AROUND,  /* `limit` lines around `a`: half before it, the rest from it on */
	STORE_BETWEEN, /* lines strictly between `a` and `b`, `limit` of them
			* nearest to `a` (either order) */
};

struct store_query {
	enum store_anchor anchor;
	struct store_ref a, b;
	size_t limit; /* 1..STORE_HISTORY_MAX */
};

/* Receives query results, oldest first. */
typedef void store_line_fn(void *ctx, const struct store_line *line);

/* Result of an account operation. DENIED is both "no such account" and
 * "wrong password": callers must not tell them apart. */
enum store_account_result {
	STORE_ACCOUNT_OK,
	STORE_ACCOUNT_DENIED,
	STORE_ACCOUNT_EXISTS, /* create: the name is already registered */
	STORE_ACCOUNT_ERROR,  /* storage failed (logged by the store) */
};

enum store_account_op {
	STORE_ACCOUNT_VERIFY, /* name + password */
	STORE_ACCOUNT_CREATE, /* name + password (hashes it) */
	STORE_ACCOUNT_CHANGE, /* name + old password + new password */
};

typedef void store_account_fn(void *ctx, enum store_account_result result);

struct store_account_request {
	enum store_account_op op;
	const char *name;
	size_t name_len;
	const char *password;
	size_t password_len;
	const char *new_password; /* CHANGE only */
	size_t new_password_len;
	store_account_fn *done;
	void *ctx;
};

/* Counters for STATS and tests. */
struct store_stats {
	uint64_t appended;  /* lines queued */
	uint64_t committed; /* lines known durable */
	uint64_t dropped;   /* lines given up on after storage errors */
	uint64_t errors;    /* failed batches (each logged) */
	uint64_t pending;   /* lines queued and not yet committed */
	uint64_t largest_batch; /* most lines in one transaction (SQLite; else 0) */
};

struct store_ops {
	/* Queues a room line; O(1), never blocks. */
	void (*append_room)(void *impl, const struct store_line *line);
	/* Queues a private line from `line->from` to `line->room`. */
	void (*append_private)(void *impl, const struct store_line *line);
	/* Room lines matching `q`, oldest first, to `fn`. Returns how many,
	 * or -1 if the room has no line at all (a room never seen). */
	int (*read_room)(void *impl, const char *room, size_t len, const struct store_query *q,
			 store_line_fn *fn, void *ctx);
	/* Private lines between `a` and `b` (both directions), as read_room. */
	int (*read_private)(void *impl, const char *a, size_t alen, const char *b, size_t blen,
			    const struct store_query *q, store_line_fn *fn, void *ctx);
	/* The highest message id ever stored or reserved (0 if none), so
	 * ids keep increasing across restarts. */
	uint64_t (*last_id)(void *impl);
	/* Ids up to `upto` may be handed out, kept as lines or not (a guest's
	 * private line is not): last_id() after a restart is at least `upto`
	 * once this is written. Queued, never blocks. Optional (NULL). */
	void (*reserve_ids)(void *impl, uint64_t upto);
	/* True if `name` (ignoring ASCII case) is a registered account. */
	bool (*account_exists)(void *impl, const char *name, size_t len);
	/* Starts an account operation; the result arrives through req->done
	 * (never from inside this call). Returns a non-zero ticket. */
	uint64_t (*account_submit)(void *impl, const struct store_account_request *req);
	/* The result of `ticket` will not be delivered (its caller went). */
	void (*account_cancel)(void *impl, uint64_t ticket);
	/* A descriptor that becomes readable when results are ready, or -1. */
	int (*wake_fd)(void *impl);
	/* Runs ready completions on the loop's thread. */
	void (*on_wake)(void *impl);
	/* Waits until every queued line is committed (clean shutdown). */
	void (*flush)(void *impl);
	void (*stats)(void *impl, struct store_stats *out);
	void (*destroy)(void *impl);
};

struct store {
	const struct store_ops *ops;
	void *impl;
};

/* The window [*lo, *hi) of `n` items sorted by ascending key that `q`
 * selects; `key(ctx, i, by_time)` is item i's id or time. Shared by the
 * in-memory implementations so they agree on query semantics. */
void store_window(const struct store_query *q, size_t n,
		  uint64_t (*key)(const void *ctx, size_t i, bool by_time), const void *ctx,
		  size_t *lo, size_t *hi);

/* Parses a reference the way both protocols write one: a 16-digit message
 * id, "msgid=<id>" or "timestamp=<ISO-8601 UTC>" (YYYY-MM-DDThh:mm:ss[.mmm]Z).
 * False on anything else. */
bool store_ref_parse(const char *text, size_t len, struct store_ref *out);

/* Formats `time_ms` the way the log does: "2026-11-21T09:30:00.123Z"
 * (24 bytes, no NUL written). */
enum { STORE_TIME_LEN = 24 };
void store_time_format(uint64_t time_ms, char out[STORE_TIME_LEN]);

#endif
