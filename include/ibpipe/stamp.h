/*
 * stamp.h - the send stamp `ibsim --stamp` writes into the size field of
 * each blasted tickPrice, and how a reader (the bench strategy, the tests)
 * recognises it and turns it back into a CLOCK_MONOTONIC send time.
 *
 * A stamp is recognisable by construction, whatever the clock says: it is
 * IB_STAMP_TAG + (send time in ns modulo IB_STAMP_MOD), written as exactly
 * IB_STAMP_DIGITS decimal digits, so every stamp lies in the reserved range
 * [9e14, 1e15) shares.  No real size comes near it (all the shares of every
 * listed company together are a few 1e12), and ibsim's own sizes are small.
 * The old rule, "a size above 1e12 is a CLOCK_MONOTONIC time", failed on a
 * machine booted less than ~17 minutes before.  15 digits keep the stamp
 * exact in a double and on the decoder's fast path (at most 15 significant
 * digits).  The modulus wraps every ~27.8 hours; a reader undoes it against
 * its own clock, so any latency below that decodes exactly.
 */
#ifndef IBPIPE_STAMP_H
#define IBPIPE_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#define IB_STAMP_TAG 900000000000000LL /* 9e14: the first stamp value */
#define IB_STAMP_MOD 100000000000000LL /* 1e14 ns of send time in the stamp */
#define IB_STAMP_DIGITS 15

/* The size value that stamps a send at mono_ns (>= 0). */
static inline int64_t
ib_stamp_encode(int64_t mono_ns)
{
	return IB_STAMP_TAG + mono_ns % IB_STAMP_MOD;
}

/*
 * If size is a stamp, the CLOCK_MONOTONIC ns it was sent at, reconstructed
 * as the latest time <= now_ns with that remainder; true.  Else false.
 */
static inline bool
ib_stamp_decode(double size, int64_t now_ns, int64_t *sent_ns)
{
	/* computed before the test, so that a caller's loop over several sizes hoists it */
	int64_t now_mod = now_ns % IB_STAMP_MOD, v, age;

	if (!(size >= (double)IB_STAMP_TAG && size < (double)(IB_STAMP_TAG + IB_STAMP_MOD)))
		return false;
	v = (int64_t)size;
	if ((double)v != size)
		return false; /* a stamp is a whole number */
	age = now_mod - (v - IB_STAMP_TAG); /* both terms in [0, MOD): one wrap at most */
	if (age < 0)
		age += IB_STAMP_MOD;
	*sent_ns = now_ns - age;
	return true;
}

#endif
