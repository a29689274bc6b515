/* test_client_backoff: client/backoff — the reconnect schedule: 1 s after
 * the connection is lost, doubling after each failed attempt, 30 s at most
 * and for ever after, with no overflow however long the outage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../client/backoff.c"

static void test_schedule(void **state)
{
	(void)state;
	const uint64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(backoff_delay_ms(i), want[i]);
}

static void test_long_outage(void **state)
{
	(void)state;
	assert_int_equal(backoff_delay_ms(64), BACKOFF_MAX_MS);
	assert_int_equal(backoff_delay_ms(1000000), BACKOFF_MAX_MS);
	assert_int_equal(backoff_delay_ms(UINT32_MAX), BACKOFF_MAX_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_long_outage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
