/* http: request heads (RFC 9112 section 2-5, the strict subset). */
#include "codec/http.h"

#include <string.h>
#include <strings.h>

static bool is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
		return true;
	return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool is_token(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)p[i]))
			return false;
	return true;
}

/* Visible ASCII, space, tab and obs-text; no other control byte. */
static bool is_field_text(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7F)
			return false;
	}
	return true;
}

static bool parse_request_line(const char *p, size_t n, struct http_request *r,
			       enum http_status *why)
{
	*why = HTTP_BAD;
	const char *sp1 = memchr(p, ' ', n);
	if (!sp1)
		return false;
	const char *rest = sp1 + 1;
	const char *sp2 = memchr(rest, ' ', n - (size_t)(rest - p));
	if (!sp2)
		return false;
	r->method = p;
	r->method_len = (size_t)(sp1 - p);
	r->target = rest;
	r->target_len = (size_t)(sp2 - rest);
	const char *ver = sp2 + 1;
	size_t vlen = n - (size_t)(ver - p);
	if (!is_token(r->method, r->method_len) || r->target_len == 0)
		return false;
	for (size_t i = 0; i < r->target_len; i++) {
		unsigned char ch = (unsigned char)r->target[i];
		if (ch <= 0x20 || ch >= 0x7F)
			return false;
	}
	if (vlen != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[6] != '.' ||
	    ver[5] < '0' || ver[5] > '9' || ver[7] < '0' || ver[7] > '9')
		return false;
	if (ver[5] != '1') {
		*why = HTTP_BAD_VERSION;
		return false;
	}
	r->minor = ver[7] == '0' ? 0 : 1;
	return true;
}

static bool parse_length(const char *v, size_t n, uint64_t *out)
{
	if (n == 0 || n > 15)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static bool parse_field(const char *p, size_t n, struct http_field *f)
{
	const char *colon = memchr(p, ':', n);
	if (!colon)
		return false;
	f->name = p;
	f->name_len = (size_t)(colon - p);
	if (!is_token(f->name, f->name_len)) /* also refuses folding and "name :" */
		return false;
	const char *v = colon + 1, *end = p + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	f->value = v;
	f->value_len = (size_t)(end - v);
	return is_field_text(f->value, f->value_len);
}

/* Content-Length (all copies must agree), Transfer-Encoding, Host. */
static enum http_status check_fields(struct http_request *r)
{
	bool have_len = false, have_host = false;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct http_field *f = &r->fields[i];
		if (f->name_len == 14 && strncasecmp(f->name, "Content-Length", 14) == 0) {
			uint64_t len;
			if (!parse_length(f->value, f->value_len, &len) ||
			    (have_len && len != r->content_length))
				return HTTP_BAD;
			r->content_length = len;
			have_len = true;
		} else if (f->name_len == 17 &&
			   strncasecmp(f->name, "Transfer-Encoding", 17) == 0) {
			return HTTP_BAD;
		} else if (f->name_len == 4 && strncasecmp(f->name, "Host", 4) == 0) {
			if (have_host)
				return HTTP_BAD;
			have_host = true;
		}
	}
	return r->minor == 1 && !have_host ? HTTP_BAD : HTTP_OK;
}

enum http_status http_parse(const char *p, size_t n, size_t max_head, struct http_request *r)
{
	memset(r, 0, sizeof(*r));
	size_t off = 0;
	bool first = true;
	for (;;) {
		size_t left = n - off;
		const char *lf = memchr(p + off, '\n', left);
		if (!lf)
			return n > max_head ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
		size_t end = (size_t)(lf - p) + 1;
		if (end > max_head)
			return HTTP_TOO_LARGE;
		size_t line = end - off - 1;
		if (line == 0 || p[off + line - 1] != '\r')
			return HTTP_BAD; /* a bare LF */
		line--;
		if (first) {
			enum http_status why;
			if (!parse_request_line(p + off, line, r, &why))
				return why;
			first = false;
		} else if (line == 0) {
			r->head_len = end;
			return check_fields(r);
		} else {
			if (r->nfields == HTTP_FIELDS_MAX)
				return HTTP_TOO_LARGE;
			if (!parse_field(p + off, line, &r->fields[r->nfields]))
				return HTTP_BAD;
			r->nfields++;
		}
		off = end;
	}
}

const char *http_field(const struct http_request *r, const char *name, size_t *len)
{
	size_t nlen = strlen(name);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct http_field *f = &r->fields[i];
		if (f->name_len == nlen && strncasecmp(f->name, name, nlen) == 0) {
			*len = f->value_len;
			return f->value;
		}
	}
	*len = 0;
	return NULL;
}

bool http_has_token(const char *v, size_t len, const char *token)
{
	size_t tlen = strlen(token);
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t start = i;
		while (i < len && v[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == tlen && strncasecmp(v + start, token, tlen) == 0)
			return true;
	}
	return false;
}
