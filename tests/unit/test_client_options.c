/* test_client_options: client/options — the parley command line. Defaults
 * (chat, no name or room, colour unless NO_COLOR is set and non-empty,
 * linger 500 ms, connect timeout 10 s, 1 MiB limits); the target as HOST
 * PORT, HOST:PORT, [V6]:PORT or a bare PORT on localhost, with bad hosts and
 * ports (0, above 65535, junk, empty, missing, too many) rejected; -u and -j
 * in short, long and --opt=value forms, the '#' of a room optional, names
 * and rooms with spaces or control bytes or too long rejected, and both
 * refused outside --proto chat; --proto chat|relay|frame only; the numeric
 * options at their limits; --help; unknown and incomplete options named in
 * the error; options after the target (GNU order) and after "--". Parsing
 * twice in one process gives the same answer as parsing once, and the help
 * text names every option. Every argv string is a fresh heap copy freed
 * after the parse, so that getopt reading an earlier argv (as it did before
 * options_parse reset optind to 0) is an invalid read under valgrind (ASan
 * cannot see reads inside libc). The client's pure sources (options, proto)
 * are compiled in here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/options.c"
#include "../../client/proto.c"

static int setup(void **state)
{
	(void)state;
	unsetenv("NO_COLOR");
	return 0;
}

/* ---- helpers ---- */

enum { MAX_ARGS = 16 };

static char reason[256]; /* the last parse's error text */

/* Parses "parley" followed by the NULL-terminated arguments, each a fresh
 * heap copy freed afterwards (getopt may reorder argv, never the strings). */
static enum opt_result parse(struct options *o, ...)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = strdup("parley");
	va_list ap;
	va_start(ap, o);
	const char *a;
	while ((a = va_arg(ap, const char *)) != NULL) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = strdup(a);
	}
	va_end(ap);
	argv[argc] = NULL;
	memset(reason, 0, sizeof(reason));
	memset(o, 0x5A, sizeof(*o)); /* options_parse must set every field */
	enum opt_result r = options_parse(argc, argv, o, reason, sizeof(reason));
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

#define PARSE(o, ...) parse((o), __VA_ARGS__, (const char *)NULL)

/* The arguments are valid. */
#define RUN_OK(o, ...)                                       \
	do {                                                 \
		assert_int_equal(PARSE(o, __VA_ARGS__), OPT_RUN); \
		assert_string_equal(reason, "");                \
	} while (0)

/* The arguments are a usage error whose reason is `why`. */
#define USAGE(why, ...)                                      \
	do {                                                 \
		struct options o_;                           \
		assert_int_equal(PARSE(&o_, __VA_ARGS__), OPT_USAGE); \
		assert_string_equal(reason, (why));             \
	} while (0)

static void assert_defaults_except_target(const struct options *o)
{
	assert_int_equal(o->proto, PROTO_CHAT);
	assert_string_equal(o->user, "");
	assert_string_equal(o->room, "");
	assert_false(o->raw);
	assert_false(o->no_color);
	assert_false(o->no_timestamps);
	assert_int_equal(o->linger_ms, 500);
	assert_int_equal(o->connect_ms, 10000);
	assert_int_equal(o->max_line, 1024 * 1024);
	assert_int_equal(o->max_frame, 1024 * 1024);
}

/* ---- defaults and the target ---- */

static void test_defaults(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "localhost", "7000");
	assert_string_equal(o.host, "localhost");
	assert_int_equal(o.port, 7000);
	assert_defaults_except_target(&o);
	assert_int_equal(OPT_DEFAULT_LINGER_MS, 500);
	assert_int_equal(OPT_DEFAULT_CONNECT_MS, 10000);
	assert_int_equal(OPT_DEFAULT_MAX_UNIT, 1048576);
}

static void test_host_port(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "127.0.0.1", "1");
	assert_string_equal(o.host, "127.0.0.1");
	assert_int_equal(o.port, 1);
	RUN_OK(&o, "::1", "65535");
	assert_string_equal(o.host, "::1");
	assert_int_equal(o.port, 65535);
	RUN_OK(&o, "chat.example.org", "07000");
	assert_string_equal(o.host, "chat.example.org");
	assert_int_equal(o.port, 7000);

	USAGE("bad port '0'", "localhost", "0");
	USAGE("bad port '65536'", "localhost", "65536");
	USAGE("bad port '99999999999999999999999'", "localhost", "99999999999999999999999");
	USAGE("bad port '7000x'", "localhost", "7000x");
	USAGE("bad port 'x'", "localhost", "x");
	USAGE("bad port ''", "localhost", "");
	USAGE("bad port ' 7000'", "localhost", " 7000");
	USAGE("bad port '+7000'", "localhost", "+7000");
	USAGE("bad port 'localhost'", "7000", "localhost");
	USAGE("bad host ''", "", "7000");
	USAGE("missing HOST and PORT", "-u", "bob");
	USAGE("too many arguments", "localhost", "7000", "extra");
}

static void test_host_length(void **state)
{
	(void)state;
	char host[ADDR_HOST_MAX + 1];
	memset(host, 'h', sizeof(host));
	host[ADDR_HOST_MAX - 1] = '\0'; /* the longest that fits */
	struct options o;
	RUN_OK(&o, host, "7000");
	assert_string_equal(o.host, host);
	host[ADDR_HOST_MAX - 1] = 'h';
	host[ADDR_HOST_MAX] = '\0';
	assert_int_equal(PARSE(&o, host, "7000"), OPT_USAGE);
	assert_memory_equal(reason, "bad host 'hhh", 13);
	assert_true(strlen(reason) < sizeof(reason));
}

static void test_host_colon_port(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "localhost:7000");
	assert_string_equal(o.host, "localhost");
	assert_int_equal(o.port, 7000);
	assert_defaults_except_target(&o);
	RUN_OK(&o, "10.0.0.1:65535");
	assert_string_equal(o.host, "10.0.0.1");
	assert_int_equal(o.port, 65535);
	RUN_OK(&o, "[::1]:7000");
	assert_string_equal(o.host, "::1");
	assert_int_equal(o.port, 7000);
	RUN_OK(&o, "[2001:db8::1]:1");
	assert_string_equal(o.host, "2001:db8::1");
	assert_int_equal(o.port, 1);
	/* a bare port, or an empty host: localhost */
	RUN_OK(&o, "7000");
	assert_string_equal(o.host, "localhost");
	assert_int_equal(o.port, 7000);
	RUN_OK(&o, ":7001");
	assert_string_equal(o.host, "localhost");
	assert_int_equal(o.port, 7001);

	USAGE("bad port in 'localhost:0'", "localhost:0");
	USAGE("bad port in '0'", "0");
	USAGE("bad port in '[::1]:0'", "[::1]:0");
	USAGE("bad port in 'localhost:65536' (expected 0-65535)", "localhost:65536");
	USAGE("bad port in 'localhost:' (expected 0-65535)", "localhost:");
	USAGE("bad port in 'localhost:x' (expected 0-65535)", "localhost:x");
	USAGE("bad port in 'localhost' (expected 0-65535)", "localhost");
	USAGE("bad address '[::1]' (expected [ADDR]:PORT)", "[::1]");
	USAGE("bad address '[::1]7000' (expected [ADDR]:PORT)", "[::1]7000");
	USAGE("bad address '[::1' (expected [ADDR]:PORT)", "[::1");
}

/* ---- -u and -j ---- */

static void test_user(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "-u", "alice", "localhost", "7000");
	assert_string_equal(o.user, "alice");
	RUN_OK(&o, "--user", "bob", "localhost", "7000");
	assert_string_equal(o.user, "bob");
	RUN_OK(&o, "--user=carol", "localhost", "7000");
	assert_string_equal(o.user, "carol");
	RUN_OK(&o, "-udave", "localhost", "7000");
	assert_string_equal(o.user, "dave");
	RUN_OK(&o, "-u", "first", "-u", "second", "localhost", "7000");
	assert_string_equal(o.user, "second");
	assert_string_equal(o.room, "");

	USAGE("bad user name ''", "-u", "", "localhost", "7000");
	USAGE("bad user name ''", "--user=", "localhost", "7000");
	USAGE("bad user name 'a b'", "-u", "a b", "localhost", "7000");
	USAGE("bad user name 'a\tb'", "-u", "a\tb", "localhost", "7000");
	USAGE("bad user name 'a\x1b'", "-u", "a\x1b", "localhost", "7000");
	USAGE("bad user name 'a\x7f'", "-u", "a\x7f", "localhost", "7000");
	USAGE("bad user name 'a\r'", "-u", "a\r", "localhost", "7000");

	/* the longest that fits, and one more */
	char name[OPT_NAME_MAX + 1];
	memset(name, 'n', sizeof(name));
	name[OPT_NAME_MAX - 1] = '\0';
	RUN_OK(&o, "-u", name, "localhost", "7000");
	assert_string_equal(o.user, name);
	name[OPT_NAME_MAX - 1] = 'n';
	name[OPT_NAME_MAX] = '\0';
	assert_int_equal(PARSE(&o, "-u", name, "localhost", "7000"), OPT_USAGE);
}

static void test_join(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "-j", "general", "localhost", "7000");
	assert_string_equal(o.room, "#general");
	RUN_OK(&o, "-j", "#general", "localhost", "7000");
	assert_string_equal(o.room, "#general");
	RUN_OK(&o, "--join", "random", "localhost", "7000");
	assert_string_equal(o.room, "#random");
	RUN_OK(&o, "--join=#x", "localhost", "7000");
	assert_string_equal(o.room, "#x");
	RUN_OK(&o, "-jabc", "localhost", "7000");
	assert_string_equal(o.room, "#abc");
	RUN_OK(&o, "-j", "##", "localhost", "7000");
	assert_string_equal(o.room, "##");
	RUN_OK(&o, "-u", "alice", "-j", "general", "localhost:7000");
	assert_string_equal(o.user, "alice");
	assert_string_equal(o.room, "#general");

	USAGE("bad room name ''", "-j", "", "localhost", "7000");
	USAGE("bad room name 'a b'", "-j", "a b", "localhost", "7000");
	USAGE("bad room name '#a b'", "-j", "#a b", "localhost", "7000");
	USAGE("bad room name '#\x1b[2J'", "-j", "#\x1b[2J", "localhost", "7000");

	/* the stored room (with its '#') always fits, never cut short */
	char room[OPT_ROOM_MAX + 8];
	for (size_t len = 1; len < sizeof(room); len++) {
		for (int hash = 0; hash < 2; hash++) {
			memset(room, 'r', len);
			room[0] = hash ? '#' : 'r';
			room[len] = '\0';
			enum opt_result r = PARSE(&o, "-j", room, "localhost", "7000");
			if (r == OPT_RUN) {
				assert_int_equal(strlen(o.room), len + !hash);
				assert_int_equal(o.room[0], '#');
				assert_string_equal(o.room + !hash, room);
			} else {
				assert_int_equal(r, OPT_USAGE);
				assert_true(len >= OPT_ROOM_MAX - 1);
			}
		}
	}
	/* far more than the 32 characters the server allows still pass */
	memset(room, 'r', 40);
	room[40] = '\0';
	RUN_OK(&o, "-j", room, "localhost", "7000");
}

static void test_user_and_join_need_chat(void **state)
{
	(void)state;
	const char *why = "-u and -j only apply to --proto chat";
	USAGE(why, "--proto", "relay", "-u", "bob", "localhost", "7001");
	USAGE(why, "-u", "bob", "--proto", "relay", "localhost", "7001");
	USAGE(why, "--proto", "frame", "-j", "general", "localhost", "7002");
	USAGE(why, "-j", "general", "--proto=frame", "localhost", "7002");
	struct options o;
	RUN_OK(&o, "--proto", "chat", "-u", "bob", "-j", "g", "localhost", "7000");
	assert_string_equal(o.user, "bob");
	assert_string_equal(o.room, "#g");
}

/* ---- --proto and flags ---- */

static void test_proto(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "--proto", "chat", "localhost", "7000");
	assert_int_equal(o.proto, PROTO_CHAT);
	RUN_OK(&o, "--proto", "relay", "localhost", "7001");
	assert_int_equal(o.proto, PROTO_RELAY);
	RUN_OK(&o, "--proto=frame", "localhost", "7002");
	assert_int_equal(o.proto, PROTO_FRAME);
	RUN_OK(&o, "--proto", "frame", "--proto", "relay", "localhost", "7002");
	assert_int_equal(o.proto, PROTO_RELAY);
	RUN_OK(&o, "--pro", "frame", "localhost", "7002"); /* unique prefix */
	assert_int_equal(o.proto, PROTO_FRAME);

	USAGE("unknown protocol 'CHAT' (choose chat, relay or frame)", "--proto", "CHAT",
	      "localhost", "7000");
	USAGE("unknown protocol 'irc' (choose chat, relay or frame)", "--proto", "irc",
	      "localhost", "7000");
	USAGE("unknown protocol '' (choose chat, relay or frame)", "--proto=", "localhost",
	      "7000");
	USAGE("unknown protocol 'chat ' (choose chat, relay or frame)", "--proto", "chat ",
	      "localhost", "7000");
	USAGE("bad or incomplete option '--proto'", "localhost", "7000", "--proto");
}

static void test_flags(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "--raw", "localhost", "7000");
	assert_true(o.raw);
	assert_false(o.no_color);
	RUN_OK(&o, "--no-color", "localhost", "7000");
	assert_true(o.no_color);
	assert_false(o.raw);
	RUN_OK(&o, "--raw", "--no-color", "--proto", "frame", "localhost", "7002");
	assert_true(o.raw && o.no_color);
	USAGE("bad or incomplete option '--raw=yes'", "--raw=yes", "localhost", "7000");
	RUN_OK(&o, "--no-timestamps", "localhost", "7000");
	assert_true(o.no_timestamps);
	assert_false(o.raw || o.no_color);
	RUN_OK(&o, "--no-t", "--proto", "frame", "localhost", "7002");
	assert_true(o.no_timestamps);
	USAGE("bad or incomplete option '--no-timestamps=1'", "--no-timestamps=1", "localhost",
	      "7000");
}

static void test_no_color_env(void **state)
{
	(void)state;
	struct options o;
	setenv("NO_COLOR", "1", 1);
	RUN_OK(&o, "localhost", "7000");
	assert_true(o.no_color);
	setenv("NO_COLOR", "anything", 1);
	RUN_OK(&o, "localhost", "7000");
	assert_true(o.no_color);
	setenv("NO_COLOR", "", 1); /* set but empty: colour stays */
	RUN_OK(&o, "localhost", "7000");
	assert_false(o.no_color);
	unsetenv("NO_COLOR");
	RUN_OK(&o, "localhost", "7000");
	assert_false(o.no_color);
}

static void test_numbers(void **state)
{
	(void)state;
	struct options o;
	RUN_OK(&o, "--linger", "0", "--connect-timeout", "1", "--max-line", "1", "--max-frame",
	       "1", "localhost", "7000");
	assert_int_equal(o.linger_ms, 0);
	assert_int_equal(o.connect_ms, 1);
	assert_int_equal(o.max_line, 1);
	assert_int_equal(o.max_frame, 1);
	RUN_OK(&o, "--linger=86400000", "--connect-timeout=86400000", "--max-line=4294967295",
	       "--max-frame=4294967295", "localhost", "7000");
	assert_int_equal(o.linger_ms, 86400000);
	assert_int_equal(o.connect_ms, 86400000);
	assert_int_equal(o.max_line, 4294967295u);
	assert_int_equal(o.max_frame, 4294967295u);
	RUN_OK(&o, "--linger", "10000", "localhost", "7000");
	assert_int_equal(o.linger_ms, 10000);

	USAGE("bad --linger '86400001'", "--linger", "86400001", "localhost", "7000");
	USAGE("bad --linger 'abc'", "--linger", "abc", "localhost", "7000");
	USAGE("bad --linger ''", "--linger=", "localhost", "7000");
	USAGE("bad --linger '1.5'", "--linger", "1.5", "localhost", "7000");
	USAGE("bad --linger '-1'", "--linger=-1", "localhost", "7000");
	USAGE("bad --connect-timeout '0'", "--connect-timeout", "0", "localhost", "7000");
	USAGE("bad --connect-timeout '86400001'", "--connect-timeout", "86400001", "localhost",
	      "7000");
	USAGE("bad --max-line '0'", "--max-line", "0", "localhost", "7000");
	USAGE("bad --max-line '4294967296'", "--max-line", "4294967296", "localhost", "7000");
	USAGE("bad --max-frame '0'", "--max-frame", "0", "localhost", "7000");
	USAGE("bad --max-frame '1k'", "--max-frame", "1k", "localhost", "7000");
	USAGE("bad or incomplete option '--linger'", "localhost", "7000", "--linger");
}

/* ---- help, unknown options, argument order ---- */

static void test_help(void **state)
{
	(void)state;
	struct options o;
	assert_int_equal(PARSE(&o, "-h"), OPT_HELP);
	assert_int_equal(PARSE(&o, "--help"), OPT_HELP);
	assert_int_equal(PARSE(&o, "--he"), OPT_HELP);
	assert_int_equal(PARSE(&o, "localhost", "7000", "--help"), OPT_HELP);
	assert_int_equal(PARSE(&o, "-u", "bob", "-h", "--proto", "bogus"), OPT_HELP);
	/* an error before --help wins */
	assert_int_equal(PARSE(&o, "--proto", "bogus", "--help"), OPT_USAGE);
}

static void test_bad_options(void **state)
{
	(void)state;
	USAGE("bad or incomplete option '--bogus'", "--bogus", "localhost", "7000");
	USAGE("bad or incomplete option '--bogus=1'", "--bogus=1", "localhost", "7000");
	USAGE("bad or incomplete option '-x'", "-x", "localhost", "7000");
	USAGE("bad or incomplete option '-p'", "localhost", "-p", "7000");
	USAGE("bad or incomplete option '-u'", "localhost", "7000", "-u");
	USAGE("bad or incomplete option '-j'", "localhost", "7000", "-j");
	USAGE("bad or incomplete option '--user'", "localhost", "7000", "--user");
	USAGE("bad or incomplete option '--max'", "--max", "5", "localhost", "7000");
	/* an unknown letter inside a group is named, not the word before it */
	USAGE("bad or incomplete option '-x'", "-xu", "bob", "localhost", "7000");
	USAGE("bad or incomplete option '-x'", "--raw", "-xj", "r", "localhost", "7000");
	USAGE("bad or incomplete option '-x'", "-xy", "localhost", "7000");
}

static void test_argument_order(void **state)
{
	(void)state;
	struct options o;
	/* options may follow the target */
	RUN_OK(&o, "localhost", "7000", "-u", "bob", "--raw");
	assert_string_equal(o.host, "localhost");
	assert_int_equal(o.port, 7000);
	assert_string_equal(o.user, "bob");
	assert_true(o.raw);
	RUN_OK(&o, "localhost", "-j", "g", "7000");
	assert_string_equal(o.room, "#g");
	assert_int_equal(o.port, 7000);
	/* "--" ends the options */
	RUN_OK(&o, "-u", "bob", "--", "localhost", "7000");
	assert_string_equal(o.user, "bob");
	USAGE("too many arguments", "--", "localhost", "7000", "-u");
	USAGE("bad port '-1'", "--", "localhost", "-1");
}

static void test_parse_twice(void **state)
{
	(void)state;
	/* A parse that stops inside a group of short options ("-hx", "-xj")
	 * must not leave the rest of that group to the next parse. */
	struct options o;
	assert_int_equal(PARSE(&o, "-hx", "localhost", "7000"), OPT_HELP);
	RUN_OK(&o, "-u", "bob", "localhost", "7000");
	assert_string_equal(o.user, "bob");
	assert_int_equal(PARSE(&o, "-xj", "r", "localhost", "7000"), OPT_USAGE);
	RUN_OK(&o, "localhost", "7000");
	assert_string_equal(o.room, "");
	assert_int_equal(PARSE(&o, "-hj", "r", "localhost", "7000"), OPT_HELP);
	RUN_OK(&o, "--raw", "localhost", "7000");
	assert_string_equal(o.room, "");
	assert_true(o.raw);
	/* and an error does not stick */
	USAGE("bad port '0'", "localhost", "0");
	RUN_OK(&o, "localhost", "7000");
}

static void test_small_error_buffer(void **state)
{
	(void)state;
	struct options o;
	char *argv[] = {strdup("parley"), strdup("--proto"), strdup("bogus-protocol-name"),
			strdup("h"), strdup("1"), NULL};
	char small[8];
	memset(small, 'Z', sizeof(small));
	assert_int_equal(options_parse(5, argv, &o, small, sizeof(small)), OPT_USAGE);
	assert_string_equal(small, "unknown");
	for (int i = 0; i < 5; i++)
		free(argv[i]);
}

/* Everything `fn` writes, as a heap string. */
static char *capture(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fn(f);
	assert_int_equal(fclose(f), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_help_text(void **state)
{
	(void)state;
	char *usage = capture(options_usage);
	char *help = capture(options_help);
	assert_memory_equal(usage, "usage: parley ", 14);
	assert_memory_equal(help, usage, strlen(usage)); /* help starts with usage */
	static const char *const mentioned[] = {
		"--proto chat|relay|frame", "-u, --user", "-j, --join", "--raw", "--no-color",
		"NO_COLOR", "--linger", "--max-line", "--max-frame", "--connect-timeout",
		"-h, --help", "HOST:PORT", "[::1]:7000", "/quit", "Exit status",
	};
	for (size_t i = 0; i < sizeof(mentioned) / sizeof(mentioned[0]); i++) {
		if (!strstr(help, mentioned[i]))
			fail_msg("--help does not mention '%s'", mentioned[i]);
	}
	/* every long option in the table is documented */
	for (const struct option *lo = long_options; lo->name; lo++) {
		char word[64];
		snprintf(word, sizeof(word), "--%s", lo->name);
		if (!strstr(help, word))
			fail_msg("--help does not mention '%s'", word);
	}
	free(usage);
	free(help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_host_length),
		cmocka_unit_test(test_host_colon_port),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_user_and_join_need_chat),
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_no_color_env),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_argument_order),
		cmocka_unit_test(test_parse_twice),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_help_text),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
