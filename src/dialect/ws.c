/* ws: a WebSocket connection after the upgrade. The framer decodes client
 * frames (codec/ws.h), answers pings, runs the close handshake and hands
 * each complete data message to the dialect as one line; outgoing
 * messages, which the dialects render as CRLF-terminated lines, become one
 * frame per line, built once per message and shared by every WebSocket
 * recipient of the same frame type (msg_variant). Keepalive pings go out
 * on a timer of the framer's own: the connection's timer stays the
 * dialect's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/ws.h"
#include "dialect/web_private.h"
#include "loop/loop.h"
#include "net/conn.h"
#include "net/net.h"
#include "util/alloc.h"
#include "util/list.h"
#include "util/msg.h"
#include "util/utf8.h"

/* Variant tags of struct msg (util/msg.h). */
enum { TAG_WS_TEXT = 0x5754, TAG_WS_BINARY = 0x5742 };

struct ws_conn {
	struct web *web;
	struct conn *conn;
	struct ws_decoder dec;
	struct buf message; /* the data message being assembled, unmasked */
	struct buf stream;  /* lines the dialect has not consumed yet */
	uint8_t opcode;     /* WS_TEXT or WS_BINARY: what the server sends */
	bool close_sent;
	bool heard;         /* any frame since the last keepalive ping */
	struct loop_timer ping;
};

static void send_frame(struct ws_conn *w, uint8_t opcode, const void *p, size_t len)
{
	char frame[WS_HEADER_MAX + WS_CONTROL_MAX];
	size_t h = ws_header(opcode, len, frame);
	memcpy(frame + h, p, len);
	conn_send_raw(w->conn, frame, h + len);
}

static void send_close(struct ws_conn *w, uint16_t code)
{
	if (w->close_sent)
		return;
	w->close_sent = true;
	char payload[2] = {(char)(code >> 8), (char)code};
	send_frame(w, WS_CLOSE, payload, code == WS_CLOSE_NO_STATUS ? 0 : 2);
}

/* The peer broke the protocol: say why and go. */
static void fail(struct ws_conn *w, uint16_t code)
{
	send_close(w, code);
	conn_close_after_flush(w->conn, code == WS_CLOSE_TOO_BIG ? CONN_CLOSE_OVERSIZE
								 : CONN_CLOSE_LOCAL);
}

/* ---- encode ---- */

/* Frames each line of `m` (CR/LF stripped) as one message. */
static struct msg *frame_lines(const struct msg *m, uint8_t opcode)
{
	struct codec_unit line;
	size_t total = 0;
	for (size_t at = 0; line_payload_next(m->data, m->len, &at, &line);) {
		char h[WS_HEADER_MAX];
		total += ws_header(opcode, line.len, h) + line.len;
	}
	struct msg *v = msg_new(total);
	size_t o = 0;
	for (size_t at = 0; line_payload_next(m->data, m->len, &at, &line);) {
		o += ws_header(opcode, line.len, v->data + o);
		memcpy(v->data + o, line.data, line.len);
		o += line.len;
	}
	return v;
}

static struct msg *ws_encode(void *state, struct msg *m)
{
	struct ws_conn *w = state;
	uint32_t tag = w->opcode == WS_BINARY ? TAG_WS_BINARY : TAG_WS_TEXT;
	struct msg *v = msg_variant(m, tag);
	if (!v) {
		v = frame_lines(m, w->opcode);
		msg_add_variant(m, tag, v);
	}
	return msg_ref(v);
}

/* ---- decode ---- */

static void offer_stream(struct ws_conn *w)
{
	while (buf_len(&w->stream) && !conn_closing(w->conn)) {
		size_t used = conn_deliver(w->conn, buf_head(&w->stream), buf_len(&w->stream));
		buf_consume(&w->stream, used);
		if (used == 0)
			break;
	}
	if (!buf_len(&w->stream))
		buf_release(&w->stream);
}

/* A whole data message: one line for the dialect. A trailing CR/LF is
 * tolerated; one inside would smuggle a second line, so it is refused. */
static bool take_message(struct ws_conn *w, uint8_t opcode)
{
	size_t len = buf_len(&w->message);
	if (len == 0)
		return true; /* an empty message: no line */
	const char *p = buf_head(&w->message);
	if (opcode == WS_TEXT && !utf8_valid(p, len)) {
		fail(w, WS_CLOSE_BAD_DATA);
		return false;
	}
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (memchr(p, '\n', len) || memchr(p, '\r', len) || memchr(p, '\0', len)) {
		fail(w, WS_CLOSE_POLICY);
		return false;
	}
	if (buf_len(&w->stream) > 4 * w->web->cfg.max_message) {
		fail(w, WS_CLOSE_POLICY); /* the dialect is not keeping up */
		return false;
	}
	if (len) {
		w->web->ws_messages_received++;
		buf_append(&w->stream, p, len);
		buf_append(&w->stream, "\n", 1);
		conn_charge(w->conn, 1);
	}
	buf_release(&w->message);
	return true;
}

static void on_close_frame(struct ws_conn *w, const char *payload, size_t len)
{
	uint16_t code;
	bool ok = ws_close_payload(payload, len, &code);
	if (!ok) {
		fail(w, code);
		return;
	}
	send_close(w, code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : code);
	conn_close_after_flush(w->conn, CONN_CLOSE_QUIT);
}

static bool on_frame(struct ws_conn *w, const struct ws_frame *f)
{
	char control[WS_CONTROL_MAX];
	switch (f->opcode) {
	case WS_PING:
		ws_unmask(control, f->payload, f->len, f->key);
		send_frame(w, WS_PONG, control, f->len);
		return true;
	case WS_PONG:
		return true;
	case WS_CLOSE:
		ws_unmask(control, f->payload, f->len, f->key);
		on_close_frame(w, control, f->len);
		return false;
	default:
		break;
	}
	if (f->len) { /* an empty buffer has no storage to point into */
		size_t at = buf_len(&w->message);
		buf_append(&w->message, f->payload, f->len);
		ws_unmask(buf_head(&w->message) + at, buf_head(&w->message) + at, f->len, f->key);
	}
	if (f->message_opcode == WS_TEXT && !f->message_done) {
		/* Fail fast on text that can never become valid: only the last
		 * three bytes may be an unfinished character. */
		size_t n = buf_len(&w->message);
		bool may_be_valid = n == 0;
		for (size_t cut = n; !may_be_valid && cut + 4 > n; cut--) {
			may_be_valid = utf8_valid(buf_head(&w->message), cut);
			if (cut == 0)
				break;
		}
		if (!may_be_valid) {
			fail(w, WS_CLOSE_BAD_DATA);
			return false;
		}
	}
	return !f->message_done || take_message(w, f->message_opcode);
}

static size_t ws_decode_bytes(struct conn *c, void *state, const char *data, size_t len)
{
	struct ws_conn *w = state;
	size_t off = 0;
	/* Under --rate-limit each data message costs a token (take_message);
	 * out of tokens, the rest waits in the connection's input. */
	while (off < len && !conn_closing(c) && !conn_input_paused(c)) {
		struct ws_frame f;
		enum ws_status st = ws_decode(&w->dec, data + off, len - off, &f);
		if (st == WS_NEED_MORE)
			break;
		w->heard = true;
		if (st == WS_FAIL) {
			fail(w, f.code);
			return len;
		}
		off += f.used;
		if (!on_frame(w, &f))
			break;
		offer_stream(w);
	}
	return conn_closing(c) ? len : off;
}

size_t web_ws_decode(struct ws_conn *w, const char *data, size_t len)
{
	return len ? ws_decode_bytes(w->conn, w, data, len) : 0;
}

static void ws_closing(struct conn *c, void *state, enum conn_close_reason reason)
{
	(void)c;
	send_close(state, reason == CONN_CLOSE_SHUTDOWN ? WS_CLOSE_GOING_AWAY : WS_CLOSE_NORMAL);
}

static void ws_release(void *state)
{
	struct ws_conn *w = state;
	loop_timer_disarm(w->web->cfg.loop, &w->ping);
	buf_release(&w->message);
	buf_release(&w->stream);
	free(w);
}

static const struct conn_framer ws_framer = {
	.decode = ws_decode_bytes,
	.encode = ws_encode,
	.on_closing = ws_closing,
	.release = ws_release,
};

/* Every ping interval: a peer silent since the last ping is gone. */
static void on_ping_timer(struct loop_timer *timer)
{
	struct ws_conn *w = container_of(timer, struct ws_conn, ping);
	if (!w->heard) {
		conn_close(w->conn, CONN_CLOSE_PING_TIMEOUT);
		return;
	}
	w->heard = false;
	send_frame(w, WS_PING, "keepalive", 9);
	loop_timer_arm(w->web->cfg.loop, &w->ping, w->web->cfg.ping_ms);
}

/* ---- the handshake ---- */

static bool origin_allowed(const struct web *web, const struct http_request *r)
{
	size_t olen, hlen;
	const char *origin = http_field(r, "Origin", &olen);
	if (!origin)
		return true; /* not a browser */
	for (size_t i = 0; i < web->cfg.norigins; i++)
		if (strlen(web->cfg.origins[i]) == olen &&
		    memcmp(web->cfg.origins[i], origin, olen) == 0)
			return true;
	/* "scheme://host[:port]" must name the Host the request went to. */
	const char *host = http_field(r, "Host", &hlen);
	const char *sep = memchr(origin, ':', olen);
	if (!host || !sep || (size_t)(origin + olen - sep) < 3 || memcmp(sep, "://", 3) != 0)
		return false;
	const char *ohost = sep + 3;
	size_t ohlen = olen - (size_t)(ohost - origin);
	return ohlen == hlen && memcmp(ohost, host, hlen) == 0;
}

/* The first subprotocol the client offers that we speak; -1 if it offers
 * some and none fits; 0 (the default) if it offers none. */
static int pick_subprotocol(const struct web *web, const struct http_request *r)
{
	size_t len;
	const char *v = http_field(r, "Sec-WebSocket-Protocol", &len);
	if (!v)
		return 0;
	for (size_t i = 0; i < web->cfg.nsubprotocols; i++)
		if (http_has_token(v, len, web->cfg.subprotocols[i].name))
			return (int)i;
	return -1;
}

static void refuse(struct conn *c, int status, const char *extra, const char *why)
{
	web_respond(c, false, false, status, "text/plain; charset=utf-8", extra, why,
		    strlen(why));
	conn_close_after_flush(c, CONN_CLOSE_LOCAL);
}

static bool key_valid(const char *key, size_t len)
{
	if (len != 24 || key[22] != '=' || key[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++) {
		char ch = key[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return false;
	}
	return true;
}

int web_ws_accept(struct web *web, struct conn *c, const struct http_request *r)
{
	size_t ulen, clen, vlen, klen;
	const char *up = http_field(r, "Upgrade", &ulen);
	const char *conn_f = http_field(r, "Connection", &clen);
	const char *ver = http_field(r, "Sec-WebSocket-Version", &vlen);
	const char *key = http_field(r, "Sec-WebSocket-Key", &klen);
	if (!up || !http_has_token(up, ulen, "websocket") || !conn_f ||
	    !http_has_token(conn_f, clen, "upgrade") || r->minor != 1) {
		refuse(c, 426, "Upgrade: websocket\r\nConnection: Upgrade\r\n",
		       "this is a WebSocket endpoint\n");
		return -1;
	}
	if (!ver || vlen != 2 || memcmp(ver, "13", 2) != 0) {
		refuse(c, 426, "Sec-WebSocket-Version: 13\r\n", "WebSocket version 13 only\n");
		return -1;
	}
	if (!key || !key_valid(key, klen)) {
		refuse(c, 400, NULL, "bad Sec-WebSocket-Key\n");
		return -1;
	}
	if (!origin_allowed(web, r)) {
		refuse(c, 403, NULL, "origin not allowed\n");
		return -1;
	}
	int index = pick_subprotocol(web, r);
	if (index < 0) {
		refuse(c, 400, NULL, "no supported subprotocol\n");
		return -1;
	}
	char accept[WS_ACCEPT_LEN + 1];
	ws_accept_key(key, klen, accept);
	char head[512];
	size_t offered;
	bool named = http_field(r, "Sec-WebSocket-Protocol", &offered) != NULL;
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s\r\n",
			 accept, named ? "Sec-WebSocket-Protocol: " : "",
			 named ? web->cfg.subprotocols[index].name : "", named ? "\r\n" : "");
	conn_send_bytes(c, head, (size_t)n);
	return index;
}

struct ws_conn *web_ws_start(struct web *web, struct conn *c, int index)
{
	const struct web_subprotocol *sp = &web->cfg.subprotocols[index];
	struct ws_conn *w = xcalloc(1, sizeof(*w));
	w->web = web;
	w->conn = c;
	w->dec.max_message = web->cfg.max_message;
	w->opcode = sp->binary ? WS_BINARY : WS_TEXT;
	w->heard = true;
	loop_timer_init(&w->ping, on_ping_timer);
	if (web->cfg.ping_ms)
		loop_timer_arm(web->cfg.loop, &w->ping, web->cfg.ping_ms);
	conn_set_label(c, sp->label);
	conn_set_framer(c, &ws_framer, w);
	conn_set_handler(c, sp->handler, sp->handler_data);
	return w;
}
