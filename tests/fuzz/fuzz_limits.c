/* fuzz_limits: the parsers added with the abuse limits and moderation —
 * rate_parse ("PER_S:BURST" or "off": accepted values are in range and
 * print back to an equivalent spec) and the console's moderation commands
 * (console_moderate) run against a small hub with two users in a room:
 * any line either is not a moderation command (false, nothing written) or
 * gets exactly one answer line, and the hub's lists stay within bounds. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "hub/hub.h"
#include "server/moderate.h"
#include "util/bucket.h"

static void quiet(void *ctx, struct hub_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void no_kill(void *ctx, const char *by, const char *reason, size_t len)
{
	(void)ctx;
	FUZZ_CHECK(by != NULL && (len == 0 || reason != NULL));
}

static const struct hub_sink sink = {.deliver = quiet, .kill = no_kill};

static void check_rate(const char *text)
{
	struct rate r = {7, 7};
	if (!rate_parse(text, &r)) {
		FUZZ_CHECK(r.per_s == 7 && r.burst == 7);
		return;
	}
	if (!rate_on(&r)) {
		FUZZ_CHECK(strcmp(text, "off") == 0 && r.burst == 0);
		return;
	}
	FUZZ_CHECK(r.per_s >= 1 && r.burst >= 1);
	char again[32];
	snprintf(again, sizeof(again), "%u:%u", r.per_s, r.burst);
	struct rate back;
	FUZZ_CHECK(rate_parse(again, &back) && back.per_s == r.per_s && back.burst == r.burst);
}

static void check_console(const char *line)
{
	struct hub_config cfg = {0};
	struct hub *hub = hub_create(&cfg);
	struct hub_user *a, *b;
	FUZZ_CHECK(hub_register(hub, "alice", 5, &sink, NULL, &a) == HUB_OK);
	FUZZ_CHECK(hub_register(hub, "bob", 3, &sink, NULL, &b) == HUB_OK);
	FUZZ_CHECK(hub_join(hub, a, "#r", 2, NULL) == HUB_OK);
	FUZZ_CHECK(hub_join(hub, b, "#r", 2, NULL) == HUB_OK);
	char out[4096];
	FILE *f = fmemopen(out, sizeof(out), "w");
	FUZZ_CHECK(f != NULL);
	bool ran = console_moderate(hub, line, f);
	long written = ftell(f);
	fclose(f);
	FUZZ_CHECK(ran ? written > 0 : written == 0);
	struct hub_room *room = hub_find_room(hub, "#r", 2);
	if (room)
		FUZZ_CHECK(hub_room_ban_count(room) <= 1);
	hub_unregister(hub, a, "", 0);
	hub_unregister(hub, b, "", 0);
	hub_destroy(hub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	check_rate(text);
	check_console(text);
	return 0;
}
