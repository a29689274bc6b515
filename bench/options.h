/* options: parley-bench's command line. Parsing is pure (no I/O besides the
 * usage text), so every run is described completely by struct bench_opts. */
#ifndef PARLEY_BENCH_OPTIONS_H
#define PARLEY_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum bench_proto { PROTO_CHAT, PROTO_FRAME, PROTO_REDIS, PROTO_IRC, PROTO_WS };

/* How several chat or IRC ports (the nodes of a cluster) share the rooms. */
enum bench_spread {
	SPREAD_MEMBERS, /* room r's members dealt round-robin from node r mod N */
	SPREAD_ROOMS,   /* room r wholly on node r mod N (room affinity) */
};

enum { OPT_MAX_PORTS = 64, OPT_HOST_MAX = 256 };

struct bench_opts {
	enum bench_proto proto;
	char host[OPT_HOST_MAX];
	uint16_t ports[OPT_MAX_PORTS]; /* frame: one listener per room */
	size_t nports;
	uint32_t clients;      /* receiving connections (members / subscribers) */
	uint32_t rooms;        /* members spread evenly: client i is in room i % rooms */
	uint32_t publishers;   /* publisher j publishes to room j % rooms */
	double rate;           /* total messages/s over all publishers; 0 = saturate */
	uint32_t flooders;     /* publishers 0..F-1 ignore --rate and keep their window
				* full; their lines are left out of the latency figures */
	uint32_t size;         /* payload bytes per message */
	uint32_t window;       /* unacknowledged messages allowed per publisher */
	uint32_t setup_window; /* connections registering at once */
	double duration;       /* measured seconds */
	double warmup;         /* seconds published but not measured */
	double settle;         /* idle seconds between setup and warmup */
	pid_t server_pid;      /* 0: no server CPU/RSS figures */
	const char *backend;   /* the generator's own loop backend */
	const char *label;     /* free text copied into the report */
	bool json;
	bool tls;              /* connect over TLS (the certificate is not checked) */
	enum bench_spread spread; /* how rooms' members meet several ports */
};

/* Fills `o` from argv. Returns 0 to run, 1 when --help was asked (usage
 * already printed to `out`), -1 with a reason in `err` on bad input. */
int options_parse(int argc, char **argv, struct bench_opts *o, FILE *out,
		  char *err, size_t errlen);

/* The port connection `id` (a member of `room`) connects to: frame's room
 * listener, or its cluster node under o->spread. */
uint16_t options_port_of(const struct bench_opts *o, uint32_t id, uint32_t room);

/* Prints the usage text. */
void options_usage(FILE *out);

/* "chat", "frame", "redis" or "irc". */
const char *options_proto_name(enum bench_proto p);

#endif
