/* escape: printable renderings of untrusted bytes. */
#include "escape.h"

#include <stdbool.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/utf8.h"

/* Length a UTF-8 sequence starting with `c` claims to have (0: not a lead
 * byte of any well-formed sequence). */
static size_t claimed_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* Length of the printable UTF-8 sequence at p[0..n), or 0. C1 controls
 * (U+0080..U+009F) are valid UTF-8 but some terminals obey them. */
static size_t printable_seq(const unsigned char *p, size_t n)
{
	size_t k = claimed_len(p[0]);
	if (k == 0 || k > n || !utf8_valid((const char *)p, k))
		return 0;
	if (k == 2 && p[0] == 0xC2 && p[1] < 0xA0)
		return 0;
	return k;
}

static void append_escape(struct buf *out, unsigned char c)
{
	char tmp[5];
	switch (c) {
	case '\n':
		buf_append(out, "\\n", 2);
		return;
	case '\r':
		buf_append(out, "\\r", 2);
		return;
	case '\t':
		buf_append(out, "\\t", 2);
		return;
	case '\\':
		buf_append(out, "\\\\", 2);
		return;
	default:
		snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		buf_append(out, tmp, 4);
	}
}

static bool plain_ascii(unsigned char c, enum escape_mode mode)
{
	if (c == '\\' || c == '\t')
		return mode == ESCAPE_TEXT;
	return c >= 0x20 && c < 0x7f;
}

void escape_append(struct buf *out, const char *s, size_t len, enum escape_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes [i - run, i) are waiting to be copied */
	while (i < len) {
		size_t k = p[i] < 0x80 ? (plain_ascii(p[i], mode) ? 1 : 0)
				       : printable_seq(p + i, len - i);
		if (k > 0) {
			i += k;
			run += k;
			continue;
		}
		buf_append(out, p + i - run, run);
		run = 0;
		append_escape(out, p[i++]);
	}
	buf_append(out, p + i - run, run);
}
