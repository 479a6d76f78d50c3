/*
 * contract_spec.h - contract specs and instrument keys: the text a user writes
 * for an IB contract (in config, on the command line, in the SDK) and the
 * canonical key ibpipe files an instrument under (Redis, SDK).
 *
 * Grammar and examples: docs/contracts.md.  In short:
 *
 *   AAPL                          STK AAPL on SMART in USD
 *   STK:MSFT@SMART/NASDAQ         ... with a primary exchange
 *   STK:SAP@IBIS:ccy=EUR          ... in another currency
 *   FUT:ES@CME:202603             a future by contract month (or YYYYMMDD)
 *   FUT:ES@CME                    the front month (resolved later)
 *   CASH:EUR.USD@IDEALPRO         an FX pair: symbol EUR, currency USD
 *   OPT:SPY@SMART:20261218:500:C  an option: expiry, strike, right
 *   IND:SPX@CBOE                  an index
 *   conid:265598[@SMART]          by IB's contract id
 *
 * Qualifiers (after the positional fields, each ":key=value"): ccy, mult,
 * class (tradingClass), local (localSymbol).
 *
 * Parsing is strict, works on [text, text+len) (NUL bytes, non-ASCII and
 * control characters are refused, never read past), never allocates, and on
 * failure writes one printable line naming the spec and what is wrong.
 * Thread-safe: no state.
 */
#ifndef IBPIPE_CONTRACT_SPEC_H
#define IBPIPE_CONTRACT_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "ibpipe/req.h"

/* Longest spec text accepted. */
#define IB_SPEC_MAX 180
/* Room for any spec or key ib_spec_format / ib_spec_key print (NUL included). */
#define IB_SPEC_BUF 192

/*
 * Parse a spec into *out (zeroed first; strike IB_UNSET_DOUBLE unless given).
 * IB_OK, or IB_EINVAL with errstr set ("contract spec \"FUT:ES\": FUT needs
 * an exchange, as in FUT:ES@CME").  errstr may be NULL.
 */
int ib_spec_parse(const char *text, size_t len, ib_contract *out, char *errstr, size_t errcap);

/*
 * The spec of a contract, canonical: every field that is set and not a
 * default (STK, SMART, USD) in the grammar's order, so that
 * ib_spec_parse(ib_spec_format(c)) gives back c's spec fields.  Returns the
 * length, IB_ENOSPC (out too small; IB_SPEC_BUF always fits),
 * or IB_EINVAL for a contract the grammar cannot express (a character the
 * grammar reserves, an unknown secType, a CASH pair with a bad currency).
 */
int ib_spec_format(const ib_contract *c, char *out, size_t cap);

/*
 * The canonical instrument key: the spec of only what identifies the
 * instrument -- secType, symbol, exchange, expiry, strike, right and a
 * non-USD currency -- so the key of a resolved contract is the same whether
 * it was written as AAPL, STK:AAPL@SMART/NASDAQ or conid:265598@SMART.
 * Primary exchange, multiplier, trading class, local symbol and conId are
 * not part of it.  Same returns as ib_spec_format.  A conId-only contract
 * (not resolved yet) keys as "conid:<id>".
 */
int ib_spec_key(const ib_contract *c, char *out, size_t cap);

/* Field by field (strings up to their NUL, at most their size): the same contract? */
bool ib_contract_equal(const ib_contract *a, const ib_contract *b);

/* A FUT spec without an expiry: the resolver picks the nearest unexpired contract. */
bool ib_spec_is_front_month(const ib_contract *c);

#endif
