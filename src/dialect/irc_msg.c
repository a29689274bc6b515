/* irc_msg: the IRC line parser and the tag helpers (irc_msg.h). One pass
 * over the bytes, results are slices of the input, nothing is allocated.
 * The writer is in irc_write.c. */
#include "dialect/irc_msg.h"

#include <string.h>

static bool is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c == '-';
}

/* Index of the first space in p[from..n), or n. */
static size_t find_space(const char *p, size_t from, size_t n)
{
	const char *s = memchr(p + from, ' ', n - from);
	return s ? (size_t)(s - p) : n;
}

static size_t skip_spaces(const char *p, size_t i, size_t n)
{
	while (i < n && p[i] == ' ')
		i++;
	return i;
}

/* ---- tags ---- */

bool irc_tag_key_valid(const char *key, size_t len)
{
	size_t i = (len > 0 && key[0] == '+') ? 1 : 0;
	const char *slash = memchr(key + i, '/', len - i);
	if (slash) {
		size_t vend = (size_t)(slash - key);
		if (vend == i)
			return false;
		for (; i < vend; i++)
			if (!is_key_char((unsigned char)key[i]) && key[i] != '.')
				return false;
		i++;
	}
	if (i == len)
		return false;
	for (; i < len; i++)
		if (!is_key_char((unsigned char)key[i]))
			return false;
	return true;
}

bool irc_tag_next(struct irc_slice tags, size_t *pos, struct irc_tag *tag)
{
	while (*pos < tags.len) {
		const char *start = tags.p + *pos;
		size_t rest = tags.len - *pos;
		const char *semi = memchr(start, ';', rest);
		size_t n = semi ? (size_t)(semi - start) : rest;
		*pos += semi ? n + 1 : n;
		if (n == 0)
			continue;
		const char *eq = memchr(start, '=', n);
		size_t klen = eq ? (size_t)(eq - start) : n;
		tag->key = (struct irc_slice){start, klen};
		tag->value = eq ? (struct irc_slice){eq + 1, n - klen - 1}
				: (struct irc_slice){start + n, 0};
		return true;
	}
	return false;
}

bool irc_tag_find(struct irc_slice tags, const char *key, struct irc_slice *value)
{
	size_t klen = strlen(key), pos = 0;
	bool found = false;
	struct irc_tag t;
	while (irc_tag_next(tags, &pos, &t)) {
		if (t.key.len == klen && memcmp(t.key.p, key, klen) == 0) {
			*value = t.value;
			found = true;
		}
	}
	return found;
}

static char unescape_char(char c)
{
	switch (c) {
	case ':': return ';';
	case 's': return ' ';
	case 'r': return '\r';
	case 'n': return '\n';
	default: return c; /* "\\" and any unknown escape */
	}
}

size_t irc_tag_unescape(struct irc_slice raw, char *dst, size_t cap)
{
	size_t out = 0;
	for (size_t i = 0; i < raw.len && out < cap; i++) {
		char c = raw.p[i];
		if (c == '\\') {
			if (++i == raw.len)
				break; /* a lone trailing backslash is dropped */
			c = unescape_char(raw.p[i]);
		}
		dst[out++] = c;
	}
	return out;
}

size_t irc_tags_client_len(struct irc_slice tags)
{
	size_t pos = 0, total = 0;
	struct irc_tag t;
	while (irc_tag_next(tags, &pos, &t)) {
		if (t.key.p[0] != '+')
			continue;
		size_t end = (size_t)(t.value.p + t.value.len - tags.p);
		size_t n = end - (size_t)(t.key.p - tags.p);
		total += n + (total ? 1 : 0);
	}
	return total;
}

/* Every tag has a valid key; values need no check here: the section ends at
 * the first space and ';' separates, so no forbidden byte can be inside. */
static bool tags_valid(struct irc_slice tags)
{
	size_t pos = 0;
	struct irc_tag t;
	while (irc_tag_next(tags, &pos, &t))
		if (!irc_tag_key_valid(t.key.p, t.key.len))
			return false;
	return true;
}

/* ---- the line ---- */

/* Checks the command word and upper-cases it into m->cmd. */
static bool command_valid(struct irc_msg *m)
{
	const unsigned char *c = (const unsigned char *)m->command.p;
	size_t n = m->command.len;
	m->cmd[0] = '\0';
	if (n == 3 && is_digit(c[0]) && is_digit(c[1]) && is_digit(c[2])) {
		memcpy(m->cmd, c, 3);
		m->cmd[3] = '\0';
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_alpha(c[i]))
			return false;
	if (n > IRC_COMMAND_MAX)
		return true;
	for (size_t i = 0; i < n; i++)
		m->cmd[i] = (char)(c[i] >= 'a' ? c[i] - ('a' - 'A') : c[i]);
	m->cmd[n] = '\0';
	return true;
}

/* Splits p[i..n) into parameters. */
static enum irc_parse parse_params(const char *p, size_t i, size_t n, struct irc_msg *m)
{
	m->nparams = 0;
	m->trailing = false;
	for (i = skip_spaces(p, i, n); i < n; i = skip_spaces(p, i, n)) {
		if (m->nparams == IRC_MAX_PARAMS)
			return IRC_ERR_TOO_MANY_PARAMS;
		struct irc_slice *s = &m->params[m->nparams++];
		if (p[i] == ':') {
			*s = (struct irc_slice){p + i + 1, n - i - 1};
			m->trailing = true;
			return IRC_OK;
		}
		size_t end = find_space(p, i, n);
		*s = (struct irc_slice){p + i, end - i};
		i = end;
	}
	return IRC_OK;
}

/* Takes "@tags " off p[*i..n); *i is left at the byte after its space. */
static enum irc_parse parse_tags(const char *p, size_t n, size_t *i, struct irc_msg *m)
{
	size_t at = *i;
	m->tags = (struct irc_slice){p + at, 0};
	if (p[at] != '@')
		return IRC_OK;
	size_t end = find_space(p, at, n);
	if (end - at + 1 > IRC_TAGS_MAX)
		return IRC_ERR_TAGS_TOO_LONG;
	if (end == n)
		return IRC_ERR_NO_COMMAND;
	m->tags = (struct irc_slice){p + at + 1, end - at - 1};
	if (m->tags.len == 0 || !tags_valid(m->tags))
		return IRC_ERR_BAD_TAG;
	*i = end + 1;
	return IRC_OK;
}

enum irc_parse irc_parse(const char *line, size_t len, struct irc_msg *out)
{
	if (len > 0 && (memchr(line, '\0', len) || memchr(line, '\r', len) ||
			memchr(line, '\n', len)))
		return IRC_ERR_BAD_CHAR;
	size_t i = skip_spaces(line, 0, len);
	if (i == len)
		return IRC_ERR_EMPTY;
	enum irc_parse r = parse_tags(line, len, &i, out);
	if (r != IRC_OK)
		return r;
	if (len - i > IRC_LINE_MAX)
		return IRC_ERR_LINE_TOO_LONG;
	i = skip_spaces(line, i, len);
	out->source = (struct irc_slice){line + i, 0};
	if (i < len && line[i] == ':') {
		size_t end = find_space(line, i, len);
		if (end == i + 1)
			return IRC_ERR_BAD_SOURCE;
		out->source = (struct irc_slice){line + i + 1, end - i - 1};
		i = skip_spaces(line, end, len);
	}
	if (i == len)
		return IRC_ERR_NO_COMMAND;
	size_t end = find_space(line, i, len);
	out->command = (struct irc_slice){line + i, end - i};
	if (!command_valid(out))
		return IRC_ERR_BAD_COMMAND;
	return parse_params(line, end, len, out);
}

const char *irc_parse_name(enum irc_parse r)
{
	static const char *const names[] = {
		[IRC_OK] = "ok",
		[IRC_ERR_EMPTY] = "empty line",
		[IRC_ERR_BAD_CHAR] = "NUL, CR or LF in the line",
		[IRC_ERR_TAGS_TOO_LONG] = "tags too long",
		[IRC_ERR_BAD_TAG] = "malformed tag",
		[IRC_ERR_NO_COMMAND] = "no command",
		[IRC_ERR_BAD_SOURCE] = "empty source",
		[IRC_ERR_BAD_COMMAND] = "malformed command",
		[IRC_ERR_TOO_MANY_PARAMS] = "too many parameters",
		[IRC_ERR_LINE_TOO_LONG] = "line too long",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

bool irc_msg_is(const struct irc_msg *m, const char *upper)
{
	return strcmp(m->cmd, upper) == 0;
}

void irc_source_split(struct irc_slice source, struct irc_slice *nick, struct irc_slice *user,
		      struct irc_slice *host)
{
	const char *p = source.p, *end = source.p + source.len;
	const char *bang = source.len ? memchr(p, '!', source.len) : NULL;
	const char *at = NULL;
	for (const char *q = bang ? bang : p; q < end; q++)
		if (*q == '@')
			at = q;
	const char *nick_end = bang ? bang : at ? at : end;
	*nick = (struct irc_slice){p, (size_t)(nick_end - p)};
	*user = bang ? (struct irc_slice){bang + 1, (size_t)((at ? at : end) - bang - 1)}
		     : (struct irc_slice){end, 0};
	*host = at ? (struct irc_slice){at + 1, (size_t)(end - at - 1)}
		   : (struct irc_slice){end, 0};
}
