/* redis_tls: --redis-tls options into TLS client contexts. */
#include "server/redis_tls.h"

#include <stdio.h>
#include <string.h>

#include "server/options.h"
#include "tls/tls.h"

static const char *client_error(const void *ctx)
{
	return tls_client_error(ctx);
}

bool redis_tls_open(struct redis_tls *rt, const struct options *o, char *err, size_t errlen)
{
	memset(rt, 0, sizeof(*rt));
	if (!o->redis_tls)
		return true;
	struct tls_client_config cfg = {
		.ca_file = o->redis_tls_ca,
		/* The name to verify: --redis-tls-name, or the --redis host. */
		.host = o->redis_tls_name ? o->redis_tls_name : o->redis_host,
	};
	struct tls_client **sides[] = {&rt->loop_side, &rt->helper_side};
	for (size_t i = 0; i < 2; i++) {
		char why[400];
		struct tls_client *c = tls_client_create(&cfg, why, sizeof(why));
		*sides[i] = c;
		bool ok = c && (!o->redis_tls_cert ||
				tls_client_use_certificate(c, o->redis_tls_cert, o->redis_tls_key,
							   why, sizeof(why)));
		if (!ok) {
			snprintf(err, errlen, "--redis-tls: %s", why);
			redis_tls_close(rt);
			return false;
		}
	}
	return true;
}

struct redis_transport redis_tls_transport(const struct redis_tls *rt, bool helper)
{
	struct tls_client *c = helper ? rt->helper_side : rt->loop_side;
	if (!c)
		return (struct redis_transport){0};
	return (struct redis_transport){tls_client_factory(c), client_error, c};
}

void redis_tls_close(struct redis_tls *rt)
{
	tls_client_destroy(rt->loop_side);
	tls_client_destroy(rt->helper_side);
	rt->loop_side = rt->helper_side = NULL;
}
