/*
 * command_journal.c - the append-only file of command results and its
 * in-memory index (open addressing, doubled when half full; commands are
 * rare, so growing with malloc is fine here).
 *
 * Line: cmd_id TAB cmd TAB result TAB order_id TAB reason LF.  cmd_id and
 * cmd are tokens (command_parse.c); tabs and line ends in a reason become
 * spaces.  Two more kinds of line say what became of an accepted order
 * later (a cmd_id never starts with '+' or '='):
 *   +cmd_id LF            its order is settled: the gateway had it, or its
 *                         final state was published; no restart checks it
 *   =cmd_id TAB ... LF    the answer replaced (lost: not at the gateway
 *                         after a restart), and settled
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
	bool settled;        /* an accepted order's fate is known (a '+' or '=' line) */
	uint64_t seq;        /* its first line's place in the file: the older, the lower */
	ib_cmd_result r;
};

struct ib_cmd_journal {
	int fd;
	char path[400];
	struct slot *t;
	size_t cap, n;       /* cap: a power of two */
	uint64_t seq;        /* lines of the first kind so far */
};

static uint64_t
hash(const char *s)
{
	return ib_fnv1a64(s, strlen(s));
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
		s->seq = ++j->seq;
		j->n++;
	}
	return 0;
}

/* The slot of a cmd_id on file, NULL if none. */
static struct slot *
slot_of(const ib_cmd_journal *j, const char *id)
{
	struct slot *s = lookup(j->t, j->cap, id);

	return s->cmd_id[0] ? s : NULL;
}

/* One whole line (without its LF) into the index; a line that does not parse is skipped. */
static void
load_line(ib_cmd_journal *j, char *line)
{
	char *f[5], *save = NULL;
	ib_cmd_result r;
	struct slot *s;
	int n = 0;
	char kind = line[0];

	if (kind == '+') {
		if ((s = slot_of(j, line + 1)) != NULL)
			s->settled = true;
		return;
	}
	if (kind == '=')
		line++;
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
	if (kind != '=') {
		put(j, f[0], &r);
	} else if ((s = slot_of(j, f[0])) != NULL) {
		s->r = r;
		s->settled = true;
	}
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
	ib_strlcpy(j->path, path, sizeof(j->path));
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

/* line as a result line (kind "" or "="), r's texts cleaned into *copy; its length, -1 when too long. */
static int
format(char *line, size_t cap, const char *kind, const char *cmd_id, const ib_cmd_result *r, ib_cmd_result *copy)
{
	*copy = *r;
	clean(copy->reason, sizeof(copy->reason), r->reason);
	clean(copy->cmd, sizeof(copy->cmd), r->cmd);
	clean(copy->result, sizeof(copy->result), r->result);
	int n = snprintf(line, cap, "%s%s\t%s\t%s\t%d\t%s\n", kind, cmd_id, copy->cmd, copy->result, copy->order_id,
			 copy->reason);
	return n < 0 || (size_t)n >= cap ? (errno = EOVERFLOW, -1) : n;
}

/* Append one line (durably when sync): 0, or -1 with errno (and the file as it was). */
static int
append(ib_cmd_journal *j, const char *line, int n, bool sync)
{
	/* one write of one line with O_APPEND: a crash leaves it whole or cut, and load() cuts a cut one */
	off_t end = lseek(j->fd, 0, SEEK_END);
	if (write(j->fd, line, (size_t)n) != n || (sync && fdatasync(j->fd) != 0)) {
		int e = errno ? errno : EIO;
		/* a short write (disk full) must not glue the next line onto a cut one */
		if (end >= 0 && ftruncate(j->fd, end) != 0) {
			/* nothing more to do: load() cuts a torn line at the next start */
		}
		errno = e;
		return -1;
	}
	return 0;
}

int
ib_cmd_journal_add(ib_cmd_journal *j, const char *cmd_id, const ib_cmd_result *r)
{
	char line[IB_CMD_ID_MAX + 256];
	ib_cmd_result copy;
	int n = format(line, sizeof(line), "", cmd_id, r, &copy);

	if (n < 0 || append(j, line, n, true) != 0)
		return -1;
	return put(j, cmd_id, &copy) == 0 ? 0 : (errno = ENOMEM, -1);
}

int
ib_cmd_journal_settle(ib_cmd_journal *j, const char *cmd_id)
{
	char line[IB_CMD_ID_MAX + 4];
	struct slot *s = slot_of(j, cmd_id);
	int n = snprintf(line, sizeof(line), "+%s\n", cmd_id);

	if (s == NULL)
		return errno = ENOENT, -1;
	if (s->settled)
		return 0;
	/* not synced: one lost in a machine crash only means the next start checks the order again
	   (and finds its status in Redis, or asks the gateway); an fdatasync per fill would hold up
	   the commands behind it */
	if (n < 0 || (size_t)n >= sizeof(line) || append(j, line, n, false) != 0)
		return -1;
	s->settled = true;
	return 0;
}

int
ib_cmd_journal_replace(ib_cmd_journal *j, const char *cmd_id, const ib_cmd_result *r)
{
	char line[IB_CMD_ID_MAX + 256];
	ib_cmd_result copy;
	struct slot *s = slot_of(j, cmd_id);
	int n = format(line, sizeof(line), "=", cmd_id, r, &copy);

	if (s == NULL)
		return errno = ENOENT, -1;
	if (n < 0 || append(j, line, n, true) != 0)
		return -1;
	s->r = copy;
	s->settled = true;
	return 0;
}

/* An accepted new order whose fate is not on file yet. */
static bool
unsettled(const struct slot *s)
{
	return s->cmd_id[0] && !s->settled && strcmp(s->r.cmd, "place") == 0 && strcmp(s->r.result, "accepted") == 0 &&
	       s->r.order_id > 0;
}

size_t
ib_cmd_journal_unsettled(const ib_cmd_journal *j, ib_cmd_open *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < j->cap; i++)
		if (unsettled(&j->t[i])) {
			if (n < cap) {
				ib_strlcpy(out[n].cmd_id, j->t[i].cmd_id, sizeof(out[n].cmd_id));
				out[n].order_id = j->t[i].r.order_id;
			}
			n++;
		}
	return n;
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

void
ib_cmd_journal_each_order(const ib_cmd_journal *j, void (*fn)(void *, const ib_cmd_result *), void *arg)
{
	for (size_t i = 0; i < j->cap; i++)
		if (j->t[i].cmd_id[0] && strcmp(j->t[i].r.cmd, "place") == 0 && strcmp(j->t[i].r.result, "accepted") == 0 &&
		    j->t[i].r.order_id > 0)
			fn(arg, &j->t[i].r);
}

/* ---- compaction ---- */

static int
by_seq(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a, *y = *(const struct slot *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every kept slot as one result line (and '+' when settled) into fd; 0 or -1 with errno. */
static int
write_kept(int fd, struct slot **keep, size_t n)
{
	char line[2 * (IB_CMD_ID_MAX + 256)];
	ib_cmd_result copy;

	for (size_t i = 0; i < n; i++) {
		int len = format(line, sizeof(line), "", keep[i]->cmd_id, &keep[i]->r, &copy);
		if (len < 0)
			return -1;
		if (keep[i]->settled)
			len += snprintf(line + len, sizeof(line) - (size_t)len, "+%s\n", keep[i]->cmd_id);
		if (write(fd, line, (size_t)len) != len)
			return errno = errno ? errno : EIO, -1;
	}
	return fdatasync(fd);
}

/* The directory of path, synced: the rename is on disk. */
static int
sync_dir(const char *path)
{
	char dir[sizeof(((ib_cmd_journal *)0)->path)];
	char *slash;

	ib_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		ib_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int
ib_cmd_journal_compact(ib_cmd_journal *j, size_t keep, size_t *dropped)
{
	char tmp[sizeof(j->path) + 8];
	struct slot **v;
	size_t n = 0, from;

	*dropped = 0;
	if (keep == 0 || j->n <= keep)
		return 0;
	if ((v = malloc(j->n * sizeof(struct slot *))) == NULL)
		return errno = ENOMEM, -1;
	for (size_t i = 0; i < j->cap; i++)
		if (j->t[i].cmd_id[0])
			v[n++] = &j->t[i];
	qsort(v, n, sizeof(struct slot *), by_seq);
	/* the newest `keep`, and older ones whose order's fate is not known yet (a restart checks those) */
	from = n - keep;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i >= from || unsettled(v[i]))
			v[k++] = v[i];
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		free(v);
		return -1;
	}
	/* written whole and on disk before it replaces the journal: until the rename the old file stands */
	if (write_kept(fd, v, k) != 0 || rename(tmp, j->path) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(v);
		return errno = e, -1;
	}
	free(v);
	/* the new file is the journal from here: appends go to it (the old descriptor's file is gone) */
	close(j->fd);
	j->fd = fd;
	int e = sync_dir(j->path) == 0 ? 0 : errno;
	close(j->fd);
	j->fd = open(j->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (j->fd < 0)
		return -1;
	/* the table again, from the file: exactly what the next start will load */
	size_t before = j->n;
	memset(j->t, 0, j->cap * sizeof(*j->t));
	j->n = 0;
	j->seq = 0;
	if (load(j) != 0)
		return -1;
	*dropped = before - j->n;
	return e ? (errno = e, -1) : 0;
}
