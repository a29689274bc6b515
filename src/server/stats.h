/* stats: the STATS block printed on the console, in the frame server's original report layout with
 * extra summary lines before the connection list. */
#ifndef PARLEY_SERVER_STATS_H
#define PARLEY_SERVER_STATS_H

#include <stdint.h>
#include <stdio.h>

struct net;
struct hub;
struct loop;

struct stats_source {
	const struct net *net;
	const struct hub *hub;
	const char *backend;
	uint64_t uptime_ms;
	const struct loop *loop; /* iteration times; NULL leaves the line out */
};

/* Writes the whole block to `out` and flushes it. */
void stats_write(FILE *out, const struct stats_source *src);

#endif
