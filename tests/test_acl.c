/*
 * test_acl.c - the Redis users of deploy/redis, with a real redis-server started from the
 * repo's deploy/redis/redis.conf and the users.acl that deploy/redis/acl.sh generates (as the
 * host install and compose do).  A real bin/ibpipe publishes as the writer against bin/ibsim;
 * then each user is tried on what it may and may not do: the default user is off, a reader
 * reads and subscribes but cannot write or FLUSHALL, the writer cannot touch P:control, and
 * only the operator halts the trader (ibpipe logs the kill switch); the trader user sends an
 * order through P:stream:commands, which ibpipe (as its restricted user) answers, and may
 * write nothing else.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/redis_url.h"
#include "testutil.h"

struct acl_env {
	char dir[64], acl[128], url[64];
	struct tu_redis redis;
};

/* users.acl from deploy/redis/acl.sh, then redis-server with deploy/redis/redis.conf. */
static int
acl_start(struct acl_env *e)
{
	char out[8192], port[16], *gen[] = { "/bin/sh", "deploy/redis/acl.sh", e->dir, NULL };

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s", tu_tmpdir());
	snprintf(e->acl, sizeof(e->acl), "%s/users.acl", e->dir);
	if (tu_write_file(e->dir, "redis.password", "w-secret\n") ||
	    tu_write_file(e->dir, "redis-reader.password", "r-secret\n") ||
	    tu_write_file(e->dir, "redis-operator.password", "o-secret\n") ||
	    tu_write_file(e->dir, "redis-trader.password", "t-secret\n"))
		return -1;
	if (!tu_exited_ok(tu_run(gen, out, sizeof(out), 5000)) || strstr(out, "user default off") == NULL ||
	    strstr(out, "w-secret") != NULL /* hashes only */ || tu_write_file(e->dir, "users.acl", out) != 0)
		return -1;
	snprintf(e->redis.dir, sizeof(e->redis.dir), "%s", e->dir);
	/* a free port, and another if it is taken before redis-server binds it (then it exits) */
	for (int attempt = 0; attempt < 20; attempt++) {
		e->redis.port = tu_free_port();
		snprintf(port, sizeof(port), "%d", e->redis.port);
		char *argv[] = { "/usr/bin/redis-server", "deploy/redis/redis.conf", "--port", port, "--bind", "127.0.0.1",
				 "--dir", e->dir, "--aclfile", e->acl, NULL };
		snprintf(out, sizeof(out), "%s/redis.log", e->dir);
		unlink(out);
		e->redis.pid = tu_spawn(argv, out);
		snprintf(e->url, sizeof(e->url), "redis://127.0.0.1:%d", e->redis.port);
		int rc = e->redis.pid > 0 ? tu_redis_listening(e->redis.pid, out, 10000) : -1;
		if (rc != 1)
			return rc;
		e->redis.pid = 0;
	}
	return -1;
}

/* Stop Redis and remove the temp directories of Redis, ibsim and ibpipe. */
static void
acl_stop(struct acl_env *e, const struct tu_sim *sim, const struct tu_ibpipe *ib)
{
	char simdir[256], out[16];
	char *slash;

	if (e->redis.pid > 0)
		tu_stop(e->redis.pid, SIGTERM, 5000);
	snprintf(simdir, sizeof(simdir), "%s", sim->log);
	if ((slash = strrchr(simdir, '/')) != NULL)
		*slash = '\0';
	char *rm[] = { "/bin/rm", "-rf", e->dir, simdir, (char *)ib->dir, NULL };
	tu_run(rm, out, sizeof(out), 5000);
}

/*
 * An authenticated connection as user (AUTH user password).  The timeout is
 * an upper bound, not a measurement: this Redis runs deploy/'s config with
 * appendfsync always, and a write's fsync on a machine whose disk is busy
 * (make test-stress runs make bench beside it) has taken over 2 s.
 */
static redisContext *
as_user(const struct acl_env *e, const char *user, const char *password)
{
	char url[96];

	snprintf(url, sizeof(url), "redis://%s:@127.0.0.1:%d", user, e->redis.port);
	return ib_redis_connect_url(url, password, 30000);
}

/* The error reply of a command, "" when it succeeded, "(no reply)" when the connection failed. */
static const char *
reply_error(redisContext *c, char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL)
		snprintf(buf, cap, "(no reply)");
	else if (r->type == REDIS_REPLY_ERROR)
		snprintf(buf, cap, "%s", r->str);
	else
		buf[0] = '\0';
	if (r)
		freeReplyObject(r);
	return buf;
}

#define REFUSED(c, ...) (strncmp(reply_error(c, err, sizeof(err), __VA_ARGS__), "NOPERM", 6) == 0)
/* Names the refusal on stderr, so a failed assertion says what Redis answered. */
#define ALLOWED(c, ...) allowed(reply_error(c, err, sizeof(err), __VA_ARGS__))

static bool
allowed(const char *error)
{
	if (error[0] != '\0')
		fprintf(stderr, "[refused: %s] ", error);
	return error[0] == '\0';
}

static void
test_users_rights(void)
{
	struct acl_env e;
	struct tu_sim sim;
	struct tu_ibpipe ib;
	char prefix[32], key[96], pwfile[128], v[64], err[256];
	const char *args[] = { "--redis-password-file", pwfile, "--commands", NULL };
	redisContext *reader, *writer, *operator, *trader, *anon, *sub;

	CU_ASSERT_EQUAL_FATAL(acl_start(&e), 0);
	/* The instance prefix ibpipe.<i> that the systemd unit uses, which acl.sh's ibpipe* covers. */
	snprintf(prefix, sizeof(prefix), "ibpipe.acl%d", (int)getpid());
	snprintf(pwfile, sizeof(pwfile), "%s/redis.password", e.dir);
	const struct tu_opts o = { .args = args, .strategy = "trader", .script = "BUY AAPL 10 MKT" };
	char url[96];
	snprintf(url, sizeof(url), "redis://ibpipe:@127.0.0.1:%d", e.redis.port);
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&sim, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&ib, sim.port, &o, url, prefix), 0);

	reader = as_user(&e, "reader", "r-secret");
	writer = as_user(&e, "ibpipe", "w-secret");
	operator = as_user(&e, "operator", "o-secret");
	trader = as_user(&e, "trader", "t-secret");
	CU_ASSERT_PTR_NOT_NULL_FATAL(trader);
	anon = tu_rconn(e.redis.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reader);
	CU_ASSERT_PTR_NOT_NULL_FATAL(writer);
	CU_ASSERT_PTR_NOT_NULL_FATAL(operator);
	CU_ASSERT_PTR_NULL(as_user(&e, "reader", "wrong"));

	/* ibpipe as the writer: the gate opens, the order's five stream entries land, no Redis errors. */
	snprintf(key, sizeof(key), "%s:sync", prefix);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(reader, key, "ready", 15000), 0);
	snprintf(key, sizeof(key), "%s:stream:orders", prefix);
	long long deadline = tu_now_ms() + 15000;
	while (tu_rint(reader, "XLEN %s", key) < 5 && tu_now_ms() < deadline)
		tu_sleep_ms(20);
	CU_ASSERT_EQUAL(tu_rint(reader, "XLEN %s", key), 5);
	snprintf(key, sizeof(key), "%s:health", prefix);
	deadline = tu_now_ms() + 5000;
	while (tu_rhget(reader, key, "redis_errors", v, sizeof(v))[0] == '\0' && tu_now_ms() < deadline)
		tu_sleep_ms(20);
	CU_ASSERT_STRING_EQUAL(v, "0");
	CU_ASSERT_EQUAL(tu_count_in_file(ib.log, "NOPERM"), 0);

	/* default is off: nothing without AUTH */
	if (anon) {
		CU_ASSERT_STRING_EQUAL(reply_error(anon, err, sizeof(err), "GET %s:sync", prefix), "NOAUTH Authentication required.");
		redisFree(anon);
	}

	/* reader: reads and subscribes; no writes, no FLUSHALL, no KEYS */
	snprintf(key, sizeof(key), "%s:quote:AAPL", prefix);
	CU_ASSERT(ALLOWED(reader, "HGETALL %s", key));
	CU_ASSERT(ALLOWED(reader, "XRANGE %s:stream:orders - +", prefix));
	sub = as_user(&e, "reader", "r-secret");
	CU_ASSERT_PTR_NOT_NULL_FATAL(sub);
	CU_ASSERT(ALLOWED(sub, "SUBSCRIBE %s:events", prefix));
	redisFree(sub);
	CU_ASSERT(REFUSED(reader, "HSET %s bid 1", key));
	CU_ASSERT(REFUSED(reader, "XADD %s:stream:orders * kind forged", prefix));
	CU_ASSERT(REFUSED(reader, "PUBLISH %s:events forged", prefix));
	CU_ASSERT(REFUSED(reader, "SET %s:control halt", prefix));
	CU_ASSERT(REFUSED(reader, "FLUSHALL"));
	CU_ASSERT(REFUSED(reader, "KEYS *"));
	CU_ASSERT(REFUSED(reader, "CONFIG SET appendonly no"));

	/* the writer publishes but cannot halt, flush or read outside the prefix */
	CU_ASSERT(REFUSED(writer, "SET %s:control halt", prefix));
	CU_ASSERT(REFUSED(writer, "FLUSHALL"));
	CU_ASSERT(REFUSED(writer, "SET other:key 1"));

	/*
	 * the trader sends an order through the command stream; ibpipe, as its own restricted user,
	 * reads it as the group, answers it on the orders stream and acknowledges it
	 */
	CU_ASSERT(ALLOWED(trader, "XADD %s:stream:commands * cmd place cmd_id acl-1 symbol AAPL action BUY qty 3 type MKT",
			  prefix));
	snprintf(key, sizeof(key), "%s:commands:results", prefix);
	deadline = tu_now_ms() + 15000;
	while (tu_rhget(reader, key, "acl-1", v, sizeof(v))[0] == '\0' && tu_now_ms() < deadline)
		tu_sleep_ms(20);
	CU_ASSERT_PTR_NOT_NULL(strstr(v, "\"result\":\"accepted\""));
	CU_ASSERT(ALLOWED(trader, "HGET %s acl-1", key)); /* and reads the answer */
	CU_ASSERT(ALLOWED(trader, "XRANGE %s:stream:orders - +", prefix));
	CU_ASSERT(ALLOWED(trader, "GET %s:sync", prefix));
	CU_ASSERT(ALLOWED(trader, "HGETALL %s:quote:AAPL", prefix));
	/* ... and may do nothing else: no forged results, no publishing, no kill switch, no taking commands */
	CU_ASSERT(REFUSED(trader, "XADD %s:stream:orders * kind cmd cmd_id forged result accepted", prefix));
	CU_ASSERT(REFUSED(trader, "HSET %s acl-1 forged", key));
	CU_ASSERT(REFUSED(trader, "HSET %s:quote:AAPL bid 1", prefix));
	CU_ASSERT(REFUSED(trader, "SET %s:control halt", prefix));
	CU_ASSERT(REFUSED(trader, "PUBLISH %s:events forged", prefix));
	CU_ASSERT(REFUSED(trader, "XREADGROUP GROUP ibpipe thief STREAMS %s:stream:commands >", prefix));
	CU_ASSERT(REFUSED(trader, "XACK %s:stream:commands ibpipe 0-1", prefix));
	CU_ASSERT(REFUSED(trader, "XGROUP DESTROY %s:stream:commands ibpipe", prefix));
	CU_ASSERT(REFUSED(trader, "XDEL %s:stream:commands 0-1", prefix));
	CU_ASSERT(REFUSED(trader, "DEL %s:stream:commands", prefix));
	CU_ASSERT(REFUSED(trader, "XADD other:stream:commands * cmd halt cmd_id x"));
	CU_ASSERT(REFUSED(trader, "FLUSHALL"));
	/* the reader cannot send commands, nor the operator; the writer cannot read them as the group */
	CU_ASSERT(REFUSED(reader, "XADD %s:stream:commands * cmd halt cmd_id r", prefix));
	CU_ASSERT(REFUSED(operator, "XADD %s:stream:commands * cmd halt cmd_id o", prefix));
	CU_ASSERT(REFUSED(writer, "XGROUP DESTROY %s:stream:commands ibpipe", prefix));
	CU_ASSERT_EQUAL(tu_count_in_file(ib.log, "NOPERM"), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(ib.log, "acl-1: accepted"), 1);
	redisFree(trader);

	/*
	 * `ibpipe status` as the reader, configured the way a unit does it without a shell: the
	 * URL (an ACL user, no password) and prefix in --config, the password as systemd's
	 * credential.  And a URL with a password in it is refused (exit 2), as `run` refuses it.
	 */
	char conf[256], creds[128], out[4096];
	snprintf(creds, sizeof(creds), "%s/creds", e.dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(creds, 0700), 0);
	CU_ASSERT_EQUAL(tu_write_file(creds, "redis.password", "r-secret\n"), 0);
	snprintf(conf, sizeof(conf), "redis_url = redis://reader:@127.0.0.1:%d\nredis_prefix = %s\n", e.redis.port, prefix);
	CU_ASSERT_EQUAL(tu_write_file(e.dir, "status.conf", conf), 0);
	snprintf(conf, sizeof(conf), "%s/status.conf", e.dir);
	char *status[] = { (char *)tu_bin("ibpipe"), "status", "--config", conf, "--wait-ready", "--timeout", "10", NULL };
	setenv("CREDENTIALS_DIRECTORY", creds, 1);
	CU_ASSERT(tu_exited_ok(tu_run(status, out, sizeof(out), 15000)));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "sync      ready"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "accounts  1"));
	unsetenv("CREDENTIALS_DIRECTORY");
	/* without the credential the reader cannot log in */
	char *once[] = { (char *)tu_bin("ibpipe"), "status", "--config", conf, NULL };
	CU_ASSERT(!tu_exited_ok(tu_run(once, out, sizeof(out), 5000)));
	char inurl[96];
	snprintf(inurl, sizeof(inurl), "redis://reader:r-secret@127.0.0.1:%d", e.redis.port);
	char *leaky[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", inurl, NULL };
	int st = tu_run(leaky, out, sizeof(out), 5000);
	CU_ASSERT(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 2);

	/* the operator alone halts; it cannot rewrite what ibpipe publishes */
	CU_ASSERT(REFUSED(operator, "SET %s:sync ready", prefix));
	CU_ASSERT(REFUSED(operator, "FLUSHALL"));
	CU_ASSERT(ALLOWED(operator, "SET %s:control halt", prefix));
	CU_ASSERT_EQUAL(tu_wait_for_text(ib.log, "= halt", 5000), 0);

	redisFree(reader);
	redisFree(writer);
	redisFree(operator);
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&ib)));
	tu_sim_stop(&sim);
	acl_stop(&e, &sim, &ib);
}

void
test_acl_register(void)
{
	CU_pSuite s = CU_add_suite("acl", NULL, NULL);

	CU_add_test(s, "redis users: writer publishes, reader reads, operator alone halts, trader only sends commands",
		    test_users_rights);
}
