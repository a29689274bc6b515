/* transport: how one connection's bytes cross its socket. Every read and
 * write of a connection goes through its transport: the plain one calls the
 * kernel directly; others (TLS) wrap it. The interface is deliberately
 * small — read, write a gathered batch, say goodbye, and which socket event
 * each direction is waiting for — so that another way of moving bytes (an
 * encrypted session, a completion-based backend) is one more table of
 * operations, not a change to the connection code.
 *
 * Waiting is per direction because they can cross: a TLS read may need the
 * socket writable (to finish a handshake message) and a TLS write may need
 * it readable. `read_wait` and `write_wait` say which loop event
 * (LOOP_READ or LOOP_WRITE) the next attempt in that direction needs; the
 * connection watches exactly those. */
#ifndef PARLEY_NET_TRANSPORT_H
#define PARLEY_NET_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct transport;

struct transport_ops {
	const char *name; /* "plain", "tls": shown in logs and STATS */
	/* Reads up to `len` bytes: the count, 0 when the peer finished,
	 * -EAGAIN when nothing can be read now, or another negative errno
	 * (-EPROTO: the peer broke the transport's protocol). */
	ssize_t (*read)(struct transport *t, int fd, void *buf, size_t len);
	/* Writes from `niov` segments, in order: the count written (possibly
	 * short), -EAGAIN when nothing can be written now, or a negative errno.
	 * After -EAGAIN (or a short count) the next call must start with the
	 * bytes that were not written, in a first segment at least as long. */
	ssize_t (*write)(struct transport *t, int fd, const struct iovec *iov, int niov);
	/* Bytes already received and decoded that read() returns without
	 * waiting for the socket; NULL means always 0. */
	size_t (*pending)(const struct transport *t);
	/* True while the transport's own setup (a handshake) is unfinished;
	 * NULL means never. */
	bool (*handshaking)(const struct transport *t);
	/* Writes " key=value" fields (version, cipher) for STATS; may be NULL. */
	void (*describe)(const struct transport *t, char *out, size_t outlen);
	/* Says goodbye if the protocol has a goodbye (best effort, never
	 * blocks) and frees the transport; the caller closes `fd` after. */
	void (*close)(struct transport *t, int fd);
};

struct transport {
	const struct transport_ops *ops;
	uint8_t read_wait;  /* LOOP_READ or LOOP_WRITE */
	uint8_t write_wait; /* LOOP_READ or LOOP_WRITE */
};

/* Makes the transport of a newly accepted or adopted socket. `conn_id`
 * labels its log lines. NULL when it cannot (the socket is then refused). */
struct transport_factory {
	const char *name; /* "tls": appended to the listener's log label */
	struct transport *(*open)(void *ctx, int fd, uint64_t conn_id);
	void *ctx;
};

/* The plain transport: stateless, shared by every plain connection. */
struct transport *transport_plain(void);

static inline ssize_t transport_read(struct transport *t, int fd, void *buf, size_t len)
{
	return t->ops->read(t, fd, buf, len);
}

static inline ssize_t transport_write(struct transport *t, int fd, const struct iovec *iov,
				      int niov)
{
	return t->ops->write(t, fd, iov, niov);
}

static inline size_t transport_pending(const struct transport *t)
{
	return t->ops->pending ? t->ops->pending(t) : 0;
}

static inline bool transport_handshaking(const struct transport *t)
{
	return t->ops->handshaking && t->ops->handshaking(t);
}

static inline void transport_close(struct transport *t, int fd)
{
	t->ops->close(t, fd);
}

#endif
