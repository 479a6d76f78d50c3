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

/* bin/ibpipe run with a strategy against the sim, no Redis, quick reconnects; the recorder logs to tu_slog(t, 0). */
static void
ibpipe_start(struct tu_ibpipe *t, const struct tu_sim *s, const char *strategy, const char *symbols,
	     const char *const extra[])
{
	const struct tu_opts o = { .args = extra, .strategy = strategy, .symbols = symbols, .fast_reconnect = true };

	tu_ibpipe_start(t, s->port, &o, NULL, NULL);
}

static const char *
strat_log(const struct tu_ibpipe *t)
{
	return tu_slog(t, 0);
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
	struct tu_sim s;
	struct tu_ibpipe t;
	const char *sim_args[] = { "--account-delay-ms", "3000", "--tick-rate", "500", NULL };
	long long t0;

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	t0 = tu_now_ms();
	ibpipe_start(&t, &s, "recorder", "AAPL,MSFT", NULL);
	/* the account updates are requested (so managedAccounts and nextValidId are in), the download is
	   3 s away: no callback yet */
	CU_ASSERT_EQUAL(tu_wait_for_text(t.log, "requested account updates for DU111111", 10000), 0);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"cb\"") <= 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"start\"", 10000), 0);
	CU_ASSERT(tu_now_ms() - t0 >= 2900);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"quote\"", 10000), 0);
	assert_start_first(strat_log(&t));
	/* on_start saw the account values: the default account with a full download */
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"AccountReady\":\"true\"") == 1);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"NetLiquidation\":\"\"") == 0);
	CU_ASSERT_EQUAL(tu_count_in_file(t.log, "download complete for DU111111"), 1);
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&t)));
	tu_sim_stop(&s);
}

static void
test_reconnect_rearms_gate(void)
{
	struct tu_sim s;
	struct tu_ibpipe t;
	char out[4096];
	const char *sim_args[] = { "--account-delay-ms", "300", NULL };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	ibpipe_start(&t, &s, "recorder", "AAPL", NULL);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"start\"", 10000), 0);
	CU_ASSERT_EQUAL(tu_control(s.ctl, "drop", out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"pause\"", 10000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"n\":2", 10000), 0); /* second on_start */
	CU_ASSERT_EQUAL(tu_count_in_file(strat_log(&t), "\"cb\":\"start\""), 2);
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&t)));
	tu_sim_stop(&s);
}

static void
test_client_id_conflict(void)
{
	struct tu_sim s;
	struct tu_ibpipe a, b, c;
	const char *args_a[] = { "--client-id", "5", NULL };
	const char *args_bc[] = { "--client-id-range", "5-6", NULL };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, NULL), 0);
	ibpipe_start(&a, &s, "recorder", "AAPL", args_a);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(strat_log(&a), "\"cb\":\"start\"", 10000), 0);
	ibpipe_start(&b, &s, "recorder", "AAPL", args_bc);
	CU_ASSERT_EQUAL(tu_wait_for_text(b.log, "client id 6", 10000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&b), "\"cb\":\"start\"", 10000), 0);
	CU_ASSERT(tu_count_in_file(b.log, "326") >= 1);
	/* both 5 and 6 taken: the third gives up with a clear message and exit code 4 */
	ibpipe_start(&c, &s, "recorder", "AAPL", args_bc);
	int st = tu_wait(c.pid, 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	CU_ASSERT(tu_count_in_file(c.log, "exhausted") == 1);
	tu_ibpipe_stop(&a);
	tu_ibpipe_stop(&b);
	tu_sim_stop(&s);
}

static void
test_readonly_refuses_orders(void)
{
	struct tu_sim s;
	struct tu_ibpipe t;
	char out[8192];
	const char *args[] = { "--readonly", NULL };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, NULL), 0);
	const struct tu_opts o = { .args = args, .strategy = "trader", .symbols = "AAPL",
				   .script = "BUY AAPL 10 MKT; WAIT 100; SELL AAPL 5 MKT", .fast_reconnect = true };
	tu_ibpipe_start(&t, s.port, &o, NULL, NULL);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "readonly", 10000), 0);
	CU_ASSERT(TU_UNTIL(tu_count_in_file(strat_log(&t), "\"cb\":\"error\"") >= 2 &&
				   tu_count_in_file(strat_log(&t), "\"status\":\"Rejected\"") >= 2,
			   10000));
	CU_ASSERT_EQUAL(tu_count_in_file(strat_log(&t), "\"cb\":\"error\""), 2);
	CU_ASSERT(tu_count_in_file(strat_log(&t), "\"status\":\"Rejected\"") >= 2);
	CU_ASSERT_EQUAL(tu_control(s.ctl, "stats", out, sizeof(out)), 0);
	CU_ASSERT(strstr(out, "\"order_frames\":0") != NULL);
	CU_ASSERT(strstr(out, "\"order_frames\":1") == NULL);
	tu_ibpipe_stop(&t);
	tu_sim_stop(&s);
}

static void
test_pacing(void)
{
	struct tu_sim s;
	struct tu_ibpipe t;
	char out[8192], syms[1024] = "";
	const char *args[] = { "--pacing-per-s", "10", NULL };
	static const char *names[] = { "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "META", "AMD", "INTC", "NFLX",
				       "ORCL", "IBM", "CSCO", "QCOM", "AVGO", "ADBE", "CRM", "PYPL", "UBER", "SHOP" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		snprintf(syms + strlen(syms), sizeof(syms) - strlen(syms), "%s%s", i ? "," : "", names[i]);
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, NULL), 0);
	long long t0 = tu_now_ms();
	ibpipe_start(&t, &s, "recorder", syms, args);
	/*
	 * 25+ requests are queued at connect.  At 10 in any 1-second window, the 21st paced one cannot go
	 * before 2 s after the first (the handshake and startApi are not paced): wait until the gateway has
	 * 23, then at least 2 s have passed since before ibpipe started.  Load can only make it later.
	 */
	int in = 0;
	CU_ASSERT(TU_UNTIL(tu_control(s.ctl, "stats", out, sizeof(out)) == 0 && strstr(out, "\"msgs_in\":") &&
				   (in = atoi(strstr(out, "\"msgs_in\":") + 10)) >= 23,
			   20000));
	CU_ASSERT(in >= 23);
	CU_ASSERT(tu_now_ms() - t0 >= 1900);
	tu_ibpipe_stop(&t);
	tu_sim_stop(&s);
}

static void
test_sigterm_during_sync_and_blast(void)
{
	struct tu_sim s1, s2;
	struct tu_ibpipe t;
	const char *slow[] = { "--account-delay-ms", "10000", NULL };
	const char *blast[] = { "--blast", "50000000", NULL };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s1, slow), 0);
	ibpipe_start(&t, &s1, "recorder", "AAPL,MSFT", NULL);
	CU_ASSERT_EQUAL(tu_wait_for_text(t.log, "connected to", 10000), 0);
	/* tu_ibpipe_stop waits 5 s for the exit, then SIGKILLs: a hang fails tu_exited_ok */
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&t)));
	tu_sim_stop(&s1);

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s2, blast), 0);
	ibpipe_start(&t, &s2, "recorder", "AAPL,MSFT", NULL);
	CU_ASSERT_EQUAL(tu_wait_for_text(strat_log(&t), "\"cb\":\"quote\"", 10000), 0);
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&t))); /* mid-blast: the quotes are flowing */
	tu_sim_stop(&s2);
}

static void
test_probe_leaves_no_close_wait(void)
{
	struct tu_sim s;
	char port[16], out[4096];
	const char *sim_args[] = { "--account-delay-ms", "20", NULL };
	int ok = 0;

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	snprintf(port, sizeof(port), "%d", s.port);
	char *argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--client-id", "77", "--state-dir", (char *)tu_tmpdir(), NULL };
	for (int i = 0; i < 50; i++) {
		int st = tu_run(argv, out, sizeof(out), 10000);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(out, "\"ok\":true") && strstr(out, "\"nextValidId\":"))
			ok++;
	}
	CU_ASSERT_EQUAL(ok, 50);
	/* ibsim sees each probe's close once its loop runs: until then a socket may still be ESTABLISHED */
	CU_ASSERT(TU_UNTIL(tu_count_tcp_state(s.port, "CLOSE_WAIT") == 0 && tu_count_tcp_state(s.port, "ESTABLISHED") == 0,
			   10000));
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.port, "CLOSE_WAIT"), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(s.port, "ESTABLISHED"), 0);
	tu_sim_stop(&s);
}

static void
test_probe_timeout_names_missing_piece(void)
{
	struct tu_sim s;
	char port[16], out[4096];
	const char *sim_args[] = { "--no-download-end", NULL };

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	snprintf(port, sizeof(port), "%d", s.port);
	char *argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", port, "--sync-timeout", "1.5", "--state-dir", (char *)tu_tmpdir(), NULL };
	int st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT(strstr(out, "\"ok\":false") != NULL);
	CU_ASSERT(strstr(out, "acctDownloadEnd:DU111111") != NULL);
	tu_sim_stop(&s);
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
