/* listener: accepting connections, the --max-clients rejection path and
 * descriptor exhaustion. At EMFILE/ENFILE a reserved descriptor is released
 * so the pending connection can be accepted and closed (rather than left in
 * the backlog, keeping the listener readable and the loop spinning); if even
 * that fails, accepting pauses briefly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net_private.h"
#include "net/sock.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/trace.h"

enum { ACCEPT_BATCH = 64, ACCEPT_PAUSE_MS = 100, LISTEN_BACKLOG = 1024 };

static void on_listener_io(void *data, int fd, unsigned events);

static void pause_accepting(struct listener *l)
{
	loop_set_mask(l->net->loop, l->fd, 0);
	loop_timer_arm(l->net->loop, &l->pause, ACCEPT_PAUSE_MS);
}

static void on_pause_over(struct loop_timer *timer)
{
	struct listener *l = container_of(timer, struct listener, pause);
	loop_set_mask(l->net->loop, l->fd, LOOP_READ);
}

/* Sends the listener's refusal text (best effort), then closes. Unread
 * input is drained first so that close() sends FIN, not RST, and the client
 * gets to read the refusal. This runs before any transport exists: a TLS
 * listener's refusal would need a whole handshake, so it sends no text and
 * the client sees the connection close. */
static void reject(struct listener *l, int fd, const struct peer *peer, const char *reason)
{
	struct net *net = l->net;
	struct transport *plain = transport_plain();
	const char *text = l->cfg.transport ? NULL : l->cfg.reject_text;
	if (text) {
		struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
		ssize_t n = transport_write(plain, fd, &iov, 1);
		if (n > 0)
			net->stats.bytes_out += (uint64_t)n;
	}
	char sink[4096];
	for (int i = 0; i < 16 && transport_read(plain, fd, sink, sizeof(sink)) > 0; i++)
		;
	char where[PEER_STRLEN];
	peer_format(peer, where);
	log_event(net->log, LOG_WARN, "REJECT", "fd=%d peer=%s listener=%s reason=%s", fd,
		  where, l->cfg.proto, reason);
	trace_removing(net->cfg.trace, fd);
	close(fd);
	net->stats.rejected++;
}

/* Refused by the per-address table: said with the listener's own words. */
static void reject_address(struct listener *l, int fd, const struct peer *peer,
			   enum addrlimit_verdict verdict)
{
	struct net *net = l->net;
	const char *saved = l->cfg.reject_text;
	if (verdict == ADDRLIMIT_PER_IP) {
		l->cfg.reject_text = l->cfg.per_ip_text;
		net->stats.rejected_per_ip++;
	} else {
		l->cfg.reject_text = l->cfg.connect_rate_text;
		net->stats.rejected_connect_rate++;
	}
	reject(l, fd, peer, verdict == ADDRLIMIT_PER_IP ? "per-ip" : "connect-rate");
	l->cfg.reject_text = saved;
}

static void admit(struct listener *l, int fd, const struct peer *peer)
{
	struct net *net = l->net;
	if (net->stats.active >= net->cfg.max_clients) {
		reject(l, fd, peer, "max-clients");
		return;
	}
	struct addr_entry *counted;
	enum addrlimit_verdict verdict =
		addrlimit_admit(net->addrs, peer, loop_now_ms(net->loop), &counted);
	if (verdict != ADDRLIMIT_OK) {
		reject_address(l, fd, peer, verdict);
		return;
	}
	if (fd >= loop_fd_limit(net->loop)) {
		addrlimit_release(counted);
		reject(l, fd, peer, "fd-above-backend-limit");
		return;
	}
	sock_nodelay(fd);
	struct conn *c = conn_create(net, fd, peer, l->cfg.handler, l->cfg.transport);
	if (!c) {
		addrlimit_release(counted);
		reject(l, fd, peer, "watch-failed");
		return;
	}
	c->addr = counted;
	conn_limit_input(c, l->cfg.rate_unit);
	net->stats.total_accept++;
	c->label = l->cfg.proto;
	char where[PEER_STRLEN];
	peer_format(peer, where);
	log_event(net->log, LOG_INFO, "ACCEPT", "conn=%llu fd=%d peer=%s listener=%s",
		  (unsigned long long)c->id, fd, where, l->cfg.proto);
	if (l->cfg.handler->on_open)
		l->cfg.handler->on_open(c, l->cfg.handler_data);
}

/* Out of descriptors: spend the reserve to accept-and-close one pending
 * connection, then take the reserve back. */
static void shed(struct listener *l, int err)
{
	struct net *net = l->net;
	log_event(net->log, LOG_WARN, "FD_EXHAUSTED", "listener=%s error=%s", l->cfg.proto,
		  strerror(err));
	if (net->reserve_fd >= 0) {
		close(net->reserve_fd);
		struct peer peer;
		int fd = sock_accept(l->fd, &peer);
		if (fd >= 0) {
			trace_accept(net->cfg.trace, fd);
			reject(l, fd, &peer, "fd-exhausted");
		}
		net->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return;
	}
	pause_accepting(l);
}

static void on_listener_io(void *data, int fd, unsigned events)
{
	struct listener *l = data;
	(void)fd;
	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct peer peer;
		int cfd = sock_accept(l->fd, &peer);
		if (cfd == -EAGAIN || cfd == -EWOULDBLOCK)
			return;
		if (cfd == -EINTR || cfd == -ECONNABORTED || cfd == -EPROTO)
			continue;
		if (cfd == -EMFILE || cfd == -ENFILE || cfd == -ENOBUFS || cfd == -ENOMEM) {
			shed(l, -cfd);
			return;
		}
		if (cfd < 0) {
			log_event(l->net->log, LOG_ERROR, "ACCEPT_ERROR", "listener=%s error=%s",
				  l->cfg.proto, strerror(-cfd));
			pause_accepting(l);
			return;
		}
		trace_accept(l->net->cfg.trace, cfd);
		admit(l, cfd, &peer);
	}
}

struct listener *net_listen(struct net *net, const struct listener_config *cfg,
			    char *err, size_t errlen)
{
	struct peer bound;
	int fd = sock_listen(&cfg->where, LISTEN_BACKLOG, &bound, err, errlen);
	if (fd < 0)
		return NULL;
	struct listener *l = xcalloc(1, sizeof(*l));
	l->net = net;
	l->cfg = *cfg;
	l->bound = bound;
	l->fd = fd;
	loop_timer_init(&l->pause, on_pause_over);
	int rc = loop_watch(net->loop, fd, LOOP_READ, on_listener_io, l);
	if (rc < 0) {
		snprintf(err, errlen, "cannot watch listener: %s", strerror(-rc));
		close(fd);
		free(l);
		return NULL;
	}
	list_insert_tail(&net->listeners, &l->link);
	char where[PEER_STRLEN];
	peer_format(&bound, where);
	log_event(net->log, LOG_INFO, "LISTEN", "proto=%s addr=%s port=%u fd=%d", cfg->proto,
		  where, bound.port, fd);
	return l;
}

const struct peer *listener_address(const struct listener *l)
{
	return &l->bound;
}

void listener_close(struct listener *l)
{
	loop_timer_disarm(l->net->loop, &l->pause);
	loop_unwatch(l->net->loop, l->fd);
	close(l->fd);
	list_remove(&l->link);
	free(l);
}
