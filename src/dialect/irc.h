/* irc: the IRC client protocol (RFC 1459/2812, Modern IRC, IRCv3) as a
 * connection handler over the shared hub, so IRC clients and chat users
 * meet in the same rooms. A listener configured with irc_handler and a
 * `struct irc` turns each IRC message into hub calls and each hub event
 * into IRC lines. */
#ifndef PARLEY_DIALECT_IRC_H
#define PARLEY_DIALECT_IRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"

struct hub;
struct irc;

struct irc_config {
	const char *server_name;      /* prefixes, 004, PONG, WHOIS */
	const char *network;          /* ISUPPORT NETWORK */
	const char *password;         /* PASS needed when non-NULL */
	const char *motd_path;        /* MOTD file, or NULL for 422 */
	uint64_t ping_interval_ms;    /* idle time before PING, and the wait for PONG */
	uint64_t register_timeout_ms; /* 0 = never */
	size_t min_password;          /* self-registration (REGISTER, NickServ) */
	/* IRCv3 strict transport security: the policy duration advertised on
	 * TLS connections (0 withdraws a policy), or -1 for no `sts` at all. */
	int64_t sts_duration_s;
	bool sts_preload; /* also consent to STS preload lists */
};

/* The handler for IRC listeners; pass a `struct irc *` as handler_data. */
extern const struct conn_handler irc_handler;

/* The refusal sent to a client over --max-clients, terminator included. */
extern const char irc_server_full[];
/* Refusals by source address (--max-per-ip, --connect-rate). */
extern const char irc_too_many[];
extern const char irc_too_fast[];

/* Creates the IRC dialect's shared state; `hub` must outlive it. The
 * strings in `cfg` are copied; the MOTD file is read now (unreadable: 422). */
struct irc *irc_create(struct hub *hub, const struct irc_config *cfg);
void irc_destroy(struct irc *irc);

/* Client lines decoded so far, on every IRC connection. */
uint64_t irc_lines_received(const struct irc *irc);

/* Tells the dialect the port of a TLS IRC listener: plain connections are
 * then pointed at it with `sts=port=PORT` (unless `sts` is off). The first
 * call wins. */
void irc_set_tls_port(struct irc *irc, uint16_t port);

#endif
