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

/* Parses argv (NULL-terminated) into `o`; returns options_parse's result. */
static int parse_args(char **argv, struct bench_opts *o, char *err, size_t errlen)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	err[0] = '\0';
	return options_parse(argc, argv, o, stdout, err, errlen);
}

/* Members per port, counted over every client as client_open places them. */
static void count_per_port(const struct bench_opts *o, unsigned *per_port)
{
	for (uint32_t id = 0; id < o->clients; id++) {
		uint16_t port = options_port_of(o, id, id % o->rooms);
		for (size_t k = 0; k < o->nports; k++)
			per_port[k] += o->ports[k] == port;
	}
}

/* --spread members (the default): every room has members on every node,
 * and the rooms' first members (the publishers) are spread over the nodes
 * rather than all landing on the first. */
static void test_spread_members_deals_every_room_over_every_node(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	char *argv[] = {"parley-bench", "--port", "7001,7002,7003", "--clients", "300",
			"--rooms", "30", "--publishers", "30", NULL};
	assert_int_equal(parse_args(argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.spread, SPREAD_MEMBERS);
	for (uint32_t room = 0; room < 30; room++) {
		unsigned on[3] = {0};
		for (uint32_t id = room; id < 300; id += 30)
			on[options_port_of(&o, id, room) - 7001]++;
		assert_true(on[0] >= 3 && on[1] >= 3 && on[2] >= 3);
	}
	unsigned pubs[3] = {0}, members[3] = {0};
	for (uint32_t j = 0; j < 30; j++)
		pubs[options_port_of(&o, j, j) - 7001]++;
	assert_int_equal(pubs[0], 10);
	assert_int_equal(pubs[1], 10);
	assert_int_equal(pubs[2], 10);
	count_per_port(&o, members);
	assert_int_equal(members[0] + members[1] + members[2], 300);
	assert_int_equal(members[0], 100);
	assert_int_equal(members[2], 100);
}

/* --spread rooms: each room wholly on port r mod N. */
static void test_spread_rooms_keeps_each_room_on_one_node(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	char *argv[] = {"parley-bench", "--port", "7001,7002", "--clients", "300",
			"--rooms", "30", "--spread", "rooms", NULL};
	assert_int_equal(parse_args(argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.spread, SPREAD_ROOMS);
	for (uint32_t id = 0; id < 300; id++)
		assert_int_equal(options_port_of(&o, id, id % 30), 7001 + (id % 30) % 2);
	unsigned members[2] = {0};
	count_per_port(&o, members);
	assert_int_equal(members[0], 150);
	assert_int_equal(members[1], 150);
}

/* frame keeps one listener per room whatever --spread says. */
static void test_frame_ignores_spread(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	char *argv[] = {"parley-bench", "--proto", "frame", "--port", "7001,7002,7003",
			"--clients", "9", "--rooms", "3", "--spread", "rooms", NULL};
	assert_int_equal(parse_args(argv, &o, err, sizeof(err)), 0);
	assert_int_equal(options_port_of(&o, 4, 1), 7002);
	assert_int_equal(options_port_of(&o, 8, 2), 7003);
}

/* A bad value names the option it was given to (names were once looked up
 * by position in a table out of the enum's order, and a bad --setup-window
 * was reported as a bad --help). */
static void test_bad_value_names_its_option(void **state)
{
	(void)state;
	struct bench_opts o;
	char err[256];
	char *spread[] = {"parley-bench", "--spread", "nodes", NULL};
	assert_int_equal(parse_args(spread, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "bad value for --spread: 'nodes'");
	char *setup[] = {"parley-bench", "--setup-window", "0", NULL};
	assert_int_equal(parse_args(setup, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "bad value for --setup-window: '0'");
	char *rooms[] = {"parley-bench", "--rooms", "x", NULL};
	assert_int_equal(parse_args(rooms, &o, err, sizeof(err)), -1);
	assert_string_equal(err, "bad value for --rooms: 'x'");
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
		cmocka_unit_test(test_spread_members_deals_every_room_over_every_node),
		cmocka_unit_test(test_spread_rooms_keeps_each_room_on_one_node),
		cmocka_unit_test(test_frame_ignores_spread),
		cmocka_unit_test(test_bad_value_names_its_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
