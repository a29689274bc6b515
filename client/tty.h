/* tty: parley when standard input is a terminal. GNU readline's callback
 * interface gives line editing and history while the event loop keeps
 * serving the socket; incoming messages are printed above the input line
 * without disturbing what is being typed. */
#ifndef PARLEY_CLIENT_TTY_H
#define PARLEY_CLIENT_TTY_H

struct loop;
struct options;

/* Runs an interactive session over the connected socket `fd` (taken over),
 * reconnecting whenever the connection drops until the user leaves, and
 * returns the exit status. The terminal is restored on every path. */
int tty_run(struct loop *loop, const struct options *opt, int fd);

#endif
