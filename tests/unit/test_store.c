/* test_store: the store seam (store/store.h), one suite run over both
 * implementations — memory and SQLite — so they agree: appends visible at
 * once, every query anchor (LATEST, BEFORE, AFTER, AROUND, BETWEEN; by id
 * and by time), backward paging returning each line once in order, unknown
 * rooms, case-insensitive room names, private lines found from either
 * side, last_id, and accounts (create, verify, wrong password and unknown
 * account alike, duplicate, change, cancel). SQLite alone: lines and
 * accounts survive a reopen and ids continue, a backlog committed in
 * bounded transactions, retention by count, a newer
 * schema refused, a corrupt file reported as unreadable, a read-only file
 * still read. Also the pure helpers: store_window, store_ref_parse,
 * store_time_format. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "store/store_private.h"
#include "util/log.h"

struct fixture {
	struct store *st;
	char dir[64];
	bool sqlite;
	struct log log;
};

static int remove_dir(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct store *open_sqlite(struct fixture *f, size_t keep)
{
	struct store_sqlite_config cfg = {.dir = f->dir, .keep_lines = keep, .log = &f->log};
	bool unreadable;
	char err[256];
	struct store *st = store_sqlite_create(&cfg, &unreadable, err, sizeof(err));
	if (!st)
		fprintf(stderr, "open: %s\n", err);
	return st;
}

static int setup_memory(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->st = store_memory_create(0);
	*state = f;
	return 0;
}

static int setup_sqlite(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/parley-test-store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->sqlite = true;
	f->log = (struct log){.level = LOG_ERROR, .fd = 2};
	f->st = open_sqlite(f, 0);
	*state = f;
	return f->st ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->st)
		f->st->ops->destroy(f->st->impl);
	if (f->sqlite)
		remove_dir(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static void append(struct store *st, const char *room, uint64_t id, uint64_t time_ms,
		   const char *from, const char *text)
{
	struct store_line l = {
		.id = id, .time_ms = time_ms,
		.room = room, .room_len = strlen(room),
		.from = from, .from_len = strlen(from),
		.origin = "u@h", .origin_len = 3,
		.text = text, .text_len = strlen(text),
	};
	st->ops->append_room(st->impl, &l);
}

struct got {
	uint64_t ids[STORE_HISTORY_MAX];
	size_t n;
	char last_text[64], last_from[64], last_room[64];
};

static void got_line(void *ctx, const struct store_line *l)
{
	struct got *g = ctx;
	g->ids[g->n++] = l->id;
	snprintf(g->last_text, sizeof(g->last_text), "%.*s", (int)l->text_len, l->text);
	snprintf(g->last_from, sizeof(g->last_from), "%.*s", (int)l->from_len, l->from);
	snprintf(g->last_room, sizeof(g->last_room), "%.*s", (int)l->room_len, l->room);
}

static int query(struct store *st, const char *room, enum store_anchor anchor, bool by_time,
		 uint64_t a, uint64_t b, size_t limit, struct got *g)
{
	memset(g, 0, sizeof(*g));
	struct store_query q = {anchor, {by_time, a}, {by_time, b}, limit};
	return st->ops->read_room(st->impl, room, strlen(room), &q, got_line, g);
}

/* Ten lines 1..10 at times 1000, 2000, ... */
static void ten_lines(struct store *st)
{
	for (uint64_t i = 1; i <= 10; i++) {
		char text[16];
		snprintf(text, sizeof(text), "line %llu", (unsigned long long)i);
		append(st, "#r", i, i * 1000, "alice", text);
	}
}

static void assert_ids(const struct got *g, size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	assert_int_equal(g->n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g->ids[i], va_arg(ap, int));
	va_end(ap);
}

/* Waits for the store's completions (account results). */
static void settle(struct store *st, bool *flag)
{
	for (int i = 0; i < 200 && !*flag; i++) {
		struct pollfd p = {st->ops->wake_fd(st->impl), POLLIN, 0};
		poll(&p, 1, 50);
		st->ops->on_wake(st->impl);
	}
	assert_true(*flag);
}

struct account_result {
	bool done;
	enum store_account_result r;
};

static void account_done(void *ctx, enum store_account_result r)
{
	struct account_result *a = ctx;
	a->done = true;
	a->r = r;
}

static enum store_account_result account(struct store *st, enum store_account_op op,
					 const char *name, const char *pw, const char *new_pw)
{
	struct account_result res = {0};
	struct store_account_request req = {
		.op = op, .name = name, .name_len = strlen(name),
		.password = pw, .password_len = strlen(pw),
		.new_password = new_pw, .new_password_len = new_pw ? strlen(new_pw) : 0,
		.done = account_done, .ctx = &res,
	};
	assert_true(st->ops->account_submit(st->impl, &req) != 0);
	assert_false(res.done); /* never from inside the call */
	settle(st, &res.done);
	return res.r;
}

/* ---- the shared suite ---- */

static void test_latest_oldest_first(void **state)
{
	struct fixture *f = *state;
	struct got g;
	ten_lines(f->st);
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 3, &g), 3);
	assert_ids(&g, 3, 8, 9, 10);
	assert_string_equal(g.last_text, "line 10");
	assert_string_equal(g.last_from, "alice");
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 50, &g), 10);
	assert_int_equal(g.ids[0], 1);
}

static void test_room_names_ignore_case(void **state)
{
	struct fixture *f = *state;
	struct got g;
	ten_lines(f->st);
	assert_int_equal(query(f->st, "#R", STORE_LATEST, false, 0, 0, 2, &g), 2);
	assert_ids(&g, 2, 9, 10);
}

static void test_unknown_room(void **state)
{
	struct fixture *f = *state;
	struct got g;
	ten_lines(f->st);
	assert_int_equal(query(f->st, "#other", STORE_LATEST, false, 0, 0, 5, &g), -1);
	assert_int_equal(g.n, 0);
	/* A known room with nothing in the window is 0, not -1. */
	assert_int_equal(query(f->st, "#r", STORE_BEFORE, false, 1, 0, 5, &g), 0);
}

static void test_before_after_around_between(void **state)
{
	struct fixture *f = *state;
	struct got g;
	ten_lines(f->st);
	query(f->st, "#r", STORE_BEFORE, false, 5, 0, 3, &g);
	assert_ids(&g, 3, 2, 3, 4);
	query(f->st, "#r", STORE_AFTER, false, 5, 0, 3, &g);
	assert_ids(&g, 3, 6, 7, 8);
	query(f->st, "#r", STORE_AROUND, false, 5, 0, 4, &g);
	assert_ids(&g, 4, 3, 4, 5, 6);
	query(f->st, "#r", STORE_BETWEEN, false, 2, 9, 3, &g);
	assert_ids(&g, 3, 3, 4, 5);
	query(f->st, "#r", STORE_BETWEEN, false, 9, 2, 3, &g);
	assert_ids(&g, 3, 6, 7, 8);
	query(f->st, "#r", STORE_LATEST, false, 8, 0, 5, &g); /* newer than 8 */
	assert_ids(&g, 2, 9, 10);
}

static void test_by_time(void **state)
{
	struct fixture *f = *state;
	struct got g;
	ten_lines(f->st);
	query(f->st, "#r", STORE_BEFORE, true, 4000, 0, 2, &g);
	assert_ids(&g, 2, 2, 3);
	query(f->st, "#r", STORE_AFTER, true, 8500, 0, 5, &g);
	assert_ids(&g, 2, 9, 10);
	query(f->st, "#r", STORE_BETWEEN, true, 1500, 4500, 10, &g);
	assert_ids(&g, 3, 2, 3, 4);
}

/* Paging backwards from the newest returns every line exactly once. */
static void test_paging_backwards_every_line_once(void **state)
{
	struct fixture *f = *state;
	for (uint64_t i = 1; i <= 237; i++)
		append(f->st, "#p", i * 3, i, "bob", "x"); /* ids with gaps */
	append(f->st, "#other", 1000, 1, "bob", "elsewhere");
	uint64_t seen[300];
	size_t nseen = 0;
	struct got g;
	query(f->st, "#p", STORE_LATEST, false, 0, 0, 50, &g);
	while (g.n > 0) {
		for (size_t i = g.n; i-- > 0;)
			seen[nseen++] = g.ids[i];
		uint64_t oldest = g.ids[0];
		for (size_t i = 1; i < g.n; i++)
			assert_true(g.ids[i] > g.ids[i - 1]);
		query(f->st, "#p", STORE_BEFORE, false, oldest, 0, 50, &g);
	}
	assert_int_equal(nseen, 237);
	for (size_t i = 0; i < nseen; i++)
		assert_int_equal(seen[i], (237 - i) * 3);
}

static void test_private_lines_both_ways(void **state)
{
	struct fixture *f = *state;
	struct store_line l = {
		.id = 5, .time_ms = 1,
		.room = "Bob", .room_len = 3,
		.from = "alice", .from_len = 5,
		.origin = "", .origin_len = 0,
		.text = "psst", .text_len = 4,
	};
	f->st->ops->append_private(f->st->impl, &l);
	struct got g = {0};
	struct store_query q = {.anchor = STORE_LATEST, .limit = 10};
	assert_int_equal(f->st->ops->read_private(f->st->impl, "bob", 3, "ALICE", 5, &q, got_line,
						  &g), 1);
	assert_string_equal(g.last_text, "psst");
	assert_string_equal(g.last_from, "alice");
	assert_string_equal(g.last_room, "Bob");
	memset(&g, 0, sizeof(g));
	assert_int_equal(f->st->ops->read_private(f->st->impl, "alice", 5, "carol", 5, &q,
						  got_line, &g), -1);
	/* Private lines are not a room's. */
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 5, &g), -1);
}

static void test_last_id(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(f->st->ops->last_id(f->st->impl), 0);
	ten_lines(f->st);
	assert_int_equal(f->st->ops->last_id(f->st->impl), 10);
}

static void test_accounts(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	assert_false(st->ops->account_exists(st->impl, "alice", 5));
	assert_int_equal(account(st, STORE_ACCOUNT_CREATE, "alice", "password1", NULL),
			 STORE_ACCOUNT_OK);
	assert_true(st->ops->account_exists(st->impl, "ALICE", 5));
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "alice", "password1", NULL),
			 STORE_ACCOUNT_OK);
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "Alice", "password1", NULL),
			 STORE_ACCOUNT_OK);
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "alice", "password2", NULL),
			 STORE_ACCOUNT_DENIED);
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "nobody", "password1", NULL),
			 STORE_ACCOUNT_DENIED);
	assert_int_equal(account(st, STORE_ACCOUNT_CREATE, "alice", "other-pass", NULL),
			 STORE_ACCOUNT_EXISTS);
	assert_int_equal(account(st, STORE_ACCOUNT_CHANGE, "alice", "wrong", "newpass1"),
			 STORE_ACCOUNT_DENIED);
	assert_int_equal(account(st, STORE_ACCOUNT_CHANGE, "alice", "password1", "newpass1"),
			 STORE_ACCOUNT_OK);
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "alice", "password1", NULL),
			 STORE_ACCOUNT_DENIED);
	assert_int_equal(account(st, STORE_ACCOUNT_VERIFY, "alice", "newpass1", NULL),
			 STORE_ACCOUNT_OK);
}

static void test_account_cancel(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct account_result cancelled = {0}, after = {0};
	struct store_account_request req = {
		.op = STORE_ACCOUNT_VERIFY, .name = "x", .name_len = 1,
		.password = "p", .password_len = 1, .done = account_done, .ctx = &cancelled,
	};
	uint64_t t = st->ops->account_submit(st->impl, &req);
	st->ops->account_cancel(st->impl, t);
	req.ctx = &after;
	st->ops->account_submit(st->impl, &req);
	settle(st, &after.done); /* completions run in order: the first is past */
	assert_false(cancelled.done);
}

/* ---- SQLite alone ---- */

static void test_sqlite_survives_reopen(void **state)
{
	struct fixture *f = *state;
	ten_lines(f->st);
	assert_int_equal(account(f->st, STORE_ACCOUNT_CREATE, "bob", "password1", NULL),
			 STORE_ACCOUNT_OK);
	f->st->ops->destroy(f->st->impl); /* a clean close commits everything */
	f->st = open_sqlite(f, 0);
	assert_non_null(f->st);
	assert_int_equal(f->st->ops->last_id(f->st->impl), 10);
	struct got g;
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 50, &g), 10);
	assert_true(f->st->ops->account_exists(f->st->impl, "BOB", 3));
	assert_int_equal(account(f->st, STORE_ACCOUNT_VERIFY, "bob", "password1", NULL),
			 STORE_ACCOUNT_OK);
}

/* Ids handed out but never kept as lines (a guest's private line) must
 * not recur after a restart: the reservation outlives the process. */
static void test_sqlite_reserved_ids_survive_reopen(void **state)
{
	struct fixture *f = *state;
	ten_lines(f->st);
	f->st->ops->reserve_ids(f->st->impl, 70000);
	f->st->ops->destroy(f->st->impl); /* a clean close writes it */
	f->st = open_sqlite(f, 0);
	assert_non_null(f->st);
	assert_int_equal(f->st->ops->last_id(f->st->impl), 70000);
	struct got g;
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 50, &g), 10);
}

/* A backlog is committed in transactions of at most 8192 lines (an
 * unbounded one outgrew SQLite's page cache under a flood and stalled).
 * Another connection holds the write lock while 20,000 lines are queued,
 * so the writer meets them as one backlog: without the cap it would take
 * them in at most two transactions, one of 10,000 lines or more. */
static void test_sqlite_backlog_in_bounded_batches(void **state)
{
	struct fixture *f = *state;
	enum { LINES = 20000 };
	char path[128];
	snprintf(path, sizeof(path), "%s/parley.db", f->dir);
	sqlite3 *blocker;
	assert_int_equal(sqlite3_open(path, &blocker), SQLITE_OK);
	assert_int_equal(sqlite3_exec(blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (uint64_t i = 1; i <= LINES; i++)
		append(f->st, i % 2 ? "#odd" : "#even", i, i, "alice", "backlog");
	assert_int_equal(sqlite3_exec(blocker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	f->st->ops->flush(f->st->impl);
	struct store_stats st;
	f->st->ops->stats(f->st->impl, &st);
	assert_int_equal(st.committed, LINES);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.dropped, 0);
	assert_true(st.largest_batch >= 1 && st.largest_batch <= 8192);
	/* every line once, none lost at a batch boundary */
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(blocker, "SELECT count(*), count(DISTINCT id), "
					    "min(id), max(id) FROM line", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), LINES);
	assert_int_equal(sqlite3_column_int64(q, 1), LINES);
	assert_int_equal(sqlite3_column_int64(q, 2), 1);
	assert_int_equal(sqlite3_column_int64(q, 3), LINES);
	sqlite3_finalize(q);
	sqlite3_close(blocker);
	struct got g;
	assert_int_equal(query(f->st, "#even", STORE_LATEST, false, 0, 0, 3, &g), 3);
	assert_ids(&g, 3, 19996, 19998, 20000);
}

static void test_sqlite_retention_by_count(void **state)
{
	struct fixture *f = *state;
	f->st->ops->destroy(f->st->impl);
	f->st = open_sqlite(f, 4);
	ten_lines(f->st);
	f->st->ops->flush(f->st->impl);
	f->st->ops->destroy(f->st->impl);
	f->st = open_sqlite(f, 4);
	struct got g;
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 50, &g), 4);
	assert_ids(&g, 4, 7, 8, 9, 10);
}

static void set_user_version(const char *dir, int v)
{
	char path[128], sql[64];
	snprintf(path, sizeof(path), "%s/parley.db", dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_sqlite_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	f->st->ops->destroy(f->st->impl);
	f->st = NULL;
	set_user_version(f->dir, 99);
	struct store_sqlite_config cfg = {.dir = f->dir, .log = &f->log};
	bool unreadable = true;
	char err[256];
	assert_null(store_sqlite_create(&cfg, &unreadable, err, sizeof(err)));
	assert_false(unreadable);
	assert_non_null(strstr(err, "newer"));
}

static void test_sqlite_corrupt_is_unreadable(void **state)
{
	struct fixture *f = *state;
	f->st->ops->destroy(f->st->impl);
	f->st = NULL;
	char path[128];
	snprintf(path, sizeof(path), "%s/parley.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/parley.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/parley.db-shm", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/parley.db", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 512; i++)
		fputs("this is not a database ", fp);
	fclose(fp);
	struct store_sqlite_config cfg = {.dir = f->dir, .log = &f->log};
	bool unreadable = false;
	char err[256];
	assert_null(store_sqlite_create(&cfg, &unreadable, err, sizeof(err)));
	assert_true(unreadable);
}

static void test_sqlite_readonly_still_reads(void **state)
{
	struct fixture *f = *state;
	if (geteuid() == 0)
		skip(); /* root writes through file modes */
	ten_lines(f->st);
	f->st->ops->destroy(f->st->impl);
	char path[128];
	snprintf(path, sizeof(path), "%s/parley.db", f->dir);
	chmod(path, 0400);
	f->st = open_sqlite(f, 0);
	assert_non_null(f->st);
	append(f->st, "#r", 11, 11000, "alice", "not saved");
	f->st->ops->flush(f->st->impl);
	struct store_stats stats;
	f->st->ops->stats(f->st->impl, &stats);
	assert_int_equal(stats.dropped, 1);
	struct got g;
	assert_int_equal(query(f->st, "#r", STORE_LATEST, false, 0, 0, 50, &g), 10);
	chmod(path, 0600);
}

/* ---- pure helpers ---- */

static uint64_t array_key(const void *ctx, size_t i, bool by_time)
{
	(void)by_time;
	return ((const uint64_t *)ctx)[i];
}

static void test_window_edges(void **state)
{
	(void)state;
	static const uint64_t keys[] = {10, 20, 30, 40};
	size_t lo, hi;
	struct store_query q = {STORE_BEFORE, {false, 10}, {false, 0}, 5};
	store_window(&q, 4, array_key, keys, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	q = (struct store_query){STORE_AFTER, {false, 40}, {false, 0}, 5};
	store_window(&q, 4, array_key, keys, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	q = (struct store_query){STORE_AROUND, {false, 10}, {false, 0}, 3};
	store_window(&q, 4, array_key, keys, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 3);
	q = (struct store_query){STORE_BETWEEN, {false, 20}, {false, 20}, 3};
	store_window(&q, 4, array_key, keys, &lo, &hi);
	assert_int_equal(hi - lo, 0);
	store_window(&q, 0, array_key, keys, &lo, &hi);
	assert_int_equal(hi - lo, 0);
}

static void test_ref_parse(void **state)
{
	(void)state;
	struct store_ref r;
	assert_true(store_ref_parse("00000000000000ff", 16, &r));
	assert_false(r.by_time);
	assert_int_equal(r.value, 255);
	assert_true(store_ref_parse("msgid=0000000000000010", 22, &r));
	assert_int_equal(r.value, 16);
	assert_true(store_ref_parse("timestamp=2026-11-21T09:30:00.123Z", 34, &r));
	assert_true(r.by_time);
	assert_int_equal(r.value, 1795253400123ull);
	assert_true(store_ref_parse("timestamp=1970-01-01T00:00:01Z", 30, &r));
	assert_int_equal(r.value, 1000);
	assert_false(store_ref_parse("0000000000000000", 16, &r));  /* id 0 */
	assert_false(store_ref_parse("00000000000000FF", 16, &r));  /* upper case */
	assert_false(store_ref_parse("0000000000000ff", 15, &r));
	assert_false(store_ref_parse("timestamp=2026-13-21T09:30:00Z", 30, &r));
	assert_false(store_ref_parse("timestamp=2026-11-21 09:30:00Z", 30, &r));
	assert_false(store_ref_parse("", 0, &r));
}

static void test_time_format(void **state)
{
	(void)state;
	char out[STORE_TIME_LEN + 1] = {0};
	store_time_format(1795253400123ull, out);
	assert_string_equal(out, "2026-11-21T09:30:00.123Z");
	store_time_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
}

#define BOTH(t)                                                               \
	cmocka_unit_test_setup_teardown(t, setup_memory, teardown),           \
		cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown)
#define SQLITE(t) cmocka_unit_test_setup_teardown(t, setup_sqlite, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_latest_oldest_first),
		BOTH(test_room_names_ignore_case),
		BOTH(test_unknown_room),
		BOTH(test_before_after_around_between),
		BOTH(test_by_time),
		BOTH(test_paging_backwards_every_line_once),
		BOTH(test_private_lines_both_ways),
		BOTH(test_last_id),
		BOTH(test_accounts),
		BOTH(test_account_cancel),
		SQLITE(test_sqlite_survives_reopen),
		SQLITE(test_sqlite_reserved_ids_survive_reopen),
		SQLITE(test_sqlite_retention_by_count),
		SQLITE(test_sqlite_backlog_in_bounded_batches),
		SQLITE(test_sqlite_newer_schema_refused),
		SQLITE(test_sqlite_corrupt_is_unreadable),
		SQLITE(test_sqlite_readonly_still_reads),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_ref_parse),
		cmocka_unit_test(test_time_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
