/* http: a strict HTTP/1.1 request-head parser, pure. It reads the request
 * line and header fields of one request from the start of a buffer,
 * pointing into it (no copies), and refuses anything loose: bare LF line
 * ends, folded or malformed fields, control characters, an absent Host on
 * HTTP/1.1, conflicting Content-Length, Transfer-Encoding (no request here
 * needs a body). Limits on the head's size and field count are the
 * caller's; the answer says which status a refusal deserves. */
#ifndef PARLEY_CODEC_HTTP_H
#define PARLEY_CODEC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { HTTP_FIELDS_MAX = 32 };

struct http_field {
	const char *name, *value; /* value without surrounding whitespace */
	size_t name_len, value_len;
};

struct http_request {
	const char *method, *target;
	size_t method_len, target_len;
	int minor;                 /* HTTP/1.<minor>: 0 or 1 */
	struct http_field fields[HTTP_FIELDS_MAX];
	size_t nfields;
	uint64_t content_length;   /* 0 when absent */
	size_t head_len;           /* bytes up to and including the blank line */
};

enum http_status {
	HTTP_OK,           /* a whole head is parsed */
	HTTP_INCOMPLETE,   /* no blank line yet, within the limit */
	HTTP_BAD,          /* 400 */
	HTTP_TOO_LARGE,    /* 431: head over max_head or too many fields */
	HTTP_BAD_VERSION,  /* 505 */
};

/* Parses the head at p[0..n). `max_head` bounds head_len. */
enum http_status http_parse(const char *p, size_t n, size_t max_head, struct http_request *r);

/* The value of the first field called `name` (case-insensitive), or NULL. */
const char *http_field(const struct http_request *r, const char *name, size_t *len);

/* True if the comma-separated list `v` holds `token` (case-insensitive). */
bool http_has_token(const char *v, size_t len, const char *token);

#endif
