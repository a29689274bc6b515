/* cost: the table of extra command costs (cost.h). */
#include <string.h>

#include "dialect/cost.h"

static const struct {
	const char *name;
	unsigned extra;
} costs[] = {
	{"LIST", 9},  {"ROOMS", 9}, {"WHO", 4},         {"WHOIS", 1}, {"NAMES", 2},
	{"USERS", 2}, {"HISTORY", 4}, {"CHATHISTORY", 4}, {"WHOWAS", 1}, {"MONITOR", 1},
};

unsigned command_cost(const char *name)
{
	for (size_t i = 0; i < sizeof(costs) / sizeof(costs[0]); i++)
		if (strcmp(name, costs[i].name) == 0)
			return costs[i].extra;
	return 0;
}
