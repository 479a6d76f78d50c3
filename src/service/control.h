/*
 * control.h - running a configured pipeline as a process: signals, the
 * publisher, the progress line, the Redis kill switch.  Shared by
 * `ibpipe run`, `ibpipe probe` and `ibpipe replay`.
 */
#ifndef IBPIPE_CONTROL_H
#define IBPIPE_CONTROL_H

#include "config/config.h"
#include "core/pipeline.h"
#include "publish/publish.h"

enum ib_app_mode { IB_APP_RUN, IB_APP_PROBE, IB_APP_REPLAY };

/* Optional: polled four times a second; returning true ends the run cleanly. */
typedef bool (*ib_app_done_fn)(ib_pipeline *p, void *arg);

/* Run until stopped (signal, run_seconds, done); returns the process exit code. */
int ib_app_run(const ib_config *cfg, enum ib_app_mode mode, ib_app_done_fn done, void *done_arg);

/* One-line progress summary of a running pipeline (for the terminal). */
void ib_app_progress_line(ib_pipeline *p, ib_pub *pub, char *buf, size_t cap);

#endif
