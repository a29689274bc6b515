/* proto_irc: IRC (RFC 1459/2812 client side), enough to benchmark any IRC
 * server the same way. A member registers with NICK/USER, joins "#r<room>"
 * once welcomed (001) and is ready at the end of the channel's NAMES
 * (366). Publishers are members and publish with PRIVMSG. IRC servers do
 * not echo a PRIVMSG to its sender (echo-message is an optional IRCv3
 * capability that not every server offers), so every PRIVMSG is followed
 * by a PING and the server's PONG acknowledges it: a server handles one
 * client's commands in order, so by the time it answers the PING it has
 * queued the PRIVMSG to every other member — the same guarantee as a Redis
 * PUBLISH reply. Server PINGs are answered with PONG. */
#include <stdio.h>
#include <string.h>

#include "payload.h"
#include "proto.h"
#include "proto_irc.h"

enum {
	IRC_LINE_MAX = 512,   /* RFC 1459, CRLF included */
	IRC_TAGS_MAX = 8191,  /* IRCv3 message tags, before the line proper */
	IRC_PAYLOAD_MAX = 400, /* leaves room for prefix, command and channel */
};

static const char ack_ping[] = "\r\nPING :a\r\n";

static size_t irc_hello(uint32_t id, uint32_t room, bool publisher_only, char *out, size_t cap)
{
	(void)room;
	(void)publisher_only;
	int n = snprintf(out, cap, "NICK b%u\r\nUSER b%u 0 * :parley-bench\r\n", id, id);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static size_t irc_envelope(uint32_t room, uint32_t size, char *out, size_t *payload_off)
{
	int n = snprintf(out, PROTO_ENVELOPE_MAX, "PRIVMSG #r%u :", room);
	*payload_off = (size_t)n;
	memcpy(out + n + size, ack_ping, sizeof(ack_ping) - 1);
	return (size_t)n + size + sizeof(ack_ping) - 1;
}

static void irc_scan_init(struct scan_state *st, uint32_t self, uint32_t room, uint32_t size)
{
	st->self = self;
	st->room = room;
	st->size = size;
	st->line = (struct line_decoder){.max = IRC_TAGS_MAX + IRC_LINE_MAX, .mode = LINE_STRIP};
}

/* Skips one space-separated word at *p; returns it, advancing past the
 * spaces after it. */
static const char *irc_take_word(const char **p, const char *end, size_t *len)
{
	const char *w = *p;
	const char *sp = memchr(w, ' ', (size_t)(end - w));
	const char *stop = sp ? sp : end;
	*len = (size_t)(stop - w);
	while (stop < end && *stop == ' ')
		stop++;
	*p = stop;
	return w;
}

bool bench_irc_parse(const char *p, size_t n, struct bench_irc_line *out)
{
	const char *end = p + n;
	size_t len;
	memset(out, 0, sizeof(*out));
	if (p < end && *p == '@')
		irc_take_word(&p, end, &len); /* tags: nothing here needs them */
	if (p < end && *p == ':')
		irc_take_word(&p, end, &len);
	out->cmd = irc_take_word(&p, end, &out->cmd_len);
	if (out->cmd_len == 0)
		return false;
	while (p < end) {
		const char *param;
		if (*p == ':') {
			param = p + 1;
			len = (size_t)(end - param);
			p = end;
		} else {
			param = irc_take_word(&p, end, &len);
		}
		if (out->nparams == 0) {
			out->first = param;
			out->first_len = len;
		}
		out->last = param;
		out->last_len = len;
		out->nparams++;
	}
	return true;
}

static bool irc_cmd_is(const struct bench_irc_line *l, const char *word)
{
	return l->cmd_len == strlen(word) && memcmp(l->cmd, word, l->cmd_len) == 0;
}

/* A three-digit numeric, or -1. */
static int irc_numeric(const struct bench_irc_line *l)
{
	if (l->cmd_len != 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < 3; i++) {
		if (l->cmd[i] < '0' || l->cmd[i] > '9')
			return -1;
		v = v * 10 + (l->cmd[i] - '0');
	}
	return v;
}

static void irc_set(struct unit *out, enum unit_kind kind, const char *data, size_t len)
{
	out->kind = kind;
	out->data = data;
	out->len = len;
}

static void irc_reply(struct scan_state *st, struct unit *out, int n)
{
	if (n <= 0 || (size_t)n >= sizeof(st->reply))
		irc_set(out, UNIT_ERROR, "PING token too long to answer", 29);
	else
		irc_set(out, UNIT_REPLY, st->reply, (size_t)n);
}

/* 4xx/5xx numerics are refusals, except "no MOTD", which servers send to
 * every client when none is configured. */
static bool irc_is_refusal(int num)
{
	return num >= 400 && num < 600 && num != 422;
}

static void irc_classify(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	struct bench_irc_line l;
	irc_set(out, UNIT_OTHER, NULL, 0);
	if (!bench_irc_parse(p, n, &l))
		return;
	int num = irc_numeric(&l);
	if (irc_cmd_is(&l, "PRIVMSG")) {
		if (l.nparams == 2 && l.last_len == st->size)
			irc_set(out, UNIT_PAYLOAD, l.last, l.last_len);
		else
			irc_set(out, UNIT_ERROR, p, n);
	} else if (irc_cmd_is(&l, "PONG")) {
		out->kind = UNIT_ACK;
		out->value = ACK_UNCOUNTED;
	} else if (irc_cmd_is(&l, "PING")) {
		irc_reply(st, out, snprintf(st->reply, sizeof(st->reply), "PONG :%.*s\r\n",
					(int)l.last_len, l.last ? l.last : ""));
	} else if (num == 1) {
		irc_reply(st, out, snprintf(st->reply, sizeof(st->reply), "JOIN #r%u\r\n", st->room));
	} else if (num == 366) {
		out->kind = UNIT_READY;
	} else if (irc_cmd_is(&l, "ERROR") || irc_is_refusal(num)) {
		irc_set(out, UNIT_ERROR, p, n);
	}
}

static void irc_next(struct scan_state *st, const char *p, size_t n, struct unit *out)
{
	struct codec_unit cu;
	enum codec_status s = line_decode(&st->line, p, n, &cu);
	out->used = cu.used;
	if (s == CODEC_NEED_MORE) {
		out->kind = UNIT_NEED_MORE;
	} else if (s == CODEC_TOO_LONG) {
		irc_set(out, UNIT_ERROR, "line longer than IRC allows", 27);
	} else {
		irc_classify(st, cu.data, cu.len, out);
	}
}

uint32_t bench_irc_payload_max(void)
{
	return IRC_PAYLOAD_MAX;
}

const struct proto proto_irc = {
	.name = "irc",
	.publisher_is_member = true,
	.own_copy = false,
	.hello = irc_hello,
	.envelope = irc_envelope,
	.scan_init = irc_scan_init,
	.next = irc_next,
};
