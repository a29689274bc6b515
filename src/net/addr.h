/* addr: listen/connect address parsing and peer formatting.
 * "[ADDR:]PORT" forms: "7000", "127.0.0.1:7000", "[::1]:7000", "*:7000",
 * "localhost:7000". Peers print as "1.2.3.4:5000" or "[::1]:5000"; an
 * IPv4-mapped IPv6 peer (seen on dual-stack sockets) prints as IPv4. */
#ifndef PARLEY_NET_ADDR_H
#define PARLEY_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum { ADDR_HOST_MAX = 256, PEER_STRLEN = 56 };

struct hostport {
	char host[ADDR_HOST_MAX]; /* empty = every address */
	uint16_t port;
};

/* Parses "[ADDR:]PORT" into `out`; false with a reason in `err` if bad.
 * Port 0 is accepted (the kernel picks one). */
bool addr_parse_hostport(const char *text, struct hostport *out, char *err, size_t errlen);

/* A compact peer address (20 bytes) kept per connection for logging. */
struct peer {
	uint8_t family; /* AF_INET or AF_INET6; 0 = unknown */
	uint16_t port;
	uint8_t addr[16];
};

/* Fills `peer` from a socket address. */
void peer_from_sockaddr(const struct sockaddr *sa, struct peer *peer);

/* Writes "a.b.c.d:port" or "[v6]:port" (or "?" if unknown) into `out`. */
void peer_format(const struct peer *peer, char out[PEER_STRLEN]);

#endif
