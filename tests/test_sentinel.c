/*
 * test_sentinel.c - Redis failover under Sentinel, with real processes on loopback: one master,
 * one replica (with the Redis users of deploy/redis/acl.sh, replication and sentinel users
 * included), three redis-sentinels with their own password, bin/ibsim and bin/ibpipe (as the
 * `ibpipe` user) running the "trader" strategy, which places orders all along.  The master is
 * SIGKILLed mid-session; ibpipe must find the promoted replica through the sentinels, write its
 * full snapshot there, and leave the order stream with every entry exactly once -- including the
 * entries the old master acknowledged but never replicated (the test cuts replication just
 * before the kill, so that loss happens every run instead of by chance).  `ibpipe status` (as
 * `reader`) must follow the master too.
 * Also: the sentinel list and master name parsers, and the config keys.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/str.h"
#include "config/config.h"
#include "ibpipe/ib.h"
#include "config/redis_sentinel.h"
#include "config/redis_url.h"
#include "publish/publish.h"
#include "testutil.h"

#define SPW "sentinels-pw"     /* the sentinels' requirepass */
#define WPW "writer-pw"        /* user ibpipe */
#define RPW "reader-pw"        /* user reader */
#define APW "admin-pw"         /* user admin: this test's own look at the nodes */
#define REPLPW "replication-pw"
#define SENTPW "sentinel-pw"   /* user sentinel: what the sentinels log in to the nodes as */
#define MASTER "ibm"
#define NSENT 3
#define NORDERS 30              /* placed by the trader strategy */
#define NCMD 6                  /* placed through P:stream:commands (the open deployment) */
#define MAXORDERS (NORDERS + NCMD)

/* ---- parsing ---- */

static void
test_sentinels_parse(void)
{
	ib_sentinels s;
	char err[200];

	CU_ASSERT_EQUAL(ib_sentinels_parse("127.0.0.1:26379, sent-b:26380,[::1]:1,hostc", &s, err, sizeof(err)), IB_OK);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT_STRING_EQUAL(s.s[0].host, "127.0.0.1");
	CU_ASSERT_EQUAL(s.s[0].port, 26379);
	CU_ASSERT_STRING_EQUAL(s.s[1].host, "sent-b");
	CU_ASSERT_EQUAL(s.s[1].port, 26380);
	CU_ASSERT_STRING_EQUAL(s.s[2].host, "::1");
	CU_ASSERT_EQUAL(s.s[2].port, 1);
	CU_ASSERT_STRING_EQUAL(s.s[3].host, "hostc");
	CU_ASSERT_EQUAL(s.s[3].port, IB_SENTINEL_PORT);
	static const char *const bad[] = { "", ",", "a:1,,b:2", "a:0", "a:65536", "a:x", ":5", "::1:5", "[::1",
					   "[::1]x", "a b:1", "a@b:1", "a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(ib_sentinels_parse(bad[i], &s, err, sizeof(err)), IB_EINVAL);
		CU_ASSERT(err[0] != '\0');
	}
	CU_ASSERT_EQUAL(ib_sentinel_master_name_check("mymaster", err, sizeof(err)), IB_OK);
	CU_ASSERT_EQUAL(ib_sentinel_master_name_check("", err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_sentinel_master_name_check("a b", err, sizeof(err)), IB_EINVAL);
}

static void
test_sentinel_config_keys(void)
{
	ib_config *c = malloc(sizeof(*c));
	char err[300];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	ib_config_defaults(c);
	CU_ASSERT_EQUAL(ib_config_set(c, "redis_sentinels", "127.0.0.1:26379,127.0.0.1:26380", err, sizeof(err)), 0);
	/* sentinels without the master's name: refused where the keys meet */
	CU_ASSERT_EQUAL(ib_config_validate(c, err, sizeof(err)), -1);
	CU_ASSERT(strstr(err, "redis_master") != NULL);
	CU_ASSERT_EQUAL(ib_config_set(c, "redis-master", "mymaster", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_validate(c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c->redis_master, "mymaster");
	CU_ASSERT_NOT_EQUAL(ib_config_set(c, "redis_sentinels", "127.0.0.1:0", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(ib_config_set(c, "redis_master", "my master", err, sizeof(err)), 0);
	/* the environment, like every key */
	setenv("IBPIPE_REDIS_SENTINELS", "10.0.0.1:26379", 1);
	CU_ASSERT_EQUAL(ib_config_load_env(c, err, sizeof(err)), 0);
	unsetenv("IBPIPE_REDIS_SENTINELS");
	CU_ASSERT_STRING_EQUAL(c->redis_sentinels, "10.0.0.1:26379");
	free(c);
}

/* ---- a sentinel whose answer the test chooses ---- */

/*
 * Answers every SENTINEL get-master-addr-by-name with 127.0.0.1:<answer>, whatever the truth:
 * a sentinel that has not heard of a failover yet, or one that is wrong.  Its own thread, up to
 * 8 clients, nothing else understood.
 */
struct fake_sentinel {
	int lfd, port;
	atomic_int answer;       /* the port it names */
	atomic_int asked;        /* queries answered */
	atomic_int stop;
	pthread_t th;
};

static void *
fake_sentinel_main(void *arg)
{
	struct fake_sentinel *f = arg;
	struct pollfd pf[9] = { { .fd = f->lfd, .events = POLLIN } };
	int n = 1;

	while (!atomic_load(&f->stop)) {
		if (poll(pf, (nfds_t)n, 20) <= 0)
			continue;
		if ((pf[0].revents & POLLIN) && n < 9) {
			int c = accept(f->lfd, NULL, NULL);
			if (c >= 0)
				pf[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
		}
		for (int i = 1; i < n; i++) {
			char buf[4096], out[128];
			ssize_t got;
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(pf[i].fd, buf, sizeof(buf) - 1);
			if (got <= 0) {
				close(pf[i].fd);
				pf[i--] = pf[--n];
				continue;
			}
			buf[got] = '\0';
			/* one reply per request in what arrived: requests are small and come whole */
			for (const char *q = buf; (q = strstr(q, "get-master-addr-by-name")) != NULL; q++) {
				char port[16];
				int pn = snprintf(port, sizeof(port), "%d", atomic_load(&f->answer));
				int on = snprintf(out, sizeof(out), "*2\r\n$9\r\n127.0.0.1\r\n$%d\r\n%s\r\n", pn, port);
				if (write(pf[i].fd, out, (size_t)on) != on)
					break;
				atomic_fetch_add(&f->asked, 1);
			}
		}
	}
	for (int i = 0; i < n; i++)
		close(pf[i].fd);
	return NULL;
}

static int
fake_sentinel_start(struct fake_sentinel *f, int answer)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(f, 0, sizeof(*f));
	atomic_store(&f->answer, answer);
	f->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(f->lfd, 8) != 0 ||
	    getsockname(f->lfd, (struct sockaddr *)&a, &len) != 0) {
		if (f->lfd >= 0)
			close(f->lfd);
		return -1;
	}
	f->port = ntohs(a.sin_port);
	return pthread_create(&f->th, NULL, fake_sentinel_main, f) == 0 ? 0 : -1;
}

static void
fake_sentinel_stop(struct fake_sentinel *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->th, NULL);
}

/* A master and its replica, no sentinels; plain redis-servers without passwords. */
static int
pair_start(struct tu_redis *m, struct tu_redis *r)
{
	char mport[16];

	if (tu_redis_start(m, 0, NULL, NULL) != 0)
		return -1;
	snprintf(mport, sizeof(mport), "%d", m->port);
	const char *rargs[] = { "--replicaof", "127.0.0.1", mport, NULL };
	return tu_redis_start(r, 0, NULL, rargs);
}

/* ib_redis_open (status, web, kill switch, commands): a sentinel naming a replica is not believed. */
static void
test_open_checks_role(void)
{
	struct tu_redis m, r;
	struct fake_sentinel f;
	char list[32], err[300] = "";

	CU_ASSERT_EQUAL_FATAL(pair_start(&m, &r), 0);
	CU_ASSERT_EQUAL_FATAL(fake_sentinel_start(&f, r.port), 0);
	snprintf(list, sizeof(list), "127.0.0.1:%d", f.port);
	ib_redis_where w = { "redis://127.0.0.1:1", list, MASTER, NULL, NULL };
	redisContext *c = ib_redis_open(&w, 2000, err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is not the master (ROLE says slave)"));
	if (c)
		redisFree(c);
	atomic_store(&f.answer, m.port);
	c = ib_redis_open(&w, 2000, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(c);
	if (c) {
		CU_ASSERT_EQUAL(c->tcp.port, m.port);
		redisFree(c);
	}
	/* no sentinel answers: the reasons of each, named */
	w.sentinels = "127.0.0.1:1";
	CU_ASSERT_PTR_NULL(ib_redis_open(&w, 2000, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no sentinel named the master 'ibm': sentinel 127.0.0.1:1:"));
	fake_sentinel_stop(&f);
	tu_redis_stop(&r, SIGTERM);
	tu_redis_stop(&m, SIGTERM);
}

/*
 * The publisher: while the sentinel names the replica it keeps asking and writes nothing (no
 * snapshot, no key on the master); once the sentinel names the master it connects there and
 * writes its snapshot; the connection lost, it asks again and follows the new answer.
 */
static void
test_publisher_follows_sentinel_answer(void)
{
	struct tu_redis m, r;
	struct fake_sentinel f;
	ib_pub_config cfg;
	ib_pub_stats st;
	ib_pub *p;
	redisContext *mc;
	char k[64];

	CU_ASSERT_EQUAL_FATAL(pair_start(&m, &r), 0);
	CU_ASSERT_EQUAL_FATAL(fake_sentinel_start(&f, r.port), 0);
	ib_pub_config_defaults(&cfg);
	ib_strlcpy(cfg.url, "redis://127.0.0.1:1", sizeof(cfg.url));
	snprintf(cfg.sentinels, sizeof(cfg.sentinels), "127.0.0.1:%d", f.port);
	ib_strlcpy(cfg.master, MASTER, sizeof(cfg.master));
	snprintf(cfg.prefix, sizeof(cfg.prefix), "fake%d", (int)getpid());
	snprintf(k, sizeof(k), "%s:health", cfg.prefix);
	p = ib_pub_create(&cfg, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(ib_pub_start(p), IB_OK);
	/* asked, told "the replica", refused it (ROLE), asked again, and again */
	CU_ASSERT(TU_UNTIL(atomic_load(&f.asked) >= 3, 10000));
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.snapshots, 0);
	CU_ASSERT_EQUAL(st.connected, 0);
	mc = tu_rconn(m.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mc);
	CU_ASSERT_EQUAL(tu_rint(mc, "EXISTS %s", k), 0);
	/* the sentinel now names the master */
	atomic_store(&f.answer, m.port);
	CU_ASSERT(TU_UNTIL(tu_rint(mc, "EXISTS %s", k) == 1, 10000));
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.snapshots, 1);
	CU_ASSERT_EQUAL(st.connected, 1);
	/* connection lost with the sentinel naming the replica again: asks, refuses, writes nothing */
	atomic_store(&f.answer, r.port);
	int before = atomic_load(&f.asked);
	CU_ASSERT_EQUAL(tu_rcmd(mc, "CLIENT KILL TYPE normal SKIPME yes"), 0);
	CU_ASSERT(TU_UNTIL(atomic_load(&f.asked) >= before + 2, 10000));
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.snapshots, 1);
	atomic_store(&f.answer, m.port);
	CU_ASSERT(TU_UNTIL((ib_pub_get_stats(p, &st), st.snapshots == 2 && st.reconnects == 1), 10000));
	ib_pub_stop(p);
	ib_pub_free(p);
	redisFree(mc);
	fake_sentinel_stop(&f);
	tu_redis_stop(&r, SIGTERM);
	tu_redis_stop(&m, SIGTERM);
}

/* ---- the deployment ---- */

struct node {
	pid_t pid;
	int port;
	char log[256];
};

struct ha {
	char dir[128];
	struct tu_redis master, replica;
	struct node sent[NSENT];
	char list[128];      /* "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3" */
};

/*
 * Two deployments: secured (the Redis users of deploy/redis/acl.sh on the nodes, a password on
 * the sentinels) and open (no passwords anywhere), the way a test runs it.
 */
static bool secured;

/* A data node, as admin. */
static redisContext *
conn(int port)
{
	char url[64];

	snprintf(url, sizeof(url), secured ? "redis://admin:@127.0.0.1:%d" : "redis://127.0.0.1:%d", port);
	return ib_redis_connect_url(url, secured ? APW : NULL, 2000);
}

/* A sentinel, with the sentinels' password. */
static redisContext *
sconn(int port)
{
	char url[64];

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	return ib_redis_connect_url(url, secured ? SPW : NULL, 2000);
}

/* users.acl from deploy/redis/acl.sh, with the optional admin, replication and sentinel users. */
static int
write_users(const char *dir)
{
	char out[8192], *gen[] = { "/bin/sh", "deploy/redis/acl.sh", (char *)dir, NULL };

	if (tu_write_file(dir, "redis.password", WPW "\n") || tu_write_file(dir, "redis-reader.password", RPW "\n") ||
	    tu_write_file(dir, "redis-operator.password", "operator-pw\n") ||
	    tu_write_file(dir, "redis-admin.password", APW "\n") ||
	    tu_write_file(dir, "redis-replication.password", REPLPW "\n") ||
	    tu_write_file(dir, "redis-sentinel.password", SENTPW "\n"))
		return -1;
	if (!tu_exited_ok(tu_run(gen, out, sizeof(out), 5000)) || strstr(out, "user replication on") == NULL ||
	    strstr(out, "user sentinel on") == NULL)
		return -1;
	return tu_write_file(dir, "users.acl", out);
}

static long long
rnum(redisContext *c, const char *fmt, const char *arg)
{
	redisReply *r = c ? redisCommand(c, fmt, arg) : NULL;
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	freeReplyObject(r);
	return v;
}

static int
sentinel_start(struct ha *h, int i)
{
	struct node *n = &h->sent[i];

	for (int attempt = 0; attempt < 20; attempt++) {
		char conf[256];
		FILE *f;
		n->port = tu_free_port();
		snprintf(conf, sizeof(conf), "%s/sentinel%d.conf", h->dir, i);
		char dir[sizeof(h->dir)]; /* a copy: gcc -O1 (make asan) takes h->dir and n->log, both in *h,
					     for overlapping (-Werror=restrict) */
		memcpy(dir, h->dir, sizeof(dir));
		snprintf(n->log, sizeof(n->log), "%s/sentinel%d.log", dir, i);
		if ((f = fopen(conf, "w")) == NULL)
			return -1;
		/* down after 1 s, and a failover may be retried after 4 s: a failover takes a few seconds */
		fprintf(f,
			"port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s 127.0.0.1 %d 2\n"
			"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 4000\n",
			n->port, h->dir, MASTER, h->master.port, MASTER, MASTER);
		if (secured) /* their own password, and the nodes' sentinel user */
			fprintf(f, "requirepass %s\nsentinel sentinel-pass %s\nsentinel auth-user %s sentinel\n"
				"sentinel auth-pass %s %s\n", SPW, SPW, MASTER, MASTER, SENTPW);
		fclose(f);
		unlink(n->log);
		char *argv[] = { "/usr/bin/redis-sentinel", conf, NULL };
		n->pid = tu_spawn(argv, n->log);
		if (n->pid <= 0)
			return -1;
		/* it says +monitor once it listens and watches the master; it exits if its port was taken */
		bool exited = false;
		if (TU_UNTIL(tu_count_in_file(n->log, "+monitor master") > 0 || (exited = tu_wait(n->pid, 0) != -1), 10000) &&
		    !exited && tu_wait_port(n->port, 2000) == 0)
			return 0;
		if (!exited) {
			tu_stop(n->pid, SIGKILL, 1000);
			n->pid = 0;
			return -1;
		}
		n->pid = 0;
	}
	return -1;
}

/* The sentinel's answer for the master's port; 0 if none. */
static int
sentinel_master_port(const struct node *n)
{
	ib_sentinels s = { .n = 1 };
	char host[64], err[300];
	int port = 0;

	snprintf(s.s[0].host, sizeof(s.s[0].host), "127.0.0.1");
	s.s[0].port = n->port;
	if (ib_sentinel_ask(&s, MASTER, secured ? SPW : NULL, 1000, host, sizeof(host), &port, err, sizeof(err)) != IB_OK)
		return 0;
	return port;
}

/* SENTINEL MASTER's field as a number; -1 if not there. */
static long long
sentinel_field(const struct node *n, const char *field)
{
	redisContext *c = sconn(n->port);
	redisReply *r = c ? redisCommand(c, "SENTINEL MASTER %s", MASTER) : NULL;
	long long v = -1;

	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
		if (r->element[i]->str && strcmp(r->element[i]->str, field) == 0 && r->element[i + 1]->str)
			v = atoll(r->element[i + 1]->str);
	freeReplyObject(r);
	if (c)
		redisFree(c);
	return v;
}

static bool
replica_linked(int port)
{
	redisContext *c = conn(port);
	redisReply *r = c ? redisCommand(c, "INFO replication") : NULL;
	bool up = r && r->type == REDIS_REPLY_STRING && strstr(r->str, "master_link_status:up") != NULL;

	freeReplyObject(r);
	if (c)
		redisFree(c);
	return up;
}

/* Every sentinel knows the replica and the two other sentinels: a failover can be agreed on. */
static bool
sentinels_agree(const struct ha *h)
{
	for (int i = 0; i < NSENT; i++)
		if (sentinel_field(&h->sent[i], "num-other-sentinels") != NSENT - 1 ||
		    sentinel_field(&h->sent[i], "num-slaves") < 1)
			return false;
	return true;
}

static int
ha_start(struct ha *h)
{
	char mport[16], acl[192];

	memset(h, 0, sizeof(*h));
	snprintf(h->dir, sizeof(h->dir), "%s", tu_tmpdir());
	snprintf(acl, sizeof(acl), "%s/users.acl", h->dir);
	if (secured && write_users(h->dir) != 0)
		return -1;
	const char *margs[] = { "--aclfile", acl, "--masteruser", "replication", "--masterauth", REPLPW, NULL };
	if (tu_redis_start(&h->master, 0, NULL, secured ? margs : NULL) != 0)
		return -1;
	snprintf(mport, sizeof(mport), "%d", h->master.port);
	const char *rargs[] = { "--aclfile",    acl,       "--masteruser", "replication", "--masterauth",
				REPLPW,         "--replicaof", "127.0.0.1", mport,         NULL };
	if (tu_redis_start(&h->replica, 0, NULL, secured ? rargs : rargs + 6) != 0 || !TU_UNTIL(replica_linked(h->replica.port), 15000))
		return -1;
	for (int i = 0; i < NSENT; i++) {
		if (sentinel_start(h, i) != 0)
			return -1;
		size_t o = strlen(h->list);
		snprintf(h->list + o, sizeof(h->list) - o, "%s127.0.0.1:%d", i ? "," : "", h->sent[i].port);
	}
	/* sentinels find each other through the master's hello channel (every 2 s) */
	return TU_UNTIL(sentinels_agree(h), 20000) ? 0 : -1;
}

static void
ha_stop(struct ha *h)
{
	for (int i = 0; i < NSENT; i++)
		if (h->sent[i].pid > 0)
			tu_stop(h->sent[i].pid, SIGTERM, 3000);
	tu_redis_stop(&h->master, SIGKILL);
	tu_redis_stop(&h->replica, SIGTERM);
}

/* ---- what ibpipe wrote ---- */

/* A field of stream entry e. */
static const char *
field(const redisReply *e, const char *name)
{
	return tu_rfield(e->element[1], name);
}

static redisReply *
stream(redisContext *c, const char *prefix)
{
	redisReply *r = c ? redisCommand(c, "XRANGE %s:stream:orders - +", prefix) : NULL;

	if (r && r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		r = NULL;
	}
	return r;
}

/* Orders 1..norders each have their one fill: an exec entry and a Filled status entry. */
static bool
all_filled(redisContext *c, const char *prefix, int norders)
{
	redisReply *r = stream(c, prefix);
	int execs = 0, filled = 0;

	for (size_t i = 0; r && i < r->elements; i++) {
		execs += strcmp(field(r->element[i], "kind"), "exec") == 0;
		filled += strcmp(field(r->element[i], "status"), "Filled") == 0;
	}
	freeReplyObject(r);
	return execs >= norders && filled >= norders;
}

/*
 * The order stream has no entry twice and none missing: each exec_id once, each
 * (order_id, status, filled) once (ibpipe writes a status entry only when one of
 * them changed), every order 1..norders with exactly one exec and one Filled,
 * each command's result (kind cmd) once per cmd_id, and every entry the old
 * master held is on the new one under the same id.
 */
static void
check_stream(redisContext *c, const char *prefix, const redisReply *before, int norders, int *nstatus, int *ncmd)
{
	redisReply *r = stream(c, prefix);
	int exec_n[MAXORDERS + 1] = { 0 }, filled_n[MAXORDERS + 1] = { 0 }, dups = 0, missing = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	*nstatus = *ncmd = 0;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i];
		int oid = atoi(field(e, "order_id"));
		bool exec = strcmp(field(e, "kind"), "exec") == 0;
		if (strcmp(field(e, "kind"), "cmd") == 0) {
			(*ncmd)++;
			for (size_t j = 0; j < i; j++)
				if (strcmp(field(r->element[j], "kind"), "cmd") == 0 &&
				    strcmp(field(r->element[j], "cmd_id"), field(e, "cmd_id")) == 0) {
					fprintf(stderr, "\n  cmd_id %s twice: %s (repeat %s) and %s (repeat %s)",
						field(e, "cmd_id"), r->element[j]->element[0]->str,
						field(r->element[j], "repeat"), e->element[0]->str, field(e, "repeat"));
					dups++;
				}
			continue;
		}
		CU_ASSERT(oid >= 1 && oid <= norders);
		if (oid < 1 || oid > norders)
			continue;
		if (exec)
			exec_n[oid]++;
		else
			(*nstatus)++;
		if (!exec && strcmp(field(e, "status"), "Filled") == 0)
			filled_n[oid]++;
		for (size_t j = 0; j < i; j++) {
			const redisReply *d = r->element[j];
			if (exec ? strcmp(field(d, "exec_id"), field(e, "exec_id")) == 0
				 : strcmp(field(d, "kind"), "status") == 0 &&
					   strcmp(field(d, "order_id"), field(e, "order_id")) == 0 &&
					   strcmp(field(d, "status"), field(e, "status")) == 0 &&
					   strcmp(field(d, "filled"), field(e, "filled")) == 0)
				dups++;
		}
	}
	for (int o = 1; o <= norders; o++) {
		if (exec_n[o] != 1 || filled_n[o] != 1)
			fprintf(stderr, "\n  order %d: %d exec entries, %d Filled entries", o, exec_n[o], filled_n[o]);
		CU_ASSERT_EQUAL(exec_n[o], 1);
		CU_ASSERT_EQUAL(filled_n[o], 1);
	}
	CU_ASSERT_EQUAL(dups, 0);
	/* the old master's entries, same id and same content (the ones it never replicated re-added) */
	for (size_t i = 0; before && i < before->elements; i++) {
		const redisReply *b = before->element[i];
		bool found = false;
		for (size_t j = 0; j < r->elements && !found; j++)
			found = strcmp(r->element[j]->element[0]->str, b->element[0]->str) == 0 &&
				strcmp(field(r->element[j], "order_id"), field(b, "order_id")) == 0 &&
				strcmp(field(r->element[j], "status"), field(b, "status")) == 0 &&
				strcmp(field(r->element[j], "exec_id"), field(b, "exec_id")) == 0 &&
				strcmp(field(r->element[j], "cmd_id"), field(b, "cmd_id")) == 0;
		missing += !found;
	}
	CU_ASSERT_EQUAL(missing, 0);
	freeReplyObject(r);
}

static bool
health_reconnected(int port, const char *prefix)
{
	char k[96];
	redisContext *c = conn(port);
	redisReply *r;
	bool ok;

	snprintf(k, sizeof(k), "%s:health", prefix);
	r = c ? redisCommand(c, "HGET %s redis_reconnects", k) : NULL;
	ok = r && r->type == REDIS_REPLY_STRING && atoi(r->str) >= 1;
	freeReplyObject(r);
	if (c)
		redisFree(c);
	return ok;
}

/* `ibpipe status` as reader through the sentinels: 0 and its output names the master's port and the sync state. */
static bool
status_says(const struct ha *h, const char *prefix, const char *spw, int port, const char *sync)
{
	char out[8192], want[64];
	char *argv[] = { (char *)tu_bin("ibpipe"),
			 "status",
			 "--redis-url",
			 secured ? "redis://reader:@127.0.0.1:1" : "redis://127.0.0.1:1",
			 "--redis-sentinels",
			 (char *)h->list,
			 "--redis-master",
			 MASTER,
			 "--redis-prefix",
			 (char *)prefix,
			 "--json",
			 NULL };

	if (secured) {
		setenv("IBPIPE_REDIS_PASSWORD", RPW, 1);
		setenv("IBPIPE_REDIS_SENTINEL_PASSWORD", spw, 1);
	}
	int st = tu_run(argv, out, sizeof(out), 10000);
	unsetenv("IBPIPE_REDIS_PASSWORD");
	unsetenv("IBPIPE_REDIS_SENTINEL_PASSWORD");
	snprintf(want, sizeof(want), ":%d", port);
	return tu_exited_ok(st) && strstr(out, want) != NULL && strstr(out, sync) != NULL;
}

/* XADD P:stream:commands * cmd place ... cmd_id id: a market order of 1 AAPL, as another service sends it. */
static int
send_place(redisContext *c, const char *prefix, const char *cmd_id)
{
	redisReply *r = redisCommand(c, "XADD %s:stream:commands * cmd place cmd_id %s symbol AAPL action BUY qty 1 type MKT",
				     prefix, cmd_id);
	int ok = r && r->type == REDIS_REPLY_STRING ? 0 : -1;

	freeReplyObject(r);
	return ok;
}

/* The same command entry (id included) on the replica too, as replication would have put it there. */
static int
copy_entry(redisContext *from, redisContext *to, const char *prefix, const char *entry_id)
{
	redisReply *r = redisCommand(from, "XRANGE %s:stream:commands %s %s", prefix, entry_id, entry_id);
	const char *argv[64];
	size_t lens[64];
	int n = 0, ok = -1;
	char k[96];

	snprintf(k, sizeof(k), "%s:stream:commands", prefix);
	if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->element[1]->elements < 60) {
		const redisReply *f = r->element[0]->element[1];
		argv[n++] = "XADD";
		argv[n++] = k;
		argv[n++] = entry_id;
		for (size_t i = 0; i < f->elements; i++)
			argv[n++] = f->element[i]->str;
		for (int i = 0; i < n; i++)
			lens[i] = strlen(argv[i]);
		redisReply *w = redisCommandArgv(to, n, argv, lens);
		ok = w && w->type == REDIS_REPLY_STRING ? 0 : -1;
		freeReplyObject(w);
	}
	freeReplyObject(r);
	return ok;
}

/* The command reader has answered cmd_id on this node (P:commands:results) and left nothing pending. */
static bool
answered(redisContext *c, const char *prefix, const char *cmd_id)
{
	char k[96], v[512];
	redisReply *r;
	bool none_pending;

	snprintf(k, sizeof(k), "%s:commands:results", prefix);
	if (tu_rhget(c, k, cmd_id, v, sizeof(v))[0] == '\0')
		return false;
	r = redisCommand(c, "XPENDING %s:stream:commands ibpipe", prefix);
	none_pending = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 && r->element[0]->integer == 0;
	freeReplyObject(r);
	return none_pending;
}

/*
 * The session: orders flowing, replication cut, the master SIGKILLed, the replica promoted.
 * with_commands: commands sent to the old master before the cut (replicated), during the cut
 * (their entries copied to the replica as if replicated, but read and acknowledged on the old
 * master only: the new master delivers them again), and to the new master after the failover.
 */
static void
failover(bool with_commands)
{
	struct ha h;
	struct tu_sim sim;
	struct tu_ibpipe ib;
	char script[2048] = "", prefix[32], k[96], id[32];
	redisContext *m = NULL, *c = NULL;
	redisReply *before = NULL;
	int norders = NORDERS + (with_commands ? NCMD : 0);

	memset(&ib, 0, sizeof(ib));
	memset(&sim, 0, sizeof(sim));
	if (ha_start(&h) != 0) {
		CU_FAIL("master + replica + 3 sentinels did not come up");
		ha_stop(&h);
		return;
	}
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&sim, NULL), 0);
	for (int i = 0; i < NORDERS; i++)
		ib_strlcpy(script + strlen(script), "BUY AAPL 1 MKT; WAIT 150; ", sizeof(script) - strlen(script));
	snprintf(prefix, sizeof(prefix), "ibpipe.sent%d", (int)getpid()); /* the users' keys are ibpipe* */
	const char *args[] = { "--redis-sentinels", h.list, "--redis-master", MASTER, "--max-orders-per-s", "0",
			       with_commands ? "--commands" : NULL, NULL };
	const struct tu_opts o = { .strategy = "trader", .script = script, .args = args, .fast_reconnect = true };
	if (secured) {
		setenv("IBPIPE_REDIS_PASSWORD", WPW, 1);
		setenv("IBPIPE_REDIS_SENTINEL_PASSWORD", SPW, 1);
	}
	/* the URL's host is not used with sentinels (nothing listens on port 1): only its user */
	int rc = tu_ibpipe_start(&ib, sim.port, &o, secured ? "redis://ibpipe:@127.0.0.1:1" : "redis://127.0.0.1:1",
				 prefix);
	unsetenv("IBPIPE_REDIS_PASSWORD");
	unsetenv("IBPIPE_REDIS_SENTINEL_PASSWORD");
	CU_ASSERT_EQUAL_FATAL(rc, 0);

	m = conn(h.master.port);
	c = conn(h.replica.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	snprintf(k, sizeof(k), "%s:stream:orders", prefix);
	/* ready on the master, and orders flowing */
	CU_ASSERT_FATAL(TU_UNTIL(rnum(m, "XLEN %s", k) >= 12, 20000));
	CU_ASSERT(status_says(&h, prefix, SPW, h.master.port, "\"ready\""));
	if (secured)
		CU_ASSERT(!status_says(&h, prefix, "not-the-sentinels-password", h.master.port, "\"ready\""));
	for (int i = 0; with_commands && i < NCMD / 3; i++) {
		snprintf(id, sizeof(id), "fo-%d", i);
		CU_ASSERT_EQUAL(send_place(m, prefix, id), 0);
	}
	/*
	 * Cut replication (the replica cannot re-authenticate) and let the master take writes the
	 * replica never gets: what asynchronous replication loses when a master dies.
	 */
	CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET masterauth wrong-password"), 0);
	CU_ASSERT_EQUAL(tu_rcmd(m, "CLIENT KILL TYPE replica"), 0);
	CU_ASSERT_FATAL(TU_UNTIL(!replica_linked(h.replica.port), 5000));
	if (with_commands)
		CU_ASSERT_EQUAL(tu_rcmd(c, "CONFIG SET replica-read-only no"), 0);
	for (int i = NCMD / 3; with_commands && i < 2 * NCMD / 3; i++) {
		redisReply *r;
		snprintf(id, sizeof(id), "fo-%d", i);
		r = redisCommand(m, "XADD %s:stream:commands * cmd place cmd_id %s symbol AAPL action BUY qty 1 type MKT",
				 prefix, id);
		CU_ASSERT_FATAL(r && r->type == REDIS_REPLY_STRING);
		CU_ASSERT_EQUAL(copy_entry(m, c, prefix, r->str), 0);
		freeReplyObject(r);
		CU_ASSERT(TU_UNTIL(answered(m, prefix, id), 10000));
	}
	long long frozen = rnum(c, "XLEN %s", k);
	CU_ASSERT(TU_UNTIL(rnum(m, "XLEN %s", k) >= frozen + 4, 10000));
	before = stream(m, prefix);
	long long t_kill = tu_now_ms();
	tu_redis_stop(&h.master, SIGKILL);
	redisFree(m);
	m = NULL;

	/* the sentinels promote the replica; ibpipe follows and writes its snapshot there */
	CU_ASSERT_FATAL(TU_UNTIL(sentinel_master_port(&h.sent[0]) == h.replica.port, 30000));
	long long t_switch = tu_now_ms();
	CU_ASSERT_FATAL(TU_UNTIL(health_reconnected(h.replica.port, prefix), 20000));
	long long t_back = tu_now_ms();
	printf("\n  failover: sentinels switched %lld ms after SIGKILL, ibpipe state back on the new master %lld ms "
	       "after SIGKILL (%lld ms after the switch); %lld entries not replicated before the kill\n",
	       t_switch - t_kill, t_back - t_kill, t_back - t_switch,
	       before ? (long long)before->elements - frozen : -1);
	fflush(stdout);
	redisFree(c);
	c = conn(h.replica.port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 2 * NCMD / 3; with_commands && i < NCMD; i++) {
		snprintf(id, sizeof(id), "fo-%d", i);
		CU_ASSERT_EQUAL(send_place(c, prefix, id), 0);
	}

	/* every order placed, before, during and after the failover, reaches the new master once */
	CU_ASSERT(TU_UNTIL(all_filled(c, prefix, norders), 20000));
	char v[64];
	snprintf(k, sizeof(k), "%s:sync", prefix);
	CU_ASSERT_STRING_EQUAL(tu_rget(c, k, v, sizeof(v)), "ready");
	snprintf(k, sizeof(k), "%s:accounts", prefix);
	CU_ASSERT(rnum(c, "SCARD %s", k) >= 1);
	snprintf(k, sizeof(k), "%s:account:{DU111111}", prefix);
	CU_ASSERT(strlen(tu_rhget(c, k, "NetLiquidation:USD", v, sizeof(v))) > 0);
	snprintf(k, sizeof(k), "%s:positions:{DU111111}", prefix);
	CU_ASSERT(rnum(c, "HLEN %s", k) >= 1);
	for (int i = 1; i <= norders; i++) {
		snprintf(k, sizeof(k), "%s:order:%d", prefix, i);
		CU_ASSERT_STRING_EQUAL(tu_rhget(c, k, "status", v, sizeof(v)), "Filled");
	}
	CU_ASSERT(status_says(&h, prefix, SPW, h.replica.port, "\"ready\""));

	/* a clean stop flushes the strategy log: one status entry per order callback the strategy saw */
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&ib)));
	int nstatus = 0, ncmd = 0;
	check_stream(c, prefix, before, norders, &nstatus, &ncmd);
	CU_ASSERT_EQUAL(ncmd, with_commands ? NCMD : 0);
	CU_ASSERT_EQUAL(nstatus, tu_count_in_file(tu_slog(&ib, 0), "\"cb\":\"order\""));
	CU_ASSERT(tu_count_in_file(ib.log, "names master " MASTER) >= 2);
	freeReplyObject(before);
	redisFree(c);
	tu_sim_stop(&sim);
	ha_stop(&h);
}

/* Redis users from deploy/redis/acl.sh, the sentinels' own password; ibpipe as 'ibpipe', status as 'reader'. */
static void
test_failover_secured(void)
{
	secured = true;
	failover(false);
}

/* No passwords; orders from the command stream too: each cmd_id answered once across the failover. */
static void
test_failover_open_commands(void)
{
	secured = false;
	failover(true);
}

void
test_sentinel_register(void)
{
	CU_pSuite s = CU_add_suite("sentinel", NULL, NULL);

	CU_add_test(s, "sentinel list and master name parsing", test_sentinels_parse);
	CU_add_test(s, "redis_sentinels / redis_master config keys", test_sentinel_config_keys);
	CU_add_test(s, "ib_redis_open: a sentinel naming a replica is not believed (ROLE)", test_open_checks_role);
	CU_add_test(s, "publisher: asks the sentinels on every connect, writes only to a master",
		    test_publisher_follows_sentinel_answer);
	CU_add_test(s, "failover, Redis users + sentinel password: ibpipe follows, stream exactly once",
		    test_failover_secured);
	CU_add_test(s, "failover, open deployment + command stream: each cmd_id once", test_failover_open_commands);
}
