/* backoff: how long the interactive client waits before each attempt to
 * reconnect: 1 s, then twice as long after every failure, never more than
 * 30 s. Pure. */
#ifndef PARLEY_CLIENT_BACKOFF_H
#define PARLEY_CLIENT_BACKOFF_H

#include <stdint.h>

enum { BACKOFF_FIRST_MS = 1000, BACKOFF_MAX_MS = 30000 };

/* The delay before attempt `failures` + 1, after `failures` failed ones
 * (0 right after the connection was lost). */
uint64_t backoff_delay_ms(unsigned failures);

#endif
