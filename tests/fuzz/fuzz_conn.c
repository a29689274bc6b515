/* fuzz_conn: the whole connection input path — bytes in, replies and
 * fan-out out — through the real loop, net, codecs, dialects and hub (see
 * world.h). Byte 0 picks the backend and the history depth; the rest is a
 * script of records, each starting with an op byte whose low 3 bits pick a
 * client slot (0-1 chat, 2-3 irc, 4-5 relay, 6-7 frame) and whose high 5 bits the
 * action:
 *   0-23  send: a length byte, then that many bytes
 *   24-25 toggle whether the client reads its output (unread output fills
 *         the socket, then the server's queue: the slow-consumer path)
 *   26-27 shut down the client's writing side (half-close)
 *   28-29 close the client
 *   30    run two extra loop iterations
 *   31    reconnect the slot (close it, then a fresh connection)
 * After each record the loop runs once and every client reads. At the end
 * every client half-closes and reads until the server has closed all
 * connections; then the hub must be empty, and after teardown no descriptor
 * and (LeakSanitizer) no allocation may remain. */
#include <dirent.h>

#include "fuzz.h"
#include "hub/hub.h"
#include "net/net.h"
#include "world.h"

enum { FINAL_STEPS = 64 };

static const char *const backends[] = {"epoll", "poll", "select"};

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	FUZZ_CHECK(d != NULL);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Runs one record at data[0..size); returns the bytes it used. */
static size_t run_record(struct world *w, const uint8_t *data, size_t size)
{
	int slot = data[0] & 7;
	unsigned act = data[0] >> 3;
	struct client *c = &w->clients[slot];
	size_t used = 1;
	if (act < 24) {
		size_t len = size > 1 ? data[1] : 0;
		len = len < size - 2 ? len : (size > 2 ? size - 2 : 0);
		world_send(w, slot, data + 2, len);
		used = 2 + len;
	} else if (act < 26) {
		c->reading = !c->reading;
	} else if (act < 28) {
		world_shutdown(w, slot);
	} else if (act < 30) {
		world_close(w, slot);
	} else if (act == 30) {
		world_step(w);
		world_step(w);
	} else {
		world_connect(w, slot);
	}
	return used < size ? used : size;
}

/* Every client half-closes and reads; the server must then close every
 * connection by itself, leaving the hub empty. */
static void wind_down(struct world *w)
{
	for (int i = 0; i < WORLD_CLIENTS; i++) {
		w->clients[i].reading = true;
		world_shutdown(w, i);
	}
	for (int k = 0; k < FINAL_STEPS && net_active(w->net) > 0; k++)
		world_step(w);
	FUZZ_CHECK(net_active(w->net) == 0);
	FUZZ_CHECK(hub_user_count(w->hub) == 0 && hub_room_count(w->hub) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static struct world w;
	world_open_log();
	int fds_before = count_fds();
	world_init(&w, backends[data[0] % 3], (data[0] / 3) % 2 ? 3 : 0);
	for (size_t off = 1; off < size;) {
		off += run_record(&w, data + off, size - off);
		world_step(&w);
	}
	wind_down(&w);
	world_fini(&w);
	FUZZ_CHECK(count_fds() == fds_before);
	return 0;
}
