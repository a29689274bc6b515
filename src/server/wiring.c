/* wiring: the protocol table and the construction and teardown of the
 * shared parts. A row's `attach` makes the state one listener's connections
 * share; the chat rows all share the one chat dialect (rooms span
 * listeners), while each relay or frame listener is a group of its own. */
#include "server/wiring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "dialect/chat.h"
#include "dialect/irc.h"
#include "dialect/irc_msg.h"
#include "dialect/relay.h"
#include "dialect/web.h"
#include "hub/hub.h"
#include "net/net.h"
#include "server/metrics.h"
#include "util/log.h"
#include "util/alloc.h"
#include "loop/loop.h"
#include "util/clock.h"
#include "util/str.h"

struct proto {
	const char *name; /* the --listen word, also the log label */
	const struct conn_handler *handler;
	const char *reject_text; /* sent when --max-clients is reached, or NULL */
	void *(*attach)(struct wiring *w);
	void (*detach)(void *state); /* NULL: the state is not the endpoint's */
	/* The largest unit the server may send on it, for the --sendq check. */
	size_t (*largest_unit)(size_t max_line, size_t max_frame);
	bool unit_is_frame;    /* bounded by --max-frame, else by --max-line */
	const char *unit_flag; /* that option's name */
	const char *unit_what; /* what the unit is, for the error message */
	const char *per_ip_text;       /* refusals by address (net.h), or NULL */
	const char *connect_rate_text;
	enum conn_rate_unit rate_unit; /* what --rate-limit/--byte-rate count */
};

static void *attach_chat(struct wiring *w)
{
	return w->chat;
}

/* Every IRC listener shares one IRC dialect, as chat listeners do. */
static void *attach_irc(struct wiring *w)
{
	if (!w->irc) {
		struct irc_config cfg = {
			.server_name = w->cfg.server_name,
			.network = w->cfg.network,
			.password = w->cfg.irc_password,
			.motd_path = w->cfg.motd_path,
			.ping_interval_ms = w->cfg.ping_interval_ms,
			.register_timeout_ms = w->cfg.register_timeout_ms,
			.min_password = w->cfg.min_password,
			.sts_duration_s = w->cfg.sts_duration_s,
			.sts_preload = w->cfg.sts_preload,
		};
		w->irc = irc_create(w->hub, &cfg);
	}
	return w->irc;
}

/* The chat page's files (generated from web/ by the build). */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* Every HTTP listener shares one web endpoint. Its WebSocket subprotocols
 * are the IRC and chat dialects the other listeners use, so a browser and
 * a terminal meet in the same rooms. */
static void *attach_http(struct wiring *w)
{
	if (w->web)
		return w->web;
	struct web_config cfg = {
		.loop = w->loop,
		.log = w->log,
		.timeout_ms = w->cfg.http_timeout_ms,
		.ping_ms = w->cfg.http_timeout_ms,
		.max_message = IRC_TAGS_MAX + IRC_LINE_MAX > w->cfg.max_line
				       ? IRC_TAGS_MAX + IRC_LINE_MAX
				       : w->cfg.max_line,
		.web_root = w->cfg.web_root,
		.assets = web_assets,
		.nassets = web_assets_count,
		.norigins = w->cfg.nws_origins,
		.metrics_anywhere = w->cfg.metrics_anywhere,
		.metrics = metrics_write,
		.metrics_ctx = w,
	};
	for (size_t i = 0; i < w->cfg.nws_origins; i++)
		cfg.origins[i] = w->cfg.ws_origins[i];
	void *irc = attach_irc(w);
	cfg.subprotocols[0] = (struct web_subprotocol){"text.ircv3.net", &irc_handler, irc, false,
						       "ws+irc"};
	cfg.subprotocols[1] = (struct web_subprotocol){"binary.ircv3.net", &irc_handler, irc,
						       true, "ws+irc"};
	cfg.subprotocols[2] = (struct web_subprotocol){"parley.chat", &chat_handler, w->chat,
						       false, "ws+chat"};
	cfg.nsubprotocols = 3;
	char err[256];
	w->web = web_create(&cfg, err, sizeof(err));
	if (!w->web) { /* --web-root was checked when parsed; it went away since */
		log_event(w->log, LOG_WARN, "WEB_ROOT", "%s; serving the built-in page", err);
		cfg.web_root = NULL;
		w->web = web_create(&cfg, err, sizeof(err));
	}
	return w->web;
}

static size_t largest_http(size_t max_line, size_t max_frame)
{
	(void)max_frame;
	size_t irc = IRC_TAGS_MAX + IRC_LINE_MAX + 2;
	size_t chat = chat_largest_line(max_line);
	return irc > chat ? irc : chat;
}

static void *attach_line_relay(struct wiring *w)
{
	return relay_create(RELAY_LINES, w->cfg.max_line, w->log);
}

static void *attach_frame_relay(struct wiring *w)
{
	return relay_create(RELAY_FRAMES, w->cfg.max_frame, w->log);
}

static void detach_relay(void *state)
{
	relay_destroy(state);
}

static size_t largest_chat_line(size_t max_line, size_t max_frame)
{
	(void)max_frame;
	return chat_largest_line(max_line);
}

/* IRC lines have a fixed size whatever --max-line: 512 bytes with CRLF after
 * up to IRC_TAGS_MAX bytes of tags. */
static size_t largest_irc_line(size_t max_line, size_t max_frame)
{
	(void)max_line;
	(void)max_frame;
	return IRC_TAGS_MAX + IRC_LINE_MAX + 2;
}

static size_t largest_relay_line(size_t max_line, size_t max_frame)
{
	(void)max_frame;
	return relay_largest_unit(RELAY_LINES, max_line);
}

static size_t largest_frame(size_t max_line, size_t max_frame)
{
	(void)max_line;
	return relay_largest_unit(RELAY_FRAMES, max_frame);
}

/* The first row is the default protocol. */
static const struct proto protos[] = {
	{"chat", &chat_handler, chat_server_full, attach_chat, NULL, largest_chat_line,
	 false, "--max-line", "the longest chat line with its \"ROOM <room> <name> \" prefix and CRLF",
	 chat_too_many, chat_too_fast, CONN_RATE_LINES},
	{"irc", &irc_handler, irc_server_full, attach_irc, NULL, largest_irc_line, false,
	 "--max-line", "the longest IRC line with its tags", irc_too_many, irc_too_fast,
	 CONN_RATE_LINES},
	{"http", &web_http_handler, NULL, attach_http, NULL, largest_http, false, "--max-line",
	 "the longest IRC or chat line sent over a WebSocket", NULL, NULL, CONN_RATE_MESSAGES},
	{"relay", &relay_handler, NULL, attach_line_relay, detach_relay, largest_relay_line,
	 false, "--max-line", "the longest relay line with its CRLF", NULL, NULL, CONN_RATE_BYTES},
	{"frame", &relay_handler, NULL, attach_frame_relay, detach_relay, largest_frame,
	 true, "--max-frame", "the largest frame with its 4-byte header", NULL, NULL,
	 CONN_RATE_BYTES},
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* ---- the table ---- */

const struct proto *proto_find(const char *word, size_t len)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if (str_equals(word, len, protos[i].name))
			return &protos[i];
	return NULL;
}

/* Each "+MOD" after the name; only "+tls" exists, at most once. */
static bool parse_modifiers(const char *mods, size_t len, bool *tls, char *err, size_t errlen)
{
	while (len > 0) {
		const char *next = memchr(mods + 1, '+', len - 1);
		size_t n = next ? (size_t)(next - mods) : len;
		if (!str_equals(mods, n, "+tls")) {
			snprintf(err, errlen, "unsupported listener modifier '%.*s' (only +tls)",
				 (int)n, mods);
			return false;
		}
		if (*tls) {
			snprintf(err, errlen, "listener modifier '+tls' given twice");
			return false;
		}
		*tls = true;
		mods += n;
		len -= n;
	}
	return true;
}

const struct proto *proto_parse(const char *spec, size_t len, bool *tls, char *err,
				size_t errlen)
{
	const char *plus = memchr(spec, '+', len);
	size_t word = plus ? (size_t)(plus - spec) : len;
	const struct proto *p = proto_find(spec, word);
	char names[PROTO_LIST_MAX];
	*tls = false;
	if (!p) {
		snprintf(err, errlen, "unknown protocol '%.*s' (choose from %s)", (int)word, spec,
			 proto_list(names, sizeof(names)));
		return NULL;
	}
	if (!parse_modifiers(spec + word, len - word, tls, err, errlen))
		return NULL;
	return p;
}

const char *proto_name(const struct proto *p)
{
	return p->name;
}

struct proto_unit proto_largest_unit(const struct proto *p, size_t max_line, size_t max_frame)
{
	return (struct proto_unit){
		.largest = p->largest_unit(max_line, max_frame),
		.bound = p->unit_is_frame ? max_frame : max_line,
		.flag = p->unit_flag,
		.what = p->unit_what,
	};
}

const struct proto *proto_default(void)
{
	return &protos[0];
}

char *proto_list(char *out, size_t outlen)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < NPROTOS && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
				 protos[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return out;
}

/* ---- building ---- */

/* Event timestamps: the loop's cached clock, read once per pass, shifted
 * to wall time. */
static uint64_t hub_clock(void *data)
{
	const struct wiring *w = data;
	return loop_now_ms(w->loop) + w->wall_minus_mono_ms;
}

/* With a store, message ids continue above the highest one it holds or
 * reserved. The reservation runs at least half a block ahead of the ids
 * handed out, so a crash cannot outrun the writer that records it. */
enum { MSGID_BLOCK = 65536 };

static uint64_t next_msgid(void *data)
{
	struct wiring *w = data;
	uint64_t id = ++w->last_msgid;
	const struct store *st = w->cfg.store;
	if (id + MSGID_BLOCK / 2 > w->reserved_msgid && st->ops->reserve_ids) {
		w->reserved_msgid = id + MSGID_BLOCK;
		st->ops->reserve_ids(st->impl, w->reserved_msgid);
	}
	return id;
}

void wiring_init(struct wiring *w, struct loop *loop, const struct log *log,
		 const struct wiring_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->loop = loop;
	w->log = log;
	w->cfg = *cfg;
	w->wall_minus_mono_ms = clock_wall_ms() - clock_mono_ms();
	w->started_ms = clock_mono_ms();
	struct hub_config hub_cfg = {.history = cfg->history, .now_ms = hub_clock, .now_ctx = w,
				     .opers = cfg->opers, .nopers = cfg->nopers,
				     .oper_password = cfg->oper_password};
	if (cfg->store) {
		w->last_msgid = cfg->store->ops->last_id(cfg->store->impl);
		hub_cfg.store = cfg->store;
		hub_cfg.next_id = next_msgid;
		hub_cfg.id_ctx = w;
	}
	if (cfg->cluster)
		hub_cfg.bus = cluster_bus(cfg->cluster);
	w->hub = hub_create(&hub_cfg);
	struct chat_config chat_cfg = {
		.max_line = cfg->max_line,
		.register_timeout_ms = cfg->register_timeout_ms,
		.sendq = cfg->sendq,
		.min_password = cfg->min_password,
		.loop = loop,
	};
	w->chat = chat_create(w->hub, &chat_cfg);
	struct net_config net_cfg = {
		.trace = cfg->trace,
		.max_clients = cfg->max_clients,
		.sendq = cfg->sendq,
		.drain_ms = cfg->drain_ms,
		.handshake_ms = cfg->register_timeout_ms,
		.line_rate = cfg->line_rate,
		.byte_rate = cfg->byte_rate,
		.flood_ms = cfg->flood_ms,
		.max_per_ip = cfg->max_per_ip,
		.connect_rate = cfg->connect_rate,
		.exempt_loopback = cfg->exempt_loopback,
	};
	w->net = net_create(loop, log, &net_cfg);
}

struct endpoint *wiring_add(struct wiring *w, const struct proto *proto)
{
	if (w->nendpoints == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 4;
		w->endpoints = xrealloc(w->endpoints, w->cap * sizeof(*w->endpoints));
	}
	struct endpoint *ep = xcalloc(1, sizeof(*ep));
	ep->proto = proto;
	ep->state = proto->attach(w);
	w->endpoints[w->nendpoints++] = ep;
	return ep;
}

bool wiring_listen(struct wiring *w, const struct proto *proto, const struct hostport *where,
		   const struct transport_factory *transport, char *err, size_t errlen)
{
	struct endpoint *ep = wiring_add(w, proto);
	snprintf(ep->label, sizeof(ep->label), "%s%s%s", proto->name, transport ? "+" : "",
		 transport ? transport->name : "");
	struct listener_config cfg = {
		.proto = ep->label,
		.where = *where,
		.handler = proto->handler,
		.handler_data = ep->state,
		.reject_text = proto->reject_text,
		.per_ip_text = proto->per_ip_text,
		.connect_rate_text = proto->connect_rate_text,
		.rate_unit = proto->rate_unit,
		.transport = transport,
	};
	struct listener *l = net_listen(w->net, &cfg, err, errlen);
	/* sts on plain IRC connections names the bound TLS port (port 0 too) */
	if (l && transport && proto->handler == &irc_handler)
		irc_set_tls_port(ep->state, listener_address(l)->port);
	return l != NULL;
}

struct conn *wiring_adopt(struct wiring *w, struct endpoint *ep, int fd)
{
	return net_adopt(w->net, fd, ep->proto->handler, ep->state);
}

/* Connections go first: their on_close still reaches relay groups and the
 * chat dialect, which go next, and the hub under them last. */
void wiring_fini(struct wiring *w)
{
	net_destroy(w->net);
	w->net = NULL;
	for (size_t i = 0; i < w->nendpoints; i++) {
		struct endpoint *ep = w->endpoints[i];
		if (ep->proto->detach)
			ep->proto->detach(ep->state);
		free(ep);
	}
	free(w->endpoints);
	w->endpoints = NULL;
	w->nendpoints = w->cap = 0;
	irc_destroy(w->irc);
	w->irc = NULL;
	web_destroy(w->web);
	w->web = NULL;
	chat_destroy(w->chat);
	w->chat = NULL;
	/* Other nodes' users (proxies) leave the hub with the cluster. */
	if (w->cfg.cluster)
		cluster_stop(w->cfg.cluster);
	hub_destroy(w->hub);
	w->hub = NULL;
}
