/*
 * affinity.c - naming and pinning pipeline threads (core/affinity.h).
 * Runs on the thread that starts the pipeline, before any message flows.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "core/affinity.h"
#include "ibpipe/log.h"

void
ib_thread_place(pthread_t th, const char *name, int cpu)
{
	cpu_set_t set;
	int rc;

	pthread_setname_np(th, name);
	if (cpu < 0)
		return;
	if (cpu >= CPU_SETSIZE) {
		ib_log(IB_LL_WARN, "pipeline", "%s: cpu %d is beyond CPU_SETSIZE (%d): not pinned", name, cpu, CPU_SETSIZE);
		return;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	rc = pthread_setaffinity_np(th, sizeof(set), &set);
	if (rc != 0)
		ib_log(IB_LL_WARN, "pipeline", "%s: cannot pin to cpu %d (%s): runs unpinned", name, cpu, strerror(rc));
	else
		ib_log(IB_LL_INFO, "pipeline", "%s pinned to cpu %d", name, cpu);
}
