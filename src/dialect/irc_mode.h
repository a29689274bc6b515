/* irc_mode: pure channel-mode helpers for the IRC dialect: walking a MODE
 * change string ("+kl-b key 10 mask") change by change with its arguments,
 * normalising ban masks and matching them against "nick!user@host". No
 * allocation; results point into the caller's strings. */
#ifndef PARLEY_DIALECT_IRC_MODE_H
#define PARLEY_DIALECT_IRC_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "dialect/irc_msg.h"

enum { IRC_MASK_MAX = 120 };

/* The channel modes the dialect knows (ISUPPORT CHANMODES=b,k,l,imnst and
 * PREFIX=(ov)@+). */
#define IRC_CHANMODES "b,k,l,imnst"
#define IRC_CHANMODE_LETTERS "bklimnstov"

struct irc_mode_walk {
	const char *modes; /* the change string, e.g. "+o-v" */
	size_t len;
	size_t pos;
	bool add;                    /* the sign in force ('+' until a '-') */
	const struct irc_slice *args; /* the parameters after the string */
	size_t nargs;
	size_t next_arg;
};

struct irc_mode_change {
	bool add;
	char letter;
	bool has_arg;
	struct irc_slice arg;
};

enum irc_mode_step {
	IRC_MODE_CHANGE,   /* one change in `out` */
	IRC_MODE_END,      /* the string is used up */
	IRC_MODE_UNKNOWN,  /* out->letter is not a channel mode we know */
	IRC_MODE_NO_ARG,   /* out->letter needs an argument none is left for;
			    * for 'b' this is a list query, not an error */
};

void irc_mode_walk_init(struct irc_mode_walk *w, struct irc_slice modes,
			const struct irc_slice *args, size_t nargs);

/* The next change. Arguments: o, v, b and k always take one (-k takes the
 * key if one is there, as clients differ), l only when set. */
enum irc_mode_step irc_mode_next(struct irc_mode_walk *w, struct irc_mode_change *out);

/* Completes a ban mask the way clients mean it: "nick" -> "nick!*@*",
 * "nick!user" -> "nick!user@*", "user@host" -> "*!user@host". Writes at
 * most IRC_MASK_MAX bytes plus a NUL to `out`; returns the length, or 0 if
 * the mask is empty, holds a space or a control, or would not fit. */
size_t irc_mask_normalise(const char *mask, size_t len, char out[IRC_MASK_MAX + 1]);

/* True if `text` matches `mask`, where '*' stands for any run of bytes and
 * '?' for one byte, ignoring ASCII case. */
bool irc_mask_match(const char *mask, size_t mlen, const char *text, size_t tlen);

#endif
