/* str: small ASCII string helpers that never allocate. */
#ifndef PARLEY_UTIL_STR_H
#define PARLEY_UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

static inline unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Compares `n` bytes ignoring ASCII case; returns <0, 0 or >0 like memcmp. */
int ascii_casecmp_n(const char *a, const char *b, size_t n);

/* True if the `alen` bytes at `a` equal the NUL-terminated `word` exactly. */
bool str_equals(const char *a, size_t alen, const char *word);

/* True if the `alen` bytes at `a` equal `word` ignoring ASCII case. */
bool str_equals_nocase(const char *a, size_t alen, const char *word);

/* Parses a decimal unsigned integer occupying all of `s`; false on junk,
 * empty input or a value above `max`. */
bool str_to_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
