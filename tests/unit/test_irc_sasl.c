/* test_irc_sasl: dialect/irc_sasl and irc_chathistory — AUTHENTICATE
 * chunking (short chunk ends, a 400-byte chunk asks for more, "+" ends, a
 * chunk over 400 or a payload over the maximum is refused), base64 (every
 * padding form, bad length, bad digit, padding in the middle, non-zero
 * leftover bits, output bound), PLAIN splitting (authzid empty or equal,
 * missing or extra NULs, empty name or password); CHATHISTORY parameters
 * (each subcommand, "*" only for LATEST, msgid= and timestamp= references,
 * bare ids refused, limit bounds and clamping, too few and too many
 * parameters, TARGETS with times only). Inputs sit flush against a guard
 * page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/irc_chathistory.h"
#include "dialect/irc_sasl.h"
#include "testutil.h"

enum { MAX_INPUT = 4096 };

GUARDED_GROUP(MAX_INPUT)

static const char *g(const char *s, size_t n)
{
	return guarded_put(&guard, s, n);
}

/* ---- chunks ---- */

static void test_feed(void **state)
{
	(void)state;
	struct irc_sasl_buf b = {.len = 0};
	assert_int_equal(irc_sasl_feed(&b, "abcd", 4), IRC_SASL_DONE);
	assert_int_equal(b.len, 4);
	char chunk[IRC_SASL_CHUNK + 1];
	memset(chunk, 'A', sizeof(chunk));
	b.len = 0;
	assert_int_equal(irc_sasl_feed(&b, chunk, IRC_SASL_CHUNK), IRC_SASL_MORE);
	assert_int_equal(irc_sasl_feed(&b, chunk, IRC_SASL_CHUNK), IRC_SASL_MORE);
	assert_int_equal(irc_sasl_feed(&b, "+", 1), IRC_SASL_DONE);
	assert_int_equal(b.len, 2 * IRC_SASL_CHUNK);
	assert_int_equal(irc_sasl_feed(&b, chunk, IRC_SASL_CHUNK + 1), IRC_SASL_TOO_LONG);
	b.len = 0;
	for (size_t i = 0; i < IRC_SASL_MAX / IRC_SASL_CHUNK; i++)
		assert_int_equal(irc_sasl_feed(&b, chunk, IRC_SASL_CHUNK), IRC_SASL_MORE);
	assert_int_equal(irc_sasl_feed(&b, "AAAA", 4), IRC_SASL_OVERFLOW);
	b.len = 0;
	assert_int_equal(irc_sasl_feed(&b, "+", 1), IRC_SASL_DONE);
	assert_int_equal(b.len, 0);
}

/* ---- base64 ---- */

static bool b64(const char *in, const char *want, size_t want_len)
{
	char out[64];
	size_t n;
	if (!irc_base64_decode(g(in, strlen(in)), strlen(in), out, sizeof(out), &n))
		return false;
	return n == want_len && memcmp(out, want, n) == 0;
}

static bool b64_bad(const char *in)
{
	char out[64];
	size_t n;
	return !irc_base64_decode(g(in, strlen(in)), strlen(in), out, sizeof(out), &n);
}

static void test_base64(void **state)
{
	(void)state;
	assert_true(b64("", "", 0));
	assert_true(b64("Zg==", "f", 1));
	assert_true(b64("Zm8=", "fo", 2));
	assert_true(b64("Zm9v", "foo", 3));
	assert_true(b64("Zm9vYmFy", "foobar", 6));
	assert_true(b64("AGFsaWNlAHB3", "\0alice\0pw", 9));
	assert_true(b64("+/+/", "\xfb\xff\xbf", 3));
	assert_true(b64_bad("Zg="));        /* length */
	assert_true(b64_bad("Zg=a"));       /* data after padding */
	assert_true(b64_bad("Z==="));       /* three pads */
	assert_true(b64_bad("Zm9v!A=="));   /* bad digit */
	assert_true(b64_bad("Zg==Zg=="));   /* padding in the middle */
	assert_true(b64_bad("Zh=="));       /* leftover bits set */
	assert_true(b64_bad("Zm9="));       /* leftover bits set */
	assert_true(b64_bad("Zm 9"));       /* whitespace */
	char out[2];
	size_t n;
	assert_false(irc_base64_decode(g("Zm9v", 4), 4, out, sizeof(out), &n));
	assert_true(irc_base64_decode(g("Zm8=", 4), 4, out, sizeof(out), &n));
	assert_int_equal(n, 2);
}

/* ---- PLAIN ---- */

static bool plain(const char *p, size_t len, const char *name, const char *pw)
{
	struct irc_sasl_plain out;
	if (!irc_sasl_plain_split(g(p, len), len, &out))
		return false;
	return out.authcid_len == strlen(name) && memcmp(out.authcid, name, strlen(name)) == 0 &&
	       out.password_len == strlen(pw) && memcmp(out.password, pw, strlen(pw)) == 0;
}

static void test_plain(void **state)
{
	(void)state;
	struct irc_sasl_plain out;
	assert_true(plain("\0alice\0secret", 13, "alice", "secret"));
	assert_true(plain("alice\0alice\0secret", 18, "alice", "secret"));
	assert_false(plain("bob\0alice\0secret", 16, "alice", "secret"));
	assert_false(plain("\0alice\0", 7, "alice", ""));         /* empty password */
	assert_false(plain("\0\0secret", 8, "", "secret"));       /* empty name */
	assert_false(plain("\0alice", 6, "alice", ""));           /* one NUL */
	assert_false(plain("\0alice\0se\0cret", 15, "alice", "")); /* three NULs */
	assert_false(irc_sasl_plain_split(g("", 0), 0, &out));
}

/* ---- CHATHISTORY ---- */

static enum irc_ch_error ch(const char *line, size_t max, struct irc_ch_request *out)
{
	static char copy[512];
	struct irc_slice params[8];
	size_t n = 0;
	snprintf(copy, sizeof(copy), "%s", line);
	for (char *w = strtok(copy, " "); w && n < 8; w = strtok(NULL, " "))
		params[n++] = (struct irc_slice){w, strlen(w)};
	return irc_chathistory_parse(params, n, max, out);
}

static void test_chathistory(void **state)
{
	(void)state;
	struct irc_ch_request r;
	assert_int_equal(ch("LATEST #a * 10", 50, &r), IRC_CH_OK);
	assert_int_equal(r.q.anchor, STORE_LATEST);
	assert_int_equal(r.q.a.value, 0);
	assert_int_equal(r.q.limit, 10);
	assert_int_equal(r.target.len, 2);
	assert_int_equal(ch("latest #a msgid=000000000000000a 999", 50, &r), IRC_CH_OK);
	assert_int_equal(r.q.a.value, 10);
	assert_false(r.q.a.by_time);
	assert_int_equal(r.q.limit, 50);
	assert_int_equal(ch("BEFORE nick timestamp=2026-01-02T03:04:05.678Z 5", 50, &r),
			 IRC_CH_OK);
	assert_int_equal(r.q.anchor, STORE_BEFORE);
	assert_true(r.q.a.by_time);
	assert_int_equal(r.q.a.value % 1000, 678);
	assert_int_equal(ch("AFTER #a msgid=0000000000000001 1", 50, &r), IRC_CH_OK);
	assert_int_equal(r.q.anchor, STORE_AFTER);
	assert_int_equal(ch("AROUND #a msgid=0000000000000001 1", 50, &r), IRC_CH_OK);
	assert_int_equal(r.q.anchor, STORE_AROUND);
	assert_int_equal(ch("BETWEEN #a msgid=0000000000000009 timestamp=2020-01-01T00:00:00Z 4",
			    50, &r),
			 IRC_CH_OK);
	assert_int_equal(r.q.anchor, STORE_BETWEEN);
	assert_int_equal(r.q.a.value, 9);
	assert_true(r.q.b.by_time);
	assert_int_equal(ch("TARGETS timestamp=2020-01-01T00:00:00Z timestamp=2021-01-01T00:00:00Z 3",
			    50, &r),
			 IRC_CH_OK);
	assert_int_equal(r.sub, IRC_CH_TARGETS);
	assert_int_equal(r.target.len, 0);
	/* errors */
	assert_int_equal(ch("", 50, &r), IRC_CH_FEW);
	assert_int_equal(ch("SIDEWAYS #a * 1", 50, &r), IRC_CH_UNKNOWN);
	assert_int_equal(ch("LATEST #a *", 50, &r), IRC_CH_FEW);
	assert_int_equal(ch("LATEST #a * 1 2", 50, &r), IRC_CH_MANY);
	assert_int_equal(ch("BEFORE #a * 1", 50, &r), IRC_CH_BAD_REF);
	assert_int_equal(r.bad.len, 1);
	assert_int_equal(ch("BEFORE #a 0000000000000001 1", 50, &r), IRC_CH_BAD_REF);
	assert_int_equal(ch("BEFORE #a msgid= 1", 50, &r), IRC_CH_BAD_REF);
	assert_int_equal(ch("BEFORE #a msgid=zz 1", 50, &r), IRC_CH_BAD_REF);
	assert_int_equal(ch("BEFORE #a timestamp=2020-02-30 1", 50, &r), IRC_CH_BAD_REF);
	assert_int_equal(ch("LATEST #a * 0", 50, &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(ch("LATEST #a * -1", 50, &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(ch("LATEST #a * 1234567890", 50, &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(ch("BETWEEN #a msgid=0000000000000001 1", 50, &r), IRC_CH_FEW);
	assert_int_equal(ch("TARGETS msgid=0000000000000001 timestamp=2021-01-01T00:00:00Z 3",
			    50, &r),
			 IRC_CH_BAD_REF);
	assert_int_equal(ch("TARGETS timestamp=2021-01-01T00:00:00Z 3", 50, &r), IRC_CH_FEW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_chathistory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
