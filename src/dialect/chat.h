/* chat: the chat protocol (docs/PROTOCOL.md) as a connection handler. A listener
 * configured with chat_handler and a `struct chat` turns each line from a
 * client into hub calls and each hub event into a protocol line. */
#ifndef PARLEY_DIALECT_CHAT_H
#define PARLEY_DIALECT_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"

struct hub;
struct chat;
struct loop;

struct chat_config {
	size_t max_line;              /* --max-line, bytes before the terminator */
	uint64_t register_timeout_ms; /* 0 = never */
	size_t sendq; /* --sendq: history replay on join uses at most half; 0 = no bound */
	size_t min_password;     /* --min-password: shortest password REGISTER takes */
	const struct loop *loop; /* the clock for login rate limits */
};

/* The handler for chat listeners; pass a `struct chat *` as handler_data. */
extern const struct conn_handler chat_handler;

/* The refusal sent to a client over --max-clients, terminator included. */
extern const char chat_server_full[];
/* Refusals by source address (--max-per-ip, --connect-rate). */
extern const char chat_too_many[];
extern const char chat_too_fast[];

/* The longest line the dialect sends for client lines of at most `max_line`
 * bytes: "ROOM <room> <name> <text>\r\n" with the longest room and name. */
size_t chat_largest_line(size_t max_line);

/* Creates the chat dialect's shared state; `hub` must outlive it. */
struct chat *chat_create(struct hub *hub, const struct chat_config *cfg);
void chat_destroy(struct chat *chat);

/* Client lines decoded so far, on every chat connection. */
uint64_t chat_lines_received(const struct chat *chat);

#endif
