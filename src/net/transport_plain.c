/* transport_plain: the kernel's own read and send, nothing in between.
 * A single segment goes out with send(2), which spares the kernel importing
 * an iovec array (the common case once small messages are coalesced). */
#include "net/transport.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop/loop.h"

static ssize_t plain_read(struct transport *t, int fd, void *buf, size_t len)
{
	(void)t;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static ssize_t plain_write(struct transport *t, int fd, const struct iovec *iov, int niov)
{
	(void)t;
	for (;;) {
		ssize_t n;
		if (niov == 1) {
			n = send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		} else {
			struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)niov};
			n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
}

static void plain_close(struct transport *t, int fd)
{
	(void)t;
	(void)fd;
}

static const struct transport_ops plain_ops = {
	.name = "plain",
	.read = plain_read,
	.write = plain_write,
	.close = plain_close,
};

struct transport *transport_plain(void)
{
	/* Never written: its waits are fixed, and close() frees nothing. */
	static struct transport plain = {&plain_ops, LOOP_READ, LOOP_WRITE};
	return &plain;
}
