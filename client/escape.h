/* escape: make arbitrary received bytes safe to print on one line of a
 * terminal. A server (or, through relay and frame, any other client) can
 * send control bytes; printed raw they could move the cursor, recolour or
 * retitle the user's terminal, so every path to a screen goes through here. */
#ifndef PARLEY_CLIENT_ESCAPE_H
#define PARLEY_CLIENT_ESCAPE_H

#include <stddef.h>

struct buf;

enum escape_mode {
	/* For people: C0 controls except tab, DEL, C1 controls and bytes that
	 * are not valid UTF-8 become \n, \r or \xNN; valid UTF-8 and '\\'
	 * pass through unchanged. */
	ESCAPE_TEXT,
	/* Unambiguous (frame output): also tab becomes \t and '\\' becomes
	 * "\\\\", so the original bytes can always be recovered. */
	ESCAPE_STRICT,
};

/* Appends the escaped form of `p[0..len)` to `out`. */
void escape_append(struct buf *out, const char *p, size_t len, enum escape_mode mode);

#endif
