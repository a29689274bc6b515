/* relay: a broadcast group per listener. Two configurations of one idea:
 *   RELAY_LINES  (listener `relay`): every complete line, exactly
 *                as received, goes to every other member.
 *   RELAY_FRAMES (listener `frame`): every length-prefixed frame,
 *                exactly as received, goes to every member, sender included.
 *                A member whose first bytes are typed text (see
 *                frame_input_kind) is read as lines instead: each line,
 *                without its terminator, goes out as the frame carrying it,
 *                and is logged once as TEXT_CLIENT.
 * Each received unit is copied once into a shared message for all. */
#ifndef PARLEY_DIALECT_RELAY_H
#define PARLEY_DIALECT_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"

struct log;
struct relay;

enum relay_mode { RELAY_LINES, RELAY_FRAMES };

/* The handler for relay and frame listeners; handler_data is a relay. */
extern const struct conn_handler relay_handler;

/* Creates an empty group; `max_unit` is --max-line or --max-frame. */
struct relay *relay_create(enum relay_mode mode, size_t max_unit, const struct log *log);

/* Frees the group; its members must be closed first. */
void relay_destroy(struct relay *relay);

/* Lines or frames received from members so far. */
uint64_t relay_units_received(const struct relay *relay);

/* The largest unit a member can be sent when units are at most `max_unit`
 * bytes: a line and its "\r\n", or a frame payload and its header. */
size_t relay_largest_unit(enum relay_mode mode, size_t max_unit);

#endif
