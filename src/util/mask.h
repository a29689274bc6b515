/* mask: the wildcard patterns of bans ("nick!ident@host" masks): '*'
 * stands for any run of bytes, '?' for exactly one, ASCII case ignored.
 * Pure functions, shared by the hub (which keeps ban lists) and the
 * dialects (which write masks). */
#ifndef PARLEY_UTIL_MASK_H
#define PARLEY_UTIL_MASK_H

#include <stdbool.h>
#include <stddef.h>

/* True if `text` matches `mask`. Linear in practice: one backtrack point,
 * never exponential on masks like "*a*a*a*b". */
bool mask_match(const char *mask, size_t mlen, const char *text, size_t tlen);

#endif
