/*
 * test_pipeline.c - bin/ibpipe against bin/ibsim over loopback: the sync
 * gate, reconnects, client-id conflicts, readonly, pacing, shutdown, probe.
 * Real processes, real sockets; strategies report through the "recorder"
 * strategy's JSON lines.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

struct sim {
	pid_t pid;
	int port, ctl;
	char log[256];
};

static int
sim_start(struct sim *s, const char *const extra[])
{
	char port[16], ctl[16];
	char *argv[40];
	int n = 0;
	const char *dir = tu_tmpdir();

	s->port = tu_free_port();
	s->ctl = tu_free_port();
	snprintf(port, sizeof(port), "%d", s->port);
	snprintf(ctl, sizeof(ctl), "%d", s->ctl);
	snprintf(s->log, sizeof(s->log), "%s/ibsim.log", dir);
	argv[n++] = (char *)tu_bin("ibsim");
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--control-port";
	argv[n++] = ctl;
	for (int i = 0; extra && extra[i] && n < 38; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	s->pid = tu_spawn(argv, s->log);
	if (tu_wait_port(s->port, 5000) != 0 || tu_wait_port(s->ctl, 5000) != 0)
		return -1;
	return 0;
}

static void
sim_stop(struct sim *s)
{
	tu_stop(s->pid, SIGTERM, 3000);
}

struct trader {
	pid_t pid;
	char dir[128], log[256], strat[256];
};

/* Start bin/ibpipe run against the sim with extra flags; the recorder logs to dir/strategy.0 */
static pid_t
ibpipe_start(struct trader *t, const struct sim *s, const char *strategy, const char *const extra[])
{
	char port[16];
	char *argv[48];
	int n = 0;

	snprintf(t->dir, sizeof(t->dir), "%s", tu_tmpdir());
	snprintf(t->log, sizeof(t->log), "%s/ibpipe.log", t->dir);
	snprintf(t->strat, sizeof(t->strat), "%s/strategy", t->dir);
	snprintf(port, sizeof(port), "%d", s->port);
	setenv("IB_STRATEGY_LOG", t->strat, 1);
	argv[n++] = (char *)tu_bin("ibpipe");
	argv[n++] = "run";
	argv[n++] = "--host";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--strategy";
	argv[n++] = (char *)strategy;
	argv[n++] = "--state-dir";
	argv[n++] = t->dir;
	argv[n++] = "--no-redis";
	argv[n++] = "--reconnect-min-ms";
	argv[n++] = "100";
	argv[n++] = "--reconnect-max-ms";
	argv[n++] = "400";
	for (int i = 0; extra && extra[i] && n < 46; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	t->pid = tu_spawn(argv, t->log);
	unsetenv("IB_STRATEGY_LOG");
	return t->pid;
}

static const char *
strat_log(const struct trader *t)
{
	static char path[300];
	snprintf(path, sizeof(path), "%s.0", t->strat);
	return path;
}

/* The first callback line must be "start": nothing happens before the gate opens. */
static void
assert_start_first(const char *path)
{
	char *s = tu_read_file(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	CU_ASSERT(strstr(s, "\"cb\":\"start\"") != NULL);
	free(s);
}

static void
test_gate_holds_until_delayed_download(void)
{
	struct sim s;
	struct trader t;
	const char *sim_args[] = { "--account-delay-ms", "3000", "--tick-rate", "500", NULL };
	const char *args[] = { "--symbols", "AAPL,MSFT", NULL };
	long long t0;

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, sim_args), 0);
	t0 = tu_now_ms();
	ibpipe_start(&t, &s, "recorder", args);
	/* 2 s in: connected and quotes flowing at the gateway, but no callback yet */
	tu_sleep_ms(2000);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"cb\"") <= 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"start\"", 6000), 0);
	CU_ASSERT(tu_now_ms() - t0 >= 2900);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"quote\"", 5000), 0);
	assert_start_first(strat_log(&t));
	/* on_start saw the account values: the default account with a full download */
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"AccountReady\":\"true\"") == 1);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"NetLiquidation\":\"\"") == 0);
	CU_ASSERT(tu_count_in_file(t.log, "waiting for") >= 0);
	int st = tu_stop(t.pid, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	sim_stop(&s);
}

static void
test_reconnect_rearms_gate(void)
{
	struct sim s;
	struct trader t;
	char out[4096];
	const char *sim_args[] = { "--account-delay-ms", "300", NULL };
	const char *args[] = { "--symbols", "AAPL", NULL };

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, sim_args), 0);
	ibpipe_start(&t, &s, "recorder", args);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"start\"", 5000), 0);
	CU_ASSERT_EQUAL(tu_control(s.ctl, "drop", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"pause\"", 5000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"n\":2", 8000), 0); /* second on_start */
	CU_ASSERT_EQUAL(tu_count_in_file(strat_log(&t), "\"cb\":\"start\""), 2);
	int st = tu_stop(t.pid, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	sim_stop(&s);
}

static void
test_client_id_conflict(void)
{
	struct sim s;
	struct trader a, b, c;
	const char *args_a[] = { "--client-id", "5", "--symbols", "AAPL", NULL };
	const char *args_b[] = { "--client-id-range", "5-6", "--symbols", "AAPL", NULL };
	const char *args_c[] = { "--client-id-range", "5-6", "--symbols", "AAPL", NULL };

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, NULL), 0);
	ibpipe_start(&a, &s, "recorder", args_a);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(strat_log(&a), "\"cb\":\"start\"", 5000), 0);
	ibpipe_start(&b, &s, "recorder", args_b);
	CU_ASSERT_EQUAL(tu_wait_for_text(b.log, "client id 6", 5000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&b), "\"cb\":\"start\"", 5000), 0);
	CU_ASSERT(tu_count_in_file(b.log, "326") >= 1);
	/* both 5 and 6 taken: the third gives up with a clear message and exit code 4 */
	ibpipe_start(&c, &s, "recorder", args_c);
	int st = tu_wait(c.pid, 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	CU_ASSERT(tu_count_in_file(c.log, "exhausted") == 1);
	tu_stop(a.pid, SIGTERM, 5000);
	tu_stop(b.pid, SIGTERM, 5000);
	sim_stop(&s);
}

static void
test_readonly_refuses_orders(void)
{
	struct sim s;
	struct trader t;
	char out[8192];
	const char *args[] = { "--readonly", "--symbols", "AAPL", NULL };

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, NULL), 0);
	setenv("IB_TRADER_SCRIPT", "BUY AAPL 10 MKT; WAIT 100; SELL AAPL 5 MKT", 1);
	ibpipe_start(&t, &s, "trader", args);
	unsetenv("IB_TRADER_SCRIPT");
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "readonly", 6000), 0);
	tu_sleep_ms(500);
	CU_ASSERT_EQUAL(tu_count_in_file(strat_log(&t), "\"cb\":\"error\""), 2);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"status\":\"Rejected\"") >= 2);
	CU_ASSERT_EQUAL(tu_control(s.ctl, "stats", out, sizeof(out)), 0);
	CU_ASSERT(strstr(out, "\"order_frames\":0") != NULL);
	CU_ASSERT(strstr(out, "\"order_frames\":1") == NULL);
	tu_stop(t.pid, SIGTERM, 5000);
	sim_stop(&s);
}

static void
test_pacing(void)
{
	struct sim s;
	struct trader t;
	char out[8192], syms[1024] = "";
	const char *args[] = { "--pacing-per-s", "10", "--symbols", syms, NULL };
	static const char *names[] = { "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "META", "AMD", "INTC", "NFLX",
				       "ORCL", "IBM", "CSCO", "QCOM", "AVGO", "ADBE", "CRM", "PYPL", "UBER", "SHOP" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		snprintf(syms + strlen(syms), sizeof(syms) - strlen(syms), "%s%s", i ? "," : "", names[i]);
	CU_ASSERT_EQUAL_FATAL(sim_start(&s, NULL), 0);
	ibpipe_start(&t, &s, "recorder", args);
	CU_ASSERT_EQUAL(tu_wait_for_text(t.log, "connected to", 5000), 0);
	tu_sleep_ms(1500);
	CU_ASSERT_EQUAL(tu_control(s.ctl, "stats", out, sizeof(out)), 0);
	/* 25+ requests are queued at connect; in the first 1.5 s at most 20 may have gone out (+ startApi) */
	char *m = strstr(out, "\"msgs_in\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	int in = atoi(m + 10);
	CU_ASSERT(in >= 10 && in <= 22);
	tu_stop(t.pid, SIGTERM, 5000);
	sim_stop(&s);
}

static void
test_sigterm_during_sync_and_blast(void)
{
	struct sim s1, s2;
	struct trader t;
	const char *slow[] = { "--account-delay-ms", "10000", NULL };
	const char *blast[] = { "--blast", "50000000", NULL };
	const char *args[] = { "--symbols", "AAPL,MSFT", NULL };
	long long t0;

	CU_ASSERT_EQUAL_FATAL(sim_start(&s1, slow), 0);
	ibpipe_start(&t, &s1, "recorder", args);
	CU_ASSERT_EQUAL(tu_wait_for_text(t.log, "connected to", 5000), 0);
	t0 = tu_now_ms();
	int st = tu_stop(t.pid, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(tu_now_ms() - t0 < 3000);
	sim_stop(&s1);

	CU_ASSERT_EQUAL_FATAL(sim_start(&s2, blast), 0);
	ibpipe_start(&t, &s2, "recorder", args);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"quote\"", 8000), 0);
	tu_sleep_ms(300);
	t0 = tu_now_ms();
	st = tu_stop(t.pid, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(tu_now_ms() - t0 < 3000);
	sim_stop(&s2);
}

static void
test_probe_leaves_no_close_wait(void)
{
	struct sim s;
	char port[16], out[4096];
	const char *sim_args[] = { "--account-delay-ms", "20", NULL };
	int ok = 0;

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, sim_args), 0);
	snprintf(port, sizeof(port), "%d", s.port);
	char *argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--client-id", "77", "--state-dir", "/tmp", NULL };
	for (int i = 0; i < 50; i++) {
		int st = tu_run(argv, out, sizeof(out), 10000);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "\"ok\":true") && strstr(out, "\"nextValidId\":"))
			ok++;
	}
	CU_ASSERT_EQUAL(ok, 50);
	tu_sleep_ms(200);
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.port, "CLOSE_WAIT"), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.port, "ESTABLISHED"), 0);
	sim_stop(&s);
}

static void
test_probe_timeout_names_missing_piece(void)
{
	struct sim s;
	char port[16], out[4096];
	const char *sim_args[] = { "--no-download-end", NULL };

	CU_ASSERT_EQUAL_FATAL(sim_start(&s, sim_args), 0);
	snprintf(port, sizeof(port), "%d", s.port);
	char *argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--sync-timeout", "1.5", "--state-dir", "/tmp", NULL };
	int st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT(strstr(out, "\"ok\":false") != NULL);
	CU_ASSERT(strstr(out, "acctDownloadEnd:DU111111") != NULL);
	sim_stop(&s);
}

void
test_pipeline_register(void)
{
	CU_pSuite s = CU_add_suite("pipeline", NULL, NULL);
	CU_add_test(s, "gate holds strategies until a 3 s delayed download completes", test_gate_holds_until_delayed_download);
	CU_add_test(s, "a dropped connection pauses strategies and re-opens after resync", test_reconnect_rearms_gate);
	CU_add_test(s, "client id in use (326): next id from the range, or exit 4", test_client_id_conflict);
	CU_add_test(s, "readonly: the encoder refuses orders, the gateway sees none", test_readonly_refuses_orders);
	CU_add_test(s, "outbound pacing holds to the configured rate", test_pacing);
	CU_add_test(s, "SIGTERM during sync and during a tick blast exits cleanly", test_sigterm_during_sync_and_blast);
	CU_add_test(s, "50 probes leave no CLOSE_WAIT", test_probe_leaves_no_close_wait);
	CU_add_test(s, "probe timeout names the missing piece", test_probe_timeout_names_missing_piece);
}
