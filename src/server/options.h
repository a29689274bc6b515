/* options: parleyd's command line — flags, defaults, validation, --help. */
#ifndef PARLEY_SERVER_OPTIONS_H
#define PARLEY_SERVER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net/addr.h"
#include "util/bucket.h"
#include "util/log.h"

enum { OPTIONS_MAX_LISTENERS = 32, OPTIONS_DEFAULT_PORT = 7000, OPTIONS_MAX_OPERS = 16 };

struct proto;

struct listen_option {
	const struct proto *proto; /* a row of the table in server/wiring.h */
	struct hostport where;
	bool tls; /* PROTO+tls */
};

struct options {
	struct listen_option listen[OPTIONS_MAX_LISTENERS];
	size_t nlisten;
	const char *backend;
	size_t max_clients;
	size_t max_line;
	size_t max_frame;
	size_t sendq;
	size_t history;
	const char *data_dir;       /* --data-dir: NULL = memory only */
	size_t history_keep_lines;  /* --history-keep: per room, 0 = no count limit */
	uint64_t history_keep_ms;   /* --history-keep: age limit, 0 = none */
	size_t min_password;        /* --min-password */
	uint64_t register_timeout_s;
	const char *server_name; /* IRC: --server-name, default the host name */
	const char *network;     /* IRC: --network */
	const char *irc_password;
	const char *motd;
	uint64_t ping_interval_s;
	int64_t sts_duration_s; /* IRC: --sts-duration, -1 = off (no sts) */
	bool sts_preload;       /* IRC: --sts-preload */
	char host_name[256];     /* storage for the default --server-name */
	/* Cluster mode (docs/CLUSTER.md): --redis HOST:PORT, or none. */
	char redis_host[256];
	int redis_port;          /* 0: no --redis */
	const char *redis_password;
	bool redis_tls;              /* --redis-tls */
	const char *redis_tls_ca;    /* --redis-tls-ca, NULL: the system's trust store */
	const char *redis_tls_cert;  /* --redis-tls-cert (client certificate), or NULL */
	const char *redis_tls_key;   /* --redis-tls-key, or NULL */
	const char *redis_tls_name;  /* --redis-tls-name, NULL: the --redis host */
	const char *node_name;   /* --node-name, NULL: host name and port */
	uint64_t node_lease_s;
	enum log_level log_level;
	bool trace; /* --trace: event-loop steps on stdout */
	const char *tls_cert; /* --tls-cert, or NULL */
	const char *tls_key;  /* --tls-key, or NULL */
	/* HTTP listeners (docs/WEB.md). */
	uint64_t http_timeout_s;  /* --http-timeout */
	const char *web_root;     /* --web-root, or NULL: the built-in page */
	const char *ws_origins[8]; /* --ws-origin, repeatable */
	size_t nws_origins;
	bool metrics_anywhere;    /* --metrics-from-anywhere */
	/* Abuse limits (docs/OPERATIONS.md). */
	struct rate line_rate;    /* --rate-limit */
	struct rate byte_rate;    /* --byte-rate */
	uint64_t flood_after_s;   /* --flood-after, 0 = never */
	size_t max_per_ip;        /* --max-per-ip, 0 = no limit */
	struct rate connect_rate; /* --connect-rate */
	bool exempt_loopback;     /* --exempt-loopback */
	/* Server operators: accounts named by --oper, or whoever gives
	 * --oper-password to OPER. */
	const char *opers[OPTIONS_MAX_OPERS];
	size_t nopers;
	const char *oper_password;
};

enum options_result { OPTIONS_RUN, OPTIONS_HELP, OPTIONS_BAD };

/* Fills `out` from argv, then checks it with options_validate().
 * OPTIONS_BAD comes with a reason in `err`. */
enum options_result options_parse(int argc, char **argv, struct options *out, char *err,
				  size_t errlen);

/* Checks that the options work together: a +tls listener comes with
 * --tls-cert and --tls-key (and they with one), and the largest unit each configured
 * listener can send (a --max-line chat or relay line, a --max-frame frame,
 * each with its framing) fits in --sendq. False with the reason, naming
 * the options and the smallest --sendq that would do, in `err`. */
bool options_validate(const struct options *o, char *err, size_t errlen);

/* Writes the usage text (all flags and defaults). */
void options_usage(FILE *out);

#endif
