/* web_private: shared between http.c, ws.c and web_files.c only. */
#ifndef PARLEY_DIALECT_WEB_PRIVATE_H
#define PARLEY_DIALECT_WEB_PRIVATE_H

#include "codec/http.h"
#include "dialect/web.h"
#include "util/buf.h"

struct conn;
struct ws_conn;

struct web {
	struct web_config cfg;
	char *root; /* realpath of cfg.web_root, or NULL */
	uint64_t ws_messages_received; /* data messages handed on, for /metrics */
};

/* Queues a whole response; `body` may be NULL for an empty one. `extra`
 * holds further "Name: value\r\n" fields, or is NULL. HEAD sends no body. */
void web_respond(struct conn *c, bool head_only, bool keep_alive, int status,
		 const char *type, const char *extra, const void *body, size_t len);

/* Answers GET/HEAD for a file: the compiled-in assets, or the web root.
 * `path` is the target without its query. */
void web_serve_file(struct web *web, struct conn *c, const struct http_request *r,
		    const char *path, size_t path_len, bool head_only, bool keep_alive);

/* Checks an upgrade request for /ws; on success queues the 101 answer and
 * returns the index of the chosen subprotocol. On failure it has queued an
 * error response and returns -1. */
int web_ws_accept(struct web *web, struct conn *c, const struct http_request *r);

/* Turns `c` into a WebSocket connection speaking subprotocol `index`; the
 * HTTP session must already be freed. */
struct ws_conn *web_ws_start(struct web *web, struct conn *c, int index);

/* The WebSocket framer's decode step, for bytes that followed the upgrade
 * request in the same read. */
size_t web_ws_decode(struct ws_conn *w, const char *data, size_t len);

#endif
