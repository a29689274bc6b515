/* tls_context: the server's certificate context (loaded at startup and
 * again on reload) and the client's trust context. A reload builds a whole
 * new SSL_CTX and swaps it in only if it loaded: sessions hold a reference
 * to the context they started with, so they continue untouched, and
 * OpenSSL frees the old one when the last of them ends. */
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls.h"
#include "tls/tls_private.h"
#include "util/alloc.h"

/* TLS 1.2 suites: ECDHE key exchange with an AEAD cipher only. (TLS 1.3's
 * own suites are all of that kind; OpenSSL's default list is kept.) */
static const char TLS12_CIPHERS[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct tls_server {
	SSL_CTX *ctx;
	char *cert_file;
	char *key_file;
	struct tls_report report;
	struct transport_factory factory;
};

struct tls_client {
	SSL_CTX *ctx;
	char *host; /* NULL when not verifying */
	char error[256];
	struct tls_report report;
	struct transport_factory factory;
};

/* OpenSSL's latest error as one line, prefixed by what we were doing. */
static void openssl_reason(const char *doing, char *err, size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	char why[200] = "unknown error";
	if (e) {
		ERR_error_string_n(e, why, sizeof(why));
		const char *words = strrchr(why, ':');
		if (words && words[1])
			memmove(why, words + 1, strlen(words + 1) + 1);
	}
	snprintf(err, errlen, "%s: %s", doing, why);
	ERR_clear_error();
}

static SSL_CTX *new_context(const SSL_METHOD *method, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(method);
	if (!ctx) {
		openssl_reason("cannot create a TLS context", err, errlen);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
	/* Partial writes and a moving buffer: the output queue retries from
	 * wherever its batch now lives. Released buffers: an idle session
	 * keeps no 16 KiB read and write buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS)) {
		openssl_reason("cannot set the cipher list", err, errlen);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* OpenSSL says only "system lib" for a file it cannot open: ask first. */
static bool readable(const char *what, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read TLS %s '%s': %s", what, file, strerror(errno));
		return false;
	}
	fclose(f);
	return true;
}

/* A certificate (chain) and its key into `ctx`: a server's, or a client's
 * for servers that ask for one. */
static bool use_pair(SSL_CTX *ctx, const char *cert_file, const char *key_file, char *err,
		     size_t errlen)
{
	char doing[512];
	if (!readable("certificate", cert_file, err, errlen) ||
	    !readable("key", key_file, err, errlen))
		return false;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		snprintf(doing, sizeof(doing), "cannot use TLS certificate '%s'", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		snprintf(doing, sizeof(doing), "cannot use TLS key '%s'", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(doing, sizeof(doing), "TLS key '%s' does not match certificate '%s'",
			 key_file, cert_file);
		goto fail;
	}
	return true;
fail:
	openssl_reason(doing, err, errlen);
	return false;
}

static SSL_CTX *load_server_context(const char *cert_file, const char *key_file, char *err,
				    size_t errlen)
{
	if (!readable("certificate", cert_file, err, errlen) ||
	    !readable("key", key_file, err, errlen))
		return NULL;
	SSL_CTX *ctx = new_context(TLS_server_method(), err, errlen);
	if (!ctx)
		return NULL;
	/* Resumption by stateless tickets only: a server-side cache would keep
	 * a session object per client for the cache lifetime. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (!use_pair(ctx, cert_file, key_file, err, errlen)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static struct transport *open_server_session(void *ctx, int fd, uint64_t conn_id)
{
	struct tls_server *s = ctx;
	return tls_session_open(s->ctx, fd, conn_id, true, NULL, &s->report);
}

struct tls_server *tls_server_create(const char *cert_file, const char *key_file,
				     const struct log *log, char *err, size_t errlen)
{
	SSL_CTX *ctx = load_server_context(cert_file, key_file, err, errlen);
	if (!ctx)
		return NULL;
	struct tls_server *s = xcalloc(1, sizeof(*s));
	s->ctx = ctx;
	s->cert_file = xstrndup(cert_file, strlen(cert_file));
	s->key_file = xstrndup(key_file, strlen(key_file));
	s->report.log = log;
	s->factory = (struct transport_factory){"tls", open_server_session, s};
	return s;
}

bool tls_server_reload(struct tls_server *s, char *err, size_t errlen)
{
	SSL_CTX *ctx = load_server_context(s->cert_file, s->key_file, err, errlen);
	if (!ctx)
		return false;
	SSL_CTX_free(s->ctx); /* sessions still using it hold references */
	s->ctx = ctx;
	return true;
}

const struct transport_factory *tls_server_factory(struct tls_server *s)
{
	return &s->factory;
}

void tls_server_destroy(struct tls_server *s)
{
	if (!s)
		return;
	SSL_CTX_free(s->ctx);
	free(s->cert_file);
	free(s->key_file);
	free(s);
}

static struct transport *open_client_session(void *ctx, int fd, uint64_t conn_id)
{
	struct tls_client *c = ctx;
	c->error[0] = '\0';
	return tls_session_open(c->ctx, fd, conn_id, false, c->host, &c->report);
}

struct tls_client *tls_client_create(const struct tls_client_config *cfg, char *err,
				     size_t errlen)
{
	SSL_CTX *ctx = new_context(TLS_client_method(), err, errlen);
	if (!ctx)
		return NULL;
	if (!cfg->insecure && cfg->ca_file && !readable("CA file", cfg->ca_file, err, errlen)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (!cfg->insecure) {
		int ok = cfg->ca_file ? SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL)
				      : SSL_CTX_set_default_verify_paths(ctx);
		if (ok != 1) {
			char doing[512];
			snprintf(doing, sizeof(doing), "cannot load trusted certificates%s%s%s",
				 cfg->ca_file ? " from '" : "", cfg->ca_file ? cfg->ca_file : "",
				 cfg->ca_file ? "'" : "");
			openssl_reason(doing, err, errlen);
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	struct tls_client *c = xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	c->host = cfg->insecure || !cfg->host ? NULL : xstrndup(cfg->host, strlen(cfg->host));
	c->report.error = c->error;
	c->report.error_len = sizeof(c->error);
	c->factory = (struct transport_factory){"tls", open_client_session, c};
	return c;
}

bool tls_client_use_certificate(struct tls_client *c, const char *cert_file,
				const char *key_file, char *err, size_t errlen)
{
	return use_pair(c->ctx, cert_file, key_file, err, errlen);
}

const struct transport_factory *tls_client_factory(struct tls_client *c)
{
	return &c->factory;
}

const char *tls_client_error(const struct tls_client *c)
{
	return c->error;
}

void tls_client_destroy(struct tls_client *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c->host);
	free(c);
}
