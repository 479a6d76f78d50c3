/*
 * log.c - leveled, optionally JSON, rate-limited logging to stderr.
 *
 * The rate limiter remembers the last few distinct messages; a repeat within
 * one second of the first occurrence is counted instead of printed, and the
 * count is printed with the next occurrence after the window.  A mutex is
 * fine here: logging is never on the per-message hot path.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ibpipe/log.h"

#define LOG_SLOTS 16
#define LOG_WINDOW_NS 1000000000LL

struct log_slot {
	unsigned long hash;
	long long first_ns;
	unsigned long repeats;
};

static struct {
	pthread_mutex_t mu;
	enum ib_log_level level;
	enum ib_log_format format;
	struct log_slot slots[LOG_SLOTS];
	unsigned next;
	unsigned long suppressed;
} L = { PTHREAD_MUTEX_INITIALIZER, IB_LL_INFO, IB_LOG_TEXT, { { 0, 0, 0 } }, 0, 0 };

static const char *level_names[] = { "debug", "info", "warn", "error" };

void
ib_log_setup(enum ib_log_level level, enum ib_log_format format)
{
	pthread_mutex_lock(&L.mu);
	L.level = level;
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

static unsigned long
hash_str(const char *s)
{
	unsigned long h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void
json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
}

/* Returns the number of folded repeats to report, or -1 to drop this line. */
static long
rate_limit(const char *component, const char *msg, long long now)
{
	unsigned long h = hash_str(msg) ^ (hash_str(component) * 31);

	for (int i = 0; i < LOG_SLOTS; i++) {
		struct log_slot *s = &L.slots[i];
		if (s->hash != h || s->first_ns == 0)
			continue;
		if (now - s->first_ns < LOG_WINDOW_NS) {
			s->repeats++;
			L.suppressed++;
			return -1;
		}
		long r = (long)s->repeats;
		s->first_ns = now;
		s->repeats = 0;
		return r;
	}
	L.slots[L.next] = (struct log_slot){ h, now, 0 };
	L.next = (L.next + 1) % LOG_SLOTS;
	return 0;
}

void
ib_log(enum ib_log_level level, const char *component, const char *fmt, ...)
{
	char msg[1024], ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;
	long repeats;

	if (level < L.level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	pthread_mutex_lock(&L.mu);
	repeats = rate_limit(component, msg, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
	if (repeats >= 0) {
		if (L.format == IB_LOG_JSON) {
			fprintf(stderr, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"component\":\"%s\",\"msg\":\"", ts,
				now.tv_nsec / 1000000, level_names[level], component);
			json_escape(stderr, msg);
			if (repeats > 0)
				fprintf(stderr, "\",\"repeated\":%ld}\n", repeats);
			else
				fputs("\"}\n", stderr);
		} else if (repeats > 0) {
			fprintf(stderr, "%s.%03ldZ %-5s %-8s %s (repeated %ld more times)\n", ts,
				now.tv_nsec / 1000000, level_names[level], component, msg, repeats);
		} else {
			fprintf(stderr, "%s.%03ldZ %-5s %-8s %s\n", ts, now.tv_nsec / 1000000,
				level_names[level], component, msg);
		}
	}
	pthread_mutex_unlock(&L.mu);
}
