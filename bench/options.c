/* options: getopt_long parsing and validation for parley-bench. */
#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "proto_irc.h"

void options_usage(FILE *out)
{
	fputs("usage: parley-bench [options]\n"
	      "  --proto NAME              chat, frame, redis, irc or ws (chat over\n"
	      "                            WebSocket to an http listener; default chat)\n"
	      "  --host HOST               server address (default 127.0.0.1)\n"
	      "  --port P[,P...]           server port(s); frame needs one per room; chat and irc\n"
	      "                            spread the rooms' members over them (cluster nodes)\n"
	      "                            (default 7000)\n"
	      "  --spread members|rooms    with several chat or irc ports: deal each room's\n"
	      "                            members round-robin over them, room r from port\n"
	      "                            r mod N (members, default), or put each whole room\n"
	      "                            on port r mod N (rooms: a balancer with room affinity)\n"
	      "  --clients N               receiving connections (default 100)\n"
	      "  --rooms R                 rooms (redis: channels); members spread evenly (default 1)\n"
	      "  --publishers P            publishing connections, spread over rooms (default 1)\n"
	      "  --rate MSGS_PER_S         total offered rate; 0 = as fast as acknowledged (default 0)\n"
	      "  --window N                unacknowledged messages per publisher (default 64)\n"
	      "  --flooders F              the first F publishers send as fast as acknowledged\n"
	      "                            whatever --rate; the latency figures are the others'\n"
	      "                            (default 0)\n"
	      "  --setup-window N          connections registering at once (default 256; ngIRCd\n"
	      "                            accepts slowly, so a burst overflows its backlog)\n"
	      "  --size BYTES              payload bytes, at least 32 (default 64)\n"
	      "  --duration S              measured seconds (default 5)\n"
	      "  --warmup S                published but unmeasured seconds first (default 1)\n"
	      "  --settle S                idle seconds after setup, before warmup (default 0.2)\n"
	      "  --tls                     connect over TLS (PROTO+tls listener, redis tls-port);\n"
	      "                            the certificate is not verified: a load generator\n"
	      "  --server-pid PID          sample the server's CPU and RSS from /proc (one pid)\n"
	      "  --backend NAME            the generator's loop backend (default epoll)\n"
	      "  --label TEXT              copied into the report\n"
	      "  --json                    one JSON object instead of the table\n"
	      "  --help                    this text\n",
	      out);
}

uint16_t options_port_of(const struct bench_opts *o, uint32_t id, uint32_t room)
{
	if (o->proto == PROTO_FRAME)
		return o->ports[room];
	if (o->spread == SPREAD_ROOMS)
		return o->ports[room % o->nports];
	/* Room r's k-th member goes to port (r + k) mod N: every room on every
	 * node, and the rooms' first members (the publishers) spread too. */
	return o->ports[(room + id / o->rooms) % o->nports];
}

const char *options_proto_name(enum bench_proto p)
{
	static const char *const names[] = {"chat", "frame", "redis", "irc", "ws"};
	return names[p];
}

static void set_defaults(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->proto = PROTO_CHAT;
	strcpy(o->host, "127.0.0.1");
	o->ports[0] = 7000;
	o->nports = 1;
	o->clients = 100;
	o->rooms = 1;
	o->publishers = 1;
	o->window = 64;
	o->setup_window = 256;
	o->size = 64;
	o->duration = 5;
	o->warmup = 1;
	o->settle = 0.2;
	o->backend = "epoll";
	o->label = "";
}

static bool parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || *s == '-' || v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_secs(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static bool parse_ports(const char *s, struct bench_opts *o)
{
	char copy[512];
	if (strlen(s) >= sizeof(copy))
		return false;
	strcpy(copy, s);
	o->nports = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint32_t port;
		if (o->nports == OPT_MAX_PORTS || !parse_u32(t, 1, 65535, &port))
			return false;
		o->ports[o->nports++] = (uint16_t)port;
	}
	return o->nports > 0;
}

static bool parse_proto(const char *s, enum bench_proto *out)
{
	for (int p = PROTO_CHAT; p <= PROTO_WS; p++) {
		if (strcmp(s, options_proto_name((enum bench_proto)p)) == 0) {
			*out = (enum bench_proto)p;
			return true;
		}
	}
	return false;
}

static bool parse_spread(const char *s, enum bench_spread *out)
{
	if (strcmp(s, "members") == 0)
		*out = SPREAD_MEMBERS;
	else if (strcmp(s, "rooms") == 0)
		*out = SPREAD_ROOMS;
	else
		return false;
	return true;
}

enum {
	O_PROTO = 256, O_HOST, O_PORT, O_CLIENTS, O_ROOMS, O_PUBS, O_RATE, O_WINDOW, O_FLOODERS,
	O_SIZE, O_DURATION, O_WARMUP, O_SETTLE, O_PID, O_BACKEND, O_LABEL, O_JSON, O_HELP,
	O_SETUP_WINDOW,
	O_TLS,
	O_SPREAD,
};

static const struct option long_opts[] = {
	{"proto", required_argument, NULL, O_PROTO},
	{"host", required_argument, NULL, O_HOST},
	{"port", required_argument, NULL, O_PORT},
	{"clients", required_argument, NULL, O_CLIENTS},
	{"rooms", required_argument, NULL, O_ROOMS},
	{"publishers", required_argument, NULL, O_PUBS},
	{"rate", required_argument, NULL, O_RATE},
	{"window", required_argument, NULL, O_WINDOW},
	{"flooders", required_argument, NULL, O_FLOODERS},
	{"size", required_argument, NULL, O_SIZE},
	{"duration", required_argument, NULL, O_DURATION},
	{"warmup", required_argument, NULL, O_WARMUP},
	{"settle", required_argument, NULL, O_SETTLE},
	{"server-pid", required_argument, NULL, O_PID},
	{"backend", required_argument, NULL, O_BACKEND},
	{"label", required_argument, NULL, O_LABEL},
	{"json", no_argument, NULL, O_JSON},
	{"tls", no_argument, NULL, O_TLS},
	{"help", no_argument, NULL, O_HELP},
	{"setup-window", required_argument, NULL, O_SETUP_WINDOW},
	{"spread", required_argument, NULL, O_SPREAD},
	{NULL, 0, NULL, 0},
};

/* The long name of option `opt`, for "bad value for --NAME" (looked up, not
 * indexed: the table's order need not follow the enum's). */
static const char *option_name(int opt)
{
	for (const struct option *lo = long_opts; lo->name; lo++)
		if (lo->val == opt)
			return lo->name;
	return "?";
}

/* --server-pid takes exactly one process id. The usual way to get it wrong
 * is `--server-pid "$(pidof parleyd)"` with several servers running (or
 * none), so those cases are named rather than reported as a bad number. */
static bool parse_server_pid(const char *v, pid_t *out, char *err, size_t errlen)
{
	uint32_t pid;
	if (parse_u32(v, 1, INT32_MAX, &pid)) {
		*out = (pid_t)pid;
		return true;
	}
	size_t start = strspn(v, " \t\n");
	size_t words = 0;
	for (const char *p = v + start; *p; words++) {
		p += strcspn(p, " \t\n");
		p += strspn(p, " \t\n");
	}
	if (words == 0)
		snprintf(err, errlen, "--server-pid is empty: no server process was found "
			 "(is it running?)");
	else if (words > 1)
		snprintf(err, errlen, "--server-pid takes one process id, got '%s': several "
			 "servers are running; pass the one to measure ($! right after "
			 "starting it, or `pgrep -n parleyd` for the newest)", v);
	else
		snprintf(err, errlen, "--server-pid: '%s' is not a process id", v);
	return false;
}

/* Applies one option; false if its value is bad. */
static bool apply(struct bench_opts *o, int opt, const char *v)
{
	switch (opt) {
	case O_PROTO: return parse_proto(v, &o->proto);
	case O_HOST:
		if (strlen(v) >= OPT_HOST_MAX)
			return false;
		strcpy(o->host, v);
		return true;
	case O_PORT: return parse_ports(v, o);
	case O_CLIENTS: return parse_u32(v, 1, 1000000, &o->clients);
	case O_ROOMS: return parse_u32(v, 1, 1000000, &o->rooms);
	case O_PUBS: return parse_u32(v, 0, PAYLOAD_MAX_PUBLISHERS - 1, &o->publishers);
	case O_RATE: return parse_secs(v, 0, 1e9, &o->rate);
	case O_WINDOW: return parse_u32(v, 1, 1000000, &o->window);
	case O_FLOODERS: return parse_u32(v, 0, PAYLOAD_MAX_PUBLISHERS - 1, &o->flooders);
	case O_SIZE: return parse_u32(v, PAYLOAD_MIN, PAYLOAD_MAX, &o->size);
	case O_DURATION: return parse_secs(v, 0.1, 3600, &o->duration);
	case O_WARMUP: return parse_secs(v, 0, 3600, &o->warmup);
	case O_SETTLE: return parse_secs(v, 0, 60, &o->settle);
	case O_BACKEND: o->backend = v; return true;
	case O_LABEL: o->label = v; return true;
	case O_JSON: o->json = true; return true;
	case O_SETUP_WINDOW: return parse_u32(v, 1, 65536, &o->setup_window);
	case O_TLS: o->tls = true; return true;
	case O_SPREAD: return parse_spread(v, &o->spread);
	default: return false;
	}
}

/* Cross-option rules; false with a reason. */
static bool validate(const struct bench_opts *o, char *err, size_t errlen)
{
	const char *why = NULL;
	if (o->rooms > o->clients)
		why = "--rooms cannot exceed --clients (every room needs a member)";
	else if (o->proto != PROTO_REDIS && o->publishers > o->clients)
		why = "--publishers cannot exceed --clients (publishers are members)";
	else if (o->flooders && (o->flooders >= o->publishers || o->rate <= 0))
		why = "--flooders needs --rate and more --publishers than flooders";
	else if (o->proto == PROTO_FRAME && o->nports != o->rooms)
		why = "frame: a listener is one broadcast group; give one --port per room";
	else if (o->proto == PROTO_IRC && o->size > bench_irc_payload_max())
		why = "irc: --size must leave the line within IRC's 512 bytes (at most 400)";
	if (why)
		snprintf(err, errlen, "%s", why);
	return why == NULL;
}

int options_parse(int argc, char **argv, struct bench_opts *o, FILE *out,
		  char *err, size_t errlen)
{
	set_defaults(o);
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (opt == O_HELP) {
			options_usage(out);
			return 1;
		}
		if (opt == '?' || opt == ':') {
			snprintf(err, errlen, "unknown option or missing value: %s",
				 argv[optind - 1]);
			return -1;
		}
		if (opt == O_PID) {
			if (!parse_server_pid(optarg, &o->server_pid, err, errlen))
				return -1;
		} else if (!apply(o, opt, optarg)) {
			snprintf(err, errlen, "bad value for --%s: '%s'",
				 option_name(opt), optarg ? optarg : "");
			return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument: %s", argv[optind]);
		return -1;
	}
	return validate(o, err, errlen) ? 0 : -1;
}
