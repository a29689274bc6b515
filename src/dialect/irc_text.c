/* irc_text: names, casemapping, lists, chunks and CTCP ACTION for the IRC
 * dialect (irc_text.h). Depends only on libc and util/str. */
#include "dialect/irc_text.h"

#include <string.h>

#include "util/str.h"

static bool is_letter(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 2812 "special": %x5B-60 / %x7B-7D, i.e. [ \ ] ^ _ ` { | } */
static bool is_special(unsigned char c)
{
	return (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7D);
}

bool irc_nick_valid(const char *nick, size_t len, size_t maxlen, enum irc_nick_rule rule)
{
	if (len == 0 || len > maxlen)
		return false;
	const unsigned char *p = (const unsigned char *)nick;
	bool first_ok = is_letter(p[0]) || is_special(p[0]) ||
			(rule == IRC_NICK_PERMISSIVE && (is_digit(p[0]) || p[0] == '-'));
	if (!first_ok)
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_letter(p[i]) && !is_special(p[i]) && !is_digit(p[i]) && p[i] != '-')
			return false;
	return true;
}

bool irc_channel_valid(const char *name, size_t len, size_t maxlen, const char *chantypes)
{
	if (len < 2 || len > maxlen || name[0] == '\0' || !strchr(chantypes, name[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (memchr("\0\a\r\n ,:", name[i], 7))
			return false;
	return true;
}

int irc_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int r = ascii_casecmp_n(a, b, n);
	if (r != 0)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

void irc_casefold(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)ascii_lower((unsigned char)src[i]);
}

bool irc_list_next(const char *list, size_t len, size_t *pos, const char **item,
		   size_t *item_len)
{
	if (*pos > len || len == 0)
		return false;
	const char *start = list + *pos;
	const char *comma = memchr(start, ',', len - *pos);
	size_t n = comma ? (size_t)(comma - start) : len - *pos;
	*item = start;
	*item_len = n;
	*pos += n + 1; /* past the comma, or past len at the end */
	return true;
}

size_t irc_text_chunk(const char *text, size_t len, size_t budget)
{
	if (len <= budget)
		return len;
	const unsigned char *p = (const unsigned char *)text;
	size_t cut = budget;
	/* p[cut] is the first byte left out: back off while it continues a
	 * character, but never more than a character's worth */
	for (int k = 0; k < 3 && cut > 0 && (p[cut] & 0xC0) == 0x80; k++)
		cut--;
	if ((p[cut] & 0xC0) == 0x80)
		cut = budget; /* not UTF-8 here: any cut is as good */
	return cut;
}

bool irc_ctcp_action(const char *text, size_t len, const char **body, size_t *body_len)
{
	static const char word[] = "\001ACTION";
	size_t wn = sizeof(word) - 1;
	if (len < wn || ascii_casecmp_n(text, word, wn) != 0)
		return false;
	size_t end = len;
	if (end > wn && text[end - 1] == '\001')
		end--;
	if (end == wn) {
		*body = text + wn;
		*body_len = 0;
		return true;
	}
	if (text[wn] != ' ')
		return false;
	*body = text + wn + 1;
	*body_len = end - wn - 1;
	return true;
}
