/* irc_write: the IRC line writer (irc_msg.h). Appends the parts of one
 * outgoing line into a caller buffer, escaping tag values, adding ':' to
 * the last parameter when the grammar needs it, and cutting an over-long
 * last parameter only between UTF-8 characters. */
#include "dialect/irc_msg.h"

#include <string.h>

#include "codec/codec.h"
#include "dialect/irc_text.h"

void irc_writer_init(struct irc_writer *w, char *buf, size_t cap)
{
	*w = (struct irc_writer){.buf = buf, .cap = cap, .status = IRC_WRITE_OK};
}

static bool failed(const struct irc_writer *w)
{
	return w->status != IRC_WRITE_OK; /* TRUNCATED too: the last part is done */
}

static void fail(struct irc_writer *w, enum irc_write why)
{
	w->status = why;
}

/* Where the part after the tags must end, CR LF excluded. */
static size_t body_limit(const struct irc_writer *w)
{
	size_t lim = w->body + IRC_LINE_MAX;
	size_t room = w->cap >= 2 ? w->cap - 2 : 0;
	return lim < room ? lim : room;
}

/* Appends n bytes if they fit before `limit`; false (and OVERFLOW) if not. */
static bool put(struct irc_writer *w, const char *p, size_t n, size_t limit)
{
	if (w->len > limit || limit - w->len < n) {
		fail(w, IRC_WRITE_OVERFLOW);
		return false;
	}
	if (n) /* an absent part is (NULL, 0) */
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return true;
}

/* Bytes no part of a line may hold: they would end or corrupt it. */
static bool has_nul_cr_lf(const char *p, size_t n)
{
	return n && (memchr(p, '\0', n) || memchr(p, '\r', n) || memchr(p, '\n', n));
}

/* Closes the tag section with its space before the first body part. */
static bool start_body(struct irc_writer *w)
{
	if (failed(w))
		return false;
	if (w->in_tags) {
		size_t lim = IRC_TAGS_MAX < w->cap ? IRC_TAGS_MAX : w->cap;
		if (!put(w, " ", 1, lim))
			return false;
		w->in_tags = false;
		w->body = w->len;
	}
	return true;
}

/* The letter after '\\' that stands for c in a tag value, or 0. */
static char escape_of(char c)
{
	switch (c) {
	case ';': return ':';
	case ' ': return 's';
	case '\\': return '\\';
	case '\r': return 'r';
	case '\n': return 'n';
	default: return 0;
	}
}

/* Bytes a tag value takes once escaped. */
static size_t escaped_len(const char *v, size_t n)
{
	size_t out = n;
	for (size_t i = 0; i < n; i++)
		if (escape_of(v[i]))
			out++;
	return out;
}

void irc_writer_tag(struct irc_writer *w, const char *key, const char *value, size_t vlen)
{
	if (failed(w))
		return;
	size_t klen = strlen(key);
	if (w->len != w->body || !irc_tag_key_valid(key, klen) ||
	    (value && memchr(value, '\0', vlen))) {
		fail(w, IRC_WRITE_INVALID);
		return;
	}
	/* the whole section, '@' or ';' and the closing space included */
	size_t need = 1 + klen + (value ? 1 + escaped_len(value, vlen) : 0) + 1;
	size_t lim = IRC_TAGS_MAX < w->cap ? IRC_TAGS_MAX : w->cap;
	if (w->len + need > lim) {
		fail(w, IRC_WRITE_OVERFLOW);
		return;
	}
	w->buf[w->len++] = w->in_tags ? ';' : '@';
	memcpy(w->buf + w->len, key, klen);
	w->len += klen;
	if (value) {
		w->buf[w->len++] = '=';
		for (size_t i = 0; i < vlen; i++) {
			char e = escape_of(value[i]);
			if (e)
				w->buf[w->len++] = '\\';
			w->buf[w->len++] = e ? e : value[i];
		}
	}
	w->in_tags = true;
	w->body = w->len;
}

void irc_writer_source(struct irc_writer *w, const char *source, size_t len)
{
	if (!start_body(w))
		return;
	if (len == 0 || w->len != w->body || memchr(source, ' ', len) ||
	    has_nul_cr_lf(source, len)) {
		fail(w, IRC_WRITE_INVALID);
		return;
	}
	if (put(w, ":", 1, body_limit(w)) && put(w, source, len, body_limit(w)))
		put(w, " ", 1, body_limit(w));
}

void irc_writer_command(struct irc_writer *w, const char *cmd, size_t len)
{
	if (!start_body(w))
		return;
	if (w->has_command || len == 0 || memchr(cmd, ' ', len) || has_nul_cr_lf(cmd, len) ||
	    cmd[0] == ':') {
		fail(w, IRC_WRITE_INVALID);
		return;
	}
	w->has_command = put(w, cmd, len, body_limit(w));
}

void irc_writer_param(struct irc_writer *w, const char *p, size_t len)
{
	if (!start_body(w))
		return;
	if (!w->has_command || len == 0 || p[0] == ':' || memchr(p, ' ', len) ||
	    has_nul_cr_lf(p, len)) {
		fail(w, IRC_WRITE_INVALID);
		return;
	}
	if (put(w, " ", 1, body_limit(w)))
		put(w, p, len, body_limit(w));
}

size_t irc_writer_room(const struct irc_writer *w)
{
	if (failed(w))
		return 0;
	size_t body = w->in_tags ? w->len + 1 : w->body;
	size_t lim = body + IRC_LINE_MAX;
	size_t cap = w->cap >= 2 ? w->cap - 2 : 0;
	lim = lim < cap ? lim : cap;
	size_t used = w->len + (w->in_tags ? 1 : 0) + 2; /* " :" */
	return lim > used ? lim - used : 0;
}

static void write_last(struct irc_writer *w, const char *p, size_t len, bool force_colon)
{
	if (!start_body(w))
		return;
	if (!w->has_command || has_nul_cr_lf(p, len)) {
		fail(w, IRC_WRITE_INVALID);
		return;
	}
	bool colon = force_colon || len == 0 || p[0] == ':' || memchr(p, ' ', len);
	if (!put(w, colon ? " :" : " ", colon ? 2 : 1, body_limit(w)))
		return;
	size_t room = body_limit(w) - w->len;
	if (len <= room) {
		put(w, p, len, body_limit(w));
		return;
	}
	size_t n = irc_text_chunk(p, len, room);
	put(w, p, n, body_limit(w));
	w->cut = n;
	w->status = IRC_WRITE_TRUNCATED;
}

void irc_writer_last(struct irc_writer *w, const char *p, size_t len)
{
	write_last(w, p, len, false);
}

void irc_writer_trailing(struct irc_writer *w, const char *p, size_t len)
{
	write_last(w, p, len, true);
}

enum irc_write irc_writer_finish(struct irc_writer *w)
{
	if (w->status == IRC_WRITE_OVERFLOW || w->status == IRC_WRITE_INVALID)
		return w->status;
	if (!w->has_command) {
		fail(w, IRC_WRITE_INVALID);
		return w->status;
	}
	/* body_limit() keeps two bytes back, so this always fits */
	w->len = (size_t)(line_end(w->buf + w->len) - w->buf);
	return w->status;
}
