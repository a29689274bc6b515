/* check: the invariants fuzz_conn asserts about what the server sends and
 * about the hub's state; any violation aborts (FUZZ_CHECK). */
#ifndef PARLEY_TESTS_FUZZ_CHECK_H
#define PARLEY_TESTS_FUZZ_CHECK_H

struct world;

/* Checks and consumes every complete unit in the slot's received bytes:
 * chat lines are well-formed protocol lines ending in "\r\n"; relay lines
 * and frames are within the limits and were sent, byte for byte, by a
 * member of the same group (or a frame's payload was typed by one as a
 * line). */
void check_output(struct world *w, int slot);

/* The hub's rooms, members and users agree with each other and with the
 * number of live connections. */
void check_hub(const struct world *w);

#endif
