/*
 * cmd_replay.c - `ibpipe replay FILE [--speed 1|10|max]`: feed a recording
 * through the same pipeline (rings, gate, strategies, optional Redis).
 * The recording is served by a loopback gateway (replay.c), so nothing in
 * the pipeline knows it is a replay.  Prints the replay throughput.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "util/str.h"
#include "service/control.h"
#include "record/replay.h"
#include "util/clock.h"

struct replay_run {
	ib_replay_server *srv;
	int64_t t0, t_done;
	uint64_t frames;
};

/* Done when every frame was sent and the network thread has taken in as many. */
static bool
replay_done(ib_pipeline *p, void *arg)
{
	struct replay_run *r = arg;
	int done;
	int64_t first, last;
	uint64_t sent = ib_replay_sent(r->srv, &done, &first, &last);
	const ib_stats *st = ib_pipeline_stats(p);
	uint64_t seen = IB_STAT_GET(st->net.msgs_in) + IB_STAT_GET(st->net.unknown_ids) + IB_STAT_GET(st->net.frames_bad);

	if (!done || seen < sent)
		return false;
	/* from the first frame sent to the last one taken in: approximately, the last one sent, since
	   the network thread keeps up; the poll that notices it is up to 250 ms late */
	r->frames = sent;
	r->t0 = first;
	r->t_done = last;
	return true;
}

int
ib_cmd_replay(int argc, char **argv)
{
	ib_config cfg;
	char err[512], *rest[8];
	int nrest = 0, port = 0;
	double speed = 0;
	struct replay_run run = { 0 };
	char *args[64];
	int nargs = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: ibpipe replay FILE [--speed 1|10|max] [--strategy NAME] [--no-redis] [--key value ...]\n\n"
			       "Feeds a recording made with `ibpipe run --record FILE` through the pipeline, readonly and\n"
			       "lossless (every tick reaches every strategy), then prints frames/s.  --speed 1 keeps the\n"
			       "recorded pace, 10 is ten times faster, max (default) as fast as possible.\n");
			return 0;
		}
		if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			char *end = NULL;

			speed = strcmp(v, "max") == 0 ? 0 : strtod(v, &end); /* 0 is max too, as before */
			if (end != NULL && (end == v || *end != '\0' || !(speed >= 0))) {
				fprintf(stderr, "ibpipe replay: --speed: '%s' is not a number >= 0 or max\n", v);
				return 2;
			}
			continue;
		}
		if (nargs < 63)
			args[nargs++] = argv[i];
	}
	args[nargs] = NULL;
	if (ib_config_from_args(&cfg, nargs, args, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe replay: %s\n", err);
		return 2;
	}
	if (nrest != 1) {
		fprintf(stderr, "ibpipe replay: expected one recording file (see --help)\n");
		return 2;
	}
	run.srv = ib_replay_serve(rest[0], speed, &port, err, sizeof(err));
	if (run.srv == NULL) {
		fprintf(stderr, "ibpipe replay: %s\n", err);
		return 1;
	}
	ib_strlcpy(cfg.host, "127.0.0.1", sizeof(cfg.host));
	cfg.port = port;
	cfg.record[0] = '\0';
	int rc = ib_app_run(&cfg, IB_APP_REPLAY, replay_done, &run);
	char why[160];
	if (ib_replay_error(run.srv, why, sizeof(why)) != 0) {
		/* a replay that stopped at a tear is not a replay of the session: say so, fail */
		fprintf(stderr, "ibpipe replay: %s is truncated or corrupt after %llu whole frames: %s\n", rest[0],
			(unsigned long long)ib_replay_sent(run.srv, NULL, NULL, NULL), why);
		rc = rc ? rc : 1;
	}
	ib_replay_stop(run.srv);
	if (run.t_done > run.t0 && run.frames) {
		double s = ib_ns_to_s(run.t_done - run.t0);
		printf("replay: %llu frames in %.3f s = %.0f msgs/s\n", (unsigned long long)run.frames, s,
		       (double)run.frames / s);
	}
	return rc;
}
