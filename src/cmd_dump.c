/*
 * cmd_dump.c - `ibpipe dump [FILE|-]`: a raw inbound byte stream (frames as
 * read from a gateway socket after the handshake) or an ibpipe recording,
 * decoded to one JSON object per line.  A frame that does not decode
 * prints a line with an "error" key and decoding goes on; a broken stream
 * (oversized length, truncated at the end) prints an error line and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/cmd.h"
#include "ibpipe/msg.h"
#include "ibpipe/replay.h"

static void
print_frame(const char *payload, uint32_t len, int sv, long long index, long long *bad)
{
	static char json[65536];
	ib_msg m;
	ib_decode_err de;
	int rc = ib_msg_decode(payload, len, sv, &m, &de);

	if (rc == IB_OK && ib_msg_to_json(&m, json, sizeof(json)) >= 0) {
		puts(json);
		return;
	}
	(*bad)++;
	if (rc == IB_EUNKNOWN)
		printf("{\"frame\":%lld,\"id\":%d,\"error\":\"unknown message id\",\"length\":%u}\n", index, de.msg_id, len);
	else
		printf("{\"frame\":%lld,\"id\":%d,\"field\":%d,\"error\":\"%s\"}\n", index, de.msg_id, de.field,
		       rc == IB_OK ? "message too large for JSON" : ib_strerror(rc));
}

static int
dump_recording(const char *path, long long *bad)
{
	ib_rec_reader r;
	int64_t ts;
	const char *p;
	uint32_t len;
	int rc;
	long long i = 0;

	if (ib_rec_open(&r, path) != IB_OK) {
		fprintf(stderr, "ibpipe dump: %s\n", r.errstr);
		return 1;
	}
	while ((rc = ib_rec_next(&r, &ts, &p, &len)) == IB_OK)
		print_frame(p, len, r.server_version, i++, bad);
	if (rc != IB_ECLOSED)
		printf("{\"frame\":%lld,\"error\":\"%s\"}\n", i, r.errstr);
	ib_rec_close(&r);
	return rc == IB_ECLOSED ? 0 : 1;
}

int
ib_cmd_dump(int argc, char **argv)
{
	const char *path = "-";
	int sv = IB_CLIENT_MAX;
	long long bad = 0, index = 0;
	ib_framer f;
	ib_frame fr;
	FILE *in;
	int rc, status = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: ibpipe dump [--server-version N] [FILE|-]\n\n"
			       "Decodes a raw inbound IB byte stream (4-byte length + fields, as read after the\n"
			       "handshake) or an `ibpipe run --record` file into one JSON object per message.\n"
			       "Default server version %d (recordings carry their own).\n",
			       IB_CLIENT_MAX);
			return 0;
		} else if (strcmp(argv[i], "--server-version") == 0 && i + 1 < argc) {
			sv = atoi(argv[++i]);
		} else {
			path = argv[i];
		}
	}
	in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (in == NULL) {
		perror(path);
		return 1;
	}
	/* A recording starts with its magic; anything else is a raw stream. */
	char head[16];
	size_t nhead = fread(head, 1, sizeof(head), in);
	int rec_sv;
	if (in != stdin && nhead == sizeof(head) && ib_rec_header_parse(head, nhead, &rec_sv) == IB_OK) {
		fclose(in);
		return dump_recording(path, &bad);
	}
	if (ib_framer_init(&f, (size_t)IB_MAX_FRAME + 4 + (1u << 20), 0) != IB_OK) {
		fprintf(stderr, "ibpipe dump: out of memory\n");
		return 1;
	}
	ib_framer_feed(&f, head, nhead);
	for (;;) {
		while ((rc = ib_framer_next(&f, &fr)) == IB_OK)
			print_frame(fr.p, fr.len, sv, index++, &bad);
		if (rc == IB_EEMPTY) {
			printf("{\"frame\":%lld,\"error\":\"empty frame\"}\n", index++);
			bad++;
			continue;
		}
		if (rc != IB_EAGAIN) {
			printf("{\"frame\":%lld,\"error\":\"%s\"}\n", index, f.errstr);
			status = 1;
			break;
		}
		size_t avail;
		char *w = ib_framer_wptr(&f, &avail);
		size_t n = fread(w, 1, avail, in);
		if (n == 0) {
			if (ib_framer_pending(&f) > 0) {
				printf("{\"frame\":%lld,\"error\":\"stream ends inside a frame (%zu bytes left)\"}\n", index,
				       ib_framer_pending(&f));
				status = 1;
			}
			break;
		}
		ib_framer_commit(&f, n);
	}
	ib_framer_free(&f);
	if (in != stdin)
		fclose(in);
	fflush(stdout);
	return status;
}
