/* admin: account subcommands on the database file. Hashing happens here
 * in the foreground: this is a command-line tool, not the event loop. */
#include "store/admin.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_private.h"
#include "util/clock.h"

int sql_account_read(sqlite3 *db, const char *name, char hash[ACCOUNT_HASH_MAX])
{
	sqlite3_stmt *st;
	hash[0] = '\0';
	int rc = sqlite3_prepare_v2(db, "SELECT hash FROM account WHERE name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		snprintf(hash, ACCOUNT_HASH_MAX, "%s", h ? h : "");
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int sql_account_write(sqlite3 *db, const char *name, const char *hash, bool create)
{
	const char *sql = create ? "INSERT INTO account (name, hash, created_ms) VALUES (?1, ?2, ?3)"
				 : "UPDATE account SET hash = ?2 WHERE name = ?1";
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (create)
		sqlite3_bind_int64(st, 3, (sqlite3_int64)clock_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && !create && sqlite3_changes(db) == 0)
		return SQLITE_NOTFOUND;
	return rc == SQLITE_DONE ? SQLITE_OK : (rc & 0xff);
}

/* The hub's rule for names, restated: the store knows no hub. */
static bool name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-[]\\`^{}|",
			    name[i]))
			return false;
	return true;
}

int store_admin_read_hash(FILE *in, FILE *err, char hash[ACCOUNT_HASH_MAX])
{
	char pw[STORE_PASSWORD_MAX + 2];
	bool got = fgets(pw, (int)sizeof(pw), in) != NULL;
	if (got)
		pw[strcspn(pw, "\r\n")] = '\0';
	if (!got || !pw[0]) {
		fprintf(err, "parleyd account: no password on standard input\n");
		return 1;
	}
	bool hashed = account_hash(pw, strlen(pw), hash);
	memset(pw, 0, sizeof(pw));
	if (!hashed) {
		fprintf(err, "parleyd account: cannot hash the password (out of memory)\n");
		return 1;
	}
	return 0;
}

static int set_password(sqlite3 *db, const char *name, bool create, FILE *in, FILE *out,
			FILE *err)
{
	char hash[ACCOUNT_HASH_MAX];
	if (store_admin_read_hash(in, err, hash))
		return 1;
	int rc = sql_account_write(db, name, hash, create);
	if (rc == SQLITE_OK) {
		fprintf(out, "%s %s\n", create ? "Added" : "Password changed for", name);
		return 0;
	}
	if (rc == SQLITE_CONSTRAINT)
		fprintf(err, "parleyd account: %s is already registered\n", name);
	else if (rc == SQLITE_NOTFOUND)
		fprintf(err, "parleyd account: no account named %s\n", name);
	else
		fprintf(err, "parleyd account: %s\n", sqlite3_errstr(rc));
	return 1;
}

static int delete_account(sqlite3 *db, const char *name, FILE *out, FILE *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "DELETE FROM account WHERE name = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE) {
		fprintf(err, "parleyd account: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (sqlite3_changes(db) == 0) {
		fprintf(err, "parleyd account: no account named %s\n", name);
		return 1;
	}
	fprintf(out, "Deleted %s\n", name);
	return 0;
}

static int list_accounts(sqlite3 *db, FILE *out, FILE *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT name, created_ms FROM account ORDER BY name", -1,
				    &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char when[STORE_TIME_LEN + 1] = {0};
		store_time_format((uint64_t)sqlite3_column_int64(st, 1), when);
		fprintf(out, "%s %s\n", sqlite3_column_text(st, 0), when);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		fprintf(err, "parleyd account: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	return 0;
}

int store_admin_run(const char *data_dir, int argc, char **argv, FILE *in, FILE *out,
		    FILE *err)
{
	const char *verb = argc > 0 ? argv[0] : "";
	bool named = !strcmp(verb, "add") || !strcmp(verb, "del") || !strcmp(verb, "passwd");
	if (!(named || !strcmp(verb, "list")) || argc != (named ? 2 : 1)) {
		fprintf(err, "usage: parleyd --data-dir DIR account add|del|passwd NAME "
			     "(password on stdin) | list\n");
		return 2;
	}
	if (named && !name_valid(argv[1])) {
		fprintf(err, "parleyd account: invalid name '%s'\n", argv[1]);
		return 2;
	}
	sqlite3 *db;
	char *path, why[512];
	bool readonly, unreadable;
	if (!sql_open_file(data_dir, true, &db, &path, &readonly, &unreadable, why, sizeof(why))) {
		fprintf(err, "parleyd account: %s\n", why);
		return 1;
	}
	free(path);
	int rc;
	if (!strcmp(verb, "list"))
		rc = list_accounts(db, out, err);
	else if (!strcmp(verb, "del"))
		rc = delete_account(db, argv[1], out, err);
	else
		rc = set_password(db, argv[1], !strcmp(verb, "add"), in, out, err);
	sql_close_file(db);
	return rc;
}
