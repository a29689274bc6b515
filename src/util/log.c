/* log: structured stderr records. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_event(const struct log *log, enum log_level level, const char *event,
	       const char *fmt, ...)
{
	if (!log_enabled(log, level))
		return;
	char line[1024];
	char now[CLOCK_ISO_LEN];
	clock_format_utc(now);
	int n = snprintf(line, sizeof(line), "%s %s %s", now, level_names[level], event);
	if (fmt && n > 0 && (size_t)n < sizeof(line) - 2) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
		n = m < 0 ? n : n + m;
	}
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* A failed log write has nowhere better to be reported. */
	ssize_t ignored = write(log->fd, line, (size_t)n);
	(void)ignored;
}

bool log_level_parse(const char *name, enum log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}
