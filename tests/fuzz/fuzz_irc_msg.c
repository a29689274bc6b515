/* fuzz_irc_msg: the IRC line parser and writer (dialect/irc_msg.h) by
 * round trip. A line that parses is written back (tags unescaped and
 * re-escaped, source, command, parameters) and must: fit (the rewrite is
 * never longer than the original, whose parts were within the limits),
 * parse again to the same tags, source, command and parameters, and be
 * written back byte for byte the same (the writer's form is a fixed
 * point). Every slice lies inside the line, and the parts equal those of
 * a reference that first splits the line into space-separated words. The same bytes also drive the
 * text helpers: chunking stays on UTF-8 boundaries and makes progress,
 * a comma list re-joins to the input, and an ACKed CAP REQ names only
 * known capabilities. */
#include <stdbool.h>
#include <string.h>

#include "dialect/irc_caps.h"
#include "dialect/irc_msg.h"
#include "dialect/irc_text.h"
#include "fuzz.h"

enum { OUT_MAX = IRC_TAGS_MAX + IRC_LINE_MAX + 2 };

static bool inside(struct irc_slice s, const char *line, size_t n)
{
	return s.len == 0 || (s.p >= line && s.p + s.len <= line + n);
}

static bool slice_eq(struct irc_slice a, struct irc_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* nick ['!' user] ['@' host] tile the source exactly. */
static void check_source_split(struct irc_slice src)
{
	struct irc_slice nick, user, host;
	irc_source_split(src, &nick, &user, &host);
	const char *end = src.p + src.len, *q = nick.p + nick.len;
	FUZZ_CHECK(nick.p == src.p && !memchr(nick.p, '!', nick.len));
	if (q < end && *q == '!') {
		FUZZ_CHECK(user.p == q + 1);
		q = user.p + user.len;
	} else {
		FUZZ_CHECK(user.len == 0);
	}
	if (q < end && *q == '@') {
		FUZZ_CHECK(host.p == q + 1 && !memchr(host.p, '@', host.len));
		q = host.p + host.len;
	} else {
		FUZZ_CHECK(host.len == 0);
	}
	FUZZ_CHECK(q == end);
}

static void check_slices(const struct irc_msg *m, const char *line, size_t n)
{
	check_source_split(m->source);
	FUZZ_CHECK(inside(m->tags, line, n) && inside(m->source, line, n));
	FUZZ_CHECK(inside(m->command, line, n) && m->command.len > 0);
	FUZZ_CHECK(m->nparams <= IRC_MAX_PARAMS);
	for (size_t i = 0; i < m->nparams; i++) {
		FUZZ_CHECK(inside(m->params[i], line, n));
		bool last = i + 1 == m->nparams;
		if (!(last && m->trailing))
			FUZZ_CHECK(m->params[i].len > 0 && m->params[i].p[0] != ':' &&
				   !memchr(m->params[i].p, ' ', m->params[i].len));
	}
}

/* The reference: words are maximal runs of non-space bytes; an '@' word
 * first is the tags, then a ':' word is the source, then the command; of
 * the rest, a word starting with ':' takes everything after that ':' to
 * the end of the line, and every other word is a parameter. */
static void check_reference(const struct irc_msg *m, const char *line, size_t n)
{
	static struct irc_slice words[IRC_TAGS_MAX + IRC_LINE_MAX];
	size_t nw = 0;
	for (size_t i = 0; i < n;) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && line[j] != ' ')
			j++;
		words[nw++] = (struct irc_slice){line + i, j - i};
		i = j;
	}
	size_t k = 0;
	struct irc_slice tags = {NULL, 0}, source = {NULL, 0};
	if (k < nw && words[k].p[0] == '@') {
		tags = (struct irc_slice){words[k].p + 1, words[k].len - 1};
		k++;
	}
	if (k < nw && words[k].p[0] == ':') {
		source = (struct irc_slice){words[k].p + 1, words[k].len - 1};
		k++;
	}
	FUZZ_CHECK(k < nw && slice_eq(tags, m->tags) && slice_eq(source, m->source));
	FUZZ_CHECK(slice_eq(words[k++], m->command));
	size_t np = 0;
	for (; k < nw; k++, np++) {
		FUZZ_CHECK(np < m->nparams);
		if (words[k].p[0] == ':') {
			const char *t = words[k].p + 1;
			FUZZ_CHECK(m->trailing && np + 1 == m->nparams);
			FUZZ_CHECK(slice_eq((struct irc_slice){t, (size_t)(line + n - t)}, m->params[np]));
			return;
		}
		FUZZ_CHECK(slice_eq(words[k], m->params[np]));
	}
	FUZZ_CHECK(np == m->nparams && !m->trailing);
}

/* Writes m back into out; returns the writer's status, length in *len. */
static enum irc_write rewrite(const struct irc_msg *m, char *out, size_t cap, size_t *len)
{
	static char value[IRC_TAGS_MAX], key[IRC_TAGS_MAX + 1];
	struct irc_writer w;
	irc_writer_init(&w, out, cap);
	size_t pos = 0;
	struct irc_tag t;
	while (irc_tag_next(m->tags, &pos, &t)) {
		size_t vn = irc_tag_unescape(t.value, value, sizeof(value));
		memcpy(key, t.key.p, t.key.len);
		key[t.key.len] = '\0';
		/* an empty value is the same as none (message-tags spec) */
		irc_writer_tag(&w, key, vn ? value : NULL, vn);
	}
	if (m->source.len)
		irc_writer_source(&w, m->source.p, m->source.len);
	irc_writer_command(&w, m->command.p, m->command.len);
	for (size_t i = 0; i + 1 < m->nparams; i++)
		irc_writer_param(&w, m->params[i].p, m->params[i].len);
	if (m->nparams)
		irc_writer_last(&w, m->params[m->nparams - 1].p, m->params[m->nparams - 1].len);
	enum irc_write st = irc_writer_finish(&w);
	*len = w.len;
	return st;
}

/* Same tags in the same order with the same unescaped values. */
static void check_same_tags(struct irc_slice a, struct irc_slice b)
{
	static char va[IRC_TAGS_MAX], vb[IRC_TAGS_MAX];
	size_t pa = 0, pb = 0;
	struct irc_tag ta, tb;
	for (;;) {
		bool more_a = irc_tag_next(a, &pa, &ta), more_b = irc_tag_next(b, &pb, &tb);
		FUZZ_CHECK(more_a == more_b);
		if (!more_a)
			return;
		FUZZ_CHECK(slice_eq(ta.key, tb.key));
		size_t na = irc_tag_unescape(ta.value, va, sizeof(va));
		size_t nb = irc_tag_unescape(tb.value, vb, sizeof(vb));
		FUZZ_CHECK(na == nb && memcmp(va, vb, na) == 0);
	}
}

static void check_round_trip(const struct irc_msg *m)
{
	static char out[OUT_MAX], again[OUT_MAX];
	size_t n, n2;
	FUZZ_CHECK(rewrite(m, out, sizeof(out), &n) == IRC_WRITE_OK);
	FUZZ_CHECK(n >= 2 && out[n - 2] == '\r' && out[n - 1] == '\n');
	struct irc_msg m2;
	FUZZ_CHECK(irc_parse(out, n - 2, &m2) == IRC_OK);
	check_same_tags(m->tags, m2.tags);
	FUZZ_CHECK(slice_eq(m->source, m2.source) && slice_eq(m->command, m2.command));
	FUZZ_CHECK(strcmp(m->cmd, m2.cmd) == 0 && m->nparams == m2.nparams);
	for (size_t i = 0; i < m->nparams; i++)
		FUZZ_CHECK(slice_eq(m->params[i], m2.params[i]));
	FUZZ_CHECK(rewrite(&m2, again, sizeof(again), &n2) == IRC_WRITE_OK);
	FUZZ_CHECK(n2 == n && memcmp(out, again, n) == 0);
}

/* A writer squeezed to `cap` bytes either fits, or cuts only the last
 * parameter to a prefix, or reports OVERFLOW; never a broken line. */
static void check_squeezed(const struct irc_msg *m, size_t cap)
{
	static char out[OUT_MAX];
	size_t n;
	enum irc_write st = rewrite(m, out, cap, &n);
	if (st == IRC_WRITE_OVERFLOW)
		return;
	FUZZ_CHECK(st == IRC_WRITE_OK || st == IRC_WRITE_TRUNCATED);
	FUZZ_CHECK(n <= cap && n >= 2 && out[n - 2] == '\r' && out[n - 1] == '\n');
	struct irc_msg m2;
	FUZZ_CHECK(irc_parse(out, n - 2, &m2) == IRC_OK);
	FUZZ_CHECK(m2.nparams <= m->nparams);
	if (st == IRC_WRITE_TRUNCATED && m2.nparams == m->nparams) {
		struct irc_slice last = m->params[m->nparams - 1];
		struct irc_slice cut = m2.params[m2.nparams - 1];
		FUZZ_CHECK(cut.len < last.len && memcmp(cut.p, last.p, cut.len) == 0);
	}
}

static void check_text_helpers(const char *p, size_t n, size_t budget)
{
	for (size_t off = 0; off < n;) {
		size_t c = irc_text_chunk(p + off, n - off, budget);
		FUZZ_CHECK(c <= budget && c <= n - off);
		if (c == 0) {
			FUZZ_CHECK(budget < 4);
			break;
		}
		off += c;
	}
	size_t pos = 0, joined = 0, items = 0, len;
	const char *item;
	while (irc_list_next(p, n, &pos, &item, &len)) {
		FUZZ_CHECK(item == p + joined && (item + len == p + n || item[len] == ','));
		joined += len + 1;
		items++;
	}
	FUZZ_CHECK(n == 0 ? items == 0 : joined == n + 1);
}

static const struct irc_cap fuzz_caps[] = {{"cap-notify", NULL, true},
					   {"message-tags", NULL, false},
					   {"sasl", "PLAIN", false},
					   {"sts", "port=6697", false}};
/* sts only informs: a REQ naming it is NAK, so its bit is never set */
static const struct irc_cap_table fuzz_table = {
	.caps = fuzz_caps, .n = 4, .listed_only = 1u << 3, .needs_value = 1u << 3};

static void check_cap_req(const char *p, size_t n)
{
	uint32_t on, off;
	if (!irc_cap_req(&fuzz_table, p, n, &on, &off)) {
		FUZZ_CHECK(on == 0 && off == 0);
		return;
	}
	FUZZ_CHECK((on & off) == 0 && ((on | off) & ~UINT32_C(7)) == 0 && (on | off) != 0);
	FUZZ_CHECK(!(off & 1)); /* cap-notify is sticky */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct irc_msg m;
	enum irc_parse r = irc_parse(line, size, &m);
	FUZZ_CHECK(strcmp(irc_parse_name(r), "?") != 0);
	if (r == IRC_OK) {
		check_slices(&m, line, size);
		check_reference(&m, line, size);
		check_round_trip(&m);
		check_squeezed(&m, size ? (size_t)data[0] * 4 : 0);
	}
	check_text_helpers(line, size, size ? (size_t)data[size - 1] % 16 : 1);
	check_cap_req(line, size);
	return 0;
}
