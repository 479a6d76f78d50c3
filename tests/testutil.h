/*
 * testutil.h - helpers for integration tests: real processes, real sockets.
 * Binaries come from $IB_BIN (bin/ by default), the protocol vectors from
 * TU_VECTORS (the tests run from the repository root, as `make test` does),
 * the test redis-server's port from $IB_REDIS_PORT (tools/with-redis.sh).
 */
#ifndef IBPIPE_TESTUTIL_H
#define IBPIPE_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

const char *tu_bin(const char *name);     /* "<IB_BIN>/<name>" in a static buffer ring */
#define TU_VECTORS "tests/vectors"        /* the vendored protocol vectors (tests/vectors/README.md) */
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
/* dir/name holding text (created or truncated); 0, or -1. */
int tu_write_file(const char *dir, const char *name, const char *text);
/* Sleep helper: for poll intervals only; a test waits for the event itself (TU_UNTIL). */
void tu_sleep_ms(int ms);
/*
 * Poll cond every 10 ms until it holds or timeout_ms passed; the value of
 * its last evaluation.  The timeout is a failure bound, never a timing
 * assertion: make it generous, the usual case returns as soon as cond holds.
 */
#define TU_UNTIL(cond, timeout_ms)                                                   \
	__extension__({                                                              \
		long long tu_until_end_ = tu_now_ms() + (timeout_ms);                \
		bool tu_until_ok_;                                                   \
		while (!(tu_until_ok_ = (cond)) && tu_now_ms() < tu_until_end_)      \
			tu_sleep_ms(10);                                             \
		tu_until_ok_;                                                        \
	})
/*
 * CUnit's assert, and on failure leave the test through its `out:` label,
 * where it stops what it started (a test file that uses it includes CUnit).
 */
#define TU_REQUIRE(cond)                                                             \
	do {                                                                         \
		int tu_require_ok_ = (cond) ? 1 : 0;                                 \
		CU_assertImplementation(tu_require_ok_, __LINE__, #cond, __FILE__, "", CU_FALSE); \
		if (!tu_require_ok_)                                                 \
			goto out;                                                    \
	} while (0)
/* Monotonic milliseconds. */
long long tu_now_ms(void);
/* Count TCP sockets on a local port in the given state (e.g. "CLOSE_WAIT") from /proc/net/tcp. */
int tu_count_tcp_state(int port, const char *state);



/* Send one line to a control port (ibsim --control-port) and read one line back. 0 ok. */
int tu_control(int port, const char *cmd, char *out, size_t cap);
/* Each of cmds (NULL-terminated; NULL: none) to a control port in turn: 0 when every one answered "ok". */
int tu_control_all(int port, const char *const *cmds);
/* The last line of path holding needle, into out; 0, or -1 if none. */
int tu_last_line(const char *path, const char *needle, char *out, size_t cap);
/* The number after `after` on the first line of path holding `needle`; -1 if none. */
long long tu_log_number(const char *path, const char *needle, const char *after);
/* Read a whole file and count lines containing needle. */
int tu_count_in_file(const char *path, const char *needle);
/* Wait until the file contains needle; 0 found, -1 timeout. */
int tu_wait_for_text(const char *path, const char *needle, int timeout_ms);
/* A fresh temp directory (mkdtemp under $TMPDIR, default /tmp); static buffer ring. */
#define TU_TMPDIR_CAP 200
const char *tu_tmpdir(void);
/* After the run: remove the directories of passed tests, print those of failed ones; returns how many kept. */
int tu_tmpdir_cleanup(void);
/* A wait status from tu_stop / tu_wait that says "exited with status 0". */
bool tu_exited_ok(int status);

/*
 * The stack an integration test runs: [a private redis-server] + bin/ibsim
 * (with a control port) + bin/ibpipe run, each on free loopback ports,
 * logs and state in one fresh temp directory.  The pieces start alone too
 * (several ibpipes against one ibsim, a Redis restarted on its port).
 * Readiness: tu_*_start return once the ports accept; tu_stack_ready waits
 * for the sync gate (the strategy's "start" line, or P:sync = ready).
 */
struct redisContext;
struct tu_redis {
	pid_t pid;
	int port;
	char dir[128];
};
struct tu_sim {
	pid_t pid;
	int port, ctl;
	char log[256];
};
struct tu_ibpipe {
	pid_t pid;
	char dir[128], log[256], strat[256];
};
enum tu_redis_mode { TU_REDIS_OFF, TU_REDIS_SHARED, TU_REDIS_PRIVATE };
struct tu_opts {
	const char *const *sim_args;    /* extra ibsim flags, NULL-terminated */
	const char *const *args;        /* extra `ibpipe run` flags */
	const char *const *redis_args;  /* extra redis-server flags (TU_REDIS_PRIVATE) */
	const char *const *sim_control; /* ibsim control commands, each answered "ok", before ibpipe starts */
	const char *strategy;           /* --strategy; NULL: ibpipe's default */
	const char *script;             /* $IB_TRADER_SCRIPT; NULL: unset */
	const char *symbols;            /* NULL: AAPL,MSFT */
	const char *prefix;             /* --redis-prefix; NULL: a fresh one */
	enum tu_redis_mode redis;       /* OFF: --no-redis */
	bool connect;                   /* open tu_stack.c, a connection to that Redis */
	bool fast_reconnect;            /* --reconnect-min-ms 100 --reconnect-max-ms 300 */
};
struct tu_stack {
	struct tu_redis redis;          /* pid 0 unless TU_REDIS_PRIVATE */
	struct tu_sim sim;
	struct tu_ibpipe ib;
	int redis_port;                 /* 0: no Redis */
	struct redisContext *c;         /* tu_opts.connect: the test's reads; tu_stack_stop closes it */
	char prefix[32], url[64];
};

/*
 * Until the redis-server pid, logging to log, says it listens: 0; it exited (its port was taken
 * before it could bind it: try another) 1; timeout -1.
 */
int tu_redis_listening(pid_t pid, const char *log, int timeout_ms);
/* redis-server on port (0: a free one, retried if taken) with its files in dir (NULL: a fresh one); 0 once it listens. */
int tu_redis_start(struct tu_redis *r, int port, const char *dir, const char *const extra[]);
void tu_redis_stop(struct tu_redis *r, int sig);
/* bin/ibsim on free ports with its log in a fresh directory; 0 once both ports accept. */
int tu_sim_start(struct tu_sim *s, const char *const extra[]);
/* SIGTERM; its wait status (tu_exited_ok: a clean exit), -1 when it was not running. */
int tu_sim_stop(struct tu_sim *s);
/* The number ibsim's control `stats` reports as name ("total_orders", "msgs_in", ...); -1 when ibsim does not
   answer or reports no such number. */
long long tu_sim_stat(const struct tu_sim *s, const char *name);
/* bin/ibpipe run against 127.0.0.1:port; redis_url NULL: --no-redis.  Strategy logs: tu_slog. */
int tu_ibpipe_start(struct tu_ibpipe *t, int port, const struct tu_opts *o, const char *redis_url, const char *prefix);
/* SIGTERM, then the wait status (tu_exited_ok says whether it was a clean exit). */
int tu_ibpipe_stop(struct tu_ibpipe *t);
/* "$IB_STRATEGY_LOG.<index>": the JSON lines of recorder / trader / stall strategy <index>. */
const char *tu_slog(const struct tu_ibpipe *t, int index);
/* Everything of o; -1 if a piece did not come up. */
int tu_stack_start(struct tu_stack *s, const struct tu_opts *o);
/* All of it but ibpipe (the prefix, Redis and its connection, ibsim, o->sim_control): the test starts
   ibpipe itself with tu_ibpipe_start(&s->ib, s->sim.port, ..., s->url, s->prefix). */
int tu_stack_sim_start(struct tu_stack *s, const struct tu_opts *o);
/* Until the gate opened: strategy 0's "start" line, or without a strategy log P:sync = ready. 0 or -1. */
int tu_stack_ready(const struct tu_stack *s, int timeout_ms);
/* Stop ibpipe (SIGTERM), ibsim and a private Redis, close s->c; returns ibpipe's wait status (0 when it was not
   running: not started, or stopped already with tu_ibpipe_stop). */
int tu_stack_stop(struct tu_stack *s);
/* "<prefix>:<name>" in a static buffer ring. */
const char *tu_key(const struct tu_stack *s, const char *name);

/* ---- Redis, for reading what ibpipe published (hiredis) ---- */
struct redisContext;
struct redisContext *tu_rconn(int port);            /* NULL if it does not answer */
/* GET / HGET into out ("" when missing or not a string). */
char *tu_rget(struct redisContext *c, const char *key, char *out, size_t cap);
char *tu_rhget(struct redisContext *c, const char *key, const char *field, char *out, size_t cap);
/* An integer reply of "CMD key" (fmt with one %s), -1 otherwise. */
long long tu_rint(struct redisContext *c, const char *fmt, const char *key);
/* Until GET key equals want; 0 or -1. */
int tu_rwait(struct redisContext *c, const char *key, const char *want, int timeout_ms);
/* GET key whole, malloc'd ("" when missing or not a string; NULL only when out of memory). */
char *tu_rget_alloc(struct redisContext *c, const char *key);
/* Until GET key holds every one of needles (NULL-terminated); 0 or -1. */
int tu_rwait_holds(struct redisContext *c, const char *key, const char *const *needles, int timeout_ms);
/* XADD <prefix>:stream:commands * with the fields kv (NULL-terminated, 77 at most), as a sender would: 0 once
   Redis gave it an id. */
struct tu_stack;
int tu_send_cmd(struct redisContext *c, const struct tu_stack *e, const char *const *kv);
/* The value of name among a stream entry's fields (the array XRANGE gives as its second element), "" if absent. */
struct redisReply;
const char *tu_rfield(const struct redisReply *fields, const char *name);
/* A command whose reply does not matter: 0 unless it failed or Redis answered an error. */
int tu_rcmd(struct redisContext *c, const char *fmt, ...);

/* ---- service: HTTP endpoints, a hung thread ---- */
/* GET http://127.0.0.1:port/path (HTTP/1.0); the status code (-1 on error), the body into body. */
int tu_http_get(int port, const char *path, char *body, size_t cap);
/* Stop one thread of pid, found by its name (/proc/PID/task/TID/comm), with ptrace: the other
   threads run on, as in a thread stuck in a system call.  Returns the tid, or -1. */
int tu_thread_hang(pid_t pid, const char *comm);
/* Let it run again (PTRACE_DETACH). */
void tu_thread_release(int tid);
struct ib_config;
/*
 * An in-process pipeline against a local ibsim on port, as the lossless tests run it: defaults,
 * then no Redis, read-only, md_lossless, one strategy thread, 50 ms reconnects, state in this
 * test's temp directory.  The caller adds its symbols and anything else.
 */
void tu_lossless_config(struct ib_config *cfg, int port);

#endif
