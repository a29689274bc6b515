/* addrlimit: a map from address group to its open count and connect
 * bucket. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addrlimit.h"
#include "util/alloc.h"
#include "util/map.h"

enum { GROUP_KEY_LEN = 9 }; /* family byte + up to 8 address bytes */

struct addr_entry {
	char key[GROUP_KEY_LEN];
	size_t open;
	struct bucket connects;
};

struct addrlimit {
	struct addrlimit_config cfg;
	struct map *groups;
	struct addr_entry **all; /* the same entries as the map, for sweeping */
	size_t n, cap;
	size_t sweep_at; /* sweep when this many entries exist */
};

static const char *entry_key(const void *v, size_t *len)
{
	*len = GROUP_KEY_LEN;
	return ((const struct addr_entry *)v)->key;
}

/* Binary key: IPv4 whole, IPv6 by its first 64 bits. */
static void group_key(const struct peer *peer, char out[GROUP_KEY_LEN])
{
	memset(out, 0, GROUP_KEY_LEN);
	out[0] = (char)peer->family;
	memcpy(out + 1, peer->addr, peer->family == AF_INET ? 4 : 8);
}

bool addr_is_loopback(const struct peer *peer)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	if (peer->family == AF_INET)
		return peer->addr[0] == 127;
	return peer->family == AF_INET6 && memcmp(peer->addr, v6_loopback, 16) == 0;
}

void addr_group_format(const struct peer *peer, char out[PEER_STRLEN])
{
	char ip[INET6_ADDRSTRLEN];
	uint8_t a[16] = {0};
	if (peer->family == AF_INET && inet_ntop(AF_INET, peer->addr, ip, sizeof(ip))) {
		snprintf(out, PEER_STRLEN, "%s", ip);
		return;
	}
	memcpy(a, peer->addr, 8);
	if (peer->family == AF_INET6 && inet_ntop(AF_INET6, a, ip, sizeof(ip)))
		snprintf(out, PEER_STRLEN, "%s/64", ip);
	else
		snprintf(out, PEER_STRLEN, "?");
}

struct addrlimit *addrlimit_create(const struct addrlimit_config *cfg)
{
	struct addrlimit *t = xcalloc(1, sizeof(*t));
	t->cfg = *cfg;
	t->groups = map_create(entry_key, false);
	t->sweep_at = 1024;
	return t;
}

void addrlimit_destroy(struct addrlimit *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->all[i]);
	free(t->all);
	map_destroy(t->groups);
	free(t);
}

/* Forgets groups with nothing open whose bucket has refilled: they would
 * be created again, identically, on their next connection. */
static void sweep(struct addrlimit *t, uint64_t now_ms)
{
	size_t kept = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct addr_entry *e = t->all[i];
		bucket_refill(&e->connects, &t->cfg.connect, now_ms);
		if (e->open == 0 && bucket_full(&e->connects, &t->cfg.connect)) {
			map_remove(t->groups, e->key, GROUP_KEY_LEN);
			free(e);
		} else {
			t->all[kept++] = e;
		}
	}
	t->n = kept;
	t->sweep_at = kept * 2 > 1024 ? kept * 2 : 1024;
}

static struct addr_entry *entry_for(struct addrlimit *t, const char key[GROUP_KEY_LEN],
				    uint64_t now_ms)
{
	struct addr_entry *e = map_get(t->groups, key, GROUP_KEY_LEN);
	if (e)
		return e;
	if (t->n >= t->sweep_at)
		sweep(t, now_ms);
	e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key, GROUP_KEY_LEN);
	bucket_init(&e->connects, &t->cfg.connect, now_ms);
	map_put(t->groups, e);
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->all = xrealloc(t->all, t->cap * sizeof(*t->all));
	}
	t->all[t->n++] = e;
	return e;
}

enum addrlimit_verdict addrlimit_admit(struct addrlimit *t, const struct peer *peer,
				       uint64_t now_ms, struct addr_entry **entry)
{
	*entry = NULL;
	bool limited = t->cfg.max_per_ip || rate_on(&t->cfg.connect);
	if (!limited || peer->family == 0 || (t->cfg.exempt_loopback && addr_is_loopback(peer)))
		return ADDRLIMIT_OK;
	char key[GROUP_KEY_LEN];
	group_key(peer, key);
	struct addr_entry *e = entry_for(t, key, now_ms);
	if (t->cfg.max_per_ip && e->open >= t->cfg.max_per_ip)
		return ADDRLIMIT_PER_IP;
	if (rate_on(&t->cfg.connect)) {
		bucket_refill(&e->connects, &t->cfg.connect, now_ms);
		if (bucket_tokens(&e->connects) == 0)
			return ADDRLIMIT_CONNECT_RATE;
		bucket_charge(&e->connects, 1);
	}
	e->open++;
	*entry = e;
	return ADDRLIMIT_OK;
}

void addrlimit_release(struct addr_entry *entry)
{
	if (entry && entry->open > 0)
		entry->open--;
}
