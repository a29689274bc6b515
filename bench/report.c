/* report: figures, the limiting-factor verdict, table and JSON output. */
#include "report.h"

#include <string.h>

/* A process above this share of one core is taken to be saturated. With a
 * 10 ms clock tick and a 5 s window the CPU figures are good to ~0.5%. */
#define SATURATED_PCT 90.0
/* An offered rate counts as met when this share of it was published. */
#define RATE_MET 0.97
/* Other processes using more than this share of a core disturb a run. */
#define DISTURBED_PCT 15.0

static double pct(uint64_t cpu_us, double secs)
{
	return secs > 0 ? 100.0 * (double)cpu_us / (secs * 1e6) : 0.0;
}

static void latency_figures(const struct hist *h, struct bench_figures *f)
{
	f->p50_us = (double)hist_quantile(h, 0.50) / 1e3;
	f->p90_us = (double)hist_quantile(h, 0.90) / 1e3;
	f->p99_us = (double)hist_quantile(h, 0.99) / 1e3;
	f->p999_us = (double)hist_quantile(h, 0.999) / 1e3;
	f->max_us = h->total ? (double)h->max / 1e3 : 0.0;
	f->mean_us = hist_mean(h) / 1e3;
}

static void server_figures(const struct bench_result *r, double deliveries,
			   struct bench_figures *f)
{
	const struct proc_sample *a = &r->start.server, *b = &r->end.server;
	f->have_server = a->ok && b->ok;
	f->server_us_per_1000 = -1;
	if (!f->have_server)
		return;
	uint64_t cpu = b->cpu_us - a->cpu_us;
	f->server_cpu_pct = pct(cpu, f->window_s);
	if (deliveries > 0)
		f->server_us_per_1000 = (double)cpu * 1000.0 / deliveries;
	f->rss_kb = b->rss_kb;
	f->rss_before_kb = r->server_before.ok ? r->server_before.rss_kb : 0;
	if (r->server_before.ok && r->conns)
		f->rss_per_conn_bytes = ((double)b->rss_kb - (double)f->rss_before_kb) * 1024.0 /
					r->conns;
}

/* Which resource bounded the figures, so a generator-bound number is never
 * read as the server's limit. */
static void decide_limit(const struct bench_opts *o, struct bench_figures *f)
{
	bool srv = f->have_server && f->server_cpu_pct >= SATURATED_PCT;
	bool gen = f->gen_cpu_pct >= SATURATED_PCT;
	f->note = "";
	if (o->publishers == 0) {
		f->limit = "idle";
		return;
	}
	if (o->rate > 0 && f->published_per_s >= RATE_MET * o->rate) {
		f->limit = "offered-rate";
		if (gen)
			f->note = "generator near saturation: latency includes its queueing";
		else if (f->other_cpu_pct >= DISTURBED_PCT)
			f->note = "other processes took CPU during the window: latency disturbed";
		return;
	}
	if (!f->have_server) {
		f->limit = gen ? "generator" : "unknown";
		f->note = "no --server-pid: cannot tell whether the server is saturated";
	} else if (srv) {
		f->limit = "server";
		if (gen)
			f->note = "generator also saturated: the server may be faster still";
	} else if (gen) {
		f->limit = "generator";
		f->note = "the generator, not the server, is the bottleneck: server figures "
			  "are not its limit";
	} else if (f->other_cpu_pct >= DISTURBED_PCT) {
		f->limit = "disturbed";
		f->note = "other processes took CPU during the window: rerun on a quiet machine";
	} else {
		f->limit = "window";
		f->note = "neither process saturated: bounded by round trips of the "
			  "in-flight window";
	}
}

void report_compute(const struct bench_opts *o, const struct bench_result *r, bool pass,
		    struct bench_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->pass = pass;
	f->server_us_per_1000 = -1;
	if (!r->completed) {
		/* No measured window: publish no figures rather than wrong ones. */
		f->limit = "incomplete";
		f->note = "the run did not complete";
		return;
	}
	f->window_s = (double)(r->end.t_ns - r->start.t_ns) / 1e9;
	double secs = f->window_s > 0 ? f->window_s : 1;
	double deliveries = (double)(r->end.deliveries - r->start.deliveries);
	f->published_per_s = (double)(r->end.published - r->start.published) / secs;
	f->deliveries_per_s = deliveries / secs;
	latency_figures(&r->latency, f);
	f->gen_cpu_pct = pct(r->end.self_cpu_us - r->start.self_cpu_us, f->window_s);
	server_figures(r, deliveries, f);
	double busy = pct(r->end.machine_busy_us - r->start.machine_busy_us, f->window_s);
	f->other_cpu_pct = busy - f->gen_cpu_pct - f->server_cpu_pct;
	if (f->other_cpu_pct < 0)
		f->other_cpu_pct = 0;
	decide_limit(o, f);
}

/* ---- output ---- */

static void print_rate(FILE *out, double rate)
{
	if (rate > 0)
		fprintf(out, "%.0f", rate);
	else
		fputs("max", out);
}

static void table_checks(FILE *out, const struct bench_result *r, const struct bench_figures *f)
{
	const struct bench_checks *c = &r->checks;
	if (f->pass) {
		fputs(r->checks.lost + r->latency.total == 0 && f->published_per_s == 0
		      ? "  correctness     PASS: every connection registered, no errors\n"
		      : "  correctness     PASS: every receiver got every message of its room "
			"exactly once, in publisher order\n", out);
		return;
	}
	fprintf(out, "  correctness     FAIL: lost=%llu duplicated=%llu foreign=%llu malformed=%llu "
		"refused=%llu closed=%llu unacked=%llu wrong_ack=%llu\n",
		(unsigned long long)c->lost, (unsigned long long)c->duplicated,
		(unsigned long long)c->foreign, (unsigned long long)c->malformed,
		(unsigned long long)c->refused, (unsigned long long)c->closed,
		(unsigned long long)c->unacked, (unsigned long long)c->wrong_ack);
	if (r->error[0])
		fprintf(out, "                  first: %s\n", r->error);
}

static void table_server(FILE *out, const struct bench_figures *f)
{
	if (!f->have_server) {
		fputs("  server          (no --server-pid)\n", out);
		return;
	}
	fprintf(out, "  server CPU      %.1f%% of a core", f->server_cpu_pct);
	if (f->server_us_per_1000 >= 0)
		fprintf(out, ", %.1f us per 1000 deliveries", f->server_us_per_1000);
	fprintf(out, "\n  server RSS      %llu KiB (before setup %llu KiB; %+.0f B per connection)\n",
		f->rss_kb, f->rss_before_kb, f->rss_per_conn_bytes);
}

void report_table(FILE *out, const struct bench_opts *o, const struct bench_result *r,
		  const struct bench_figures *f)
{
	fprintf(out, "parley-bench %s %s:%u clients=%u rooms=%u publishers=%u rate=",
		options_proto_name(o->proto), o->host, o->ports[0], o->clients, o->rooms,
		o->publishers);
	print_rate(out, o->rate);
	fprintf(out, " window=%u size=%u %s\n", o->window, o->size, o->label);
	fprintf(out, "  measured        %.2f s after %.1f s warmup; %u connections set up in %.2f s\n",
		f->window_s, o->warmup, r->conns, r->setup_s);
	fprintf(out, "  published       %.0f msg/s\n", f->published_per_s);
	fprintf(out, "  deliveries      %.0f /s\n", f->deliveries_per_s);
	fprintf(out, "  latency (us)    p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  "
		"(mean %.1f, n=%llu)\n", f->p50_us, f->p90_us, f->p99_us, f->p999_us, f->max_us,
		f->mean_us, (unsigned long long)r->latency.total);
	table_server(out, f);
	fprintf(out, "  generator CPU   %.1f%% of a core\n", f->gen_cpu_pct);
	fprintf(out, "  other CPU       %.1f%% of a core (everything else on the machine)\n",
		f->other_cpu_pct);
	fprintf(out, "  limit           %s%s%s\n", f->limit, f->note[0] ? ": " : "", f->note);
	table_checks(out, r, f);
}

/* Writes `s` as a JSON string (the texts we emit are ASCII). */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_checks(FILE *out, const struct bench_checks *c)
{
	fprintf(out, "\"checks\":{\"lost\":%llu,\"duplicated\":%llu,\"foreign\":%llu,"
		"\"malformed\":%llu,\"refused\":%llu,\"closed\":%llu,\"unacked\":%llu,"
		"\"wrong_ack\":%llu}",
		(unsigned long long)c->lost, (unsigned long long)c->duplicated,
		(unsigned long long)c->foreign, (unsigned long long)c->malformed,
		(unsigned long long)c->refused, (unsigned long long)c->closed,
		(unsigned long long)c->unacked, (unsigned long long)c->wrong_ack);
}

static void json_server(FILE *out, const struct bench_figures *f)
{
	if (!f->have_server) {
		fputs("\"server\":null,", out);
		return;
	}
	fprintf(out, "\"server\":{\"cpu_pct\":%.2f,\"us_per_1000_deliveries\":", f->server_cpu_pct);
	if (f->server_us_per_1000 >= 0)
		fprintf(out, "%.2f", f->server_us_per_1000);
	else
		fputs("null", out);
	fprintf(out, ",\"rss_kb\":%llu,\"rss_before_kb\":%llu,\"rss_per_conn_bytes\":%.1f},",
		f->rss_kb, f->rss_before_kb, f->rss_per_conn_bytes);
}

void report_json(FILE *out, const struct bench_opts *o, const struct bench_result *r,
		 const struct bench_figures *f)
{
	fputs("{\"label\":", out);
	json_str(out, o->label);
	fprintf(out, ",\"proto\":\"%s\",\"clients\":%u,\"rooms\":%u,\"publishers\":%u,"
		"\"rate\":%.0f,\"window\":%u,\"size\":%u,\"duration_s\":%.3f,\"conns\":%u,"
		"\"setup_s\":%.3f,", options_proto_name(o->proto), o->clients, o->rooms,
		o->publishers, o->rate, o->window, o->size, f->window_s, r->conns, r->setup_s);
	fprintf(out, "\"published_per_s\":%.1f,\"deliveries_per_s\":%.1f,", f->published_per_s,
		f->deliveries_per_s);
	fprintf(out, "\"latency_us\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f,"
		"\"max\":%.2f,\"mean\":%.2f,\"count\":%llu},", f->p50_us, f->p90_us, f->p99_us,
		f->p999_us, f->max_us, f->mean_us, (unsigned long long)r->latency.total);
	json_server(out, f);
	fprintf(out, "\"generator_cpu_pct\":%.2f,\"other_cpu_pct\":%.2f,\"limit\":\"%s\","
		"\"note\":", f->gen_cpu_pct, f->other_cpu_pct, f->limit);
	json_str(out, f->note);
	fprintf(out, ",\"pass\":%s,", f->pass ? "true" : "false");
	json_checks(out, &r->checks);
	fputs(",\"error\":", out);
	json_str(out, r->error);
	fputs("}\n", out);
}
