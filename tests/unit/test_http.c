/* test_http: codec/http — a full GET head with fields read back
 * case-insensitively, incomplete heads (and the size limit applied to
 * them), bare LF, folded and malformed fields, missing Host on 1.1 but
 * not on 1.0, conflicting and repeated Content-Length, Transfer-Encoding,
 * bad versions (505 for 2.0), the field count limit, control bytes in
 * values and targets, and token lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/http.h"

static enum http_status parse(const char *text, struct http_request *r)
{
	return http_parse(text, strlen(text), 8192, r);
}

static void test_get(void **state)
{
	(void)state;
	struct http_request r;
	const char *req = "GET /index.html?x=1 HTTP/1.1\r\nHost: a:8080\r\n"
			  "connection:  Upgrade , keep-alive \r\n\r\nextra";
	assert_int_equal(parse(req, &r), HTTP_OK);
	assert_int_equal(r.head_len, strlen(req) - 5);
	assert_int_equal(r.method_len, 3);
	assert_memory_equal(r.target, "/index.html?x=1", r.target_len);
	assert_int_equal(r.minor, 1);
	size_t len;
	const char *v = http_field(&r, "CONNECTION", &len);
	assert_non_null(v);
	assert_memory_equal(v, "Upgrade , keep-alive", len);
	assert_true(http_has_token(v, len, "upgrade"));
	assert_true(http_has_token(v, len, "keep-alive"));
	assert_false(http_has_token(v, len, "close"));
	assert_null(http_field(&r, "Origin", &len));
}

static void test_incomplete_and_limit(void **state)
{
	(void)state;
	struct http_request r;
	const char *req = "GET / HTTP/1.1\r\nHost: a\r\n";
	assert_int_equal(parse(req, &r), HTTP_INCOMPLETE);
	assert_int_equal(http_parse(req, strlen(req), 10, &r), HTTP_TOO_LARGE);
	char big[9000];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(http_parse(big, sizeof(big), 8192, &r), HTTP_TOO_LARGE);
}

static void test_strictness(void **state)
{
	(void)state;
	struct http_request r;
	assert_int_equal(parse("GET / HTTP/1.1\nHost: a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &r), HTTP_OK);
	assert_int_equal(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r), HTTP_BAD_VERSION);
	assert_int_equal(parse("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), HTTP_BAD);
}

static void test_lengths(void **state)
{
	(void)state;
	struct http_request r;
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &r),
			 HTTP_OK);
	assert_int_equal(r.content_length, 12);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
			       "Content-Length: 1\r\n\r\n", &r), HTTP_OK);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
			       "Content-Length: 2\r\n\r\n", &r), HTTP_BAD);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", &r),
			 HTTP_BAD);
	assert_int_equal(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
			       &r), HTTP_BAD);
}

static void test_field_count(void **state)
{
	(void)state;
	char req[4096];
	size_t n = (size_t)snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < HTTP_FIELDS_MAX - 1; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-%d: y\r\n", i);
	snprintf(req + n, sizeof(req) - n, "\r\n");
	struct http_request r;
	assert_int_equal(parse(req, &r), HTTP_OK);
	assert_int_equal(r.nfields, HTTP_FIELDS_MAX);
	snprintf(req + n, sizeof(req) - n, "X-last: y\r\n\r\n");
	assert_int_equal(parse(req, &r), HTTP_TOO_LARGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_incomplete_and_limit),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_field_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
