/* irc_sasl: the pure half of SASL over IRC — gathering an AUTHENTICATE
 * payload from its 400-byte base64 chunks ("+" for an empty one), decoding
 * base64, and splitting a PLAIN message (authzid NUL authcid NUL password).
 * No state beyond the caller's buffer; the dialect runs the exchange. */
#ifndef PARLEY_DIALECT_IRC_SASL_H
#define PARLEY_DIALECT_IRC_SASL_H

#include <stdbool.h>
#include <stddef.h>

enum {
	IRC_SASL_CHUNK = 400,   /* bytes of base64 per AUTHENTICATE line */
	IRC_SASL_MAX = 1200,    /* base64 bytes of one payload accepted */
};

/* A payload being gathered: embed it zeroed. */
struct irc_sasl_buf {
	char data[IRC_SASL_MAX];
	size_t len;
};

enum irc_sasl_feed {
	IRC_SASL_MORE,     /* a full chunk: more follow */
	IRC_SASL_DONE,     /* the payload is complete in the buffer */
	IRC_SASL_TOO_LONG, /* a chunk over 400 bytes (905) */
	IRC_SASL_OVERFLOW, /* the payload grew over the max: a failure (904) */
};

/* Adds one AUTHENTICATE argument. "+" adds nothing and ends the payload. */
enum irc_sasl_feed irc_sasl_feed(struct irc_sasl_buf *buf, const char *chunk, size_t len);

/* Decodes standard base64 (padding required, no whitespace) into
 * out[0..cap); false on any malformed input or when it does not fit. */
bool irc_base64_decode(const char *in, size_t len, char *out, size_t cap, size_t *out_len);

/* A PLAIN message's parts, pointing into the decoded bytes. */
struct irc_sasl_plain {
	const char *authzid, *authcid, *password;
	size_t authzid_len, authcid_len, password_len;
};

/* Splits "authzid\0authcid\0password": exactly two NULs, a non-empty
 * authcid and password, and an authzid that is empty or equal to the
 * authcid (nobody logs in as someone else). */
bool irc_sasl_plain_split(const char *p, size_t len, struct irc_sasl_plain *out);

#endif
