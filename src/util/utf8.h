/* utf8: strict UTF-8 validation (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
#ifndef PARLEY_UTIL_UTF8_H
#define PARLEY_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True if the `len` bytes at `p` are well-formed UTF-8. */
bool utf8_valid(const char *p, size_t len);

#endif
