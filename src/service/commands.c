/*
 * commands.c - the command reader's thread: its Redis connection, the
 * consumer group, and the order of things for each command:
 *
 *   read -> (journal: seen?) -> execute + file -> post the result to the
 *   publisher -> wait until Redis holds it -> HSET result + XACK
 *
 * so a command is acknowledged only after its result is written, and a
 * crash anywhere leaves it pending, to be answered from the journal.  Between
 * reads, command_settle.c follows the accepted orders until their fate is on
 * file (after a restart: at the gateway, or lost).
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "util/str.h"
#include "config/redis_url.h"
#include "service/command_exec.h"
#include "service/command_settle.h"
#include "service/commands.h"
#include "util/json.h"
#include "util/clock.h"
#include "config/redis_keys.h"

#define GROUP "ibpipe"
#define CONSUMER "ibpipe"
#define BLOCK_MS 500
#define BATCH 16
#define RETRY_MS 1000
#define WRITTEN_CAP 4096         /* entries answered by this run, remembered (id hashes, a ring) */

struct ib_commands {
	ib_pipeline *p;
	ib_pub *pub;
	char url[256], password[128], sentinels[256], master[64], sentinel_password[128];
	char stream[96], results[96], prefix[32];
	redisContext *c;
	ib_cmd_journal *journal;
	ib_cmd_settle *settle;   /* accepted orders until their fate is on file */
	ib_cmd_exec x;
	pthread_t th;
	bool started;
	atomic_int stop;
	bool down_logged;
	bool pending_done;       /* this connection has answered what an earlier one left unacknowledged */
	char pending_from[48];   /* ... up to this entry (one whose XACK failed is not read again at once) */
	uint64_t seq;            /* results posted */
	uint64_t announced;      /* the seq of this command's result if posted before its order went out */
	/*
	 * Stream entries whose result this run wrote (the publisher acknowledged it, and keeps it
	 * across a Redis failover or restart).  After a failover the new master may deliver such an
	 * entry again (its XREADGROUP or XACK went to the old master and was never replicated): it
	 * is then only acknowledged, so the orders stream holds its result once.  Another entry
	 * with a seen cmd_id (a sender's retry) still gets its repeat answer.
	 */
	uint64_t written[WRITTEN_CAP];
	uint32_t nwritten;
};

static uint64_t
cmd_hash(const char *s)
{
	return ib_fnv1a64(s, strlen(s)) | 1; /* never 0: 0 marks an empty slot */
}

static bool
was_written(const struct ib_commands *k, const char *entry_id)
{
	uint64_t h = cmd_hash(entry_id);

	for (uint32_t i = 0; i < WRITTEN_CAP; i++)
		if (k->written[i] == h)
			return true;
	return false;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * IB_NS_PER_MS };
	nanosleep(&ts, NULL);
}

static bool
stopping(struct ib_commands *k)
{
	return atomic_load(&k->stop) != 0;
}

static void
drop(struct ib_commands *k, const char *why)
{
	if (k->c) {
		ib_log(IB_LL_WARN, "commands", "Redis connection lost (%s): reconnecting", why);
		redisFree(k->c);
		k->c = NULL;
	}
}

/*
 * The group, from the stream's first entry: a command sent before ibpipe first started, or
 * while Redis came back without its data, is answered rather than silently skipped (the
 * journal answers any it had seen).  BUSYGROUP: it is there already.
 */
static bool
ensure_group(struct ib_commands *k)
{
	redisReply *r = redisCommand(k->c, "XGROUP CREATE %s %s 0 MKSTREAM", k->stream, GROUP);
	bool ok = r && (r->type != REDIS_REPLY_ERROR || strncmp(r->str, "BUSYGROUP", 9) == 0);

	if (r && !ok)
		ib_log(IB_LL_ERROR, "commands", "XGROUP CREATE %s: %s", k->stream, r->str);
	if (r)
		freeReplyObject(r);
	k->pending_done = false;
	snprintf(k->pending_from, sizeof(k->pending_from), "0");
	return ok;
}

static bool
connect_redis(struct ib_commands *k)
{
	char err[256];
	struct timeval tv = { (BLOCK_MS + 5000) / 1000, 0 };

	/* through Sentinel when configured: a reconnect after an error follows a failover */
	k->c = ib_redis_open(&(ib_redis_where){ k->url, k->sentinels, k->master, k->password, k->sentinel_password },
			     2000, err, sizeof(err));
	if (k->c == NULL) {
		if (!k->down_logged) /* once per outage; the publisher says more */
			ib_log(IB_LL_WARN, "commands", "cannot connect to Redis: %s -- retrying every second", err);
		k->down_logged = true;
		return false;
	}
	k->down_logged = false;
	redisSetTimeout(k->c, tv);
	if (!ensure_group(k)) {
		redisFree(k->c);
		k->c = NULL;
		return false;
	}
	ib_log(IB_LL_INFO, "commands", "reading %s (group %s)", k->stream, GROUP);
	return true;
}

/* cancel_all: an order is final when ibpipe published it so; unknown counts as live. */
static bool
order_live(void *arg, int32_t order_id)
{
	struct ib_commands *k = arg;
	char key[96];
	bool live = true;

	if (k->c == NULL)
		return true;
	ib_key_order(key, sizeof(key), k->prefix, order_id);
	redisReply *r = redisCommand(k->c, "HGET %s status", key);
	if (r && r->type == REDIS_REPLY_STRING)
		live = !(strcmp(r->str, "Filled") == 0 || strcmp(r->str, "Cancelled") == 0 ||
			 strcmp(r->str, "ApiCancelled") == 0 || strcmp(r->str, "Inactive") == 0 ||
			 strcmp(r->str, "Rejected") == 0);
	if (r)
		freeReplyObject(r);
	return live;
}

/* Hand the result to the publisher (any time from the journal on); its seq. */
static uint64_t
post_result(struct ib_commands *k, const char *cmd_id, const ib_cmd_result *res, bool repeat)
{
	ib_pub_event ev = { .kind = IB_PUB_CMD };

	ev.u.cmd.seq = ++k->seq;
	ev.u.cmd.order_id = res->order_id;
	ev.u.cmd.repeat = repeat;
	ib_strlcpy(ev.u.cmd.cmd_id, cmd_id, sizeof(ev.u.cmd.cmd_id));
	ib_strlcpy(ev.u.cmd.cmd, res->cmd, sizeof(ev.u.cmd.cmd));
	ib_strlcpy(ev.u.cmd.result, res->result, sizeof(ev.u.cmd.result));
	ib_strlcpy(ev.u.cmd.reason, res->reason, sizeof(ev.u.cmd.reason));
	ev.u.cmd.ts_ns = ib_now_real_ns();
	return ib_pub_post(k->pub, &ev) ? ev.u.cmd.seq : 0;
}

static void
announce(void *arg, const char *cmd_id, const ib_cmd_result *res)
{
	struct ib_commands *k = arg;

	k->announced = post_result(k, cmd_id, res, false);
}

/* The result posted (unless announced already), then until Redis holds it; false when stopping first. */
static bool
write_result(struct ib_commands *k, const char *cmd_id, const ib_cmd_result *res, bool repeat)
{
	uint64_t seq = k->announced ? k->announced : post_result(k, cmd_id, res, repeat);

	k->announced = 0;
	if (seq == 0)
		return false;
	/* one command at a time: the publisher's latest acknowledged result is ours once it reaches seq */
	while (ib_pub_cmd_acked(k->pub) < seq) {
		if (stopping(k))
			return false;
		sleep_ms(1);
	}
	return true;
}

/* The result as P:commands:results holds it; false (logged) in the case that cannot happen: it does not fit. */
#define RESULT_JSON_CAP (64 + 6 * (sizeof(((ib_cmd_result *)0)->cmd) + sizeof(((ib_cmd_result *)0)->result) + \
				   sizeof(((ib_cmd_result *)0)->reason)))
static bool
result_json(char *json, size_t cap, const char *cmd_id, const ib_cmd_result *res)
{
	ib_json j;

	/* every byte of the three texts may become a six-byte \u00XX escape */
	ib_json_init(&j, json, cap);
	ib_json_raw(&j, "{\"cmd\":");
	ib_json_str(&j, res->cmd);
	ib_json_raw(&j, ",\"result\":");
	ib_json_str(&j, res->result);
	ib_json_printf(&j, ",\"order_id\":%d,\"reason\":", res->order_id);
	ib_json_str(&j, res->reason);
	ib_json_raw(&j, "}");
	if (j.overflow) /* never store a cut object */
		ib_log(IB_LL_ERROR, "commands", "result of %s does not fit %zu bytes: not stored", cmd_id, cap);
	return !j.overflow;
}

/* The quick answer for readers (P:commands:results) and the acknowledgement, together. */
static bool
ack(struct ib_commands *k, const char *entry_id, const char *cmd_id, const ib_cmd_result *res)
{
	char json[RESULT_JSON_CAP];
	bool ok = true;
	bool hset = cmd_id[0] && result_json(json, sizeof(json), cmd_id, res);

	redisAppendCommand(k->c, "MULTI");
	if (hset)
		redisAppendCommand(k->c, "HSET %s %s %s", k->results, cmd_id, json);
	if (entry_id)
		redisAppendCommand(k->c, "XACK %s %s %s", k->stream, GROUP, entry_id);
	redisAppendCommand(k->c, "EXEC");
	for (int i = 0; i < 2 + hset + (entry_id != NULL); i++) {
		redisReply *r = NULL;
		if (redisGetReply(k->c, (void **)&r) != REDIS_OK || r == NULL) {
			drop(k, k->c->errstr);
			return false;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			ib_log(IB_LL_ERROR, "commands", "acknowledging %s: %s", entry_id ? entry_id : cmd_id, r->str);
			ok = false;
		}
		freeReplyObject(r);
	}
	return ok;
}

/* A lost order's new answer (command_settle.h): on the orders stream, then in the results hash. */
static bool
answer_lost(void *arg, const char *cmd_id, const ib_cmd_result *res)
{
	struct ib_commands *k = arg;

	return k->c && write_result(k, cmd_id, res, false) && k->c && ack(k, NULL, cmd_id, res);
}

static void
count(struct ib_commands *k, const ib_cmd_result *res, bool malformed, bool repeat)
{
	struct ib_stats_cmd *s = ib_pipeline_cmd_stats(k->p);

	IB_STAT_INC(s->in);
	if (strcmp(res->result, "refused") == 0)
		IB_STAT_INC(s->refused);
	if (malformed)
		IB_STAT_INC(s->malformed);
	if (repeat)
		IB_STAT_INC(s->repeats);
}

/* One entry; false: stop going through this batch (stopping, or the connection is gone). */
static bool
handle(struct ib_commands *k, const redisReply *e)
{
	static ib_cmd_str kv[2 * 32];
	const char *entry_id = e->element[0]->str;
	const redisReply *f = e->element[1];
	ib_command cmd;
	ib_cmd_result res;
	char why[200];
	bool repeat = false, malformed = false;
	size_t n = 0;

	memset(&cmd, 0, sizeof(cmd));
	memset(&res, 0, sizeof(res));
	if (f->type != REDIS_REPLY_ARRAY) /* pending, then deleted (XDEL, MAXLEN): nothing to answer */
		return ack(k, entry_id, "", &res);
	for (size_t i = 0; i < f->elements && n < sizeof(kv) / sizeof(kv[0]); i++)
		kv[n++] = (ib_cmd_str){ f->element[i]->str ? f->element[i]->str : "", f->element[i]->len };
	/* more pairs than any command has: refused without a look (no cmd_id to file it under) */
	int rc = n < f->elements ? (snprintf(why, sizeof(why), "too many fields (%zu)", f->elements / 2), -1)
				 : ib_command_parse(kv, n, &cmd, why, sizeof(why));
	if (cmd.cmd_id[0] && ib_cmd_journal_find(k->journal, cmd.cmd_id, &res)) {
		repeat = true;
		ib_log(IB_LL_INFO, "commands", "%s: cmd_id %s seen before: answered with its first result (%s%s%s)",
		       entry_id, cmd.cmd_id, res.result, res.reason[0] ? ": " : "", res.reason);
	} else if (rc != 0) {
		malformed = true;
		ib_log(IB_LL_WARN, "commands", "%s: malformed command%s%s refused: %s", entry_id,
		       cmd.cmd_id[0] ? " " : "", cmd.cmd_id, why);
		ib_cmd_refuse(&k->x, cmd.cmd_id, cmd.op_name[0] ? cmd.op_name : "?", why, &res);
	} else if (ib_cmd_execute(&k->x, &cmd, &res) == IB_CMD_RETRY) {
		return false;
	} else {
		ib_log(strcmp(res.result, "accepted") == 0 ? IB_LL_INFO : IB_LL_WARN, "commands",
		       "%s: %s %s: %s, order %d%s%s", entry_id, cmd.op_name, cmd.cmd_id, res.result, res.order_id,
		       res.reason[0] ? ": " : "", res.reason);
		if (cmd.op == IB_CMD_PLACE && strcmp(res.result, "accepted") == 0 && res.order_id > 0)
			ib_cmd_settle_track(k->settle, cmd.cmd_id, res.order_id);
	}
	count(k, &res, malformed, repeat);
	if (repeat && was_written(k, entry_id)) /* this very entry, delivered again: answered already */
		return ack(k, entry_id, cmd.cmd_id, &res);
	if (!write_result(k, cmd.cmd_id, &res, repeat))
		return false;
	k->written[k->nwritten++ % WRITTEN_CAP] = cmd_hash(entry_id);
	return ack(k, entry_id, cmd.cmd_id, &res);
}

/* One XREADGROUP: the pending ones (from "0", then after the last one seen) until none is left, then new ones (">"). */
static void
read_once(struct ib_commands *k)
{
	const char *from = k->pending_done ? ">" : k->pending_from;
	redisReply *r = redisCommand(k->c, "XREADGROUP GROUP %s %s COUNT %d BLOCK %d STREAMS %s %s", GROUP, CONSUMER,
				     BATCH, BLOCK_MS, k->stream, from);

	if (r == NULL) {
		drop(k, k->c->errstr);
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* NOGROUP: Redis lost the stream (a restart without its data): make it again */
		ib_log(IB_LL_WARN, "commands", "XREADGROUP %s: %s", k->stream, r->str);
		if (strncmp(r->str, "READONLY", 8) == 0) /* a demoted master: reconnect, through the sentinels if any */
			drop(k, "the node is a replica now");
		else if (strncmp(r->str, "NOGROUP", 7) != 0 || !ensure_group(k))
			sleep_ms(RETRY_MS);
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2) {
		const redisReply *entries = r->element[0]->element[1];
		if (entries->elements == 0 && !k->pending_done)
			k->pending_done = true;
		for (size_t i = 0; i < entries->elements && k->c && !stopping(k); i++) {
			const redisReply *e = entries->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			if (!k->pending_done)
				ib_strlcpy(k->pending_from, e->element[0]->str, sizeof(k->pending_from));
			if (!handle(k, e))
				break;
		}
	}
	freeReplyObject(r);
}

static void *
thread_main(void *arg)
{
	struct ib_commands *k = arg;

	while (!stopping(k)) {
		if (k->c == NULL && !connect_redis(k)) {
			for (int i = 0; i < RETRY_MS / 50 && !stopping(k); i++)
				sleep_ms(50);
			continue;
		}
		read_once(k);
		if (k->c && !stopping(k) && !ib_cmd_settle_step(k->settle, k->c))
			drop(k, k->c->errstr);
	}
	return NULL;
}

/* The journal trimmed to its newest `keep` commands; after a failure, whatever is on disk (old or new, each whole). */
static ib_cmd_journal *
compact(ib_cmd_journal *j, const char *path, size_t keep, char *err, size_t cap)
{
	size_t before = ib_cmd_journal_count(j), dropped;

	if (ib_cmd_journal_compact(j, keep, &dropped) == 0) {
		if (dropped)
			ib_log(IB_LL_INFO, "commands", "journal %s compacted: %zu of %zu command(s) kept (command_journal_keep %zu)",
			       path, before - dropped, before, keep);
		return j;
	}
	ib_log(IB_LL_WARN, "commands", "journal %s not compacted: %s -- going on with it as it is", path,
	       strerror(errno));
	ib_cmd_journal_close(j);
	return ib_cmd_journal_open(path, err, cap);
}

ib_commands *
ib_commands_start(const ib_config *cfg, ib_pipeline *p, ib_pub *pub, char *err, size_t cap)
{
	struct ib_commands *k = calloc(1, sizeof(*k));
	char path[400];

	if (k == NULL) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	k->p = p;
	k->pub = pub;
	ib_strlcpy(k->url, cfg->redis_url, sizeof(k->url));
	ib_strlcpy(k->password, cfg->redis_password, sizeof(k->password));
	ib_strlcpy(k->sentinels, cfg->redis_sentinels, sizeof(k->sentinels));
	ib_strlcpy(k->master, cfg->redis_master, sizeof(k->master));
	ib_strlcpy(k->sentinel_password, cfg->redis_sentinel_password, sizeof(k->sentinel_password));
	ib_strlcpy(k->prefix, cfg->redis_prefix, sizeof(k->prefix));
	ib_key(k->stream, sizeof(k->stream), cfg->redis_prefix, IB_KEY_COMMANDS_STREAM);
	ib_key(k->results, sizeof(k->results), cfg->redis_prefix, IB_KEY_COMMAND_RESULTS);
	/* one journal per command stream: the cmd_ids are the stream's senders' */
	snprintf(path, sizeof(path), "%s/commands-%s.journal", cfg->state_dir[0] ? cfg->state_dir : ".", cfg->redis_prefix);
	k->journal = ib_cmd_journal_open(path, err, cap);
	if (k->journal)
		k->journal = compact(k->journal, path, (size_t)cfg->command_journal_keep, err, cap);
	k->x.p = p;
	k->x.journal = k->journal;
	k->x.times_cap = cfg->risk.max_orders_per_s > 0 ? (uint32_t)cfg->risk.max_orders_per_s : 1;
	k->x.order_times = calloc(k->x.times_cap, sizeof(int64_t));
	k->x.order_live = order_live;
	k->x.live_arg = k;
	k->x.announce = announce;
	k->x.announce_arg = k;
	if (k->journal)
		k->settle = ib_cmd_settle_new(p, k->journal, k->prefix, answer_lost, k);
	if (k->journal == NULL || k->x.order_times == NULL || k->settle == NULL) {
		if (k->journal)
			snprintf(err, cap, "out of memory");
		ib_commands_stop(k);
		return NULL;
	}
	ib_log(IB_LL_INFO, "commands", "journal %s: %zu command(s) on file", path, ib_cmd_journal_count(k->journal));
	if (pthread_create(&k->th, NULL, thread_main, k) != 0) {
		snprintf(err, cap, "cannot start the command reader thread");
		ib_commands_stop(k);
		return NULL;
	}
	k->started = true;
	pthread_setname_np(k->th, "ibpipe-commands");
	return k;
}

void
ib_commands_stop(ib_commands *k)
{
	if (k == NULL)
		return;
	atomic_store(&k->stop, 1);
	if (k->started)
		pthread_join(k->th, NULL);
	if (k->c)
		redisFree(k->c);
	ib_cmd_settle_free(k->settle);
	ib_cmd_journal_close(k->journal);
	free(k->x.order_times);
	free(k);
}
