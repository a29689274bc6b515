/* store_redis: history and accounts from the network's Redis (see
 * store_redis.h for the contract). Streams are read with the ranges
 * stream_range.c plans; accounts are one hash of Argon2id strings, written
 * by small scripts so "create if free" and "change if present" are atomic
 * across nodes. */
#include "cluster/store_redis.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cluster/bus_msg.h"
#include "cluster/cluster_private.h"
#include "cluster/redis_link.h"
#include "cluster/stream_range.h"
#include "store/store_private.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/map.h"

enum {
	READ_TIMEOUT_MS = 250,    /* one read on the loop's thread, at most */
	RETRY_MS = 1000,          /* after a failure, reads use the copy this long */
	HELPER_TIMEOUT_MS = 2000, /* the helper thread's link */
};

static const char ACCOUNTS_KEY[] = "parley:accounts";
static const char CREATED_KEY[] = "parley:accounts:created";

/* KEYS: accounts, created; ARGV: lower name, hash, time ms. 1 if created. */
static const char CREATE_LUA[] =
	"if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end\n"
	"redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])\n"
	"return 1\n";

/* KEYS: accounts; ARGV: lower name, hash. 1 if the account exists. */
static const char CHANGE_LUA[] =
	"if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"return 1\n";

/* KEYS: accounts, created; ARGV: lower name. 1 if it existed. */
static const char DELETE_LUA[] =
	"local n = redis.call('HDEL', KEYS[1], ARGV[1])\n"
	"redis.call('HDEL', KEYS[2], ARGV[1])\n"
	"return n\n";

/* An account name this node has seen answered, for `account_exists`
 * while Redis cannot be asked. */
struct known_name {
	struct known_name *next_all;
	bool registered;
	size_t len;
	char name[];
};

struct redis_store {
	struct store store;
	struct store_redis_config cfg;
	struct store *copy;    /* this node's own lines (appends; reads while Redis is away) */
	struct redis_sync *reader; /* loop thread only */
	uint64_t retry_at;     /* monotonic ms before which the reader is not retried */
	bool down;             /* the outage is logged */
	struct map *names;
	struct known_name *all_names;
	int wake_fd;
	struct worker *worker;
	struct redis_sync *helper; /* the helper thread's only */
};

/* The helper thread has a transport of its own: a factory is used from
 * one thread only. */
static struct redis_sync *redis_open(const struct store_redis_config *cfg, bool helper,
				     uint64_t timeout_ms, char *why, size_t whylen)
{
	struct redis_endpoint ep = {cfg->host, cfg->port, cfg->password,
				    helper ? cfg->helper_transport : cfg->transport};
	return redis_sync_open(&ep, timeout_ms, why, whylen);
}

static const char *name_key(const void *v, size_t *len)
{
	const struct known_name *k = v;
	*len = k->len;
	return k->name;
}

static void note_name(struct redis_store *s, const char *name, size_t len, bool registered)
{
	struct known_name *k = map_get(s->names, name, len);
	if (!k) {
		k = xcalloc(1, sizeof(*k) + len + 1);
		memcpy(k->name, name, len);
		k->len = len;
		map_put(s->names, k);
		k->next_all = s->all_names;
		s->all_names = k;
	}
	k->registered = registered;
}

/* ---- the reader: bounded reads on the loop's thread ---- */

static void reader_failed(struct redis_store *s, const char *why)
{
	s->retry_at = clock_mono_ms() + RETRY_MS;
	if (!s->down)
		log_event(s->cfg.log, LOG_WARN, "STORE_REDIS_DOWN",
			  "error=\"%s\" (history and account names from this node's copy "
			  "until Redis answers)",
			  why);
	s->down = true;
}

/* Every account name, so the copy can answer while Redis is away. */
static void load_names(struct redis_store *s)
{
	redisReply *r = redis_sync_command(s->reader, "HKEYS %s", ACCOUNTS_KEY);
	if (r && r->type == REDIS_REPLY_ARRAY)
		for (size_t i = 0; i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_STRING)
				note_name(s, r->element[i]->str, r->element[i]->len, true);
	freeReplyObject(r);
}

static bool reader_up(struct redis_store *s)
{
	if (s->reader)
		return true;
	if (clock_mono_ms() < s->retry_at)
		return false;
	char why[256];
	s->reader = redis_open(&s->cfg, false, READ_TIMEOUT_MS, why, sizeof(why));
	if (!s->reader) {
		reader_failed(s, why);
		return false;
	}
	load_names(s);
	if (s->down)
		log_event(s->cfg.log, LOG_INFO, "STORE_REDIS_BACK", "reads=redis");
	s->down = false;
	return true;
}

/* One command on the reader; NULL (the caller falls back) on any fault. */
static redisReply *reader_command(struct redis_store *s, int argc, const char **argv,
				  const size_t *lens)
{
	if (!reader_up(s))
		return NULL;
	redisReply *r = redis_sync_command_argv(s->reader, argc, argv, lens);
	if (!r) {
		reader_failed(s, redis_sync_error(s->reader));
		redis_sync_close(s->reader);
		s->reader = NULL;
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		reader_failed(s, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* ---- room history ---- */

struct lines {
	struct store_line *v;
	size_t n;
};

static const redisReply *entry_field(const redisReply *kv, const char *name)
{
	for (size_t i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->type == REDIS_REPLY_STRING &&
		    kv->element[i + 1]->type == REDIS_REPLY_STRING &&
		    strcmp(kv->element[i]->str, name) == 0)
			return kv->element[i + 1];
	return NULL;
}

/* A stream entry as a line (a room line, or a private line whose `room`
 * is its recipient); false for anything this scheme did not write (its
 * id and the message's must agree, its kind the stream's). */
static bool entry_line(const redisReply *e, enum bus_kind kind, struct store_line *out)
{
	uint64_t id;
	const redisReply *m;
	struct bus_msg msg;
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    e->element[1]->type != REDIS_REPLY_ARRAY ||
	    !stream_id_parse(e->element[0]->str, e->element[0]->len, &id) ||
	    !(m = entry_field(e->element[1], "m")) || !bus_msg_decode(m->str, m->len, &msg) ||
	    msg.kind != kind || msg.id != id)
		return false;
	bool room = kind == BUS_SAY;
	*out = (struct store_line){
		.id = msg.id, .time_ms = msg.time_ms,
		.room = room ? msg.room.p : msg.target.p,
		.room_len = room ? msg.room.len : msg.target.len,
		.from = msg.from.p, .from_len = msg.from.len,
		.origin = msg.origin.p, .origin_len = msg.origin.len,
		.text = msg.text.p, .text_len = msg.text.len,
	};
	return true;
}

/* Appends a range's reply to `out` in ascending id order. */
static void take_entries(const redisReply *r, bool reverse, enum bus_kind kind,
			 struct lines *out)
{
	out->v = xrealloc(out->v, (out->n + r->elements + 1) * sizeof(*out->v));
	for (size_t k = 0; k < r->elements; k++) {
		size_t i = reverse ? r->elements - 1 - k : k;
		if (entry_line(r->element[i], kind, &out->v[out->n]))
			out->n++;
	}
}

static uint64_t line_key(const void *ctx, size_t i, bool by_time)
{
	const struct store_line *l = &((const struct lines *)ctx)->v[i];
	return by_time ? l->time_ms : l->id;
}

static redisReply *run_range(struct redis_store *s, const char *key, const struct stream_range *r,
			     size_t count)
{
	char lo[STREAM_ID_TEXT], hi[STREAM_ID_TEXT], n[24];
	stream_bound(r->first, lo);
	stream_bound(r->last, hi);
	snprintf(n, sizeof(n), "%zu", count);
	const char *start = r->reverse ? hi : lo, *end = r->reverse ? lo : hi;
	const char *argv[] = {r->reverse ? "XREVRANGE" : "XRANGE", key, start, end, "COUNT", n};
	size_t lens[] = {strlen(argv[0]), strlen(key), strlen(start), strlen(end), 5, strlen(n)};
	redisReply *rep = reader_command(s, 6, argv, lens);
	if (rep && rep->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(rep);
		rep = NULL;
	}
	return rep;
}

static bool stream_exists(struct redis_store *s, const char *key)
{
	const char *argv[] = {"EXISTS", key};
	size_t lens[] = {6, strlen(key)};
	redisReply *r = reader_command(s, 2, argv, lens);
	bool yes = r && r->type == REDIS_REPLY_INTEGER && r->integer > 0;
	freeReplyObject(r);
	return yes;
}

/* The query over stream `key` of `kind` entries: -2 if Redis could not
 * answer or has no such stream (the caller reads the copy), else how many
 * lines went to `fn`. */
static int read_stream(struct redis_store *s, const char *key, enum bus_kind kind,
		       const struct store_query *q, store_line_fn *fn, void *ctx)
{
	struct stream_plan plan;
	stream_plan_make(q, &plan);
	redisReply *rep[2] = {NULL, NULL};
	struct lines got = {NULL, 0};
	bool ok = true;
	for (size_t k = 0; k < plan.n && ok; k++) {
		const struct stream_range *r = &plan.r[k];
		size_t count = r->fill ? (r->count > got.n ? r->count - got.n : 0) : r->count;
		if (count == 0)
			continue;
		ok = (rep[k] = run_range(s, key, r, count)) != NULL;
		if (ok)
			take_entries(rep[k], r->reverse, kind, &got);
	}
	int result = -2;
	/* Never said in Redis: perhaps only here, while it was away. */
	if (ok && (got.n || stream_exists(s, key))) {
		size_t lo = 0, hi = got.n;
		if (plan.window && got.n)
			store_window(q, got.n, line_key, &got, &lo, &hi);
		for (size_t i = lo; i < hi; i++)
			fn(ctx, &got.v[i]);
		result = (int)(hi - lo);
	}
	free(got.v);
	freeReplyObject(rep[0]);
	freeReplyObject(rep[1]);
	return result;
}

static int redis_read_room(void *impl, const char *room, size_t len, const struct store_query *q,
			   store_line_fn *fn, void *ctx)
{
	struct redis_store *s = impl;
	char key[CLUSTER_KEY_MAX];
	cluster_key(key, "hist:", room, len);
	int n = read_stream(s, key, BUS_SAY, q, fn, ctx);
	return n != -2 ? n : s->copy->ops->read_room(s->copy->impl, room, len, q, fn, ctx);
}

/* ---- the rest of the seam: the copy, the counter, names ---- */

static void redis_append_room(void *impl, const struct store_line *line)
{
	/* Redis already has it (the room-line script); this is the copy. */
	struct redis_store *s = impl;
	s->copy->ops->append_room(s->copy->impl, line);
}

static void redis_append_private(void *impl, const struct store_line *line)
{
	/* Online, Redis has it already (private_lines.c); this is the copy. */
	struct redis_store *s = impl;
	s->copy->ops->append_private(s->copy->impl, line);
}

/* The pair's stream (private_lines.c writes it); the copy while Redis
 * cannot answer, or for lines kept only here while it was away. */
static int redis_read_private(void *impl, const char *a, size_t alen, const char *b, size_t blen,
			      const struct store_query *q, store_line_fn *fn, void *ctx)
{
	struct redis_store *s = impl;
	char key[STREAM_PAIR_KEY_MAX];
	stream_pair_key(key, a, alen, b, blen);
	int n = read_stream(s, key, BUS_PRIV, q, fn, ctx);
	return n != -2 ? n : s->copy->ops->read_private(s->copy->impl, a, alen, b, blen, q, fn, ctx);
}

static uint64_t redis_last_id(void *impl)
{
	struct redis_store *s = impl;
	uint64_t id = s->copy->ops->last_id(s->copy->impl);
	const char *argv[] = {"GET", "parley:msgid"};
	size_t lens[] = {3, 12};
	redisReply *r = reader_command(s, 2, argv, lens);
	if (r && r->type == REDIS_REPLY_STRING) {
		uint64_t net = strtoull(r->str, NULL, 10);
		id = net > id ? net : id;
	}
	freeReplyObject(r);
	return id;
}

static bool redis_account_exists(void *impl, const char *name, size_t len)
{
	struct redis_store *s = impl;
	char lname[CLUSTER_KEY_MAX];
	len = cluster_lower(lname, name, len);
	const char *argv[] = {"HEXISTS", ACCOUNTS_KEY, lname};
	size_t lens[] = {7, sizeof(ACCOUNTS_KEY) - 1, len};
	redisReply *r = reader_command(s, 3, argv, lens);
	if (r && r->type == REDIS_REPLY_INTEGER) {
		bool registered = r->integer == 1;
		note_name(s, lname, len, registered);
		freeReplyObject(r);
		return registered;
	}
	freeReplyObject(r);
	const struct known_name *k = map_get(s->names, lname, len);
	return k && k->registered;
}

/* ---- accounts, on the helper thread ---- */

static redisReply *helper_command(struct redis_store *s, int argc, const char **argv,
				  const size_t *lens)
{
	char why[256];
	if (!s->helper && !(s->helper = redis_open(&s->cfg, true, HELPER_TIMEOUT_MS, why, sizeof(why))))
		return NULL;
	redisReply *r = redis_sync_command_argv(s->helper, argc, argv, lens);
	if (!r) {
		redis_sync_close(s->helper);
		s->helper = NULL;
	}
	return r;
}

/* Reads the stored hash, hashes, then writes with a script that decides
 * atomically whether the name is (still) free or (still) there. */
static void redis_job_run(struct worker_job *base)
{
	struct account_job *job = (struct account_job *)base;
	struct redis_store *s = job->impl;
	char lname[sizeof(job->name)];
	size_t n = cluster_lower(lname, job->name, strlen(job->name));
	job->result = STORE_ACCOUNT_ERROR;
	if (job->op != STORE_ACCOUNT_CREATE) {
		const char *argv[] = {"HGET", ACCOUNTS_KEY, lname};
		size_t lens[] = {4, sizeof(ACCOUNTS_KEY) - 1, n};
		redisReply *r = helper_command(s, 3, argv, lens);
		bool ok = r && (r->type == REDIS_REPLY_NIL ||
				(r->type == REDIS_REPLY_STRING && r->len < ACCOUNT_HASH_MAX));
		if (ok && r->type == REDIS_REPLY_STRING)
			memcpy(job->hash, r->str, r->len + 1);
		freeReplyObject(r);
		if (!ok)
			return;
	}
	account_job_check(job);
	if (job->result != STORE_ACCOUNT_OK || job->op == STORE_ACCOUNT_VERIFY)
		return;
	bool create = job->op == STORE_ACCOUNT_CREATE;
	char now[24];
	snprintf(now, sizeof(now), "%llu", (unsigned long long)clock_wall_ms());
	const char *create_argv[] = {"EVAL", CREATE_LUA, "2", ACCOUNTS_KEY, CREATED_KEY,
				     lname, job->hash, now};
	size_t create_lens[] = {4, sizeof(CREATE_LUA) - 1, 1, sizeof(ACCOUNTS_KEY) - 1,
				sizeof(CREATED_KEY) - 1, n, strlen(job->hash), strlen(now)};
	const char *change_argv[] = {"EVAL", CHANGE_LUA, "1", ACCOUNTS_KEY, lname, job->hash};
	size_t change_lens[] = {4, sizeof(CHANGE_LUA) - 1, 1, sizeof(ACCOUNTS_KEY) - 1, n,
				strlen(job->hash)};
	const char **argv = create ? create_argv : change_argv;
	const size_t *lens = create ? create_lens : change_lens;
	redisReply *r = helper_command(s, create ? 8 : 6, argv, lens);
	if (!r || r->type != REDIS_REPLY_INTEGER)
		job->result = STORE_ACCOUNT_ERROR;
	else if (r->integer == 0)
		job->result = create ? STORE_ACCOUNT_EXISTS : STORE_ACCOUNT_DENIED;
	freeReplyObject(r);
}

static void redis_job_done(struct worker_job *base)
{
	struct account_job *job = (struct account_job *)base;
	struct redis_store *s = job->impl;
	char lname[sizeof(job->name)];
	size_t n = cluster_lower(lname, job->name, strlen(job->name));
	if (job->op == STORE_ACCOUNT_CREATE &&
	    (job->result == STORE_ACCOUNT_OK || job->result == STORE_ACCOUNT_EXISTS))
		note_name(s, lname, n, true);
	if (job->result == STORE_ACCOUNT_ERROR)
		log_event(s->cfg.log, LOG_WARN, "STORE_REDIS_ACCOUNT_FAILED",
			  "op=%d (Redis did not answer the helper thread)", (int)job->op);
	account_job_finish(base);
}

static uint64_t redis_account_submit(void *impl, const struct store_account_request *req)
{
	struct redis_store *s = impl;
	struct account_job *job = account_job_new(req, s, redis_job_run);
	job->base.done = redis_job_done;
	return worker_submit(s->worker, &job->base);
}

static void redis_account_cancel(void *impl, uint64_t ticket)
{
	worker_cancel(((struct redis_store *)impl)->worker, ticket);
}

static int redis_wake_fd(void *impl)
{
	return ((struct redis_store *)impl)->wake_fd;
}

static void redis_on_wake(void *impl)
{
	worker_complete(((struct redis_store *)impl)->worker);
}

static void redis_flush(void *impl)
{
	(void)impl;
}

static void redis_stats(void *impl, struct store_stats *out)
{
	struct redis_store *s = impl;
	s->copy->ops->stats(s->copy->impl, out);
}

static void redis_destroy(void *impl)
{
	struct redis_store *s = impl;
	worker_destroy(s->worker); /* the helper link is free to close after this */
	close(s->wake_fd);
	if (s->helper)
		redis_sync_close(s->helper);
	if (s->reader)
		redis_sync_close(s->reader);
	s->copy->ops->destroy(s->copy->impl);
	while (s->all_names) {
		struct known_name *k = s->all_names;
		s->all_names = k->next_all;
		free(k);
	}
	map_destroy(s->names);
	free(s);
}

static const struct store_ops redis_ops = {
	.append_room = redis_append_room,
	.append_private = redis_append_private,
	.read_room = redis_read_room,
	.read_private = redis_read_private,
	.last_id = redis_last_id,
	.account_exists = redis_account_exists,
	.account_submit = redis_account_submit,
	.account_cancel = redis_account_cancel,
	.wake_fd = redis_wake_fd,
	.on_wake = redis_on_wake,
	.flush = redis_flush,
	.stats = redis_stats,
	.destroy = redis_destroy,
};

struct store *store_redis_create(const struct store_redis_config *cfg)
{
	struct redis_store *s = xcalloc(1, sizeof(*s));
	s->store.ops = &redis_ops;
	s->store.impl = s;
	s->cfg = *cfg;
	s->copy = store_memory_create(cfg->keep);
	s->names = map_create(name_key, false);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->wake_fd < 0)
		abort();
	s->worker = worker_create(s->wake_fd);
	reader_up(s);
	return &s->store;
}

/* ---- `parleyd --redis ... account` ---- */

static bool admin_name_valid(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 32 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "_-[]\\`^{}|") == n;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int admin_list(struct redis_sync *rc, FILE *out, FILE *err)
{
	redisReply *names = redis_sync_command(rc, "HKEYS %s", ACCOUNTS_KEY);
	if (!names || names->type != REDIS_REPLY_ARRAY) {
		fprintf(err, "parleyd account: %s\n",
			!names ? redis_sync_error(rc) : names->type == REDIS_REPLY_ERROR ? names->str
										: "bad reply");
		freeReplyObject(names);
		return 1;
	}
	char **v = xcalloc(names->elements + 1, sizeof(*v));
	for (size_t i = 0; i < names->elements; i++)
		v[i] = names->element[i]->str;
	qsort(v, names->elements, sizeof(*v), by_text);
	for (size_t i = 0; i < names->elements; i++) {
		redisReply *t = redis_sync_command(rc, "HGET %s %s", CREATED_KEY, v[i]);
		char when[STORE_TIME_LEN + 1] = {0};
		store_time_format(t && t->type == REDIS_REPLY_STRING ? strtoull(t->str, NULL, 10) : 0,
				  when);
		fprintf(out, "%s %s\n", v[i], when);
		freeReplyObject(t);
	}
	free(v);
	freeReplyObject(names);
	return 0;
}

/* One line from `in`, without its line end; false if none or empty. */
/* add, passwd and del: one script each; 0 from it means the name was
 * taken (add) or absent (passwd, del). */
static int admin_write(struct redis_sync *rc, const char *verb, const char *name, FILE *in,
		       FILE *out, FILE *err)
{
	char lname[CLUSTER_KEY_MAX], hash[ACCOUNT_HASH_MAX] = "", now[24];
	cluster_lower(lname, name, strlen(name));
	bool add = !strcmp(verb, "add"), del = !strcmp(verb, "del");
	if (!del && store_admin_read_hash(in, err, hash))
		return 1;
	snprintf(now, sizeof(now), "%llu", (unsigned long long)clock_wall_ms());
	redisReply *r;
	if (add)
		r = redis_sync_command(rc, "EVAL %s 2 %s %s %s %s %s", CREATE_LUA, ACCOUNTS_KEY,
				 CREATED_KEY, lname, hash, now);
	else if (del)
		r = redis_sync_command(rc, "EVAL %s 2 %s %s %s", DELETE_LUA, ACCOUNTS_KEY, CREATED_KEY,
				 lname);
	else
		r = redis_sync_command(rc, "EVAL %s 1 %s %s %s", CHANGE_LUA, ACCOUNTS_KEY, lname, hash);
	int rc_exit = 1;
	if (!r || r->type != REDIS_REPLY_INTEGER)
		fprintf(err, "parleyd account: %s\n",
			!r ? redis_sync_error(rc) : r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
	else if (r->integer == 0 && add)
		fprintf(err, "parleyd account: %s is already registered\n", name);
	else if (r->integer == 0)
		fprintf(err, "parleyd account: no account named %s\n", name);
	else {
		fprintf(out, "%s %s\n", add ? "Added" : del ? "Deleted" : "Password changed for",
			name);
		rc_exit = 0;
	}
	freeReplyObject(r);
	return rc_exit;
}

int store_redis_admin(const struct store_redis_config *cfg, int argc, char **argv, FILE *in,
		      FILE *out, FILE *err)
{
	const char *verb = argc > 0 ? argv[0] : "";
	bool named = !strcmp(verb, "add") || !strcmp(verb, "del") || !strcmp(verb, "passwd");
	if (!(named || !strcmp(verb, "list")) || argc != (named ? 2 : 1)) {
		fprintf(err, "usage: parleyd --redis HOST:PORT account add|del|passwd NAME "
			     "(password on stdin) | list\n");
		return 2;
	}
	if (named && !admin_name_valid(argv[1])) {
		fprintf(err, "parleyd account: invalid name '%s'\n", argv[1]);
		return 2;
	}
	char why[256];
	struct redis_sync *rc = redis_open(cfg, false, HELPER_TIMEOUT_MS, why, sizeof(why));
	if (!rc) {
		fprintf(err, "parleyd account: cannot use Redis at %s:%d: %s\n", cfg->host,
			cfg->port, why);
		return 1;
	}
	int status = named ? admin_write(rc, verb, argv[1], in, out, err) : admin_list(rc, out, err);
	redis_sync_close(rc);
	return status;
}
