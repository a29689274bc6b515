/* sock: socket system-call wrappers. */
#include "net/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static int bind_listen(const struct sockaddr *sa, socklen_t len, int backlog, int dual_stack)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual_stack ? &zero : &one, sizeof(int));
	if (bind(fd, sa, len) < 0 || listen(fd, backlog) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int listen_any(uint16_t port, int backlog)
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	in6.sin6_addr = in6addr_any;
	int fd = bind_listen((struct sockaddr *)&in6, sizeof(in6), backlog, 1);
	if (fd != -EAFNOSUPPORT && fd != -EADDRNOTAVAIL)
		return fd;
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	in.sin_addr.s_addr = htonl(INADDR_ANY);
	return bind_listen((struct sockaddr *)&in, sizeof(in), backlog, 0);
}

static int resolve(const char *host, uint16_t port, int passive, struct addrinfo **out,
		   char *err, size_t errlen)
{
	char service[8];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0),
	};
	int rc = getaddrinfo(host, service, &hints, out);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	return 0;
}

static void local_peer(int fd, struct peer *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(bound, 0, sizeof(*bound));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		peer_from_sockaddr((struct sockaddr *)&ss, bound);
}

int sock_listen(const struct hostport *where, int backlog, struct peer *bound,
		char *err, size_t errlen)
{
	int fd;
	if (where->host[0] == '\0') {
		fd = listen_any(where->port, backlog);
	} else {
		struct addrinfo *ai;
		int rc = resolve(where->host, where->port, 1, &ai, err, errlen);
		if (rc < 0)
			return rc;
		fd = -EADDRNOTAVAIL;
		for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next)
			fd = bind_listen(p->ai_addr, p->ai_addrlen, backlog, 0);
		freeaddrinfo(ai);
	}
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s",
			 where->host[0] ? where->host : "*", where->port, strerror(-fd));
		return fd;
	}
	local_peer(fd, bound);
	return fd;
}

int sock_accept(int listen_fd, struct peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(listen_fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	peer_from_sockaddr((struct sockaddr *)&ss, peer);
	return fd;
}

static int connect_one(const struct addrinfo *p, int nonblocking)
{
	int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
	int fd = socket(p->ai_family, type, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, p->ai_addr, p->ai_addrlen) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	int rc = nonblocking ? 0 : set_nonblocking(fd);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

int sock_connect(const char *host, uint16_t port, int nonblocking, char *err, size_t errlen)
{
	struct addrinfo *ai;
	int rc = resolve(host, port, 0, &ai, err, errlen);
	if (rc < 0)
		return rc;
	int fd = -ECONNREFUSED;
	for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next)
		fd = connect_one(p, nonblocking);
	freeaddrinfo(ai);
	if (fd < 0)
		snprintf(err, errlen, "cannot connect to %s:%u: %s", host, port, strerror(-fd));
	return fd;
}

int sock_nodelay(int fd)
{
	int one = 1;
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ? -errno : 0;
}

int sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return -errno;
	return -e;
}
