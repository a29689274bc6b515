/* session: connection lifecycle, decoding and end-of-session judgement. */
#include "session.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"
#include "codec/framed.h"
#include "escape.h"
#include "net/net.h"
#include "tls/tls.h"
#include "util/alloc.h"
#include "util/buf.h"

/* How the connection ended, as far as the session can tell. */
enum end_kind {
	END_NONE,      /* still open */
	END_LOCAL,     /* we closed it */
	END_PEER_EOF,  /* the server closed it cleanly */
	END_PEER_LOST, /* reset or read/write error */
	END_OVERSIZE,  /* the server announced a frame over --max-frame */
	END_TRUNCATED, /* the server closed in the middle of a frame */
};

/* How a connection the server did not close cleanly was lost, read once
 * from the net layer's close reason. */
enum loss_kind { LOSS_FAILED, LOSS_RESET, LOSS_TIMEOUT, LOSS_TLS, LOSS_KINDS };

static const char *const loss_texts[LOSS_KINDS] = {
	[LOSS_FAILED] = "connection to the server failed",
	[LOSS_RESET] = "connection reset by the server",
	[LOSS_TIMEOUT] = "connection timed out",
	[LOSS_TLS] = "TLS failed",
};

static enum loss_kind loss_from_reason(enum conn_close_reason reason)
{
	switch (reason) {
	case CONN_CLOSE_RESET:
		return LOSS_RESET;
	case CONN_CLOSE_TIMEOUT:
		return LOSS_TIMEOUT;
	case CONN_CLOSE_TLS_ERROR:
		return LOSS_TLS;
	default:
		return LOSS_FAILED;
	}
}

enum { LAST_ERROR_MAX = 200, DRAIN_MS = 2000 };

struct session {
	struct net *net;
	struct tls_client *tls;   /* NULL: plain */
	struct conn *conn;        /* NULL before start and after teardown */
	const struct session_events *ev;
	void *ctx;
	enum proto proto;
	struct session_config cfg;
	struct framed in;         /* the protocol's decoder */
	struct buf scratch;       /* encoding space for session_send_line */
	enum end_kind end;
	enum loss_kind loss;      /* for END_PEER_LOST */
	size_t partial;           /* undecoded bytes the connection holds */
	size_t oversize;          /* announced length for END_OVERSIZE */
	bool quit_sent;           /* chat: QUIT or /quit went out */
	bool destroying;
	char last_error[LAST_ERROR_MAX]; /* chat: text of the last line if it was ERROR */
};

/* ---- incoming ---- */

static void note_chat_line(struct session *s, const char *line, size_t len)
{
	struct chat_event ev;
	chat_parse(line, len, &ev);
	if (ev.kind != CHAT_ERROR) {
		s->last_error[0] = '\0';
		return;
	}
	/* It may end up on a terminal as the exit reason: escape it. */
	struct buf safe = BUF_INIT;
	size_t n = ev.text.len < LAST_ERROR_MAX ? ev.text.len : LAST_ERROR_MAX;
	escape_append(&safe, ev.text.p, n, ESCAPE_TEXT);
	int shown = buf_len(&safe) < LAST_ERROR_MAX ? (int)buf_len(&safe) : LAST_ERROR_MAX - 1;
	snprintf(s->last_error, sizeof(s->last_error), "%.*s", shown,
		 shown ? buf_head(&safe) : "");
	buf_release(&safe);
	if (!s->last_error[0])
		snprintf(s->last_error, sizeof(s->last_error), "ERROR");
}

static void warn_long_line(struct session *s)
{
	char msg[128];
	snprintf(msg, sizeof(msg), "skipped an incoming line longer than %zu bytes (--max-line)",
		 s->in.codec.u.line.max);
	if (s->ev->on_warning)
		s->ev->on_warning(s->ctx, msg);
}

static bool reading(void *ctx)
{
	const struct session *s = ctx;
	return !conn_closing(s->conn);
}

static void on_unit(void *ctx, const struct codec_unit *u, const char *raw)
{
	struct session *s = ctx;
	(void)raw;
	if (s->proto == PROTO_CHAT)
		note_chat_line(s, u->data, u->len);
	s->ev->on_unit(s->ctx, u->data, u->len);
}

/* A long line is skipped with a warning; a frame stream cannot be
 * resynchronised after a bad length. */
static void on_oversize(void *ctx, size_t announced)
{
	struct session *s = ctx;
	if (s->in.codec.kind == CODEC_LINE) {
		warn_long_line(s);
		return;
	}
	s->end = END_OVERSIZE;
	s->oversize = announced;
	conn_close(s->conn, CONN_CLOSE_OVERSIZE);
}

static const struct framed_ops session_framing = {
	.proceed = reading,
	.on_unit = on_unit,
	.on_oversize = on_oversize,
};

static size_t on_data(struct conn *c, const char *data, size_t len)
{
	struct session *s = conn_session(c);
	size_t off = framed_decode(&s->in, data, len, &session_framing, s);
	if (conn_closing(c))
		off = len; /* nothing more will be decoded: do not keep it */
	s->partial = len - off;
	return off;
}

static void on_eof(struct conn *c)
{
	struct session *s = conn_session(c);
	/* A partial line at EOF is simply dropped, as the server does; a
	 * partial frame means the stream was cut. */
	bool cut = s->partial > 0 && s->proto == PROTO_FRAME;
	if (s->end == END_NONE)
		s->end = cut ? END_TRUNCATED : END_PEER_EOF;
	conn_close(c, CONN_CLOSE_EOF);
}

static void on_close(struct conn *c)
{
	struct session *s = conn_session(c);
	if (s->end == END_NONE) {
		s->end = END_PEER_LOST;
		s->loss = loss_from_reason(conn_close_reason(c));
	}
	s->conn = NULL;
	if (!s->destroying && s->ev->on_end)
		s->ev->on_end(s->ctx);
}

static const struct conn_handler handler = {
	.on_data = on_data,
	.on_eof = on_eof,
	.on_close = on_close,
};

/* ---- lifecycle ---- */

struct session *session_create(struct loop *loop, const struct session_config *cfg,
			       const struct session_events *ev, void *ctx)
{
	struct session *s = xcalloc(1, sizeof(*s));
	/* The client has one connection and applies its own backpressure on
	 * stdin, so the slow-consumer limit must never trigger; with no log
	 * the net layer stays silent. */
	struct net_config nc = {.max_clients = 1, .sendq = SIZE_MAX, .drain_ms = DRAIN_MS};
	s->net = net_create(loop, NULL, &nc);
	s->ev = ev;
	s->ctx = ctx;
	s->proto = cfg->proto;
	s->cfg = *cfg;
	if (cfg->tls) {
		struct tls_client_config tc = {cfg->ca_file, cfg->host, cfg->insecure};
		char err[256];
		s->tls = tls_client_create(&tc, err, sizeof(err)); /* checked by main */
	}
	return s;
}

void session_destroy(struct session *s)
{
	if (!s)
		return;
	s->destroying = true;
	net_destroy(s->net);
	tls_client_destroy(s->tls);
	buf_release(&s->scratch);
	free(s);
}

bool session_start(struct session *s, int fd)
{
	/* Everything about the previous connection is forgotten. */
	struct codec codec;
	proto_codec(s->cfg.proto, s->cfg.max_line, s->cfg.max_frame, &codec);
	framed_init(&s->in, &codec);
	s->end = END_NONE;
	s->loss = LOSS_FAILED;
	s->partial = 0;
	s->oversize = 0;
	s->quit_sent = false;
	s->last_error[0] = '\0';
	if (s->cfg.tls && !s->tls) {
		close(fd);
		return false;
	}
	s->conn = net_adopt_transport(s->net, fd, s->tls ? tls_client_factory(s->tls) : NULL,
				      &handler, NULL);
	if (!s->conn) {
		close(fd);
		return false;
	}
	conn_set_session(s->conn, s);
	return true;
}

/* ---- outgoing ---- */

/* Length of a line without its "\n" or "\r\n" (filter mode keeps them). */
static size_t text_len(const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	return len;
}

void session_send_line(struct session *s, const char *line, size_t len)
{
	if (!session_open(s))
		return;
	if (s->proto == PROTO_CHAT && chat_is_quit(line, text_len(line, len)))
		s->quit_sent = true;
	proto_encode_line(s->proto, line, len, &s->scratch);
	conn_send_bytes(s->conn, buf_head(&s->scratch), buf_len(&s->scratch));
	buf_consume(&s->scratch, buf_len(&s->scratch));
}

static void send_command(struct session *s, const char *word, const char *arg)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%s %s", word, arg);
	if (n > 0 && (size_t)n < sizeof(line))
		session_send_line(s, line, (size_t)n);
}

void session_greet(struct session *s, const char *user, const char *room)
{
	if (s->proto != PROTO_CHAT)
		return;
	if (user[0])
		send_command(s, "USERNAME", user);
	if (room[0])
		send_command(s, "JOIN", room);
}

/* ---- state ---- */

bool session_open(const struct session *s)
{
	return s->conn && !conn_closing(s->conn);
}

size_t session_queued(const struct session *s)
{
	if (!s->conn)
		return 0;
	struct conn_info info;
	conn_get_info(s->conn, &info);
	return info.queued;
}

uint64_t session_bytes_out(const struct session *s)
{
	struct net_stats st;
	net_get_stats(s->net, &st);
	return st.bytes_out;
}

void session_close(struct session *s, bool flush_first)
{
	if (!session_open(s))
		return;
	if (s->end == END_NONE)
		s->end = END_LOCAL;
	if (flush_first)
		conn_close_after_flush(s->conn, CONN_CLOSE_LOCAL);
	else
		conn_close(s->conn, CONN_CLOSE_LOCAL);
}

/* ---- judgement ---- */

int session_verdict(const struct session *s, bool input_done, char *msg, size_t msglen)
{
	bool expected = input_done || s->quit_sent;
	switch (s->end) {
	case END_NONE:
	case END_LOCAL:
		return 0;
	case END_OVERSIZE:
		snprintf(msg, msglen, "server sent a %zu-byte frame, over --max-frame %zu",
			 s->oversize, s->in.codec.u.frame.max);
		return 1;
	case END_TRUNCATED:
		snprintf(msg, msglen, "server closed the connection in the middle of a frame");
		return 1;
	case END_PEER_EOF:
	case END_PEER_LOST:
		break;
	}
	if (s->last_error[0]) {
		snprintf(msg, msglen, "server closed the connection: %s", s->last_error);
		return 1;
	}
	if (s->end == END_PEER_LOST && s->loss == LOSS_TLS) {
		snprintf(msg, msglen, "%s: %s", loss_texts[s->loss], tls_client_error(s->tls));
		return 1;
	}
	if (s->end == END_PEER_LOST && !s->quit_sent) {
		snprintf(msg, msglen, "%s", loss_texts[s->loss]);
		return 1;
	}
	if (expected)
		return 0;
	snprintf(msg, msglen, "server closed the connection");
	return 1;
}
