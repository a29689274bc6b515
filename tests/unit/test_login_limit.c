/* test_login_limit: the password-guessing brakes — per connection the wait
 * doubles with each failure (1 s, 2 s, 4 s ... capped at a minute) and a
 * success resets it; per source address LOGIN_LIMIT_PER_ADDRESS failures in
 * a window refuse every connection from it until the window passes, while
 * other addresses and ports of the same address are judged together. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dialect/login_limit.h"

static struct peer peer_v4(uint8_t last, uint16_t port)
{
	struct peer p = {.family = 2, .port = port};
	p.addr[0] = 127;
	p.addr[3] = last;
	return p;
}

static void test_connection_backoff_doubles_and_resets(void **state)
{
	(void)state;
	struct login_limit *l = login_limit_create();
	struct login_attempts c = {0};
	struct peer p = peer_v4(1, 1000);
	assert_true(login_limit_allowed(l, &c, &p, 10000));
	login_limit_failed(l, &c, &p, 10000);
	assert_false(login_limit_allowed(l, &c, &p, 10999));
	assert_true(login_limit_allowed(l, &c, &p, 11000));
	login_limit_failed(l, &c, &p, 11000);
	assert_false(login_limit_allowed(l, &c, &p, 12999));
	assert_true(login_limit_allowed(l, &c, &p, 13000));
	for (int i = 0; i < 20; i++)
		login_limit_failed(l, &c, &p, 13000);
	assert_int_equal(c.next_try_ms, 13000 + LOGIN_LIMIT_MAX_DELAY_MS);
	login_limit_succeeded(&c);
	assert_int_equal(c.failures, 0);
	login_limit_destroy(l);
}

static void test_address_window(void **state)
{
	(void)state;
	struct login_limit *l = login_limit_create();
	uint64_t now = 500000;
	for (int i = 0; i < LOGIN_LIMIT_PER_ADDRESS; i++) {
		struct login_attempts fresh = {0};
		struct peer p = peer_v4(9, (uint16_t)(2000 + i)); /* a new port each time */
		assert_true(login_limit_allowed(l, &fresh, &p, now));
		login_limit_failed(l, &fresh, &p, now);
	}
	struct login_attempts fresh = {0};
	struct peer same = peer_v4(9, 3000), other = peer_v4(10, 3000);
	assert_false(login_limit_allowed(l, &fresh, &same, now + 1));
	assert_true(login_limit_allowed(l, &fresh, &other, now + 1));
	assert_true(login_limit_allowed(l, &fresh, &same, now + LOGIN_LIMIT_WINDOW_MS));
	login_limit_destroy(l);
}

static void test_many_addresses_stay_bounded(void **state)
{
	(void)state;
	struct login_limit *l = login_limit_create();
	for (uint32_t i = 0; i < 3 * LOGIN_LIMIT_ADDRESSES; i++) {
		struct login_attempts c = {0};
		struct peer p = {.family = 10};
		memcpy(p.addr, &i, sizeof(i));
		login_limit_failed(l, &c, &p, 1000);
	}
	login_limit_destroy(l); /* no leak under ASan/valgrind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connection_backoff_doubles_and_resets),
		cmocka_unit_test(test_address_window),
		cmocka_unit_test(test_many_addresses_stay_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
