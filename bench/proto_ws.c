/* proto_ws: the chat protocol over WebSocket (subprotocol parley.chat) on
 * an http listener, to set fan-out over WebSocket beside chat over TCP.
 * The connection opens with the HTTP upgrade; then every line is one
 * client frame. Client frames must be masked: the key used is zero, which
 * the protocol allows and which leaves the payload as written, so the
 * driver fills payloads in place as for every other protocol. */
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* A client frame header with a zero masking key for `len` bytes. */
static size_t masked_header(size_t len, char *out)
{
	size_t h;
	out[0] = (char)0x81;
	if (len < 126) {
		out[1] = (char)(0x80 | len);
		h = 2;
	} else if (len <= 0xFFFF) {
		out[1] = (char)(0x80 | 126);
		out[2] = (char)(len >> 8);
		out[3] = (char)len;
		h = 4;
	} else {
		out[1] = (char)(0x80 | 127);
		for (int i = 0; i < 8; i++)
			out[2 + i] = (char)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	memset(out + h, 0, 4);
	return h + 4;
}

static size_t put_frame(char *out, const char *text, size_t len)
{
	size_t h = masked_header(len, out);
	memcpy(out + h, text, len);
	return h + len;
}

static size_t ws_hello(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap)
{
	(void)publisher_only;
	char user[64], join[64];
	int u = snprintf(user, sizeof(user), "USERNAME b%u", id);
	int j = snprintf(join, sizeof(join), "JOIN #r%u", room);
	int n = snprintf(out, cap,
			 "GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Key: cGFybGV5LWJlbmNoLWtleQ==\r\n"
			 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: parley.chat\r\n\r\n");
	if (n < 0 || (size_t)n + (size_t)u + (size_t)j + 32 > cap)
		return 0;
	size_t len = (size_t)n;
	len += put_frame(out + len, user, (size_t)u);
	len += put_frame(out + len, join, (size_t)j);
	return len;
}

static size_t ws_envelope(uint32_t room, uint32_t size, char *out, size_t *payload_off)
{
	(void)room;
	size_t h = masked_header(4 + (size_t)size, out);
	memcpy(out + h, "MSG ", 4);
	*payload_off = h + 4;
	return h + 4 + size;
}

static void ws_scan_init(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size)
{
	(void)room;
	st->self = self;
	st->size = size;
	st->upgraded = false;
}

static void ws_next(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	const unsigned char *u = (const unsigned char *)p;
	out->used = 0;
	out->kind = UNIT_NEED_MORE;
	if (!st->upgraded) {
		const char *end = memmem(p, n, "\r\n\r\n", 4);
		if (!end)
			return;
		st->upgraded = true;
		out->used = (size_t)(end - p) + 4;
		out->kind = strncmp(p, "HTTP/1.1 101", 12) == 0 ? UNIT_OTHER : UNIT_ERROR;
		out->data = p;
		out->len = out->used;
		return;
	}
	if (n < 2)
		return;
	size_t len = u[1] & 0x7F, h = 2;
	if (len == 126) {
		if (n < 4)
			return;
		len = (size_t)u[2] << 8 | u[3];
		h = 4;
	} else if (len == 127) {
		if (n < 10)
			return;
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | u[2 + i];
		h = 10;
	}
	if (n - h < len)
		return;
	out->used = h + len;
	if ((u[0] & 0x0F) != 0x1) { /* a ping or close: nothing the run counts */
		out->kind = UNIT_OTHER;
		return;
	}
	proto_chat_classify(st, p + h, len, out);
}

const struct proto proto_ws = {
	.name = "ws",
	.publisher_is_member = true,
	.own_copy = true,
	.hello = ws_hello,
	.envelope = ws_envelope,
	.scan_init = ws_scan_init,
	.next = ws_next,
};
