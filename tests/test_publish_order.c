/*
 * test_publish_order.c - the order in which the publisher writes the sync
 * state around account data, seen by Redis MONITOR: "ready" only after the
 * data it vouches for, and leaving "ready" before a new account list, so no
 * reader ever sees the new list beside the old "ready".
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "publish/publish.h"
#include "ibpipe/ib.h"
#include "util/str.h"
#include "testutil.h"

static void
test_syncing_goes_before_a_new_list(void)
{
	struct tu_redis rs;
	CU_ASSERT_EQUAL_FATAL(tu_redis_start(&rs, 0, NULL, NULL), 0); /* a private one: MONITOR sees only us */
	int port = rs.port;
	char P[32], url[64], kacc[64], ksync[64];
	redisContext *mon = tu_rconn(port), *c = tu_rconn(port);
	ib_pub_config cfg;
	ib_pub *p;
	static const char ids[2][IB_ACCOUNT_ID_LEN] = { "DUA", "DUB" };
	static const char ready[] = "{\"missing\":[]}", syncing[] = "{\"missing\":[\"acctDownloadEnd:DUB\"]}";

	CU_ASSERT_FATAL(mon && c);
	snprintf(P, sizeof(P), "po%d", (int)getpid());
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	snprintf(kacc, sizeof(kacc), "\"%s:accounts\"", P);
	snprintf(ksync, sizeof(ksync), "\"SET\" \"%s:sync\" \"syncing\"", P);
	ib_pub_config_defaults(&cfg);
	ib_strlcpy(cfg.url, url, sizeof(cfg.url));
	ib_strlcpy(cfg.prefix, P, sizeof(cfg.prefix));
	cfg.health_interval_ms = 1000;
	p = ib_pub_create(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(p != NULL && ib_pub_start(p) == IB_OK);
	CU_ASSERT(ib_pub_post_accounts(p, ids[0], sizeof(ids[0]), 1));
	CU_ASSERT(ib_pub_post_sync(p, IB_SYNC_READY, ready, strlen(ready)));
	char key[64];
	snprintf(key, sizeof(key), "%s:sync", P);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, key, "ready", 5000), 0);

	/* the gate closes and the list grows */
	redisReply *r = redisCommand(mon, "MONITOR");
	CU_ASSERT(r != NULL);
	freeReplyObject(r);
	/* back to back: the publisher absorbs both before it writes (its wake-up takes far longer
	   than two posts), so both go out in one batch, where the write order is the publisher's */
	struct timeval tv = { 5, 0 };
	long long deadline;
	redisSetTimeout(mon, tv);
	CU_ASSERT(ib_pub_post_sync(p, IB_SYNC_SYNCING, syncing, strlen(syncing)));
	CU_ASSERT(ib_pub_post_accounts(p, ids[0], sizeof(ids[0]), 2));

	/* the commands as Redis ran them: SET P:sync syncing, then the new P:accounts */
	long sync_at = -1, acct_at = -1, n = 0;
	deadline = tu_now_ms() + 5000;
	while (acct_at < 0 && tu_now_ms() < deadline && redisGetReply(mon, (void **)&r) == REDIS_OK) {
		if (r->type == REDIS_REPLY_STATUS) {
			n++;
			if (sync_at < 0 && strstr(r->str, ksync))
				sync_at = n;
			if (strstr(r->str, "\"SADD\"") && strstr(r->str, kacc) && strstr(r->str, "\"DUB\""))
				acct_at = n;
		}
		freeReplyObject(r);
	}
	CU_ASSERT(acct_at > 0);
	CU_ASSERT(sync_at > 0 && sync_at < acct_at);
	if (!(sync_at > 0 && sync_at < acct_at))
		fprintf(stderr, "\n      SET sync syncing at %ld, SADD accounts at %ld", sync_at, acct_at);
	ib_pub_stop(p);
	ib_pub_free(p);
	redisFree(mon);
	redisFree(c);
	tu_redis_stop(&rs, SIGTERM);
}

void
test_publish_order_register(void)
{
	CU_pSuite s = CU_add_suite("publish_order", NULL, NULL);
	CU_add_test(s, "leaving ready reaches Redis before a new account list", test_syncing_goes_before_a_new_list);
}
