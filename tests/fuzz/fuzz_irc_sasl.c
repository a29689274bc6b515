/* fuzz_irc_sasl: the SASL parsers (dialect/irc_sasl.h). The input is fed
 * as AUTHENTICATE chunks (cut at newlines): the buffer never exceeds its
 * maximum and MORE comes exactly for 400-byte chunks. The whole input is
 * decoded as base64 and, when accepted, must encode back to the same
 * text (one spelling per byte string) — the encoder here is written from
 * RFC 4648. Decoded bytes are split as PLAIN: accepted parts lie inside
 * them, hold no NUL, and the password and name are not empty. */
#include <stdbool.h>
#include <string.h>

#include "dialect/irc_sasl.h"
#include "fuzz.h"

static const char digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = digits[(v >> 18) & 63];
		out[o++] = digits[(v >> 12) & 63];
		out[o++] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? digits[v & 63] : '=';
	}
	return o;
}

static void check_chunks(const char *p, size_t len)
{
	struct irc_sasl_buf b = {.len = 0};
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (p + i)) : len - i;
		size_t before = b.len;
		enum irc_sasl_feed r = irc_sasl_feed(&b, p + i, n);
		FUZZ_CHECK(b.len <= IRC_SASL_MAX);
		if (r == IRC_SASL_MORE)
			FUZZ_CHECK(n == IRC_SASL_CHUNK && b.len == before + n);
		if (r == IRC_SASL_TOO_LONG) {
			FUZZ_CHECK(n > IRC_SASL_CHUNK);
			FUZZ_CHECK(b.len == before);
		}
		if (r == IRC_SASL_OVERFLOW) {
			FUZZ_CHECK(n <= IRC_SASL_CHUNK && before + n > IRC_SASL_MAX);
			FUZZ_CHECK(b.len == before);
		}
		if (r != IRC_SASL_MORE)
			b.len = 0;
		i += n + 1;
	}
}

static void check_plain(const char *p, size_t n)
{
	struct irc_sasl_plain pl;
	if (!irc_sasl_plain_split(p, n, &pl))
		return;
	FUZZ_CHECK(pl.authcid >= p && pl.authcid + pl.authcid_len <= p + n);
	FUZZ_CHECK(pl.password >= p && pl.password + pl.password_len == p + n);
	FUZZ_CHECK(pl.authcid_len > 0 && pl.password_len > 0);
	FUZZ_CHECK(!memchr(pl.authcid, '\0', pl.authcid_len));
	FUZZ_CHECK(!memchr(pl.password, '\0', pl.password_len));
	FUZZ_CHECK(pl.authzid_len == 0 || (pl.authzid_len == pl.authcid_len &&
					   memcmp(pl.authzid, pl.authcid, pl.authcid_len) == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	check_chunks(p, size);
	char out[IRC_SASL_MAX];
	size_t n;
	if (size <= IRC_SASL_MAX * 2 && irc_base64_decode(p, size, out, sizeof(out), &n)) {
		char back[IRC_SASL_MAX * 2];
		FUZZ_CHECK(n <= sizeof(out));
		FUZZ_CHECK(encode((const unsigned char *)out, n, back) == size);
		FUZZ_CHECK(memcmp(back, p, size) == 0);
		check_plain(out, n);
	}
	check_plain(p, size);
	return 0;
}
