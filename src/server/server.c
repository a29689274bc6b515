/* server: wiring and lifecycle of parleyd. Listeners pair a protocol's
 * connection handler with its shared state (the chat dialect over the hub,
 * or a relay group of its own). Shutdown is two-phase: the first signal
 * stops accepting and lets queued output drain for a grace period; the loop
 * ends when every connection is gone (or the grace expires, or a second
 * signal arrives), and server_fini() frees the rest. */
#include "server/server.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dialect/chat.h"
#include "dialect/relay.h"
#include "hub/hub.h"
#include "loop/signal.h"
#include "net/net.h"
#include "server/console.h"
#include "server/stats.h"
#include "util/clock.h"
#include "util/list.h"
#include "util/str.h"

enum { SHUTDOWN_GRACE_MS = 2000, DRAIN_MS = 5000 };

static const int stop_signals[] = {SIGINT, SIGTERM};

/* ---- console ---- */

static void print_help(void)
{
	printf("Commands:\n"
	       "  STATS  counters and one line per active connection\n"
	       "  HELP   this list\n");
	fflush(stdout);
}

static void on_console_line(void *ctx, const char *line)
{
	struct server *s = ctx;
	while (*line == ' ' || *line == '\t')
		line++;
	size_t len = strcspn(line, " \t\r");
	if (len == 0)
		return;
	if (str_equals_nocase(line, len, "STATS")) {
		struct stats_source src = {s->net, s->hub, loop_backend(s->loop),
					   clock_mono_ms() - s->started_ms};
		stats_write(stdout, &src);
	} else if (str_equals_nocase(line, len, "HELP")) {
		print_help();
	} else {
		printf("Unknown command '%.*s' (try HELP)\n", (int)len, line);
		fflush(stdout);
	}
}

/* ---- shutdown ---- */

static void begin_shutdown(struct server *s, int signo)
{
	s->shutting_down = true;
	log_event(&s->log, LOG_INFO, "SHUTDOWN_BEGIN", "signal=%s active=%zu",
		  signo == SIGINT ? "SIGINT" : "SIGTERM", net_active(s->net));
	console_close(s->console);
	s->console = NULL;
	hub_silence(s->hub);
	net_shutdown(s->net);
	loop_timer_arm(s->loop, &s->grace, SHUTDOWN_GRACE_MS);
}

static void on_signal(void *data, int signo)
{
	struct server *s = data;
	if (!s->shutting_down) {
		begin_shutdown(s, signo);
		return;
	}
	s->forced = true;
	loop_stop(s->loop);
}

static void on_grace_over(struct loop_timer *timer)
{
	struct server *s = container_of(timer, struct server, grace);
	log_event(&s->log, LOG_WARN, "SHUTDOWN_GRACE_OVER", "remaining=%zu", net_active(s->net));
	loop_stop(s->loop);
}

/* Runs after the connection set's own hook has flushed and reaped. */
static void server_before_sleep(void *data)
{
	struct server *s = data;
	if (s->shutting_down && net_active(s->net) == 0)
		loop_stop(s->loop);
}

/* ---- listeners ---- */

static bool open_listener(struct server *s, const struct listen_option *lo, char *err,
			  size_t errlen)
{
	struct listener_config cfg = {.proto = proto_name(lo->proto), .where = lo->where};
	if (lo->proto == PROTO_CHAT) {
		cfg.handler = &chat_handler;
		cfg.handler_data = s->chat;
		cfg.reject_text = chat_server_full;
	} else {
		bool frames = lo->proto == PROTO_FRAME;
		struct relay *r = relay_create(frames ? RELAY_FRAMES : RELAY_LINES,
					       frames ? s->opt.max_frame : s->opt.max_line, &s->log);
		s->relays[s->nrelays++] = r;
		cfg.handler = &relay_handler;
		cfg.handler_data = r;
	}
	return net_listen(s->net, &cfg, err, errlen) != NULL;
}

/* Event timestamps: the loop's cached clock, read once per pass, shifted
 * to wall time. */
static uint64_t hub_clock(void *data)
{
	const struct server *s = data;
	return loop_now_ms(s->loop) + s->wall_minus_mono_ms;
}

static void create_core(struct server *s)
{
	s->wall_minus_mono_ms = clock_wall_ms() - clock_mono_ms();
	struct hub_config hub_cfg = {.history = s->opt.history, .now_ms = hub_clock, .now_ctx = s};
	s->hub = hub_create(&hub_cfg);
	struct chat_config chat_cfg = {
		.max_line = s->opt.max_line,
		.register_timeout_ms = s->opt.register_timeout_s * 1000,
		.sendq = s->opt.sendq,
	};
	s->chat = chat_create(s->hub, &chat_cfg);
	struct net_config net_cfg = {
		.max_clients = s->opt.max_clients,
		.sendq = s->opt.sendq,
		.drain_ms = DRAIN_MS,
	};
	s->net = net_create(s->loop, &s->log, &net_cfg);
	loop_add_hook(s->loop, server_before_sleep, s);
	loop_timer_init(&s->grace, on_grace_over);
}

bool server_init(struct server *s, const struct options *opt, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->opt = *opt;
	s->log = (struct log){.level = opt->log_level, .fd = STDERR_FILENO};
	s->started_ms = clock_mono_ms();
	s->loop = loop_create(opt->backend, err, errlen);
	if (!s->loop)
		return false;
	create_core(s);
	s->signals = loop_signals_open(s->loop, stop_signals, 2, on_signal, s);
	if (!s->signals) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		return false;
	}
	for (size_t i = 0; i < opt->nlisten; i++)
		if (!open_listener(s, &opt->listen[i], err, errlen))
			return false;
	s->console = console_open(s->loop, STDIN_FILENO, &s->log, on_console_line, s);
	log_event(&s->log, LOG_INFO, "READY", "backend=%s listeners=%zu pid=%d",
		  loop_backend(s->loop), opt->nlisten, (int)getpid());
	return true;
}

int server_run(struct server *s)
{
	int rc = loop_run(s->loop);
	if (rc < 0)
		log_event(&s->log, LOG_ERROR, "LOOP_FAILED", "error=%s", strerror(-rc));
	return rc;
}

void server_fini(struct server *s)
{
	if (!s->loop)
		return;
	console_close(s->console);
	loop_signals_close(s->signals);
	struct net_stats st = {0};
	if (s->net)
		net_get_stats(s->net, &st);
	net_destroy(s->net);
	for (size_t i = 0; i < s->nrelays; i++)
		relay_destroy(s->relays[i]);
	chat_destroy(s->chat);
	hub_destroy(s->hub);
	loop_timer_disarm(s->loop, &s->grace);
	loop_destroy(s->loop);
	log_event(&s->log, LOG_INFO, "SHUTDOWN",
		  "uptime=%llus total_accept=%llu rejected=%llu bytes_in=%llu bytes_out=%llu "
		  "forced=%s",
		  (unsigned long long)((clock_mono_ms() - s->started_ms) / 1000),
		  (unsigned long long)st.total_accept, (unsigned long long)st.rejected,
		  (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out,
		  s->forced ? "yes" : "no");
}
