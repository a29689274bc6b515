/* schema: the database file of a data directory — opening it with the
 * settings every connection uses (busy timeout, WAL, synchronous=NORMAL),
 * and the versioned schema migrations, kept in PRAGMA user_version. A file
 * from a newer parleyd is refused, never migrated downwards or touched. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_private.h"
#include "util/alloc.h"

/* Migration i takes a database from user_version i to i + 1. Append only:
 * a released step is never edited. */
static const char *const migrations[] = {
	/* 1: lines (rooms and private pairs) and accounts */
	"CREATE TABLE line ("
	" id INTEGER PRIMARY KEY,"          /* the hub's message id */
	" scope TEXT NOT NULL COLLATE NOCASE," /* '#room', or 'a b' for a private pair */
	" time_ms INTEGER NOT NULL,"
	" sender TEXT NOT NULL,"
	" target TEXT NOT NULL,"             /* private: the recipient; rooms: '' */
	" origin TEXT NOT NULL,"
	" body TEXT NOT NULL);"
	"CREATE INDEX line_scope_id ON line(scope, id);"
	"CREATE INDEX line_scope_time ON line(scope, time_ms);"
	"CREATE INDEX line_time ON line(time_ms);"
	"CREATE TABLE account ("
	" name TEXT PRIMARY KEY COLLATE NOCASE,"
	" hash TEXT NOT NULL,"
	" created_ms INTEGER NOT NULL);",
	/* 2: the message-id high-water mark (ids handed out but not kept as
	 * lines, such as private lines of guests, must not recur) */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
};
enum { SCHEMA_VERSION = sizeof(migrations) / sizeof(migrations[0]) };

static int user_version(sqlite3 *db, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static bool migrate(sqlite3 *db, bool readonly, bool *unreadable, char *err, size_t errlen)
{
	int version;
	int rc = user_version(db, &version);
	if (rc != SQLITE_OK) {
		*unreadable = true;
		snprintf(err, errlen, "cannot read the database: %s", sqlite3_errstr(rc));
		return false;
	}
	if (version > (int)SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "database schema version %d is newer than this parleyd understands (%d); "
			 "use a newer parleyd or another --data-dir",
			 version, (int)SCHEMA_VERSION);
		return false;
	}
	if (version == (int)SCHEMA_VERSION)
		return true;
	if (readonly) {
		snprintf(err, errlen, "database schema version %d needs migrating to %d, "
			 "but the database is read-only", version, (int)SCHEMA_VERSION);
		return false;
	}
	for (int v = version; v < (int)SCHEMA_VERSION; v++) {
		char *msg = NULL;
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; COMMIT;", v + 1);
		if (sqlite3_exec(db, "BEGIN IMMEDIATE;", NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, migrations[v], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(err, errlen, "schema migration to version %d failed: %s", v + 1,
				 msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
			return false;
		}
	}
	return true;
}

/* Opens the file with the settings every connection uses. */
sqlite3 *sql_open_db(const char *path, bool readonly, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
		    SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path,
			 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 2000);
	sqlite3_exec(db, "PRAGMA synchronous = NORMAL;", NULL, NULL, NULL);
	return db;
}

bool sql_open_file(const char *dir, bool create, sqlite3 **out, char **path_out, bool *readonly,
		   bool *unreadable, char *err, size_t errlen)
{
	*unreadable = false;
	struct stat info;
	bool exists = stat(dir, &info) == 0 && S_ISDIR(info.st_mode);
	if (create && !exists && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
		return false;
	}
	size_t n = strlen(dir) + sizeof("/parley.db");
	char *path = xmalloc(n);
	snprintf(path, n, "%s/parley.db", dir);
	*readonly = access(path, F_OK) == 0 && access(path, W_OK) != 0;
	sqlite3 *db = sql_open_db(path, *readonly, err, errlen);
	if (db && !*readonly) {
		/* WAL: readers and the writer do not block each other. */
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_step(st);
			sqlite3_finalize(st);
		}
	}
	if (db && !migrate(db, *readonly, unreadable, err, errlen)) {
		sqlite3_close(db);
		db = NULL;
	}
	if (!db) {
		free(path);
		return false;
	}
	*out = db;
	*path_out = path;
	return true;
}


int sql_schema_version(void)
{
	return (int)SCHEMA_VERSION;
}

static uint64_t select_u64(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	uint64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

uint64_t sql_id_high_water(sqlite3 *db)
{
	uint64_t stored = select_u64(db, "SELECT max(id) FROM line");
	uint64_t reserved = select_u64(db, "SELECT value FROM meta WHERE key = 'ids_reserved'");
	return stored > reserved ? stored : reserved;
}

int sql_save_ids_reserved(sqlite3 *db, uint64_t upto)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(
		db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('ids_reserved', ?1)", -1, &st,
		NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Leaves the file in rollback-journal mode when no one else has it open,
 * so a read-only copy (a backup, a read-only mount) opens without the WAL
 * side files; the next writer switches back to WAL. Never waits. */
void sql_close_file(sqlite3 *db)
{
	if (!db)
		return;
	sqlite3_busy_timeout(db, 0);
	if (!sqlite3_db_readonly(db, "main"))
		sqlite3_exec(db, "PRAGMA journal_mode = DELETE;", NULL, NULL, NULL);
	sqlite3_close(db);
}
