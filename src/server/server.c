/* server: lifecycle of parleyd — the parts are built by wiring.c, and this
 * file adds signals, the console and shutdown. Shutdown is two-phase: the first signal
 * stops accepting and lets queued output drain for a grace period; the loop
 * ends when every connection is gone (or the grace expires, or a second
 * signal arrives), and server_fini() frees the rest. */
#include "server/moderate.h"
#include "server/server.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "cluster/store_redis.h"
#include "hub/hub.h"
#include "loop/signal.h"
#include "net/net.h"
#include "server/console.h"
#include "server/stats.h"
#include "store/store_private.h"
#include "util/clock.h"
#include "util/list.h"
#include "util/str.h"

enum { SHUTDOWN_GRACE_MS = 2000, DRAIN_MS = 5000 };
/* Lines per room a cluster node keeps of its own, for reads while Redis
 * cannot answer. */
enum { REDIS_COPY_KEEP = 1000 };

/* Every signal whose default action would end the process without a word:
 * the first two stop the server, SIGHUP reloads, the SIGUSRs are logged and
 * otherwise ignored (nothing is bound to them yet). */
static const int handled_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
enum { NSIGNALS = sizeof(handled_signals) / sizeof(handled_signals[0]) };

static const char *signal_name(int signo)
{
	switch (signo) {
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	case SIGHUP:
		return "SIGHUP";
	case SIGUSR1:
		return "SIGUSR1";
	case SIGUSR2:
		return "SIGUSR2";
	default:
		return "other";
	}
}

/* ---- console ---- */

static void print_help(void)
{
	printf("Commands:\n"
	       "  STATS  counters and one line per active connection\n"
	       "  HELP   this list\n"
	       "%s", console_moderate_help);
	fflush(stdout);
}

static void print_store_stats(struct server *s)
{
	if (!s->store)
		return;
	struct store_stats st;
	s->store->ops->stats(s->store->impl, &st);
	printf("store: appended=%llu committed=%llu pending=%llu dropped=%llu errors=%llu\n",
	       (unsigned long long)st.appended, (unsigned long long)st.committed,
	       (unsigned long long)st.pending, (unsigned long long)st.dropped,
	       (unsigned long long)st.errors);
	fflush(stdout);
}

static void print_cluster_stats(struct server *s)
{
	if (!s->cluster)
		return;
	struct cluster_stats st;
	cluster_stats(s->cluster, &st);
	printf("cluster: %s node=%s remote_users=%zu rooms_subscribed=%zu published=%llu "
	       "received=%llu room_received=%llu rejected=%llu unauthorised=%llu collisions=%llu "
	       "nodes_lost=%llu reconnects=%llu\n",
	       st.online ? "online" : "offline (serving local users only)", s->node_name,
	       st.proxies, st.rooms, (unsigned long long)st.published,
	       (unsigned long long)st.received, (unsigned long long)st.room_received,
	       (unsigned long long)st.rejected, (unsigned long long)st.unauthorised,
	       (unsigned long long)st.collisions,
	       (unsigned long long)st.nodes_lost, (unsigned long long)st.reconnects);
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
		struct stats_source src = {s->wiring.net, s->wiring.hub, loop_backend(s->loop),
					   clock_mono_ms() - s->started_ms, s->loop};
		stats_write(stdout, &src);
		print_store_stats(s);
		print_cluster_stats(s);
	} else if (str_equals_nocase(line, len, "HELP")) {
		print_help();
	} else if (!console_moderate(s->wiring.hub, line, stdout)) {
		printf("Unknown command '%.*s' (try HELP)\n", (int)len, line);
		fflush(stdout);
	}
}

/* ---- shutdown ---- */

static void begin_shutdown(struct server *s, int signo)
{
	s->shutting_down = true;
	log_event(&s->log, LOG_INFO, "SHUTDOWN_BEGIN", "signal=%s active=%zu",
		  signal_name(signo), net_active(s->wiring.net));
	console_close(s->console);
	s->console = NULL;
	hub_silence(s->wiring.hub);
	net_shutdown(s->wiring.net);
	loop_timer_arm(s->loop, &s->grace, SHUTDOWN_GRACE_MS);
}

void server_reload(struct server *s)
{
	if (!s->tls)
		return;
	char err[512];
	if (tls_server_reload(s->tls, err, sizeof(err)))
		log_event(&s->log, LOG_INFO, "TLS_RELOADED", "cert=%s key=%s", s->opt.tls_cert,
			  s->opt.tls_key);
	else
		log_event(&s->log, LOG_ERROR, "RELOAD_FAILED", "error=\"%s\" keeping=previous", err);
}

static void on_signal(void *data, int signo)
{
	struct server *s = data;
	if (signo == SIGHUP) {
		log_event(&s->log, LOG_INFO, "RELOAD", "signal=SIGHUP");
		server_reload(s);
		return;
	}
	if (signo == SIGUSR1 || signo == SIGUSR2) {
		log_event(&s->log, LOG_INFO, "SIGNAL_IGNORED", "signal=%s", signal_name(signo));
		return;
	}
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
	log_event(&s->log, LOG_WARN, "SHUTDOWN_GRACE_OVER", "remaining=%zu",
		  net_active(s->wiring.net));
	loop_stop(s->loop);
}

/* Runs after the connection set's own hook has flushed and reaped. */
static void server_before_sleep(void *data)
{
	struct server *s = data;
	if (s->shutting_down && net_active(s->wiring.net) == 0)
		loop_stop(s->loop);
}

/* ---- the store ---- */

static void on_store_wake(void *data, int fd, unsigned events)
{
	struct server *s = data;
	(void)fd;
	(void)events;
	s->store->ops->on_wake(s->store->impl);
}

/* A damaged database is logged and the server runs on without history or
 * accounts; a database it must not touch (newer schema) stops it. */
static bool watch_store(struct server *s, char *err, size_t errlen)
{
	int fd = s->store->ops->wake_fd(s->store->impl);
	if (fd >= 0 && loop_watch(s->loop, fd, LOOP_READ, on_store_wake, s) != 0) {
		snprintf(err, errlen, "cannot watch the store: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Cluster mode: history and accounts are the network's, in Redis; a data
 * directory would be a second, per-node truth, so the two are refused
 * together. */
static bool open_redis_store(struct server *s, char *err, size_t errlen)
{
	if (s->opt.data_dir) {
		snprintf(err, errlen, "--data-dir cannot be used with --redis: in cluster mode "
				      "history and accounts live in Redis");
		return false;
	}
	size_t keep = s->opt.history_keep_lines;
	struct store_redis_config cfg = {
		.host = s->opt.redis_host,
		.port = s->opt.redis_port,
		.password = s->opt.redis_password,
		.transport = redis_tls_transport(&s->redis_tls, false),
		.helper_transport = redis_tls_transport(&s->redis_tls, true),
		.keep = keep && keep < REDIS_COPY_KEEP ? keep : REDIS_COPY_KEEP,
		.log = &s->log,
	};
	s->store = store_redis_create(&cfg);
	return watch_store(s, err, errlen);
}

static bool open_store(struct server *s, char *err, size_t errlen)
{
	if (s->opt.redis_port)
		return open_redis_store(s, err, errlen);
	if (!s->opt.data_dir)
		return true;
	struct store_sqlite_config cfg = {
		.dir = s->opt.data_dir,
		.keep_lines = s->opt.history_keep_lines,
		.keep_ms = s->opt.history_keep_ms,
		.log = &s->log,
	};
	bool unreadable = false;
	s->store = store_sqlite_create(&cfg, &unreadable, err, errlen);
	if (!s->store) {
		if (!unreadable)
			return false;
		log_event(&s->log, LOG_ERROR, "STORE_UNAVAILABLE",
			  "error=\"%s\" (serving live chat without history or accounts)", err);
		err[0] = '\0';
		return true;
	}
	return watch_store(s, err, errlen);
}

static void close_store(struct server *s)
{
	if (!s->store)
		return;
	int fd = s->store->ops->wake_fd(s->store->impl);
	if (fd >= 0)
		loop_unwatch(s->loop, fd);
	struct store_stats st;
	s->store->ops->flush(s->store->impl);
	s->store->ops->stats(s->store->impl, &st);
	s->store->ops->destroy(s->store->impl);
	s->store = NULL;
	log_event(&s->log, LOG_INFO, "STORE_CLOSED", "committed=%llu dropped=%llu",
		  (unsigned long long)st.committed, (unsigned long long)st.dropped);
}

static uint64_t wall_clock(void *ctx)
{
	(void)ctx;
	return clock_wall_ms();
}

/* --redis: this node's half of the network (docs/CLUSTER.md). Its name
 * defaults to the host name and the first listening port. */
static void create_cluster(struct server *s)
{
	if (!s->opt.redis_port)
		return;
	if (s->opt.node_name) {
		snprintf(s->node_name, sizeof(s->node_name), "%s", s->opt.node_name);
	} else {
		char host[64];
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "parley");
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		unsigned port = s->opt.nlisten ? s->opt.listen[0].where.port : 0;
		snprintf(s->node_name, sizeof(s->node_name), "%s-%u", host, port ? port : (unsigned)getpid());
	}
	struct cluster_config cfg = {
		.loop = s->loop,
		.log = &s->log,
		.host = s->opt.redis_host,
		.port = s->opt.redis_port,
		.password = s->opt.redis_password,
		.transport = redis_tls_transport(&s->redis_tls, false),
		.node = s->node_name,
		.lease_ms = s->opt.node_lease_s * 1000,
		.history = s->opt.history,
		.history_keep = s->opt.history_keep_lines,
		.now_ms = wall_clock,
	};
	s->cluster = cluster_create(&cfg);
}

static void create_core(struct server *s)
{
	create_cluster(s);
	if (s->opt.trace) {
		s->trace.out = stdout;
		loop_set_trace(s->loop, &s->trace);
	}
	struct wiring_config cfg = {
		.max_clients = s->opt.max_clients,
		.max_line = s->opt.max_line,
		.max_frame = s->opt.max_frame,
		.sendq = s->opt.sendq,
		.history = s->opt.history,
		.store = s->store,
		.cluster = s->cluster,
		.min_password = s->opt.min_password,
		.register_timeout_ms = s->opt.register_timeout_s * 1000,
		.drain_ms = DRAIN_MS,
		.trace = s->opt.trace ? &s->trace : NULL,
		.server_name = s->opt.server_name ? s->opt.server_name : s->opt.host_name,
		.network = s->opt.network,
		.irc_password = s->opt.irc_password,
		.motd_path = s->opt.motd,
		.ping_interval_ms = s->opt.ping_interval_s * 1000,
		.sts_duration_s = s->opt.sts_duration_s,
		.sts_preload = s->opt.sts_preload,
		.http_timeout_ms = s->opt.http_timeout_s * 1000,
		.web_root = s->opt.web_root,
		.nws_origins = s->opt.nws_origins,
		.metrics_anywhere = s->opt.metrics_anywhere,
		.line_rate = s->opt.line_rate,
		.byte_rate = s->opt.byte_rate,
		.flood_ms = s->opt.flood_after_s * 1000,
		.max_per_ip = s->opt.max_per_ip,
		.connect_rate = s->opt.connect_rate,
		.exempt_loopback = s->opt.exempt_loopback,
		.opers = s->opt.opers,
		.nopers = s->opt.nopers,
		.oper_password = s->opt.oper_password,
	};
	for (size_t i = 0; i < s->opt.nws_origins; i++)
		cfg.ws_origins[i] = s->opt.ws_origins[i];
	wiring_init(&s->wiring, s->loop, &s->log, &cfg);
	if (s->cluster)
		cluster_start(s->cluster, s->wiring.hub);
	loop_add_hook(s->loop, server_before_sleep, s);
}

bool server_init(struct server *s, const struct options *opt, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->opt = *opt;
	s->log = (struct log){.level = opt->log_level, .fd = STDERR_FILENO};
	s->started_ms = clock_mono_ms();
	/* First, so that a bad certificate stops startup before anything
	 * is opened or logged. */
	if (opt->tls_cert) {
		s->tls = tls_server_create(opt->tls_cert, opt->tls_key, &s->log, err, errlen);
		if (!s->tls) {
			s->bad_config = true;
			return false;
		}
	}
	if (!redis_tls_open(&s->redis_tls, opt, err, errlen)) {
		s->bad_config = true;
		return false;
	}
	s->loop = loop_create(opt->backend, err, errlen);
	if (!s->loop)
		return false;
	loop_timer_init(&s->grace, on_grace_over);
	if (!open_store(s, err, errlen))
		return false;
	create_core(s);
	s->signals = loop_signals_open(s->loop, handled_signals, NSIGNALS, on_signal, s);
	if (!s->signals) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		return false;
	}
	for (size_t i = 0; i < opt->nlisten; i++) {
		const struct listen_option *lo = &opt->listen[i];
		const struct transport_factory *tr = lo->tls ? tls_server_factory(s->tls) : NULL;
		if (!wiring_listen(&s->wiring, lo->proto, &lo->where, tr, err, errlen))
			return false;
	}
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
	if (!s->loop) {
		tls_server_destroy(s->tls);
		s->tls = NULL;
		redis_tls_close(&s->redis_tls);
		return;
	}
	console_close(s->console);
	/* Closing unblocks the signals: one still pending, or sent during the
	 * teardown below, would then take its default action and kill us. Only
	 * the stop signals keep that meaning (a second one exits at once). */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	loop_signals_close(s->signals);
	struct net_stats st = {0};
	if (s->wiring.net)
		net_get_stats(s->wiring.net, &st);
	if (s->wiring.hub)
		wiring_fini(&s->wiring);
	cluster_destroy(s->cluster);
	s->cluster = NULL;
	close_store(s);
	tls_server_destroy(s->tls);
	redis_tls_close(&s->redis_tls);
	s->tls = NULL;
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
