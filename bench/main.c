/* parley-bench: load generator for parleyd (chat, frame) and, as the
 * baseline, Redis pub/sub. Runs one workload, prints its figures, and exits
 * 0 only if the run completed with every message delivered exactly once and
 * in order (1: a correctness check failed; 2: the run could not be done). */
#include <stdio.h>
#include <stdlib.h>

#include "driver.h"
#include "options.h"
#include "report.h"

int main(int argc, char **argv)
{
	struct bench_opts o;
	char err[256];
	int rc = options_parse(argc, argv, &o, stdout, err, sizeof(err));
	if (rc != 0) {
		if (rc < 0) {
			fprintf(stderr, "parley-bench: %s\n", err);
			options_usage(stderr);
		}
		return rc < 0 ? 2 : 0;
	}
	/* The histogram is ~59 KiB: keep it off the stack. */
	struct bench_result *r = malloc(sizeof(*r));
	if (!r)
		return 2;
	int verdict = driver_run(&o, r);
	if (verdict == 2) {
		fprintf(stderr, "parley-bench: run not completed: %s\n",
			r->error[0] ? r->error : "unknown reason");
	}
	struct bench_figures f;
	report_compute(&o, r, verdict == 0, &f);
	if (o.json)
		report_json(stdout, &o, r, &f);
	else if (verdict != 2) /* an incomplete run has no figures to show */
		report_table(stdout, &o, r, &f);
	free(r);
	return verdict;
}
