/*
 * testutil.c - process and socket helpers for the integration tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

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

const char *
tu_shared(void)
{
	const char *s = getenv("IB_SHARED");
	return s && *s ? s : "../shared";
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
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
		if (r == pid)
			return st;
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

const char *
tu_tmpdir(void)
{
	static char bufs[8][64];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "/tmp/ibpipe-test-XXXXXX");
	return mkdtemp(b);
}
