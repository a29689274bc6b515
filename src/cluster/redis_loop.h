/* redis_loop: runs a hiredis asynchronous connection on our event loop.
 * hiredis asks for read and write interest through five hooks; this maps
 * them onto loop_watch()/loop_set_mask() and feeds readiness back with
 * redisAsyncHandleRead/Write. The adapter is owned by the caller (embedded
 * in its struct) and outlives the hiredis context it serves. */
#ifndef PARLEY_CLUSTER_REDIS_LOOP_H
#define PARLEY_CLUSTER_REDIS_LOOP_H

#include <stdbool.h>

struct loop;
struct redisAsyncContext;

struct redis_loop {
	struct loop *loop;
	struct redisAsyncContext *ac; /* NULL once hiredis cleaned up */
	int fd;
	unsigned mask;
	bool watched;
};

/* Attaches `ac` (fresh from redisAsyncConnect) to `loop`. False if the
 * context already failed. */
bool redis_loop_attach(struct redis_loop *rl, struct loop *loop, struct redisAsyncContext *ac);

#endif
