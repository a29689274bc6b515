/* replay: a main() for the fuzz targets without libFuzzer. Runs the target
 * once on every file named on the command line (directories are walked, in
 * name order, so runs are reproducible). Each input is placed at the very
 * end of a mapping followed by a PROT_NONE page, so a parser reading one
 * byte too far crashes even without AddressSanitizer. Exits 0 only if every
 * input ran; a broken invariant aborts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

enum { REPLAY_MAX = 1 << 20 };

struct arena {
	char *base;
	size_t usable;
};

static void arena_init(struct arena *a)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	a->usable = (REPLAY_MAX + page - 1) / page * page;
	a->base = mmap(NULL, a->usable + page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->base == MAP_FAILED || mprotect(a->base + a->usable, page, PROT_NONE) != 0) {
		perror("replay: mmap");
		exit(2);
	}
}

/* Reads `path` into the end of the arena; returns its size or -1. */
static long load(const struct arena *a, const char *path, const uint8_t **data)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static char tmp[REPLAY_MAX];
	size_t n = fread(tmp, 1, sizeof(tmp), f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	if (bad)
		return -1;
	char *dst = a->base + a->usable - n;
	memcpy(dst, tmp, n);
	*data = (const uint8_t *)dst;
	return (long)n;
}

static int run_file(const struct arena *a, const char *path)
{
	const uint8_t *data;
	long n = load(a, path, &data);
	if (n < 0) {
		fprintf(stderr, "replay: cannot read %s (or larger than %d bytes)\n", path,
			REPLAY_MAX);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, (size_t)n);
	return 1;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
	return strcmp((*x)->d_name, (*y)->d_name);
}

/* Runs every regular file in `dir`; returns the count or -1. */
static int run_dir(const struct arena *a, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		return -1;
	int count = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		struct stat st;
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			int rc = run_file(a, path);
			count = (rc < 0 || count < 0) ? -1 : count + rc;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	struct arena a;
	arena_init(&a);
	int total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int rc = stat(argv[i], &st) != 0 ? -1
			 : S_ISDIR(st.st_mode)    ? run_dir(&a, argv[i])
						  : run_file(&a, argv[i]);
		if (rc < 0) {
			fprintf(stderr, "replay: %s: unreadable\n", argv[i]);
			return 1;
		}
		total += rc;
	}
	printf("%s: %d inputs replayed, all invariants held\n", argv[0], total);
	return total > 0 ? 0 : 1;
}
