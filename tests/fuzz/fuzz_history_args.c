/* fuzz_history_args: the chat HISTORY argument parser
 * (chat_parse_history) against a model written from docs/PROTOCOL.md —
 * words separated by spaces: a room word; then optionally a count (1-9
 * decimal digits, not zero, clamped to the maximum); then optionally
 * BEFORE and a 16-digit lower-case hex id other than zero; nothing after.
 * Every pointer returned must lie inside the input. The same bytes also go
 * through store_ref_parse (message id, msgid=..., timestamp=...), whose
 * accepted timestamps must format back to the same instant. */
#include <stdbool.h>
#include <string.h>

#include "dialect/chat_parse.h"
#include "fuzz.h"
#include "store/store.h"

enum { MAX_COUNT = 500, MAX_WORDS = 8 };

struct words {
	const char *w[MAX_WORDS];
	size_t n[MAX_WORDS];
	size_t count;
	bool overflow;
};

static void split(const char *p, size_t len, struct words *out)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	while (i < len) {
		while (i < len && p[i] == ' ')
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && p[i] != ' ')
			i++;
		if (out->count == MAX_WORDS) {
			out->overflow = true;
			return;
		}
		out->w[out->count] = p + start;
		out->n[out->count++] = i - start;
	}
}

static bool model_count(const char *w, size_t n, size_t *out)
{
	if (n == 0 || n > 9)
		return false;
	size_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (size_t)(w[i] - '0');
	}
	*out = v > MAX_COUNT ? MAX_COUNT : v;
	return v > 0;
}

static bool model_id(const char *w, size_t n, uint64_t *out)
{
	if (n != 16)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!((w[i] >= '0' && w[i] <= '9') || (w[i] >= 'a' && w[i] <= 'f')))
			return false;
		v = v * 16 + (uint64_t)(w[i] <= '9' ? w[i] - '0' : w[i] - 'a' + 10);
	}
	*out = v;
	return v != 0;
}

static bool is_before(const char *w, size_t n)
{
	return n == 6 && memcmp(w, "BEFORE", 6) == 0;
}

static bool model(const char *p, size_t len, struct chat_history_args *out)
{
	struct words ws;
	split(p, len, &ws);
	memset(out, 0, sizeof(*out));
	out->count = 50;
	if (ws.overflow || ws.count == 0)
		return false;
	out->room = ws.w[0];
	out->room_len = ws.n[0];
	size_t i = 1;
	if (i < ws.count && !is_before(ws.w[i], ws.n[i])) {
		if (!model_count(ws.w[i], ws.n[i], &out->count))
			return false;
		i++;
	}
	if (i == ws.count)
		return true;
	if (!is_before(ws.w[i], ws.n[i]) || i + 2 != ws.count)
		return false;
	return model_id(ws.w[i + 1], ws.n[i + 1], &out->before);
}

static void check_refs(const char *p, size_t len)
{
	struct store_ref ref;
	if (!store_ref_parse(p, len, &ref))
		return;
	FUZZ_CHECK(ref.by_time || ref.value != 0);
	if (ref.by_time && len == 10 + STORE_TIME_LEN) {
		char back[STORE_TIME_LEN];
		store_time_format(ref.value, back);
		struct store_ref again;
		char text[10 + STORE_TIME_LEN];
		memcpy(text, "timestamp=", 10);
		memcpy(text + 10, back, STORE_TIME_LEN);
		FUZZ_CHECK(store_ref_parse(text, sizeof(text), &again));
		FUZZ_CHECK(again.value == ref.value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct chat_history_args got, want;
	bool ok = chat_parse_history(p, size, MAX_COUNT, &got);
	bool model_ok = model(p, size, &want);
	FUZZ_CHECK(ok == model_ok);
	if (ok) {
		FUZZ_CHECK(got.room >= p && got.room + got.room_len <= p + size);
		FUZZ_CHECK(got.room == want.room && got.room_len == want.room_len);
		FUZZ_CHECK(got.count == want.count);
		FUZZ_CHECK(got.count >= 1 && got.count <= MAX_COUNT);
		FUZZ_CHECK(got.before == want.before);
	}
	check_refs(p, size);
	return 0;
}
