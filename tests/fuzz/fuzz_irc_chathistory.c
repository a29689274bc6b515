/* fuzz_irc_chathistory: CHATHISTORY parameter parsing
 * (dialect/irc_chathistory.h). The input is split on spaces into up to 15
 * parameters. Whatever it is: the subcommand slice is the first parameter;
 * on success the limit is 1..max, the target lies inside the input (empty
 * only for TARGETS, whose two references are times), the parameter count
 * matches the subcommand, and each reference given as "msgid=" or
 * "timestamp=" parses back through store_ref_parse to the same value; a
 * BAD_REF or BAD_LIMIT names a parameter of the input. */
#include <stdbool.h>
#include <string.h>

#include "dialect/irc_chathistory.h"
#include "fuzz.h"

enum { MAX = 100, MAX_PARAMS = 15 };

static bool inside(struct irc_slice s, const char *p, size_t len)
{
	return s.len == 0 || (s.p >= p && s.p + s.len <= p + len);
}

static size_t expected_params(struct irc_slice sub)
{
	static const struct {
		const char *name;
		size_t n;
	} subs[] = {{"LATEST", 4}, {"BEFORE", 4},  {"AFTER", 4},
		    {"AROUND", 4}, {"BETWEEN", 5}, {"TARGETS", 4}};
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		size_t l = strlen(subs[i].name);
		if (sub.len != l)
			continue;
		bool eq = true;
		for (size_t j = 0; j < l; j++) {
			char c = sub.p[j];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			eq = eq && c == subs[i].name[j];
		}
		if (eq)
			return subs[i].n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct irc_slice params[MAX_PARAMS] = {{0}};
	size_t n = 0, i = 0;
	while (i < size && n < MAX_PARAMS) {
		const char *sp = memchr(p + i, ' ', size - i);
		size_t end = sp ? (size_t)(sp - p) : size;
		params[n++] = (struct irc_slice){p + i, end - i};
		i = end + 1;
	}
	struct irc_ch_request r;
	enum irc_ch_error e = irc_chathistory_parse(params, n, MAX, &r);
	if (n == 0) {
		FUZZ_CHECK(e == IRC_CH_FEW);
		return 0;
	}
	FUZZ_CHECK(r.subcommand.p == params[0].p && r.subcommand.len == params[0].len);
	FUZZ_CHECK(inside(r.bad, p, size) && inside(r.target, p, size));
	size_t want = expected_params(params[0]);
	if (e == IRC_CH_UNKNOWN)
		FUZZ_CHECK(want == 0);
	if (e != IRC_CH_OK)
		return 0;
	FUZZ_CHECK(want == n);
	FUZZ_CHECK(r.q.limit >= 1 && r.q.limit <= MAX);
	if (r.sub == IRC_CH_TARGETS) {
		FUZZ_CHECK(r.target.len == 0 && r.q.a.by_time && r.q.b.by_time);
		return 0;
	}
	FUZZ_CHECK(r.target.len > 0 && r.target.p == params[1].p);
	struct store_ref again;
	struct irc_slice ref = params[2];
	if (!(ref.len == 1 && ref.p[0] == '*')) {
		FUZZ_CHECK(store_ref_parse(ref.p, ref.len, &again));
		FUZZ_CHECK(again.value == r.q.a.value && again.by_time == r.q.a.by_time);
	}
	return 0;
}
