/* addrlimit: connections per source address — how many are open
 * (--max-per-ip) and how fast new ones arrive (--connect-rate). IPv4
 * addresses count one by one; IPv6 addresses are grouped by their /64,
 * the block one subscriber is usually given. Entries whose address has no
 * open connection and a full connect bucket are forgotten in sweeps, so the
 * table is bounded by recent activity, not by every address ever seen. */
#ifndef PARLEY_NET_ADDRLIMIT_H
#define PARLEY_NET_ADDRLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "util/bucket.h"

struct addrlimit;
struct addr_entry;

struct addrlimit_config {
	size_t max_per_ip;   /* open connections per address group; 0 = no limit */
	struct rate connect; /* new connections per group; per_s 0 = no limit */
	bool exempt_loopback; /* 127.0.0.0/8 and ::1 are never limited */
};

enum addrlimit_verdict {
	ADDRLIMIT_OK,
	ADDRLIMIT_PER_IP,       /* logged as reason=per-ip */
	ADDRLIMIT_CONNECT_RATE, /* logged as reason=connect-rate */
};

struct addrlimit *addrlimit_create(const struct addrlimit_config *cfg);
void addrlimit_destroy(struct addrlimit *t);

/* Decides on a new connection from `peer` at `now_ms`. On ADDRLIMIT_OK the
 * connection is counted and *entry is what addrlimit_release() takes back
 * (NULL when nothing is tracked: no limits, or an exempt address). */
enum addrlimit_verdict addrlimit_admit(struct addrlimit *t, const struct peer *peer,
				       uint64_t now_ms, struct addr_entry **entry);

/* A connection counted by addrlimit_admit() closed. NULL is ignored. */
void addrlimit_release(struct addr_entry *entry);

/* True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
bool addr_is_loopback(const struct peer *peer);

/* The group `peer` counts in, as text: "198.51.100.7" or "2001:db8:1:2::/64". */
void addr_group_format(const struct peer *peer, char out[PEER_STRLEN]);

#endif
