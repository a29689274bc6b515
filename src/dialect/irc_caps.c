/* irc_caps: CAP REQ parsing and capability listing (irc_caps.h). Pure:
 * the negotiation state (which caps a client has) stays with the caller. */
#include "dialect/irc_caps.h"

#include <assert.h>
#include <string.h>

int irc_cap_find(const struct irc_cap_table *t, const char *name, size_t len)
{
	assert(t->n <= IRC_CAPS_MAX);
	for (size_t i = 0; i < t->n; i++) {
		const char *c = t->caps[i].name;
		if (strlen(c) == len && memcmp(c, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* Applies one REQ word; false if it makes the whole request a NAK. */
static bool req_word(const struct irc_cap_table *t, const char *w, size_t n, uint32_t *on,
		     uint32_t *off)
{
	bool remove = w[0] == '-';
	if (remove) {
		w++;
		n--;
	}
	int i = n ? irc_cap_find(t, w, n) : -1;
	if (i < 0 || (remove && t->caps[i].sticky))
		return false;
	uint32_t bit = UINT32_C(1) << i;
	if (t->listed_only & bit)
		return false;
	*on = remove ? *on & ~bit : *on | bit;
	*off = remove ? *off | bit : *off & ~bit;
	return true;
}

bool irc_cap_req(const struct irc_cap_table *t, const char *list, size_t len,
		 uint32_t *enable, uint32_t *disable)
{
	uint32_t on = 0, off = 0;
	size_t i = 0, words = 0;
	*enable = *disable = 0;
	while (i < len) {
		if (list[i] == ' ') {
			i++;
			continue;
		}
		const char *sp = memchr(list + i, ' ', len - i);
		size_t end = sp ? (size_t)(sp - list) : len;
		if (!req_word(t, list + i, end - i, &on, &off))
			return false;
		words++;
		i = end;
	}
	if (words == 0)
		return false;
	*enable = on;
	*disable = off;
	return true;
}

/* Bytes cap i takes in a list: its name, "=value" if shown. */
static size_t entry_len(const struct irc_cap *c, bool values)
{
	size_t n = strlen(c->name);
	if (values && c->value && c->value[0])
		n += 1 + strlen(c->value);
	return n;
}

size_t irc_cap_list(const struct irc_cap_table *t, uint32_t mask, bool values, size_t *next,
		    char *buf, size_t cap)
{
	size_t len = 0;
	for (; *next < t->n; (*next)++) {
		const struct irc_cap *c = &t->caps[*next];
		uint32_t bit = UINT32_C(1) << *next;
		if (!(mask & bit) || (!values && (t->needs_value & bit)))
			continue;
		size_t need = entry_len(c, values) + (len ? 1 : 0);
		if (need > cap - len)
			break;
		if (len)
			buf[len++] = ' ';
		size_t nl = strlen(c->name);
		memcpy(buf + len, c->name, nl);
		len += nl;
		if (values && c->value && c->value[0]) {
			buf[len++] = '=';
			memcpy(buf + len, c->value, strlen(c->value));
			len += strlen(c->value);
		}
	}
	return len;
}
