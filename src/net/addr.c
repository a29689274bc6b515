/* addr: address parsing and formatting. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util/str.h"

static bool parse_port(const char *text, uint16_t *port)
{
	unsigned long v;
	if (!str_to_ulong(text, 65535, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool set_host(struct hostport *out, const char *host, size_t len)
{
	if (len >= sizeof(out->host))
		return false;
	memcpy(out->host, host, len);
	out->host[len] = '\0';
	if (strcmp(out->host, "*") == 0)
		out->host[0] = '\0';
	return true;
}

bool addr_parse_hostport(const char *text, struct hostport *out, char *err, size_t errlen)
{
	const char *host = "";
	size_t host_len = 0;
	const char *port = text;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			snprintf(err, errlen, "bad address '%s' (expected [ADDR]:PORT)", text);
			return false;
		}
		host = text + 1;
		host_len = (size_t)(close - host);
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (colon) {
			host = text;
			host_len = (size_t)(colon - text);
			port = colon + 1;
		}
	}
	if (!set_host(out, host, host_len)) {
		snprintf(err, errlen, "address too long in '%s'", text);
		return false;
	}
	if (!parse_port(port, &out->port)) {
		snprintf(err, errlen, "bad port in '%s' (expected 0-65535)", text);
		return false;
	}
	return true;
}

void peer_from_sockaddr(const struct sockaddr *sa, struct peer *peer)
{
	memset(peer, 0, sizeof(*peer));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		peer->family = AF_INET;
		peer->port = ntohs(in->sin_port);
		memcpy(peer->addr, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		peer->port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			peer->family = AF_INET;
			memcpy(peer->addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			peer->family = AF_INET6;
			memcpy(peer->addr, &in6->sin6_addr, 16);
		}
	}
}

void peer_format(const struct peer *peer, char out[PEER_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];
	if (peer->family == AF_INET && inet_ntop(AF_INET, peer->addr, ip, sizeof(ip)))
		snprintf(out, PEER_STRLEN, "%s:%u", ip, peer->port);
	else if (peer->family == AF_INET6 && inet_ntop(AF_INET6, peer->addr, ip, sizeof(ip)))
		snprintf(out, PEER_STRLEN, "[%s]:%u", ip, peer->port);
	else
		snprintf(out, PEER_STRLEN, "?");
}
