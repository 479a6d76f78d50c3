/*
 * sim_book.h - ibsim's order-book model: one instrument's book kept as an
 * ib_book (the same row-position code ibpipe maintains its books with), and
 * generators of plausible row operations on it.  Pure: no sockets, no
 * clients, no struct sim; the caller applies an operation with
 * sim_book_do and tells its subscribers.
 *
 * Invariants every generator keeps, once a book is seeded: prices on a cent
 * grid, bids strictly descending and asks strictly ascending from the best,
 * best bid < best ask, sizes positive integers, SIM_BOOK_MIN_LEVELS ..
 * SIM_BOOK_MAX_LEVELS rows a side (sim_book_toward may hold one more row
 * for one operation).  SIM_BOOK_MAX_LEVELS + 1 < IB_BOOK_ROWS, so no insert
 * ever pushes a row out of the book, and every operation has an exact
 * inverse (sim_book_invert).
 */
#ifndef IBSIM_SIM_BOOK_H
#define IBSIM_SIM_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "ibpipe/book.h"

#define SIM_BOOK_MIN_LEVELS 20
#define SIM_BOOK_MAX_LEVELS 60
#define SIM_BOOK_SEED_LEVELS 40

/* As on the wire: updateMktDepth's operation and side. */
enum sim_book_opcode { SIM_BOOK_INSERT = 0, SIM_BOOK_UPDATE = 1, SIM_BOOK_DELETE = 2 };
enum sim_book_side { SIM_BOOK_ASK = 0, SIM_BOOK_BID = 1 };

/* What changes a book besides the walk of its quote. */
enum sim_book_event { SIM_BOOK_EV_SIZE, SIM_BOOK_EV_INSERT, SIM_BOOK_EV_DELETE, SIM_BOOK_EV_TRADE };

/* One row operation, with the row it replaced so that it can be undone. */
struct sim_book_op {
	int8_t op, side;
	int16_t pos;
	double price, size;         /* the row written (insert, update) */
	double old_price, old_size; /* the row replaced or removed (update, delete); set by sim_book_do */
	double trade_size;          /* > 0: liquidity taken by a trade of this size at the best price */
};

struct sim_book_top {
	double bid, ask, bid_size, ask_size; /* 0 for an empty side */
};

/* xorshift64*, the same generator as sim_rand, on a caller's state: [0, 1). */
double sim_book_rand(uint64_t *rng);

/* Fill an empty book around a quote: top rows at t, SIM_BOOK_SEED_LEVELS a side. */
void sim_book_seed(ib_book *b, uint64_t *rng, const struct sim_book_top *t);
/* Apply op (recording the row it replaces); the side's row count before, or -1 if refused. */
int sim_book_do(ib_book *b, struct sim_book_op *op);
/* The operation that undoes op (op as recorded by sim_book_do). */
void sim_book_invert(const struct sim_book_op *op, struct sim_book_op *inv);
/*
 * The next operation that brings the book's top rows to t and its depth
 * back into range (deletes before inserts, so the book is never crossed on
 * the way); false when there is nothing left to do.  Apply it and call again.
 */
bool sim_book_toward(const ib_book *b, uint64_t *rng, const struct sim_book_top *t, struct sim_book_op *op);
/* A random operation of kind ev touching only rows < max_pos; false when none fits the book now. */
bool sim_book_random(const ib_book *b, uint64_t *rng, int ev, int max_pos, struct sim_book_op *op);
void sim_book_top(const ib_book *b, struct sim_book_top *t);
/* The invariants above hold (tests, and a check after a blast template). */
bool sim_book_valid(const ib_book *b);

#endif
