/* test_client_joinview: client/joinview — telling a join's answer apart.
 * Without a JOIN of ours pending every line is shown as it is. After one:
 * the n members announced by "OK Joined #r (n users)" are taken into one
 * list (complete at the n-th, in order, "a, b, c"), the ROOM lines after
 * them are history until the marker's "ERROR Unknown command", which is
 * hidden, and live lines follow. A failed join shows its error and still
 * hides the marker's answer; an unregistered client's two errors show only
 * the first; fewer members than announced end the list early; joins one
 * after another each get their own list; a reset forgets a pending join.
 * The pure sources (joinview, chat) are compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/chat.c"
#include "../../client/joinview.c"

static enum joinview_verdict feed(struct joinview *jv, const char *line)
{
	struct chat_event ev;
	chat_parse(line, strlen(line), &ev);
	return joinview_classify(jv, &ev);
}

static void assert_members(const struct joinview *jv, const char *room, const char *want)
{
	struct span m = joinview_members(jv);
	assert_string_equal(joinview_room(jv), room);
	assert_int_equal(m.len, strlen(want));
	assert_memory_equal(m.p, want, m.len);
}

static void test_nothing_pending(void **state)
{
	(void)state;
	struct joinview jv;
	joinview_init(&jv);
	assert_int_equal(feed(&jv, "OK Joined #a (1 users)"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #a bob"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ROOM #a bob hi"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_SHOW);
	joinview_release(&jv);
}

static void test_members_history_live(void **state)
{
	(void)state;
	struct joinview jv;
	joinview_init(&jv);
	assert_int_equal(feed(&jv, "ROOM #old x before"), JOINVIEW_SHOW);
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "PRIVMSG x still live"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "OK Joined #a (3 users)"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #a ann"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "JOIN #a bob"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "JOIN #a cy"), JOINVIEW_MEMBERS);
	assert_members(&jv, "#a", "ann, bob, cy");
	assert_int_equal(feed(&jv, "ROOM #a ann one"), JOINVIEW_HISTORY);
	assert_int_equal(feed(&jv, "ROOM #a bob two"), JOINVIEW_HISTORY);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "ROOM #a bob live"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #a dan"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_SHOW);
	joinview_release(&jv);
}

static void test_empty_room(void **state)
{
	(void)state;
	struct joinview jv;
	joinview_init(&jv);
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "OK Joined #a (0 users)"), JOINVIEW_SHOW);
	assert_members(&jv, "#a", "");
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "ROOM #a me hi"), JOINVIEW_SHOW);
	joinview_release(&jv);
}

static void test_failed_joins(void **state)
{
	(void)state;
	struct joinview jv;
	joinview_init(&jv);
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "ERROR Invalid room name"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	/* Not registered: the marker gets the same answer in every state. */
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "ERROR Set a username first"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "ERROR Set a username first"), JOINVIEW_SHOW);
	joinview_release(&jv);
}

static void test_short_roster_and_two_joins(void **state)
{
	(void)state;
	struct joinview jv;
	joinview_init(&jv);
	joinview_sent_join(&jv);
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "OK Joined #a (2 users)"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #a ann"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "ROOM #a ann h"), JOINVIEW_HISTORY); /* list ended early */
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	assert_int_equal(feed(&jv, "OK Joined #b (1 users)"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #a zed"), JOINVIEW_SHOW); /* another room's */
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_HIDE);
	joinview_sent_join(&jv);
	assert_int_equal(feed(&jv, "OK Joined #c (1 users)"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "JOIN #c amy"), JOINVIEW_MEMBERS);
	assert_members(&jv, "#c", "amy");
	joinview_reset(&jv);
	assert_int_equal(feed(&jv, "ROOM #c amy hi"), JOINVIEW_SHOW);
	assert_int_equal(feed(&jv, "ERROR Unknown command"), JOINVIEW_SHOW);
	joinview_release(&jv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_pending),
		cmocka_unit_test(test_members_history_live),
		cmocka_unit_test(test_empty_room),
		cmocka_unit_test(test_failed_joins),
		cmocka_unit_test(test_short_roster_and_two_joins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
