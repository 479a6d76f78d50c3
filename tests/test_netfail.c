/*
 * test_netfail.c - failures around the connections, each seen once for real:
 * a gateway that stops reading (the write stall is detected, the session
 * ends, the orders sent into it are reconciled), a gateway that drops every
 * session after a good handshake (the backoff keeps growing), no file
 * descriptors left (socket()'s errno is named), and Redis wanting a password
 * (NOAUTH said as such; redis://user@host with the password from the
 * environment works).
 *
 * Real ibsim, ibpipe and redis-server processes on loopback; waits are on
 * log lines and Redis values, each with a deadline.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/net.h"
#include "util/str.h"
#include "testutil.h"

/* The last status the strategy log gives each order id; returns how many ids, statuses in st[id]. */
#define MAX_IDS 256
static int
last_statuses(const char *path, char st[MAX_IDS][24])
{
	char *text = tu_read_file(path, NULL), *p;
	int n = 0;

	memset(st, 0, (size_t)MAX_IDS * 24);
	if (text == NULL)
		return 0;
	for (p = text; (p = strstr(p, "\"id\":")) != NULL; p++) {
		int id = atoi(p + 5);
		const char *s = strstr(p, "\"status\":\""), *nl = strchr(p, '\n');
		if (id <= 0 || id >= MAX_IDS || s == NULL || (nl && s > nl))
			continue;
		s += 10;
		size_t len = strcspn(s, "\"");
		if (len >= 24)
			len = 23;
		if (!st[id][0])
			n++;
		memcpy(st[id], s, len);
		st[id][len] = '\0';
	}
	free(text);
	return n;
}

/* The strategy log's last statuses (last_statuses), counted: returns how many ids. */
struct tally {
	int pending, inactive, live;
};

static int
tally_statuses(const char *path, struct tally *t)
{
	char st[MAX_IDS][24];
	int n = last_statuses(path, st);

	*t = (struct tally){ 0 };
	for (int id = 1; id < MAX_IDS; id++) {
		t->pending += strcmp(st[id], "PendingSubmit") == 0;
		t->inactive += strcmp(st[id], "Inactive") == 0;
		t->live += strcmp(st[id], "Submitted") == 0 || strcmp(st[id], "PreSubmitted") == 0;
	}
	return n;
}

/* Orders in Redis still PendingSubmit, or -1 if fewer than n orders are there. */
static int
redis_pending(struct redisContext *r, const struct tu_stack *e, int n)
{
	redisReply *keys = redisCommand(r, "KEYS %s", tu_key(e, "order:*"));
	char v[64];
	int pending = 0;

	if (keys == NULL)
		return -1;
	if ((long long)keys->elements < (long long)n)
		pending = -1;
	for (size_t i = 0; pending >= 0 && i < keys->elements; i++)
		pending += strcmp(tu_rhget(r, keys->element[i]->str, "status", v, sizeof(v)), "PendingSubmit") == 0;
	freeReplyObject(keys);
	return pending;
}

static void
test_write_stall_reconnects_and_reconciles(void)
{
	/* ibsim reads three orders, then nothing more from that connection, with a tiny receive buffer:
	   the rest of the script's orders fill its window and then our send queue */
	const char *sim[] = { "--rcvbuf", "2048", "--deaf-after-orders", "3", NULL };
	const char *args[] = { "--write-stall-ms", "1000", "--pacing-per-s", "2000", "--max-orders-per-s", "0", NULL };
	char script[2048] = "", v[64];
	struct tu_stack e;
	const struct tu_opts o = { .sim_args = sim, .args = args, .strategy = "trader", .script = script,
				   .redis = TU_REDIS_SHARED, .fast_reconnect = true };

	if (tu_redis_port() == 0) {
		printf("\n    (skipped: no test redis)");
		return;
	}
	/* three orders ibsim reads; a pause, so it has gone deaf before the rest are written */
	for (int i = 0; i < 60; i++)
		ib_strlcpy(script + strlen(script), i == 3 ? "WAIT 1000; BUY AAPL 1 LMT 1.00; " : "BUY AAPL 1 LMT 1.00; ",
			   sizeof(script) - strlen(script));
	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&e, &o), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "write stall:", 30000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "disconnected: write stall: the gateway stopped reading", 5000), 0);
	/* the reconnect's reconcile: the orders the gateway never read are no longer PendingSubmit */
	CU_ASSERT_EQUAL(tu_wait_for_text(e.ib.log, "unknown to the gateway after the reconnect: marked Inactive", 30000), 0);
	/* the strategy hears of each order in turn: wait for the last of them (a first Inactive is not all) */
	struct tally t;
	int n = 0;
	(void)TU_UNTIL((n = tally_statuses(tu_slog(&e.ib, 0), &t), t.pending == 0 && t.inactive > 0), 10000);
	CU_ASSERT(n >= 4);
	CU_ASSERT_EQUAL(t.pending, 0);
	CU_ASSERT(t.inactive >= 1);
	CU_ASSERT(t.live >= 3); /* the three ibsim read are still working, confirmed by the reconcile */
	/* counted in P:health (refreshed every second) */
	struct redisContext *r = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	long long deadline = tu_now_ms() + 10000;
	while (strcmp(tu_rhget(r, tu_key(&e, "health"), "write_stalls", v, sizeof(v)), "1") != 0 && tu_now_ms() < deadline)
		tu_sleep_ms(50);
	CU_ASSERT_STRING_EQUAL(v, "1");
	/* and in Redis no order is left PendingSubmit either, once the publisher has caught up */
	int left = -1;
	CU_ASSERT(TU_UNTIL((left = redis_pending(r, &e, n)) == 0, 10000));
	if (left != 0)
		fprintf(stderr, "\n  Redis: %d order(s) still PendingSubmit (-1: fewer than %d orders)\n", left, n);
	redisFree(r);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

static void
test_backoff_grows_when_every_session_drops(void)
{
	const char *sim[] = { "--drop-sessions", NULL };
	struct tu_sim s;
	struct tu_ibpipe ib;
	const char *args[] = { "--readonly", "--strategies", "0", "--reconnect-min-ms", "100", "--reconnect-max-ms", "1600",
			       NULL };
	const struct tu_opts o = { .args = args };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim), 0);
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&ib, s.port, &o, NULL, NULL), 0);
	/* each handshake succeeds and the session ends at once: 100, 200, 400, 800, 1600 ms */
	CU_ASSERT_EQUAL(tu_wait_for_text(ib.log, "(backoff 800 ms)", 30000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(ib.log, "(backoff 1600 ms)", 30000), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(ib.log, "(backoff 100 ms)"), 1); /* never back to the start */
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&ib)));
	tu_sim_stop(&s);
}

static void
test_socket_errno_is_named(void)
{
	pid_t pid = fork();

	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 32, 32 };
		char err[256] = "";
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			_exit(3);
		while (open("/dev/null", O_RDONLY) >= 0) /* every descriptor taken */
			;
		int fd = ib_net_connect("127.0.0.1", 1, 1000, err, sizeof(err));
		_exit(fd < 0 && strstr(err, "socket: Too many open files") ? 0 : (fprintf(stderr, "\n  err: %s\n", err), 1));
	}
	CU_ASSERT_TRUE(tu_exited_ok(tu_wait(pid, 20000)));
}

/* `[env] ibpipe status --redis-url URL` with stderr; exit status. */
static int
status(const char *env, const char *url, char *out, size_t cap)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "env -u IBPIPE_REDIS_PASSWORD %s %s status --redis-url '%s' 2>&1", env,
		 tu_bin("ibpipe"), url);
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	int st = tu_run(argv, out, cap, 20000);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_redis_auth_errors_and_users(void)
{
	const char *extra[] = { "--requirepass", "s3cret-pw", "--user", "alice", "on", ">alice-pw", "~*", "&*", "+@all", NULL };
	struct tu_redis r;
	char url[128], out[4096];

	CU_ASSERT_EQUAL_FATAL(tu_redis_start(&r, 0, NULL, extra), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	/* no password: NOAUTH, with where a password comes from */
	CU_ASSERT_NOT_EQUAL(status("", url, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "NOAUTH"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "IBPIPE_REDIS_PASSWORD"));
	CU_ASSERT_PTR_NULL(strstr(out, "unexpected reply"));
	/* the default user's password */
	status("IBPIPE_REDIS_PASSWORD=s3cret-pw", url, out, sizeof(out));
	CU_ASSERT_PTR_NULL(strstr(out, "NOAUTH"));
	/* an ACL user in the URL, the password from the environment */
	snprintf(url, sizeof(url), "redis://alice@127.0.0.1:%d", r.port);
	status("IBPIPE_REDIS_PASSWORD=alice-pw", url, out, sizeof(out));
	CU_ASSERT_PTR_NULL(strstr(out, "NOAUTH"));
	CU_ASSERT_PTR_NULL(strstr(out, "WRONGPASS"));
	CU_ASSERT_PTR_NULL(strstr(out, "password"));
	/* the wrong one is refused by name, without echoing it */
	CU_ASSERT_NOT_EQUAL(status("IBPIPE_REDIS_PASSWORD=not-hers", url, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "WRONGPASS"));
	CU_ASSERT_PTR_NULL(strstr(out, "not-hers"));
	tu_redis_stop(&r, SIGTERM);
}

void
test_netfail_register(void)
{
	CU_pSuite s = CU_add_suite("netfail", NULL, NULL);

	CU_add_test(s, "a gateway that stops reading: write stall, reconnect, orders reconciled",
		    test_write_stall_reconnects_and_reconciles);
	CU_add_test(s, "a gateway dropping every session: the backoff keeps growing", test_backoff_grows_when_every_session_drops);
	CU_add_test(s, "out of descriptors: socket()'s errno is named", test_socket_errno_is_named);
	CU_add_test(s, "Redis auth: NOAUTH named, redis://user@host with the password from env", test_redis_auth_errors_and_users);
}
