/* irc_chathistory: CHATHISTORY parameter parsing (irc_chathistory.h). */
#include "dialect/irc_chathistory.h"

#include <string.h>

#include "util/str.h"

static const struct {
	const char *name;
	enum store_anchor anchor;
	size_t refs; /* message references after the target */
} subs[] = {
	{"LATEST", STORE_LATEST, 1}, {"BEFORE", STORE_BEFORE, 1},
	{"AFTER", STORE_AFTER, 1},   {"AROUND", STORE_AROUND, 1},
	{"BETWEEN", STORE_BETWEEN, 2},
};

/* A reference as the extension writes one: "msgid=" or "timestamp="
 * (store_ref_parse also takes a bare id, which IRC does not). */
static bool parse_ref(struct irc_slice s, struct store_ref *out)
{
	bool tagged = (s.len > 6 && memcmp(s.p, "msgid=", 6) == 0) ||
		      (s.len > 10 && memcmp(s.p, "timestamp=", 10) == 0);
	return tagged && store_ref_parse(s.p, s.len, out);
}

static bool parse_limit(struct irc_slice s, size_t max, size_t *out)
{
	if (s.len == 0 || s.len > 9)
		return false;
	size_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		v = v * 10 + (size_t)(s.p[i] - '0');
	}
	if (v == 0)
		return false;
	*out = v < max ? v : max;
	return true;
}

static enum irc_ch_error parse_targets(const struct irc_slice *params, size_t n, size_t max,
				       struct irc_ch_request *out)
{
	if (n < 4)
		return IRC_CH_FEW;
	if (n > 4)
		return IRC_CH_MANY;
	for (size_t i = 0; i < 2; i++) {
		struct store_ref *r = i ? &out->q.b : &out->q.a;
		if (!parse_ref(params[1 + i], r) || !r->by_time) {
			out->bad = params[1 + i];
			return IRC_CH_BAD_REF;
		}
	}
	out->sub = IRC_CH_TARGETS;
	out->q.anchor = STORE_BETWEEN;
	if (!parse_limit(params[3], max, &out->q.limit)) {
		out->bad = params[3];
		return IRC_CH_BAD_LIMIT;
	}
	return IRC_CH_OK;
}

enum irc_ch_error irc_chathistory_parse(const struct irc_slice *params, size_t n, size_t max,
					struct irc_ch_request *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return IRC_CH_FEW;
	out->subcommand = params[0];
	if (max == 0)
		max = 1;
	if (str_equals_nocase(params[0].p, params[0].len, "TARGETS"))
		return parse_targets(params, n, max, out);
	size_t k = 0;
	while (k < sizeof(subs) / sizeof(subs[0]) &&
	       !str_equals_nocase(params[0].p, params[0].len, subs[k].name))
		k++;
	if (k == sizeof(subs) / sizeof(subs[0]))
		return IRC_CH_UNKNOWN;
	size_t want = 3 + subs[k].refs; /* sub, target, refs, limit */
	if (n < want)
		return IRC_CH_FEW;
	if (n > want)
		return IRC_CH_MANY;
	out->sub = IRC_CH_QUERY;
	out->target = params[1];
	out->q.anchor = subs[k].anchor;
	if (out->target.len == 0) {
		out->bad = params[1];
		return IRC_CH_FEW;
	}
	for (size_t i = 0; i < subs[k].refs; i++) {
		struct irc_slice r = params[2 + i];
		struct store_ref *ref = i ? &out->q.b : &out->q.a;
		if (subs[k].anchor == STORE_LATEST && r.len == 1 && r.p[0] == '*')
			continue; /* no lower bound */
		if (!parse_ref(r, ref)) {
			out->bad = r;
			return IRC_CH_BAD_REF;
		}
	}
	if (!parse_limit(params[want - 1], max, &out->q.limit)) {
		out->bad = params[want - 1];
		return IRC_CH_BAD_LIMIT;
	}
	return IRC_CH_OK;
}
