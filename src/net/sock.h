/* sock: thin wrappers over the socket system calls we use. Functions return
 * a descriptor or 0 on success and a negative errno on failure; those that
 * resolve names also write a human-readable reason into `err`. Every
 * descriptor is created non-blocking and close-on-exec. */
#ifndef PARLEY_NET_SOCK_H
#define PARLEY_NET_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

/* Opens a listening TCP socket with SO_REUSEADDR. An empty host means every
 * address: IPv6 "::" with IPV6_V6ONLY off (so IPv4 too), falling back to
 * 0.0.0.0 when IPv6 is unavailable. Writes the bound address to `bound`. */
int sock_listen(const struct hostport *where, int backlog, struct peer *bound,
		char *err, size_t errlen);

/* Accepts one connection; returns the fd or -errno (-EAGAIN when none). */
int sock_accept(int listen_fd, struct peer *peer);

/* Starts a TCP connection to host:port (name resolution is blocking; the
 * connect itself is non-blocking when `nonblocking`, blocking otherwise,
 * and the returned socket is always non-blocking). Returns fd or -errno. */
int sock_connect(const char *host, uint16_t port, int nonblocking, char *err, size_t errlen);

/* Disables Nagle's algorithm; returns 0 or -errno. */
int sock_nodelay(int fd);

/* Returns the pending socket error (SO_ERROR) as a negative errno, or 0. */
int sock_error(int fd);

#endif
