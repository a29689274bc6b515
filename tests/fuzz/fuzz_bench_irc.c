/* fuzz_bench_irc: parley-bench's IRC scanner (bench/proto_irc.c), which
 * reads whatever an IRC server under test sends. Byte 0 seeds the
 * chunking, the rest is the stream. The stream is scanned whole and in
 * pseudo-random chunks (unconsumed bytes re-offered with more appended, as
 * conn.c does); both must yield the same units, every unit must point
 * inside the bytes offered, payloads must have the run's size, and replies
 * must be whole CRLF-terminated lines. bench_irc_parse() is checked on every
 * line: its pointers stay inside the line and the command has no space. */
#include <string.h>

#include "../../bench/proto_irc.c"
#include "fuzz.h"
#include "util/alloc.h"
#include "util/buf.h"

enum { SIZE = 32 };

static void check_parse(const char *p, size_t n)
{
	struct bench_irc_line l;
	if (!bench_irc_parse(p, n, &l))
		return;
	FUZZ_CHECK(l.cmd >= p && l.cmd + l.cmd_len <= p + n && l.cmd_len > 0);
	FUZZ_CHECK(memchr(l.cmd, ' ', l.cmd_len) == NULL);
	FUZZ_CHECK(!l.last || (l.last >= p && l.last + l.last_len <= p + n));
	FUZZ_CHECK(!l.first || (l.first >= p && l.first + l.first_len <= p + n));
	FUZZ_CHECK((l.nparams == 0) == (l.last == NULL));
}

static void check_unit(const struct unit *u, const char *p, size_t n, const struct scan_state *st)
{
	FUZZ_CHECK(u->used <= n);
	if (u->kind == UNIT_NEED_MORE)
		return;
	FUZZ_CHECK(u->used > 0);
	if (u->kind == UNIT_PAYLOAD) {
		FUZZ_CHECK(u->len == SIZE && u->data >= p && u->data + u->len <= p + u->used);
	} else if (u->kind == UNIT_REPLY) {
		FUZZ_CHECK(u->data == st->reply && u->len >= 2 && u->len < IRC_REPLY_MAX);
		FUZZ_CHECK(memcmp(u->data + u->len - 2, "\r\n", 2) == 0);
	}
}

static void log_unit(struct buf *log, const struct unit *u)
{
	unsigned char k = (unsigned char)u->kind;
	buf_append(log, &k, 1);
	if (u->kind == UNIT_PAYLOAD || u->kind == UNIT_REPLY)
		buf_append(log, u->data, u->len);
}

/* Scans p[0..n) offered in chunks (chunk 0: all at once). */
static void drive(const char *p, size_t n, uint64_t seed, struct buf *log)
{
	struct scan_state st;
	proto_irc.scan_init(&st, 1, 0, SIZE);
	char *held = xmalloc(n + 1);
	size_t have = 0, fed = 0;
	while (fed < n) {
		size_t piece = seed ? 1 + fuzz_rand(&seed) % 64 : n;
		piece = piece > n - fed ? n - fed : piece;
		memcpy(held + have, p + fed, piece);
		have += piece;
		fed += piece;
		size_t off = 0;
		while (off < have) {
			struct unit u;
			proto_irc.next(&st, held + off, have - off, &u);
			check_unit(&u, held + off, have - off, &st);
			off += u.used;
			if (u.kind == UNIT_NEED_MORE)
				break;
			log_unit(log, &u);
		}
		memmove(held, held + off, have - off);
		have -= off;
	}
	free(held);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	for (size_t start = 0, i = 0; i < n; i++) {
		if (p[i] == '\n') {
			check_parse(p + start, i - start);
			start = i + 1;
		}
	}
	struct buf whole = BUF_INIT, chunked = BUF_INIT;
	drive(p, n, 0, &whole);
	drive(p, n, data[0] + 1u, &chunked);
	FUZZ_CHECK(buf_len(&whole) == buf_len(&chunked));
	FUZZ_CHECK(buf_len(&whole) == 0 ||
		   memcmp(buf_head(&whole), buf_head(&chunked), buf_len(&whole)) == 0);
	buf_release(&whole);
	buf_release(&chunked);
	return 0;
}
