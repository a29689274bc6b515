/* world: building, stepping and tearing down the in-process server and its
 * socketpair clients for fuzz_conn. The server is built by the same
 * src/server/wiring.c as parleyd; the limits are tiny so every limit's
 * outcome is within the fuzzer's reach. */
#include "world.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "fuzz.h"
#include "loop/loop.h"
#include "net/net.h"
#include "server/wiring.h"

static int null_fd = -1; /* log sink, opened once for the process */
static int trace = -1;   /* FUZZ_TRACE=1: print what each client receives */

static void on_kick(void *data, int fd, unsigned events)
{
	(void)data;
	(void)fd;
	(void)events;
}

/* Runs after net's own hook: the second call ends the iteration. */
static void on_hook(void *data)
{
	struct world *w = data;
	if (++w->hook_calls >= 2)
		loop_stop(w->loop);
}

static void create_server(struct world *w, const char *backend, size_t history)
{
	char err[256];
	w->loop = loop_create(backend, err, sizeof(err));
	FUZZ_CHECK(w->loop != NULL);
	struct wiring_config cfg = {
		.max_clients = 64,
		.max_line = WORLD_MAX_LINE,
		.max_frame = WORLD_MAX_FRAME,
		.sendq = WORLD_SENDQ,
		.history = history,
		.register_timeout_ms = 0,
		.drain_ms = 60000,
		.server_name = "fuzz.test",
		.ping_interval_ms = 3600 * 1000,
	};
	wiring_init(&w->wiring, w->loop, &w->log, &cfg);
	w->hub = w->wiring.hub;
	w->net = w->wiring.net;
	static const char *const kinds[] = {[KIND_CHAT] = "chat", [KIND_IRC] = "irc",
					    [KIND_RELAY] = "relay", [KIND_FRAME] = "frame"};
	for (int k = 0; k < WORLD_KINDS; k++) {
		const struct proto *p = proto_find(kinds[k], strlen(kinds[k]));
		FUZZ_CHECK(p != NULL);
		w->endpoints[k] = wiring_add(&w->wiring, p);
	}
	loop_add_hook(w->loop, on_hook, w);
	FUZZ_CHECK(pipe2(w->kick, O_CLOEXEC | O_NONBLOCK) == 0);
	FUZZ_CHECK(write(w->kick[1], "k", 1) == 1);
	FUZZ_CHECK(loop_watch(w->loop, w->kick[0], LOOP_READ, on_kick, NULL) == 0);
}

void world_open_log(void)
{
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (trace < 0)
		trace = getenv("FUZZ_TRACE") != NULL;
}

void world_init(struct world *w, const char *backend, size_t history)
{
	memset(w, 0, sizeof(*w));
	world_open_log();
	/* WARN and up (SLOW_CLIENT, OVERSIZE) are still formatted; the INFO
	 * lines per connection would only cost a write(2) each. */
	w->log = trace ? (struct log){.level = LOG_DEBUG, .fd = STDERR_FILENO}
		       : (struct log){.level = LOG_WARN, .fd = null_fd};
	create_server(w, backend, history);
	for (int i = 0; i < WORLD_CLIENTS; i++) {
		struct client *c = &w->clients[i];
		c->kind = i < 2 ? KIND_CHAT : i < 4 ? KIND_IRC : i < 6 ? KIND_RELAY : KIND_FRAME;
		c->fd = -1;
		world_connect(w, i);
	}
}

static void adopt(struct world *w, int slot, int fd)
{
	int size = WORLD_SOCKBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	struct client *c = &w->clients[slot];
	FUZZ_CHECK(wiring_adopt(&w->wiring, w->endpoints[c->kind], fd) != NULL);
}

void world_connect(struct world *w, int slot)
{
	struct client *c = &w->clients[slot];
	world_close(w, slot);
	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
	c->fd = sv[0];
	c->reading = true;
	c->shut = c->eof = false;
	buf_release(&c->in);
	adopt(w, slot, sv[1]);
}

void world_send(struct world *w, int slot, const void *data, size_t n)
{
	struct client *c = &w->clients[slot];
	if (c->fd < 0 || c->shut || n == 0)
		return;
	ssize_t k = send(c->fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k > 0)
		buf_append(&c->sent, data, (size_t)k);
}

void world_shutdown(struct world *w, int slot)
{
	struct client *c = &w->clients[slot];
	if (c->fd >= 0 && !c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
	}
}

void world_close(struct world *w, int slot)
{
	struct client *c = &w->clients[slot];
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Reads everything available; the bytes go to the output checks. */
static void client_read(struct world *w, int slot)
{
	struct client *c = &w->clients[slot];
	char chunk[8192];
	while (c->fd >= 0 && c->reading && !c->eof) {
		ssize_t n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			c->eof = true; /* FIN, or reset by a server close with unread input */
			return;
		}
		if (trace)
			fprintf(stderr, "[slot %d] %.*s\n", slot, (int)n, chunk);
		buf_append(&c->in, chunk, (size_t)n);
		check_output(w, slot);
	}
}

/* One poll(2) finds the clients with something to read: cheaper than a
 * recv() per client per step, which is most of a step's cost. */
void world_step(struct world *w)
{
	w->hook_calls = 0;
	FUZZ_CHECK(loop_run(w->loop) == 0);
	struct pollfd pfd[WORLD_CLIENTS];
	int slot[WORLD_CLIENTS], n = 0;
	for (int i = 0; i < WORLD_CLIENTS; i++) {
		const struct client *c = &w->clients[i];
		if (c->fd >= 0 && c->reading && !c->eof) {
			pfd[n] = (struct pollfd){.fd = c->fd, .events = POLLIN};
			slot[n++] = i;
		}
	}
	int ready;
	do /* libFuzzer's timeout alarm (SIGALRM) may interrupt us */
		ready = poll(pfd, (nfds_t)n, 0);
	while (ready < 0 && errno == EINTR);
	FUZZ_CHECK(ready >= 0);
	for (int k = 0; k < n; k++)
		if (pfd[k].revents)
			client_read(w, slot[k]);
	check_hub(w);
}

void world_fini(struct world *w)
{
	wiring_fini(&w->wiring);
	loop_unwatch(w->loop, w->kick[0]);
	loop_destroy(w->loop);
	close(w->kick[0]);
	close(w->kick[1]);
	for (int i = 0; i < WORLD_CLIENTS; i++) {
		world_close(w, i);
		buf_release(&w->clients[i].in);
		buf_release(&w->clients[i].sent);
	}
}
