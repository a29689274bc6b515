/* options: command-line parsing with getopt_long. Every limit is a flag
 * with a sane default; --listen replaces the default chat listener, while a
 * positional PORT or -p PORT adds a chat listener beside any --listen. */
#include "server/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/bus_msg.h"
#include "loop/loop.h"
#include "server/wiring.h"
#include "store/store.h"
#include "util/str.h"

enum {
	OPT_LISTEN = 256,
	OPT_BACKEND,
	OPT_MAX_CLIENTS,
	OPT_MAX_LINE,
	OPT_MAX_FRAME,
	OPT_SENDQ,
	OPT_HISTORY,
	OPT_DATA_DIR,
	OPT_HISTORY_KEEP,
	OPT_MIN_PASSWORD,
	OPT_REGISTER_TIMEOUT,
	OPT_LOG_LEVEL,
	OPT_TRACE,
	OPT_SERVER_NAME,
	OPT_NETWORK,
	OPT_IRC_PASSWORD,
	OPT_MOTD,
	OPT_PING_INTERVAL,
	OPT_STS_DURATION,
	OPT_STS_PRELOAD,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_REDIS,
	OPT_REDIS_PASSWORD,
	OPT_REDIS_TLS,
	OPT_REDIS_TLS_CA,
	OPT_REDIS_TLS_CERT,
	OPT_REDIS_TLS_KEY,
	OPT_REDIS_TLS_NAME,
	OPT_NODE_NAME,
	OPT_NODE_LEASE,
	OPT_HTTP_TIMEOUT,
	OPT_WEB_ROOT,
	OPT_WS_ORIGIN,
	OPT_METRICS_ANYWHERE,
	OPT_RATE_LIMIT,
	OPT_BYTE_RATE,
	OPT_FLOOD_AFTER,
	OPT_MAX_PER_IP,
	OPT_CONNECT_RATE,
	OPT_EXEMPT_LOOPBACK,
	OPT_OPER,
	OPT_OPER_PASSWORD,
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
	{"data-dir", required_argument, NULL, OPT_DATA_DIR},
	{"history-keep", required_argument, NULL, OPT_HISTORY_KEEP},
	{"min-password", required_argument, NULL, OPT_MIN_PASSWORD},
	{"register-timeout", required_argument, NULL, OPT_REGISTER_TIMEOUT},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"trace", no_argument, NULL, OPT_TRACE},
	{"server-name", required_argument, NULL, OPT_SERVER_NAME},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"irc-password", required_argument, NULL, OPT_IRC_PASSWORD},
	{"motd", required_argument, NULL, OPT_MOTD},
	{"ping-interval", required_argument, NULL, OPT_PING_INTERVAL},
	{"sts-duration", required_argument, NULL, OPT_STS_DURATION},
	{"sts-preload", no_argument, NULL, OPT_STS_PRELOAD},
	{"tls-cert", required_argument, NULL, OPT_TLS_CERT},
	{"tls-key", required_argument, NULL, OPT_TLS_KEY},
	{"redis", required_argument, NULL, OPT_REDIS},
	{"redis-password", required_argument, NULL, OPT_REDIS_PASSWORD},
	{"redis-tls", no_argument, NULL, OPT_REDIS_TLS},
	{"redis-tls-ca", required_argument, NULL, OPT_REDIS_TLS_CA},
	{"redis-tls-cert", required_argument, NULL, OPT_REDIS_TLS_CERT},
	{"redis-tls-key", required_argument, NULL, OPT_REDIS_TLS_KEY},
	{"redis-tls-name", required_argument, NULL, OPT_REDIS_TLS_NAME},
	{"node-name", required_argument, NULL, OPT_NODE_NAME},
	{"node-lease", required_argument, NULL, OPT_NODE_LEASE},
	{"http-timeout", required_argument, NULL, OPT_HTTP_TIMEOUT},
	{"web-root", required_argument, NULL, OPT_WEB_ROOT},
	{"ws-origin", required_argument, NULL, OPT_WS_ORIGIN},
	{"metrics-from-anywhere", no_argument, NULL, OPT_METRICS_ANYWHERE},
	{"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
	{"byte-rate", required_argument, NULL, OPT_BYTE_RATE},
	{"flood-after", required_argument, NULL, OPT_FLOOD_AFTER},
	{"max-per-ip", required_argument, NULL, OPT_MAX_PER_IP},
	{"connect-rate", required_argument, NULL, OPT_CONNECT_RATE},
	{"exempt-loopback", no_argument, NULL, OPT_EXEMPT_LOOPBACK},
	{"oper", required_argument, NULL, OPT_OPER},
	{"oper-password", required_argument, NULL, OPT_OPER_PASSWORD},
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
		"  --data-dir DIR             keep history and accounts in DIR/parley.db\n"
		"                             (SQLite); without it, memory only\n"
		"  --history-keep SPEC        stored lines kept with --data-dir: LINES per\n"
		"                             room, an age (30d, 12h, 90m), or both as\n"
		"                             LINES,AGE; 0 = no limit (default 10000)\n"
		"  --min-password BYTES       shortest password REGISTER accepts (default 8)\n"
		"  --register-timeout SECS    close chat clients that never send USERNAME,\n"
		"                             IRC clients that never register and TLS\n"
		"                             clients that never finish the handshake\n"
		"                             (default 60, 0 = never)\n"
		"\n"
		"IRC listeners (--listen irc:[ADDR:]PORT, conventionally 6667):\n"
		"  --server-name NAME         the server's name in IRC prefixes and\n"
		"                             replies (default: the host name)\n"
		"  --network NAME             ISUPPORT NETWORK (default Parley)\n"
		"  --irc-password PASS        IRC clients must send PASS PASS\n"
		"  --motd FILE                message of the day (default: none, 422)\n"
		"  --ping-interval SECS       PING IRC clients idle this long, and close\n"
		"                             them after as long again (default 120)\n"
		"  --sts-duration SECS|off    IRCv3 sts: how long TLS clients must keep\n"
		"                             to TLS (default 2592000, 0 withdraws the\n"
		"                             policy, off advertises no sts at all)\n"
		"  --sts-preload              sts also consents to client preload lists\n"
		"\n"
		"HTTP listeners (--listen http:[ADDR:]PORT, e.g. 8080; docs/WEB.md):\n"
		"  --http-timeout SECS        close a request left incomplete or a\n"
		"                             keep-alive connection left idle this long;\n"
		"                             also the WebSocket ping interval (default 30)\n"
		"  --web-root DIR             serve the page from DIR instead of the\n"
		"                             built-in copy\n"
		"  --ws-origin ORIGIN         also accept WebSocket requests whose Origin\n"
		"                             is ORIGIN (repeatable; default: the Host only)\n"
		"  --metrics-from-anywhere    answer /metrics to every peer, not only to\n"
		"                             loopback addresses\n"
		"\n"
		"Abuse limits (docs/OPERATIONS.md; RATE is PER_S:BURST or off):\n"
		"  --rate-limit RATE          lines a chat/IRC connection may send; past\n"
		"                             it, its input waits (default 10:100)\n"
		"  --byte-rate RATE           bytes a relay/frame connection may send\n"
		"                             (default 1048576:4194304)\n"
		"  --flood-after SECS         close a connection whose input has waited on\n"
		"                             --rate-limit this long without a break\n"
		"                             (default 60, 0 = never)\n"
		"  --max-per-ip N             open connections per address, IPv6 per /64\n"
		"                             (default 100, 0 = no limit)\n"
		"  --connect-rate RATE        new connections per address (default 10:50)\n"
		"  --exempt-loopback          no per-address limits for 127.0.0.0/8, ::1\n"
		"  --oper NAME                account NAME is a server operator\n"
		"                             (repeatable; needs --data-dir)\n"
		"  --oper-password PASS       OPER PASS makes any user a server operator\n"
		"\n"
		"Cluster (several nodes as one network behind Redis; docs/CLUSTER.md):\n"
		"  --redis HOST:PORT          join the network kept in this Redis server\n"
		"  --redis-password PASS      AUTH with PASS after each connection\n"
		"  --redis-tls                connect to Redis over TLS (its tls-port),\n"
		"                             verifying its certificate\n"
		"  --redis-tls-ca FILE        trust this PEM CA bundle for Redis's\n"
		"                             certificate (default: the system's)\n"
		"  --redis-tls-cert FILE      client certificate for Redis servers that\n"
		"                             require one (tls-auth-clients yes)\n"
		"  --redis-tls-key FILE       private key for --redis-tls-cert\n"
		"  --redis-tls-name NAME      name Redis's certificate must carry (and\n"
		"                             SNI; default: the --redis host)\n"
		"  --node-name NAME           this node's unique name (default HOST-PORT)\n"
		"  --node-lease SECS          a silent node counts as dead after this\n"
		"                             (1-15, default 10)\n"
		"\n"
		"  --log-level LEVEL          debug, info, warn or error (default info)\n"
		"  --trace                    print each event-loop step on stdout: waits\n"
		"                             (with the highest descriptor waited on),\n"
		"                             accepts, reads, peer closes, removals\n"
		"  -h, --help                 show this help and exit\n"
		"\n"
		"\n"
		"Accounts (with --data-dir, or --redis in cluster mode; the password is\n"
		"read from stdin):\n"
		"  parleyd --data-dir DIR account add|del|passwd NAME | list\n"
		"  parleyd --redis HOST:PORT account add|del|passwd NAME | list\n"
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
	o->history_keep_lines = 10000;
	o->min_password = 8;
	o->register_timeout_s = 60;
	o->network = "Parley";
	o->ping_interval_s = 120;
	o->sts_duration_s = 30 * 86400;
	o->http_timeout_s = 30;
	o->node_lease_s = 10;
	o->log_level = LOG_INFO;
	o->line_rate = (struct rate){.per_s = 10, .burst = 100};
	o->byte_rate = (struct rate){.per_s = 1u << 20, .burst = 4u << 20};
	o->flood_after_s = 60;
	o->max_per_ip = 100;
	o->connect_rate = (struct rate){.per_s = 10, .burst = 50};
}

static bool parse_number(const char *flag, const char *text, unsigned long min,
			 unsigned long max, size_t *out, char *err, size_t errlen);

static bool parse_rate(const char *flag, const char *arg, struct rate *out, char *err,
		       size_t errlen)
{
	if (rate_parse(arg, out))
		return true;
	snprintf(err, errlen, "bad %s '%s' (PER_S:BURST, both at least 1, or off)", flag, arg);
	return false;
}

static bool parse_oper(struct options *o, const char *arg, char *err, size_t errlen)
{
	if (o->nopers == OPTIONS_MAX_OPERS) {
		snprintf(err, errlen, "too many --oper (at most %d)", OPTIONS_MAX_OPERS);
		return false;
	}
	if (!arg[0] || strpbrk(arg, " \r\n")) {
		snprintf(err, errlen, "bad --oper '%s' (an account name)", arg);
		return false;
	}
	o->opers[o->nopers++] = arg;
	return true;
}

static bool parse_limits(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	size_t n;
	switch (opt) {
	case OPT_RATE_LIMIT:
		return parse_rate("--rate-limit", arg, &o->line_rate, err, errlen);
	case OPT_BYTE_RATE:
		return parse_rate("--byte-rate", arg, &o->byte_rate, err, errlen);
	case OPT_CONNECT_RATE:
		return parse_rate("--connect-rate", arg, &o->connect_rate, err, errlen);
	case OPT_FLOOD_AFTER:
		if (!parse_number("--flood-after", arg, 0, 86400, &n, err, errlen))
			return false;
		o->flood_after_s = n;
		return true;
	case OPT_MAX_PER_IP:
		return parse_number("--max-per-ip", arg, 0, 1000000, &o->max_per_ip, err, errlen);
	case OPT_EXEMPT_LOOPBACK:
		o->exempt_loopback = true;
		return true;
	case OPT_OPER:
		return parse_oper(o, arg, err, errlen);
	default: /* OPT_OPER_PASSWORD */
		if (!arg[0] || strpbrk(arg, " \r\n")) {
			snprintf(err, errlen, "bad --oper-password (non-empty, no spaces)");
			return false;
		}
		o->oper_password = arg;
		return true;
	}
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

/* A server or network name goes into IRC lines as one word. */
static bool parse_irc_word(struct options *o, int opt, const char *arg, char *err,
			   size_t errlen)
{
	const char *flag = opt == OPT_SERVER_NAME ? "--server-name" : "--network";
	size_t len = strlen(arg);
	bool ok = len > 0 && len <= 63 && arg[0] != ':';
	for (size_t i = 0; ok && i < len; i++)
		ok = (unsigned char)arg[i] > ' ' && (unsigned char)arg[i] < 0x7f;
	if (!ok) {
		snprintf(err, errlen, "bad %s '%s' (1-63 printable characters, no spaces)", flag,
			 arg);
		return false;
	}
	if (opt == OPT_SERVER_NAME)
		o->server_name = arg;
	else
		o->network = arg;
	return true;
}

/* The host name, if it can stand as an IRC server name; else "parley". */
static void default_server_name(struct options *o)
{
	bool ok = gethostname(o->host_name, sizeof(o->host_name) - 1) == 0 && o->host_name[0];
	o->host_name[sizeof(o->host_name) - 1] = '\0';
	for (size_t i = 0; ok && o->host_name[i]; i++)
		ok = (unsigned char)o->host_name[i] > ' ' && o->host_name[i] != ':' && i < 63;
	if (!ok)
		snprintf(o->host_name, sizeof(o->host_name), "parley");
}

/* An age: digits and a unit, d, h or m. */
static bool parse_age(const char *text, size_t len, uint64_t *out_ms)
{
	static const struct {
		char unit;
		uint64_t ms;
	} units[] = {{'d', 86400000ull}, {'h', 3600000ull}, {'m', 60000ull}};
	if (len < 2 || len > 7)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (text[len - 1] == units[i].unit) {
			*out_ms = v * units[i].ms;
			return true;
		}
	}
	return false;
}

/* --history-keep LINES | AGE | LINES,AGE */
static bool parse_keep(struct options *o, const char *arg, char *err, size_t errlen)
{
	const char *comma = strchr(arg, ',');
	size_t first = comma ? (size_t)(comma - arg) : strlen(arg);
	char lines[16];
	bool ok = first > 0 && first < sizeof(lines);
	o->history_keep_lines = 0;
	o->history_keep_ms = 0;
	if (ok) {
		memcpy(lines, arg, first);
		lines[first] = '\0';
		unsigned long v;
		if (str_to_ulong(lines, 100000000, &v))
			o->history_keep_lines = v;
		else if (!comma)
			ok = parse_age(arg, first, &o->history_keep_ms);
		else
			ok = false;
	}
	if (ok && comma)
		ok = parse_age(comma + 1, strlen(comma + 1), &o->history_keep_ms);
	if (!ok)
		snprintf(err, errlen, "bad --history-keep '%s' (expected LINES, AGE such as 30d, "
			 "12h or 90m, or LINES,AGE)", arg);
	return ok;
}

/* The files and name of --redis-tls: none may be empty. */
static bool parse_redis_tls(struct options *o, int opt, const char *arg, char *err,
			    size_t errlen)
{
	const char *flag = opt == OPT_REDIS_TLS_CA     ? "--redis-tls-ca"
			   : opt == OPT_REDIS_TLS_CERT ? "--redis-tls-cert"
			   : opt == OPT_REDIS_TLS_KEY  ? "--redis-tls-key"
						       : "--redis-tls-name";
	if (!arg[0]) {
		snprintf(err, errlen, "bad %s (empty)", flag);
		return false;
	}
	if (opt == OPT_REDIS_TLS_CA)
		o->redis_tls_ca = arg;
	else if (opt == OPT_REDIS_TLS_CERT)
		o->redis_tls_cert = arg;
	else if (opt == OPT_REDIS_TLS_KEY)
		o->redis_tls_key = arg;
	else
		o->redis_tls_name = arg;
	return true;
}

/* --redis HOST:PORT (IPv6 in brackets), --redis-password, --node-name and
 * --node-lease: cluster mode, docs/CLUSTER.md. */
static bool parse_cluster(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	size_t n;
	switch (opt) {
	case OPT_REDIS: {
		const char *colon = strrchr(arg, ':');
		const char *host = arg;
		size_t hlen = colon ? (size_t)(colon - arg) : 0;
		if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
			host++;
			hlen -= 2;
		}
		if (!colon || hlen == 0 || hlen >= sizeof(o->redis_host) ||
		    !parse_number("--redis port", colon + 1, 1, 65535, &n, err, errlen)) {
			snprintf(err, errlen, "bad --redis '%s' (expected HOST:PORT)", arg);
			return false;
		}
		memcpy(o->redis_host, host, hlen);
		o->redis_host[hlen] = '\0';
		o->redis_port = (int)n;
		return true;
	}
	case OPT_REDIS_TLS:
		o->redis_tls = true;
		return true;
	case OPT_REDIS_TLS_CA:
	case OPT_REDIS_TLS_CERT:
	case OPT_REDIS_TLS_KEY:
	case OPT_REDIS_TLS_NAME:
		return parse_redis_tls(o, opt, arg, err, errlen);
	case OPT_REDIS_PASSWORD:
		if (!arg[0]) {
			snprintf(err, errlen, "bad --redis-password (empty)");
			return false;
		}
		o->redis_password = arg;
		return true;
	case OPT_NODE_NAME:
		if (!bus_node_valid(arg, strlen(arg))) {
			snprintf(err, errlen, "bad --node-name '%s' (1-%d of A-Z a-z 0-9 . _ -)", arg,
				 BUS_NODE_MAX);
			return false;
		}
		o->node_name = arg;
		return true;
	default: /* OPT_NODE_LEASE */
		if (!parse_number("--node-lease", arg, 1, 15, &n, err, errlen))
			return false;
		o->node_lease_s = n;
		return true;
	}
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
	case OPT_DATA_DIR:
		o->data_dir = arg;
		return true;
	case OPT_HISTORY_KEEP:
		return parse_keep(o, arg, err, errlen);
	case OPT_MIN_PASSWORD:
		return parse_number("--min-password", arg, 1, STORE_PASSWORD_MAX, &o->min_password,
				    err, errlen);
	case OPT_REGISTER_TIMEOUT:
		if (!parse_number("--register-timeout", arg, 0, 86400 * 7, &n, err, errlen))
			return false;
		o->register_timeout_s = n;
		return true;
	case OPT_TRACE:
		o->trace = true;
		return true;
	case OPT_SERVER_NAME:
	case OPT_NETWORK:
		return parse_irc_word(o, opt, arg, err, errlen);
	case OPT_IRC_PASSWORD:
		if (!arg[0] || strpbrk(arg, " \r\n")) {
			snprintf(err, errlen, "bad --irc-password (non-empty, no spaces)");
			return false;
		}
		o->irc_password = arg;
		return true;
	case OPT_MOTD:
		if (access(arg, R_OK) != 0) {
			snprintf(err, errlen, "bad --motd '%s': %s", arg, strerror(errno));
			return false;
		}
		o->motd = arg;
		return true;
	case OPT_PING_INTERVAL:
		if (!parse_number("--ping-interval", arg, 1, 86400, &n, err, errlen))
			return false;
		o->ping_interval_s = n;
		return true;
	case OPT_STS_DURATION:
		if (strcmp(arg, "off") == 0) {
			o->sts_duration_s = -1;
			return true;
		}
		if (!parse_number("--sts-duration", arg, 0, 10ul * 366 * 86400, &n, err, errlen))
			return false;
		o->sts_duration_s = (int64_t)n;
		return true;
	case OPT_STS_PRELOAD:
		o->sts_preload = true;
		return true;
	case OPT_TLS_CERT:
		o->tls_cert = arg;
		return true;
	case OPT_HTTP_TIMEOUT:
		if (!parse_number("--http-timeout", arg, 1, 86400, &n, err, errlen))
			return false;
		o->http_timeout_s = n;
		return true;
	case OPT_WEB_ROOT: {
		struct stat st;
		if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode) || access(arg, R_OK | X_OK) != 0) {
			snprintf(err, errlen, "bad --web-root '%s': not a readable directory", arg);
			return false;
		}
		o->web_root = arg;
		return true;
	}
	case OPT_WS_ORIGIN:
		if (o->nws_origins == sizeof(o->ws_origins) / sizeof(o->ws_origins[0])) {
			snprintf(err, errlen, "too many --ws-origin (at most 8)");
			return false;
		}
		o->ws_origins[o->nws_origins++] = arg;
		return true;
	case OPT_METRICS_ANYWHERE:
		o->metrics_anywhere = true;
		return true;
	case OPT_TLS_KEY:
		o->tls_key = arg;
		return true;
	case OPT_REDIS:
	case OPT_REDIS_PASSWORD:
	case OPT_REDIS_TLS:
	case OPT_REDIS_TLS_CA:
	case OPT_REDIS_TLS_CERT:
	case OPT_REDIS_TLS_KEY:
	case OPT_REDIS_TLS_NAME:
	case OPT_NODE_NAME:
	case OPT_NODE_LEASE:
		return parse_cluster(o, opt, arg, err, errlen);
	case OPT_RATE_LIMIT:
	case OPT_BYTE_RATE:
	case OPT_FLOOD_AFTER:
	case OPT_MAX_PER_IP:
	case OPT_CONNECT_RATE:
	case OPT_EXEMPT_LOOPBACK:
	case OPT_OPER:
	case OPT_OPER_PASSWORD:
		return parse_limits(o, opt, arg, err, errlen);
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

/* The --redis-tls-* options refine --redis-tls, which refines --redis. */
static bool validate_redis(const struct options *o, char *err, size_t errlen)
{
	const char *extra = o->redis_tls_ca     ? "--redis-tls-ca"
			    : o->redis_tls_cert ? "--redis-tls-cert"
			    : o->redis_tls_key  ? "--redis-tls-key"
			    : o->redis_tls_name ? "--redis-tls-name"
						: NULL;
	if (o->redis_tls && !o->redis_port) {
		snprintf(err, errlen, "--redis-tls needs --redis HOST:PORT");
		return false;
	}
	if (extra && !o->redis_tls) {
		snprintf(err, errlen, "%s only applies with --redis-tls", extra);
		return false;
	}
	if (!o->redis_tls_cert != !o->redis_tls_key) {
		snprintf(err, errlen, "%s needs %s too",
			 o->redis_tls_cert ? "--redis-tls-cert" : "--redis-tls-key",
			 o->redis_tls_cert ? "--redis-tls-key FILE" : "--redis-tls-cert FILE");
		return false;
	}
	return true;
}

bool options_validate(const struct options *o, char *err, size_t errlen)
{
	if (!validate_tls(o, err, errlen) || !validate_redis(o, err, errlen))
		return false;
	if (o->nopers && !o->data_dir) {
		snprintf(err, errlen, "--oper names an account: it needs --data-dir");
		return false;
	}
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
	default_server_name(out);
	return options_validate(out, err, errlen) ? OPTIONS_RUN : OPTIONS_BAD;
}
