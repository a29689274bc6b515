/* options: command-line parsing and the --help text for parley. */
#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

enum {
	OPT_PROTO = 256,
	OPT_RAW,
	OPT_NO_COLOR,
	OPT_NO_TIMESTAMPS,
	OPT_LINGER,
	OPT_MAX_LINE,
	OPT_MAX_FRAME,
	OPT_CONNECT_TIMEOUT,
	OPT_TLS,
	OPT_CA,
	OPT_INSECURE,
};

static const struct option long_options[] = {
	{"proto", required_argument, NULL, OPT_PROTO},
	{"user", required_argument, NULL, 'u'},
	{"join", required_argument, NULL, 'j'},
	{"raw", no_argument, NULL, OPT_RAW},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"no-timestamps", no_argument, NULL, OPT_NO_TIMESTAMPS},
	{"linger", required_argument, NULL, OPT_LINGER},
	{"max-line", required_argument, NULL, OPT_MAX_LINE},
	{"max-frame", required_argument, NULL, OPT_MAX_FRAME},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"tls", no_argument, NULL, OPT_TLS},
	{"ca", required_argument, NULL, OPT_CA},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
	fputs("usage: parley [--proto chat|relay|frame] [--tls] [-u NAME] [-j #ROOM] [OPTIONS] HOST PORT\n"
	      "       parley [OPTIONS] HOST:PORT      (try 'parley --help')\n",
	      out);
}

void options_help(FILE *out)
{
	options_usage(out);
	fputs("\n"
	      "Talk to a parleyd server. Interactive (line editing, history, coloured chat)\n"
	      "when standard input is a terminal; a plain filter otherwise: each input line\n"
	      "is sent and each received message is printed on its own line.\n"
	      "\n"
	      "  --proto chat|relay|frame  protocol of the listener (default chat)\n"
	      "  -u, --user NAME           chat: send USERNAME NAME after connecting\n"
	      "  -j, --join ROOM           chat: join ROOM after connecting ('#' optional)\n"
	      "  --raw                     print messages exactly as received, even on a\n"
	      "                            terminal (control bytes are still escaped there)\n"
	      "  --no-color                no colours (also when NO_COLOR is set)\n"
	      "  --no-timestamps           interactive: no [HH:MM] before each shown line\n"
	      "  --linger MS               filter mode: after input ends, exit once nothing\n"
	      "                            has arrived for MS milliseconds (default 500)\n"
	      "  --max-line BYTES          longest incoming line; longer ones are skipped\n"
	      "                            with a warning (default 1048576)\n"
	      "  --max-frame BYTES         largest incoming frame; a larger one ends the\n"
	      "                            session with an error (default 1048576)\n"
	      "  --connect-timeout MS      give up connecting after MS ms (default 10000)\n"
	      "  --tls                     speak TLS (a PROTO+tls listener); the server's\n"
	      "                            certificate must be valid for HOST and signed\n"
	      "                            by a CA the system trusts\n"
	      "  --ca FILE                 with --tls: trust the CA certificates in FILE\n"
	      "                            (PEM) instead of the system's\n"
	      "  --insecure                with --tls: accept any certificate (encrypts,\n"
	      "                            but does not prove who the server is)\n"
	      "  -h, --help                show this help and exit\n"
	      "\n"
	      "HOST may be a name, an IPv4 address or an IPv6 address ([::1]:7000 in the\n"
	      "HOST:PORT form). Interactive commands: /help, /quit (Ctrl-D); in chat mode\n"
	      "/join, /leave, /rooms, /users, /msg, /nick go to the server. When the\n"
	      "connection drops, the interactive client keeps the line being typed and\n"
	      "reconnects (after 1 s, doubling up to 30 s), then registers its name and\n"
	      "joins its room again; /quit and Ctrl-D leave for good.\n"
	      "\n"
	      "Exit status: 0 on a normal end; 1 when the first connection fails or, in\n"
	      "filter mode, the server closes with an error or sends a malformed frame (a\n"
	      "one-line reason goes to stderr); 2 for a bad command line; 128+N after\n"
	      "signal N.\n",
	      out);
}

/* True if `s` is non-empty, short enough and holds no spaces or control
 * bytes: it is pasted into a protocol line, so it must not break one. */
static bool token_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

static bool set_room(struct options *o, const char *room)
{
	const char *hash = room[0] == '#' ? "" : "#";
	if (!token_ok(room, OPT_ROOM_MAX - 1))
		return false;
	snprintf(o->room, sizeof(o->room), "%s%s", hash, room);
	return true;
}

static bool parse_size(const char *text, unsigned long max, uint64_t *out)
{
	unsigned long v;
	if (!str_to_ulong(text, max, &v))
		return false;
	*out = v;
	return true;
}

/* The numeric options: where each goes, its name and its ceiling. */
static bool apply_number(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	const char *name = "--linger";
	uint64_t v = 0;
	bool ok = parse_size(arg, opt == OPT_MAX_LINE || opt == OPT_MAX_FRAME ? UINT32_MAX
									       : 86400000ul, &v);
	switch (opt) {
	case OPT_LINGER:
		o->linger_ms = v;
		break;
	case OPT_CONNECT_TIMEOUT:
		name = "--connect-timeout";
		ok = ok && v > 0;
		o->connect_ms = v;
		break;
	case OPT_MAX_LINE:
		name = "--max-line";
		ok = ok && v > 0;
		o->max_line = (size_t)v;
		break;
	default:
		name = "--max-frame";
		ok = ok && v > 0;
		o->max_frame = (size_t)v;
		break;
	}
	if (!ok)
		snprintf(err, errlen, "bad %s '%s'", name, arg);
	return ok;
}

/* Applies one option; false with a reason in `err` if its value is bad. */
static bool apply_option(struct options *o, int opt, const char *arg, char *err, size_t errlen)
{
	switch (opt) {
	case OPT_PROTO:
		if (proto_parse(arg, &o->proto))
			return true;
		snprintf(err, errlen, "unknown protocol '%s' (choose chat, relay or frame)", arg);
		return false;
	case 'u':
		if (token_ok(arg, sizeof(o->user))) {
			snprintf(o->user, sizeof(o->user), "%s", arg);
			return true;
		}
		snprintf(err, errlen, "bad user name '%s'", arg);
		return false;
	case 'j':
		if (set_room(o, arg))
			return true;
		snprintf(err, errlen, "bad room name '%s'", arg);
		return false;
	case OPT_RAW:
		o->raw = true;
		return true;
	case OPT_NO_COLOR:
		o->no_color = true;
		return true;
	case OPT_NO_TIMESTAMPS:
		o->no_timestamps = true;
		return true;
	case OPT_TLS:
		o->tls = true;
		return true;
	case OPT_CA:
		o->ca_file = arg;
		return true;
	case OPT_INSECURE:
		o->insecure = true;
		return true;
	default:
		return apply_number(o, opt, arg, err, errlen);
	}
}

static bool parse_port(const char *text, uint16_t *out)
{
	unsigned long v;
	if (!str_to_ulong(text, 65535, &v) || v == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* One argument: "HOST:PORT", "[V6]:PORT" or a bare PORT on localhost. */
static bool parse_target1(struct options *o, const char *arg, char *err, size_t errlen)
{
	struct hostport hp;
	if (!addr_parse_hostport(arg, &hp, err, errlen))
		return false;
	if (hp.port == 0) {
		snprintf(err, errlen, "bad port in '%s'", arg);
		return false;
	}
	snprintf(o->host, sizeof(o->host), "%s", hp.host[0] ? hp.host : "localhost");
	o->port = hp.port;
	return true;
}

static bool parse_target(struct options *o, int argc, char **argv, char *err, size_t errlen)
{
	int left = argc - optind;
	if (left == 1)
		return parse_target1(o, argv[optind], err, errlen);
	if (left != 2) {
		snprintf(err, errlen, left == 0 ? "missing HOST and PORT" : "too many arguments");
		return false;
	}
	const char *host = argv[optind];
	if (strlen(host) == 0 || strlen(host) >= sizeof(o->host)) {
		snprintf(err, errlen, "bad host '%s'", host);
		return false;
	}
	if (!parse_port(argv[optind + 1], &o->port)) {
		snprintf(err, errlen, "bad port '%s'", argv[optind + 1]);
		return false;
	}
	snprintf(o->host, sizeof(o->host), "%s", host);
	return true;
}

static void set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->proto = PROTO_CHAT;
	o->linger_ms = OPT_DEFAULT_LINGER_MS;
	o->connect_ms = OPT_DEFAULT_CONNECT_MS;
	o->max_line = OPT_DEFAULT_MAX_UNIT;
	o->max_frame = OPT_DEFAULT_MAX_UNIT;
	/* https://no-color.org: set and non-empty disables colour. */
	const char *nc = getenv("NO_COLOR");
	o->no_color = nc && nc[0];
}

enum opt_result options_parse(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	set_defaults(o);
	opterr = 0;
	optind = 0; /* not 1: 0 also drops a half-read group ("-hx") of a previous call */
	int opt;
	while ((opt = getopt_long(argc, argv, "u:j:h", long_options, NULL)) != -1) {
		if (opt == 'h')
			return OPT_HELP;
		if (opt == '?' || opt == ':') {
			/* An unknown letter may sit inside a group ("-xu"), where
			 * argv[optind - 1] is the word before it: name the letter. */
			if (optopt > 0 && optopt < OPT_PROTO && !strchr("ujh", optopt))
				snprintf(err, errlen, "bad or incomplete option '-%c'", optopt);
			else
				snprintf(err, errlen, "bad or incomplete option '%s'",
					 argv[optind - 1]);
			return OPT_USAGE;
		}
		if (!apply_option(o, opt, optarg, err, errlen))
			return OPT_USAGE;
	}
	if (!o->tls && (o->ca_file || o->insecure)) {
		snprintf(err, errlen, "%s only applies with --tls", o->ca_file ? "--ca" : "--insecure");
		return OPT_USAGE;
	}
	if (o->proto != PROTO_CHAT && (o->user[0] || o->room[0])) {
		snprintf(err, errlen, "-u and -j only apply to --proto chat");
		return OPT_USAGE;
	}
	return parse_target(o, argc, argv, err, errlen) ? OPT_RUN : OPT_USAGE;
}
