/* irc_whowas: the ring of recent nick departures behind WHOWAS (see the
 * header). A slot is a fixed-size entry, so recording a departure never
 * allocates once the ring exists, and the bound is exact: IRC_WHOWAS_KEEP
 * entries of sizeof(struct irc_whowas_entry) bytes. */
#include <stdlib.h>
#include <string.h>

#include "dialect/irc_text.h"
#include "dialect/irc_whowas.h"
#include "util/alloc.h"

struct irc_whowas {
	struct irc_whowas_entry *ring; /* `keep` slots, made on the first add */
	size_t keep;
	size_t head;  /* the slot the next departure goes to */
	size_t count; /* slots in use, up to `keep` */
};

struct irc_whowas *irc_whowas_create(size_t keep)
{
	struct irc_whowas *w = xcalloc(1, sizeof(*w));
	w->keep = keep ? keep : 1;
	return w;
}

void irc_whowas_destroy(struct irc_whowas *w)
{
	if (!w)
		return;
	free(w->ring);
	free(w);
}

/* Copies at most cap-1 bytes, never ending inside a UTF-8 character. */
static void copy_field(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = irc_text_chunk(src, len, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void irc_whowas_add(struct irc_whowas *w, const char *nick, size_t nick_len,
		    const char *userhost, size_t uh_len, const char *realname, size_t real_len,
		    uint64_t time_s)
{
	if (!w->ring)
		w->ring = xcalloc(w->keep, sizeof(*w->ring));
	struct irc_whowas_entry *e = &w->ring[w->head];
	copy_field(e->nick, sizeof(e->nick), nick, nick_len);
	copy_field(e->userhost, sizeof(e->userhost), userhost, uh_len);
	copy_field(e->realname, sizeof(e->realname), realname, real_len);
	e->time_s = time_s;
	w->head = (w->head + 1) % w->keep;
	if (w->count < w->keep)
		w->count++;
}

const struct irc_whowas_entry *irc_whowas_next(const struct irc_whowas *w, const char *nick,
					       size_t len, size_t *pos)
{
	/* *pos counts entries already looked at, newest first. */
	while (*pos < w->count) {
		size_t age = (*pos)++;
		const struct irc_whowas_entry *e = &w->ring[(w->head + w->keep - 1 - age) % w->keep];
		if (irc_casecmp(e->nick, strlen(e->nick), nick, len) == 0)
			return e;
	}
	return NULL;
}

size_t irc_whowas_count(const struct irc_whowas *w)
{
	return w->count;
}
