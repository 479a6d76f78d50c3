/*
 * metrics.h - the loopback HTTP listener: /metrics (Prometheus text format),
 * /healthz (the threads make progress) and /readyz (the gate is open).
 *
 * Served by libmicrohttpd's own thread; a request reads atomic counters and
 * the supervisor's snapshot only, so a scrape can never stall the pipeline.
 * Off unless metrics_listen is set.
 */
#ifndef IBPIPE_METRICS_H
#define IBPIPE_METRICS_H

#include <stddef.h>

#include "config/config.h"
#include "core/pipeline.h"
#include "service/supervisor.h"

typedef struct ib_metrics ib_metrics;

/* Listen on cfg->metrics_host:metrics_port.  NULL with err (naming the address) on failure. */
ib_metrics *ib_metrics_start(const ib_config *cfg, ib_pipeline *p, ib_supervisor *sv, char *err, size_t errlen);
/* The port actually bound (metrics_port 0 asks for any free one). */
int ib_metrics_port(const ib_metrics *m);
/* Stop serving (before the pipeline's threads are joined).  NULL is fine. */
void ib_metrics_stop(ib_metrics *m);

/* metrics_text.c: the whole /metrics page into buf; returns its length (cap - 1 at most). */
size_t ib_metrics_render(char *buf, size_t cap, ib_pipeline *p, ib_supervisor *sv, const ib_sv_snapshot *snap);

#endif
