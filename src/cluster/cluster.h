/* cluster: one parleyd node of a network of nodes sharing a Redis server
 * (docs/CLUSTER.md). It implements the hub's bus seam: what local users do
 * is written to Redis and published; what other nodes publish is applied
 * to the hub through proxy users. Everything runs on the loop's thread
 * over two non-blocking connections (commands, subscriptions; plain or
 * TLS, redis_link.h), reconnected with backoff; while Redis is away the
 * node serves its own users alone. */
#ifndef PARLEY_CLUSTER_CLUSTER_H
#define PARLEY_CLUSTER_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/redis_link.h"

struct loop;
struct log;
struct hub;
struct hub_bus;

struct cluster_config {
	struct loop *loop;
	const struct log *log;
	const char *host;
	int port;
	const char *password; /* NULL: no AUTH */
	/* Plain or TLS; its factory is used on the loop's thread only. */
	struct redis_transport transport;
	const char *node;     /* this node's name (bus_node_valid) */
	uint64_t lease_ms;
	size_t history; /* room lines read back when a room is first joined here */
	size_t history_keep; /* lines kept per room stream (MAXLEN ~); 0: no limit */
	/* Wall time in ms for line timestamps. */
	uint64_t (*now_ms)(void *ctx);
	void *now_ctx;
};

struct cluster_stats {
	bool online;
	uint64_t reconnects;   /* links re-established after a loss */
	uint64_t published;    /* messages this node published */
	uint64_t received;     /* messages received on any channel */
	uint64_t room_received; /* of which on room channels */
	uint64_t rejected;     /* malformed messages dropped */
	uint64_t unauthorised; /* moderation by a non-operator, dropped */
	uint64_t collisions;   /* local users renamed after losing a name race */
	uint64_t nodes_lost;   /* other nodes found dead */
	size_t proxies;        /* other nodes' users known here */
	size_t rooms;          /* room channels subscribed */
};

struct cluster *cluster_create(const struct cluster_config *cfg);

/* The bus to give the hub (hub_config.bus). */
const struct hub_bus *cluster_bus(struct cluster *c);

/* Binds the hub made with that bus and starts connecting. */
void cluster_start(struct cluster *c, struct hub *hub);

/* Drops every proxy from the hub and stops applying messages; tells the
 * network (best effort, at most ~1 s) that this node is leaving. Call
 * before the hub is destroyed, after local users are gone. */
void cluster_stop(struct cluster *c);

void cluster_destroy(struct cluster *c);

void cluster_stats(const struct cluster *c, struct cluster_stats *out);

#endif
