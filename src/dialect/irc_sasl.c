/* irc_sasl: AUTHENTICATE chunking, base64 and PLAIN (irc_sasl.h). */
#include "dialect/irc_sasl.h"

#include <string.h>

enum irc_sasl_feed irc_sasl_feed(struct irc_sasl_buf *buf, const char *chunk, size_t len)
{
	if (len == 1 && chunk[0] == '+')
		return IRC_SASL_DONE;
	if (len > IRC_SASL_CHUNK)
		return IRC_SASL_TOO_LONG;
	if (len > IRC_SASL_MAX - buf->len)
		return IRC_SASL_OVERFLOW;
	memcpy(buf->data + buf->len, chunk, len);
	buf->len += len;
	return len == IRC_SASL_CHUNK ? IRC_SASL_MORE : IRC_SASL_DONE;
}

/* 0-63 for a base64 digit, -1 otherwise. */
static int digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool irc_base64_decode(const char *in, size_t len, char *out, size_t cap, size_t *out_len)
{
	*out_len = 0;
	if (len % 4)
		return false;
	size_t n = 0;
	for (size_t i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		size_t pad = 0;
		if (last && in[i + 3] == '=')
			pad = in[i + 2] == '=' ? 2 : 1;
		int v[4] = {0, 0, 0, 0};
		for (size_t j = 0; j < 4 - pad; j++)
			if ((v[j] = digit(in[i + j])) < 0)
				return false;
		unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
				(unsigned)v[2] << 6 | (unsigned)v[3];
		/* The bits a padded group leaves over must be zero, so each
		 * text decodes from exactly one spelling. */
		if ((pad == 2 && (bits & 0xffff)) || (pad == 1 && (bits & 0xff)))
			return false;
		size_t take = 3 - pad;
		if (take > cap - n)
			return false;
		const unsigned char bytes[3] = {(unsigned char)(bits >> 16),
						(unsigned char)(bits >> 8), (unsigned char)bits};
		memcpy(out + n, bytes, take);
		n += take;
	}
	*out_len = n;
	return true;
}

bool irc_sasl_plain_split(const char *p, size_t len, struct irc_sasl_plain *out)
{
	memset(out, 0, sizeof(*out));
	const char *z1 = memchr(p, '\0', len);
	if (!z1)
		return false;
	size_t rest = len - (size_t)(z1 + 1 - p);
	const char *z2 = memchr(z1 + 1, '\0', rest);
	if (!z2)
		return false;
	const char *pw = z2 + 1;
	size_t pw_len = len - (size_t)(pw - p);
	if (memchr(pw, '\0', pw_len))
		return false;
	out->authzid = p;
	out->authzid_len = (size_t)(z1 - p);
	out->authcid = z1 + 1;
	out->authcid_len = (size_t)(z2 - z1 - 1);
	out->password = pw;
	out->password_len = pw_len;
	if (out->authcid_len == 0 || pw_len == 0)
		return false;
	return out->authzid_len == 0 || (out->authzid_len == out->authcid_len &&
					 memcmp(out->authzid, out->authcid, out->authcid_len) == 0);
}
