#!/bin/sh
# idle-bench.sh - what ibpipe costs when nothing happens (issue 20: the default configuration idles at
# <= 1 % of a core).  make bench runs it.
#
#   tools/idle-bench.sh [LINES]     (IDLE_SECONDS, default 20)
#
# The default configuration -- Redis on (a private redis-server on a unix socket), one strategy
# thread, block waits -- against ibsim with no market data (--tick-rate 0): once P:sync is ready,
# the CPU time of the ibpipe process (every thread, /proc/PID/stat utime + stime) over
# IDLE_SECONDS, as a percentage of one core.  With LINES, the figure is appended to it as the JSON
# line `ibbench --json` writes (bench "idle"), for tools/bench_json.py.  Needs bin/ibpipe,
# bin/ibsim, redis-server and redis-cli.
set -eu
cd "$(dirname "$0")/.."
lines=${1:-}
secs=${IDLE_SECONDS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-idle.XXXXXX")
rpid="" spid="" ipid=""
cleanup() {
	for pid in $ipid $spid $rpid; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no >"$work/redis.log" 2>&1 &
rpid=$!
bin/ibsim --port 0 --port-file "$work/port" --tick-rate 0 >"$work/ibsim.log" 2>&1 &
spid=$!
i=0
until [ -s "$work/port" ] && redis-cli -s "$work/redis.sock" PING >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "idle-bench: ibsim or redis-server did not start" >&2; exit 1; }
	sleep 0.05
done
bin/ibpipe run --port "$(cat "$work/port")" --redis-url "unix:$work/redis.sock" --state-dir "$work" \
	--symbols AAPL,MSFT --log-level warn >"$work/ibpipe.log" 2>&1 &
ipid=$!
i=0
until [ "$(redis-cli -s "$work/redis.sock" GET ibpipe:sync 2>/dev/null)" = ready ]; do
	i=$((i + 1))
	[ $i -lt 400 ] || { echo "idle-bench: ibpipe never became ready" >&2; cat "$work/ibpipe.log" >&2; exit 1; }
	sleep 0.05
done
cpu() { awk '{ print $14 + $15 }' "/proc/$ipid/stat"; }
hz=$(getconf CLK_TCK)
a=$(cpu)
sleep "$secs"
b=$(cpu)
pct=$(awk -v d=$((b - a)) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.3f", 100 * d / hz / s }')
echo "idle: ibpipe (default configuration, Redis on, no market data) used $((b - a)) ticks of 1/$hz s in $secs s: $pct % of a core (target <= 1 %)"
[ -n "$lines" ] && printf '{"bench":"idle","name":"idle_default","unit":"pct_of_core","value":%s}\n' "$pct" >>"$lines"
exit 0
