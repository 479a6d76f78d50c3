#!/usr/bin/env bash
# Charts from one results file (bench/results/*.json) with gnuplot: throughput vs
# strategies, latency percentiles vs offered rate, ibpipe vs the peer.  PNGs next to the JSON.
set -eu
json=$1
base=${json%.json}
ex() { python3 "$(dirname "$0")/../tools/bench_json.py" extract "$json" "$1" "$2"; }
tmp=$(mktemp -d)
ex e2e_s msgs_per_s | grep '_i10_r0 ' | sed -E 's/e2e_s([0-9]+)_i10_r0/\1/' | sort -n > "$tmp/strat"
ex e2e_s1_i msgs_per_s | grep '_r0 ' | sed -E 's/e2e_s1_i([0-9]+)_r0/\1/' | sort -n > "$tmp/inst"
for q in p50 p99 p999; do ex e2e_s1_i10_r latency_${q}_us | grep -v '_r0 ' | sed -E 's/e2e_s1_i10_r([0-9]+)/\1/' | sort -n > "$tmp/$q"; done
{ ex e2e_s1_i10_r0 msgs_per_s | sed 's/^[^ ]* /ibpipe /'; ex peer_stoqey_ib ticks_per_s | sed 's/^[^ ]* /@stoqey\/ib /'; } > "$tmp/peer"
gnuplot <<GP
set terminal pngcairo size 800,480 noenhanced
set grid
set output "${base}-strategies.png"
set title "End-to-end msgs/s vs strategy threads (10 instruments, loopback, 2 cores)"
set xlabel "strategies"; set ylabel "msgs/s"; set yrange [0:*]
plot "$tmp/strat" using 1:2 with linespoints lw 2 title "ibpipe"
set output "${base}-instruments.png"
set title "End-to-end msgs/s vs instruments (1 strategy)"
set xlabel "instruments"; set logscale x
plot "$tmp/inst" using 1:2 with linespoints lw 2 title "ibpipe"
unset logscale x
set output "${base}-latency.png"
set title "send -> strategy latency vs offered rate"
set xlabel "offered msgs/s"; set ylabel "microseconds"; set logscale xy; set yrange [*:*]
plot "$tmp/p50" using 1:2 with linespoints lw 2 title "p50", "$tmp/p99" using 1:2 with linespoints lw 2 title "p99", "$tmp/p999" using 1:2 with linespoints lw 2 title "p99.9"
unset logscale
set output "${base}-peer.png"
set title "Ticks/s on the same ibsim stream"
set style fill solid 0.6; set boxwidth 0.5; set ylabel "ticks/s"; set yrange [0:*]; unset xlabel
plot "$tmp/peer" using 0:2:xtic(1) with boxes notitle
GP
rm -rf "$tmp"
