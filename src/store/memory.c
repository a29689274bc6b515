/* memory: the store seam kept in memory — per-room arrays of lines in id
 * order, private lines per pair of names, accounts in a map. Nothing
 * survives the process. It is the reference the SQLite store is tested
 * against (one suite runs over both), and hashes passwords on the same
 * helper thread so callers see the same asynchronous behaviour. */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "store/store_private.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/str.h"

struct mem_line {
	uint64_t id, time_ms;
	uint32_t room_len, from_len, origin_len, text_len;
	char data[]; /* room (or recipient), from, origin, text */
};

/* One room's lines, or one pair's private lines (key "a b", lower case, in
 * name order). */
struct mem_log {
	struct mem_log *next_all; /* every log, for freeing */
	struct mem_line **lines;
	size_t count, cap, head; /* lines[head..count) are live */
	size_t key_len;
	char key[];
};

struct mem_account {
	struct mem_account *next_all;
	char hash[ACCOUNT_HASH_MAX];
	size_t name_len;
	char name[];
};

struct mem_store {
	struct store store;
	size_t keep;
	struct map *rooms, *pairs, *accounts;
	struct mem_log *all_logs;
	struct mem_account *all_accounts;
	uint64_t last_id;
	struct store_stats stats;
	int wake_fd;
	struct worker *worker;
};

static const char *log_key(const void *v, size_t *len)
{
	const struct mem_log *l = v;
	*len = l->key_len;
	return l->key;
}

static const char *account_key(const void *v, size_t *len)
{
	const struct mem_account *a = v;
	*len = a->name_len;
	return a->name;
}

static struct mem_log *log_get(struct mem_store *s, struct map *m, const char *key, size_t len,
			       bool create)
{
	struct mem_log *l = map_get(m, key, len);
	if (l || !create)
		return l;
	l = xcalloc(1, sizeof(*l) + len + 1);
	memcpy(l->key, key, len);
	l->key_len = len;
	map_put(m, l);
	l->next_all = s->all_logs;
	s->all_logs = l;
	return l;
}

/* A part may be absent (NULL, 0): memcpy must not see a null source even
 * for 0 bytes. Returns the end of what was written. */
static char *copy_part(char *dst, const char *src, size_t len)
{
	if (len)
		memcpy(dst, src, len);
	return dst + len;
}

static void log_push(struct mem_log *l, const struct store_line *line, size_t keep)
{
	if (keep && l->count - l->head == keep)
		free(l->lines[l->head++]);
	if (l->head > 0 && l->head * 2 >= l->count) {
		memmove(l->lines, l->lines + l->head, (l->count - l->head) * sizeof(*l->lines));
		l->count -= l->head;
		l->head = 0;
	}
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->lines = xrealloc(l->lines, l->cap * sizeof(*l->lines));
	}
	size_t n = line->room_len + line->from_len + line->origin_len + line->text_len;
	struct mem_line *ml = xmalloc(sizeof(*ml) + n);
	ml->id = line->id;
	ml->time_ms = line->time_ms;
	ml->room_len = (uint32_t)line->room_len;
	ml->from_len = (uint32_t)line->from_len;
	ml->origin_len = (uint32_t)line->origin_len;
	ml->text_len = (uint32_t)line->text_len;
	char *p = ml->data;
	p = copy_part(p, line->room, line->room_len);
	p = copy_part(p, line->from, line->from_len);
	p = copy_part(p, line->origin, line->origin_len);
	copy_part(p, line->text, line->text_len);
	l->lines[l->count++] = ml;
}

static uint64_t line_key(const void *ctx, size_t i, bool by_time)
{
	const struct mem_log *l = ctx;
	const struct mem_line *ml = l->lines[l->head + i];
	return by_time ? ml->time_ms : ml->id;
}

static int log_read(const struct mem_log *l, const struct store_query *q, store_line_fn *fn,
		    void *ctx)
{
	if (!l || l->count == l->head)
		return -1;
	size_t lo, hi;
	store_window(q, l->count - l->head, line_key, l, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct mem_line *ml = l->lines[l->head + i];
		const char *p = ml->data;
		struct store_line out = {
			.id = ml->id,
			.time_ms = ml->time_ms,
			.room = p,
			.room_len = ml->room_len,
			.from = p + ml->room_len,
			.from_len = ml->from_len,
			.origin = p + ml->room_len + ml->from_len,
			.origin_len = ml->origin_len,
			.text = p + ml->room_len + ml->from_len + ml->origin_len,
			.text_len = ml->text_len,
		};
		fn(ctx, &out);
	}
	return (int)(hi - lo);
}

static void log_free(struct mem_log *l)
{
	for (size_t i = l->head; i < l->count; i++)
		free(l->lines[i]);
	free(l->lines);
	free(l);
}

static void mem_append_room(void *impl, const struct store_line *line)
{
	struct mem_store *m = impl;
	log_push(log_get(m, m->rooms, line->room, line->room_len, true), line, m->keep);
	m->last_id = line->id > m->last_id ? line->id : m->last_id;
	m->stats.appended++;
	m->stats.committed++;
}

static void mem_append_private(void *impl, const struct store_line *line)
{
	struct mem_store *m = impl;
	char key[STORE_PAIR_KEY_MAX];
	size_t n = store_pair_key(line->from, line->from_len, line->room, line->room_len, key);
	log_push(log_get(m, m->pairs, key, n, true), line, m->keep);
	m->last_id = line->id > m->last_id ? line->id : m->last_id;
	m->stats.appended++;
	m->stats.committed++;
}

static int mem_read_room(void *impl, const char *room, size_t len, const struct store_query *q,
			 store_line_fn *fn, void *ctx)
{
	struct mem_store *m = impl;
	return log_read(log_get(m, m->rooms, room, len, false), q, fn, ctx);
}

static int mem_read_private(void *impl, const char *a, size_t alen, const char *b, size_t blen,
			    const struct store_query *q, store_line_fn *fn, void *ctx)
{
	struct mem_store *m = impl;
	char key[STORE_PAIR_KEY_MAX];
	size_t n = store_pair_key(a, alen, b, blen, key);
	return log_read(log_get(m, m->pairs, key, n, false), q, fn, ctx);
}

static uint64_t mem_last_id(void *impl)
{
	return ((struct mem_store *)impl)->last_id;
}

static bool mem_account_exists(void *impl, const char *name, size_t len)
{
	return map_get(((struct mem_store *)impl)->accounts, name, len) != NULL;
}

static void mem_job_run(struct worker_job *base)
{
	account_job_check((struct account_job *)base);
}

/* Back on the loop thread: apply what the hash decided. */
static void mem_job_done(struct worker_job *base)
{
	struct account_job *job = (struct account_job *)base;
	struct mem_store *m = job->impl;
	size_t len = strlen(job->name);
	struct mem_account *a = map_get(m->accounts, job->name, len);
	if (job->result == STORE_ACCOUNT_OK && job->op == STORE_ACCOUNT_CREATE) {
		if (a) {
			job->result = STORE_ACCOUNT_EXISTS;
		} else {
			a = xcalloc(1, sizeof(*a) + len + 1);
			memcpy(a->name, job->name, len);
			a->name_len = len;
			memcpy(a->hash, job->hash, sizeof(a->hash));
			map_put(m->accounts, a);
			a->next_all = m->all_accounts;
			m->all_accounts = a;
		}
	} else if (job->result == STORE_ACCOUNT_OK && job->op == STORE_ACCOUNT_CHANGE) {
		if (a)
			memcpy(a->hash, job->hash, sizeof(a->hash));
		else
			job->result = STORE_ACCOUNT_DENIED; /* deleted meanwhile */
	}
	account_job_finish(base);
}

static uint64_t mem_account_submit(void *impl, const struct store_account_request *req)
{
	struct mem_store *m = impl;
	struct account_job *job = account_job_new(req, m, mem_job_run);
	job->base.done = mem_job_done;
	const struct mem_account *a = map_get(m->accounts, req->name, req->name_len);
	if (a && req->op != STORE_ACCOUNT_CREATE)
		memcpy(job->hash, a->hash, sizeof(job->hash));
	return worker_submit(m->worker, &job->base);
}

static void mem_account_cancel(void *impl, uint64_t ticket)
{
	worker_cancel(((struct mem_store *)impl)->worker, ticket);
}

static int mem_wake_fd(void *impl)
{
	return ((struct mem_store *)impl)->wake_fd;
}

static void mem_on_wake(void *impl)
{
	worker_complete(((struct mem_store *)impl)->worker);
}

static void mem_flush(void *impl)
{
	(void)impl;
}

static void mem_stats(void *impl, struct store_stats *out)
{
	*out = ((struct mem_store *)impl)->stats;
}

static void mem_destroy(void *impl)
{
	struct mem_store *m = impl;
	worker_destroy(m->worker);
	close(m->wake_fd);
	while (m->all_logs) {
		struct mem_log *l = m->all_logs;
		m->all_logs = l->next_all;
		log_free(l);
	}
	while (m->all_accounts) {
		struct mem_account *a = m->all_accounts;
		m->all_accounts = a->next_all;
		free(a);
	}
	map_destroy(m->rooms);
	map_destroy(m->pairs);
	map_destroy(m->accounts);
	free(m);
}

static const struct store_ops mem_ops = {
	.append_room = mem_append_room,
	.append_private = mem_append_private,
	.read_room = mem_read_room,
	.read_private = mem_read_private,
	.last_id = mem_last_id,
	.account_exists = mem_account_exists,
	.account_submit = mem_account_submit,
	.account_cancel = mem_account_cancel,
	.wake_fd = mem_wake_fd,
	.on_wake = mem_on_wake,
	.flush = mem_flush,
	.stats = mem_stats,
	.destroy = mem_destroy,
};

struct store *store_memory_create(size_t keep)
{
	struct mem_store *m = xcalloc(1, sizeof(*m));
	m->store.ops = &mem_ops;
	m->store.impl = m;
	m->keep = keep;
	m->rooms = map_create(log_key, true);
	m->pairs = map_create(log_key, false);
	m->accounts = map_create(account_key, true);
	m->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->wake_fd < 0)
		abort();
	m->worker = worker_create(m->wake_fd);
	return &m->store;
}
