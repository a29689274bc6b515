/* tls: TLS 1.2/1.3 for connections, with OpenSSL 3. Each side has a
 * context (the server's certificate and key, or the client's trust and the
 * host name to verify) and hands the connection layer a transport factory:
 * every connection accepted on a TLS listener, or adopted by a TLS client,
 * gets its own encrypted session behind the small transport interface of
 * net/transport.h. Nothing else in the tree sees OpenSSL.
 *
 * Settings are fixed, not configurable: TLS 1.2 and 1.3 only, forward-secret
 * AEAD ciphers, no compression, no renegotiation, session tickets on, and
 * buffers released while a connection is idle. */
#ifndef PARLEY_TLS_TLS_H
#define PARLEY_TLS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "net/transport.h"

struct log;
struct tls_server;
struct tls_client;

/* Loads a PEM certificate (a chain is allowed: the leaf first) and its
 * private key. NULL with a one-line reason in `err` if either cannot be
 * read or they do not match. `log` (or NULL) must outlive the context; it
 * gets TLS_ERROR lines for failed sessions and, at debug level, each
 * session's version and cipher. */
struct tls_server *tls_server_create(const char *cert_file, const char *key_file,
				     const struct log *log, char *err, size_t errlen);

/* Reads the same two files again. On success new handshakes use the new
 * pair; sessions already established keep theirs. On failure (reason in
 * `err`) nothing changes and the old pair stays in service. */
bool tls_server_reload(struct tls_server *s, char *err, size_t errlen);

/* The factory for a listener_config or net_adopt_transport(). */
const struct transport_factory *tls_server_factory(struct tls_server *s);

/* Frees the context; sessions still open keep what they use. */
void tls_server_destroy(struct tls_server *s);

struct tls_client_config {
	const char *ca_file; /* trust this PEM bundle instead of the system's; or NULL */
	const char *host;    /* the name the certificate must carry (SNI too) */
	bool insecure;       /* accept any certificate and name */
};

/* NULL with a reason in `err` if the trust store cannot be loaded. */
struct tls_client *tls_client_create(const struct tls_client_config *cfg, char *err,
				     size_t errlen);

/* Gives the client a certificate (chain allowed, leaf first) and key to
 * show servers that ask for one. False with a reason in `err` if either
 * cannot be read or they do not match; before the first session. */
bool tls_client_use_certificate(struct tls_client *c, const char *cert_file,
				const char *key_file, char *err, size_t errlen);

const struct transport_factory *tls_client_factory(struct tls_client *c);

/* Why the latest session failed (e.g. "certificate verify failed:
 * hostname mismatch"), or "" if none has. */
const char *tls_client_error(const struct tls_client *c);

void tls_client_destroy(struct tls_client *c);

#endif
