/* redis_loop: the hiredis event hooks on top of src/loop. */
#include <hiredis/async.h>

#include "cluster/redis_loop.h"
#include "loop/loop.h"

static void update(struct redis_loop *rl, unsigned mask)
{
	if (mask == rl->mask && rl->watched)
		return;
	rl->mask = mask;
	if (rl->watched)
		loop_set_mask(rl->loop, rl->fd, mask);
}

static void on_ready(void *data, int fd, unsigned events)
{
	struct redis_loop *rl = data;
	(void)fd;
	/* Either handler may end the connection; cleanup() then clears ac. */
	if ((events & LOOP_READ) && rl->ac)
		redisAsyncHandleRead(rl->ac);
	if ((events & LOOP_WRITE) && rl->ac)
		redisAsyncHandleWrite(rl->ac);
}

static void add_read(void *p) { struct redis_loop *rl = p; update(rl, rl->mask | LOOP_READ); }
static void del_read(void *p) { struct redis_loop *rl = p; update(rl, rl->mask & ~LOOP_READ); }
static void add_write(void *p) { struct redis_loop *rl = p; update(rl, rl->mask | LOOP_WRITE); }
static void del_write(void *p) { struct redis_loop *rl = p; update(rl, rl->mask & ~LOOP_WRITE); }

static void cleanup(void *p)
{
	struct redis_loop *rl = p;
	if (rl->watched)
		loop_unwatch(rl->loop, rl->fd);
	rl->watched = false;
	rl->ac = NULL;
	rl->mask = 0;
}

bool redis_loop_attach(struct redis_loop *rl, struct loop *loop, struct redisAsyncContext *ac)
{
	rl->loop = loop;
	rl->ac = NULL;
	rl->mask = 0;
	rl->watched = false;
	if (!ac || ac->err)
		return false;
	rl->ac = ac;
	rl->fd = ac->c.fd;
	ac->ev.data = rl;
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	if (loop_watch(loop, rl->fd, 0, on_ready, rl) < 0)
		return false;
	rl->watched = true;
	return true;
}
