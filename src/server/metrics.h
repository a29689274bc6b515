/* metrics: the Prometheus text exposition (format 0.0.4) of the server's
 * counters for GET /metrics, written by hand: every family has HELP and
 * TYPE lines, counters end in _total, sizes are bytes and times seconds. */
#ifndef PARLEY_SERVER_METRICS_H
#define PARLEY_SERVER_METRICS_H

struct buf;

/* Appends the exposition to `out`; `wiring` is the server's struct wiring. */
void metrics_write(void *wiring, struct buf *out);

#endif
