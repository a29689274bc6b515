/* tls_private: what tls_context.c hands tls_session.c. Only src/tls/. */
#ifndef PARLEY_TLS_PRIVATE_H
#define PARLEY_TLS_PRIVATE_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "net/transport.h"

struct log;

/* Where a session reports: log lines (server) or the latest failure's
 * text (client, which has no log). */
struct tls_report {
	const struct log *log; /* or NULL */
	char *error;           /* or NULL */
	size_t error_len;
};

/* A session on connected socket `fd` from `ctx` (which it references).
 * Client sessions verify against `host` when it is non-NULL. */
struct transport *tls_session_open(SSL_CTX *ctx, int fd, uint64_t conn_id, bool server,
				   const char *host, const struct tls_report *report);

#endif
