/* stats: formatting of the STATS block. */
#include "server/stats.h"

#include "hub/hub.h"
#include "loop/loop.h"
#include "net/net.h"

/* Microseconds with one decimal: most iterations take a few. */
static void write_loop(FILE *out, const struct loop *loop)
{
	struct loop_stats st;
	loop_get_stats(loop, &st);
	fprintf(out, "%-15siterations=%llu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", "loop:",
		(unsigned long long)st.iterations, (double)st.p50_ns / 1000.0,
		(double)st.p99_ns / 1000.0, (double)st.max_ns / 1000.0);
}

static void write_conn(void *ctx, const struct conn *c)
{
	FILE *out = ctx;
	struct conn_info info;
	char extra[160];
	conn_get_info(c, &info);
	conn_describe(c, extra, sizeof(extra));
	fprintf(out, "  conn=%llu  fd=%d  state=%s  in=%llu  out=%llu  age=%llus%s\n",
		(unsigned long long)info.id, info.fd, info.state,
		(unsigned long long)info.bytes_in, (unsigned long long)info.bytes_out,
		(unsigned long long)(info.age_ms / 1000), extra);
}

void stats_write(FILE *out, const struct stats_source *src)
{
	struct net_stats st;
	net_get_stats(src->net, &st);
	fprintf(out, "=== SERVER STATS ===\n");
	fprintf(out, "%-15s%llus\n", "uptime:", (unsigned long long)(src->uptime_ms / 1000));
	fprintf(out, "%-15s%llu\n", "total_accept:", (unsigned long long)st.total_accept);
	fprintf(out, "%-15s%zu\n", "active:", st.active);
	fprintf(out, "%-15s%llu\n", "bytes_in:", (unsigned long long)st.bytes_in);
	fprintf(out, "%-15s%llu\n", "bytes_out:", (unsigned long long)st.bytes_out);
	fprintf(out, "%-15s%llu\n", "rejected:", (unsigned long long)st.rejected);
	fprintf(out, "%-15s%llu\n", "rejected_ip:", (unsigned long long)st.rejected_per_ip);
	fprintf(out, "%-15s%llu\n", "rejected_rate:", (unsigned long long)st.rejected_connect_rate);
	fprintf(out, "%-15s%llu\n", "throttled:", (unsigned long long)st.throttled);
	fprintf(out, "%-15s%zu\n", "throttled_now:", st.parked);
	fprintf(out, "%-15s%llu\n", "flood_closed:", (unsigned long long)st.flood_closed);
	fprintf(out, "%-15s%zu\n", "users:", hub_user_count(src->hub));
	fprintf(out, "%-15s%zu\n", "rooms:", hub_room_count(src->hub));
	fprintf(out, "%-15s%s\n", "backend:", src->backend);
	if (src->loop)
		write_loop(out, src->loop);
	fprintf(out, "--- active connections ---\n");
	net_for_each(src->net, write_conn, out);
	fprintf(out, "========================\n");
	fflush(out);
}
