/* sqlite: the store seam on one SQLite database, DIR/parley.db, in WAL
 * mode. Three connections, one per thread that touches the file:
 *
 *   - the loop thread reads (history queries, "is this name registered?"),
 *     bounded by LIMIT and served by the (scope, id) and (scope, time_ms)
 *     indexes; WAL readers never wait for the writer;
 *   - the writer thread commits queued lines, one transaction per batch:
 *     it takes everything queued since its last batch, up to
 *     WRITE_BATCH_MAX lines, at most one commit per COMMIT_GAP_NS unless
 *     a full batch waits, so batches grow with load and an idle server
 *     commits each line at once;
 *   - the worker thread runs account operations (hashing and their rows).
 *
 * Queued lines stay in memory, in id order, until the writer says they are
 * committed (through an eventfd the loop watches), and reads merge them in:
 * a line is visible to history the moment it is said. Storage faults are
 * logged, retried, and after that dropped with a counter — live chat never
 * waits for the disk. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store_private.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/str.h"

enum {
	WRITE_ATTEMPTS = 3,         /* tries per batch before its lines are dropped */
	RETRY_PAUSE_MS = 50,        /* between tries */
	AGE_SWEEP_MS = 60 * 1000,   /* how often lines past --history-keep age go */
	/* Lines per transaction. Unbounded batches grew without limit under a
	 * flood, spilled SQLite's page cache mid-transaction and then slowed
	 * down the more they fell behind (a 1.4-million-line batch took over
	 * 20 s); a few thousand lines fit in the writer's cache, and the
	 * per-commit cost is already small against them. */
	WRITE_BATCH_MAX = 8192,
	/* A commit starts at least this long after the previous one started,
	 * unless a full batch is waiting. Each commit writes the pages it
	 * touched (the table's and three indexes' last leaves, some KiB) to the
	 * WAL whatever its size, so at a few thousand lines a second committing
	 * each wake-up's handful of lines cost more than the lines themselves.
	 * A line still waits at most this plus one commit: far inside the
	 * 50 ms durability bound. */
	COMMIT_GAP_NS = 5000000,
	WRITER_CACHE_KIB = 32768,   /* the writer's page cache (SQLite's default: 2 MiB) */
};

/* A queued line, immutable once linked. */
struct pend {
	struct pend *next;
	uint64_t id, time_ms;
	uint32_t scope_len, from_len, target_len, origin_len, text_len;
	char data[]; /* scope, from, target, origin, text */
};

struct sql_store {
	struct store store;
	struct store_sqlite_config cfg;
	char *path;
	sqlite3 *rd;           /* loop thread */
	sqlite3_stmt *q_before[2], *q_from[2], *q_exists, *q_account;
	bool readonly;
	uint64_t last_id;

	/* Loop thread: every uncommitted line, oldest first. */
	struct pend *head, *tail;
	uint64_t seen_committed; /* committed id last read from `shared` */

	/* Shared with the writer, under `lock`. */
	pthread_mutex_t lock;
	pthread_cond_t kick, idle;
	struct pend *claim, *last; /* first line the writer has not taken; newest */
	uint64_t committed_id;     /* every line up to here is done (stored or dropped) */
	struct store_stats stats;
	uint64_t ids_reserved, ids_saved; /* wanted by the loop; written */
	bool stopping, writing;

	pthread_t writer;
	sqlite3 *wr;
	bool faulting;            /* writer: the last batch failed */
	uint64_t fault_logged_ms; /* writer: when the streak was last reported */
	uint64_t fault_dropped;   /* writer: lines dropped since that report */
	int wake_fd;
	struct worker *worker;
	sqlite3 *acct; /* worker thread */
};

/* ---- queue (loop thread) ---- */

static void pend_push(struct sql_store *s, const char *scope, size_t scope_len,
		      const struct store_line *line, const char *target, size_t target_len)
{
	size_t n = scope_len + line->from_len + target_len + line->origin_len + line->text_len;
	struct pend *p = xmalloc(sizeof(*p) + n);
	p->next = NULL;
	p->id = line->id;
	p->time_ms = line->time_ms;
	p->scope_len = (uint32_t)scope_len;
	p->from_len = (uint32_t)line->from_len;
	p->target_len = (uint32_t)target_len;
	p->origin_len = (uint32_t)line->origin_len;
	p->text_len = (uint32_t)line->text_len;
	/* Any part may be absent (NULL, 0); memcpy must not see a null source. */
	const struct {
		const char *p;
		size_t len;
	} parts[] = {{scope, scope_len},       {line->from, line->from_len},
		     {target, target_len},     {line->origin, line->origin_len},
		     {line->text, line->text_len}};
	char *d = p->data;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (parts[i].len)
			memcpy(d, parts[i].p, parts[i].len);
		d += parts[i].len;
	}
	if (line->id > s->last_id)
		s->last_id = line->id;
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = p;
	else
		s->head = p;
	s->tail = p;
	s->last = p;
	s->stats.appended++;
	s->stats.pending++;
	bool wake = s->claim == NULL;
	if (wake)
		s->claim = p;
	if (wake)
		pthread_cond_signal(&s->kick);
	pthread_mutex_unlock(&s->lock);
}

/* Frees queued lines the writer has finished with. `head` and `tail` are
 * the loop thread's alone and the writer never looks at a line at or
 * below `committed_id` again, so only the two shared values need the lock
 * (freeing a big batch must not hold up the next append). */
static void pend_reap(struct sql_store *s)
{
	pthread_mutex_lock(&s->lock);
	uint64_t done = s->committed_id;
	const struct pend *claim = s->claim;
	pthread_mutex_unlock(&s->lock);
	while (s->head && s->head->id <= done && s->head != claim) {
		struct pend *p = s->head;
		s->head = p->next;
		if (!s->head)
			s->tail = NULL;
		free(p);
	}
	s->seen_committed = done;
}

/* ---- the writer thread ---- */

static void notify(int fd)
{
	uint64_t one = 1;
	ssize_t ignored = write(fd, &one, sizeof(one));
	(void)ignored;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int insert_batch(sqlite3 *db, sqlite3_stmt *ins, struct pend *from, const struct pend *to)
{
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
	for (struct pend *p = from;; p = p->next) {
		const char *d = p->data;
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)p->id);
		sqlite3_bind_text(ins, 2, d, (int)p->scope_len, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, (sqlite3_int64)p->time_ms);
		sqlite3_bind_text(ins, 4, d += p->scope_len, (int)p->from_len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, d += p->from_len, (int)p->target_len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, d += p->target_len, (int)p->origin_len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, d += p->origin_len, (int)p->text_len, SQLITE_STATIC);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		if (p == to)
			break;
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Retention: each scope the batch touched keeps its newest keep_lines.
 * Up to TRIM_SCOPES distinct scopes per batch; others wait for their next
 * batch (retention is a bound kept loosely, not an exact count). */
enum { TRIM_SCOPES = 32 };

static void trim_scopes(struct sql_store *s, sqlite3_stmt *trim, const struct pend *from,
			const struct pend *to)
{
	if (!s->cfg.keep_lines || !trim)
		return;
	const struct pend *seen[TRIM_SCOPES];
	size_t nseen = 0;
	for (const struct pend *p = from; nseen < TRIM_SCOPES; p = p->next) {
		bool repeat = false;
		for (size_t i = 0; i < nseen && !repeat; i++)
			repeat = seen[i]->scope_len == p->scope_len &&
				 ascii_casecmp_n(seen[i]->data, p->data, p->scope_len) == 0;
		if (!repeat) {
			seen[nseen++] = p;
			sqlite3_bind_text(trim, 1, p->data, (int)p->scope_len, SQLITE_STATIC);
			sqlite3_bind_int64(trim, 2, (sqlite3_int64)s->cfg.keep_lines);
			sqlite3_step(trim);
			sqlite3_reset(trim);
		}
		if (p == to)
			break;
	}
}

static void sweep_old(struct sql_store *s)
{
	if (!s->cfg.keep_ms)
		return;
	char sql[128];
	uint64_t cutoff = clock_wall_ms() - s->cfg.keep_ms;
	snprintf(sql, sizeof(sql), "DELETE FROM line WHERE time_ms < %llu",
		 (unsigned long long)cutoff);
	sqlite3_exec(s->wr, sql, NULL, NULL, NULL);
}

static size_t batch_size(const struct pend *from, const struct pend *to)
{
	size_t n = 1;
	for (const struct pend *p = from; p != to; p = p->next)
		n++;
	return n;
}

/* While the disk keeps failing, one WARN per streak and then one summary
 * every FAULT_LOG_MS: a full disk must not also fill the log. */
enum { FAULT_LOG_MS = 10000 };

static void report_fault(struct sql_store *s, int rc, size_t dropped, int attempts)
{
	uint64_t now = clock_mono_ms();
	s->fault_dropped += dropped;
	if (s->faulting && now - s->fault_logged_ms < FAULT_LOG_MS)
		return;
	log_event(s->cfg.log, LOG_ERROR, "STORE_WRITE_FAILED",
		  "error=\"%s\" attempts=%d dropped=%llu (live chat continues; dropped lines "
		  "are not in history)",
		  sqlite3_errstr(rc), attempts, (unsigned long long)s->fault_dropped);
	s->faulting = true;
	s->fault_logged_ms = now;
	s->fault_dropped = 0;
}

static void report_recovery(struct sql_store *s)
{
	if (!s->faulting)
		return;
	log_event(s->cfg.log, LOG_INFO, "STORE_WRITE_RECOVERED", "dropped_since_last_report=%llu",
		  (unsigned long long)s->fault_dropped);
	s->faulting = false;
	s->fault_dropped = 0;
}

static void commit_batch(struct sql_store *s, sqlite3_stmt *ins, sqlite3_stmt *trim,
			 struct pend *from, struct pend *to)
{
	int rc = SQLITE_ERROR;
	/* A read-only database gets one try: waiting will not help. */
	int attempts = ins ? WRITE_ATTEMPTS : 1;
	for (int attempt = 1; attempt <= attempts; attempt++) {
		rc = ins ? insert_batch(s->wr, ins, from, to) : SQLITE_READONLY;
		if (rc == SQLITE_OK)
			break;
		if (attempt < attempts)
			pause_ms(RETRY_PAUSE_MS);
	}
	size_t n = batch_size(from, to);
	if (rc == SQLITE_OK)
		trim_scopes(s, trim, from, to);
	pthread_mutex_lock(&s->lock);
	s->committed_id = to->id;
	s->stats.pending -= n;
	if (n > s->stats.largest_batch)
		s->stats.largest_batch = n;
	if (rc == SQLITE_OK) {
		s->stats.committed += n;
	} else {
		s->stats.dropped += n;
		s->stats.errors++;
	}
	pthread_mutex_unlock(&s->lock);
	/* Logged after the counters: whoever reads the log line and then asks
	 * for STATS sees the drop counted. */
	if (rc == SQLITE_OK)
		report_recovery(s);
	else
		report_fault(s, rc, n, attempts);
}

/* The last line of the next batch: at most WRITE_BATCH_MAX lines from
 * `from`, never past `newest`. Lines before `newest` are immutable, so this
 * walk needs no lock. */
static struct pend *batch_end(struct pend *from, const struct pend *newest)
{
	struct pend *to = from;
	for (unsigned n = 1; to != newest && n < WRITE_BATCH_MAX; n++)
		to = to->next;
	return to;
}

/* Writer thread. A failure is logged; the next reservation retries. */
static void save_reservation(struct sql_store *s, uint64_t upto)
{
	if (!s->wr)
		return;
	int rc = sql_save_ids_reserved(s->wr, upto);
	if (rc != SQLITE_OK)
		log_event(s->cfg.log, LOG_WARN, "STORE_WRITE_FAILED", "what=id-reservation error=%s",
			  sqlite3_errstr(rc));
}

/* Called with the lock held; returns with it held. Waits until
 * COMMIT_GAP_NS after `last_ns` unless a full batch or a stop is waiting. */
static void pace(struct sql_store *s, uint64_t last_ns)
{
	uint64_t now = clock_mono_ns();
	if (s->stopping || s->stats.pending >= WRITE_BATCH_MAX || now - last_ns >= COMMIT_GAP_NS)
		return;
	uint64_t ns = COMMIT_GAP_NS - (now - last_ns);
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ns};
	pthread_mutex_unlock(&s->lock);
	nanosleep(&ts, NULL);
	pthread_mutex_lock(&s->lock);
}

static void *writer_main(void *arg)
{
	struct sql_store *s = arg;
	sqlite3_stmt *ins = NULL, *trim = NULL;
	if (s->wr) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d", WRITER_CACHE_KIB);
		sqlite3_exec(s->wr, pragma, NULL, NULL, NULL);
		sqlite3_prepare_v2(s->wr,
				   "INSERT OR REPLACE INTO line (id, scope, time_ms, sender, target, "
				   "origin, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				   -1, &ins, NULL);
		sqlite3_prepare_v2(s->wr,
				   "DELETE FROM line WHERE scope = ?1 AND id <= (SELECT id FROM line "
				   "WHERE scope = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
				   -1, &trim, NULL);
	}
	uint64_t next_sweep = 0, last_commit_ns = 0;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->claim && !s->stopping && s->ids_reserved == s->ids_saved)
			pthread_cond_wait(&s->kick, &s->lock);
		if (s->ids_reserved != s->ids_saved) {
			uint64_t upto = s->ids_reserved;
			pthread_mutex_unlock(&s->lock);
			save_reservation(s, upto);
			pthread_mutex_lock(&s->lock);
			s->ids_saved = upto;
		}
		if (!s->claim) {
			if (s->stopping)
				break;
			continue;
		}
		pace(s, last_commit_ns);
		last_commit_ns = clock_mono_ns();
		/* `claim` stays set during the walk: appends leave it alone
		 * and the loop thread frees nothing from it on. */
		struct pend *from = s->claim, *newest = s->last;
		s->writing = true;
		pthread_mutex_unlock(&s->lock);
		struct pend *to = batch_end(from, newest);
		pthread_mutex_lock(&s->lock);
		s->claim = to == s->last ? NULL : to->next;
		pthread_mutex_unlock(&s->lock);
		commit_batch(s, ins, trim, from, to);
		if (clock_mono_ms() >= next_sweep && s->wr) {
			sweep_old(s);
			next_sweep = clock_mono_ms() + AGE_SWEEP_MS;
		}
		notify(s->wake_fd);
		pthread_mutex_lock(&s->lock);
		s->writing = false;
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
	sqlite3_finalize(ins);
	sqlite3_finalize(trim);
	return NULL;
}

/* ---- reads (loop thread) ---- */

struct gathered {
	struct pend **v;
	size_t n, cap;
};

static void gather(struct gathered *g, struct pend *p)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	g->v[g->n++] = p;
}

static struct pend *row_to_pend(sqlite3_stmt *st)
{
	size_t len[5];
	for (int i = 0; i < 5; i++)
		len[i] = (size_t)sqlite3_column_bytes(st, 2 + i);
	struct pend *p = xmalloc(sizeof(*p) + len[0] + len[1] + len[2] + len[3] + len[4] + 1);
	p->next = NULL;
	p->id = (uint64_t)sqlite3_column_int64(st, 0);
	p->time_ms = (uint64_t)sqlite3_column_int64(st, 1);
	p->scope_len = (uint32_t)len[0];
	p->from_len = (uint32_t)len[1];
	p->target_len = (uint32_t)len[2];
	p->origin_len = (uint32_t)len[3];
	p->text_len = (uint32_t)len[4];
	char *d = p->data;
	for (int i = 0; i < 5; i++) {
		if (len[i])
			memcpy(d, sqlite3_column_text(st, 2 + i), len[i]);
		d += len[i];
	}
	return p;
}

/* Runs a prepared candidate query: scope, committed bound, key, limit. */
static int run_candidates(sqlite3_stmt *st, const char *scope, size_t len, uint64_t committed,
			  uint64_t key, size_t limit, struct gathered *g)
{
	sqlite3_bind_text(st, 1, scope, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)committed);
	sqlite3_bind_int64(st, 3, key > INT64_MAX ? INT64_MAX : (sqlite3_int64)key);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		gather(g, row_to_pend(st));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int by_id(const void *a, const void *b)
{
	const struct pend *x = *(struct pend *const *)a, *y = *(struct pend *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static uint64_t gathered_key(const void *ctx, size_t i, bool by_time)
{
	const struct gathered *g = ctx;
	return by_time ? g->v[i]->time_ms : g->v[i]->id;
}

static bool scope_has_lines(struct sql_store *s, const char *scope, size_t len)
{
	sqlite3_bind_text(s->q_exists, 1, scope, (int)len, SQLITE_STATIC);
	bool found = sqlite3_step(s->q_exists) == SQLITE_ROW;
	sqlite3_reset(s->q_exists);
	return found;
}

/* Candidates are the `limit` committed lines on each side of the anchor
 * (every query's answer lies among them) plus every queued line of the
 * scope; the shared window function then picks the answer from those. */
static int read_scope(struct sql_store *s, const char *scope, size_t len,
		      const struct store_query *q, store_line_fn *fn, void *ctx)
{
	pend_reap(s);
	struct gathered g = {0};
	int t = q->a.by_time ? 1 : 0;
	uint64_t key = q->anchor == STORE_LATEST ? UINT64_MAX : q->a.value;
	if (q->anchor == STORE_LATEST)
		t = 0;
	int rc = run_candidates(s->q_before[t], scope, len, s->seen_committed, key, q->limit, &g);
	/* "From" includes the anchor itself: one more keeps `limit` after it. */
	if (rc == SQLITE_OK && q->anchor != STORE_LATEST)
		rc = run_candidates(s->q_from[t], scope, len, s->seen_committed, key,
				    q->limit + 1, &g);
	if (rc != SQLITE_OK)
		log_event(s->cfg.log, LOG_WARN, "STORE_READ_FAILED", "error=\"%s\"",
			  sqlite3_errstr(rc));
	size_t from_db = g.n;
	for (struct pend *p = s->head; p; p = p->next)
		if (p->scope_len == len && ascii_casecmp_n(p->data, scope, len) == 0)
			gather(&g, p);
	struct pend **owned = xmalloc((from_db + 1) * sizeof(*owned));
	if (from_db)
		memcpy(owned, g.v, from_db * sizeof(*owned));
	int count = -1;
	if (g.n > 0 || scope_has_lines(s, scope, len)) {
		qsort(g.v, g.n, sizeof(*g.v), by_id);
		size_t lo, hi;
		store_window(q, g.n, gathered_key, &g, &lo, &hi);
		for (size_t i = lo; i < hi; i++) {
			const struct pend *p = g.v[i];
			const char *d = p->data;
			bool private = p->target_len > 0;
			struct store_line line = {
				.id = p->id,
				.time_ms = p->time_ms,
				.room = private ? d + p->scope_len + p->from_len : d,
				.room_len = private ? p->target_len : p->scope_len,
				.from = d + p->scope_len,
				.from_len = p->from_len,
				.origin = d + p->scope_len + p->from_len + p->target_len,
				.origin_len = p->origin_len,
				.text = d + p->scope_len + p->from_len + p->target_len + p->origin_len,
				.text_len = p->text_len,
			};
			fn(ctx, &line);
		}
		count = (int)(hi - lo);
	}
	/* Rows read from the file were copied; queued lines are borrowed. */
	for (size_t i = 0; i < from_db; i++)
		free(owned[i]);
	free(owned);
	free(g.v);
	return count;
}

/* ---- the seam ---- */

static void sql_append_room(void *impl, const struct store_line *line)
{
	pend_push(impl, line->room, line->room_len, line, "", 0);
}

static void sql_append_private(void *impl, const struct store_line *line)
{
	char key[STORE_PAIR_KEY_MAX];
	size_t n = store_pair_key(line->from, line->from_len, line->room, line->room_len, key);
	pend_push(impl, key, n, line, line->room, line->room_len);
}

static int sql_read_room(void *impl, const char *room, size_t len, const struct store_query *q,
			 store_line_fn *fn, void *ctx)
{
	return read_scope(impl, room, len, q, fn, ctx);
}

static int sql_read_private(void *impl, const char *a, size_t alen, const char *b, size_t blen,
			    const struct store_query *q, store_line_fn *fn, void *ctx)
{
	char key[STORE_PAIR_KEY_MAX];
	size_t n = store_pair_key(a, alen, b, blen, key);
	return read_scope(impl, key, n, q, fn, ctx);
}

static uint64_t sql_last_id(void *impl)
{
	return ((struct sql_store *)impl)->last_id;
}

static bool sql_account_exists(void *impl, const char *name, size_t len)
{
	struct sql_store *s = impl;
	sqlite3_bind_text(s->q_account, 1, name, (int)len, SQLITE_STATIC);
	bool found = sqlite3_step(s->q_account) == SQLITE_ROW;
	sqlite3_reset(s->q_account);
	return found;
}

/* Worker thread: the account's row and the hash, on the worker's own
 * connection. */
static void sql_job_run(struct worker_job *base)
{
	struct account_job *job = (struct account_job *)base;
	struct sql_store *s = job->impl;
	int rc = sql_account_read(s->acct, job->name, job->hash);
	if (rc != SQLITE_OK) {
		job->result = STORE_ACCOUNT_ERROR;
		log_event(s->cfg.log, LOG_WARN, "STORE_ACCOUNT_FAILED", "error=\"%s\"",
			  sqlite3_errstr(rc));
		return;
	}
	if (job->op == STORE_ACCOUNT_CREATE && job->hash[0]) {
		job->result = STORE_ACCOUNT_EXISTS;
		return;
	}
	account_job_check(job);
	if (job->result != STORE_ACCOUNT_OK || job->op == STORE_ACCOUNT_VERIFY)
		return;
	rc = sql_account_write(s->acct, job->name, job->hash, job->op == STORE_ACCOUNT_CREATE);
	if (rc == SQLITE_CONSTRAINT) {
		job->result = STORE_ACCOUNT_EXISTS;
	} else if (rc != SQLITE_OK) {
		job->result = STORE_ACCOUNT_ERROR;
		log_event(s->cfg.log, LOG_WARN, "STORE_ACCOUNT_FAILED", "error=\"%s\"",
			  sqlite3_errstr(rc));
	}
}

static uint64_t sql_account_submit(void *impl, const struct store_account_request *req)
{
	struct sql_store *s = impl;
	return worker_submit(s->worker, &account_job_new(req, s, sql_job_run)->base);
}

static void sql_account_cancel(void *impl, uint64_t ticket)
{
	worker_cancel(((struct sql_store *)impl)->worker, ticket);
}

static int sql_wake_fd(void *impl)
{
	return ((struct sql_store *)impl)->wake_fd;
}

static void sql_on_wake(void *impl)
{
	struct sql_store *s = impl;
	worker_complete(s->worker); /* also empties the eventfd */
	pend_reap(s);
}

static void sql_flush(void *impl)
{
	struct sql_store *s = impl;
	pthread_mutex_lock(&s->lock);
	while (s->claim || s->writing)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	pend_reap(s);
}

static void sql_stats(void *impl, struct store_stats *out)
{
	struct sql_store *s = impl;
	pthread_mutex_lock(&s->lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->lock);
}

static void sql_destroy(void *impl)
{
	struct sql_store *s = impl;
	if (s->worker) {
		sql_flush(s);
		pthread_mutex_lock(&s->lock);
		s->stopping = true;
		pthread_cond_signal(&s->kick);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->writer, NULL);
		worker_destroy(s->worker);
	}
	while (s->head) {
		struct pend *p = s->head;
		s->head = p->next;
		free(p);
	}
	for (int i = 0; i < 2; i++) {
		sqlite3_finalize(s->q_before[i]);
		sqlite3_finalize(s->q_from[i]);
	}
	sqlite3_finalize(s->q_exists);
	sqlite3_finalize(s->q_account);
	sqlite3_close(s->rd);
	sqlite3_close(s->acct);
	sql_close_file(s->wr); /* the last connection */
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->kick);
	pthread_cond_destroy(&s->idle);
	free(s->path);
	free(s);
}

static void sql_reserve_ids(void *impl, uint64_t upto)
{
	struct sql_store *s = impl;
	pthread_mutex_lock(&s->lock);
	s->ids_reserved = upto;
	pthread_cond_signal(&s->kick);
	pthread_mutex_unlock(&s->lock);
}

static const struct store_ops sql_ops = {
	.append_room = sql_append_room,
	.append_private = sql_append_private,
	.read_room = sql_read_room,
	.read_private = sql_read_private,
	.last_id = sql_last_id,
	.reserve_ids = sql_reserve_ids,
	.account_exists = sql_account_exists,
	.account_submit = sql_account_submit,
	.account_cancel = sql_account_cancel,
	.wake_fd = sql_wake_fd,
	.on_wake = sql_on_wake,
	.flush = sql_flush,
	.stats = sql_stats,
	.destroy = sql_destroy,
};

#define LINE_COLUMNS "id, time_ms, scope, sender, target, origin, body"

static bool prepare_reads(struct sql_store *s)
{
	static const char *const before[2] = {
		"SELECT " LINE_COLUMNS " FROM line WHERE scope = ?1 AND id <= ?2 AND id < ?3 "
		"ORDER BY id DESC LIMIT ?4",
		"SELECT " LINE_COLUMNS " FROM line WHERE scope = ?1 AND id <= ?2 AND time_ms < ?3 "
		"ORDER BY time_ms DESC, id DESC LIMIT ?4",
	};
	static const char *const from[2] = {
		"SELECT " LINE_COLUMNS " FROM line WHERE scope = ?1 AND id <= ?2 AND id >= ?3 "
		"ORDER BY id LIMIT ?4",
		"SELECT " LINE_COLUMNS " FROM line WHERE scope = ?1 AND id <= ?2 AND time_ms >= ?3 "
		"ORDER BY time_ms, id LIMIT ?4",
	};
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		ok = ok && sqlite3_prepare_v2(s->rd, before[i], -1, &s->q_before[i], NULL) == SQLITE_OK;
		ok = ok && sqlite3_prepare_v2(s->rd, from[i], -1, &s->q_from[i], NULL) == SQLITE_OK;
	}
	ok = ok && sqlite3_prepare_v2(s->rd, "SELECT 1 FROM line WHERE scope = ?1 LIMIT 1", -1,
				      &s->q_exists, NULL) == SQLITE_OK;
	ok = ok && sqlite3_prepare_v2(s->rd, "SELECT 1 FROM account WHERE name = ?1", -1,
				      &s->q_account, NULL) == SQLITE_OK;
	return ok;
}

struct store *store_sqlite_create(const struct store_sqlite_config *cfg, bool *unreadable,
				  char *err, size_t errlen)
{
	struct sql_store *s = xcalloc(1, sizeof(*s));
	s->store.ops = &sql_ops;
	s->store.impl = s;
	s->cfg = *cfg;
	s->wake_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->kick, NULL);
	pthread_cond_init(&s->idle, NULL);
	if (!sql_open_file(cfg->dir, true, &s->rd, &s->path, &s->readonly, unreadable, err,
			   errlen)) {
		sql_destroy(s);
		return NULL;
	}
	if (!prepare_reads(s)) {
		*unreadable = true;
		snprintf(err, errlen, "cannot read %s: %s", s->path, sqlite3_errmsg(s->rd));
		sql_destroy(s);
		return NULL;
	}
	s->last_id = sql_id_high_water(s->rd);
	s->committed_id = s->seen_committed = s->last_id;
	if (s->readonly)
		log_event(cfg->log, LOG_WARN, "STORE_READONLY",
			  "path=%s (history is read, new lines and accounts are not saved)", s->path);
	char ignored[256];
	s->wr = s->readonly ? NULL : sql_open_db(s->path, false, ignored, sizeof(ignored));
	s->acct = sql_open_db(s->path, s->readonly, ignored, sizeof(ignored));
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->wake_fd < 0 || !s->acct) {
		snprintf(err, errlen, "cannot set up the store: %s", strerror(errno));
		sql_destroy(s);
		return NULL;
	}
	s->worker = worker_create(s->wake_fd);
	store_thread_start(&s->writer, writer_main, s);
	log_event(cfg->log, LOG_INFO, "STORE_OPEN", "path=%s schema=%d last_id=%llu", s->path,
		  sql_schema_version(), (unsigned long long)s->last_id);
	return &s->store;
}
