/*
 * publish.h - the Redis publisher: the state other services read.
 *
 * One thread, one hiredis connection, pipelined.  Producers (account,
 * order and gate logic on any thread) post events into a multi-producer
 * ring; posting never drops (it waits for room), and the publisher keeps a
 * bounded mirror of everything it was told, so after a Redis outage it can
 * write a full snapshot and carry on.  Quotes are not posted: the publisher
 * reads the shared quote table (quote.h) and writes only what changed, so
 * it coalesces by construction.
 *
 * The keys it writes are named in config/redis_keys.h (the one schema, shared with the
 * readers) and tabled in README.md, "Redis keys".
 */
#ifndef IBPIPE_PUBLISH_H
#define IBPIPE_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "core/heartbeat.h"
#include "core/pub_event.h"
#include "util/latency.h"
#include "ibpipe/account.h"
#include "ibpipe/book.h"
#include "ibpipe/quote.h"
#include "core/stats.h"

typedef struct ib_pub_config {
	char url[256];        /* redis://host:port, or unix:/path/to/sock */
	char prefix[32];
	char password[128];   /* empty: no AUTH; never logged */
	char sentinels[256];  /* host:port,...: the master is whichever these name (redis_sentinel.h); empty: url */
	char master[64];      /* the name the sentinels monitor */
	char sentinel_password[128]; /* the sentinels' own; empty: no AUTH to them; never logged */
	int health_interval_ms;  /* default 1000 */
	int health_ttl_s;        /* default 5 */
	int stream_maxlen;       /* default 10000 (XADD MAXLEN ~) */
	int bars_maxlen;         /* P:bars:<key>:<size>, default 10000 (XADD MAXLEN ~) */
	int quote_interval_us;   /* how often changed quotes and books are flushed; default 1000 */
	int book_levels;         /* rows per side in P:book:SYM; default 10 */
} ib_pub_config;

void ib_pub_config_defaults(ib_pub_config *c);

typedef struct ib_pub_stats {
	uint64_t commands;        /* Redis commands sent */
	uint64_t batches;         /* round trips */
	uint64_t quote_writes;    /* quote hashes written */
	uint64_t reconnects;
	uint64_t snapshots;       /* full snapshots written after (re)connect */
	uint64_t pending_dropped; /* stream entries that did not fit the outage buffer (should be 0) */
	uint32_t connected;
	double staleness_p50_us, staleness_p99_us; /* tick arrival -> value acknowledged by Redis */
} ib_pub_stats;

typedef struct ib_pub ib_pub;

/* quotes and stats may be NULL (then quotes / health counters are not published). */
ib_pub *ib_pub_create(const ib_pub_config *cfg, ib_quote_table *quotes, const ib_stats *stats);
/* Publish these books as P:book:SYM too (call before ib_pub_start; the table outlives the publisher). */
void ib_pub_set_books(ib_pub *p, const ib_book_table *books);
/* Add an option's computations to its P:quote (one per quote table entry; before ib_pub_start, outlives it). */
void ib_pub_set_greeks(ib_pub *p, const ib_greeks *greeks);
/*
 * P:health's latency_p50_us / latency_p99_us / latency_p999_us: the quantiles of the samples
 * read(arg, out) gained since the last health write (read: a whole-run histogram, any thread; the
 * pipeline's frame read -> strategy callback).  Before ib_pub_start; arg outlives the publisher.
 */
void ib_pub_set_latency(ib_pub *p, void (*read)(const void *arg, ib_hist *out), const void *arg);
int ib_pub_start(ib_pub *p);
/* Any thread.  Waits while the ring is full; false only after ib_pub_stop. */
bool ib_pub_post(ib_pub *p, const ib_pub_event *ev);
/* The sync state with its JSON detail of any length (up to IB_SYNC_JSON_MAX), as parts. */
bool ib_pub_post_sync(ib_pub *p, int32_t state, const char *detail, size_t len);
/* The account list, any length, as parts: n NUL-terminated ids, one every stride bytes from ids. */
bool ib_pub_post_accounts(ib_pub *p, const char *ids, size_t stride, int n);
/* This publisher as the pipeline's sink (ib_pipeline_set_sink): its three posting functions. */
void ib_pub_as_sink(ib_pub *p, ib_pub_sink *out);
/* Flush what can be flushed, then join the thread. */
void ib_pub_stop(ib_pub *p);
void ib_pub_free(ib_pub *p);
void ib_pub_get_stats(ib_pub *p, ib_pub_stats *out);

/*
 * Details of the keys above, for consumers:
 *   P:order:ID       status filled remaining avg_fill_price last_fill_price symbol action qty type
 *                    lmt aux tif account perm_id reason updated_at (unset prices are "")
 *   P:stream:orders  kind status: src order_id perm_id account symbol action type tif qty lmt status
 *                                 filled remaining avg_fill_price last_fill_price reason ts
 *                    kind exec:   src order_id exec_id account symbol side shares price cum_qty
 *                                 avg_price time ts
 *                    kind cmd:    src cmd_id cmd result order_id reason repeat ts (commands.h)
 *   P:health         staleness_p50_us / _p99_us cover the quotes acknowledged since the
 *                    previous refresh ("" when none); ib_pub_stats' cover the whole run.
 *
 * Stream entries carry ids the publisher assigns (ms-seq from the wall clock,
 * strictly growing) and src, naming this process.  After every reconnect the
 * publisher asks Redis which unacknowledged entries it already holds (their
 * reply was lost with the connection) and which acknowledged ones it lost
 * (a restart without persistence), and writes exactly the missing ones with
 * their original ids: a reader that remembers the last id it read never
 * sees an entry twice, and never misses one the publisher still holds.
 */

/* More counters, for tests, benchmarks and diagnostics. */
typedef struct ib_pub_counts {
	uint64_t events;          /* events absorbed into the mirror */
	uint64_t quote_coalesced; /* quote versions never written because a newer one was */
	uint64_t mirror_full;     /* values/positions/orders/accounts that did not fit the mirror */
	uint64_t stream_written;  /* stream entries acknowledged by Redis */
	uint64_t stream_waiting;  /* stream entries not yet acknowledged */
	uint64_t stream_found;    /* entries found in Redis after a reconnect: written, reply lost */
	uint64_t bars_written;    /* bars Redis holds (written, or found there when sent again) */
	uint64_t bars_dropped;    /* bars that did not fit while Redis was away (publish_bars.h) */
	uint64_t redis_errors;    /* commands Redis refused */
	uint64_t book_writes;     /* P:book:SYM values written */
	uint64_t unwritten;       /* at stop: orders, accounts, stream entries and bars Redis never got */
} ib_pub_counts;

void ib_pub_get_counts(ib_pub *p, ib_pub_counts *out);
/* The seq of the latest command result Redis holds in P:stream:orders (any thread; 0 none yet). */
uint64_t ib_pub_cmd_acked(ib_pub *p);

/* For the supervisor and /metrics: the publisher thread's heartbeat and id (after ib_pub_start), and
   the staleness histogram (tick arrival -> acknowledged by Redis, whole run) as of the last health write. */
const ib_heartbeat *ib_pub_heartbeat(const ib_pub *p);
pthread_t ib_pub_thread(const ib_pub *p);
void ib_pub_get_staleness(ib_pub *p, ib_hist *out);

#endif
