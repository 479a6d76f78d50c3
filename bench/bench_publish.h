/*
 * bench_publish.h - `ibbench publish`: the Redis publisher under a quote
 * table that changes as fast as a writer thread can change it.
 */
#ifndef IBPIPE_BENCH_PUBLISH_H
#define IBPIPE_BENCH_PUBLISH_H

int bench_publish(int argc, char **argv);

#endif
