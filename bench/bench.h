/*
 * bench.h - the pieces of bin/ibbench and where their figures go.
 * Every figure is reported through bench_result, which prints nothing but
 * appends to the JSON results file when --json FILE was given.
 */
#ifndef IBPIPE_BENCH_H
#define IBPIPE_BENCH_H

#include <pthread.h>
#include <stdbool.h>

int bench_ring(int argc, char **argv);
int bench_e2e(int argc, char **argv);
int bench_floor(int argc, char **argv);

/* Record one figure: bench_result("ring_spsc_batch_16", "msgs_per_s", 1.2e8). */
void bench_result(const char *name, const char *unit, double value);
/* CPU seconds a thread has used so far; 0 if the clock cannot be read. */
double bench_thread_cpu_s(pthread_t th);
/* A subcommand's option: the word after name in argv (argv[0] is the subcommand), or def. */
const char *bench_arg(int argc, char **argv, const char *name, const char *def);
/* Whether name is one of argv's words after argv[0]. */
bool bench_flag(int argc, char **argv, const char *name);
/* --quick anywhere in argv: shorter runs (CI smoke). */
bool bench_quick(int argc, char **argv);

#endif
