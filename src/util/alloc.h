/* alloc: allocation wrappers that abort on out-of-memory.
 * Callers never check for NULL: a server that cannot allocate a few bytes
 * has no meaningful way to carry on, so we fail loudly in one place. */
#ifndef PARLEY_UTIL_ALLOC_H
#define PARLEY_UTIL_ALLOC_H

#include <stddef.h>

/* Each returns valid memory or aborts the process; free with free(). */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrndup(const char *s, size_t len);

#endif
