/*
 * cmd_dump.c - `ibpipe dump [--server-version N] [FILE|-]`: decode an
 * inbound byte stream to one JSON object per message per line.
 *
 * Input is sniffed from its first bytes: a raw stream (frames as read from
 * a gateway socket after the handshake: 4-byte big-endian length, payload)
 * or an ibpipe recording (record.h; magic "IBPREC", carries its own server
 * version).  Another input kind is one more case in input_kind() and one
 * more reader beside dump_raw()/dump_recording().
 *
 * Per frame: a message prints as ib_msg_to_json gives it; a frame that
 * does not decode (unknown id, bad field, empty) prints a line with an
 * "error" key -- plus "id", "name", "field" when known -- and dumping goes
 * on.  A broken stream (length above the limit, a frame cut off at the
 * end, a read error) prints an error line and exits 1.  Usage errors exit 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "cli/cmd.h"
#include "codec/msg.h"
#include "record/replay.h"

#define SNIFF_LEN 16          /* enough for every header we recognise */
#define JSON_INITIAL (64 << 10)

enum input_kind {
	INPUT_RAW,
	INPUT_RECORDING,
};

struct dump {
	int sv;
	long long frame; /* index of the next frame, from 0 */
	char *json;
	size_t json_cap;
};

/* ---- output ---- */

/* A JSON string body (json.c): a path or a peer's bytes need not be ASCII or UTF-8. */
static void
put_json_text(const char *s)
{
	ib_json_fputs(stdout, s, strlen(s));
}

static void
put_error(const struct dump *d, const char *text)
{
	printf("{\"frame\":%lld,\"error\":\"", d->frame);
	put_json_text(text);
	fputs("\"}\n", stdout);
}

static void
put_decode_error(const struct dump *d, int rc, const ib_decode_err *de, uint32_t len)
{
	const char *name = ib_msg_name(de->msg_id);

	printf("{\"frame\":%lld,\"id\":%d", d->frame, de->msg_id);
	if (name)
		printf(",\"name\":\"%s\"", name);
	if (rc != IB_EUNKNOWN)
		printf(",\"field\":%d", de->field);
	printf(",\"length\":%u,\"error\":\"", len);
	put_json_text(de->errstr);
	fputs("\"}\n", stdout);
}

static void
dump_frame(struct dump *d, const char *payload, uint32_t len)
{
	ib_msg m;
	ib_decode_err de;
	int rc = ib_msg_decode(payload, len, d->sv, &m, &de);
	int n;

	if (rc != IB_OK) {
		put_decode_error(d, rc, &de, len);
		d->frame++;
		return;
	}
	/* Escapes can grow a string sixfold; grow the buffer rather than drop a big message. */
	while ((n = ib_msg_to_json(&m, d->json, d->json_cap)) < 0 && d->json_cap < 8 * (size_t)len + JSON_INITIAL) {
		char *nb = realloc(d->json, d->json_cap * 2);
		if (nb == NULL)
			break;
		d->json = nb;
		d->json_cap *= 2;
	}
	if (n < 0) {
		put_error(d, "out of memory formatting the message");
	} else {
		fwrite(d->json, 1, (size_t)n, stdout);
		putchar('\n');
	}
	d->frame++;
}

/* ---- inputs ---- */

static enum input_kind
input_kind(const char *head, size_t n)
{
	int sv;

	if (n >= SNIFF_LEN && ib_rec_header_parse(head, n, &sv) == IB_OK)
		return INPUT_RECORDING;
	return INPUT_RAW;
}

/* Raw frames: the bytes already sniffed, then the rest of the file. */
static int
dump_raw(struct dump *d, FILE *in, const char *head, size_t nhead)
{
	ib_framer f;
	ib_frame fr;
	char msg[160];
	int rc, status = 0;

	if (ib_framer_init(&f, (size_t)IB_MAX_FRAME + 4 + (1u << 20), 0) != IB_OK) {
		fprintf(stderr, "ibpipe dump: out of memory\n");
		return 1;
	}
	ib_framer_feed(&f, head, nhead);
	for (;;) {
		while ((rc = ib_framer_next(&f, &fr)) == IB_OK)
			dump_frame(d, fr.p, fr.len);
		if (rc == IB_EEMPTY) { /* consumed: report and go on */
			put_error(d, f.errstr);
			d->frame++;
			continue;
		}
		if (rc != IB_EAGAIN) {
			put_error(d, f.errstr);
			status = 1;
			break;
		}
		size_t avail;
		char *w = ib_framer_wptr(&f, &avail);
		size_t got = fread(w, 1, avail, in);
		if (got > 0) {
			ib_framer_commit(&f, got);
			continue;
		}
		if (ferror(in)) {
			snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
			put_error(d, msg);
			status = 1;
		} else if (ib_framer_pending(&f) > 0) {
			snprintf(msg, sizeof(msg), "stream ends inside a frame (%zu bytes left)", ib_framer_pending(&f));
			put_error(d, msg);
			status = 1;
		}
		break;
	}
	ib_framer_free(&f);
	return status;
}

/* A recording names its server version; --server-version does not apply. */
static int
dump_recording(struct dump *d, const char *path)
{
	ib_rec_reader r;
	int64_t ts;
	const char *p;
	uint32_t len;
	int rc;

	if (ib_rec_open(&r, path) != IB_OK) {
		fprintf(stderr, "ibpipe dump: %s\n", r.errstr);
		return 1;
	}
	d->sv = r.server_version;
	while ((rc = ib_rec_next(&r, &ts, &p, &len)) == IB_OK)
		dump_frame(d, p, len);
	if (rc != IB_ECLOSED)
		put_error(d, r.errstr);
	ib_rec_close(&r);
	return rc == IB_ECLOSED ? 0 : 1;
}

/* ---- command line ---- */

static void
usage(FILE *to)
{
	fprintf(to,
		"usage: ibpipe dump [--server-version N] [FILE|-]\n"
		"\n"
		"Decode inbound IB messages to one JSON object per line on stdout.  FILE (or stdin)\n"
		"is a raw byte stream as read from a gateway after the handshake (4-byte big-endian\n"
		"length, payload), or a recording made by `ibpipe run --record` (a file path only;\n"
		"it carries its own server version).\n"
		"\n"
		"  --server-version N   layouts to decode raw frames at (default %d)\n"
		"  -h, --help           this text\n"
		"\n"
		"A frame that does not decode prints {\"frame\":N,...,\"error\":\"...\"} and dumping goes on;\n"
		"an oversized length or a stream cut off inside a frame prints an error line and exits 1.\n",
		IB_CLIENT_MAX);
}

static int
parse_sv(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* the text decoder stops where the binary protocol starts */
	if (errno || end == s || *end != '\0' || v < 1 || v >= IB_SV_PROTOBUF)
		return -1;
	*out = (int)v;
	return 0;
}

int
ib_cmd_dump(int argc, char **argv)
{
	struct dump d = { .sv = IB_CLIENT_MAX };
	const char *path = NULL;
	char head[SNIFF_LEN];
	size_t nhead;
	FILE *in;
	int status = 1;
	bool opts = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;

		if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			usage(stdout);
			return 0;
		} else if (opts && strcmp(a, "--") == 0) {
			opts = false;
		} else if (opts && strcmp(a, "--server-version") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "ibpipe dump: --server-version needs a value\n");
				return 2;
			}
			val = argv[++i];
		} else if (opts && strncmp(a, "--server-version=", 17) == 0) {
			val = a + 17;
		} else if (opts && a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "ibpipe dump: unknown option %s\n", a);
			usage(stderr);
			return 2;
		} else if (path == NULL) {
			path = a;
		} else {
			fprintf(stderr, "ibpipe dump: one input only (got %s and %s)\n", path, a);
			return 2;
		}
		if (val && parse_sv(val, &d.sv) != 0) {
			fprintf(stderr, "ibpipe dump: --server-version %s: want 1..%d\n", val, IB_SV_PROTOBUF - 1);
			return 2;
		}
	}
	if (path == NULL || strcmp(path, "-") == 0) {
		path = NULL;
		in = stdin;
	} else if ((in = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "ibpipe dump: %s: %s\n", path, strerror(errno));
		return 1;
	}

	d.json_cap = JSON_INITIAL;
	if ((d.json = malloc(d.json_cap)) == NULL) {
		fprintf(stderr, "ibpipe dump: out of memory\n");
		status = 1;
	} else {
		nhead = fread(head, 1, sizeof(head), in);
		switch (input_kind(head, nhead)) {
		case INPUT_RECORDING:
			if (path == NULL) {
				fprintf(stderr, "ibpipe dump: a recording on stdin: give its path instead\n");
				status = 1;
				break;
			}
			status = dump_recording(&d, path);
			break;
		case INPUT_RAW:
			status = dump_raw(&d, in, head, nhead);
			break;
		}
	}
	if (in != stdin)
		fclose(in);
	free(d.json);
	if (fflush(stdout) != 0 && status == 0)
		status = 1;
	return status;
}
