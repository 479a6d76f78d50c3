/*
 * redis_keys.h - the Redis key schema and the Redis defaults, named once.  The
 * writer (publish.c), every reader (ibpipe status and ibpipe web, the kill switch in
 * control.c, the command stream in commands.c) and the config defaults
 * take names and values from here; README.md "Redis keys" is the table for people.
 * A key is "<prefix>:<name>"; the builders below return snprintf's length.
 * Pure functions, any thread.
 */
#ifndef IBPIPE_REDIS_KEYS_H
#define IBPIPE_REDIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* Defaults (config.c, ib_pub_config_defaults, and ib_pub_create for a zeroed config). */
#define IB_REDIS_DEFAULT_URL "redis://127.0.0.1:6379"
#define IB_REDIS_DEFAULT_PORT 6379
#define IB_REDIS_DEFAULT_PREFIX "ibpipe"
#define IB_REDIS_HEALTH_INTERVAL_MS 1000 /* P:health is rewritten this often */
#define IB_REDIS_HEALTH_TTL_S 5          /* ... and expires after this: a dead ibpipe leaves nothing "ready" */
#define IB_REDIS_STREAM_MAXLEN 10000     /* XADD MAXLEN ~ of P:stream:orders */
#define IB_REDIS_QUOTE_INTERVAL_US 1000  /* changed quotes are written at most this often */
#define IB_REDIS_BOOK_LEVELS 10          /* rows per side in P:book:SYM */
#define IB_REDIS_BARS_MAXLEN 10000       /* XADD MAXLEN ~ of each P:bars:<key>:<size> (redis_bars_maxlen) */

/* Whole names, after "<prefix>:". */
#define IB_KEY_SYNC "sync"                       /* string disconnected|syncing|ready */
#define IB_KEY_SYNC_DETAIL "sync:detail"         /* JSON: what the gate has and still waits for */
#define IB_KEY_ACCOUNTS "accounts"               /* set of account ids */
#define IB_KEY_HEALTH "health"                   /* hash with a TTL */
#define IB_KEY_EVENTS "events"                   /* pub/sub channel: sync changes */
#define IB_KEY_ORDERS_STREAM "stream:orders"     /* order status changes and executions */
#define IB_KEY_COMMANDS_STREAM "stream:commands" /* orders from other services (commands.c) */
#define IB_KEY_COMMAND_RESULTS "commands:results" /* their results */
#define IB_KEY_CONTROL "control"                 /* string halt|resume: the kill switch (control.c) */
/* Families: the name is this plus a part. */
#define IB_KEY_ACCOUNT "account:"     /* + {A}: hash key[:currency] -> value */
#define IB_KEY_POSITIONS "positions:" /* + {A}: hash conId -> JSON */
#define IB_KEY_PNL "pnl:"             /* + {A}: hash daily, unrealized, realized, updated_at */
#define IB_KEY_QUOTE "quote:"         /* + SYM: hash of the latest quote */
#define IB_KEY_BOOK "book:"           /* + SYM: JSON of the top of the depth book */
#define IB_KEY_ORDER "order:"         /* + ID: hash of the latest order state */
#define IB_KEY_BARS "bars:"           /* + <key>:<size>: stream of bars (ids <bar start ms>-<update>) */

/* <prefix>:<name> */
size_t ib_key(char *out, size_t cap, const char *prefix, const char *name);
/* <prefix>:account:{A} and <prefix>:positions:{A} (braces: one Redis Cluster slot per account) */
size_t ib_key_account(char *out, size_t cap, const char *prefix, const char *account);
size_t ib_key_positions(char *out, size_t cap, const char *prefix, const char *account);
size_t ib_key_pnl(char *out, size_t cap, const char *prefix, const char *account);
/* <prefix>:quote:SYM, <prefix>:book:SYM */
size_t ib_key_quote(char *out, size_t cap, const char *prefix, const char *symbol);
size_t ib_key_book(char *out, size_t cap, const char *prefix, const char *symbol);
/* <prefix>:order:ID */
size_t ib_key_order(char *out, size_t cap, const char *prefix, int64_t order_id);
/*
 * The SCAN MATCH pattern of a family, "<prefix>:quote:*": glob characters
 * in the prefix are escaped.  The pattern's length; "" if cap cannot hold it.
 */
size_t ib_key_scan_pattern(char *out, size_t cap, const char *prefix, const char *family);

#endif
