/* options: command-line parsing with getopt_long. Every limit is a flag
 * with a sane default; --listen replaces the default chat listener, while a
 * positional PORT or -p PORT adds a chat listener beside any --listen. */
#include "server/options.h"

#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "loop/loop.h"
#include "server/wiring.h"
#include "util/str.h"

enum {
	OPT_LISTEN = 256,
	OPT_BACKEND,
	OPT_MAX_CLIENTS,
	OPT_MAX_LINE,
	OPT_MAX_FRAME,
	OPT_SENDQ,
	OPT_HISTORY,
	OPT_REGISTER_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_TRACE,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
};

static const struct option long_options[] = {
	{"port", required_argument, NULL, 'p'},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"backend", required_argument, NULL, OPT_BACKEND},
	{"max-clients", required_argument, NULL, OPT_MAX_CLIENTS},
	{"max-line", required_argument, NULL, OPT_MAX_LINE},
	{"max-frame", required_argument, NULL, OPT_MAX_FRAME},
	{"sendq", required_argument, NULL, OPT_SENDQ},
	{"history", required_argument, NULL, OPT_HISTORY},
	{"register-timeout", required_argument, NULL, OPT_REGISTER_TIMEOUT},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	{"tls-key", required_argument, NULL, OPT_TLS_KEY},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
	char backends[LOOP_BACKEND_LIST_MAX], protos[PROTO_LIST_MAX];
	fprintf(out,
		"Usage: parleyd [PORT] [options]\n"
		"Event-driven chat server: chat rooms, line relay and length-prefixed\n"
		"frame broadcast.\n"
		"\n"
		"Listeners (default: chat on port %d, every address, IPv4 and IPv6):\n"
		"  PORT, -p, --port PORT      add a chat listener on PORT\n"
		"  --listen PROTO:[ADDR:]PORT add a listener (repeatable); PROTO is one of\n"
		"                             %s; ADDR may be IPv4, [IPv6] or\n"
		"                             a name; port 0 picks a free port. --listen\n"
		"                             replaces the default listener. PROTO+tls\n"
		"                             (e.g. chat+tls) serves it over TLS.\n"
		"  --tls-cert FILE            PEM certificate (chain allowed, leaf first)\n"
		"                             for +tls listeners; re-read on SIGHUP\n"
		"  --tls-key FILE             PEM private key for --tls-cert; re-read on SIGHUP\n"
		"\n"
		"Options:\n"
		"  --backend NAME             I/O multiplexer: %s (default epoll)\n"
		"  --max-clients N            connections over all listeners (default 10000)\n"
		"  --max-line BYTES           longest chat/relay line (default 4096)\n"
		"  --max-frame BYTES          largest frame payload (default 1048576)\n"
		"  --sendq BYTES              queued output per connection before it is\n"
		"                             dropped as a slow consumer (default 4194304)\n"
		"  --history N                room lines replayed on JOIN (default 50)\n"
		"  --register-timeout SECS    close chat clients that never send USERNAME,\n"
		"                             and TLS clients that never finish the\n"
		"                             handshake (default 60, 0 = never)\n"
		"  --log-level LEVEL          debug, info, warn or error (default info)\n"
		"  --trace                    print each event-loop step on stdout: waits\n"
		"                             (with the highest descriptor waited on),\n"
		"                             accepts, reads, peer closes, removals\n"
		"  -h, --help                 show this help and exit\n"
		"\n"
		"Console (stdin): STATS prints counters and connections, HELP lists commands.\n"
		"SIGINT/SIGTERM shut down gracefully; a second signal exits at once.\n"
		"SIGHUP is logged (RELOAD) and re-reads the TLS certificate and key;\n"
		"SIGUSR1/SIGUSR2 are logged and ignored.\n",
		OPTIONS_DEFAULT_PORT, proto_list(protos, sizeof(protos)),
		loop_backend_list(backends, sizeof(backends)));
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->backend = "epoll";
	o->max_clients = 10000;
	o->max_line = 4096;
	o->max_frame = 1024 * 1024;
	o->sendq = 4 * 1024 * 1024;
	o->history = 50;
	o->register_timeout_s = 60;
	o->log_level = LOG_INFO;
}

static bool add_listener(struct options *o, const struct proto *proto, bool tls,
			 const char *where, char *err, size_t errlen)
{
	if (o->nlisten == OPTIONS_MAX_LISTENERS) {
		snprintf(err, errlen, "too many listeners (at most %d)", OPTIONS_MAX_LISTENERS);
		return false;
	}
	struct listen_option *l = &o->listen[o->nlisten];
	l->proto = proto;
	l->tls = tls;
	if (!addr_parse_hostport(where, &l->where, err, errlen))
		return false;
	o->nlisten++;
	return true;
}

static bool parse_listen(struct options *o, const char *spec, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	if (!colon) {
		snprintf(err, errlen, "bad --listen '%s' (expected PROTO:[ADDR:]PORT)", spec);
		return false;
	}
	char why[160];
	bool tls;
	const struct proto *proto =
		proto_parse(spec, (size_t)(colon - spec), &tls, why, sizeof(why));
	if (!proto) {
		snprintf(err, errlen, "bad --listen '%s': %s", spec, why);
		return false;
	}
	return add_listener(o, proto, tls, colon + 1, err, errlen);
}

static bool parse_number(const char *flag, const char *text, unsigned long min,
			 unsigned long max, size_t *out, char *err, size_t errlen)
{
	unsigned long v;
	if (!str_to_ulong(text, max, &v) || v < min) {
		snprintf(err, errlen, "bad %s '%s' (expected %lu..%lu)", flag, text, min, max);
		return false;
	}
	*out = v;
	return true;
}

static bool apply(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	size_t n;
	switch (opt) {
	case 'p':
		return add_listener(o, proto_default(), false, arg, err, errlen);
	case OPT_LISTEN:
		return parse_listen(o, arg, err, errlen);
	case OPT_BACKEND:
		o->backend = arg;
		return true;
	case OPT_MAX_CLIENTS:
		return parse_number("--max-clients", arg, 1, 1000000, &o->max_clients, err, errlen);
	case OPT_MAX_LINE:
		return parse_number("--max-line", arg, 1, 16u << 20, &o->max_line, err, errlen);
	case OPT_MAX_FRAME:
		return parse_number("--max-frame", arg, 1, 256u << 20, &o->max_frame, err, errlen);
	case OPT_SENDQ:
		return parse_number("--sendq", arg, 1, 1ul << 40, &o->sendq, err, errlen);
	case OPT_HISTORY:
		return parse_number("--history", arg, 0, 100000, &o->history, err, errlen);
	case OPT_REGISTER_TIMEOUT:
		if (!parse_number("--register-timeout", arg, 0, 86400 * 7, &n, err, errlen))
			return false;
		o->register_timeout_s = n;
		return true;
	case OPT_TRACE:
		o->trace = true;
		return true;
	case OPT_TLS_CERT:
		o->tls_cert = arg;
		return true;
	case OPT_TLS_KEY:
		o->tls_key = arg;
		return true;
	case OPT_LOG_LEVEL:
		if (log_level_parse(arg, &o->log_level))
			return true;
		snprintf(err, errlen, "bad --log-level '%s' (debug, info, warn, error)", arg);
		return false;
	default:
		snprintf(err, errlen, "unknown option");
		return false;
	}
}

/* One unit the server may have to send must fit in --sendq, or a client
 * that reads could be judged a slow consumer for a single legal unit. */
static bool validate_tls(const struct options *o, char *err, size_t errlen)
{
	const struct listen_option *tls = NULL;
	for (size_t i = 0; i < o->nlisten && !tls; i++)
		if (o->listen[i].tls)
			tls = &o->listen[i];
	if (tls && (!o->tls_cert || !o->tls_key)) {
		snprintf(err, errlen, "a %s+tls listener needs --tls-cert FILE and --tls-key FILE",
			 proto_name(tls->proto));
		return false;
	}
	if (!tls && (o->tls_cert || o->tls_key)) {
		snprintf(err, errlen, "%s given but no listener uses TLS (--listen PROTO+tls:PORT)",
			 o->tls_cert ? "--tls-cert" : "--tls-key");
		return false;
	}
	return true;
}

bool options_validate(const struct options *o, char *err, size_t errlen)
{
	if (!validate_tls(o, err, errlen))
		return false;
	for (size_t i = 0; i < o->nlisten; i++) {
		struct proto_unit u =
			proto_largest_unit(o->listen[i].proto, o->max_line, o->max_frame);
		if (u.largest <= o->sendq)
			continue;
		snprintf(err, errlen, "%s %zu needs --sendq %zu or more (%s); --sendq is %zu", u.flag,
			 u.bound, u.largest, u.what, o->sendq);
		return false;
	}
	return true;
}

enum options_result options_parse(int argc, char **argv, struct options *out, char *err,
				  size_t errlen)
{
	set_defaults(out);
	int opt;
	optind = 0; /* glibc: 0 is a full reset, also of a half-read option group */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:h", long_options, NULL)) != -1) {
		if (opt == 'h')
			return OPTIONS_HELP;
		if (opt == '?' || opt == ':') {
			/* A short letter may sit in a group ("-xp"): name the
			 * letter. Long options (optopt 0, or their own code when
			 * a value is missing) are named by their argv word. */
			char flag[3] = {'-', (char)optopt, '\0'};
			bool letter = optopt > 0 && optopt < OPT_LISTEN;
			snprintf(err, errlen, "%s '%s'",
				 opt == ':' ? "missing value for" : "unrecognized option",
				 letter ? flag : argv[optind - 1]);
			return OPTIONS_BAD;
		}
		if (!apply(out, opt, optarg, err, errlen))
			return OPTIONS_BAD;
	}
	for (int i = optind; i < argc; i++)
		if (!add_listener(out, proto_default(), false, argv[i], err, errlen))
			return OPTIONS_BAD;
	if (out->nlisten == 0) {
		char port[8];
		snprintf(port, sizeof(port), "%d", OPTIONS_DEFAULT_PORT);
		add_listener(out, proto_default(), false, port, err, errlen);
	}
	return options_validate(out, err, errlen) ? OPTIONS_RUN : OPTIONS_BAD;
}
