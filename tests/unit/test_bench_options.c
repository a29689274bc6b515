/* test_bench_options: parley-bench's command line, in particular
 * --server-pid, which people fill with `$(pidof parleyd)`: with several
 * servers running that is a list, with none it is empty, and either must be
 * refused with a message that says so rather than "bad value". The bench's
 * pure source is compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../bench/options.c"
#include "../../bench/proto_irc.c"

/* Parses `--server-pid VALUE`; returns options_parse's result. */
static int parse_pid(const char *value, struct bench_opts *o, char *err, size_t errlen)
{
	char *argv[] = {"parley-bench", "--server-pid", (char *)value, NULL};
	err[0] = '\0';
	return options_parse(3, argv, o, stdout, err, errlen);
}

static void test_one_pid_is_taken(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	assert_int_equal(parse_pid("4242", &o, err, sizeof(err)), 0);
	assert_int_equal(o.server_pid, 4242);
}

static void test_several_pids_are_named(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	assert_int_equal(parse_pid("4242 977", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "takes one process id"));
	assert_non_null(strstr(err, "'4242 977'"));
	assert_non_null(strstr(err, "several servers are running"));
	assert_int_equal(parse_pid("1\n2\n3", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "several servers"));
}

static void test_empty_pid_says_no_server(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	assert_int_equal(parse_pid("", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no server process was found"));
	assert_int_equal(parse_pid("  ", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no server process was found"));
}

static void test_bad_pid_is_not_a_pid(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	const char *bad[] = {"abc", "-5", "0", "12x", "99999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_pid(bad[i], &o, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "is not a process id"));
	}
}

static void test_long_list_is_cut_safely(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[64], many[600];
	size_t n = 0;
	while (n + 6 < sizeof(many))
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%u ", 10000u + (unsigned)n);
	assert_int_equal(parse_pid(many, &o, err, sizeof(err)), -1);
	assert_true(strlen(err) < sizeof(err));
	assert_non_null(strstr(err, "takes one process id"));
}

/* --flooders F: the first F publishers ignore --rate; it needs a rate for
 * the others and at least one publisher that is not a flooder. */
static void test_flooders_need_rate_and_others(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	char *ok[] = {"parley-bench", "--publishers", "10", "--flooders", "1", "--rate", "45", NULL};
	assert_int_equal(options_parse(7, ok, &o, stdout, err, sizeof(err)), 0);
	assert_int_equal(o.flooders, 1);
	char *no_rate[] = {"parley-bench", "--publishers", "10", "--flooders", "1", NULL};
	assert_int_equal(options_parse(5, no_rate, &o, stdout, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--flooders"));
	char *all[] = {"parley-bench", "--publishers", "2", "--flooders", "2", "--rate", "5", NULL};
	assert_int_equal(options_parse(7, all, &o, stdout, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_pid_is_taken),
		cmocka_unit_test(test_several_pids_are_named),
		cmocka_unit_test(test_empty_pid_says_no_server),
		cmocka_unit_test(test_bad_pid_is_not_a_pid),
		cmocka_unit_test(test_long_list_is_cut_safely),
		cmocka_unit_test(test_flooders_need_rate_and_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
