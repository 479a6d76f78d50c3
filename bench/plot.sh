#!/usr/bin/env bash
# Charts from one results file (bench/results/*.json) with gnuplot, PNGs next to the JSON:
#   X.json -> X-strategies.png   end-to-end msgs/s vs strategy threads
#             X-instruments.png  end-to-end msgs/s vs instruments
#             X-latency.png      send -> strategy p50/p99/p99.9 vs offered rate (wait = block)
#             X-peer.png         ibpipe vs the peer on the same blast
#             X-latency-10k.png, X-latency-100k.png, X-latency-1M.png
#                                issue 20: read -> strategy p50/p99/p99.9 per wait mode (block,
#                                spin, hybrid, block/lossless, block/pinned[/lossless]) at that
#                                paced rate, targets drawn
#             X-cpu.png          issue 20: CPU per message per wait mode and paced rate, targets marked
# A chart whose runs are not in the file is not drawn; a figure a run lacks is left out (a quick
# run may not have them all).
set -eu
json=$1
base=${json%.json}
tools="$(dirname "$0")/../tools"
ex() { python3 "$tools/bench_json.py" extract "$json" "$1" "$2"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
# draw FILE...: the gnuplot script on stdin, if every FILE has data; a chart that fails is reported
# and the others are still drawn (the exit status says one failed)
draw() {
	local f
	for f in "$@"; do
		if [ ! -s "$f" ]; then
			cat >/dev/null
			return 0
		fi
	done
	gnuplot || { echo "plot.sh: a chart from $* failed" >&2; failed=1; }
}
# the columns of a data file (its header's words: the labels have no spaces)
cols() { [ -s "$1" ] && head -1 "$1" | wc -w || echo 0; }
head_() {
	cat <<GP
set terminal pngcairo size 800,520 noenhanced
set grid
GP
}

ex e2e_s msgs_per_s | grep -E '^e2e_s[0-9]+_i10_r0 ' | sed -E 's/e2e_s([0-9]+)_i10_r0/\1/' | sort -n > "$tmp/strat" || true
ex e2e_s1_i msgs_per_s | grep -E '^e2e_s1_i[0-9]+_r0 ' | sed -E 's/e2e_s1_i([0-9]+)_r0/\1/' | sort -n > "$tmp/inst" || true
# paced, wait = block (the names without a suffix)
for q in p50 p99 p999; do
	ex e2e_s1_i10_r latency_${q}_us | grep -E '^e2e_s1_i10_r[1-9][0-9]* ' | sed -E 's/e2e_s1_i10_r([0-9]+)/\1/' | sort -n > "$tmp/$q" || true
done
{ ex e2e_s1_i10_r0 msgs_per_s | sed 's/^[^ ]* /ibpipe /'; ex peer_stoqey_ib ticks_per_s | sed 's/^[^ ]* /@stoqey\/ib /'; } > "$tmp/peer"

{ head_; cat <<GP; } | draw "$tmp/strat"
set output "${base}-strategies.png"
set title "End-to-end msgs/s vs strategy threads (10 instruments, loopback, 2 cores)"
set xlabel "strategies"; set ylabel "msgs/s"; set yrange [0:*]
plot "$tmp/strat" using 1:2 with linespoints lw 2 title "ibpipe"
GP
{ head_; cat <<GP; } | draw "$tmp/inst"
set output "${base}-instruments.png"
set title "End-to-end msgs/s vs instruments (1 strategy)"
set xlabel "instruments"; set ylabel "msgs/s"; set yrange [0:*]; set logscale x
plot "$tmp/inst" using 1:2 with linespoints lw 2 title "ibpipe"
GP
{ head_; cat <<GP; } | draw "$tmp/p50" "$tmp/p99" "$tmp/p999"
set output "${base}-latency.png"
set title "send -> strategy latency vs offered rate"
set xlabel "offered msgs/s"; set ylabel "microseconds"; set logscale xy
plot "$tmp/p50" using 1:2 with linespoints lw 2 title "p50", "$tmp/p99" using 1:2 with linespoints lw 2 title "p99", "$tmp/p999" using 1:2 with linespoints lw 2 title "p99.9"
GP
{ head_; cat <<GP; } | draw "$tmp/peer"
set output "${base}-peer.png"
set title "Ticks/s on the same ibsim stream"
set style fill solid 0.6; set boxwidth 0.5; set ylabel "ticks/s"; set yrange [0:*]
plot "$tmp/peer" using 0:2:xtic(1) with boxes notitle
GP

# Issue 20: one latency-percentile chart per paced rate and one CPU-per-message chart, per wait
# mode (tools/bench_json.py plotdata writes the data: lat-<rate>, cpu, cpu-targets)
python3 "$tools/bench_json.py" plotdata "$json" "$tmp"
for r in 10000 100000 1000000; do
	case $r in
	10000) label=10k p99=50 p99t="p99 <= 50 us" ;;
	100000) label=100k p99=50 p99t="p99 <= 50 us" ;;
	*) label=1M p99=1000 p99t="p99 < 1 ms" ;;
	esac
	{ head_; cat <<GP; } | draw "$tmp/lat-$r"
set output "${base}-latency-${label}.png"
set title "socket read -> strategy at ${label} msgs/s paced, per wait mode (1 strategy, 10 instruments)"
set ylabel "microseconds (log)"; set logscale y; set yrange [1:*]; set key below; set grid noxtics
set xtics rotate by -20
set style data histograms; set style histogram clustered gap 1; set style fill solid 0.7 border -1
plot for [c=2:$(cols "$tmp/lat-$r")] "$tmp/lat-$r" using c:xtic(1) title columnheader(c), \
     10 with lines dt 2 lw 2 lc rgb "dark-green" title "target p50 <= 10 us", \
     $p99 with lines dt 2 lw 2 lc rgb "red" title "target $p99t"
GP
done
targets=""
if [ -s "$tmp/cpu-targets" ]; then
	targets=", \"$tmp/cpu-targets\" using (\$1-0.45):2:(0.9):(0) with vectors nohead dt 2 lw 3 lc rgb \"red\" title \"target (issue 20)\""
	targets="$targets, \"\" using 1:2:(sprintf(\"<= %g us\", \$2)) with labels offset 0,0.8 tc rgb \"red\" notitle"
fi
{ head_; cat <<GP; } | draw "$tmp/cpu"
set output "${base}-cpu.png"
set title "CPU per message (all ibpipe threads) per wait mode, paced (1 strategy, 10 instruments)"
set ylabel "microseconds of CPU per message (log)"; set logscale y; set yrange [0.1:*]; set key below
set grid noxtics
set style data histograms; set style histogram clustered gap 1; set style fill solid 0.7 border -1
plot for [c=2:$(cols "$tmp/cpu")] "$tmp/cpu" using c:xtic(1) title columnheader(c)$targets
GP
exit $failed
