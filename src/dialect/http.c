/* http: an HTTP/1.1 connection's life — requests parsed with codec/http.h,
 * answered in order (so pipelined requests work), kept alive until the
 * client says close or stays idle past the timeout, and upgraded to a
 * WebSocket on GET /ws. */
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "dialect/web_private.h"
#include "net/conn.h"
#include "util/alloc.h"
#include "util/log.h"

struct http_session {
	struct web *web;
	uint64_t body_left; /* bytes of a request body still to skip */
	bool body_keep_alive;
};

struct web *web_create(const struct web_config *cfg, char *err, size_t errlen)
{
	struct web *web = xcalloc(1, sizeof(*web));
	web->cfg = *cfg;
	if (cfg->web_root) {
		web->root = realpath(cfg->web_root, NULL);
		if (!web->root) {
			snprintf(err, errlen, "--web-root %s: not a usable directory", cfg->web_root);
			free(web);
			return NULL;
		}
	}
	return web;
}

uint64_t web_ws_messages_received(const struct web *web)
{
	return web->ws_messages_received;
}

void web_destroy(struct web *web)
{
	if (!web)
		return;
	free(web->root);
	free(web);
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 426: return "Upgrade Required";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

void web_respond(struct conn *c, bool head_only, bool keep_alive, int status,
		 const char *type, const char *extra, const void *body, size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: parleyd\r\nContent-Length: %zu\r\n"
			 "%s%s%s%s%s\r\n",
			 status, reason_phrase(status), len, type ? "Content-Type: " : "",
			 type ? type : "", type ? "\r\n" : "",
			 keep_alive ? "" : "Connection: close\r\n", extra ? extra : "");
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	if (head_only || len == 0 || status == 304) {
		conn_send_bytes(c, head, (size_t)n);
		return;
	}
	char *all = xmalloc((size_t)n + len);
	memcpy(all, head, (size_t)n);
	memcpy(all + n, body, len);
	conn_send_bytes(c, all, (size_t)n + len);
	free(all);
}

/* An error page: the status line in text, and the connection closed when
 * the request cannot be trusted to have ended where we think. */
static void respond_error(struct conn *c, int status, bool keep_alive, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason_phrase(status));
	web_respond(c, false, keep_alive, status, "text/plain; charset=utf-8", extra, body,
		    (size_t)n);
	if (!keep_alive)
		conn_close_after_flush(c, CONN_CLOSE_LOCAL);
}

static void http_open(struct conn *c, void *data)
{
	struct http_session *s = xcalloc(1, sizeof(*s));
	s->web = data;
	conn_set_session(c, s);
	if (s->web->cfg.timeout_ms)
		conn_set_timeout(c, s->web->cfg.timeout_ms);
}

static bool wants_keep_alive(const struct http_request *r)
{
	size_t len;
	const char *v = http_field(r, "Connection", &len);
	if (v && http_has_token(v, len, "close"))
		return false;
	if (r->minor == 0)
		return v && http_has_token(v, len, "keep-alive");
	return true;
}

/* 127.0.0.0/8, ::1, and 127.x mapped into IPv6. */
static bool is_loopback(const struct conn *c)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t one[16] = {[15] = 1};
	const struct peer *p = conn_peer(c);
	if (p->family == AF_INET)
		return p->addr[0] == 127;
	if (p->family == AF_INET6)
		return memcmp(p->addr, one, 16) == 0 ||
		       (memcmp(p->addr, mapped, 12) == 0 && p->addr[12] == 127);
	return false;
}

static void serve_metrics(struct web *web, struct conn *c, bool head_only, bool keep_alive)
{
	if (!web->cfg.metrics_anywhere && !is_loopback(c)) {
		respond_error(c, 403, keep_alive, NULL);
		return;
	}
	struct buf out = {0};
	web->cfg.metrics(web->cfg.metrics_ctx, &out);
	web_respond(c, head_only, keep_alive, 200, "text/plain; version=0.0.4; charset=utf-8",
		    "Cache-Control: no-store\r\n", buf_head(&out), buf_len(&out));
	buf_release(&out);
}

static bool path_is(const char *p, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(p, want, n) == 0;
}

/* Answers one request; returns the WebSocket the connection became, or
 * NULL. */
static struct ws_conn *route(struct http_session *s, struct conn *c,
			     const struct http_request *r, bool keep_alive)
{
	bool get = r->method_len == 3 && memcmp(r->method, "GET", 3) == 0;
	bool head = r->method_len == 4 && memcmp(r->method, "HEAD", 4) == 0;
	const char *q = memchr(r->target, '?', r->target_len);
	size_t plen = q ? (size_t)(q - r->target) : r->target_len;
	if (r->target[0] != '/') {
		respond_error(c, 400, false, NULL);
		return NULL;
	}
	if (!get && !head) {
		respond_error(c, 405, keep_alive, "Allow: GET, HEAD\r\n");
		return NULL;
	}
	if (path_is(r->target, plen, "/healthz")) {
		web_respond(c, head, keep_alive, 200, "text/plain; charset=utf-8",
			    "Cache-Control: no-store\r\n", "ok\n", 3);
	} else if (path_is(r->target, plen, "/metrics") && s->web->cfg.metrics) {
		serve_metrics(s->web, c, head, keep_alive);
	} else if (path_is(r->target, plen, "/ws")) {
		struct web *web = s->web;
		int index = get ? web_ws_accept(web, c, r) : -1;
		if (!get)
			respond_error(c, 405, keep_alive, "Allow: GET\r\n");
		if (index < 0)
			return NULL;
		free(s);
		conn_set_session(c, NULL);
		return web_ws_start(web, c, index);
	} else {
		web_serve_file(s->web, c, r, r->target, plen, head, keep_alive);
	}
	return NULL;
}

static int status_of(enum http_status st)
{
	switch (st) {
	case HTTP_TOO_LARGE: return 431;
	case HTTP_BAD_VERSION: return 505;
	default: return 400;
	}
}

static size_t http_data(struct conn *c, const char *data, size_t len)
{
	struct http_session *s = conn_session(c);
	size_t off = 0;
	while (off < len && !conn_closing(c)) {
		if (s->body_left) {
			size_t take = len - off < s->body_left ? len - off : (size_t)s->body_left;
			off += take;
			s->body_left -= take;
			continue;
		}
		struct http_request r;
		enum http_status st = http_parse(data + off, len - off, WEB_HEAD_MAX, &r);
		if (st == HTTP_INCOMPLETE)
			break;
		if (st != HTTP_OK) {
			respond_error(c, status_of(st), false, NULL);
			return len;
		}
		off += r.head_len;
		bool keep_alive = wants_keep_alive(&r);
		if (r.content_length > WEB_BODY_MAX) {
			respond_error(c, 413, false, NULL);
			return len;
		}
		s->body_left = r.content_length;
		struct ws_conn *ws = route(s, c, &r, keep_alive);
		if (ws) /* frames that came with the request */
			return off + web_ws_decode(ws, data + off, len - off);
		if (!keep_alive) {
			conn_close_after_flush(c, CONN_CLOSE_QUIT);
			return len;
		}
		if (s->web->cfg.timeout_ms)
			conn_set_timeout(c, s->web->cfg.timeout_ms); /* idle from now */
	}
	return conn_closing(c) ? len : off;
}

/* A request left incomplete, or a keep-alive connection left idle. */
static void http_timeout(struct conn *c)
{
	static const char body[] = "408 Request Timeout\n";
	web_respond(c, false, false, 408, "text/plain; charset=utf-8", NULL, body,
		    sizeof(body) - 1);
	conn_close_after_flush(c, CONN_CLOSE_TIMEOUT);
}

static void http_describe(const struct conn *c, char *out, size_t outlen)
{
	(void)c;
	snprintf(out, outlen, "  proto=http");
}

static void http_close(struct conn *c)
{
	free(conn_session(c));
}

const struct conn_handler web_http_handler = {
	.on_open = http_open,
	.on_data = http_data,
	.on_timeout = http_timeout,
	.describe = http_describe,
	.on_close = http_close,
};
