#!/usr/bin/env bash
# make test-stress: `make test` STRESS_RUNS times in a row (default 20) while
# `make bench` runs in a loop beside it to load the machine.  Counts the runs
# that failed and the files each run left in its temp directory; both must
# be 0.  Tests and benchmarks get private temp directories (TMPDIR), so what
# other users of /tmp do is not counted, and nothing of ours can hide there.
# Logs: build/stress/ (run-N.log of every failed run is kept).
set -u
cd "$(dirname "$0")/.."
runs=${STRESS_RUNS:-20}
out=build/stress
rm -rf "$out" && mkdir -p "$out"
base=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-stress-XXXXXX")
mkdir -p "$base/test" "$base/bench"
make -j2 all bin/test_ibpipe >/dev/null || exit 1

# the load: full benchmarks, over and over, until the runs are done (the one
# running then finishes, so what it leaves behind is counted too)
(
	i=0
	while [ ! -e "$base/stop" ]; do
		i=$((i + 1))
		TMPDIR=$base/bench BENCH_OUT=$base/bench-results/bench.json tools/bench.sh >"$out/bench-$i.log" 2>&1
		echo "bench $i: exit $?" >>"$out/bench.log"
	done
) &
load=$!
trap '[ -d "$base" ] && touch "$base/stop"' EXIT

failed=0 left_total=0 kept_total=0 start=$(date +%s)
for n in $(seq "$runs"); do
	t0=$(date +%s)
	TMPDIR=$base/test make test >"$out/run-$n.log" 2>&1
	rc=$?
	left=$(find "$base/test" -mindepth 1 | wc -l)
	if [ $rc -ne 0 ]; then
		# a failed test keeps its directories on purpose (their paths are in the log)
		kept_total=$((kept_total + left))
		failed=$((failed + 1))
		echo "run $n: FAILED (exit $rc) in $(($(date +%s) - t0)) s, $left files left; log $out/run-$n.log"
		grep -E "\.\.\.FAILED|^    [0-9]+\. " "$out/run-$n.log" | head -20
	else
		left_total=$((left_total + left))
		echo "run $n: ok in $(($(date +%s) - t0)) s, $left files left"
		rm -f "$out/run-$n.log"
	fi
	# what a failed run keeps is counted above, then moved aside so the next run starts empty
	[ "$left" -gt 0 ] && mkdir -p "$out/left-$n" && mv "$base/test"/* "$out/left-$n/"
done
touch "$base/stop"
echo "waiting for the running make bench to finish"
wait "$load"
benches=$(grep -c . "$out/bench.log" 2>/dev/null || echo 0)
bench_left=$(find "$base/bench" -mindepth 1 | wc -l)
find "$base/bench" -mindepth 1 | head
echo "stress: $runs x make test in $(($(date +%s) - start)) s beside $benches finished make bench runs:" \
	"$failed failed, $left_total files left by passed runs, $kept_total kept for failed tests (TMPDIR $base/test)," \
	"$bench_left left by the benchmarks (TMPDIR $base/bench)"
rm -rf "$base"
[ $failed -eq 0 ] && [ $left_total -eq 0 ] && [ $bench_left -eq 0 ]
