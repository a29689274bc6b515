/* fuzz_client_chat: the client's readers of chat text (client/chat.c and
 * client/joinview.c). The input is cut into lines; each is parsed as a
 * server line and fed to a joinview (a line starting with "J" first
 * counts as a JOIN of ours, so the view goes through all its phases), and
 * read as a typed line by the join completion and the unknown-command
 * check. Invariants: every span lies inside its line; a completed join is
 * the typed line with at most one '#' inserted and only after "/join " or
 * "JOIN "; the member list only grows by names that were in JOIN lines; no
 * read past a line (ASan). */
#include <stdbool.h>
#include <string.h>

/* The server's dialect, linked into every target, has a chat_parse of its
 * own: the client's is renamed in this file. */
#define chat_parse client_chat_parse
#include "../../client/chat.c"
#include "../../client/joinview.c"
#include "fuzz.h"

static bool inside(struct span s, const char *line, size_t n)
{
	return s.len == 0 || (s.p >= line && s.p + s.len <= line + n);
}

static void check_completion(const char *line, size_t n)
{
	char out[600];
	size_t got;
	if (!chat_complete_join(line, n, out, sizeof(out), &got)) {
		FUZZ_CHECK(n + 1 >= sizeof(out));
		return;
	}
	FUZZ_CHECK(got == n || got == n + 1);
	FUZZ_CHECK(out[got] == '\0');
	if (got == n) {
		FUZZ_CHECK(memcmp(out, line, n) == 0);
		return;
	}
	FUZZ_CHECK(chat_is_join(line, n));
	size_t at = (size_t)(strchr(out, ' ') - out) + 1;
	FUZZ_CHECK(out[at] == '#');
	FUZZ_CHECK(memcmp(out, line, at) == 0 && memcmp(out + at + 1, line + at, n - at) == 0);
}

static void one_line(struct joinview *jv, const char *line, size_t n)
{
	struct chat_event ev;
	struct span room, word;
	size_t count;
	chat_parse(line, n, &ev);
	FUZZ_CHECK(ev.kind <= CHAT_OTHER);
	FUZZ_CHECK(inside(ev.room, line, n) && inside(ev.user, line, n) &&
		   inside(ev.text, line, n));
	if (chat_joined_count(&ev, &room, &count))
		FUZZ_CHECK(ev.kind == CHAT_OK && inside(room, line, n) && room.len > 0);
	if (n > 0 && line[0] == 'J')
		joinview_sent_join(jv);
	size_t before = joinview_members(jv).len;
	enum joinview_verdict v = joinview_classify(jv, &ev);
	FUZZ_CHECK(v <= JOINVIEW_MEMBERS);
	if (v == JOINVIEW_HISTORY)
		FUZZ_CHECK(ev.kind == CHAT_ROOM);
	if (joinview_members(jv).len > before)
		FUZZ_CHECK(ev.kind == CHAT_JOIN);
	if (chat_is_unknown_command(line, n, &word))
		FUZZ_CHECK(inside(word, line, n) && word.len > 0 && word.p == line &&
			   line[0] == '/');
	check_completion(line, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joinview jv;
	joinview_init(&jv);
	const char *p = (const char *)data;
	const char *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* Each line on its own heap block, so that ASan sees an over-read. */
		char *line = malloc(n ? n : 1);
		memcpy(line, p, n);
		one_line(&jv, line, n);
		free(line);
		p += n + (nl ? 1 : 0);
	}
	joinview_release(&jv);
	return 0;
}
