/* clock: monotonic time for timers and ages, wall-clock time for logs. */
#ifndef PARLEY_UTIL_CLOCK_H
#define PARLEY_UTIL_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock (arbitrary epoch). */
uint64_t clock_mono_ms(void);

/* Nanoseconds on the monotonic clock (arbitrary epoch). */
uint64_t clock_mono_ns(void);

/* Milliseconds since the Unix epoch (wall clock; may jump). */
uint64_t clock_wall_ms(void);

enum { CLOCK_ISO_LEN = 25 }; /* "2026-11-21T09:30:00.123Z" plus NUL */

/* Writes the current UTC time as ISO-8601 with milliseconds into `out`. */
void clock_format_utc(char out[CLOCK_ISO_LEN]);

#endif
