/* net: the connection set — shared limits, deferred teardown and the
 * before-sleep flush that turns each iteration's queued output into one
 * gathered write per connection. */
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include "net/net_private.h"
#include "util/alloc.h"
#include "util/log.h"

/* Tears down doomed connections, then flushes dirty ones; repeats because
 * a teardown can queue output (a LEAVE notice) and a flush can doom. */
static void net_before_sleep(void *data)
{
	struct net *net = data;
	for (;;) {
		if (!list_empty(&net->doomed)) {
			struct conn *c = list_entry(net->doomed.next, struct conn, pending);
			conn_teardown(c);
		} else if (!list_empty(&net->dirty)) {
			struct conn *c = list_entry(net->dirty.next, struct conn, pending);
			conn_flush(c);
		} else {
			return;
		}
	}
}

void net_wake_within(struct net *net, uint64_t ms)
{
	/* The heap key is the deadline in loop milliseconds (loop.h). */
	uint64_t deadline = loop_now_ms(net->loop) + ms;
	if (!loop_timer_armed(&net->wake) || net->wake.node.key > deadline + 1)
		loop_timer_arm(net->loop, &net->wake, ms);
}

/* Gives parked connections whose bucket has a token back their input, and
 * sleeps until the soonest of the rest will have one. */
static void on_wake(struct loop_timer *timer)
{
	struct net *net = container_of(timer, struct net, wake);
	uint64_t now = loop_now_ms(net->loop);
	/* Take the batch out first: a connection that parks again while
	 * being given its input goes back on net->parked, not into this walk. */
	struct list batch;
	list_init(&batch);
	while (!list_empty(&net->parked)) {
		struct list *node = net->parked.next;
		list_remove(node);
		list_insert_tail(&batch, node);
	}
	while (!list_empty(&batch)) {
		struct conn *c = list_entry(batch.next, struct conn, parked);
		bucket_refill(&c->bucket, c->rate, now);
		if (bucket_tokens(&c->bucket) > 0) {
			conn_unpark(c);
		} else {
			list_remove(&c->parked);
			list_insert_tail(&net->parked, &c->parked);
		}
	}
	struct list *pos;
	uint64_t soonest = UINT64_MAX;
	list_for_each(pos, &net->parked) {
		struct conn *c = list_entry(pos, struct conn, parked);
		uint64_t wait = bucket_wait_ms(&c->bucket, c->rate);
		if (wait < soonest)
			soonest = wait;
	}
	if (soonest != UINT64_MAX)
		net_wake_within(net, soonest + 1);
}

struct net *net_create(struct loop *loop, const struct log *log, const struct net_config *cfg)
{
	struct net *net = xcalloc(1, sizeof(*net));
	net->loop = loop;
	net->log = log;
	net->cfg = *cfg;
	list_init(&net->conns);
	list_init(&net->dirty);
	list_init(&net->doomed);
	list_init(&net->listeners);
	list_init(&net->parked);
	loop_timer_init(&net->wake, on_wake);
	struct addrlimit_config limits = {
		.max_per_ip = cfg->max_per_ip,
		.connect = cfg->connect_rate,
		.exempt_loopback = cfg->exempt_loopback,
	};
	net->addrs = addrlimit_create(&limits);
	net->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	net->scratch = xmalloc(NET_READ_CHUNK);
	net->out_scratch = xmalloc(NET_READ_CHUNK);
	loop_add_hook(loop, net_before_sleep, net);
	return net;
}

static void close_listeners(struct net *net)
{
	while (!list_empty(&net->listeners))
		listener_close(list_entry(net->listeners.next, struct listener, link));
}

void net_shutdown(struct net *net)
{
	close_listeners(net);
	struct list *pos, *tmp;
	list_for_each_safe(pos, tmp, &net->conns) {
		struct conn *c = list_entry(pos, struct conn, link);
		if (c->state != CONN_OPEN)
			continue;
		if (c->handler->on_shutdown)
			c->handler->on_shutdown(c);
		conn_close_after_flush(c, CONN_CLOSE_SHUTDOWN);
	}
}

void net_destroy(struct net *net)
{
	if (!net)
		return;
	close_listeners(net);
	struct list *pos;
	list_for_each(pos, &net->conns)
		conn_close(list_entry(pos, struct conn, link), CONN_CLOSE_SHUTDOWN);
	while (!list_empty(&net->doomed))
		conn_teardown(list_entry(net->doomed.next, struct conn, pending));
	loop_timer_disarm(net->loop, &net->wake);
	addrlimit_destroy(net->addrs);
	if (net->reserve_fd >= 0)
		close(net->reserve_fd);
	free(net->scratch);
	free(net->out_scratch);
	free(net);
}

struct conn *net_adopt(struct net *net, int fd, const struct conn_handler *handler, void *data)
{
	return net_adopt_transport(net, fd, NULL, handler, data);
}

struct conn *net_adopt_transport(struct net *net, int fd, const struct transport_factory *transport,
				 const struct conn_handler *handler, void *data)
{
	struct peer peer;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(&peer, 0, sizeof(peer));
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		peer_from_sockaddr((struct sockaddr *)&ss, &peer);
	struct conn *c = conn_create(net, fd, &peer, handler, transport);
	if (!c)
		return NULL;
	if (handler->on_open)
		handler->on_open(c, data);
	return c;
}

void net_get_stats(const struct net *net, struct net_stats *out)
{
	*out = net->stats;
}

const struct loop_hist *net_delivery_latency(const struct net *net)
{
	return &net->delivery_latency;
}

size_t net_active(const struct net *net)
{
	return net->stats.active;
}

void net_for_each(const struct net *net, void (*fn)(void *ctx, const struct conn *c), void *ctx)
{
	const struct list *pos;
	list_for_each(pos, &net->conns)
		fn(ctx, list_entry(pos, const struct conn, link));
}
