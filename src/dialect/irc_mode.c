/* irc_mode: MODE string walking and ban masks (irc_mode.h). */
#include "dialect/irc_mode.h"
#include "util/mask.h"

#include <string.h>

#include "util/str.h"

void irc_mode_walk_init(struct irc_mode_walk *w, struct irc_slice modes,
			const struct irc_slice *args, size_t nargs)
{
	*w = (struct irc_mode_walk){.modes = modes.p, .len = modes.len, .add = true,
				    .args = args, .nargs = nargs};
}

static bool takes_arg(char letter, bool add)
{
	switch (letter) {
	case 'o':
	case 'v':
	case 'b':
	case 'k':
		return true;
	case 'l':
		return add;
	default:
		return false;
	}
}

enum irc_mode_step irc_mode_next(struct irc_mode_walk *w, struct irc_mode_change *out)
{
	while (w->pos < w->len && (w->modes[w->pos] == '+' || w->modes[w->pos] == '-'))
		w->add = w->modes[w->pos++] == '+';
	if (w->pos >= w->len)
		return IRC_MODE_END;
	char letter = w->modes[w->pos++];
	*out = (struct irc_mode_change){.add = w->add, .letter = letter};
	if (!memchr(IRC_CHANMODE_LETTERS, letter, sizeof(IRC_CHANMODE_LETTERS) - 1) ||
	    letter == '\0')
		return IRC_MODE_UNKNOWN;
	if (!takes_arg(letter, w->add))
		return IRC_MODE_CHANGE;
	if (w->next_arg >= w->nargs)
		return letter == 'k' && !w->add ? IRC_MODE_CHANGE : IRC_MODE_NO_ARG;
	out->has_arg = true;
	out->arg = w->args[w->next_arg++];
	return IRC_MODE_CHANGE;
}

size_t irc_mask_normalise(const char *mask, size_t len, char out[IRC_MASK_MAX + 1])
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) /* a mask is one printable word */
		if ((unsigned char)mask[i] <= ' ' || mask[i] == 0x7f)
			return 0;
	const char *bang = memchr(mask, '!', len);
	const char *at = memchr(mask, '@', len);
	const char *pre = "", *post = "";
	if (!bang && !at)
		post = "!*@*";
	else if (bang && !at)
		post = "@*";
	else if (!bang && at)
		pre = "*!";
	size_t total = strlen(pre) + len + strlen(post);
	if (total > IRC_MASK_MAX)
		return 0;
	size_t n = strlen(pre);
	memcpy(out, pre, n);
	memcpy(out + n, mask, len);
	memcpy(out + n + len, post, strlen(post));
	out[total] = '\0';
	return total;
}

bool irc_mask_match(const char *mask, size_t mlen, const char *text, size_t tlen)
{
	return mask_match(mask, mlen, text, tlen);
}
