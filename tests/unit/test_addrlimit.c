/* test_addrlimit: connections per source address — --max-per-ip counts
 * open connections per IPv4 address or IPv6 /64 (other addresses and other
 * /64s are separate), a released connection frees its slot, the connect
 * bucket refuses a burst past BURST and lets one in per 1/PER_S, loopback
 * is exempt only when asked, and no limits means nothing is tracked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net/addrlimit.h"

static struct peer v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct peer p = {.family = AF_INET, .port = 4000};
	p.addr[0] = a, p.addr[1] = b, p.addr[2] = c, p.addr[3] = d;
	return p;
}

static struct peer v6(uint16_t net_word, uint16_t host_word)
{
	struct peer p = {.family = AF_INET6, .port = 4000};
	p.addr[0] = 0x20, p.addr[1] = 0x01, p.addr[2] = 0x0d, p.addr[3] = 0xb8;
	p.addr[6] = (uint8_t)(net_word >> 8), p.addr[7] = (uint8_t)net_word;
	p.addr[14] = (uint8_t)(host_word >> 8), p.addr[15] = (uint8_t)host_word;
	return p;
}

static void test_per_ip_counts_open_connections(void **state)
{
	(void)state;
	struct addrlimit_config cfg = {.max_per_ip = 2};
	struct addrlimit *t = addrlimit_create(&cfg);
	struct addr_entry *e1, *e2, *e3;
	struct peer a = v4(198, 51, 100, 7), b = v4(198, 51, 100, 8);
	assert_int_equal(addrlimit_admit(t, &a, 0, &e1), ADDRLIMIT_OK);
	assert_int_equal(addrlimit_admit(t, &a, 0, &e2), ADDRLIMIT_OK);
	assert_int_equal(addrlimit_admit(t, &a, 0, &e3), ADDRLIMIT_PER_IP);
	assert_null(e3);
	assert_int_equal(addrlimit_admit(t, &b, 0, &e3), ADDRLIMIT_OK); /* another address */
	addrlimit_release(e1);
	assert_int_equal(addrlimit_admit(t, &a, 0, &e1), ADDRLIMIT_OK);
	addrlimit_release(NULL); /* ignored */
	addrlimit_destroy(t);
}

static void test_ipv6_grouped_by_64(void **state)
{
	(void)state;
	struct addrlimit_config cfg = {.max_per_ip = 1};
	struct addrlimit *t = addrlimit_create(&cfg);
	struct addr_entry *e;
	struct peer host1 = v6(1, 1), host2 = v6(1, 2), other_net = v6(2, 1);
	assert_int_equal(addrlimit_admit(t, &host1, 0, &e), ADDRLIMIT_OK);
	assert_int_equal(addrlimit_admit(t, &host2, 0, &e), ADDRLIMIT_PER_IP); /* same /64 */
	assert_int_equal(addrlimit_admit(t, &other_net, 0, &e), ADDRLIMIT_OK);
	char text[PEER_STRLEN];
	addr_group_format(&host2, text);
	assert_string_equal(text, "2001:db8:0:1::/64");
	struct peer a = v4(203, 0, 113, 9);
	addr_group_format(&a, text);
	assert_string_equal(text, "203.0.113.9");
	addrlimit_destroy(t);
}

static void test_connect_rate(void **state)
{
	(void)state;
	struct addrlimit_config cfg = {.connect = {.per_s = 2, .burst = 3}};
	struct addrlimit *t = addrlimit_create(&cfg);
	struct addr_entry *e;
	struct peer a = v4(192, 0, 2, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(addrlimit_admit(t, &a, 1000, &e), ADDRLIMIT_OK);
	assert_int_equal(addrlimit_admit(t, &a, 1000, &e), ADDRLIMIT_CONNECT_RATE);
	assert_int_equal(addrlimit_admit(t, &a, 1499, &e), ADDRLIMIT_CONNECT_RATE);
	assert_int_equal(addrlimit_admit(t, &a, 1500, &e), ADDRLIMIT_OK);
	/* Closing does not give back a connect token: reconnecting is throttled. */
	addrlimit_release(e);
	assert_int_equal(addrlimit_admit(t, &a, 1500, &e), ADDRLIMIT_CONNECT_RATE);
	addrlimit_destroy(t);
}

static void test_loopback_and_no_limits(void **state)
{
	(void)state;
	struct peer lo4 = v4(127, 0, 0, 1), lo6 = {.family = AF_INET6};
	lo6.addr[15] = 1;
	assert_true(addr_is_loopback(&lo4) && addr_is_loopback(&lo6));
	struct peer not_lo = v4(10, 0, 0, 1);
	assert_false(addr_is_loopback(&not_lo));
	struct addrlimit_config exempt = {.max_per_ip = 1, .exempt_loopback = true};
	struct addrlimit *t = addrlimit_create(&exempt);
	struct addr_entry *e;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(addrlimit_admit(t, &lo4, 0, &e), ADDRLIMIT_OK);
		assert_null(e);
	}
	addrlimit_destroy(t);
	struct addrlimit_config none = {0};
	t = addrlimit_create(&none);
	assert_int_equal(addrlimit_admit(t, &not_lo, 0, &e), ADDRLIMIT_OK);
	assert_null(e);
	addrlimit_destroy(t);
}

static void test_many_addresses_are_swept(void **state)
{
	(void)state;
	struct addrlimit_config cfg = {.max_per_ip = 5, .connect = {.per_s = 10, .burst = 10}};
	struct addrlimit *t = addrlimit_create(&cfg);
	struct addr_entry *e;
	/* 20000 one-off visitors, each gone at once: old entries are forgotten
	 * once their bucket is full again, and nobody is wrongly refused. */
	for (uint32_t i = 0; i < 20000; i++) {
		struct peer p = v4(10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i);
		assert_int_equal(addrlimit_admit(t, &p, (uint64_t)i * 10, &e), ADDRLIMIT_OK);
		addrlimit_release(e);
	}
	addrlimit_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_ip_counts_open_connections),
		cmocka_unit_test(test_ipv6_grouped_by_64),
		cmocka_unit_test(test_connect_rate),
		cmocka_unit_test(test_loopback_and_no_limits),
		cmocka_unit_test(test_many_addresses_are_swept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
