/* utf8: strict validation following the well-formed byte sequence table of
 * RFC 3629 section 4 (and Unicode table 3-7). */
#include "util/utf8.h"

#include <stdint.h>
#include <string.h>

static bool in(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/* Returns the length of the valid sequence at p[0..n), or 0 if invalid. */
static size_t sequence_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	if (in(c, 0xC2, 0xDF))
		return n >= 2 && in(p[1], 0x80, 0xBF) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
		return n >= 3 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
		unsigned char hi = c == 0xF4 ? 0x8F : 0xBF; /* <= U+10FFFF */
		return n >= 4 && in(p[1], lo, hi) && in(p[2], 0x80, 0xBF) &&
		       in(p[3], 0x80, 0xBF) ? 4 : 0;
	}
	return 0;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		/* Fast path: skip eight ASCII bytes at a time. */
		if (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		size_t n = sequence_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
