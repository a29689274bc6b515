/* login_limit: per-connection back-off and per-address failure windows. */
#include "dialect/login_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/map.h"

enum { KEY_LEN = 33 }; /* family + 16 address bytes, in hex */

struct address_window {
	uint64_t start_ms;
	uint32_t failures;
	char key[KEY_LEN];
};

struct login_limit {
	struct map *by_address;
	struct address_window **all; /* for freeing; same entries as the map */
	size_t count;
};

static const char *window_key(const void *v, size_t *len)
{
	const struct address_window *w = v;
	*len = KEY_LEN - 1;
	return w->key;
}

/* The port is left out: a guesser reconnecting keeps its address. */
static void key_of(const struct peer *peer, char out[KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	out[0] = hex[peer->family & 15];
	for (int i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[peer->addr[i] >> 4];
		out[2 + 2 * i] = hex[peer->addr[i] & 15];
	}
	out[KEY_LEN - 1] = '\0';
}

struct login_limit *login_limit_create(void)
{
	struct login_limit *l = xcalloc(1, sizeof(*l));
	l->by_address = map_create(window_key, false);
	l->all = xcalloc(LOGIN_LIMIT_ADDRESSES, sizeof(*l->all));
	return l;
}

static void forget_all(struct login_limit *l)
{
	for (size_t i = 0; i < l->count; i++) {
		map_remove(l->by_address, l->all[i]->key, KEY_LEN - 1);
		free(l->all[i]);
	}
	l->count = 0;
}

void login_limit_destroy(struct login_limit *l)
{
	if (!l)
		return;
	forget_all(l);
	map_destroy(l->by_address);
	free(l->all);
	free(l);
}

static struct address_window *window_of(struct login_limit *l, const struct peer *peer,
					bool create)
{
	char key[KEY_LEN];
	key_of(peer, key);
	struct address_window *w = map_get(l->by_address, key, KEY_LEN - 1);
	if (w || !create)
		return w;
	/* A table full of addresses is forgotten at once: bounded memory
	 * matters more than remembering a flood of one-off addresses. */
	if (l->count == LOGIN_LIMIT_ADDRESSES)
		forget_all(l);
	w = xcalloc(1, sizeof(*w));
	memcpy(w->key, key, KEY_LEN);
	map_put(l->by_address, w);
	l->all[l->count++] = w;
	return w;
}

bool login_limit_allowed(struct login_limit *l, const struct login_attempts *conn,
			 const struct peer *peer, uint64_t now_ms)
{
	if (now_ms < conn->next_try_ms)
		return false;
	const struct address_window *w = window_of(l, peer, false);
	if (!w || now_ms - w->start_ms >= LOGIN_LIMIT_WINDOW_MS)
		return true;
	return w->failures < LOGIN_LIMIT_PER_ADDRESS;
}

void login_limit_failed(struct login_limit *l, struct login_attempts *conn,
			const struct peer *peer, uint64_t now_ms)
{
	conn->failures++;
	uint64_t delay = 1000;
	for (uint32_t i = 1; i < conn->failures && delay < LOGIN_LIMIT_MAX_DELAY_MS; i++)
		delay *= 2;
	if (delay > LOGIN_LIMIT_MAX_DELAY_MS)
		delay = LOGIN_LIMIT_MAX_DELAY_MS;
	conn->next_try_ms = now_ms + delay;
	struct address_window *w = window_of(l, peer, true);
	if (now_ms - w->start_ms >= LOGIN_LIMIT_WINDOW_MS) {
		w->start_ms = now_ms;
		w->failures = 0;
	}
	w->failures++;
}

void login_limit_succeeded(struct login_attempts *conn)
{
	conn->failures = 0;
	conn->next_try_ms = 0;
}
