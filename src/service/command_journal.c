/*
 * command_journal.c - the append-only file of command results and its
 * in-memory index (open addressing, doubled when half full; commands are
 * rare, so growing with malloc is fine here).
 *
 * Line: cmd_id TAB cmd TAB result TAB order_id TAB reason LF.  cmd_id and
 * cmd are tokens (command_parse.c); tabs and line ends in a reason become
 * spaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/str.h"
#include "service/command_journal.h"

struct slot {
	char cmd_id[IB_CMD_ID_MAX + 1];
	ib_cmd_result r;
};

struct ib_cmd_journal {
	int fd;
	struct slot *t;
	size_t cap, n;       /* cap: a power of two */
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct slot *
lookup(struct slot *t, size_t cap, const char *id)
{
	for (size_t i = hash(id) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (t[i].cmd_id[0] == '\0' || strcmp(t[i].cmd_id, id) == 0)
			return &t[i];
}

static int
grow(ib_cmd_journal *j)
{
	size_t cap = j->cap ? j->cap * 2 : 1024;
	struct slot *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < j->cap; i++)
		if (j->t[i].cmd_id[0])
			*lookup(t, cap, j->t[i].cmd_id) = j->t[i];
	free(j->t);
	j->t = t;
	j->cap = cap;
	return 0;
}

static int
put(ib_cmd_journal *j, const char *id, const ib_cmd_result *r)
{
	if ((j->n + 1) * 2 > j->cap && grow(j) != 0)
		return -1;
	struct slot *s = lookup(j->t, j->cap, id);
	if (s->cmd_id[0] == '\0') {
		ib_strlcpy(s->cmd_id, id, sizeof(s->cmd_id));
		s->r = *r;
		j->n++;
	}
	return 0;
}

/* One whole line (without its LF) into the index; a line that does not parse is skipped. */
static void
load_line(ib_cmd_journal *j, char *line)
{
	char *f[5], *save = NULL;
	ib_cmd_result r;
	int n = 0;

	for (char *tok = strtok_r(line, "\t", &save); tok && n < 5; tok = strtok_r(NULL, "\t", &save))
		f[n++] = tok;
	if (n < 4 || strlen(f[0]) > IB_CMD_ID_MAX)
		return;
	memset(&r, 0, sizeof(r));
	ib_strlcpy(r.cmd, f[1], sizeof(r.cmd));
	ib_strlcpy(r.result, f[2], sizeof(r.result));
	r.order_id = (int32_t)strtol(f[3], NULL, 10);
	if (n == 5)
		ib_strlcpy(r.reason, f[4], sizeof(r.reason));
	put(j, f[0], &r);
}

/* Read the file; cut a torn last line (a crash mid-append: that command sent nothing). */
static int
load(ib_cmd_journal *j)
{
	off_t size = lseek(j->fd, 0, SEEK_END);
	char *buf;

	if (size <= 0)
		return size < 0 ? -1 : 0;
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return -1;
	if (pread(j->fd, buf, (size_t)size, 0) != size) {
		free(buf);
		return -1;
	}
	buf[size] = '\0';
	char *p = buf, *nl;
	while ((nl = memchr(p, '\n', (size_t)(buf + size - p))) != NULL) {
		*nl = '\0';
		load_line(j, p);
		p = nl + 1;
	}
	int rc = 0;
	if (p < buf + size && ftruncate(j->fd, p - buf) != 0)
		rc = -1;
	free(buf);
	return rc;
}

ib_cmd_journal *
ib_cmd_journal_open(const char *path, char *why, size_t cap)
{
	ib_cmd_journal *j = calloc(1, sizeof(*j));

	if (j == NULL || grow(j) != 0) {
		snprintf(why, cap, "out of memory");
		free(j);
		return NULL;
	}
	j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (j->fd < 0 || load(j) != 0) {
		snprintf(why, cap, "command journal %s: %s", path, strerror(errno));
		ib_cmd_journal_close(j);
		return NULL;
	}
	return j;
}

void
ib_cmd_journal_close(ib_cmd_journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->t);
	free(j);
}

bool
ib_cmd_journal_find(const ib_cmd_journal *j, const char *cmd_id, ib_cmd_result *out)
{
	const struct slot *s = lookup(j->t, j->cap, cmd_id);

	if (s->cmd_id[0] == '\0')
		return false;
	*out = s->r;
	return true;
}

static void
clean(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; i < cap - 1 && src[i]; i++)
		dst[i] = src[i] == '\t' || src[i] == '\n' || src[i] == '\r' ? ' ' : src[i];
	dst[i] = '\0';
}

int
ib_cmd_journal_add(ib_cmd_journal *j, const char *cmd_id, const ib_cmd_result *r)
{
	char line[IB_CMD_ID_MAX + 256], reason[sizeof(r->reason)], cmd[sizeof(r->cmd)];
	ib_cmd_result copy = *r;

	clean(reason, sizeof(reason), r->reason);
	clean(cmd, sizeof(cmd), r->cmd);
	int n = snprintf(line, sizeof(line), "%s\t%s\t%s\t%d\t%s\n", cmd_id, cmd, r->result, r->order_id, reason);
	if (n < 0 || (size_t)n >= sizeof(line))
		return errno = EOVERFLOW, -1;
	/* one write of one line with O_APPEND: a crash leaves it whole or cut, and load() cuts a cut one */
	off_t end = lseek(j->fd, 0, SEEK_END);
	if (write(j->fd, line, (size_t)n) != n || fdatasync(j->fd) != 0) {
		int e = errno ? errno : EIO;
		/* a short write (disk full) must not glue the next line onto a cut one */
		if (end >= 0 && ftruncate(j->fd, end) != 0) {
			/* nothing more to do: load() cuts a torn line at the next start */
		}
		errno = e;
		return -1;
	}
	ib_strlcpy(copy.reason, reason, sizeof(copy.reason));
	return put(j, cmd_id, &copy) == 0 ? 0 : (errno = ENOMEM, -1);
}

size_t
ib_cmd_journal_count(const ib_cmd_journal *j)
{
	return j->n;
}

size_t
ib_cmd_journal_orders(const ib_cmd_journal *j, int32_t *ids, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < j->cap; i++)
		if (j->t[i].cmd_id[0] && strcmp(j->t[i].r.cmd, "place") == 0 && strcmp(j->t[i].r.result, "accepted") == 0 &&
		    j->t[i].r.order_id > 0) {
			if (n < cap)
				ids[n] = j->t[i].r.order_id;
			n++;
		}
	return n;
}
