/*
 * control.h - running a configured pipeline as a process: signals, the
 * publisher, the progress line, the Redis kill switch.  Shared by
 * `ibpipe run`, `ibpipe probe` and `ibpipe replay`.
 */
#ifndef IBPIPE_CONTROL_H
#define IBPIPE_CONTROL_H

#include "config.h"
#include "pipeline.h"

enum ib_app_mode { IB_APP_RUN, IB_APP_PROBE };

/* Run until stopped; returns the process exit code. */
int ib_app_run(const ib_config *cfg, enum ib_app_mode mode);

/* One-line progress summary of a running pipeline (for the terminal). */
void ib_app_progress_line(ib_pipeline *p, ib_pub *pub, char *buf, size_t cap);

#endif
