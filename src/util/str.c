/* str: ASCII helpers. */
#include "util/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ascii_casecmp_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int d = ascii_lower((unsigned char)a[i]) - ascii_lower((unsigned char)b[i]);
		if (d)
			return d;
	}
	return 0;
}

bool str_equals(const char *a, size_t alen, const char *word)
{
	return strlen(word) == alen && memcmp(a, word, alen) == 0;
}

bool str_equals_nocase(const char *a, size_t alen, const char *word)
{
	return strlen(word) == alen && ascii_casecmp_n(a, word, alen) == 0;
}

bool str_to_ulong(const char *s, unsigned long max, unsigned long *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}
