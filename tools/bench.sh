#!/usr/bin/env bash
# make bench: every benchmark, bounded (about 7 minutes on 2 cores), into
# bench/results/<date>-<sha>.json, then a table and PNG charts (gnuplot-nox).
#   BENCH_QUICK=1 make bench   -> short runs (CI smoke)
set -u
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short HEAD 2>/dev/null || echo nosha)
mkdir -p "$(dirname "${BENCH_OUT:-bench/results/x}")"
out=${BENCH_OUT:-bench/results/$(date -u +%Y%m%d)-$sha.json} # BENCH_OUT: elsewhere (make test-stress)
lines=$(mktemp)
q=${BENCH_QUICK:+--quick}
export IB_BIN=${IB_BIN:-bin}
BUILD=${BUILD:-build/release}

run() { echo "== ibbench $*"; bin/ibbench "$@" $q --json "$lines" || echo "   (failed: $*)"; }
# run3: the same end-to-end run three times, and each figure's median (its three values are kept in
# the results as "runs").  On this 2-vCPU VM one run's wall-clock figures move by 2-4x between
# consecutive runs of the same binary (docs/performance.md); issue 20's side-by-side with IB's client
# took medians of 3 runs too.
run3() {
	local t k
	t=$(mktemp -d)
	for k in 1 2 3; do
		echo "== ibbench $* (run $k of 3)"
		bin/ibbench "$@" $q --json "$t/$k" || echo "   (failed: $*)"
	done
	python3 tools/bench_json.py median "$lines" "$t"/*
	rm -rf "$t"
}

run decode
run ring
for s in 1 2 4; do run3 e2e --strategies "$s" --instruments 10; done
for i in 1000 10000; do run3 e2e --strategies 1 --instruments "$i"; done
# flat out, every frame to the strategy (md_lossless): issue 20's lossless figure (>= 9 M frames/s)
run3 e2e --strategies 1 --instruments 10 --msgs 5000000 --lossless
# ... and with every pipeline thread on CPU 1, ibsim on CPU 0 (--pin: no cross-CPU wake-ups, see
# docs/performance.md)
run3 e2e --strategies 1 --instruments 10 --msgs 5000000 --lossless --pin 1
# what one sleep and wake-up costs on this machine, with no pipeline: the floor of CPU per message
# at paced rates (issue 20)
run floor
run floor --rate 100000 --msgs 300000
# paced, per wait strategy (block: the default, names without a suffix; the table after the run puts
# them beside issue 20's targets)
for w in block spin hybrid; do
	for r in 10000 100000 1000000; do run3 e2e --strategies 1 --instruments 10 --rate "$r" --msgs $((r * 3)) --wait "$w"; done
done
# ... and lossless (md_lossless, names *_lossless): every frame reaches the strategy and is measured,
# none merged, so the percentiles cannot look better by dropping the slow ones (issue 20)
for r in 10000 100000 1000000; do run3 e2e --strategies 1 --instruments 10 --rate "$r" --msgs $((r * 3)) --wait block --lossless; done
# ... and pinned (block/pinned): the pipeline's threads share CPU 1, ibsim has CPU 0
for r in 10000 100000 1000000; do
	run3 e2e --strategies 1 --instruments 10 --rate "$r" --msgs $((r * 3)) --wait block --pin 1
	run3 e2e --strategies 1 --instruments 10 --rate "$r" --msgs $((r * 3)) --wait block --pin 1 --lossless
done
# depth + tick-by-tick: book maintenance, flat out and paced (rate = book operations/s)
run3 e2e --depth 10 --instruments 4
run3 e2e --depth 10 --instruments 4 --rate 100000 --msgs 300000
run publish
# the default configuration with nothing to do: <= 1 % of a core (issue 20)
echo "== idle"
tools/idle-bench.sh "$lines" || echo "   (failed: idle-bench)"
# The bench strategy as a plugin (the SDK: dlopen, calls into the executable) against the same
# file built in (issue 16: plugin/built-in throughput >= 0.95), two ways:
#   - wall clock, in one ibbench process: 5 pairs of blasts alternating in ABBA order, the
#     median of each side and their ratio (a noisy machine moves single runs by +-20 %);
#   - instructions under callgrind (tools/callgrind-e2e.sh), which load does not change.
run e2e --compare-plugin "$BUILD/bench-plugin.so" --strategies 1 --instruments 10
if command -v valgrind >/dev/null; then
	echo "== callgrind: plugin vs built-in bench strategy, instructions"
	CG_PLUGIN="$BUILD/bench-plugin.so" tools/callgrind-e2e.sh "$lines" || echo "   (failed: callgrind-e2e)"
else
	echo "(valgrind not installed: apt-get install valgrind for the instruction counts)"
fi
[ -x bench/peers/run.sh ] && bench/peers/run.sh "$lines"

python3 tools/bench_json.py assemble "$lines" "$out"
rm -f "$lines"
python3 tools/bench_json.py table "$out"
if command -v gnuplot >/dev/null; then
	bench/plot.sh "$out" && echo "charts: bench/results/*.png"
else
	echo "(gnuplot not installed: apt-get install gnuplot-nox for charts)"
fi
echo "results: $out"
