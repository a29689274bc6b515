/* cost: what a command costs against the connection's input bucket beyond
 * its one line (--rate-limit; net/conn.h conn_charge). Commands whose
 * answer grows with the server (every room, every member, stored history)
 * or that guess passwords cost more, so a client looping over them slows
 * down sooner than one that talks. The same table serves chat and IRC. */
#ifndef PARLEY_DIALECT_COST_H
#define PARLEY_DIALECT_COST_H

#include <stddef.h>

enum { COST_FAILED_LOGIN = 10 };

/* Extra tokens for the command `name` (upper case, e.g. "LIST", "WHO",
 * "NAMES", "HISTORY", "CHATHISTORY"; chat's ROOMS and USERS count as LIST
 * and NAMES); 0 for anything else. */
unsigned command_cost(const char *name);

#endif
