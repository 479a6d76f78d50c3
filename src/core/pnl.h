/*
 * pnl.h - P&L from the gateway (reqPnL per managed account, reqPnLSingle
 * per open position): the subscriptions follow the accounts and positions,
 * the numbers go to Redis (P:pnl:{A}, the positions' "pnl") and to the SDK
 * (ib_strategy_pnl, ib_strategy_position_pnl).  The account thread is the
 * only writer; the SDK reads the shared table from any thread (seqlock).
 */
#ifndef IBPIPE_PNL_H
#define IBPIPE_PNL_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/account.h"
#include "core/event.h"

struct ib_pipeline;
struct ib_pnl_table;

/* Request ids: subscription slot s is IB_REQID_PNL + s (far above order ids and the other feeds). */
#define IB_REQID_PNL 500000000
#define IB_PNL_MAX_SUBS 4096      /* account + position subscriptions at once */
#define IB_PNL_MAX_ENTRIES 8192   /* (account, conId) pairs ever reported in a run */
#define IB_PNL_REQ_PER_S 10       /* P&L requests sent a second: a fifth of IB's 50 messages, the rest for orders */

int ib_pnl_init(struct ib_pipeline *p);
void ib_pnl_free(struct ib_pipeline *p);

/* Account thread.  A new connection: the subscriptions died with the old one. */
void ib_pnl_conn_up(struct ib_pipeline *p);
/* The gate opened: subscribe every managed account and every open position not yet subscribed. */
void ib_pnl_gate_open(struct ib_pipeline *p);
/* A position changed: subscribe it when it opens, cancel when it closes (once the gate has opened). */
void ib_pnl_position(struct ib_pipeline *p, const char *account, const ib_pos *pos);
/* Send the next waiting P&L request when its turn has come (every loop of the account thread). */
void ib_pnl_tick(struct ib_pipeline *p, int64_t now);
/* pnl / pnlSingle arrived. */
void ib_pnl_on_event(struct ib_pipeline *p, const ib_ae_pnl *e);
/* An error about one of our P&L requests: handled (logged once, the slot freed), true; else false. */
bool ib_pnl_on_notice(struct ib_pipeline *p, const ib_ae_notice *n);
/* The position's latest P&L for its Redis record; false when none was reported. */
bool ib_pnl_of_position(const struct ib_pipeline *p, const char *account, int32_t con_id, ib_pnl_values *out);

#endif
