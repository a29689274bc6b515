/* filter: parley when standard input is not a terminal. Each input line is
 * sent (as a line or a frame), each received message is printed on stdout,
 * one per line, raw. After input ends the client keeps reading until the
 * server closes or --linger ms pass with nothing new, then exits. */
#ifndef PARLEY_CLIENT_FILTER_H
#define PARLEY_CLIENT_FILTER_H

struct loop;
struct options;

/* Runs a session over the connected socket `fd` (taken over) and returns
 * the process exit status; a failure's reason has been printed to stderr. */
int filter_run(struct loop *loop, const struct options *opt, int fd);

#endif
