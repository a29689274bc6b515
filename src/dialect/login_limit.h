/* login_limit: slows password guessing, for every dialect that checks
 * passwords (chat LOGIN and PASSWORD; IRC SASL can use the same). Two
 * limits: per connection, each failure doubles the wait before the next
 * try (1 s, 2 s, 4 s ... up to a minute); per source address, at most
 * LOGIN_LIMIT_PER_ADDRESS failures in a LOGIN_LIMIT_WINDOW_MS window,
 * whatever connections they came from. Pure bookkeeping: the caller
 * passes the time. */
#ifndef PARLEY_DIALECT_LOGIN_LIMIT_H
#define PARLEY_DIALECT_LOGIN_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/addr.h"

enum {
	LOGIN_LIMIT_PER_ADDRESS = 10,
	LOGIN_LIMIT_WINDOW_MS = 60 * 1000,
	LOGIN_LIMIT_MAX_DELAY_MS = 60 * 1000,
	LOGIN_LIMIT_ADDRESSES = 4096, /* addresses remembered before forgetting all */
};

/* One connection's state: embed it, zeroed. */
struct login_attempts {
	uint32_t failures;
	uint64_t next_try_ms;
};

struct login_limit;

struct login_limit *login_limit_create(void);
void login_limit_destroy(struct login_limit *limit);

/* May this connection, from `peer`, try a password now? */
bool login_limit_allowed(struct login_limit *limit, const struct login_attempts *conn,
			 const struct peer *peer, uint64_t now_ms);

/* Records a wrong password (or unknown account). */
void login_limit_failed(struct login_limit *limit, struct login_attempts *conn,
			const struct peer *peer, uint64_t now_ms);

/* Records a success: the connection's own count starts again. */
void login_limit_succeeded(struct login_attempts *conn);

#endif
