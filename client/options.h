/* options: the parley command line. Parsing is pure (no I/O besides the
 * help text) so that main.c decides what to print and how to exit. */
#ifndef PARLEY_CLIENT_OPTIONS_H
#define PARLEY_CLIENT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto.h"
#include "net/addr.h"

enum {
	OPT_DEFAULT_LINGER_MS = 500,
	OPT_DEFAULT_CONNECT_MS = 10000,
	OPT_DEFAULT_MAX_UNIT = 1024 * 1024,
	OPT_ROOM_MAX = 64,
	OPT_NAME_MAX = 64,
};

struct options {
	enum proto proto;
	char host[ADDR_HOST_MAX];
	uint16_t port;
	char user[OPT_NAME_MAX];  /* empty: do not register a name */
	char room[OPT_ROOM_MAX];  /* empty: join nothing; always starts with '#' */
	bool raw;                 /* print messages as received, even on a terminal */
	bool no_color;            /* --no-color or NO_COLOR */
	bool no_timestamps;       /* interactive: no "[HH:MM] " on shown lines */
	uint64_t linger_ms;       /* filter mode: quiet time before exiting */
	uint64_t connect_ms;      /* give up connecting after this long */
	size_t max_line;          /* longest incoming line accepted */
	size_t max_frame;         /* largest incoming frame accepted */
	bool tls;                 /* --tls */
	const char *ca_file;      /* --ca FILE, or NULL: the system's trust store */
	bool insecure;            /* --insecure: no certificate or name check */
};

enum opt_result {
	OPT_RUN,   /* options are valid: run the client */
	OPT_HELP,  /* --help: print options_help() to stdout, exit 0 */
	OPT_USAGE, /* bad command line: reason in err, exit 2 */
};

/* Fills `o` from argv (and NO_COLOR from the environment). On OPT_USAGE
 * writes a one-line reason into `err`. */
enum opt_result options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen);

/* Writes the full --help text. */
void options_help(FILE *out);

/* Writes the one-line synopsis (after a usage error). */
void options_usage(FILE *out);

#endif
