/*
 * log.c - leveled, optionally JSON, rate-limited logging to stderr.
 *
 * Rate limiter: the LOG_SLOTS most recently seen distinct (component,
 * message) pairs are remembered with the text itself, so two messages are
 * folded only when they are identical, and a storm that keeps going keeps
 * its slot however many one-off lines pass by.  The first occurrence is printed; repeats within one
 * second of it are counted, not printed.  Once the second has passed, the
 * count goes out as one line of its own ("... (repeated N more times)", or
 * "repeated":N in JSON) - at the next log call of any kind, when the slot
 * is reused, or at exit - so a storm that stops is still reported.
 *
 * Every line is one line: newlines and other control characters inside a
 * message are escaped in both formats, and JSON output is always valid
 * UTF-8 (a gateway's Latin-1 byte becomes U+FFFD).  A mutex is fine here:
 * logging is never on the per-message hot path.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/json.h"
#include "ibpipe/log.h"
#include "util/clock.h"

#define LOG_SLOTS 16
#define LOG_WINDOW_NS IB_NS_PER_S
#define LOG_MSG_MAX 1024
#define LOG_COMP_MAX 32

struct log_slot {
	bool used;
	enum ib_log_level level;
	long long first_ns;     /* monotonic; start of the current fold window */
	long long last_ns;      /* monotonic; last occurrence, for choosing a slot to reuse */
	unsigned long repeats;  /* folded since first_ns, not yet reported */
	char component[LOG_COMP_MAX];
	char msg[LOG_MSG_MAX];
};

static struct {
	pthread_mutex_t mu;
	int level;              /* read without the mutex: __atomic */
	enum ib_log_format format;
	struct log_slot slots[LOG_SLOTS];
	unsigned long suppressed;
	bool atexit_done;
	/* the line being written: a message escaped (6 bytes a byte at most: \\u0001), the component, the rest */
	char line[6 * LOG_MSG_MAX + 6 * LOG_COMP_MAX + 256];
	FILE *linef;            /* fmemopen over line, made at the first line */
} L = { .mu = PTHREAD_MUTEX_INITIALIZER, .level = IB_LL_INFO, .format = IB_LOG_TEXT };

static const char *level_names[] = { "debug", "info", "warn", "error" };

static void log_flush_all(void);

void
ib_log_setup(enum ib_log_level level, enum ib_log_format format)
{
	pthread_mutex_lock(&L.mu);
	__atomic_store_n(&L.level, (int)level, __ATOMIC_RELAXED);
	L.format = format;
	pthread_mutex_unlock(&L.mu);
}

int
ib_log_level_parse(const char *s, enum ib_log_level *out)
{
	for (int i = 0; i < 4; i++)
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum ib_log_level)i;
			return 0;
		}
	return -1;
}

unsigned long
ib_log_suppressed(void)
{
	unsigned long n;

	pthread_mutex_lock(&L.mu);
	n = L.suppressed;
	pthread_mutex_unlock(&L.mu);
	return n;
}

/*
 * Write s escaped: JSON string rules when json, else only control
 * characters (so a message with a newline still takes one line).
 */
static void
put_escaped(FILE *f, const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)s;

	if (json) {
		ib_json_fputs(f, s, strlen(s)); /* the one JSON string writer */
		return;
	}
	for (; *p; p++) {
		if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7F)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
}

/*
 * One output line; repeats > 0 marks the summary of a folded run.  Called
 * with L.mu held.  The line is put together in L.line first and goes to
 * stderr (unbuffered) in one write: written piece by piece, a reader of the
 * log file (a test waiting for a line, a log shipper) could see half of it.
 */
static void
emit(enum ib_log_level level, const char *component, const char *msg, unsigned long repeats)
{
	char ts[40];
	struct tm tm;
	long long real = ib_now_real_ns();
	time_t sec = (time_t)(real / IB_NS_PER_S);
	FILE *f;
	long n;

	if (L.linef == NULL)
		L.linef = fmemopen(L.line, sizeof(L.line), "w");
	f = L.linef != NULL ? L.linef : stderr; /* no stream for the line: write it piece by piece */
	if (f != stderr)
		rewind(f);
	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	if (L.format == IB_LOG_JSON) {
		fprintf(f, "{\"ts\":\"%s.%03lldZ\",\"level\":\"%s\",\"component\":\"", ts,
			(real % IB_NS_PER_S) / IB_NS_PER_MS, level_names[level]);
		put_escaped(f, component, true);
		fputs("\",\"msg\":\"", f);
		put_escaped(f, msg, true);
		if (repeats > 0)
			fprintf(f, "\",\"repeated\":%lu}\n", repeats);
		else
			fputs("\"}\n", f);
	} else {
		fprintf(f, "%s.%03lldZ %-5s %-8s ", ts, (real % IB_NS_PER_S) / IB_NS_PER_MS, level_names[level],
			component);
		put_escaped(f, msg, false);
		if (repeats > 0)
			fprintf(f, " (repeated %lu more time%s)", repeats, repeats == 1 ? "" : "s");
		fputc('\n', f);
	}
	if (f == stderr)
		return;
	fflush(f);
	n = ftell(f);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof(L.line)) /* cannot happen (sized for the longest escaped line), but a line ends */
		n = (long)sizeof(L.line) - 1, L.line[n - 1] = '\n';
	fwrite(L.line, 1, (size_t)n, stderr);
}

static void
flush_slot(struct log_slot *s)
{
	if (s->used && s->repeats > 0) {
		emit(s->level, s->component, s->msg, s->repeats);
		s->repeats = 0;
	}
}

/* Report every fold whose second is over.  Called with L.mu held. */
static void
flush_expired(long long mono)
{
	for (int i = 0; i < LOG_SLOTS; i++)
		if (L.slots[i].used && L.slots[i].repeats > 0 && mono - L.slots[i].first_ns >= LOG_WINDOW_NS)
			flush_slot(&L.slots[i]);
}

static void
log_flush_all(void)
{
	pthread_mutex_lock(&L.mu);
	for (int i = 0; i < LOG_SLOTS; i++)
		flush_slot(&L.slots[i]);
	pthread_mutex_unlock(&L.mu);
	fflush(stderr);
}

/* true: print this occurrence; false: it was folded.  Called with L.mu held. */
static bool
admit(enum ib_log_level level, const char *component, const char *msg, long long mono)
{
	struct log_slot *victim = NULL;

	for (int i = 0; i < LOG_SLOTS; i++) {
		struct log_slot *s = &L.slots[i];
		if (!s->used) {
			if (victim == NULL || victim->used)
				victim = s;
			continue;
		}
		if (strcmp(s->msg, msg) == 0 && strcmp(s->component, component) == 0) {
			s->last_ns = mono;
			if (mono - s->first_ns < LOG_WINDOW_NS) {
				s->repeats++;
				L.suppressed++;
				return false;
			}
			s->first_ns = mono; /* a new window; any old count went out in flush_expired */
			s->level = level;
			return true;
		}
		if (victim == NULL || (victim->used && s->last_ns < victim->last_ns))
			victim = s; /* least recently seen */
	}
	flush_slot(victim); /* never lose a count when the slot is reused */
	victim->used = true;
	victim->level = level;
	victim->first_ns = victim->last_ns = mono;
	victim->repeats = 0;
	snprintf(victim->component, sizeof(victim->component), "%s", component);
	snprintf(victim->msg, sizeof(victim->msg), "%s", msg);
	return true;
}

void
ib_log(enum ib_log_level level, const char *component, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX], comp[LOG_COMP_MAX];
	va_list ap;
	long long mono;

	if ((int)level < __atomic_load_n(&L.level, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* compare what is stored: a component longer than the slot's field still folds */
	snprintf(comp, sizeof(comp), "%s", component ? component : "-");

	pthread_mutex_lock(&L.mu);
	/* read under the lock: a thread preempted before it must not stamp a slot with a stale time */
	mono = ib_now_mono_ns();
	if (!L.atexit_done) {
		/* so a run of repeats that is the last thing logged is still reported */
		atexit(log_flush_all);
		L.atexit_done = true;
	}
	flush_expired(mono);
	if (admit(level, comp, msg, mono))
		emit(level, comp, msg, 0);
	pthread_mutex_unlock(&L.mu);
}
