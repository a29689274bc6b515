/* mask: wildcard matching with a single backtrack point. */
#include "util/mask.h"

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

bool mask_match(const char *mask, size_t mlen, const char *text, size_t tlen)
{
	size_t m = 0, t = 0, star = (size_t)-1, resume = 0;
	while (t < tlen) {
		if (m < mlen && mask[m] == '*') {
			star = m++;
			resume = t;
		} else if (m < mlen && (mask[m] == '?' || lower((unsigned char)mask[m]) ==
								lower((unsigned char)text[t]))) {
			m++;
			t++;
		} else if (star != (size_t)-1) {
			m = star + 1;
			t = ++resume;
		} else {
			return false;
		}
	}
	while (m < mlen && mask[m] == '*')
		m++;
	return m == mlen;
}
