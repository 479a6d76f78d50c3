/*
 * testutil.c - process and socket helpers for the integration tests, and
 * the one place that starts the stack they run (redis-server, ibsim,
 * ibpipe) and waits for it to be ready.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "testutil.h"
#include "util/str.h"
#include "util/clock.h"

const char *
tu_bin(const char *name)
{
	static char bufs[8][512];
	static unsigned next;
	const char *dir = getenv("IB_BIN");
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir && *dir ? dir : "bin", name);
	return b;
}

void
tu_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

long long
tu_now_ms(void)
{
	return ib_now_mono_ns() / IB_NS_PER_MS;
}

int
tu_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int
tu_redis_port(void)
{
	const char *p = getenv("IB_REDIS_PORT");
	return p ? atoi(p) : 0;
}

/*
 * Children not reaped yet.  A failed CU_ASSERT_*_FATAL leaves a test
 * without stopping what it started; whatever is left is killed at exit.
 */
#define MAX_CHILDREN 256
static pid_t children[MAX_CHILDREN];

static void
kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0 && kill(children[i], SIGKILL) == 0)
			waitpid(children[i], NULL, 0);
		children[i] = 0;
	}
}

static void
child_track(pid_t pid, pid_t replace)
{
	static bool registered;

	if (!registered && pid > 0) {
		atexit(kill_children);
		registered = true;
	}
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == replace) {
			children[i] = pid;
			return;
		}
}

pid_t
tu_spawn(char *const argv[], const char *log_path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log_path ? log_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (nul >= 0)
			dup2(nul, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		child_track(pid, 0);
	return pid;
}

int
tu_wait_port(int port, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

int
tu_wait(pid_t pid, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;
	int st;

	do {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			child_track(0, pid);
			return st;
		}
		if (r < 0)
			return -1;
		tu_sleep_ms(10);
	} while (tu_now_ms() < deadline);
	return -1;
}

int
tu_stop(pid_t pid, int sig, int timeout_ms)
{
	int st;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	st = tu_wait(pid, timeout_ms);
	if (st == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		child_track(0, pid);
	}
	return st;
}

int
tu_run(char *const argv[], char *out, size_t cap, int timeout_ms)
{
	int p[2];
	size_t n = 0;
	pid_t pid;
	long long deadline = tu_now_ms() + timeout_ms;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = cap > n + 1 ? read(p[0], out + n, cap - n - 1) : 0;
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == 0 && cap > n + 1)
			break;
		if (tu_now_ms() > deadline) {
			close(p[0]);
			out[n] = '\0';
			return tu_stop(pid, SIGKILL, 1000), -1;
		}
		tu_sleep_ms(5);
	}
	close(p[0]);
	out[n] = '\0';
	return tu_wait(pid, (int)(deadline - tu_now_ms()) + 1000);
}

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			if (len)
				*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

int
tu_write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

int
tu_count_tcp_state(int port, const char *state)
{
	/* /proc/net/tcp state codes */
	static const struct { const char *name, *code; } states[] = {
		{ "ESTABLISHED", "01" }, { "FIN_WAIT1", "04" }, { "FIN_WAIT2", "05" }, { "TIME_WAIT", "06" },
		{ "CLOSE_WAIT", "08" }, { "LAST_ACK", "09" }, { "LISTEN", "0A" }, { "CLOSING", "0B" },
	};
	const char *code = NULL;
	char line[512];
	int count = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(states[i].name, state) == 0)
			code = states[i].code;
	if (!code || !(f = fopen("/proc/net/tcp", "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned lport, rport;
		char st[8];
		if (sscanf(line, " %*d: %*x:%x %*x:%x %7s", &lport, &rport, st) == 3 &&
		    ((int)lport == port || (int)rport == port) && strcmp(st, code) == 0)
			count++;
	}
	fclose(f);
	return count;
}

int
tu_control(int port, const char *cmd, char *out, size_t cap)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t n = 0;
	long long deadline = tu_now_ms() + 5000;

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	if (write(fd, cmd, strlen(cmd)) < 0 || write(fd, "\n", 1) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n + 1 < cap && tu_now_ms() < deadline) {
		ssize_t r = read(fd, out + n, cap - n - 1);
		if (r > 0) {
			n += (size_t)r;
			if (memchr(out, '\n', n))
				break;
		} else if (r == 0) {
			break;
		} else {
			tu_sleep_ms(5);
		}
	}
	out[n] = '\0';
	close(fd);
	return n > 0 ? 0 : -1;
}

int
tu_control_all(int port, const char *const *cmds)
{
	char out[256];

	for (int i = 0; cmds && cmds[i]; i++) {
		out[0] = '\0';
		if (tu_control(port, cmds[i], out, sizeof(out)) != 0 || strncmp(out, "ok", 2) != 0) {
			fprintf(stderr, "\n      control %s: %s", cmds[i], out);
			return -1;
		}
	}
	return 0;
}

int
tu_last_line(const char *path, const char *needle, char *out, size_t cap)
{
	char *txt = tu_read_file(path, NULL), *line, *save = NULL;
	int found = -1;

	for (line = txt ? strtok_r(txt, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle)) {
			snprintf(out, cap, "%s", line);
			found = 0;
		}
	free(txt);
	return found;
}

long long
tu_log_number(const char *path, const char *needle, const char *after)
{
	char *txt = tu_read_file(path, NULL), *p;
	long long v = -1;

	if (txt && (p = strstr(txt, needle)) != NULL) {
		char *eol = strchr(p, '\n'), *q;
		if (eol)
			*eol = '\0';
		if ((q = strstr(p, after)) != NULL)
			v = atoll(q + strlen(after));
	}
	free(txt);
	return v;
}

int
tu_count_in_file(const char *path, const char *needle)
{
	char *s = tu_read_file(path, NULL), *p;
	int n = 0;

	if (!s)
		return -1;
	for (p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(s);
	return n;
}

int
tu_wait_for_text(const char *path, const char *needle, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (tu_count_in_file(path, needle) > 0)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

/*
 * Every directory tu_tmpdir made, with the test (or, outside a test, the
 * suite) that made it: tu_tmpdir_cleanup removes those of tests that
 * passed and names those of tests that failed, so a run leaves nothing
 * behind unless there is something to look at.
 */
#define MAX_TMPDIRS 1024
static struct {
	char path[TU_TMPDIR_CAP];
	CU_pSuite suite;
	CU_pTest test;
} tmpdirs[MAX_TMPDIRS];
static int ntmpdirs;

const char *
tu_tmpdir(void)
{
	static char bufs[8][TU_TMPDIR_CAP];
	static unsigned next;
	char *b = bufs[next++ % 8];
	const char *base = getenv("TMPDIR");

	snprintf(b, sizeof(bufs[0]), "%s/ibpipe-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(b))
		return NULL;
	if (ntmpdirs < MAX_TMPDIRS) {
		snprintf(tmpdirs[ntmpdirs].path, sizeof(tmpdirs[0].path), "%s", b);
		tmpdirs[ntmpdirs].suite = CU_get_current_suite();
		tmpdirs[ntmpdirs].test = CU_get_current_test();
		ntmpdirs++;
	} else {
		fprintf(stderr, "testutil: more than %d temp directories; %s is not cleaned up\n", MAX_TMPDIRS, b);
	}
	return b;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static bool
failed(CU_pSuite suite, CU_pTest test)
{
	for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
		if (test ? f->pTest == test : f->pSuite == suite)
			return true;
	return false;
}

int
tu_tmpdir_cleanup(void)
{
	int kept = 0;

	kill_children(); /* nothing may still be writing into them */
	for (int i = 0; i < ntmpdirs; i++) {
		if (failed(tmpdirs[i].suite, tmpdirs[i].test)) {
			fprintf(stderr, "kept for the failed test \"%s\": %s\n",
				tmpdirs[i].test ? tmpdirs[i].test->pName : tmpdirs[i].suite ? tmpdirs[i].suite->pName : "?",
				tmpdirs[i].path);
			kept++;
		} else if (nftw(tmpdirs[i].path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
			fprintf(stderr, "testutil: cannot remove %s: %s\n", tmpdirs[i].path, strerror(errno));
		}
	}
	ntmpdirs = 0;
	return kept;
}

bool
tu_exited_ok(int status)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* ---- the stack ---- */

#define MAX_ARGS 64

struct argv {
	char *v[MAX_ARGS];
	int n;
};

static void
add(struct argv *a, const char *s)
{
	if (a->n < MAX_ARGS - 1)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void
add_all(struct argv *a, const char *const *list)
{
	for (int i = 0; list && list[i]; i++)
		add(a, list[i]);
}

/*
 * Until the redis-server we started says, in its own log, that it listens
 * (0), or it exited -- its port taken in the meantime -- (1), or timeout (-1).
 * Its own log, not a connect: a connect could reach whoever took the port.
 */
int
tu_redis_listening(pid_t pid, const char *log, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (tu_count_in_file(log, "eady to accept connections") > 0)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			child_track(0, pid);
			return 1;
		}
		tu_sleep_ms(10);
	} while (tu_now_ms() < deadline);
	return -1;
}

int
tu_redis_start(struct tu_redis *r, int port, const char *dir, const char *const extra[])
{
	char d[sizeof(r->dir)], log[sizeof(r->dir) + 16];
	const char *logdir = tu_tmpdir(); /* not in dir: a test may remove dir to break snapshots */

	snprintf(d, sizeof(d), "%s", dir ? dir : tu_tmpdir()); /* dir may be r->dir: a restart in place */
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", d);
	snprintf(log, sizeof(log), "%s/redis.log", logdir ? logdir : d);
	/* port 0: a free port, and another one if someone takes it before redis-server binds it */
	for (int attempt = 0; attempt < (port > 0 ? 1 : 20); attempt++) {
		char p[16];
		struct argv a = { .n = 0 };

		r->port = port > 0 ? port : tu_free_port();
		snprintf(p, sizeof(p), "%d", r->port);
		add(&a, "/usr/bin/redis-server");
		add(&a, "--port");
		add(&a, p);
		add(&a, "--bind");
		add(&a, "127.0.0.1");
		add(&a, "--save");
		add(&a, "");
		add(&a, "--appendonly");
		add(&a, "no");
		add(&a, "--dir");
		add(&a, r->dir);
		add_all(&a, extra);
		unlink(log); /* a restart must not read the last instance's "ready" */
		r->pid = tu_spawn(a.v, log);
		if (r->pid <= 0)
			return -1;
		switch (tu_redis_listening(r->pid, log, 10000)) {
		case 0:
			return 0;
		case 1:
			r->pid = 0;
			continue;
		default:
			tu_stop(r->pid, SIGKILL, 1000);
			r->pid = 0;
			return -1;
		}
	}
	return -1;
}

void
tu_redis_stop(struct tu_redis *r, int sig)
{
	if (r->pid > 0)
		tu_stop(r->pid, sig, 3000);
	r->pid = 0;
}

int
tu_sim_start(struct tu_sim *s, const char *const extra[])
{
	char portfile[sizeof(s->log)];
	const char *dir = tu_tmpdir();
	struct argv a = { .n = 0 };
	long long deadline = tu_now_ms() + 10000;
	static const char ctl_line[] = "ibsim: control on 127.0.0.1:";

	memset(s, 0, sizeof(*s));
	if (!dir)
		return -1;
	snprintf(s->log, sizeof(s->log), "%s/ibsim.log", dir);
	snprintf(portfile, sizeof(portfile), "%s/port", dir);
	/* ephemeral ports chosen by ibsim's own bind: nobody can take them between choice and use */
	add(&a, tu_bin("ibsim"));
	add(&a, "--port");
	add(&a, "0");
	add(&a, "--port-file");
	add(&a, portfile);
	add(&a, "--control-port");
	add(&a, "0");
	add_all(&a, extra);
	s->pid = tu_spawn(a.v, s->log);
	if (s->pid <= 0)
		return -1;
	/* the port file is written after both ports are listening and the "control on" line is flushed */
	do {
		char *txt = tu_read_file(portfile, NULL);
		if (txt) {
			s->port = atoi(txt);
			free(txt);
			txt = tu_read_file(s->log, NULL);
			const char *c = txt ? strstr(txt, ctl_line) : NULL;
			s->ctl = c ? atoi(c + strlen(ctl_line)) : 0;
			free(txt);
			if (s->port > 0 && s->ctl > 0)
				return 0;
		}
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			child_track(0, s->pid);
			s->pid = 0;
			return -1;
		}
		tu_sleep_ms(10);
	} while (tu_now_ms() < deadline);
	return -1;
}

int
tu_sim_stop(struct tu_sim *s)
{
	int st = tu_stop(s->pid, SIGTERM, 3000);

	s->pid = 0;
	return st;
}

long long
tu_sim_stat(const struct tu_sim *s, const char *name)
{
	char out[8192], pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", name);
	if (tu_control(s->ctl, "stats", out, sizeof(out)) != 0 || (p = strstr(out, pat)) == NULL)
		return -1;
	return atoll(p + strlen(pat));
}

int
tu_ibpipe_start(struct tu_ibpipe *t, int port, const struct tu_opts *o, const char *redis_url, const char *prefix)
{
	static const struct tu_opts none;
	char p[16];
	struct argv a = { .n = 0 };

	if (o == NULL)
		o = &none;
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s", tu_tmpdir());
	snprintf(t->log, sizeof(t->log), "%s/ibpipe.log", t->dir);
	snprintf(t->strat, sizeof(t->strat), "%s/strategy", t->dir);
	snprintf(p, sizeof(p), "%d", port);
	add(&a, tu_bin("ibpipe"));
	add(&a, "run");
	add(&a, "--port");
	add(&a, p);
	add(&a, "--state-dir");
	add(&a, t->dir);
	add(&a, "--symbols");
	add(&a, o->symbols ? o->symbols : "AAPL,MSFT");
	if (o->strategy) {
		add(&a, "--strategy");
		add(&a, o->strategy);
	}
	if (redis_url) {
		add(&a, "--redis-url");
		add(&a, redis_url);
		add(&a, "--redis-prefix");
		add(&a, prefix);
	} else {
		add(&a, "--no-redis");
	}
	if (o->fast_reconnect) {
		add(&a, "--reconnect-min-ms");
		add(&a, "100");
		add(&a, "--reconnect-max-ms");
		add(&a, "300");
	}
	add_all(&a, o->args);
	setenv("IB_STRATEGY_LOG", t->strat, 1);
	if (o->script)
		setenv("IB_TRADER_SCRIPT", o->script, 1);
	t->pid = tu_spawn(a.v, t->log);
	unsetenv("IB_TRADER_SCRIPT");
	unsetenv("IB_STRATEGY_LOG");
	return t->pid > 0 ? 0 : -1;
}

int
tu_ibpipe_stop(struct tu_ibpipe *t)
{
	int st = tu_stop(t->pid, SIGTERM, 5000);

	t->pid = 0;
	return st;
}

const char *
tu_slog(const struct tu_ibpipe *t, int index)
{
	static char bufs[8][300];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s.%d", t->strat, index);
	return b;
}

int
tu_stack_sim_start(struct tu_stack *s, const struct tu_opts *o)
{
	static int seq;

	memset(s, 0, sizeof(*s));
	if (o->prefix)
		snprintf(s->prefix, sizeof(s->prefix), "%s", o->prefix);
	else
		snprintf(s->prefix, sizeof(s->prefix), "tu%d_%d", (int)getpid(), ++seq);
	if (o->redis == TU_REDIS_PRIVATE) {
		if (tu_redis_start(&s->redis, 0, NULL, o->redis_args) != 0)
			return -1;
		s->redis_port = s->redis.port;
	} else if (o->redis == TU_REDIS_SHARED) {
		s->redis_port = tu_redis_port();
	}
	snprintf(s->url, sizeof(s->url), "redis://127.0.0.1:%d", s->redis_port);
	if (o->connect && (s->c = tu_rconn(s->redis_port)) == NULL)
		return -1;
	if (tu_sim_start(&s->sim, o->sim_args) != 0)
		return -1;
	return tu_control_all(s->sim.ctl, o->sim_control);
}

int
tu_stack_start(struct tu_stack *s, const struct tu_opts *o)
{
	if (tu_stack_sim_start(s, o) != 0)
		return -1;
	return tu_ibpipe_start(&s->ib, s->sim.port, o, s->redis_port ? s->url : NULL, s->prefix);
}

int
tu_stack_ready(const struct tu_stack *s, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;
	redisContext *c = s->redis_port ? tu_rconn(s->redis_port) : NULL;
	char v[32];
	int rc = -1;

	do {
		if (tu_count_in_file(tu_slog(&s->ib, 0), "\"cb\":\"start\"") > 0 ||
		    (c && strcmp(tu_rget(c, tu_key(s, "sync"), v, sizeof(v)), "ready") == 0)) {
			rc = 0;
			break;
		}
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	if (c)
		redisFree(c);
	return rc;
}

int
tu_stack_stop(struct tu_stack *s)
{
	int st = s->ib.pid ? tu_ibpipe_stop(&s->ib) : 0;

	tu_sim_stop(&s->sim);
	if (s->c)
		redisFree(s->c);
	s->c = NULL;
	tu_redis_stop(&s->redis, SIGTERM);
	return st;
}

const char *
tu_key(const struct tu_stack *s, const char *name)
{
	static char bufs[8][200];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s:%s", s->prefix, name);
	return b;
}

/* ---- Redis ---- */

redisContext *
tu_rconn(int port)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	if (c && c->err) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static char *
string_reply(redisReply *r, char *out, size_t cap)
{
	out[0] = '\0';
	if (r && r->type == REDIS_REPLY_STRING)
		snprintf(out, cap, "%s", r->str);
	if (r)
		freeReplyObject(r);
	return out;
}

char *
tu_rget(redisContext *c, const char *key, char *out, size_t cap)
{
	return string_reply(redisCommand(c, "GET %s", key), out, cap);
}

char *
tu_rhget(redisContext *c, const char *key, const char *field, char *out, size_t cap)
{
	return string_reply(redisCommand(c, "HGET %s %s", key, field), out, cap);
}

long long
tu_rint(redisContext *c, const char *fmt, const char *key)
{
	redisReply *r = redisCommand(c, fmt, key);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	if (r)
		freeReplyObject(r);
	return v;
}

int
tu_rwait(redisContext *c, const char *key, const char *want, int timeout_ms)
{
	char v[256];
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		if (strcmp(tu_rget(c, key, v, sizeof(v)), want) == 0)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}


int
tu_send_cmd(redisContext *c, const struct tu_stack *e, const char *const *kv)
{
	const char *argv[80] = { "XADD", tu_key(e, "stream:commands"), "*" };
	size_t lens[80];
	int n = 3;

	for (; *kv && n < 80; kv++)
		argv[n++] = *kv;
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	redisReply *r = redisCommandArgv(c, n, argv, lens);
	int ok = r && r->type == REDIS_REPLY_STRING ? 0 : -1;
	if (r)
		freeReplyObject(r);
	return ok;
}

const char *
tu_rfield(const redisReply *f, const char *name)
{
	for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2)
		if (strcmp(f->element[i]->str, name) == 0)
			return f->element[i + 1]->str;
	return "";
}

char *
tu_rget_alloc(redisContext *c, const char *key)
{
	redisReply *r = redisCommand(c, "GET %s", key);
	char *s = strdup(r && r->type == REDIS_REPLY_STRING ? r->str : "");

	if (r)
		freeReplyObject(r);
	return s;
}

int
tu_rwait_holds(redisContext *c, const char *key, const char *const *needles, int timeout_ms)
{
	long long deadline = tu_now_ms() + timeout_ms;

	do {
		char *v = tu_rget_alloc(c, key);
		bool all = v && v[0] != '\0';
		for (int i = 0; all && needles[i]; i++)
			all = strstr(v, needles[i]) != NULL;
		free(v);
		if (all)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

int
tu_rcmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	int rc;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	rc = r && r->type != REDIS_REPLY_ERROR ? 0 : -1;
	if (r)
		freeReplyObject(r);
	return rc;
}

/* ---- service ---- */

int
tu_http_get(int port, const char *path, char *body, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 5, 0 };
	static char buf[256 * 1024];
	size_t len = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), code = -1;

	if (cap)
		body[0] = '\0';
	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	int n = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (write(fd, buf, (size_t)n) != n)
		goto out;
	for (ssize_t r; len < sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)r;
	buf[len] = '\0';
	char *sep = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) != 0 || sep == NULL)
		goto out;
	code = atoi(buf + 9);
	if (cap)
		snprintf(body, cap, "%s", sep + 4);
out:
	close(fd);
	return code;
}

int
tu_thread_hang(pid_t pid, const char *comm)
{
	char dir[64], path[128], name[32];
	struct dirent *de;
	int tid = -1, st;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while (tid < 0 && (de = readdir(d)) != NULL) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		if (de->d_name[0] == '.' || (f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(name, sizeof(name), f) && strncmp(name, comm, strlen(comm)) == 0 && name[strlen(comm)] == '\n')
			tid = atoi(de->d_name);
		fclose(f);
	}
	closedir(d);
	if (tid < 0)
		return -1;
	/* SEIZE + INTERRUPT stops this one thread; SIGSTOP would stop the whole process */
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0)
		return -1;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) != 0 || waitpid(tid, &st, __WALL) != tid) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return -1;
	}
	return tid;
}

void
tu_thread_release(int tid)
{
	if (tid > 0)
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
}

void
tu_lossless_config(ib_config *cfg, int port)
{
	ib_config_defaults(cfg);
	ib_strlcpy(cfg->host, "127.0.0.1", sizeof(cfg->host));
	cfg->port = port;
	cfg->redis = false;
	cfg->readonly = true;
	cfg->md_lossless = true;
	cfg->strategies = 1;
	cfg->reconnect_min_ms = 50;
	ib_strlcpy(cfg->state_dir, tu_tmpdir(), sizeof(cfg->state_dir));
}
