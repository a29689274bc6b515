/* log: one-line structured log records on a file descriptor (stderr).
 * Format: "<ISO-8601 UTC> <LEVEL> <EVENT> key=value ...". Each record is a
 * single write(2) so lines from one process never interleave. */
#ifndef PARLEY_UTIL_LOG_H
#define PARLEY_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct log {
	enum log_level level; /* records below this level are dropped */
	int fd;               /* where records go, usually 2 */
};

/* True if a record at `level` would be written. */
static inline bool log_enabled(const struct log *log, enum log_level level)
{
	return log && level >= log->level;
}

/* Writes one record: `event` is the upper-case event word, `fmt` the
 * key=value tail (may be NULL). Long records are truncated, never split. */
void log_event(const struct log *log, enum log_level level, const char *event,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parses "debug", "info", "warn" or "error"; false on anything else. */
bool log_level_parse(const char *name, enum log_level *out);

#endif
