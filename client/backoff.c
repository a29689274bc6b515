/* backoff: the reconnect schedule. */
#include "backoff.h"

uint64_t backoff_delay_ms(unsigned failures)
{
	uint64_t delay = BACKOFF_FIRST_MS;
	/* Doubling stops at the ceiling, so a long outage cannot overflow. */
	for (unsigned i = 0; i < failures && delay < BACKOFF_MAX_MS; i++)
		delay *= 2;
	return delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS;
}
