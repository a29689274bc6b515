/* proto_irc: the IRC line parser behind the irc scanner, exposed for its
 * unit tests, and the longest payload an IRC line can carry (options.c
 * refuses bigger --size values). The scanner itself is `proto_irc` in
 * proto.h. */
#ifndef PARLEY_BENCH_PROTO_IRC_H
#define PARLEY_BENCH_PROTO_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One message, "[@tags ][:prefix ]COMMAND [params] [:trailing]", as
 * pointers into the caller's bytes (nothing is copied). */
struct bench_irc_line {
	const char *cmd;
	size_t cmd_len;
	const char *first; /* first parameter (a PRIVMSG's target), NULL if none */
	size_t first_len;
	const char *last;  /* last parameter (trailing or not), NULL if none */
	size_t last_len;
	unsigned nparams;
};

/* Parses the line p[0..n) (terminator already removed). False if it has
 * no command. */
bool bench_irc_parse(const char *p, size_t n, struct bench_irc_line *out);

/* The largest --size for --proto irc: 512-byte lines, minus the prefix,
 * command and channel a server puts around the text. */
uint32_t bench_irc_payload_max(void);

#endif
