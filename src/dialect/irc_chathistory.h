/* irc_chathistory: parsing a CHATHISTORY command's parameters (the
 * draft/chathistory extension) into a store query: the subcommand, its
 * target and its message references ("msgid=<16 hex>" or
 * "timestamp=<ISO-8601 UTC>", "*" for LATEST), and the limit, clamped to
 * the server's maximum. Pure; the dialect runs the query. */
#ifndef PARLEY_DIALECT_IRC_CHATHISTORY_H
#define PARLEY_DIALECT_IRC_CHATHISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "dialect/irc_msg.h"
#include "hub/hub.h" /* struct store_query, through the hub's contract */

enum irc_ch_sub { IRC_CH_QUERY, IRC_CH_TARGETS };

enum irc_ch_error {
	IRC_CH_OK,
	IRC_CH_UNKNOWN,   /* unknown subcommand */
	IRC_CH_FEW,       /* missing parameters */
	IRC_CH_MANY,      /* excess parameters */
	IRC_CH_BAD_REF,   /* a reference that does not parse (`bad` names it) */
	IRC_CH_BAD_LIMIT, /* a limit that is not a positive number */
};

struct irc_ch_request {
	enum irc_ch_sub sub;
	struct irc_slice subcommand; /* as sent */
	struct irc_slice target;     /* empty for TARGETS */
	struct irc_slice bad;        /* the parameter at fault, for errors */
	struct store_query q;        /* TARGETS: a, b are the two times */
};

/* Parses params[0..n) (the subcommand first). `max` is the most lines one
 * request returns; a larger limit is lowered to it. */
enum irc_ch_error irc_chathistory_parse(const struct irc_slice *params, size_t n, size_t max,
					struct irc_ch_request *out);

#endif
