/* test_addr: net/addr — "[ADDR:]PORT" parsing (bare port, IPv4, names,
 * bracketed IPv6, "*" for every address, port 0, port bounds and junk,
 * missing brackets or port, over-long hosts) and peer formatting of IPv4,
 * IPv6 (including the longest form), IPv4-mapped IPv6 shown as IPv4, and
 * unknown families. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "net/addr.h"

static void expect_ok(const char *text, const char *host, unsigned port)
{
	struct hostport hp;
	char err[128] = "";
	memset(&hp, 0x5A, sizeof(hp));
	if (!addr_parse_hostport(text, &hp, err, sizeof(err)))
		fail_msg("rejected \"%s\": %s", text, err);
	assert_string_equal(hp.host, host);
	assert_int_equal(hp.port, port);
}

static void expect_bad(const char *text)
{
	struct hostport hp;
	char err[128] = "";
	if (addr_parse_hostport(text, &hp, err, sizeof(err)))
		fail_msg("accepted \"%s\" as host \"%s\" port %u", text, hp.host, hp.port);
	assert_true(strlen(err) > 0); /* a reason for the user */
}

static void test_parse_good(void **state)
{
	(void)state;
	expect_ok("7000", "", 7000);
	expect_ok("0", "", 0); /* the kernel picks a port */
	expect_ok("65535", "", 65535);
	expect_ok("127.0.0.1:7000", "127.0.0.1", 7000);
	expect_ok("localhost:1", "localhost", 1);
	expect_ok("*:7000", "", 7000); /* "*" is every address */
	expect_ok("[::1]:9999", "::1", 9999);
	expect_ok("[::]:80", "::", 80);
	expect_ok("[fe80::1%lo]:80", "fe80::1%lo", 80);
	expect_ok("[2001:db8::1]:0", "2001:db8::1", 0);
	expect_ok("0.0.0.0:0", "0.0.0.0", 0);
	expect_ok("host:007", "host", 7);
}

static void test_parse_bad(void **state)
{
	(void)state;
	expect_bad("");
	expect_bad("65536");
	expect_bad("-1");
	expect_bad("+80");
	expect_bad(" 80");
	expect_bad("80 ");
	expect_bad("http");
	expect_bad("99999999999999999999");
	expect_bad("127.0.0.1");     /* no port */
	expect_bad("127.0.0.1:");    /* empty port */
	expect_bad("host:70000");
	expect_bad("host:8o");
	expect_bad("[::1]");         /* brackets need ":PORT" */
	expect_bad("[::1]:");
	expect_bad("[::1]80");
	expect_bad("[::1:80");       /* unterminated bracket */
	expect_bad("[::1]:65536");
	expect_bad("[::1]:port");
}

static void test_parse_host_length(void **state)
{
	(void)state;
	char text[ADDR_HOST_MAX + 16];
	/* The longest host that fits: ADDR_HOST_MAX - 1 bytes plus NUL. */
	memset(text, 'h', ADDR_HOST_MAX - 1);
	strcpy(text + ADDR_HOST_MAX - 1, ":80");
	struct hostport hp;
	char err[128];
	assert_true(addr_parse_hostport(text, &hp, err, sizeof(err)));
	assert_int_equal(strlen(hp.host), ADDR_HOST_MAX - 1);
	assert_int_equal(hp.port, 80);
	/* One more byte is refused, not truncated. */
	memset(text, 'h', ADDR_HOST_MAX);
	strcpy(text + ADDR_HOST_MAX, ":80");
	expect_bad(text);
	text[0] = '[';
	memset(text + 1, ':', ADDR_HOST_MAX);
	strcpy(text + 1 + ADDR_HOST_MAX, "]:80");
	expect_bad(text);
}

/* ---- peers ---- */

static const char *format_v4(const char *ip, uint16_t port, char out[PEER_STRLEN])
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	assert_int_equal(inet_pton(AF_INET, ip, &in.sin_addr), 1);
	struct peer p;
	peer_from_sockaddr((struct sockaddr *)&in, &p);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.port, port);
	peer_format(&p, out);
	return out;
}

static const char *format_v6(const char *ip, uint16_t port, char out[PEER_STRLEN])
{
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	assert_int_equal(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1);
	struct peer p;
	peer_from_sockaddr((struct sockaddr *)&in6, &p);
	assert_int_equal(p.port, port);
	peer_format(&p, out);
	return out;
}

static void test_peer_v4(void **state)
{
	(void)state;
	char out[PEER_STRLEN];
	assert_string_equal(format_v4("127.0.0.1", 5000, out), "127.0.0.1:5000");
	assert_string_equal(format_v4("0.0.0.0", 0, out), "0.0.0.0:0");
	assert_string_equal(format_v4("255.255.255.255", 65535, out), "255.255.255.255:65535");
}

static void test_peer_v6(void **state)
{
	(void)state;
	char out[PEER_STRLEN];
	assert_string_equal(format_v6("::1", 5000, out), "[::1]:5000");
	assert_string_equal(format_v6("2001:db8::42", 80, out), "[2001:db8::42]:80");
	assert_string_equal(format_v6("::", 1, out), "[::]:1");
	/* The longest textual IPv6 address with the longest port fits. */
	assert_string_equal(
		format_v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, out),
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; we log them as
 * plain IPv4. */
static void test_peer_v4_mapped(void **state)
{
	(void)state;
	char out[PEER_STRLEN];
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(4242)};
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7", &in6.sin6_addr), 1);
	struct peer p;
	peer_from_sockaddr((struct sockaddr *)&in6, &p);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.port, 4242);
	peer_format(&p, out);
	assert_string_equal(out, "192.0.2.7:4242");
	/* The deprecated IPv4-compatible form stays IPv6 (bracketed). */
	assert_string_equal(format_v6("::192.0.2.7", 1, out), "[::192.0.2.7]:1");
}

static void test_peer_unknown(void **state)
{
	(void)state;
	char out[PEER_STRLEN];
	struct peer zero;
	memset(&zero, 0, sizeof(zero));
	peer_format(&zero, out);
	assert_string_equal(out, "?");

	struct sockaddr_storage ss;
	memset(&ss, 0xEE, sizeof(ss));
	ss.ss_family = AF_UNIX;
	struct peer p;
	memset(&p, 0x77, sizeof(p));
	peer_from_sockaddr((struct sockaddr *)&ss, &p);
	assert_int_equal(p.family, 0);
	assert_int_equal(p.port, 0);
	peer_format(&p, out);
	assert_string_equal(out, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_host_length),
		cmocka_unit_test(test_peer_v4),
		cmocka_unit_test(test_peer_v6),
		cmocka_unit_test(test_peer_v4_mapped),
		cmocka_unit_test(test_peer_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
