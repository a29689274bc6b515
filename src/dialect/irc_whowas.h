/* irc_whowas: the record WHOWAS reads — a bounded ring of the most recent
 * nick departures (a user leaving, or giving a nick up for another), each
 * with the user@host, realname and time it had. The oldest entry makes way
 * for the newest, so memory never grows past the capacity given at
 * creation; the ring itself is allocated on the first departure. Lookup
 * ignores ASCII case and goes newest first. Pure: no I/O, no hub. */
#ifndef PARLEY_DIALECT_IRC_WHOWAS_H
#define PARLEY_DIALECT_IRC_WHOWAS_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hub.h"

enum {
	IRC_WHOWAS_KEEP = 1024,   /* departures the server remembers */
	IRC_WHOWAS_REAL_MAX = 64, /* bytes of realname kept */
};

struct irc_whowas_entry {
	char nick[HUB_NAME_MAX + 1];
	char userhost[HUB_ORIGIN_MAX + 1]; /* "ident@host" */
	char realname[IRC_WHOWAS_REAL_MAX + 1];
	uint64_t time_s; /* when it left, Unix seconds */
};

struct irc_whowas;

/* An empty record of at most `keep` entries (keep > 0). */
struct irc_whowas *irc_whowas_create(size_t keep);
void irc_whowas_destroy(struct irc_whowas *w);

/* Remembers a departure; the strings are cut to their fields' sizes. */
void irc_whowas_add(struct irc_whowas *w, const char *nick, size_t nick_len,
		    const char *userhost, size_t uh_len, const char *realname, size_t real_len,
		    uint64_t time_s);

/* The entries for `nick` (ignoring ASCII case), newest first: set *pos to
 * 0, then each call returns the next one, or NULL when there are no more. */
const struct irc_whowas_entry *irc_whowas_next(const struct irc_whowas *w, const char *nick,
					       size_t len, size_t *pos);

/* Entries held now. */
size_t irc_whowas_count(const struct irc_whowas *w);

#endif
