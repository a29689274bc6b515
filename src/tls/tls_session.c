/* tls_session: one TLS session as a connection transport. OpenSSL reads
 * and writes the non-blocking socket itself; each call's WANT_READ or
 * WANT_WRITE becomes that direction's wait, so the event loop watches what
 * the session needs rather than what the caller wants (a read may have to
 * wait for writability mid-handshake, and the other way round). */
#include <arpa/inet.h>
#include <errno.h>
#include <openssl/x509v3.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop/loop.h"
#include "tls/tls_private.h"
#include "util/alloc.h"
#include "util/log.h"

struct tls_session {
	struct transport base;
	SSL *ssl;
	const struct tls_report *report;
	uint64_t id;
	bool established; /* handshake done */
	bool failed;      /* fatal error: no more calls into OpenSSL but free */
};

static struct tls_session *session_of(struct transport *t)
{
	return (struct tls_session *)t;
}

/* OpenSSL's reason for the latest failure, in one line. */
static void describe_failure(int ssl_error, int sys_errno, char *out, size_t outlen)
{
	unsigned long e = ERR_peek_last_error();
	if (e) {
		ERR_error_string_n(e, out, outlen);
		/* "error:0A00010B:SSL routines::wrong version number": keep the
		 * words after the last colon, which say what happened. */
		const char *words = strrchr(out, ':');
		if (words && words[1])
			memmove(out, words + 1, strlen(words + 1) + 1);
	} else if (ssl_error == SSL_ERROR_SYSCALL && sys_errno) {
		snprintf(out, outlen, "%s", strerror(sys_errno));
	} else {
		snprintf(out, outlen, "connection closed during the handshake");
	}
}

static void report_failure(struct tls_session *s, int ssl_error, int sys_errno)
{
	char why[160];
	describe_failure(ssl_error, sys_errno, why, sizeof(why));
	if (s->report->error) {
		const char *verify = "";
		long v = SSL_get_verify_result(s->ssl);
		if (v != X509_V_OK)
			verify = X509_verify_cert_error_string(v);
		snprintf(s->report->error, s->report->error_len, "%s%s%s", why, *verify ? ": " : "",
			 verify);
	}
	log_event(s->report->log, LOG_WARN, "TLS_ERROR", "conn=%llu stage=%s error=\"%s\"",
		  (unsigned long long)s->id, s->established ? "session" : "handshake", why);
	s->failed = true;
	ERR_clear_error();
}

static void note_established(struct tls_session *s)
{
	if (s->established || !SSL_is_init_finished(s->ssl))
		return;
	s->established = true;
	if (log_enabled(s->report->log, LOG_DEBUG))
		log_event(s->report->log, LOG_DEBUG, "TLS_ESTABLISHED",
			  "conn=%llu version=%s cipher=%s resumed=%s", (unsigned long long)s->id,
			  SSL_get_version(s->ssl), SSL_get_cipher_name(s->ssl),
			  SSL_session_reused(s->ssl) ? "yes" : "no");
}

/* Turns a failed OpenSSL call into the transport's answer: -EAGAIN with
 * the direction's wait set, 0 for the peer's orderly end, or an error. */
static ssize_t outcome(struct tls_session *s, uint8_t *wait)
{
	int sys_errno = errno;
	int err = SSL_get_error(s->ssl, 0);
	note_established(s);
	switch (err) {
	case SSL_ERROR_WANT_READ:
		*wait = LOOP_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*wait = LOOP_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SSL:
		/* A peer that simply closes the socket after the handshake is
		 * common (and harmless for a chat line protocol, whose units
		 * carry their own ends): treat it as an end, not an attack. */
		if (s->established &&
		    ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
			ERR_clear_error();
			s->failed = true;
			return 0;
		}
		report_failure(s, err, sys_errno);
		return -EPROTO;
	case SSL_ERROR_SYSCALL:
		s->failed = true;
		ERR_clear_error();
		if (sys_errno == ECONNRESET || sys_errno == EPIPE)
			return -sys_errno;
		if (!s->established) {
			report_failure(s, err, sys_errno);
			return -EPROTO;
		}
		return sys_errno ? -sys_errno : 0;
	default:
		report_failure(s, err, sys_errno);
		return -EPROTO;
	}
}

/* A read moved the session on (or took all there was): a write that was
 * waiting for input is retried once the socket is writable, and the other
 * way round. Otherwise the retry could wait for an event that the other
 * direction's call has already consumed. */
static void unblock_other(uint8_t *other_wait, uint8_t own_event)
{
	if (*other_wait == own_event)
		*other_wait = own_event == LOOP_READ ? LOOP_WRITE : LOOP_READ;
}

static ssize_t tls_read(struct transport *t, int fd, void *buf, size_t len)
{
	struct tls_session *s = session_of(t);
	(void)fd;
	if (s->failed)
		return -EPROTO;
	size_t total = 0;
	while (total < len) {
		size_t n = 0;
		ERR_clear_error();
		if (!SSL_read_ex(s->ssl, (char *)buf + total, len - total, &n)) {
			ssize_t rc = outcome(s, &t->read_wait);
			if (rc == -EAGAIN || total)
				unblock_other(&t->write_wait, LOOP_READ);
			/* What was read is delivered first; the condition
			 * recurs on the next call. */
			return total ? (ssize_t)total : rc;
		}
		note_established(s);
		t->read_wait = LOOP_READ;
		unblock_other(&t->write_wait, LOOP_READ);
		total += n;
	}
	return (ssize_t)total;
}

static ssize_t tls_write(struct transport *t, int fd, const struct iovec *iov, int niov)
{
	struct tls_session *s = session_of(t);
	(void)fd;
	if (s->failed)
		return -EPROTO;
	size_t total = 0;
	for (int i = 0; i < niov; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0) {
			size_t n = 0;
			ERR_clear_error();
			if (!SSL_write_ex(s->ssl, p, left, &n)) {
				ssize_t rc = outcome(s, &t->write_wait);
				if (rc == -EAGAIN || total)
					unblock_other(&t->read_wait, LOOP_WRITE);
				if (rc == 0)
					rc = -EPIPE; /* the peer ended the session */
				return total ? (ssize_t)total : rc;
			}
			note_established(s);
			t->write_wait = LOOP_WRITE;
			unblock_other(&t->read_wait, LOOP_WRITE);
			p += n;
			left -= n;
			total += n;
		}
	}
	return (ssize_t)total;
}

static size_t tls_pending(const struct transport *t)
{
	const struct tls_session *s = (const struct tls_session *)t;
	if (s->failed)
		return 0;
	int n = SSL_pending(s->ssl);
	if (n > 0)
		return (size_t)n;
	return SSL_has_pending(s->ssl) ? 1 : 0;
}

static bool tls_handshaking(const struct transport *t)
{
	const struct tls_session *s = (const struct tls_session *)t;
	return !s->established;
}

static void tls_describe(const struct transport *t, char *out, size_t outlen)
{
	const struct tls_session *s = (const struct tls_session *)t;
	if (s->established)
		snprintf(out, outlen, "  tls=%s  cipher=%s", SSL_get_version(s->ssl),
			 SSL_get_cipher_name(s->ssl));
	else
		snprintf(out, outlen, "  tls=handshake");
}

/* One close_notify, never waiting for the peer's: the socket closes next. */
static void tls_close(struct transport *t, int fd)
{
	struct tls_session *s = session_of(t);
	(void)fd;
	if (s->established && !s->failed && fd >= 0) {
		ERR_clear_error();
		SSL_shutdown(s->ssl);
	}
	ERR_clear_error();
	SSL_free(s->ssl);
	free(s);
}

static const struct transport_ops tls_ops = {
	.name = "tls",
	.read = tls_read,
	.write = tls_write,
	.pending = tls_pending,
	.handshaking = tls_handshaking,
	.describe = tls_describe,
	.close = tls_close,
};

/* The server's certificate must name `host`: an address literal is
 * matched against the certificate's IP addresses (and sent no SNI), a name
 * against its DNS names. */
static bool expect_host(SSL *ssl, const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1;
	return SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1;
}

struct transport *tls_session_open(SSL_CTX *ctx, int fd, uint64_t conn_id, bool server,
				   const char *host, const struct tls_report *report)
{
	SSL *ssl = SSL_new(ctx);
	if (!ssl)
		return NULL;
	if (!SSL_set_fd(ssl, fd)) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	if (server) {
		SSL_set_accept_state(ssl);
	} else {
		SSL_set_connect_state(ssl);
		if (host && !expect_host(ssl, host)) {
			SSL_free(ssl);
			ERR_clear_error();
			return NULL;
		}
	}
	struct tls_session *s = xcalloc(1, sizeof(*s));
	s->ssl = ssl;
	s->report = report;
	s->id = conn_id;
	s->base.ops = &tls_ops;
	/* A server waits for the ClientHello; a client must first be able
	 * to send its own, so its first "read" waits for writability. */
	s->base.read_wait = server ? LOOP_READ : LOOP_WRITE;
	s->base.write_wait = LOOP_WRITE;
	return &s->base;
}
