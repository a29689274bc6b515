/* proc: CPU time and memory of the server under test (from /proc) and of
 * the generator itself (getrusage). Linux only, like the server. */
#ifndef PARLEY_BENCH_PROC_H
#define PARLEY_BENCH_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_sample {
	bool ok;          /* false if the process could not be read */
	uint64_t cpu_us;  /* utime + stime, all threads, in microseconds */
	uint64_t rss_kb;  /* VmRSS */
};

/* Reads /proc/<pid>/stat and /proc/<pid>/status. The CPU figure has the
 * resolution of the kernel's clock tick (usually 10 ms). */
struct proc_sample proc_sample(pid_t pid);

/* CPU time spent by every process on the machine (all CPUs, non-idle
 * time from the first line of /proc/stat) in microseconds; 0 if unreadable.
 * Subtracting the server's and generator's share tells how much other load
 * disturbed a run. */
uint64_t proc_machine_busy_us(void);

/* This process's user + system CPU time in microseconds. */
uint64_t proc_self_cpu_us(void);

/* Raises the soft descriptor limit to the hard limit; returns the new soft
 * limit (or the old one if raising failed). */
uint64_t proc_raise_fd_limit(void);

#endif
