/* redis_tls: the TLS client contexts for the connections to Redis in
 * cluster mode (--redis-tls and its files), handed to the cluster and its
 * store as transports. Two contexts with the same settings: one for the
 * loop's thread and one for the store's helper thread, since a context
 * keeps the reason for its latest failure. */
#ifndef PARLEY_SERVER_REDIS_TLS_H
#define PARLEY_SERVER_REDIS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "cluster/redis_link.h"

struct options;
struct tls_client;

struct redis_tls {
	struct tls_client *loop_side;   /* NULL: plain connections */
	struct tls_client *helper_side;
};

/* Nothing to do without --redis-tls. False with a one-line reason when a
 * CA, certificate or key file cannot be used. */
bool redis_tls_open(struct redis_tls *rt, const struct options *o, char *err, size_t errlen);

/* Plain when TLS is off. */
struct redis_transport redis_tls_transport(const struct redis_tls *rt, bool helper);

void redis_tls_close(struct redis_tls *rt);

#endif
