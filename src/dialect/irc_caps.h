/* irc_caps: the IRCv3 capability table and the pure half of CAP
 * negotiation: parsing a CAP REQ list against the capabilities a server
 * supports (accepted or refused as a whole, as the spec requires) and
 * listing capability names to fit a line budget for CAP LS / LIST. A set of
 * capabilities is a bit mask indexed by table position. Some capabilities
 * only carry information (IRCv3 `sts`): they are listed but can never be
 * enabled, and mean nothing without their value. */
#ifndef PARLEY_DIALECT_IRC_CAPS_H
#define PARLEY_DIALECT_IRC_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { IRC_CAPS_MAX = 32 };

struct irc_cap {
	const char *name;  /* e.g. "server-time" */
	const char *value; /* shown as name=value to CAP LS 302 clients, or NULL */
	bool sticky;       /* once enabled it cannot be disabled (REQ -x is NAK) */
};

/* The capabilities a listener supports: at most IRC_CAPS_MAX entries; the
 * caller owns the array, which must outlive the table. */
struct irc_cap_table {
	const struct irc_cap *caps;
	size_t n;
	uint32_t listed_only; /* never enabled: a REQ naming one is NAK */
	uint32_t needs_value; /* listed only when values are shown (CAP LS 302) */
};

/* Index of the capability named name[0..len) (exact, case-sensitive as in
 * the spec), or -1. */
int irc_cap_find(const struct irc_cap_table *t, const char *name, size_t len);

/* Parses a CAP REQ argument ("cap1 -cap2 cap3", spaces repeatable) and
 * returns true for ACK: every name known, none empty or listed-only, no
 * sticky cap being disabled, and at least one name. Then `*enable` and
 * `*disable` hold the bits to set and to clear (a name both requested and removed ends up in
 * the one given last). On false (NAK) both masks are 0 and nothing changes. */
bool irc_cap_req(const struct irc_cap_table *t, const char *list, size_t len,
		 uint32_t *enable, uint32_t *disable);

/* Writes space-separated names of the capabilities in `mask`, starting at
 * table index `*next`, into buf[0..cap) as long as they fit (with "=value"
 * when `values`; a needs-value one is skipped without); leaves `*next` at
 * the first one not written (t->n when all are done) and returns the bytes written. It returns 0 with `*next`
 * short of t->n only when the next name alone is longer than `cap`. */
size_t irc_cap_list(const struct irc_cap_table *t, uint32_t mask, bool values, size_t *next,
		    char *buf, size_t cap);

#endif
