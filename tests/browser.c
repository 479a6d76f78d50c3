/*
 * browser.c - headless chromium over the DevTools pipe (see browser.h).
 * Single-threaded, blocking with deadlines; the protocol's replies are
 * found by their "id", every event in between is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "browser.h"
#include "util/json.h"

static long long
br_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
br_executable(const char *p)
{
	return access(p, X_OK) == 0;
}

const char *
br_binary(void)
{
	static char found[512];
	const char *env = getenv("IB_CHROMIUM"), *path = getenv("PATH");

	if (env && *env)
		return br_executable(env) ? env : NULL;
	for (const char *name = "chromium"; name; name = strcmp(name, "chromium") == 0 ? "chromium-browser" : NULL) {
		const char *p = path ? path : "/usr/bin:/bin";
		while (*p) {
			size_t n = strcspn(p, ":");
			snprintf(found, sizeof(found), "%.*s/%s", (int)n, p, name);
			if (n > 0 && br_executable(found))
				return found;
			p += n + (p[n] == ':');
		}
	}
	return NULL;
}

int
br_start(br *b, const char *dir, int width, int height)
{
	const char *bin = br_binary();
	int to[2], from[2];
	char size[64], profile_arg[340];

	memset(b, 0, sizeof(*b));
	b->to = b->from = -1;
	if (bin == NULL) {
		snprintf(b->err, sizeof(b->err), "no chromium: apt-get install chromium (or set IB_CHROMIUM)");
		return -1;
	}
	snprintf(b->profile, sizeof(b->profile), "%s/chromium-profile", dir);
	snprintf(b->log, sizeof(b->log), "%s/chromium.log", dir);
	snprintf(size, sizeof(size), "--window-size=%d,%d", width, height);
	snprintf(profile_arg, sizeof(profile_arg), "--user-data-dir=%s", b->profile);
	if ((b->in = malloc(BR_MSG_CAP)) == NULL || pipe2(to, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(from, O_CLOEXEC) != 0) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	b->pid = fork();
	if (b->pid == 0) {
		/* its own process group: br_stop ends the renderer and helper processes with it */
		setpgid(0, 0);
		int r = fcntl(to[0], F_DUPFD, 10), w = fcntl(from[1], F_DUPFD, 10);
		int log = open(b->log, O_WRONLY | O_CREAT | O_APPEND, 0644), nul = open("/dev/null", O_RDONLY);
		if (r < 0 || w < 0 || log < 0 || nul < 0 || dup2(r, 3) < 0 || dup2(w, 4) < 0 || dup2(nul, 0) < 0 ||
		    dup2(log, 1) < 0 || dup2(log, 2) < 0)
			_exit(127);
		for (int fd = 5; fd < 1024; fd++)
			close(fd);
		/* root in a container has no user namespace sandbox to offer; the pages are our own */
		execl(bin, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		      "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		      "--disable-background-networking", "--disable-component-update",
		      "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
		      "--disable-backgrounding-occluded-windows", "--remote-debugging-pipe", size, profile_arg,
		      "about:blank", (char *)NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	if (b->pid < 0) {
		close(to[1]);
		close(from[0]);
		return -1;
	}
	b->to = to[1];
	b->from = from[0];
	signal(SIGPIPE, SIG_IGN); /* a browser that died is an EPIPE here, reported, not a dead test runner */
	return 0;
}

static int
br_send(br *b, const char *method, const char *params, bool in_session)
{
	char *msg;
	int id = ++b->next_id, n;
	size_t off = 0;

	n = asprintf(&msg, "{\"id\":%d,\"method\":\"%s\",\"params\":%s%s%s%s}", id, method, params ? params : "{}",
		     in_session ? ",\"sessionId\":\"" : "", in_session ? b->session : "", in_session ? "\"" : "");
	if (n < 0)
		return -1;
	/* the NUL that ends the message is sent too */
	while (off < (size_t)n + 1) {
		ssize_t w = write(b->to, msg + off, (size_t)n + 1 - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(b->err, sizeof(b->err), "writing to chromium: %s", strerror(errno));
			free(msg);
			return -1;
		}
		off += (size_t)w;
	}
	free(msg);
	return id;
}

/* The reply to request id (a malloc'd message), skipping events; NULL on timeout or EOF. */
static char *
br_reply(br *b, int id, int timeout_ms)
{
	long long end = br_now_ms() + timeout_ms;
	char want[32];
	int wn = snprintf(want, sizeof(want), "{\"id\":%d,", id);

	for (;;) {
		char *nul = memchr(b->in, '\0', b->inlen);
		while (nul != NULL) {
			size_t len = (size_t)(nul - b->in);
			char *msg = NULL;
			if (len >= (size_t)wn && memcmp(b->in, want, (size_t)wn) == 0 && (msg = malloc(len + 1)) != NULL) {
				memcpy(msg, b->in, len + 1);
			}
			memmove(b->in, nul + 1, b->inlen - len - 1);
			b->inlen -= len + 1;
			if (msg)
				return msg;
			nul = memchr(b->in, '\0', b->inlen);
		}
		long long left = end - br_now_ms();
		struct pollfd pfd = { .fd = b->from, .events = POLLIN };
		if (left <= 0) {
			snprintf(b->err, sizeof(b->err), "no reply from chromium to request %d", id);
			return NULL;
		}
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		if (b->inlen == BR_MSG_CAP) {
			snprintf(b->err, sizeof(b->err), "a message from chromium over %d bytes", BR_MSG_CAP);
			return NULL;
		}
		ssize_t r = read(b->from, b->in + b->inlen, BR_MSG_CAP - b->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(b->err, sizeof(b->err), "chromium closed the pipe (see %s)", b->log);
			return NULL;
		}
		b->inlen += (size_t)r;
	}
}

static void
br_put_utf8(char *out, size_t cap, size_t *o, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (*o + n < cap) {
		memcpy(out + *o, u, n);
		*o += n;
	}
}

/* The JSON string value of the first "key":"..." in msg, decoded into out; -1 if there is none. */
static int
br_json_string(const char *msg, const char *key, char *out, size_t cap)
{
	char pat[80];
	const char *s;
	size_t o = 0;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if ((s = strstr(msg, pat)) == NULL)
		return -1;
	for (s += strlen(pat); *s && *s != '"'; s++) {
		unsigned cp = (unsigned char)*s;
		if (*s == '\\') {
			s++;
			switch (*s) {
			case 'n': cp = '\n'; break;
			case 't': cp = '\t'; break;
			case 'r': cp = '\r'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'u':
				if (sscanf(s + 1, "%4x", &cp) != 1)
					return -1;
				s += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && s[1] == '\\' && s[2] == 'u') {
					unsigned lo;
					if (sscanf(s + 3, "%4x", &lo) == 1 && lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						s += 6;
					}
				}
				br_put_utf8(out, cap, &o, cp);
				continue;
			case '\0': return -1;
			default: cp = (unsigned char)*s; break;
			}
		}
		if (o + 1 < cap)
			out[o++] = (char)cp;
	}
	out[o] = '\0';
	return *s == '"' ? 0 : -1;
}

/* Send, wait for the reply; the reply (malloc'd) or NULL with b->err set (a protocol error included). */
static char *
br_call(br *b, const char *method, const char *params, bool in_session, int timeout_ms)
{
	int id = br_send(b, method, params, in_session);
	char *r = id < 0 ? NULL : br_reply(b, id, timeout_ms);

	if (r && strncmp(r + strcspn(r, ","), ",\"error\":", 9) == 0) {
		char m[200] = "?";
		br_json_string(r, "message", m, sizeof(m));
		snprintf(b->err, sizeof(b->err), "%s: %s", method, m);
		free(r);
		return NULL;
	}
	return r;
}

int
br_open(br *b, const char *url, int timeout_ms)
{
	char params[1024], target[96];
	char *r;
	ib_json j;

	ib_json_init(&j, params, sizeof(params));
	ib_json_raw(&j, "{\"url\":");
	ib_json_str(&j, url);
	ib_json_raw(&j, "}");
	if ((r = br_call(b, "Target.createTarget", params, false, timeout_ms)) == NULL)
		return -1;
	int rc = br_json_string(r, "targetId", target, sizeof(target));
	free(r);
	if (rc != 0)
		return -1;
	snprintf(params, sizeof(params), "{\"targetId\":\"%s\",\"flatten\":true}", target);
	if ((r = br_call(b, "Target.attachToTarget", params, false, timeout_ms)) == NULL)
		return -1;
	rc = br_json_string(r, "sessionId", b->session, sizeof(b->session));
	free(r);
	return rc;
}

int
br_eval(br *b, const char *expr, char *out, size_t cap, int timeout_ms)
{
	size_t n = strlen(expr) * IB_JSON_ESC_MAX + 256;
	char *params = malloc(n), *r;
	ib_json j;
	int rc = -1;

	if (params == NULL)
		return -1;
	/* String(...) so every answer is a string; a throw becomes "ERR ..." rather than a protocol error */
	ib_json_init(&j, params, n);
	ib_json_raw(&j, "{\"expression\":");
	char *wrapped = NULL;
	if (asprintf(&wrapped, "(function(){try{return String((%s));}catch(e){return 'ERR '+e;}})()", expr) < 0) {
		free(params);
		return -1;
	}
	ib_json_str(&j, wrapped);
	free(wrapped);
	ib_json_raw(&j, ",\"returnByValue\":true}");
	r = j.overflow ? NULL : br_call(b, "Runtime.evaluate", params, true, timeout_ms);
	free(params);
	if (r != NULL) {
		rc = strstr(r, "\"exceptionDetails\"") ? -1 : br_json_string(r, "value", out, cap);
		free(r);
	}
	return rc;
}

int
br_until(br *b, const char *expr, const char *want, char *out, size_t cap, int timeout_ms)
{
	long long end = br_now_ms() + timeout_ms;

	out[0] = '\0';
	for (;;) {
		long long left = end - br_now_ms();
		if (left <= 0)
			return -1;
		if (br_eval(b, expr, out, cap, (int)left) == 0 && strstr(out, want) != NULL)
			return 0;
		if (b->pid <= 0 || waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			b->pid = 0;
			snprintf(b->err, sizeof(b->err), "chromium exited (see %s)", b->log);
			return -1;
		}
		struct timespec ts = { 0, 50 * 1000000L }; /* a poll interval; the page updates 4 times a second */
		nanosleep(&ts, NULL);
	}
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int
br_screenshot(br *b, const char *path, int timeout_ms)
{
	char *r = br_call(b, "Page.captureScreenshot", "{\"format\":\"png\"}", true, timeout_ms), *s, *out;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0, rc = -1;
	FILE *f;

	if (r == NULL || (s = strstr(r, "\"data\":\"")) == NULL || (out = malloc(strlen(r))) == NULL) {
		free(r);
		return -1;
	}
	for (s += 8; *s && *s != '"'; s++) {
		int v = b64_value(*s);
		if (v < 0)
			continue; /* '=' padding; "\/" escapes never occur in base64 from chromium, but skip them too */
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xFF);
		}
	}
	if ((f = fopen(path, "wb")) != NULL) {
		rc = fwrite(out, 1, o, f) == o ? 0 : -1;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(out);
	free(r);
	return rc;
}

void
br_stop(br *b)
{
	if (b->pid > 0) {
		char *r = br_call(b, "Browser.close", NULL, false, 3000);
		long long end = br_now_ms() + 5000;
		bool reaped = false;
		free(r);
		while (!reaped && br_now_ms() < end) {
			pid_t w = waitpid(b->pid, NULL, WNOHANG);
			struct timespec ts = { 0, 20 * 1000000L };
			reaped = w != 0; /* exited, or already reaped by br_until */
			if (!reaped)
				nanosleep(&ts, NULL);
		}
		/* whatever of its group is left (renderer, zygote): only the group we started */
		kill(-b->pid, SIGKILL);
		if (!reaped)
			waitpid(b->pid, NULL, 0);
		b->pid = 0;
	}
	if (b->to >= 0)
		close(b->to);
	if (b->from >= 0)
		close(b->from);
	b->to = b->from = -1;
	free(b->in);
	b->in = NULL;
}
