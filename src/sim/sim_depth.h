/*
 * sim_depth.h - the state tick-by-tick and depth share inside ibsim: one
 * book per instrument (created on first use, kept for the life of the
 * process, indexed by the instrument's index), and the subscriptions of
 * both feeds in two dense arrays.  Internal to sim_depth*.c.
 *
 * Rules every module here follows:
 *  - A book changes only through sim_depth_apply, which sends each
 *    depth subscriber the frames that keep its view (the first numRows
 *    rows) exactly the book's; a group of changes ends with
 *    sim_depth_settle, which sends BidAsk / MidPoint when the top moved
 *    and makes the instrument's quote follow the book.
 *  - A book held by a depth blast (frozen_by >= 0) does not change until
 *    the blast ends; subscriptions marked in_blast were sent the blast's
 *    operations from its template and are skipped when the blast's net
 *    effect is applied to the book for everyone else.
 */
#ifndef IBSIM_SIM_DEPTH_H
#define IBSIM_SIM_DEPTH_H

#include "sim/sim.h"
#include "sim/sim_book.h"

#define SIM_MAX_FEED_SUBS 4096      /* per feed, over all clients */

struct sim_dsub {                   /* one reqMktDepth */
	int16_t slot;
	bool smart;                     /* isSmartDepth: updateMktDepthL2 */
	bool in_blast;
	int32_t req_id, instr;
	int rows;                       /* numRows, 1..IB_BOOK_ROWS */
};

struct sim_tsub {                   /* one reqTickByTickData */
	int16_t slot;
	int8_t type;                    /* enum ib_tbt_type */
	bool in_blast;
	int32_t req_id, instr;
};

struct sim_ibook {
	ib_book b;                      /* the authoritative book */
	struct sim_book_top sent;       /* the top BidAsk / MidPoint subscribers last heard */
	int nsubs;                      /* depth and tick-by-tick subscriptions on it */
	int active;                     /* index in sim_depth.active, -1 when nobody subscribes */
	int frozen_by;                  /* slot of the client whose depth blast holds it, -1 */
};

struct sim_depth {
	struct sim_ibook **book;        /* [SIM_MAX_INSTR]; NULL until first used */
	int32_t *active;                /* instruments with subscribers, for --depth-rate */
	int nactive;
	struct sim_dsub *dsub;
	int ndsub;
	struct sim_tsub *tsub;
	int ntsub;
	double credit;                  /* --depth-rate pacing */
	int64_t last_ns;
};

/* The instrument's book, created and seeded around its quote on first use; NULL out of memory. */
struct sim_ibook *sim_depth_book(struct sim *s, int32_t instr);
/* Apply op to the book and send it to each depth subscriber not in a blast.  false if refused. */
bool sim_depth_apply(struct sim *s, int32_t instr, struct sim_book_op *op);
/* After a group of operations: BidAsk / MidPoint if the top moved; the quote follows the book. */
void sim_depth_settle(struct sim *s, int32_t instr);
/* Walk the book to the instrument's quote (after the random walk moved it), then settle. */
void sim_depth_follow_quote(struct sim *s, int32_t instr);
/* A trade at a side's best price: Last / AllLast to subscribers (the caller keeps last and volume). */
void sim_depth_trade(struct sim *s, int32_t instr, double price, double size);

/* A depth blast of the client in this slot is over (or gone): its books move again. */
void sim_depth_unfreeze(struct sim *s, int slot);
/* sim_depth_events.c: the feed hooks after a random-walk step (and its trade) of sim_mktdata.c */
void sim_depth_on_move(struct sim *s, int32_t instr, int64_t now);
void sim_depth_on_trade(struct sim *s, int32_t instr, int64_t now);

/* Encoding for one subscriber (also used to build blast templates).  Each returns the frames appended. */
int sim_depth_enc_op(sim_out *o, const struct sim_dsub *d, const struct sim_book_op *op, int n_before,
		     const ib_book *b);
int sim_depth_enc_top(sim_out *o, const struct sim_tsub *t, const struct sim_book_top *before,
		      const struct sim_book_top *now, int64_t time);
int sim_depth_enc_trade(sim_out *o, const struct sim_tsub *t, double price, double size, uint64_t venue,
			int64_t time);

#endif
