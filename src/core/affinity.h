/*
 * affinity.h - a pipeline thread's name and, optionally, the CPU it runs on
 * (the cpu_* settings).  Called by ib_pipeline_start right after each
 * thread is created.
 */
#ifndef IBPIPE_AFFINITY_H
#define IBPIPE_AFFINITY_H

#include <pthread.h>

/*
 * Name th (top -H, /proc/PID/task/TID/comm; at most 15 characters) and, when
 * cpu >= 0, pin it to that CPU.  A pin the system refuses (no such CPU, not
 * in this process's cpuset) is logged with the reason and the thread runs
 * unpinned: placement is a tuning, never a reason to stop trading.
 */
void ib_thread_place(pthread_t th, const char *name, int cpu);

#endif
