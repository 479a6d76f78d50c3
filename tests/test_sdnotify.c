/*
 * test_sdnotify.c - ibpipe as a Type=notify service, against a fake service
 * manager: the test binds $NOTIFY_SOCKET itself (an abstract @name and a
 * path) and reads what a real ibpipe sends.  READY=1 once the threads run
 * (before any gateway answers), STATUS= with the gate and what it waits
 * for, WATCHDOG=1 every WATCHDOG_USEC/2 while the gateway is down (a
 * reconnecting ibpipe is healthy), no WATCHDOG=1 while a thread is hung,
 * STOPPING=1 on SIGTERM.  The real-systemd run of the unit file is
 * tools/systemd-watchdog-test.sh.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

#define WATCHDOG_USEC "400000"  /* ping every 200 ms */

struct mgr {
	int fd;
	char name[108];   /* as in $NOTIFY_SOCKET */
	char path[108];   /* a path socket to unlink, "" for abstract */
	int pings;        /* WATCHDOG=1 seen */
	char status[512]; /* the last STATUS= */
	bool ready, stopping;
};

static int
mgr_open(struct mgr *m, bool abstract)
{
	static int seq;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;

	memset(m, 0, sizeof(*m));
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -1;
	if (abstract) {
		snprintf(m->name, sizeof(m->name), "@ibpipe-test-%d-%d", (int)getpid(), ++seq);
		memcpy(sa.sun_path, m->name, strlen(m->name));
		sa.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(m->name));
	} else {
		snprintf(m->path, sizeof(m->path), "%s/notify", tu_tmpdir());
		snprintf(m->name, sizeof(m->name), "%s", m->path);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", m->path);
		len = (socklen_t)sizeof(sa);
	}
	return bind(m->fd, (struct sockaddr *)&sa, len);
}

static void
mgr_close(struct mgr *m)
{
	close(m->fd);
	if (m->path[0])
		unlink(m->path);
}

/* Read datagrams for up to timeout_ms, or until one carries needle (NULL: read the whole time).
   Returns 0 when needle was seen. */
static int
mgr_read(struct mgr *m, const char *needle, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;
	char buf[1024];

	for (long long left; (left = deadline - tu_now_ms()) > 0;) {
		struct timeval tv = { left / 1000, (left % 1000) * 1000 };
		setsockopt(m->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t n = recv(m->fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			break;
		buf[n] = '\0';
		for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			if (strcmp(l, "READY=1") == 0)
				m->ready = true;
			else if (strcmp(l, "WATCHDOG=1") == 0)
				m->pings++;
			else if (strcmp(l, "STOPPING=1") == 0)
				m->stopping = true;
			else if (strncmp(l, "STATUS=", 7) == 0)
				snprintf(m->status, sizeof(m->status), "%s", l + 7);
		}
		if (needle && strstr(m->status, needle) != NULL)
			return 0;
		if (needle && strcmp(needle, "READY=1") == 0 && m->ready)
			return 0;
		if (needle && strcmp(needle, "STOPPING=1") == 0 && m->stopping)
			return 0;
	}
	return -1;
}

static int
start(struct tu_stack *s, struct mgr *m, const char *const *sim_args)
{
	static const char *const args[] = { "--connect-timeout-ms", "500", NULL };
	struct tu_opts o = { .args = args, .sim_args = sim_args, .redis = TU_REDIS_SHARED, .fast_reconnect = true };
	int rc;

	setenv("NOTIFY_SOCKET", m->name, 1);
	setenv("WATCHDOG_USEC", WATCHDOG_USEC, 1);
	rc = tu_stack_start(s, &o);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	return rc;
}

static void
test_ready_before_gateway(void)
{
	/* the account download takes 3 s: READY=1 comes first (the service is up), the gate opens later */
	static const char *const sim_args[] = { "--account-delay-ms", "3000", NULL };
	struct tu_stack s;
	struct mgr m;

	CU_ASSERT_FATAL(mgr_open(&m, false) == 0); /* a path socket */
	CU_ASSERT_FATAL(start(&s, &m, sim_args) == 0);
	CU_ASSERT(mgr_read(&m, "READY=1", 10000) == 0);
	CU_ASSERT(mgr_read(&m, "gate closed", 5000) == 0);
	CU_ASSERT(strstr(m.status, "waiting for") != NULL);  /* names what the gate waits for */
	CU_ASSERT(mgr_read(&m, "gate open", 15000) == 0);
	CU_ASSERT(m.pings > 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));
	CU_ASSERT(mgr_read(&m, "STOPPING=1", 2000) == 0);
	mgr_close(&m);
}

static void
test_watchdog_gateway_down_and_hang(void)
{
	char reply[128];
	struct tu_stack s;
	struct mgr m;

	CU_ASSERT_FATAL(mgr_open(&m, true) == 0); /* an abstract @name */
	CU_ASSERT_FATAL(start(&s, &m, NULL) == 0);
	CU_ASSERT(mgr_read(&m, "READY=1", 10000) == 0);
	CU_ASSERT(mgr_read(&m, "gate open", 15000) == 0);

	/* the gateway is down for 6 s: the gate closes, and the watchdog keeps being fed throughout */
	CU_ASSERT(tu_control(s.sim.ctl, "restart 6000", reply, sizeof(reply)) == 0);
	CU_ASSERT(mgr_read(&m, "gateway not connected", 5000) == 0);
	int before = m.pings;
	CU_ASSERT(mgr_read(&m, "gate open", 30000) == 0);
	CU_ASSERT(m.pings - before >= 10); /* 6 s down at one ping per 200 ms: far more than 10 */

	/* a hung account thread: STATUS says so and the pings stop until it runs again */
	int tid = tu_thread_hang(s.ib.pid, "ibpipe-account");
	CU_ASSERT_FATAL(tid > 0);
	CU_ASSERT(mgr_read(&m, "HUNG", 15000) == 0);
	CU_ASSERT(strstr(m.status, "account thread: no progress") != NULL);
	before = m.pings;
	mgr_read(&m, NULL, 1500);                /* 7 ping periods */
	CU_ASSERT_EQUAL(m.pings, before);
	tu_thread_release(tid);
	CU_ASSERT(mgr_read(&m, "gate open: synced", 5000) == 0); /* STATUS without HUNG again */
	before = m.pings;
	mgr_read(&m, NULL, 1000);
	CU_ASSERT(m.pings > before);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));
	mgr_close(&m);
}

void
test_sdnotify_register(void)
{
	CU_pSuite s = CU_add_suite("sdnotify", NULL, NULL);
	CU_add_test(s, "READY=1 before the gateway syncs; STATUS= names what the gate waits for; STOPPING=1",
		    test_ready_before_gateway);
	CU_add_test(s, "WATCHDOG=1 throughout a gateway outage, none while a thread is hung",
		    test_watchdog_gateway_down_and_hang);
}
