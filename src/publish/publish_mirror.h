/*
 * publish_mirror.h - internal to the Redis publisher: the bounded mirror of
 * everything it was told, and the order-stream FIFO.
 *
 * Only the publisher thread touches these.  Every table has a fixed capacity
 * (memory is reserved once, zeroed pages cost nothing until used); whatever
 * does not fit is counted in pm_mirror.full and logged, never allocated.
 * "Dirty" means: changed since it was last handed to Redis.  After a
 * reconnect everything is marked dirty and written again (full snapshot).
 */
#ifndef IBPIPE_PUBLISH_MIRROR_H
#define IBPIPE_PUBLISH_MIRROR_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/account.h"
#include "ibpipe/ib.h"
#include "publish/publish.h"
#include "core/sync.h"

#define PM_MAX_ACCOUNTS IB_MAX_ACCOUNTS
#define PM_MAX_VALUES 512                   /* per account */
#define PM_MAX_POSITIONS 1024               /* per account */
#define PM_MAX_ORDERS 8192
#define PM_SYNC_OUT_MAX (IB_SYNC_JSON_MAX + 64) /* {"sync":"...","detail":<detail>} */
#define PM_STREAM_CAP 65536                 /* order-stream entries kept: waiting + recent history */

typedef __typeof__(((ib_pub_event *)0)->u.order) pm_order_data;
typedef __typeof__(((ib_pub_event *)0)->u.exec) pm_exec_data;
typedef __typeof__(((ib_pub_event *)0)->u.position) pm_pos_data;
typedef __typeof__(((ib_pub_event *)0)->u.cmd) pm_cmd_data;

struct pm_value {
	char field[64];          /* "<key>" or "<key>:<currency>" */
	char value[64];
};

/* Open-addressing indexes store slot+1, so a zeroed table is an empty one. */
struct pm_account {
	char id[IB_ACCOUNT_ID_LEN];
	bool in_set;             /* member of P:accounts */
	bool dirty;              /* has something to write */
	bool full;               /* next write replaces the hashes (DEL + HSET all) */
	int64_t updated_ns;      /* CLOCK_REALTIME of the latest change */
	bool has_pnl, pnl_dirty; /* P:pnl:{A}: reported at least once; to be written */
	double pnl_daily, pnl_unrealized, pnl_realized; /* NAN: not reported */
	int64_t pnl_ns;          /* CLOCK_REALTIME of the report */
	uint16_t nval, npos;     /* slots used */
	uint16_t ndv, ndp;       /* dirty-list lengths */
	uint8_t vdirty[PM_MAX_VALUES], pdirty[PM_MAX_POSITIONS];
	uint16_t dv[PM_MAX_VALUES], dp[PM_MAX_POSITIONS];
	uint16_t vidx[2 * PM_MAX_VALUES], pidx[2 * PM_MAX_POSITIONS];
	struct pm_value val[PM_MAX_VALUES];
	pm_pos_data pos[PM_MAX_POSITIONS];
};

struct pm_order {
	pm_order_data d;
	uint64_t touched;        /* mirror event count at the last change: LRU for eviction */
	bool dirty;
};

struct pm_orders {
	uint32_t n;              /* slots used */
	uint32_t ndirty;
	uint16_t dirty[PM_MAX_ORDERS];
	uint16_t idx[2 * PM_MAX_ORDERS];
	struct pm_order o[PM_MAX_ORDERS];
};

/* A stream entry id, "<ms>-<seq>". */
struct pm_sid {
	uint64_t ms, seq;
};

enum { PM_ENTRY_STATUS = 1, PM_ENTRY_EXEC = 2, PM_ENTRY_CMD = 3 };

struct pm_entry {
	struct pm_sid id;
	uint8_t kind;
	uint8_t acked;           /* Redis holds it (XADD replied, or found there after a reconnect) */
	union {
		pm_order_data o;
		pm_exec_data x;
		pm_cmd_data c;
	} u;
};

/*
 * The FIFO, as positions that only grow (slot = pos % PM_STREAM_CAP):
 *   [hist, ack)  acknowledged, kept to re-add if Redis comes back without them
 *   [ack, sent)  handed to the current connection (or acknowledged out of order)
 *   [sent, tail) waiting
 * hist <= ack <= sent <= tail and tail - hist <= PM_STREAM_CAP.  Ids grow
 * strictly from hist to tail; an entry is removed from the waiting part only
 * when Redis acknowledged it, so each is written exactly once.
 */
struct pm_stream {
	struct pm_entry *e;
	uint64_t hist, ack, sent, tail;
	struct pm_sid last;      /* the last id handed out */
	uint64_t retain;         /* acknowledged entries kept (the stream's MAXLEN) */
	uint64_t dropped;        /* did not fit while Redis was away */
};

struct pm_mirror {
	uint64_t events;         /* absorbed */
	uint64_t full;           /* values/positions/orders/accounts that did not fit */

	int32_t sync_state;
	char *sync_detail;       /* [IB_SYNC_JSON_MAX + 1]: the latest whole detail */
	char *sync_asm;          /* [IB_SYNC_JSON_MAX + 1]: the detail being assembled from parts */
	size_t sync_asm_len;
	bool sync_asm_over;      /* parts past IB_SYNC_JSON_MAX: the detail says so instead */
	char *sync_out;          /* scratch for the P:events message around the detail */
	bool sync_dirty;

	bool have_conn;
	int32_t conn_connected, conn_server_version, conn_client_id;

	bool accounts_dirty;     /* P:accounts membership changed */
	int naccts;
	uint32_t acct_dirty;     /* accounts with dirty set */
	struct pm_account *acct; /* [PM_MAX_ACCOUNTS] */
	char (*next_ids)[IB_ACCOUNT_ID_LEN]; /* [PM_MAX_ACCOUNTS]: the list being assembled from parts */
	int nnext;

	struct pm_orders *orders;
	struct pm_stream st;
};

int pm_init(struct pm_mirror *m, uint64_t retain);
void pm_free(struct pm_mirror *m);
/* Apply one event.  now_real_ns stamps account updates and new stream ids. */
void pm_absorb(struct pm_mirror *m, const ib_pub_event *ev, int64_t now_real_ns);
/* Everything is to be written again, accounts as whole replacements. */
void pm_mark_all_dirty(struct pm_mirror *m);
bool pm_dirty(const struct pm_mirror *m);

/* Account i was written: forget its dirty lists. */
void pm_account_clean(struct pm_mirror *m, int i);
/* Stream: Redis acknowledged the entry at pos. */
void pm_stream_acked(struct pm_stream *s, uint64_t pos);
/* The connection died: whatever was in flight is unknown until the next reconcile. */
void pm_stream_unsend(struct pm_stream *s);
/* The first position at or after from whose id is >= id (tail if none). */
uint64_t pm_stream_find(const struct pm_stream *s, uint64_t from, struct pm_sid id);
/*
 * After a reconnect, with last = the stream's last-generated id in Redis
 * (0-0 when the key does not exist) and the entries found present already
 * marked acked: re-add acknowledged history Redis no longer has, and move
 * waiting entries whose ids Redis would refuse above last.  Returns how many
 * entries are to be written.
 */
uint64_t pm_stream_reconcile(struct pm_stream *s, struct pm_sid last);

int pm_sid_cmp(struct pm_sid a, struct pm_sid b);
bool pm_sid_parse(const char *s, size_t n, struct pm_sid *out);

#endif
