/* store_private: what the store implementations share — the helper thread
 * that runs slow jobs (password hashing, account writes) off the loop, the
 * account job both implementations queue on it, and the constructors. Not
 * for use outside src/store/ (and the server, which builds stores). */
#ifndef PARLEY_STORE_PRIVATE_H
#define PARLEY_STORE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/store.h"

struct log;

#include <pthread.h>

/* Starts a helper thread with every signal blocked in it. */
void store_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* ---- worker.c: one helper thread, a job queue, completions via eventfd ---- */

struct worker_job {
	struct worker_job *next;
	void (*run)(struct worker_job *job);  /* on the helper thread */
	void (*done)(struct worker_job *job); /* on the loop thread; frees the job */
	void (*drop)(struct worker_job *job); /* frees a cancelled job */
	uint64_t ticket;
	bool cancelled; /* loop thread only */
};

struct worker;

/* Starts the thread; finished jobs make `wake_fd` (an eventfd) readable. */
struct worker *worker_create(int wake_fd);
/* Queues `job`, giving it a ticket; returns the ticket. */
uint64_t worker_submit(struct worker *w, struct worker_job *job);
/* `ticket`'s done will not run (its drop will, once it has finished). */
void worker_cancel(struct worker *w, uint64_t ticket);
/* Runs `done` (or `drop`) for every finished job. Loop thread. */
void worker_complete(struct worker *w);
/* Finishes queued jobs, joins the thread, drops their completions. */
void worker_destroy(struct worker *w);

/* ---- accounts.c: hashing (libsodium Argon2id) and the account job ---- */

enum { ACCOUNT_HASH_MAX = 128 }; /* crypto_pwhash_STRBYTES */

/* Hashes `pw` into `out` (NUL-terminated). False if out of memory. */
bool account_hash(const char *pw, size_t len, char out[ACCOUNT_HASH_MAX]);

/* For `parleyd account`: reads one password line from `in` and hashes it
 * into `hash`; 0, or 1 after a message on `err` (no password, or no
 * memory to hash). The password never stays in memory. */
int store_admin_read_hash(FILE *in, FILE *err, char hash[ACCOUNT_HASH_MAX]);
/* Constant-time check of `pw` against a stored hash. */
bool account_verify(const char *hash, const char *pw, size_t len);

struct account_job {
	struct worker_job base;
	enum store_account_op op;
	enum store_account_result result;
	store_account_fn *done;
	void *ctx;
	void *impl; /* the store that queued it */
	char name[33];
	char password[STORE_PASSWORD_MAX + 1];
	char new_password[STORE_PASSWORD_MAX + 1];
	size_t password_len, new_password_len;
	char hash[ACCOUNT_HASH_MAX]; /* input (stored) or output (new) */
};

/* A job copied from `req` (passwords included, wiped when freed), whose
 * completion calls req->done and frees it. */
struct account_job *account_job_new(const struct store_account_request *req, void *impl,
				    void (*run)(struct worker_job *job));
void account_job_free(struct account_job *job);
/* The default completion: calls the requester back, frees the job. */
void account_job_finish(struct worker_job *job);
/* The hashing half of an operation, on the helper thread: VERIFY and
 * CHANGE check `password` against `hash` (empty: no such account), CHANGE
 * and CREATE leave the new hash in `hash`. Sets `result`. */
void account_job_check(struct account_job *job);

/* ---- query.c ---- */

enum { STORE_PAIR_KEY_MAX = 66 };
/* The key private lines between two names are kept under: "a b", both
 * lower-cased, the smaller first, so either direction finds them. */
size_t store_pair_key(const char *a, size_t alen, const char *b, size_t blen,
		      char out[STORE_PAIR_KEY_MAX]);

/* ---- constructors ---- */

/* The in-memory store: everything lost at exit. `keep` lines per room
 * (0 = unbounded). */
struct store *store_memory_create(size_t keep);

struct store_sqlite_config {
	const char *dir;        /* the data directory (created if missing) */
	size_t keep_lines;      /* per room; 0 = no count limit */
	uint64_t keep_ms;       /* age limit; 0 = none */
	uint64_t commit_ms;     /* the durability bound: a batch at least this often */
	const struct log *log;  /* where faults are reported */
};

/* Opens (creating or migrating) DIR/parley.db. NULL with a reason in `err`;
 * `*unreadable` then tells a damaged file (the server may run on without
 * it) from a refusal (a newer schema, a directory that cannot be made). */
struct store *store_sqlite_create(const struct store_sqlite_config *cfg, bool *unreadable,
				  char *err, size_t errlen);

/* ---- sqlite.c and admin.c: the database file ---- */

typedef struct sqlite3 sqlite3;

/* Opens DIR/parley.db (creating DIR and the file if `create`), switches it
 * to WAL and brings its schema up to date. A read-only file is opened
 * read-only (`*readonly`). False with a reason in `err`. */
bool sql_open_file(const char *dir, bool create, sqlite3 **out, char **path_out, bool *readonly,
		   bool *unreadable, char *err, size_t errlen);
/* Opens the file at `path` with the settings every connection uses. */
sqlite3 *sql_open_db(const char *path, bool readonly, char *err, size_t errlen);
/* Closes a connection, leaving the file in rollback-journal mode if it was
 * the last one (see schema.c). */
void sql_close_file(sqlite3 *db);
/* The schema version this build writes. */
int sql_schema_version(void);
/* The highest message id stored or reserved (0 if none). */
uint64_t sql_id_high_water(sqlite3 *db);
/* Records that ids up to `upto` may have been handed out. */
int sql_save_ids_reserved(sqlite3 *db, uint64_t upto);
/* The stored hash of `name` into `hash` ("" if no such account). */
int sql_account_read(sqlite3 *db, const char *name, char hash[ACCOUNT_HASH_MAX]);
/* Inserts (`create`) or updates the account's hash; SQLITE_CONSTRAINT
 * when creating a name that exists. */
int sql_account_write(sqlite3 *db, const char *name, const char *hash, bool create);

#endif
