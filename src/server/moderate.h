/* moderate: the console's moderation commands, for whoever runs the
 * process — KICK <#room> <user> [reason], KILL <user> [reason],
 * BAN <#room> <mask>, UNBAN <#room> <mask>, CLOSE <#room> [reason]. They act
 * through the hub as the actor "console" (hub.h), so members see them as
 * they would an operator's. */
#ifndef PARLEY_SERVER_MODERATE_H
#define PARLEY_SERVER_MODERATE_H

#include <stdbool.h>
#include <stdio.h>

struct hub;

/* Runs `line` if its first word is one of the commands above, writing one
 * line of outcome ("OK ..." or "ERROR ...") to `out`; false (nothing
 * written) for any other word. */
bool console_moderate(struct hub *hub, const char *line, FILE *out);

/* The commands' lines for HELP. */
extern const char console_moderate_help[];

#endif
