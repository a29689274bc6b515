/* console: the operator's stdin. Reads lines while stdin is open and hands
 * each to a callback; at EOF or error it stops watching, so a server
 * started with </dev/null or a closed stdin never spins. */
#ifndef PARLEY_SERVER_CONSOLE_H
#define PARLEY_SERVER_CONSOLE_H

struct loop;
struct log;
struct console;

typedef void console_fn(void *ctx, const char *line);

/* Starts reading `fd` (usually 0). Returns NULL if there is nothing to read
 * (fd closed); a regular file is read through at once. */
struct console *console_open(struct loop *loop, int fd, const struct log *log,
			     console_fn *fn, void *ctx);

/* Stops reading and frees; safe on NULL. */
void console_close(struct console *console);

#endif
