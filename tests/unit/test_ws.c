/* test_ws: codec/ws — SHA-1 against FIPS vectors, the RFC 6455 accept key
 * example, server headers at each length form, and the client-frame
 * decoder: masking required, reserved bits and opcodes refused, control
 * frames short and unfragmented, fragmentation order, the message limit
 * across fragments (failed from the header alone), 64-bit lengths with the
 * top bit set, partial input, and close payload validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codec/ws.h"

static const uint8_t KEY[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A masked client frame with payload `p` into out; returns its length. */
static size_t client_frame(char *out, unsigned first, const char *p, size_t len)
{
	size_t h = 0;
	out[h++] = (char)first;
	if (len < 126) {
		out[h++] = (char)(0x80 | len);
	} else {
		out[h++] = (char)(0x80 | 126);
		out[h++] = (char)(len >> 8);
		out[h++] = (char)len;
	}
	memcpy(out + h, KEY, 4);
	h += 4;
	for (size_t i = 0; i < len; i++)
		out[h + i] = (char)(p[i] ^ KEY[i & 3]);
	return h + len;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_sha1_vectors(void **state)
{
	(void)state;
	uint8_t d[20];
	char h[41];
	ws_sha1("abc", 3, d);
	hex(d, 20, h);
	assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	ws_sha1("", 0, d);
	hex(d, 20, h);
	assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	ws_sha1(two, strlen(two), d);
	hex(d, 20, h);
	assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_accept_key(void **state)
{
	(void)state;
	char out[WS_ACCEPT_LEN + 1];
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_server_headers(void **state)
{
	(void)state;
	char h[WS_HEADER_MAX];
	assert_int_equal(ws_header(WS_TEXT, 5, h), 2);
	assert_int_equal((unsigned char)h[0], 0x81);
	assert_int_equal(h[1], 5);
	assert_int_equal(ws_header(WS_BINARY, 300, h), 4);
	assert_int_equal((unsigned char)h[1], 126);
	assert_int_equal(((unsigned char)h[2] << 8) | (unsigned char)h[3], 300);
	assert_int_equal(ws_header(WS_TEXT, 70000, h), 10);
	assert_int_equal((unsigned char)h[1], 127);
	assert_int_equal((unsigned char)h[7], 0x01);
}

static void test_decode_text(void **state)
{
	(void)state;
	struct ws_decoder d = {.max_message = 100};
	char buf[64];
	size_t n = client_frame(buf, 0x81, "hello", 5);
	struct ws_frame f;
	for (size_t part = 0; part < n; part++)
		assert_int_equal(ws_decode(&d, buf, part, &f), WS_NEED_MORE);
	assert_int_equal(ws_decode(&d, buf, n, &f), WS_FRAME);
	assert_int_equal(f.used, n);
	assert_true(f.message_done);
	assert_int_equal(f.message_opcode, WS_TEXT);
	char plain[5];
	ws_unmask(plain, f.payload, f.len, f.key);
	assert_memory_equal(plain, "hello", 5);
}

static void expect_fail(struct ws_decoder *d, const char *buf, size_t n, uint16_t code)
{
	struct ws_frame f;
	assert_int_equal(ws_decode(d, buf, n, &f), WS_FAIL);
	assert_int_equal(f.code, code);
}

static void test_protocol_errors(void **state)
{
	(void)state;
	struct ws_decoder d = {.max_message = 1000};
	char buf[300];
	expect_fail(&d, "\x81\x05hello", 7, WS_CLOSE_PROTOCOL); /* unmasked */
	size_t n = client_frame(buf, 0xC1, "x", 1);              /* RSV1 */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	n = client_frame(buf, 0x83, "x", 1); /* reserved opcode */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	n = client_frame(buf, 0x09, "x", 1); /* fragmented ping */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	char big[126] = {0};
	n = client_frame(buf, 0x89, big, 126); /* ping over 125 bytes */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	n = client_frame(buf, 0x80, "x", 1); /* continuation with no message */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	/* 64-bit length with the top bit set: refused from the header. */
	const char huge[] = "\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01";
	expect_fail(&d, huge, 10, WS_CLOSE_PROTOCOL);
}

static void test_fragments_and_limit(void **state)
{
	(void)state;
	struct ws_decoder d = {.max_message = 6};
	char buf[64];
	struct ws_frame f;
	size_t n = client_frame(buf, 0x01, "abc", 3); /* text, not final */
	assert_int_equal(ws_decode(&d, buf, n, &f), WS_FRAME);
	assert_false(f.message_done);
	n = client_frame(buf, 0x89, "p", 1); /* a ping between fragments */
	assert_int_equal(ws_decode(&d, buf, n, &f), WS_FRAME);
	assert_int_equal(f.opcode, WS_PING);
	n = client_frame(buf, 0x81, "x", 1); /* a new message mid-message */
	expect_fail(&d, buf, n, WS_CLOSE_PROTOCOL);
	n = client_frame(buf, 0x80, "def", 3); /* 6 bytes: at the limit */
	assert_int_equal(ws_decode(&d, buf, n, &f), WS_FRAME);
	assert_true(f.message_done);
	assert_int_equal(f.message_opcode, WS_TEXT);
	n = client_frame(buf, 0x01, "abcd", 4);
	assert_int_equal(ws_decode(&d, buf, n, &f), WS_FRAME);
	n = client_frame(buf, 0x80, "efg", 3); /* 7 bytes: over */
	expect_fail(&d, buf, 2, WS_CLOSE_TOO_BIG); /* known from the header */
}

static void test_close_payloads(void **state)
{
	(void)state;
	uint16_t code;
	assert_true(ws_close_payload("", 0, &code));
	assert_int_equal(code, WS_CLOSE_NO_STATUS);
	assert_false(ws_close_payload("\x03", 1, &code));
	assert_int_equal(code, WS_CLOSE_PROTOCOL);
	assert_true(ws_close_payload("\x03\xe8" "bye", 5, &code));
	assert_int_equal(code, 1000);
	assert_false(ws_close_payload("\x03\xed", 2, &code)); /* 1005 may not be sent */
	assert_int_equal(code, WS_CLOSE_PROTOCOL);
	assert_false(ws_close_payload("\x03\xe8\xff", 3, &code)); /* reason not UTF-8 */
	assert_int_equal(code, WS_CLOSE_BAD_DATA);
	assert_true(ws_close_payload("\x0f\xa0", 2, &code)); /* 4000: private use */
	assert_false(ws_close_code_valid(999));
	assert_false(ws_close_code_valid(1004));
	assert_false(ws_close_code_valid(5000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1_vectors),
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_server_headers),
		cmocka_unit_test(test_decode_text),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_fragments_and_limit),
		cmocka_unit_test(test_close_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
