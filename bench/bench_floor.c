/*
 * bench_floor.c - ibbench floor: what one wake-up costs on this machine,
 * with no pipeline at all.  Issue 20 asks for CPU per message at paced
 * rates; at 10 k msgs/s every message finds the reader asleep, so the
 * cheapest possible IB client -- one thread in a blocking recv() doing
 * nothing with what it reads -- pays a sleep and a wake-up per message.
 * That is the floor any design sits on, measured here two ways:
 *
 *   recv      a paced sender thread send()s one 52-byte frame per message
 *             over loopback TCP; the reader thread blocks in recv().  Its CPU
 *             time per message, with the sender on the other CPU and on the
 *             reader's own.
 *   handoff   a paced thread wakes a sleeping thread through a futex (what a
 *             ring consumer's wake-up is): the woken thread's CPU per wake,
 *             and wake -> running latency p50 / p99, across CPUs and on one.
 *
 *   ibbench floor [--rate R] [--msgs N]    (defaults 10000 and 30000)
 */
#include <arpa/inet.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "core/affinity.h"
#include "ibpipe/log.h"
#include "ibpipe/hist.h"
#include "util/clock.h"

struct floor_run {
	int rate, msgs, cpu_paced, cpu_woken; /* CPUs (ib_thread_place) */
	int fd;                               /* recv: the sender's socket */
	_Atomic uint32_t word;                /* handoff: the futex */
	_Atomic int64_t sent_ns;              /* handoff: when the last wake was sent */
	double woken_cpu_s;                   /* CPU the woken thread used */
	ib_hist lat;                          /* handoff: wake -> running */
	int woken;                            /* handoff: wake-ups seen (several sends can make one) */
};

/* Back on every CPU (the main thread runs one measurement after another). */
static void
unpin(void)
{
	cpu_set_t all;

	CPU_ZERO(&all);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
}

/* Sleep until message i of a paced stream is due. */
static void
pace(int64_t t0, int i, int rate)
{
	int64_t due = t0 + (int64_t)i * IB_NS_PER_S / rate;
	struct timespec ts = { due / IB_NS_PER_S, due % IB_NS_PER_S };

	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void *
send_paced(void *arg)
{
	struct floor_run *f = arg;
	char frame[52] = { 0 };
	int64_t t0 = ib_now_mono_ns();

	ib_thread_place(pthread_self(), "floor-send", f->cpu_paced);
	for (int i = 0; i < f->msgs; i++) {
		pace(t0, i, f->rate);
		if (send(f->fd, frame, sizeof(frame), 0) != (ssize_t)sizeof(frame))
			break;
	}
	shutdown(f->fd, SHUT_WR);
	return NULL;
}

/* The reader's CPU per message, or a negative value when loopback TCP could not be set up. */
static double
recv_floor(struct floor_run *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c = -1;
	long bytes = 0;
	pthread_t th;
	char buf[65536];
	double cpu0;

	f->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || f->fd < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) != 0 || connect(f->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    (c = accept(l, NULL, NULL)) < 0) {
		perror("floor: loopback");
		bytes = -1;
		goto out;
	}
	setsockopt(f->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ib_thread_place(pthread_self(), "floor-recv", f->cpu_woken);
	cpu0 = bench_thread_cpu_s(pthread_self());
	pthread_create(&th, NULL, send_paced, f);
	for (ssize_t n; (n = recv(c, buf, sizeof(buf), 0)) > 0;)
		bytes += n;
	f->woken_cpu_s = bench_thread_cpu_s(pthread_self()) - cpu0;
	pthread_join(th, NULL);
out:
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	if (f->fd >= 0)
		close(f->fd);
	unpin();
	return bytes < 0 ? -1 : f->woken_cpu_s * 1e6 / ((double)bytes / 52);
}

static void *
wake_paced(void *arg)
{
	struct floor_run *f = arg;
	int64_t t0 = ib_now_mono_ns();

	ib_thread_place(pthread_self(), "floor-wake", f->cpu_paced);
	for (int i = 0; i < f->msgs; i++) {
		pace(t0, i, f->rate);
		atomic_store(&f->sent_ns, ib_now_mono_ns());
		atomic_fetch_add(&f->word, 1);
		syscall(SYS_futex, &f->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

/* The woken thread's CPU per wake-up (f->lat: wake -> running). */
static double
handoff_floor(struct floor_run *f)
{
	uint32_t seen = 0;
	pthread_t th;
	double cpu0;

	memset(&f->lat, 0, sizeof(f->lat));
	atomic_store(&f->word, 0);
	f->woken = 0;
	ib_thread_place(pthread_self(), "floor-woken", f->cpu_woken);
	cpu0 = bench_thread_cpu_s(pthread_self());
	pthread_create(&th, NULL, wake_paced, f);
	while (seen < (uint32_t)f->msgs) {
		while (atomic_load(&f->word) == seen)
			syscall(SYS_futex, &f->word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
		int64_t now = ib_now_mono_ns(), sent = atomic_load(&f->sent_ns);
		seen = atomic_load(&f->word);
		ib_hist_add(&f->lat, (uint64_t)(now > sent ? now - sent : 0));
		f->woken++;
	}
	f->woken_cpu_s = bench_thread_cpu_s(pthread_self()) - cpu0;
	pthread_join(th, NULL);
	unpin();
	return f->woken_cpu_s * 1e6 / f->woken;
}

int
bench_floor(int argc, char **argv)
{
	bool quick = bench_quick(argc, argv);
	int rate = atoi(bench_arg(argc, argv, "--rate", "10000"));
	int msgs = atoi(bench_arg(argc, argv, "--msgs", quick ? "5000" : "30000"));
	static const struct { const char *where; int paced, woken; } cpus[] = {
		{ "other_cpu", 1, 0 }, { "same_cpu", 0, 0 },
	};
	char name[64];

	ib_log_setup(IB_LL_WARN, IB_LOG_TEXT); /* ib_thread_place logs each pin at info */
	if (rate <= 0 || msgs <= 0) {
		fprintf(stderr, "floor: --rate and --msgs take positive numbers\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		fprintf(stderr, "floor: one CPU: \"other_cpu\" runs on the same one\n");
	for (size_t k = 0; k < sizeof(cpus) / sizeof(cpus[0]); k++) {
		struct floor_run f = { .rate = rate, .msgs = msgs, .cpu_paced = cpus[k].paced, .cpu_woken = cpus[k].woken };
		double us = recv_floor(&f);
		if (us < 0)
			return 1;
		snprintf(name, sizeof(name), "floor_recv_r%d_%s", rate, cpus[k].where);
		printf("%-32s a thread blocked in recv(), one 52-byte frame per send: %.2f us of CPU per message\n", name,
		       us);
		bench_result(name, "cpu_us_per_msg", us);
		us = handoff_floor(&f);
		snprintf(name, sizeof(name), "floor_handoff_r%d_%s", rate, cpus[k].where);
		printf("%-32s a futex wake of a sleeping thread: %.2f us of its CPU per wake-up, wake -> running p50 %.1f "
		       "us  p99 %.1f us  (%d wake-ups)\n",
		       name, us, ib_hist_quantile(&f.lat, 0.5) / 1e3, ib_hist_quantile(&f.lat, 0.99) / 1e3, f.woken);
		bench_result(name, "cpu_us_per_wake", us);
		bench_result(name, "latency_p50_us", (double)ib_hist_quantile(&f.lat, 0.5) / 1e3);
		bench_result(name, "latency_p99_us", (double)ib_hist_quantile(&f.lat, 0.99) / 1e3);
	}
	return 0;
}
