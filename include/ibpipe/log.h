/*
 * log.h - one logging call for all of ibpipe: ib_log(level, component, ...).
 * Lines go to stderr, human-readable or JSON.  Identical messages repeated
 * within a second are folded into one line with a count, so a storm of the
 * same gateway error cannot flood the log.  Thread-safe.
 */
#ifndef IBPIPE_LOG_H
#define IBPIPE_LOG_H

enum ib_log_level { IB_LL_DEBUG, IB_LL_INFO, IB_LL_WARN, IB_LL_ERROR };
enum ib_log_format { IB_LOG_TEXT, IB_LOG_JSON };

void ib_log_setup(enum ib_log_level level, enum ib_log_format format);
int ib_log_level_parse(const char *s, enum ib_log_level *out);
void ib_log(enum ib_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Lines folded by the rate limiter since start (for health and tests). */
unsigned long ib_log_suppressed(void);

#endif
