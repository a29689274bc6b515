/* store_redis: the store seam (store/store.h) in cluster mode, over the
 * same Redis server the nodes share (docs/CLUSTER.md), so history and
 * accounts are the network's, not a node's.
 *
 * Room lines are written by the cluster's room-line script (it numbers,
 * appends to the room's stream and publishes in one step); the store's
 * append keeps only this node's in-memory copy, the fallback for reads
 * while Redis cannot answer. Reads (history, replay on join, "is this
 * name an account") are bounded loopback round trips on a synchronous
 * connection of their own, made on the loop's thread like SQLite's reads;
 * when Redis is down or slow they answer from the node's copy and the
 * fault is logged once. Account operations that hash run on the helper
 * thread with its own blocking connection, never on the loop's thread.
 * Private lines stay in the node's copy (per node, not shared). */
#ifndef PARLEY_CLUSTER_STORE_REDIS_H
#define PARLEY_CLUSTER_STORE_REDIS_H

#include <stddef.h>
#include <stdio.h>

#include "cluster/redis_link.h"

struct log;
struct store;

struct store_redis_config {
	const char *host;
	int port;
	const char *password; /* NULL: no AUTH */
	struct redis_transport transport;        /* the loop thread's (and admin's) */
	struct redis_transport helper_transport; /* the helper thread's */
	size_t keep;          /* lines per room in the node's own copy */
	const struct log *log;
};

/* Never fails: an unreachable Redis is tried again on later reads. */
struct store *store_redis_create(const struct store_redis_config *cfg);

/* `parleyd --redis HOST:PORT account add|del|passwd NAME | list`: as
 * store_admin_run() on a data directory, against the accounts in Redis.
 * Returns the exit status: 0 done, 1 failed, 2 usage. */
int store_redis_admin(const struct store_redis_config *cfg, int argc, char **argv, FILE *in,
		      FILE *out, FILE *err);

#endif
