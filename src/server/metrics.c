/* metrics: one pass over the connection set and the counters net and hub
 * keep; nothing here is counted separately, so a scrape costs only its
 * own formatting. */
#include "server/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dialect/chat.h"
#include "dialect/irc.h"
#include "dialect/relay.h"
#include "dialect/web.h"
#include "hub/hub.h"
#include "loop/loop.h"
#include "loop/loop_hist.h"
#include "net/net.h"
#include "server/wiring.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"

static void put(struct buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	put(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family with one unlabelled sample. */
static void scalar(struct buf *out, const char *name, const char *type, const char *help,
		   uint64_t value)
{
	family(out, name, type, help);
	put(out, "%s %llu\n", name, (unsigned long long)value);
}

enum { GROUPS_MAX = 32 };

struct conn_tally {
	struct {
		const char *protocol, *state;
		unsigned long long count;
	} groups[GROUPS_MAX];
	size_t ngroups;
	size_t sendq_max;
};

static void tally(void *ctx, const struct conn *c)
{
	struct conn_tally *t = ctx;
	struct conn_info info;
	conn_get_info(c, &info);
	if (info.queued > t->sendq_max)
		t->sendq_max = info.queued;
	for (size_t i = 0; i < t->ngroups; i++)
		if (strcmp(t->groups[i].protocol, info.label) == 0 &&
		    strcmp(t->groups[i].state, info.state) == 0) {
			t->groups[i].count++;
			return;
		}
	if (t->ngroups < GROUPS_MAX) {
		t->groups[t->ngroups].protocol = info.label;
		t->groups[t->ngroups].state = info.state;
		t->groups[t->ngroups++].count = 1;
	}
}

static void write_connections(struct buf *out, const struct net *net)
{
	struct conn_tally t = {0};
	net_for_each(net, tally, &t);
	family(out, "parley_connections", "gauge",
	       "Open connections by listener protocol (ws+irc, ws+chat after an upgrade) and state.");
	for (size_t i = 0; i < t.ngroups; i++)
		put(out, "parley_connections{protocol=\"%s\",state=\"%s\"} %llu\n",
		    t.groups[i].protocol, t.groups[i].state, t.groups[i].count);
	family(out, "parley_sendq_high_water_bytes", "gauge",
	       "The largest output queue of any open connection now.");
	put(out, "parley_sendq_high_water_bytes %zu\n", t.sendq_max);
}

static void write_loop(struct buf *out, const struct loop *loop)
{
	static const char *const phases[LOOP_PHASES] = {"hooks", "wait", "io", "timers"};
	struct loop_stats ls;
	loop_get_stats(loop, &ls);
	scalar(out, "parley_loop_iterations_total", "counter", "Event-loop iterations (waits).",
	       ls.iterations);
	family(out, "parley_loop_seconds_total", "counter",
	       "Event-loop time by phase: hooks (output flush, teardown), wait (in the "
	       "backend), io (handling ready descriptors), timers.");
	for (int p = 0; p < LOOP_PHASES; p++)
		put(out, "parley_loop_seconds_total{phase=\"%s\"} %.6f\n", phases[p],
		    (double)ls.ns[p] / 1e9);
}

/* A latency histogram in seconds from a loop_hist in ns, at fixed bounds
 * (the hist's buckets are within 6%, so each count is that close). */
static void write_seconds_hist(struct buf *out, const char *name, const char *help,
			       const struct loop_hist *h)
{
	static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
					0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
					1,      2.5,     5,      10};
	family(out, name, "histogram", help);
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		put(out, "%s_bucket{le=\"%g\"} %llu\n", name, bounds[i],
		    (unsigned long long)loop_hist_count_le(h, (uint64_t)(bounds[i] * 1e9)));
	put(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)h->total);
	put(out, "%s_sum %.9f\n", name, (double)h->sum_ns / 1e9);
	put(out, "%s_count %llu\n", name, (unsigned long long)h->total);
}

/* Units each dialect decoded. Relay groups are one per listener, summed
 * by kind; a WebSocket message is counted as "ws" and again as the line it
 * carries to its dialect. */
static void write_received(struct buf *out, const struct wiring *w)
{
	uint64_t relay_units[2] = {0, 0}; /* relay, frame */
	for (size_t i = 0; i < w->nendpoints; i++) {
		const char *name = proto_name(w->endpoints[i]->proto);
		int kind = strcmp(name, "relay") == 0 ? 0 : strcmp(name, "frame") == 0 ? 1 : -1;
		if (kind >= 0 && w->endpoints[i]->state)
			relay_units[kind] += relay_units_received(w->endpoints[i]->state);
	}
	family(out, "parley_messages_received_total", "counter",
	       "Units clients sent, by protocol: chat and IRC lines, relay lines, frame "
	       "listener units, WebSocket data messages (each also counted as a chat or "
	       "IRC line).");
	put(out, "parley_messages_received_total{protocol=\"chat\"} %llu\n",
	    (unsigned long long)chat_lines_received(w->chat));
	put(out, "parley_messages_received_total{protocol=\"irc\"} %llu\n",
	    (unsigned long long)(w->irc ? irc_lines_received(w->irc) : 0));
	put(out, "parley_messages_received_total{protocol=\"relay\"} %llu\n",
	    (unsigned long long)relay_units[0]);
	put(out, "parley_messages_received_total{protocol=\"frame\"} %llu\n",
	    (unsigned long long)relay_units[1]);
	put(out, "parley_messages_received_total{protocol=\"ws\"} %llu\n",
	    (unsigned long long)(w->web ? web_ws_messages_received(w->web) : 0));
}

static void write_store(struct buf *out, const struct store *store)
{
	struct store_stats s = {0};
	store->ops->stats(store->impl, &s);
	scalar(out, "parley_store_appended_lines_total", "counter",
	       "History lines queued for the store.", s.appended);
	scalar(out, "parley_store_committed_lines_total", "counter",
	       "History lines known to be durable.", s.committed);
	scalar(out, "parley_store_dropped_lines_total", "counter",
	       "History lines given up on after storage errors.", s.dropped);
	scalar(out, "parley_store_write_errors_total", "counter",
	       "Store batches that failed (each is logged).", s.errors);
	scalar(out, "parley_store_pending_lines", "gauge",
	       "History lines queued and not yet committed (the backlog).", s.pending);
	scalar(out, "parley_store_largest_batch_lines", "gauge",
	       "Most lines committed in one transaction so far (0 unless SQLite).",
	       s.largest_batch);
}

static void write_fanout(struct buf *out, const struct hub *hub)
{
	struct hub_fanout f;
	hub_get_fanout(hub, &f);
	family(out, "parley_fanout_recipients", "histogram",
	       "Local users each room event (message, join, part...) was delivered to.");
	uint64_t cumulative = 0;
	for (int b = 0; b < HUB_FANOUT_BUCKETS - 1; b++) {
		cumulative += f.buckets[b];
		put(out, "parley_fanout_recipients_bucket{le=\"%u\"} %llu\n", hub_fanout_bounds[b],
		    (unsigned long long)cumulative);
	}
	put(out, "parley_fanout_recipients_bucket{le=\"+Inf\"} %llu\n",
	    (unsigned long long)f.count);
	put(out, "parley_fanout_recipients_sum %llu\n", (unsigned long long)f.sum);
	put(out, "parley_fanout_recipients_count %llu\n", (unsigned long long)f.count);
}

void metrics_write(void *data, struct buf *out)
{
	const struct wiring *w = data;
	struct net_stats st;
	net_get_stats(w->net, &st);
	uint64_t now = clock_mono_ms();
	family(out, "parley_start_time_seconds", "gauge", "When the server started, Unix time.");
	put(out, "parley_start_time_seconds %.3f\n",
	    (double)(w->started_ms + w->wall_minus_mono_ms) / 1000.0);
	family(out, "parley_uptime_seconds", "gauge", "Seconds since the server started.");
	put(out, "parley_uptime_seconds %.3f\n", (double)(now - w->started_ms) / 1000.0);
	family(out, "parley_loop_backend_info", "gauge", "The I/O multiplexer in use (value 1).");
	put(out, "parley_loop_backend_info{backend=\"%s\"} 1\n", loop_backend(w->loop));
	write_connections(out, w->net);
	scalar(out, "parley_accepted_connections_total", "counter",
	       "Connections accepted on every listener.", st.total_accept);
	scalar(out, "parley_rejected_connections_total", "counter",
	       "Connections refused at accept (--max-clients or descriptor exhaustion).",
	       st.rejected);
	family(out, "parley_disconnects_total", "counter",
	       "Connections closed, by reason (as logged in DISCONNECT reason=).");
	for (int r = CONN_CLOSE_NONE + 1; r < CONN_CLOSE_REASON_COUNT; r++)
		put(out, "parley_disconnects_total{reason=\"%s\"} %llu\n",
		    conn_close_reason_name((enum conn_close_reason)r),
		    (unsigned long long)st.closed[r]);
	scalar(out, "parley_received_bytes_total", "counter", "Bytes read from every connection.",
	       st.bytes_in);
	scalar(out, "parley_sent_bytes_total", "counter", "Bytes written to every connection.",
	       st.bytes_out);
	family(out, "parley_users", "gauge", "Registered users (people with a name) on this node.");
	put(out, "parley_users %zu\n", hub_user_count(w->hub));
	family(out, "parley_rooms", "gauge", "Rooms with at least one member.");
	put(out, "parley_rooms %zu\n", hub_room_count(w->hub));
	write_received(out, w);
	scalar(out, "parley_messages_sent_total", "counter",
	       "Messages queued to connections (one per recipient).", st.messages_sent);
	write_seconds_hist(out, "parley_delivery_latency_seconds",
			   "From the loop wake-up a message was first queued in until its last "
			   "byte went to the kernel, per fully written delivery.",
			   net_delivery_latency(w->net));
	write_fanout(out, w->hub);
	write_loop(out, w->loop);
	write_seconds_hist(out, "parley_loop_iteration_seconds",
			   "Event-loop iterations, from a wake-up to the next wait.",
			   loop_iteration_hist(w->loop));
	if (w->cfg.store)
		write_store(out, w->cfg.store);
}
