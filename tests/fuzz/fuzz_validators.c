/* fuzz_validators: the text checks every chat line passes through —
 * utf8_valid (at every alignment of its eight-byte fast path),
 * chat_check_text, chat_text_blank, chat_username_valid, hub_name_valid and
 * hub_room_valid —
 * each compared with the independent model in reference.h. */
#include "dialect/chat_parse.h"
#include "fuzz.h"
#include "hub/hub.h"
#include "reference.h"
#include "util/utf8.h"

static enum chat_text ref_check_text(const unsigned char *p, size_t n)
{
	if (ref_has_control(p, n))
		return CHAT_TEXT_BAD_CHARS;
	return ref_utf8_valid(p, n) ? CHAT_TEXT_OK : CHAT_TEXT_BAD_UTF8;
}

static bool ref_blank(const unsigned char *p, size_t n)
{
	size_t spaces = 0;
	for (size_t i = 0; i < n; i++)
		spaces += p[i] == ' ' || p[i] == '\t';
	return spaces == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Later starts end at the same byte: every alignment of the fast path. */
	for (size_t skip = 0; skip < 8 && skip <= size; skip++) {
		const uint8_t *p = data + skip;
		size_t n = size - skip;
		FUZZ_CHECK(utf8_valid((const char *)p, n) == ref_utf8_valid(p, n));
	}
	const char *s = (const char *)data;
	FUZZ_CHECK(chat_check_text(s, size) == ref_check_text(data, size));
	FUZZ_CHECK(chat_text_blank(s, size) == ref_blank(data, size));
	FUZZ_CHECK(chat_username_valid(s, size) == ref_name_valid(data, size));
	FUZZ_CHECK(hub_name_valid(s, size) == ref_hub_name_valid(data, size));
	FUZZ_CHECK(hub_room_valid(s, size) == ref_room_valid(data, size));
	return 0;
}
