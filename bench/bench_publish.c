/*
 * bench_publish.c - `ibbench publish`: the Redis publisher against a real
 * redis-server while a writer thread changes N quotes as fast as it can
 * (or at --rate updates/s).  The publisher writes only the latest value of
 * each changed quote once per batch, so the interesting figures are how
 * many quote writes and Redis commands per second that comes to, how many
 * updates were folded away, and how stale a value is when Redis has it
 * (tick arrival -> reply received).
 *
 *   ibbench publish [--quick] [--instruments N] [--seconds S] [--rate R]
 *                   [--redis-url URL]
 *
 * Without --instruments/--rate it runs a small matrix.  Redis: --redis-url,
 * else $IB_REDIS_PORT, else a private redis-server on a free loopback port.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "bench.h"
#include "bench_publish.h"
#include "ibpipe/log.h"
#include "publish/publish.h"
#include "config/redis_url.h"
#include "core/wake.h"
#include "ibpipe/ib.h"
#include "util/str.h"
#include "util/clock.h"

static ib_quote_table quotes; /* 2.5 MB: static */

struct writer {
	uint32_t n;
	double rate;             /* updates/s; 0 = as fast as possible */
	volatile int stop;
	uint64_t updates;        /* read after join, or through ck_pr while running */
	pthread_t th;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	uint32_t i = 0;
	int64_t t0 = ib_now_mono_ns();
	uint64_t n = 0;
	/* paced runs sleep often enough that updates arrive spread out, not in bursts */
	int chunk = w->rate <= 0 ? 64 : w->rate < 10000 ? 1 : w->rate > 640000 ? 64 : (int)(w->rate / 10000);

	while (!ck_pr_load_int((int *)&w->stop)) {
		for (int k = 0; k < chunk; k++) {
			ib_quote_data q;
			ib_quote_peek(&quotes, i, &q);
			q.bid = 100.0 + (double)(n % 1000) * 0.01;
			q.ask = q.bid + 0.01;
			q.last = q.bid + 0.005;
			q.bid_size = (double)(n % 500);
			q.volume += 1;
			q.recv_mono_ns = ib_now_mono_ns();
			q.updated_ns = ib_now_real_ns();
			q.version++;
			ib_quote_write(&quotes, i, &q);
			i = i + 1 == w->n ? 0 : i + 1;
			n++;
		}
		ck_pr_store_64(&w->updates, n);
		if (w->rate > 0) {
			/* paced: sleep until the schedule catches up with what was written */
			int64_t due = t0 + (int64_t)((double)n / w->rate * 1e9), now = ib_now_mono_ns();
			if (due > now) {
				struct timespec ts = { (time_t)((due - now) / 1000000000LL), (long)((due - now) % 1000000000LL) };
				nanosleep(&ts, NULL);
			}
		}
	}
	return NULL;
}

static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* redis-server's CPU seconds so far, from /proc (a local server only); -1 if unknown. */
static double
redis_cpu_s(const char *url)
{
	redisContext *c = ib_redis_connect_url(url, NULL, 1000);
	redisReply *r;
	long pid = -1;
	char path[64], buf[1024];
	double v = -1;
	FILE *f;

	if (c == NULL)
		return -1;
	r = redisCommand(c, "INFO server");
	if (r && r->type == REDIS_REPLY_STRING) {
		const char *s = strstr(r->str, "process_id:");
		if (s)
			pid = atol(s + 11);
	}
	if (r)
		freeReplyObject(r);
	redisFree(c);
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (pid > 0 && (f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f)) {
			const char *s = strrchr(buf, ')');
			unsigned long ut, st;
			/* fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
			if (s && sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
				v = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		}
		fclose(f);
	}
	return v;
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* 1 once redis-server's own log (not a connect, which could reach whoever took the port) says it listens. */
static int
log_says_ready(const char *log)
{
	char line[512];
	FILE *f = fopen(log, "r");
	int ready = 0;

	while (f && !ready && fgets(line, sizeof(line), f))
		ready = strstr(line, "eady to accept connections") != NULL;
	if (f)
		fclose(f);
	return ready;
}

/*
 * redis-server on a free loopback port with its files in dir; *port set.
 * A port found free can be taken before redis-server binds it: then it
 * exits, and the next candidate is tried.
 */
static pid_t
spawn_redis(const char *dir, int *port)
{
	char log[300];

	snprintf(log, sizeof(log), "%s/redis.log", dir);
	for (int attempt = 0; attempt < 20; attempt++) {
		char p[16];
		pid_t pid;

		*port = free_port();
		if (*port <= 0)
			return -1;
		snprintf(p, sizeof(p), "%d", *port);
		unlink(log);
		pid = fork();
		if (pid == 0) {
			char *argv[] = { "redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
					 "--dir", (char *)dir, "--logfile", log, NULL };
			int nul = open("/dev/null", O_WRONLY);
			if (nul >= 0)
				dup2(nul, 1);
			execvp(argv[0], argv);
			_exit(127);
		}
		if (pid < 0)
			return -1;
		for (int i = 0; i < 500; i++) { /* 10 s */
			if (log_says_ready(log))
				return pid;
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				pid = 0; /* the port was taken: try another */
				break;
			}
			struct timespec ts = { 0, 20000000L };
			nanosleep(&ts, NULL);
		}
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return -1;
		}
	}
	return -1;
}

/* Remove the private server's directory (its log; --save '' writes nothing else). */
static void
remove_redis_dir(const char *dir)
{
	char log[300];

	snprintf(log, sizeof(log), "%s/redis.log", dir);
	unlink(log);
	rmdir(dir);
}

/* Delete what a run wrote, so a shared Redis is left as it was found. */
static void
cleanup(const char *url, const char *prefix)
{
	redisContext *c = ib_redis_connect_url(url, NULL, 2000);
	char cursor[32] = "0";

	if (c == NULL)
		return;
	do {
		redisReply *r = redisCommand(c, "SCAN %s MATCH %s:* COUNT 1000", cursor, prefix);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			if (r)
				freeReplyObject(r);
			break;
		}
		ib_strlcpy(cursor, r->element[0]->str, sizeof(cursor));
		for (size_t i = 0; i < r->element[1]->elements; i++)
			redisAppendCommand(c, "UNLINK %s", r->element[1]->element[i]->str);
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			redisReply *x;
			if (redisGetReply(c, (void **)&x) == REDIS_OK && x)
				freeReplyObject(x);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	redisFree(c);
}

static int
run_one(const char *url, uint32_t n, double rate, double seconds)
{
	struct writer w = { .n = n, .rate = rate };
	ib_pub_config cfg;
	ib_pub_stats s0, s1;
	ib_pub_counts c0, c1;
	char prefix[32], name[64];
	ib_pub *p;
	uint64_t u0, u1;
	double t0, t1, cpu0, cpu1, wcpu0, wcpu1, rcpu0, rcpu1;

	memset(&quotes, 0, sizeof(quotes));
	quotes.n = n;
	for (uint32_t i = 0; i < n; i++) {
		char sym[IB_SYMBOL_LEN];
		snprintf(sym, sizeof(sym), "B%05u", i);
		ib_quote_set_name(&quotes, i, sym);
	}
	snprintf(prefix, sizeof(prefix), "bench%d", (int)getpid());
	ib_pub_config_defaults(&cfg);
	ib_strlcpy(cfg.url, url, sizeof(cfg.url));
	ib_strlcpy(cfg.prefix, prefix, sizeof(cfg.prefix));
	p = ib_pub_create(&cfg, &quotes, NULL);
	if (p == NULL || ib_pub_start(p) != IB_OK) {
		fprintf(stderr, "ibbench publish: cannot start the publisher\n");
		ib_pub_free(p);
		return 1;
	}
	for (int i = 0; i < 200; i++) { /* connected and the first snapshot written */
		ib_pub_get_stats(p, &s0);
		if (s0.connected && s0.batches > 0)
			break;
		struct timespec ts = { 0, 10000000L };
		nanosleep(&ts, NULL);
	}
	if (!s0.connected) {
		fprintf(stderr, "ibbench publish: no Redis at %s\n", url);
		ib_pub_free(p);
		return 1;
	}
	pthread_create(&w.th, NULL, writer_main, &w);
	struct timespec warm = { 0, 300000000L };
	nanosleep(&warm, NULL);

	ib_pub_get_stats(p, &s0);
	ib_pub_get_counts(p, &c0);
	u0 = ck_pr_load_64(&w.updates);
	t0 = (double)ib_now_mono_ns() / 1e9;
	cpu0 = cpu_s();
	wcpu0 = bench_thread_cpu_s(w.th);
	rcpu0 = redis_cpu_s(url);
	struct timespec run = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
	nanosleep(&run, NULL);
	ib_pub_get_stats(p, &s1);
	ib_pub_get_counts(p, &c1);
	u1 = ck_pr_load_64(&w.updates);
	t1 = (double)ib_now_mono_ns() / 1e9;
	cpu1 = cpu_s();
	wcpu1 = bench_thread_cpu_s(w.th);
	rcpu1 = redis_cpu_s(url);
	ck_pr_store_int((int *)&w.stop, 1);
	pthread_join(w.th, NULL);
	ib_pub_free(p);
	cleanup(url, prefix);

	double dt = t1 - t0;
	double upd = (double)(u1 - u0) / dt, qw = (double)(s1.quote_writes - s0.quote_writes) / dt;
	double cmds = (double)(s1.commands - s0.commands) / dt, batches = (double)(s1.batches - s0.batches) / dt;
	double folded = upd > qw ? upd - qw : 0; /* updates Redis never saw: only the latest is written */
	double pub_cpu = ((cpu1 - cpu0) - (wcpu1 - wcpu0)) / dt * 100;
	double redis_cpu = rcpu0 >= 0 && rcpu1 >= 0 ? (rcpu1 - rcpu0) / dt * 100 : -1;

	if (rate > 0)
		snprintf(name, sizeof(name), "publish_n%u_rate%.0f", n, rate);
	else
		snprintf(name, sizeof(name), "publish_n%u_max", n);
	(void)c0;
	(void)c1;
	printf("%-26s %10.0f %12.0f %12.0f %9.0f %7.1f%% %9.0f %9.0f %6.0f%% %6.0f%%\n", name, upd, qw, cmds, batches,
	       upd > 0 ? folded / upd * 100 : 0, s1.staleness_p50_us, s1.staleness_p99_us, pub_cpu, redis_cpu);
	fflush(stdout);
	char k[96];
	snprintf(k, sizeof(k), "%s_updates", name);
	bench_result(k, "per_s", upd);
	snprintf(k, sizeof(k), "%s_quote_writes", name);
	bench_result(k, "per_s", qw);
	snprintf(k, sizeof(k), "%s_redis_cmds", name);
	bench_result(k, "per_s", cmds);
	snprintf(k, sizeof(k), "%s_coalesced", name);
	bench_result(k, "per_s", folded);
	snprintf(k, sizeof(k), "%s_staleness_p50", name);
	bench_result(k, "us", s1.staleness_p50_us);
	snprintf(k, sizeof(k), "%s_staleness_p99", name);
	bench_result(k, "us", s1.staleness_p99_us);
	snprintf(k, sizeof(k), "%s_publisher_cpu", name);
	bench_result(k, "pct", pub_cpu);
	if (redis_cpu >= 0) {
		snprintf(k, sizeof(k), "%s_redis_cpu", name);
		bench_result(k, "pct", redis_cpu);
	}
	return 0;
}

int
bench_publish(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	double seconds = atof(bench_arg(argc, argv, "--seconds", quick ? "1" : "3"));
	const char *n_opt = bench_arg(argc, argv, "--instruments", NULL), *rate_opt = bench_arg(argc, argv, "--rate", NULL);
	const char *url = bench_arg(argc, argv, "--redis-url", NULL);
	const char *env_port = getenv("IB_REDIS_PORT");
	char url_buf[64], dir[256] = "";
	pid_t rpid = -1;
	int rc = 0;

	ib_log_setup(IB_LL_WARN, IB_LOG_TEXT);
	if (url == NULL && env_port && *env_port) {
		snprintf(url_buf, sizeof(url_buf), "redis://127.0.0.1:%s", env_port);
		url = url_buf;
	}
	if (url == NULL) {
		const char *tmp = getenv("TMPDIR");
		int port = 0;
		snprintf(dir, sizeof(dir), "%s/ibbench-redis-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir) || (rpid = spawn_redis(dir, &port)) <= 0) {
			fprintf(stderr, "ibbench publish: cannot start redis-server (install redis-server or pass --redis-url)\n");
			if (dir[0])
				remove_redis_dir(dir);
			return 1;
		}
		snprintf(url_buf, sizeof(url_buf), "redis://127.0.0.1:%d", port);
		url = url_buf;
	}
	printf("publish: %s, %.1f s per run; updates = quote changes by the writer, writes = HSETs to Redis\n", url,
	       seconds);
	printf("%-26s %10s %12s %12s %9s %8s %9s %9s %7s %7s\n", "run", "updates/s", "q.writes/s", "redis cmd/s",
	       "batch/s", "folded", "p50 us", "p99 us", "pubCPU", "redis");
	if (n_opt || rate_opt) {
		rc = run_one(url, (uint32_t)atoi(n_opt ? n_opt : "1000"), rate_opt ? atof(rate_opt) : 0, seconds);
	} else {
		static const struct {
			uint32_t n;
			double rate;
		} matrix[] = { { 100, 0 }, { 1000, 0 }, { 10000, 0 }, { 1000, 10000 }, { 1000, 100000 }, { 10000, 1000000 } };
		for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]) && rc == 0; i++)
			rc = run_one(url, matrix[i].n, matrix[i].rate, seconds);
	}
	if (rpid > 0) {
		kill(rpid, SIGTERM);
		waitpid(rpid, NULL, 0);
		remove_redis_dir(dir);
	}
	return rc;
}
