/* reference: deliberately simple, independently written models of the
 * validators the fuzz targets check the real code against. They follow the
 * product's words (PRODUCT.md, RFC 3629), not the implementation: a decoder
 * that computes each code point and rejects overlongs, surrogates and values
 * above U+10FFFF; names and room names as character classes. */
#ifndef PARLEY_TESTS_FUZZ_REFERENCE_H
#define PARLEY_TESTS_FUZZ_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline bool ref_utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t k;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			k = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			k = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			k = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + j] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += k + 1;
	}
	return true;
}

/* Control bytes the chat protocol refuses: below 0x20 except tab, and DEL. */
static inline bool ref_has_control(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7F)
			return true;
	return false;
}

static inline bool ref_name_valid(const unsigned char *p, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned c = p[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
			  (c >= 'a' && c <= 'z') || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* The hub's rule: chat's characters plus IRC's []\`^{}| anywhere. */
static inline bool ref_hub_name_valid(const unsigned char *p, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ref_name_valid(p + i, 1) && !memchr("[]\\`^{}|", p[i], 8))
			return false;
	return true;
}

static inline bool ref_room_valid(const unsigned char *p, size_t n)
{
	if (n < 2 || n > 32 || p[0] != '#')
		return false;
	for (size_t i = 1; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7E || p[i] == ',' || p[i] == ':')
			return false;
	return true;
}

#endif
