/*
 * testutil.h - helpers for integration tests: real processes, real sockets.
 * Binaries come from $IB_BIN (bin/ by default), shared/ from $IB_SHARED,
 * the test redis-server's port from $IB_REDIS_PORT (tools/with-redis.sh).
 */
#ifndef IBPIPE_TESTUTIL_H
#define IBPIPE_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

const char *tu_bin(const char *name);     /* "<IB_BIN>/<name>" in a static buffer ring */
const char *tu_shared(void);              /* path of ../shared */
int tu_free_port(void);                   /* an unused loopback TCP port */
int tu_redis_port(void);                  /* 0 when no test redis is running */
/* Start argv[0] with stdout+stderr appended to log_path (NULL: /dev/null). */
pid_t tu_spawn(char *const argv[], const char *log_path);
/* Wait until 127.0.0.1:port accepts a connection; 0 ok, -1 timeout. */
int tu_wait_port(int port, int timeout_ms);
/* Send sig, wait up to timeout_ms; returns wait status or -1 (then SIGKILLs). */
int tu_stop(pid_t pid, int sig, int timeout_ms);
/* Wait for exit without signalling; returns wait status or -1 on timeout. */
int tu_wait(pid_t pid, int timeout_ms);
/* Run to completion capturing stdout (NUL-terminated, truncated to cap-1). Returns wait status or -1. */
int tu_run(char *const argv[], char *out, size_t cap, int timeout_ms);
/* Read a whole file; malloc'd, NUL-terminated; NULL on error. */
char *tu_read_file(const char *path, size_t *len);
/* Sleep helper. */
void tu_sleep_ms(int ms);
/* Monotonic milliseconds. */
long long tu_now_ms(void);
/* Count TCP sockets on a local port in the given state (e.g. "CLOSE_WAIT") from /proc/net/tcp. */
int tu_count_tcp_state(int port, const char *state);



/* Send one line to a control port (ibsim --control-port) and read one line back. 0 ok. */
int tu_control(int port, const char *cmd, char *out, size_t cap);
/* Read a whole file and count lines containing needle. */
int tu_count_in_file(const char *path, const char *needle);
/* Wait until the file contains needle; 0 found, -1 timeout. */
int tu_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* A fresh temp directory (mkdtemp under /tmp); static buffer ring. */
const char *tu_tmpdir(void);
#endif
