/* check: output and state invariants for the whole-path fuzz target. Chat
 * output is parsed just enough to know each line's shape; relay and frame
 * output is matched against what the group's members actually sent: a frame
 * as sent, or (from a member typing lines) a typed line as its payload. */
#include "check.h"

#include <string.h>

#include "fuzz.h"
#include "dialect/chat_private.h"
#include "dialect/irc_msg.h"
#include "hub/hub.h"
#include "net/net.h"
#include "util/utf8.h"
#include "world.h"

/* Longest legal chat line: USERLIST with four 32-byte names, or a ROOM line
 * with a 32-byte room, a 32-byte name and a whole --max-line of text, or
 * of an IRC user's text (up to an IRC line). */
enum { CHAT_LINE_BOUND = 5 + 32 + 1 + 32 + 1 + IRC_LINE_MAX };
_Static_assert((int)WORLD_MAX_LINE <= (int)IRC_LINE_MAX, "chat text bound");

/* ---- chat ---- */

/* Splits off the next space-separated field of p[0..n). */
static size_t field(const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	return sp ? (size_t)(sp - p) : n;
}

static bool starts(const char *p, size_t n, const char *word, size_t *rest)
{
	size_t k = strlen(word);
	if (n < k || memcmp(p, word, k) != 0)
		return false;
	*rest = k;
	return true;
}

/* "<#room> <name>" (JOIN, LEAVE) or "<#room> <name> <text>" (ROOM). */
static void check_room_event(const char *p, size_t n, bool has_text)
{
	size_t r = field(p, n);
	FUZZ_CHECK(hub_room_valid(p, r) && r < n);
	p += r + 1, n -= r + 1;
	size_t u = field(p, n);
	FUZZ_CHECK(hub_name_valid(p, u));
	FUZZ_CHECK(has_text ? u < n : u == n);
}

/* Moderation lines: "<#room> <by> <rest>" (KICK, MODE, BAN, UNBAN: a rest
 * is required) or "<#room> <by>[ <text>]" and "<#room> *" (TOPIC). */
static void check_moderation(const char *p, size_t n, bool needs_rest)
{
	size_t r = field(p, n);
	FUZZ_CHECK(hub_room_valid(p, r) && r < n);
	p += r + 1, n -= r + 1;
	size_t u = field(p, n);
	FUZZ_CHECK(hub_name_valid(p, u) || (!needs_rest && u == 1 && p[0] == '*'));
	FUZZ_CHECK(needs_rest ? u + 1 < n : u == n || u + 1 < n);
}

static void check_chat_body(const char *p, size_t n)
{
	size_t k;
	if (starts(p, n, "KICK ", &k) || starts(p, n, "MODE ", &k) || starts(p, n, "BAN ", &k) ||
	    starts(p, n, "UNBAN ", &k))
		check_moderation(p + k, n - k, true);
	else if (starts(p, n, "TOPIC ", &k))
		check_moderation(p + k, n - k, false);
	else if (starts(p, n, "ROOM ", &k))
		check_room_event(p + k, n - k, true);
	else if (starts(p, n, "JOIN ", &k) || starts(p, n, "LEAVE ", &k))
		check_room_event(p + k, n - k, false);
	else if (starts(p, n, "PRIVMSG ", &k))
		FUZZ_CHECK(hub_name_valid(p + k, field(p + k, n - k)) && field(p + k, n - k) < n - k);
	else if (starts(p, n, "NICK ", &k))
		FUZZ_CHECK(hub_name_valid(p + k, field(p + k, n - k)) && field(p + k, n - k) < n - k &&
			   hub_name_valid(p + k + field(p + k, n - k) + 1,
					  n - k - field(p + k, n - k) - 1));
	else if (starts(p, n, "OK Welcome, ", &k))
		FUZZ_CHECK(n > k && p[n - 1] == '!' && hub_name_valid(p + k, n - k - 1));
	else
		FUZZ_CHECK(starts(p, n, "OK ", &k) || starts(p, n, "ERROR ", &k) ||
			   starts(p, n, "USERLIST", &k) || starts(p, n, "ROOMLIST", &k) ||
			   starts(p, n, "BANNED ", &k));
}

static void check_chat_line(const char *p, size_t n)
{
	FUZZ_CHECK(n >= 2 && p[n - 2] == '\r');
	n -= 2;
	FUZZ_CHECK(n <= CHAT_LINE_BOUND);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		FUZZ_CHECK(c >= 0x20 || c == '\t');
		FUZZ_CHECK(c != 0x7F);
	}
	FUZZ_CHECK(utf8_valid(p, n));
	check_chat_body(p, n);
}

/* ---- relay and frame ---- */

static bool sent_by(const struct world *w, int slot, const char *p, size_t n)
{
	const struct buf *s = &w->clients[slot].sent;
	return buf_len(s) >= n && memmem(buf_head(s), buf_len(s), p, n) != NULL;
}

/* True if `slot` sent `payload` as a typed line: followed by "\n" or
 * "\r\n" (a frame listener reads a person typing as lines). */
static bool typed_by(const struct world *w, int slot, const char *payload, size_t len)
{
	const struct buf *s = &w->clients[slot].sent;
	if (buf_len(s) <= len || memchr(payload, '\n', len))
		return false;
	const char *at = buf_head(s), *end = at + buf_len(s);
	while ((size_t)(end - at) > len) {
		const char *hit = memmem(at, (size_t)(end - at), payload, len);
		if (!hit || (size_t)(end - hit) <= len)
			return false;
		const char *after = hit + len;
		if (*after == '\n' || (*after == '\r' && after + 1 < end && after[1] == '\n'))
			return true;
		at = hit + 1;
	}
	return false;
}

/* Returns the size of the next complete unit in p[0..n), or 0. */
static size_t next_unit(const struct client *c, const char *p, size_t n)
{
	if (c->kind != KIND_FRAME) {
		const char *nl = memchr(p, '\n', n);
		return nl ? (size_t)(nl - p) + 1 : 0;
	}
	if (n < 4)
		return 0;
	const unsigned char *u = (const unsigned char *)p;
	size_t len = (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | u[3];
	FUZZ_CHECK(len <= WORLD_MAX_FRAME);
	return n >= 4 + len ? 4 + len : 0;
}

/* An IRC line: CR LF once, at the end; at most 510 bytes after the tags
 * (plus the labeled-response/batch tags the server adds); UTF-8. */
static void check_irc_line(const char *p, size_t n)
{
	FUZZ_CHECK(n >= 3 && p[n - 2] == '\r' && p[n - 1] == '\n');
	FUZZ_CHECK(!memchr(p, '\r', n - 2) && !memchr(p, '\0', n));
	const char *body = p;
	if (p[0] == '@') {
		body = memchr(p, ' ', n);
		FUZZ_CHECK(body != NULL && (size_t)(body - p) <= IRC_TAGS_MAX + 80);
		body++;
	}
	FUZZ_CHECK((size_t)(p + n - body) <= IRC_LINE_MAX + 2);
	FUZZ_CHECK(body[0] != ' ');
	FUZZ_CHECK(utf8_valid(p, n));
}

static void check_unit(const struct world *w, int slot, const char *p, size_t n)
{
	switch (w->clients[slot].kind) {
	case KIND_CHAT:
		check_chat_line(p, n);
		break;
	case KIND_IRC:
		check_irc_line(p, n);
		break;
	case KIND_RELAY: /* from the other relay slot only: never echoed */
		FUZZ_CHECK(n <= WORLD_MAX_LINE + 1);
		FUZZ_CHECK(sent_by(w, slot == 4 ? 5 : 4, p, n));
		break;
	case KIND_FRAME: /* from either frame slot: the sender is included */
		FUZZ_CHECK(sent_by(w, 6, p, n) || sent_by(w, 7, p, n) ||
			   typed_by(w, 6, p + 4, n - 4) || typed_by(w, 7, p + 4, n - 4));
		break;
	}
}

void check_output(struct world *w, int slot)
{
	struct client *c = &w->clients[slot];
	size_t n;
	while (buf_len(&c->in) > 0 && (n = next_unit(c, buf_head(&c->in), buf_len(&c->in)))) {
		check_unit(w, slot, buf_head(&c->in), n);
		buf_consume(&c->in, n);
	}
	/* What is left is the start of one unit, never more than a unit. */
	static const size_t bound[] = {
		[KIND_CHAT] = CHAT_LINE_BOUND + 2,
		[KIND_IRC] = IRC_TAGS_MAX + IRC_LINE_MAX + 100,
		[KIND_RELAY] = WORLD_MAX_LINE + 1,
		[KIND_FRAME] = 4 + WORLD_MAX_FRAME,
	};
	FUZZ_CHECK(buf_len(&c->in) < bound[c->kind]);
}

/* ---- hub ---- */

static size_t check_room(const struct hub *hub, const struct hub_room *r)
{
	size_t k = 0;
	for (const struct hub_member *m = hub_first_member(r); m; m = hub_next_member(m)) {
		FUZZ_CHECK(hub_member_room(m) == r);
		FUZZ_CHECK(hub_membership(hub_member_user(m), r) == m);
		k++;
	}
	FUZZ_CHECK(k > 0 && k == hub_room_size(r));
	FUZZ_CHECK(hub_room_valid(hub_room_name(r), hub_room_name_len(r)));
	FUZZ_CHECK(hub_find_room(hub, hub_room_name(r), hub_room_name_len(r)) == r);
	return k;
}

void check_hub(const struct world *w)
{
	const struct hub *hub = w->hub;
	size_t rooms = 0, members = 0, users = 0, placed = 0;
	for (const struct hub_room *r = hub_first_room(hub); r; r = hub_next_room(hub, r)) {
		rooms++;
		members += check_room(hub, r);
	}
	for (const struct hub_user *u = hub_first_user(hub); u; u = hub_next_user(hub, u)) {
		FUZZ_CHECK(hub_name_valid(hub_user_name(u), hub_user_name_len(u)));
		users++;
		/* Chat's rule: one room at a time (IRC users may be in many). */
		FUZZ_CHECK(hub_user_sink(u) != &chat_sink || hub_user_room_count(u) <= 1);
		placed += hub_user_room_count(u);
	}
	FUZZ_CHECK(rooms == hub_room_count(hub));
	FUZZ_CHECK(users == hub_user_count(hub) && users <= 4);
	FUZZ_CHECK(placed == members);
	FUZZ_CHECK(users <= net_active(w->net));
}
