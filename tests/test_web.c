/*
 * test_web.c - `ibpipe web`, the dashboard, as real processes on loopback:
 * redis-server, ibsim, ibpipe run, ibpipe web, and Debian's headless
 * chromium (browser.c) loading the page.  The assertions are read from the
 * DOM the browser rendered: "syncing" with the missing piece named while
 * ibsim holds the account download, then "ready" with ibsim's
 * NetLiquidation, a quote changing, orders sent on P:stream:commands and a
 * fill appearing, "disconnected" when the gateway goes.  Then the server's
 * own contract without a browser: valid JSON whatever bytes Redis holds, a
 * Redis that is not there, and event streams that neither block the server
 * nor leak, ending cleanly on SIGTERM.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "browser.c"
#include "json_valid.h"
#include "testutil.h"

#define WEB_UP_MS 10000
#define PAGE_MS 30000 /* a failure bound for what the page shows (the usual case takes well under a second) */

struct web {
	pid_t pid;
	int port;
	char log[256];
};

/* ibpipe web on a free port against url/prefix; 0 once it says where it listens. */
static int
web_start(struct web *w, const char *dir, const char *url, const char *prefix)
{
	char line[256];
	char *argv[] = { (char *)tu_bin("ibpipe"), "web", "--listen", "127.0.0.1:0", "--redis-url", (char *)url,
			 "--redis-prefix", (char *)prefix, NULL };
	const char *p;

	memset(w, 0, sizeof(*w));
	snprintf(w->log, sizeof(w->log), "%s/web.log", dir);
	if ((w->pid = tu_spawn(argv, w->log)) <= 0)
		return -1;
	if (tu_wait_for_text(w->log, "ibpipe web: dashboard on http://127.0.0.1:", WEB_UP_MS) != 0 ||
	    tu_last_line(w->log, "ibpipe web: dashboard on", line, sizeof(line)) != 0 ||
	    (p = strstr(line, "127.0.0.1:")) == NULL)
		return -1;
	w->port = atoi(p + 10);
	return w->port > 0 ? 0 : -1;
}

/* SIGTERM; true if it exited 0. */
static bool
web_stop(struct web *w)
{
	int st = w->pid > 0 ? tu_stop(w->pid, SIGTERM, 10000) : -1;

	w->pid = 0;
	return tu_exited_ok(st);
}

/* The last NetLiquidation (USD) in ibsim's frames as ibpipe recorded them; "" if none yet. */
static void
recorded_netliq(const char *rec, char *out, size_t cap)
{
	static char dump[4 << 20];
	char *argv[] = { (char *)tu_bin("ibpipe"), "dump", (char *)rec, NULL };
	const char *p, *key = "\"key\":\"NetLiquidation\",\"val\":\"";

	out[0] = '\0';
	if (tu_run(argv, dump, sizeof(dump), 10000) < 0)
		return;
	for (p = strstr(dump, key); p; p = strstr(p + 1, key)) {
		const char *v = p + strlen(key), *e = strchr(v, '"');
		if (e && strncmp(e, "\",\"currency\":\"USD\"", 18) == 0)
			snprintf(out, cap, "%.*s", (int)(e - v), v);
	}
}

/* XADD P:stream:commands * field value ... (NULL-terminated), as another service would; 0 or -1. */
static int
send_cmd(redisContext *c, const char *prefix, ...)
{
	const char *argv[40] = { "XADD", NULL, "*" };
	size_t lens[40];
	char key[64];
	int n = 3;
	va_list ap;

	va_start(ap, prefix);
	for (const char *s = va_arg(ap, const char *); s != NULL && n < 40; s = va_arg(ap, const char *))
		argv[n++] = s;
	va_end(ap);
	snprintf(key, sizeof(key), "%s:stream:commands", prefix);
	argv[1] = key;
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	redisReply *r = redisCommandArgv(c, n, argv, lens);
	int rc = r && r->type == REDIS_REPLY_STRING ? 0 : -1;
	if (r)
		freeReplyObject(r);
	return rc;
}

/* The command result for cmd_id on P:stream:orders: its order id (0 for a refusal), -1 while there is none. */
static long long
cmd_result(redisContext *c, const char *prefix, const char *cmd_id)
{
	redisReply *r = redisCommand(c, "XRANGE %s:stream:orders - +", prefix);
	long long id = -1;

	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements && id < 0; i++) {
		const redisReply *f = r->element[i]->element[1];
		const char *oid = "0", *kind = "", *cid = "";
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			if (strcmp(f->element[k]->str, "order_id") == 0)
				oid = f->element[k + 1]->str;
			else if (strcmp(f->element[k]->str, "cmd_id") == 0)
				cid = f->element[k + 1]->str;
			else if (strcmp(f->element[k]->str, "kind") == 0)
				kind = f->element[k + 1]->str;
		}
		if (strcmp(kind, "cmd") == 0 && strcmp(cid, cmd_id) == 0)
			id = atoll(oid);
	}
	if (r)
		freeReplyObject(r);
	return id;
}

static void
strip_commas(char *s)
{
	char *o = s;

	for (; *s; s++)
		if (*s != ',')
			*o++ = *s;
	*o = '\0';
}

/*
 * The dashboard in a real browser through a whole session.  ibsim holds
 * DU111111's account download (account-delay-one) until the test releases
 * it, so "syncing" is seen for sure, not raced.  Orders come through the
 * command stream, as from another service: one while syncing (refused,
 * "not synced", which the page shows), one once ready -- a limit far below
 * the market, so it rests and no fill moves NetLiquidation under the
 * comparison with ibsim's.
 */
static void
test_browser_session(void)
{
	static const char *const run_args[] = { "--record", NULL, "--depth", "AAPL:10", "--commands", "--strategies", "0",
						NULL };
	const char *args[8];
	struct tu_sim sim;
	struct tu_ibpipe ib;
	struct web w;
	br b;
	char dir[200], url[64], prefix[32], rec[300], v[512], want[64] = "", first[128], expr[1024];
	redisContext *c;
	long long oid = -1, t0;

	if (br_binary() == NULL) {
		CU_FAIL("chromium is not installed: apt-get install chromium (make test needs it for test_web)");
		return;
	}
	CU_ASSERT_FATAL(tu_redis_port() > 0);
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
	snprintf(prefix, sizeof(prefix), "web%d", (int)getpid());
	snprintf(rec, sizeof(rec), "%s/session.ibrec", dir);
	memcpy(args, run_args, sizeof(args));
	args[1] = rec;
	CU_ASSERT_FATAL(tu_sim_start(&sim, NULL) == 0);
	CU_ASSERT_FATAL(tu_control(sim.ctl, "account-delay-one DU111111 600000", v, sizeof(v)) == 0);
	CU_ASSERT_FATAL(strncmp(v, "ok", 2) == 0);
	const struct tu_opts o = { .args = args };
	CU_ASSERT_FATAL(tu_ibpipe_start(&ib, sim.port, &o, url, prefix) == 0);
	c = tu_rconn(tu_redis_port());
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_FATAL(web_start(&w, dir, url, prefix) == 0);
	CU_ASSERT_FATAL(br_start(&b, dir, 1400, 1250) == 0);
	snprintf(v, sizeof(v), "http://127.0.0.1:%d/", w.port);
	CU_ASSERT_FATAL(br_open(&b, v, PAGE_MS) == 0);

	/* 1. syncing, and the page names what is missing */
	int rc = br_until(&b, "document.getElementById('sync-state').textContent + ' | ' + "
			      "document.getElementById('sync-missing').textContent",
			  "syncing | waiting for: acctDownloadEnd:DU111111", v, sizeof(v), PAGE_MS);
	if (rc != 0)
		fprintf(stderr, "\n  page shows: %s (%s)\n", v, b.err);
	CU_ASSERT_EQUAL(rc, 0);
	/* an order sent now is refused by the sync gate, and the page says so */
	CU_ASSERT(send_cmd(c, prefix, "cmd", "place", "cmd_id", "web-early", "symbol", "AAPL", "action", "BUY", "qty", "1",
			   "type", "LMT", "lmt", "1.00", (char *)NULL) == 0);
	CU_ASSERT(br_until(&b, "(function(){var r=document.querySelector('#orders tr[data-cmd-id=\"web-early\"]');"
			       "return r ? r.textContent : 'none';})()",
			   "not synced", v, sizeof(v), PAGE_MS) == 0);

	/* 2. released: ready, with ibsim's NetLiquidation */
	t0 = tu_now_ms();
	CU_ASSERT_FATAL(tu_control(sim.ctl, "account-delay-one DU111111 0", v, sizeof(v)) == 0);
	rc = br_until(&b, "document.getElementById('sync-state').textContent", "ready", v, sizeof(v), PAGE_MS);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc == 0)
		printf("\n  [web] release -> page shows ready: %lld ms\n", tu_now_ms() - t0);
	CU_ASSERT(TU_UNTIL((recorded_netliq(rec, want, sizeof(want)), want[0] != '\0'), PAGE_MS));
	rc = -1;
	for (long long end = tu_now_ms() + PAGE_MS; rc != 0 && tu_now_ms() < end; tu_sleep_ms(50)) {
		if (br_eval(&b, "document.querySelector('#accounts tr[data-account=\"DU111111\"] td.netliq').textContent",
			    v, sizeof(v), PAGE_MS) != 0)
			continue;
		strip_commas(v);
		rc = strcmp(v, want) == 0 ? 0 : -1;
	}
	if (rc != 0)
		fprintf(stderr, "\n  NetLiquidation: page %s, ibsim %s\n", v, want);
	CU_ASSERT_EQUAL(rc, 0);

	/* 3. a quote's value changes on the page */
	const char *quote = "(function(){var r=document.querySelector('#quotes tr[data-symbol=\"AAPL\"]');"
			    "return r ? r.querySelector('td.bid').textContent + '/' + r.querySelector('td.ask').textContent"
			    " + '/' + r.querySelector('td.last').textContent : '';})()";
	CU_ASSERT(br_until(&b, quote, "/", first, sizeof(first), PAGE_MS) == 0);
	snprintf(expr, sizeof(expr), "%s === '%s' ? 'same' : 'changed'", quote, first);
	CU_ASSERT(br_until(&b, expr, "changed", v, sizeof(v), PAGE_MS) == 0);

	/* 4. an order placed through the command stream appears, with the id ibpipe gave it */
	CU_ASSERT(send_cmd(c, prefix, "cmd", "place", "cmd_id", "web-1", "symbol", "AAPL", "action", "BUY", "qty", "1",
			   "type", "LMT", "lmt", "1.00", (char *)NULL) == 0);
	CU_ASSERT(TU_UNTIL((oid = cmd_result(c, prefix, "web-1")) > 0, PAGE_MS));
	snprintf(expr, sizeof(expr),
		 "Array.from(document.querySelectorAll('#orders tr[data-order-id=\"%lld\"]'))"
		 ".map(function(r){return r.textContent;}).join(' | ')",
		 oid);
	rc = br_until(&b, expr, "Submitted", v, sizeof(v), PAGE_MS);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(strstr(v, "AAPL") != NULL && strstr(v, "BUY") != NULL);
	CU_ASSERT(br_until(&b, "(function(){var r=document.querySelector('#orders tr[data-cmd-id=\"web-1\"]');"
			       "return r ? r.textContent : 'none';})()",
			   "web-1", v, sizeof(v), PAGE_MS) == 0);
	/* the depth ladder and the positions rendered too */
	CU_ASSERT(br_until(&b, "document.querySelectorAll('#books .ladder[data-symbol=\"AAPL\"] tbody tr').length",
			   "10", v, sizeof(v), PAGE_MS) == 0);
	CU_ASSERT(br_until(&b, "document.querySelector('#positions tr[data-symbol=\"MSFT\"]') ? 'yes' : 'no'", "yes", v,
			   sizeof(v), PAGE_MS) == 0);

	/* 5. a fill: a market order's execution appears */
	CU_ASSERT(send_cmd(c, prefix, "cmd", "place", "cmd_id", "web-2", "symbol", "MSFT", "action", "BUY", "qty", "2",
			   "type", "MKT", (char *)NULL) == 0);
	CU_ASSERT(TU_UNTIL((oid = cmd_result(c, prefix, "web-2")) > 0, PAGE_MS));
	snprintf(expr, sizeof(expr),
		 "document.querySelector('#orders tr[data-kind=\"exec\"][data-order-id=\"%lld\"]') ? 'filled' : 'no'", oid);
	t0 = tu_now_ms();
	CU_ASSERT(br_until(&b, expr, "filled", v, sizeof(v), PAGE_MS) == 0);
	printf("  [web] execution on the page %lld ms after the order's result was in Redis\n", tu_now_ms() - t0);
	const char *shot = getenv("IB_WEB_SCREENSHOT");
	if (shot && *shot)
		CU_ASSERT(br_screenshot(&b, shot, PAGE_MS) == 0);

	/* 6. the gateway goes away: the page says disconnected, and so does its health panel */
	t0 = tu_now_ms();
	tu_sim_stop(&sim);
	CU_ASSERT(br_until(&b, "document.getElementById('sync-state').textContent", "disconnected", v, sizeof(v),
			   PAGE_MS) == 0);
	printf("  [web] gateway stopped -> page shows disconnected: %lld ms\n", tu_now_ms() - t0);
	CU_ASSERT(br_until(&b, "document.getElementById('health').textContent", "DISCONNECTED", v, sizeof(v), PAGE_MS) ==
		  0);

	br_stop(&b);
	redisFree(c);
	CU_ASSERT(web_stop(&w));
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&ib)));
}

/* ---- the server without a browser ---- */

/* A raw HTTP/1.1 connection to the dashboard; fd or -1. */
static int
http_open(int port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char req[256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), n;

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read from fd until buf holds needle (or EOF / timeout); the bytes read. */
static size_t
read_until(int fd, char *buf, size_t cap, const char *needle, int timeout_ms)
{
	long long end = tu_now_ms() + timeout_ms;
	size_t len = 0;

	buf[0] = '\0';
	while (len + 1 < cap && !strstr(buf, needle)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = end - tu_now_ms();
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
	}
	return len;
}

/* The first SSE message's data on a fresh /events stream into out; 0 or -1. */
static int
first_event(int port, char *out, size_t cap)
{
	static char buf[1 << 20];
	int fd = http_open(port, "/events");
	char *d, *e;

	if (fd < 0)
		return -1;
	read_until(fd, buf, sizeof(buf), "\n\n", 10000);
	close(fd);
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0 || !strstr(buf, "text/event-stream") ||
	    (d = strstr(buf, "\ndata: ")) == NULL || (e = strstr(d + 7, "\n\n")) == NULL)
		return -1;
	snprintf(out, cap, "%.*s", (int)(e - d - 7), d + 7);
	return 0;
}

/*
 * Whatever bytes Redis holds (invalid UTF-8, quotes, control characters, a
 * NUL, markup, JSON that is not JSON), /api/state and every SSE message are
 * valid JSON that keeps them as text.
 */
static void
test_hostile_redis(void)
{
	static char body[256 * 1024], ev[256 * 1024];
	const char *evil = "<img src=x onerror=alert(1)>";
	char prefix[32], url[64];
	redisContext *c = tu_rconn(tu_redis_port());
	struct web w;

	CU_ASSERT_FATAL(c != NULL);
	snprintf(prefix, sizeof(prefix), "webh%d", (int)getpid());
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
	redisReply *r[] = {
		redisCommand(c, "SET %s:sync %b", prefix, "ready\"\n\xff\x01", (size_t)9),
		redisCommand(c, "SET %s:sync:detail %s", prefix, "{\"missing\":[\"\xc3\x28\"], bad"),
		redisCommand(c, "SADD %s:accounts %b", prefix, "DU\xc3\x28\"<b>", (size_t)9),
		redisCommand(c, "HSET %s:account:{DU\xc3\x28\"<b>} NetLiquidation:USD %b", prefix, "1e999\0\"</td>", (size_t)12),
		redisCommand(c, "HSET %s:quote:%s bid %b last \xed\xa0\x80", prefix, evil, "\x00\x1f\x7f", (size_t)3),
		redisCommand(c, "SET %s:book:X \xff\xfe{", prefix),
		redisCommand(c, "XADD %s:stream:orders * kind st\"at\\ order_id \xf4\x90\x80\x80", prefix),
		redisCommand(c, "HSET %s:health connected \x7f\x80", prefix),
		redisCommand(c, "EXPIRE %s:health 60", prefix),
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		CU_ASSERT(r[i] != NULL && r[i]->type != REDIS_REPLY_ERROR);
		if (r[i])
			freeReplyObject(r[i]);
	}
	CU_ASSERT_FATAL(web_start(&w, tu_tmpdir(), url, prefix) == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 && strstr(body, "onerror"), 10000));
	CU_ASSERT(json_valid(body, strlen(body)));
	CU_ASSERT(strstr(body, "\"ok\":true") != NULL);
	CU_ASSERT(strstr(body, "<img src=x onerror=alert(1)>") != NULL); /* kept as text: the page uses textContent */
	CU_ASSERT(strstr(body, "\\ufffd") != NULL);                       /* the invalid bytes, replaced */
	CU_ASSERT_EQUAL(first_event(w.port, ev, sizeof(ev)), 0);
	CU_ASSERT(json_valid(ev, strlen(ev)));
	CU_ASSERT(strstr(ev, "onerror") != NULL);
	/* the page and its assets are served, and nothing on it points elsewhere */
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/", body, sizeof(body)), 200);
	CU_ASSERT(strstr(body, "<script src=\"/app.js\"") != NULL && strstr(body, "http") == NULL);
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/app.js", body, sizeof(body)), 200);
	CU_ASSERT(strstr(body, "EventSource('/events')") != NULL);
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/style.css", body, sizeof(body)), 200);
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/nope", body, sizeof(body)), 404);
	CU_ASSERT(web_stop(&w));
	redisReply *d = redisCommand(c, "DEL %s:sync %s:sync:detail %s:accounts %s:account:{DU\xc3\x28\"<b>} %s:book:X "
					"%s:stream:orders %s:health",
				     prefix, prefix, prefix, prefix, prefix, prefix, prefix);
	if (d)
		freeReplyObject(d);
	d = redisCommand(c, "DEL %s:quote:%s", prefix, evil);
	if (d)
		freeReplyObject(d);
	redisFree(c);
}

/* No Redis there: the page says so (and why), the server still serves, SIGTERM still stops it. */
static void
test_redis_unreachable(void)
{
	static char body[64 * 1024];
	char url[64];
	struct web w;

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_free_port());
	CU_ASSERT_FATAL(web_start(&w, tu_tmpdir(), url, "nowhere") == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200, 10000));
	CU_ASSERT(json_valid(body, strlen(body)));
	CU_ASSERT(strstr(body, "\"ok\":false") != NULL);
	CU_ASSERT(strstr(body, "refused") != NULL || strstr(body, "onnect") != NULL);
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/", body, sizeof(body)), 200);
	CU_ASSERT(web_stop(&w));
}

/* Redis goes away under a running dashboard: the picture says so; Redis back on its port: read again. */
static void
test_redis_restart(void)
{
	static char body[64 * 1024];
	struct tu_redis r;
	char url[64];
	struct web w;

	CU_ASSERT_FATAL(tu_redis_start(&r, 0, NULL, NULL) == 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	CU_ASSERT_FATAL(web_start(&w, tu_tmpdir(), url, "back") == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 && strstr(body, "\"ok\":true"),
			   10000));
	tu_redis_stop(&r, SIGKILL);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 && strstr(body, "\"ok\":false"),
			   10000));
	CU_ASSERT(json_valid(body, strlen(body)));
	CU_ASSERT_FATAL(tu_redis_start(&r, r.port, r.dir, NULL) == 0);
	redisContext *c = tu_rconn(r.port);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT(tu_rcmd(c, "SET back:sync syncing") == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 &&
				   strstr(body, "\"sync\":\"syncing\""),
			   10000));
	redisFree(c);
	CU_ASSERT(web_stop(&w));
	tu_redis_stop(&r, SIGTERM);
}

/* ibpipe web as ACL user `user` (password in IBPIPE_REDIS_PASSWORD, as a deployment passes it). */
static int
web_start_as(struct web *w, const char *user, const char *prefix)
{
	char url[96];
	int rc;

	snprintf(url, sizeof(url), "redis://%s:@127.0.0.1:%d", user, tu_redis_port());
	setenv("IBPIPE_REDIS_PASSWORD", "web-test-pw", 1);
	rc = web_start(w, tu_tmpdir(), url, prefix);
	unsetenv("IBPIPE_REDIS_PASSWORD");
	return rc;
}

/* ACL SETUSER user: password web-test-pw, read on prefix* keys and channels, then the rules in rules. */
static int
acl_user(redisContext *c, const char *user, const char *prefix, const char *rules)
{
	char keys[64], chans[64], buf[512], *save = NULL;
	const char *argv[40] = { "ACL", "SETUSER", user, "on", ">web-test-pw", "resetkeys", "resetchannels", keys, chans };
	int n = 9;

	snprintf(keys, sizeof(keys), "%%R~%s*", prefix);
	snprintf(chans, sizeof(chans), "&%s*", prefix);
	snprintf(buf, sizeof(buf), "%s", rules);
	for (char *t = strtok_r(buf, " ", &save); t && n < 40; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	redisReply *r = redisCommandArgv(c, n, argv, NULL);
	int rc = r && r->type == REDIS_REPLY_STATUS ? 0 : -1;
	if (r)
		freeReplyObject(r);
	return rc;
}

static long long
connections_received(redisContext *c)
{
	redisReply *r = redisCommand(c, "INFO stats");
	const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "total_connections_received:") : NULL;
	long long n = p ? atoll(p + strlen("total_connections_received:")) : -1;

	if (r)
		freeReplyObject(r);
	return n;
}

/*
 * The deployment's `reader` user (deploy/redis/acl.sh: +@read, SUBSCRIBE, no
 * writes) is all the dashboard needs.  A user that may not SCAN gets the
 * NOPERM on the page, and the dashboard retries once a second rather than
 * reconnecting in a loop.
 */
static void
test_reader_acl(void)
{
	static char body[64 * 1024];
	const char *read_cmds = "-@all +@read -@dangerous +ping +select +subscribe +unsubscribe +psubscribe +punsubscribe "
				"+role";
	char prefix[32], reader[32], noscan[32];
	redisContext *c = tu_rconn(tu_redis_port());
	struct web w;
	long long before;

	CU_ASSERT_FATAL(c != NULL);
	snprintf(prefix, sizeof(prefix), "weba%d", (int)getpid());
	snprintf(reader, sizeof(reader), "webreader%d", (int)getpid());
	snprintf(noscan, sizeof(noscan), "webnoscan%d", (int)getpid());
	CU_ASSERT(acl_user(c, reader, prefix, read_cmds) == 0);
	CU_ASSERT(acl_user(c, noscan, prefix, read_cmds) == 0);
	CU_ASSERT(tu_rcmd(c, "ACL SETUSER %s -scan", noscan) == 0);
	CU_ASSERT(tu_rcmd(c, "SET %s:sync ready", prefix) == 0);
	CU_ASSERT(tu_rcmd(c, "HSET %s:quote:AAPL bid 1.5", prefix) == 0);

	CU_ASSERT_FATAL(web_start_as(&w, reader, prefix) == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 && strstr(body, "\"ok\":true") &&
				   strstr(body, "\"bid\":\"1.5\""),
			   10000));
	CU_ASSERT(web_stop(&w));

	CU_ASSERT_FATAL(web_start_as(&w, noscan, prefix) == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", body, sizeof(body)) == 200 && strstr(body, "NOPERM"), 10000));
	CU_ASSERT(strstr(body, "\"ok\":false") != NULL && strstr(body, "SCAN") != NULL);
	before = connections_received(c);
	tu_sleep_ms(2000); /* the window over which reconnections are counted, not a wait for an event */
	CU_ASSERT(connections_received(c) - before <= 12); /* two a second at most (command + subscriber), with slack */
	CU_ASSERT(web_stop(&w));

	CU_ASSERT(tu_rcmd(c, "ACL DELUSER %s %s", reader, noscan) == 0);
	CU_ASSERT(tu_rcmd(c, "DEL %s:sync %s:quote:AAPL", prefix, prefix) == 0);
	redisFree(c);
}

/* ---- following the master through Sentinel ---- */

static bool
replica_linked(int port)
{
	redisContext *c = tu_rconn(port);
	redisReply *r = c ? redisCommand(c, "INFO replication") : NULL;
	bool up = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "master_link_status:up") != NULL;

	if (r)
		freeReplyObject(r);
	if (c)
		redisFree(c);
	return up;
}

/* The sentinel knows the replica: a failover has somewhere to go. */
static bool
sentinel_sees_replica(int port, const char *master)
{
	redisContext *c = tu_rconn(port);
	redisReply *r = c ? redisCommand(c, "SENTINEL REPLICAS %s", master) : NULL;
	bool seen = r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1;

	if (r)
		freeReplyObject(r);
	if (c)
		redisFree(c);
	return seen;
}

/* redis-sentinel on a free port watching 127.0.0.1:mport as `master` (quorum 1); its pid, or -1. */
static pid_t
sentinel_start(const char *dir, const char *master, int mport, int *port)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		char conf[256], log[256];
		FILE *f;
		bool exited = false;
		*port = tu_free_port();
		snprintf(conf, sizeof(conf), "%s/sentinel.conf", dir);
		snprintf(log, sizeof(log), "%s/sentinel.log", dir);
		if ((f = fopen(conf, "w")) == NULL)
			return -1;
		fprintf(f, "port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\n"
			   "sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 4000\n",
			*port, dir, master, mport, master, master);
		fclose(f);
		unlink(log);
		char *argv[] = { "/usr/bin/redis-sentinel", conf, NULL };
		pid_t pid = tu_spawn(argv, log);
		if (pid <= 0)
			return -1;
		if (TU_UNTIL(tu_count_in_file(log, "+monitor master") > 0 || (exited = tu_wait(pid, 0) != -1), 10000) &&
		    !exited && tu_wait_port(*port, 2000) == 0)
			return pid;
		if (!exited)
			tu_stop(pid, SIGKILL, 1000);
	}
	return -1;
}

/* The Redis the dashboard's picture says it reads ("at"), into out. */
static bool
picture_at(int port, char *out, size_t cap)
{
	static char body[64 * 1024];
	const char *a;

	out[0] = '\0';
	if (tu_http_get(port, "/api/state", body, sizeof(body)) != 200 || (a = strstr(body, "\"at\":\"")) == NULL)
		return false;
	snprintf(out, cap, "%.*s", (int)strcspn(a + 6, "\""), a + 6);
	return strstr(body, "\"ok\":true") != NULL;
}

/*
 * With redis_sentinels the dashboard reads the master the sentinel names;
 * after a failover (SENTINEL FAILOVER: the sentinel demotes the old master
 * and drops its clients) it reads the new one.
 */
static void
test_sentinel_failover(void)
{
	struct tu_redis m, r;
	struct web w;
	char mport[16], list[32], want[64], at[128] = "";
	const char *dir = tu_tmpdir();
	int sport = 0;
	pid_t sent;

	if (access("/usr/bin/redis-sentinel", X_OK) != 0) {
		CU_FAIL("redis-sentinel is not installed: apt-get install redis-sentinel");
		return;
	}
	CU_ASSERT_FATAL(tu_redis_start(&m, 0, NULL, NULL) == 0);
	snprintf(mport, sizeof(mport), "%d", m.port);
	const char *rargs[] = { "--replicaof", "127.0.0.1", mport, NULL };
	CU_ASSERT_FATAL(tu_redis_start(&r, 0, NULL, rargs) == 0);
	CU_ASSERT_FATAL(TU_UNTIL(replica_linked(r.port), 15000));
	CU_ASSERT_FATAL((sent = sentinel_start(dir, "webm", m.port, &sport)) > 0);
	CU_ASSERT_FATAL(TU_UNTIL(sentinel_sees_replica(sport, "webm"), 15000));
	snprintf(list, sizeof(list), "127.0.0.1:%d", sport);
	char *argv[] = { (char *)tu_bin("ibpipe"), "web", "--listen", "127.0.0.1:0", "--redis-sentinels", list,
			 "--redis-master", "webm", "--redis-prefix", "ha", NULL };
	memset(&w, 0, sizeof(w));
	snprintf(w.log, sizeof(w.log), "%s/web.log", dir);
	w.pid = tu_spawn(argv, w.log);
	CU_ASSERT_FATAL(tu_wait_for_text(w.log, "ibpipe web: dashboard on http://127.0.0.1:", WEB_UP_MS) == 0);
	CU_ASSERT_FATAL(tu_last_line(w.log, "ibpipe web: dashboard on", want, sizeof(want)) == 0);
	w.port = atoi(strstr(want, "127.0.0.1:") + 10);

	snprintf(want, sizeof(want), "master webm at 127.0.0.1:%d", m.port);
	CU_ASSERT(TU_UNTIL(picture_at(w.port, at, sizeof(at)) && strcmp(at, want) == 0, 10000));
	redisContext *s = tu_rconn(sport);
	CU_ASSERT_FATAL(s != NULL);
	/* refused (NOGOODSLAVE) until the sentinel has had the replica's own INFO: asked again until it agrees */
	CU_ASSERT(TU_UNTIL(tu_rcmd(s, "SENTINEL FAILOVER webm") == 0, 30000));
	redisFree(s);
	snprintf(want, sizeof(want), "master webm at 127.0.0.1:%d", r.port);
	CU_ASSERT(TU_UNTIL(picture_at(w.port, at, sizeof(at)) && strcmp(at, want) == 0, 30000));
	if (strcmp(at, want) != 0)
		fprintf(stderr, "\n  the dashboard reads %s, want %s\n", at, want);

	CU_ASSERT(web_stop(&w));
	tu_stop(sent, SIGTERM, 5000);
	tu_redis_stop(&r, SIGTERM);
	tu_redis_stop(&m, SIGTERM);
}

/* Open file descriptors of pid (sockets included). */
static int
fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Event streams: 32 at once, each fed; the 33rd refused with 503; the
 * server answers other requests meanwhile; streams that leave give their
 * sockets back; SIGTERM ends the open streams cleanly (EOF, exit 0).
 */
static void
test_streams(void)
{
	static char buf[1 << 20];
	enum { N = 32 };
	int fds[N], extra, base;
	char url[64];
	struct web w;

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
	CU_ASSERT_FATAL(web_start(&w, tu_tmpdir(), url, "streams") == 0);
	CU_ASSERT(TU_UNTIL(tu_http_get(w.port, "/api/state", buf, sizeof(buf)) == 200, 10000));
	base = fd_count(w.pid);
	for (int i = 0; i < N; i++) {
		fds[i] = http_open(w.port, "/events");
		CU_ASSERT(fds[i] >= 0);
		read_until(fds[i], buf, sizeof(buf), "\n\n", 10000);
		CU_ASSERT(strstr(buf, "\ndata: {") != NULL);
	}
	extra = http_open(w.port, "/events");
	read_until(extra, buf, sizeof(buf), "\r\n", 10000);
	CU_ASSERT(strncmp(buf, "HTTP/1.1 503", 12) == 0);
	close(extra);
	/* all 32 are fed again (the 4 Hz refresh) while the server serves a plain request */
	CU_ASSERT_EQUAL(tu_http_get(w.port, "/api/state", buf, sizeof(buf)), 200);
	for (int i = 0; i < N; i++) {
		size_t n = read_until(fds[i], buf, sizeof(buf), "\"seq\"", 10000);
		CU_ASSERT(n > 0 && strstr(buf, "\"seq\"") != NULL);
	}
	/* half of them leave: their sockets are closed and their slots free (no thread or socket kept) */
	for (int i = 0; i < N / 2; i++)
		close(fds[i]);
	CU_ASSERT(TU_UNTIL(fd_count(w.pid) <= base + N / 2, 10000));
	for (int i = 0; i < N / 2; i++) {
		fds[i] = http_open(w.port, "/events");
		read_until(fds[i], buf, sizeof(buf), "\n\n", 10000);
		CU_ASSERT(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	}
	/* SIGTERM with every stream open: each ends (EOF after the chunked terminator), exit 0 */
	CU_ASSERT(web_stop(&w));
	for (int i = 0; i < N; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };
		ssize_t r = 1;
		while (r > 0 && poll(&p, 1, 5000) > 0)
			r = read(fds[i], buf, sizeof(buf));
		CU_ASSERT_EQUAL(r, 0);
		close(fds[i]);
	}
}

void
test_web_register(void)
{
	CU_pSuite s = CU_add_suite("web", NULL, NULL);
	CU_add_test(s, "dashboard in chromium: syncing (named) -> ready with ibsim's NetLiquidation, quotes move, "
		       "command-stream orders and a fill appear, a lost gateway shows",
		    test_browser_session);
	CU_add_test(s, "/api/state and /events are valid JSON whatever bytes Redis holds", test_hostile_redis);
	CU_add_test(s, "Redis unreachable: the page says why, SIGTERM still stops it", test_redis_unreachable);
	CU_add_test(s, "Redis killed under the dashboard: the page says so, then reads it again", test_redis_restart);
	CU_add_test(s, "the deployment's reader ACL user is enough; a NOPERM is shown, not retried in a loop",
		    test_reader_acl);
	CU_add_test(s, "redis_sentinels: the dashboard reads the master, and the new one after a failover",
		    test_sentinel_failover);
	CU_add_test(s, "event streams: 32 fed at once, the 33rd refused, leavers freed, SIGTERM ends them",
		    test_streams);
}
