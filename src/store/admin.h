/* admin: `parleyd account add|del|list|passwd` — account administration
 * directly on a data directory's database, for the operator at a shell.
 * Works while a server runs on the same directory (SQLite locks; WAL lets
 * the server keep reading). */
#ifndef PARLEY_STORE_ADMIN_H
#define PARLEY_STORE_ADMIN_H

#include <stddef.h>
#include <stdio.h>

/* Runs one subcommand: argv[0] is "add", "del", "list" or "passwd", then
 * its NAME if it takes one. Passwords are read as one line from `in`
 * (never from argv) and must not be empty. Messages go to `out` and `err`.
 * Returns the exit status: 0 done, 1 failed (no such account, name taken,
 * storage error), 2 usage. */
int store_admin_run(const char *data_dir, int argc, char **argv, FILE *in, FILE *out,
		    FILE *err);

#endif
