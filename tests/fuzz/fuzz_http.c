/* fuzz_http: the request-head parser (codec/http.c). Byte 0 picks the head
 * limit; the rest is the input. Whatever it is, the parser must stay inside
 * it, and an accepted head must be consistent: head_len within input and
 * limit, ending in a blank line, every field and the target inside the
 * head, and parsing the head alone giving the same answer. */
#include <string.h>

#include "codec/http.h"
#include "fuzz.h"

static bool inside(const char *p, size_t len, const char *base, size_t n)
{
	return p >= base && len <= n && (size_t)(p - base) <= n - len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max = 16 + (size_t)data[0] * 4;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	struct http_request r;
	enum http_status st = http_parse(p, n, max, &r);
	if (st != HTTP_OK)
		return 0;
	FUZZ_CHECK(r.head_len <= n && r.head_len <= max && r.head_len >= 4);
	FUZZ_CHECK(memcmp(p + r.head_len - 4, "\r\n\r\n", 4) == 0 ||
		   memcmp(p + r.head_len - 2, "\r\n", 2) == 0);
	FUZZ_CHECK(inside(r.target, r.target_len, p, r.head_len));
	FUZZ_CHECK(r.nfields <= HTTP_FIELDS_MAX);
	for (size_t i = 0; i < r.nfields; i++) {
		FUZZ_CHECK(inside(r.fields[i].name, r.fields[i].name_len, p, r.head_len));
		FUZZ_CHECK(inside(r.fields[i].value, r.fields[i].value_len, p, r.head_len));
	}
	struct http_request again;
	FUZZ_CHECK(http_parse(p, r.head_len, max, &again) == HTTP_OK);
	FUZZ_CHECK(again.head_len == r.head_len && again.nfields == r.nfields);
	return 0;
}
