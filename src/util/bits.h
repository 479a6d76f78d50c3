/*
 * bits.h - compile-time checks on sizes: a ring or an open-addressing table
 * indexes with "& (size - 1)", which is only right for a power of two, so
 * every such size is checked where it is defined:
 *   _Static_assert(IB_IS_POW2(SIZE), "...");
 */
#ifndef IBPIPE_BITS_H
#define IBPIPE_BITS_H

#define IB_IS_POW2(n) ((n) > 0 && ((n) & ((n)-1)) == 0)

#endif
