/*
 * bench_decode.h - `ibbench decode`: inbound decode rate per message mix,
 * against a plain memchr + strtol/strtod loop over the same frames.
 * Figures go to stdout as a table and through bench_result (bench.h).
 */
#ifndef IBPIPE_BENCH_DECODE_H
#define IBPIPE_BENCH_DECODE_H

/*
 * argv[0] is the bench name.  Options: --mix tick|account|order (repeat;
 * default all), --seconds S per measurement (default 1, --quick 0.2),
 * --iters N fixed passes instead of a time budget (for callgrind),
 * --no-baseline, --server-version N.  --json FILE is the dispatcher's.
 */
int bench_decode(int argc, char **argv);

#endif
