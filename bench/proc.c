/* proc: /proc and getrusage sampling. */
#include "proc.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* utime and stime are fields 14 and 15 of /proc/<pid>/stat; field 2 (the
 * command name) may contain spaces and parentheses, so we count fields from
 * the last ')'. */
static bool read_cpu(pid_t pid, uint64_t *cpu_us)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *p = strrchr(text, ')');
	unsigned long long utime, stime;
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return false;
	long hz = sysconf(_SC_CLK_TCK);
	*cpu_us = (utime + stime) * 1000000ull / (unsigned long long)(hz > 0 ? hz : 100);
	return true;
}

static bool read_rss(pid_t pid, uint64_t *rss_kb)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool found = false;
	unsigned long long kb;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "VmRSS: %llu kB", &kb) == 1;
	fclose(f);
	if (found)
		*rss_kb = kb;
	return found;
}

struct proc_sample proc_sample(pid_t pid)
{
	struct proc_sample s = {0};
	s.ok = pid > 0 && read_cpu(pid, &s.cpu_us) && read_rss(pid, &s.rss_kb);
	return s;
}

uint64_t proc_machine_busy_us(void)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	unsigned long long t[8] = {0};
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1], &t[2],
		       &t[3], &t[4], &t[5], &t[6], &t[7]);
	fclose(f);
	if (n != 8)
		return 0;
	/* user nice system idle iowait irq softirq steal: all but idle, iowait */
	unsigned long long busy = t[0] + t[1] + t[2] + t[5] + t[6] + t[7];
	long hz = sysconf(_SC_CLK_TCK);
	return busy * 1000000ull / (unsigned long long)(hz > 0 ? hz : 100);
}

uint64_t proc_self_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	uint64_t us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec;
	return us + (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}

uint64_t proc_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
	}
	return (uint64_t)rl.rlim_cur;
}
