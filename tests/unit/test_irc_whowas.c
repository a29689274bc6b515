/* test_irc_whowas: the WHOWAS ring (dialect/irc_whowas) — empty lookups,
 * newest first, matching ignoring ASCII case only, the bound (the oldest
 * entry makes way, count never passes the capacity, wrap-around order),
 * and fields cut to their sizes without splitting a UTF-8 character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/irc_whowas.h"

static void add(struct irc_whowas *w, const char *nick, const char *uh, uint64_t t)
{
	irc_whowas_add(w, nick, strlen(nick), uh, strlen(uh), "Real", 4, t);
}

/* The times of the entries for `nick`, newest first, as "t1 t2 ...". */
static const char *times(const struct irc_whowas *w, const char *nick)
{
	static char out[256];
	size_t pos = 0, n = 0;
	const struct irc_whowas_entry *e;
	out[0] = '\0';
	while ((e = irc_whowas_next(w, nick, strlen(nick), &pos)))
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%llu", n ? " " : "",
				      (unsigned long long)e->time_s);
	return out;
}

static void test_empty_and_order(void **state)
{
	(void)state;
	struct irc_whowas *w = irc_whowas_create(8);
	assert_string_equal(times(w, "bob"), "");
	assert_int_equal(irc_whowas_count(w), 0);
	add(w, "bob", "b1@h", 1);
	add(w, "carol", "c@h", 2);
	add(w, "BOB", "b2@h", 3);
	add(w, "bob[", "x@h", 4); /* '[' is not '{' under ascii casemapping */
	assert_string_equal(times(w, "bob"), "3 1");
	assert_string_equal(times(w, "Bob"), "3 1");
	assert_string_equal(times(w, "bob{"), "");
	assert_string_equal(times(w, "bob["), "4");
	size_t pos = 0;
	const struct irc_whowas_entry *e = irc_whowas_next(w, "bob", 3, &pos);
	assert_string_equal(e->nick, "BOB");
	assert_string_equal(e->userhost, "b2@h");
	assert_string_equal(e->realname, "Real");
	irc_whowas_destroy(w);
}

static void test_bound(void **state)
{
	(void)state;
	struct irc_whowas *w = irc_whowas_create(3);
	for (uint64_t t = 1; t <= 7; t++)
		add(w, t % 2 ? "odd" : "even", "u@h", t);
	assert_int_equal(irc_whowas_count(w), 3);
	assert_string_equal(times(w, "odd"), "7 5");
	assert_string_equal(times(w, "even"), "6");
	irc_whowas_destroy(w);
	irc_whowas_destroy(NULL);
}

static void test_fields_cut(void **state)
{
	(void)state;
	struct irc_whowas *w = irc_whowas_create(2);
	char real[200];
	/* 2-byte characters: the cut must not fall inside one */
	for (size_t i = 0; i + 1 < sizeof(real); i += 2)
		memcpy(real + i, "\xc3\xa9", 2);
	char uh[200];
	memset(uh, 'u', sizeof(uh));
	irc_whowas_add(w, "n", 1, uh, sizeof(uh), real, sizeof(real) - 1, 9);
	size_t pos = 0;
	const struct irc_whowas_entry *e = irc_whowas_next(w, "n", 1, &pos);
	assert_non_null(e);
	assert_int_equal(strlen(e->userhost), HUB_ORIGIN_MAX);
	assert_int_equal(strlen(e->realname), IRC_WHOWAS_REAL_MAX);
	assert_null(irc_whowas_next(w, "n", 1, &pos));
	irc_whowas_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_order),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_fields_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
