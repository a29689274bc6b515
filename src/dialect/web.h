/* web: the HTTP listener's dialect. It answers HTTP/1.1 requests (the chat
 * page and its assets, /metrics, /healthz) and upgrades GET /ws to a
 * WebSocket: the connection keeps its transport, gains the WebSocket
 * framer (ws.c) and is handed to the dialect its subprotocol names
 * (text.ircv3.net and binary.ircv3.net: IRC; parley.chat: chat), which
 * then sees a plain line stream. */
#ifndef PARLEY_DIALECT_WEB_H
#define PARLEY_DIALECT_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct conn_handler;
struct loop;
struct log;

/* One file of the page compiled into the program. */
struct web_asset {
	const char *path;  /* "/index.html" */
	const char *type;  /* Content-Type */
	const char *etag;  /* quoted, e.g. "\"3f2a...\"" */
	const unsigned char *data;
	size_t len;
};

/* A WebSocket subprotocol and the dialect that speaks it. */
struct web_subprotocol {
	const char *name;
	const struct conn_handler *handler;
	void *handler_data; /* passed to its on_open */
	bool binary;        /* the server sends binary frames, else text */
	const char *label;  /* the connection's protocol in metrics */
};

enum { WEB_ORIGINS_MAX = 8, WEB_SUBPROTOCOLS_MAX = 4 };

struct web_config {
	struct loop *loop;
	const struct log *log;
	uint64_t timeout_ms;      /* incomplete request, idle keep-alive (0: none) */
	uint64_t ping_ms;         /* WebSocket keepalive ping interval (0: none) */
	size_t max_message;       /* largest WebSocket message accepted */
	const char *web_root;     /* serve this directory instead of assets, or NULL */
	const struct web_asset *assets;
	size_t nassets;
	const char *origins[WEB_ORIGINS_MAX]; /* accepted Origin values besides the Host's */
	size_t norigins;
	bool metrics_anywhere;    /* else /metrics answers loopback peers only */
	/* Writes the Prometheus exposition into `out`; NULL: 404. */
	void (*metrics)(void *ctx, struct buf *out);
	void *metrics_ctx;
	struct web_subprotocol subprotocols[WEB_SUBPROTOCOLS_MAX]; /* [0]: the default */
	size_t nsubprotocols;
};

struct web;

/* Returns NULL with a reason in `err` (e.g. an unusable --web-root). */
struct web *web_create(const struct web_config *cfg, char *err, size_t errlen);
void web_destroy(struct web *web);

/* WebSocket data messages handed to the dialect behind them so far (each
 * is also one line of that dialect). */
uint64_t web_ws_messages_received(const struct web *web);

/* The handler of HTTP listeners; on_open wants the struct web. */
extern const struct conn_handler web_http_handler;

/* Limits of a request head. */
enum { WEB_HEAD_MAX = 8192, WEB_BODY_MAX = 65536 };

#endif
