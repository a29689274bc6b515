/* ws: WebSocket frames (RFC 6455 section 5) and the accept key (section
 * 4.2.2). SHA-1 is written here rather than taken from libcrypto so the
 * codec stays a pure, dependency-free module that unit tests and fuzzers
 * link alone; it hashes a 60-byte string once per handshake. */
#include "codec/ws.h"

#include <string.h>

#include "util/utf8.h"

static uint64_t read_be(const unsigned char *u, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | u[i];
	return v;
}

static enum ws_status fail(struct ws_frame *f, uint16_t code)
{
	f->code = code;
	return WS_FAIL;
}

/* The rules a frame's first two bytes and length must follow, given the
 * fragmentation state. */
static enum ws_status check_frame(const struct ws_decoder *d, struct ws_frame *f, bool masked,
				  unsigned rsv)
{
	if (rsv || !masked)
		return fail(f, WS_CLOSE_PROTOCOL);
	switch (f->opcode) {
	case WS_CLOSE:
	case WS_PING:
	case WS_PONG:
		if (!f->fin || f->len > WS_CONTROL_MAX)
			return fail(f, WS_CLOSE_PROTOCOL);
		return WS_FRAME;
	case WS_CONTINUATION:
		if (!d->in_message)
			return fail(f, WS_CLOSE_PROTOCOL);
		break;
	case WS_TEXT:
	case WS_BINARY:
		if (d->in_message)
			return fail(f, WS_CLOSE_PROTOCOL);
		break;
	default:
		return fail(f, WS_CLOSE_PROTOCOL);
	}
	uint64_t so_far = d->in_message ? d->message_len : 0;
	if (f->len > d->max_message || so_far > d->max_message - f->len)
		return fail(f, WS_CLOSE_TOO_BIG);
	return WS_FRAME;
}

enum ws_status ws_decode(struct ws_decoder *d, const char *p, size_t n, struct ws_frame *f)
{
	const unsigned char *u = (const unsigned char *)p;
	memset(f, 0, sizeof(*f));
	if (n < 2)
		return WS_NEED_MORE;
	f->fin = u[0] & 0x80;
	f->opcode = u[0] & 0x0F;
	bool masked = u[1] & 0x80;
	size_t need = 2;
	uint64_t len = u[1] & 0x7F;
	if (len == 126)
		need += 2;
	else if (len == 127)
		need += 8;
	if (n < need)
		return WS_NEED_MORE;
	if (len == 126)
		len = read_be(u + 2, 2);
	else if (len == 127)
		len = read_be(u + 2, 8);
	if (len >> 63)
		return fail(f, WS_CLOSE_PROTOCOL);
	f->len = (size_t)len;
	if ((uint64_t)f->len != len)
		return fail(f, WS_CLOSE_TOO_BIG);
	enum ws_status st = check_frame(d, f, masked, u[0] & 0x70);
	if (st != WS_FRAME)
		return st;
	need += 4;
	if (n < need || n - need < f->len)
		return WS_NEED_MORE;
	memcpy(f->key, u + need - 4, 4);
	f->payload = p + need;
	f->used = need + f->len;
	if (f->opcode >= WS_CLOSE)
		return WS_FRAME;
	if (f->opcode != WS_CONTINUATION) {
		d->in_message = true;
		d->message_opcode = f->opcode;
		d->message_len = 0;
	}
	d->message_len += f->len;
	f->message_opcode = d->message_opcode;
	f->message_done = f->fin;
	if (f->fin)
		d->in_message = false;
	return WS_FRAME;
}

void ws_unmask(char *dst, const char *src, size_t len, const uint8_t key[4])
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)(src[i] ^ key[i & 3]);
}

size_t ws_header(uint8_t opcode, uint64_t len, char out[WS_HEADER_MAX])
{
	out[0] = (char)(0x80 | opcode);
	if (len < 126) {
		out[1] = (char)len;
		return 2;
	}
	if (len <= 0xFFFF) {
		out[1] = 126;
		out[2] = (char)(len >> 8);
		out[3] = (char)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (char)(len >> (56 - 8 * i));
	return 10;
}

bool ws_close_code_valid(uint16_t code)
{
	if (code >= 3000 && code <= 4999)
		return true;
	switch (code) {
	case 1000: case 1001: case 1002: case 1003:
	case 1007: case 1008: case 1009: case 1010: case 1011:
		return true;
	default:
		return false;
	}
}

bool ws_close_payload(const char *p, size_t len, uint16_t *code)
{
	if (len == 0) {
		*code = WS_CLOSE_NO_STATUS;
		return true;
	}
	if (len == 1) {
		*code = WS_CLOSE_PROTOCOL;
		return false;
	}
	uint16_t got = (uint16_t)read_be((const unsigned char *)p, 2);
	if (!ws_close_code_valid(got)) {
		*code = WS_CLOSE_PROTOCOL;
		return false;
	}
	if (!utf8_valid(p + 2, len - 2)) {
		*code = WS_CLOSE_BAD_DATA;
		return false;
	}
	*code = got;
	return true;
}

/* ---- SHA-1 (FIPS 180-4) ---- */

static uint32_t rol(uint32_t x, unsigned n)
{
	return x << n | x >> (32 - n);
}

static void sha1_block(uint32_t h[5], const unsigned char *b)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)read_be(b + 4 * i, 4);
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (bb & c) | (~bb & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = bb ^ c ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (bb & c) | (bb & d) | (c & d);
			k = 0x8F1BBCDC;
		} else {
			f = bb ^ c ^ d;
			k = 0xCA62C1D6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(bb, 30);
		bb = a;
		a = t;
	}
	h[0] += a;
	h[1] += bb;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

void ws_sha1(const void *data, size_t len, uint8_t digest[20])
{
	uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
	const unsigned char *p = data;
	size_t left = len;
	for (; left >= 64; left -= 64, p += 64)
		sha1_block(h, p);
	unsigned char tail[128] = {0};
	memcpy(tail, p, left);
	tail[left] = 0x80;
	size_t blocks = left + 9 > 64 ? 2 : 1;
	uint64_t bits = (uint64_t)len * 8;
	for (int i = 0; i < 8; i++)
		tail[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (size_t i = 0; i < blocks; i++)
		sha1_block(h, tail + 64 * i);
	for (int i = 0; i < 20; i++)
		digest[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char buf[256];
	size_t glen = sizeof(guid) - 1;
	if (len > sizeof(buf) - glen)
		len = sizeof(buf) - glen; /* a key is 24 bytes; a longer one fails anyway */
	memcpy(buf, key, len);
	memcpy(buf + len, guid, glen);
	uint8_t d[21] = {0};
	ws_sha1(buf, len + glen, d);
	/* 20 bytes: six full groups and a last one of two bytes. */
	size_t o = 0;
	for (size_t i = 0; i < 21; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
	}
	out[WS_ACCEPT_LEN] = '\0';
}
