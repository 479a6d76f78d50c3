#!/usr/bin/env bash
# make soak: ibsim at a high tick rate plus an order book with tick-by-tick,
# ibpipe publishing to a private redis-server, a connection drop every 20 s
# (alternately a clean close and a cut inside a frame) and a Redis restart
# every 45 s, for SOAK_SECONDS (default 600).  Reports RSS every minute and
# open fds, reconnects with every time back to ready, and the counters; fails
# if memory or fds grew, if account or order data was dropped, if the
# market-data counters do not balance, or if ibpipe did not come back.
set -u
cd "$(dirname "$0")/.."
secs=${SOAK_SECONDS:-600}
bin=${IB_BIN:-bin}
work=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-soak.XXXXXX")
# no port is found free and reused: redis-server binds its first port itself (tools/redis-start.sh;
# restarts reuse that port, which it held until then) and ibsim its own (--port 0 --port-file)
start_redis() { redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
	--pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work" >/dev/null;
	for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done; }
cleanup() {
	kill -TERM "${ibpipe:-}" "${sim:-}" 2>/dev/null; wait 2>/dev/null
	redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
rport=$(tools/redis-start.sh "$work") || exit 1
"$bin"/ibsim --port 0 --port-file "$work/ibsim.port" --control-port 0 --tick-rate 20000 --depth-rate 5000 \
	--symbols AAPL,MSFT,NVDA,TSLA,AMZN,GOOGL,META,AMD,INTC,NFLX >"$work/ibsim.log" 2>&1 &
sim=$!
for _ in $(seq 200); do [ -s "$work/ibsim.port" ] || ! kill -0 "$sim" 2>/dev/null && break; sleep 0.05; done
port=$(cat "$work/ibsim.port") || { echo "soak: ibsim did not start" >&2; cat "$work/ibsim.log" >&2; exit 1; }
ctl=$(sed -n 's/^ibsim: control on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/ibsim.log")
IB_TRADER_SCRIPT="BUY AAPL 10 MKT; WAIT 5000; SELL AAPL 10 MKT" \
"$bin"/ibpipe run --port "$port" --redis-url "redis://127.0.0.1:$rport" --state-dir "$work" \
	--symbols AAPL,MSFT,NVDA,TSLA,AMZN,GOOGL,META,AMD,INTC,NFLX --strategy trader \
	--depth AAPL:10,MSFT:5 --tbt AAPL:BidAsk,AAPL:AllLast \
	--reconnect-min-ms 200 --reconnect-max-ms 2000 >"$work/ibpipe.log" 2>&1 &
ibpipe=$!
ready() { [ "$(redis-cli -p "$rport" get ibpipe:sync 2>/dev/null)" = ready ]; }
wait_ready() { local t0=$(date +%s%N); for _ in $(seq 300); do ready && break; sleep 0.05; done; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
# ms from now until P:sync left "ready" and came back (polled every 10 ms)
back_to_ready() { local t0=$(date +%s%N)
	for _ in $(seq 200); do ready || break; sleep 0.01; done
	for _ in $(seq 1500); do ready && break; sleep 0.01; done
	echo $(( ($(date +%s%N) - t0) / 1000000 )); }
rss() { awk '/VmRSS/ {print $2}' /proc/"$ibpipe"/status; }
fds() { ls /proc/"$ibpipe"/fd | wc -l; }
wait_ready >/dev/null
sleep 5
rss0=$(rss); fds0=$(fds)
echo "soak: ${secs}s; start rss ${rss0} kB, fds ${fds0}"
t0=$(date +%s); drops=0; restarts=0; worst=0; fail=0; times=""; rsslog="$rss0"
next_drop=20; next_restart=45; next_rss=60   # due times, so a slow iteration never skips one
while [ $(( $(date +%s) - t0 )) -lt "$secs" ]; do
	sleep 1
	el=$(( $(date +%s) - t0 ))
	if [ "$el" -ge "$next_drop" ]; then
		next_drop=$((next_drop + 20))
		how=drop; [ $((drops % 2)) -eq 1 ] && how=drop-mid
		echo $how | (exec 3<>/dev/tcp/127.0.0.1/"$ctl"; cat >&3; head -1 <&3) >/dev/null 2>&1
		drops=$((drops + 1))
		ms=$(back_to_ready); [ "$ms" -gt "$worst" ] && worst=$ms
		times="$times $ms"
		ready || { echo "soak: not ready 15 s after drop $drops"; fail=1; }
	fi
	if [ "$el" -ge "$next_restart" ]; then
		next_restart=$((next_restart + 45))
		redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1; sleep 1; start_redis; restarts=$((restarts + 1))
		for _ in $(seq 60); do [ -n "$(redis-cli -p "$rport" hget ibpipe:health msgs_in)" ] && break; sleep 0.05; done
	fi
	if [ "$el" -ge "$next_rss" ]; then next_rss=$((next_rss + 60)); rsslog="$rsslog $(rss)"; fi
	kill -0 "$ibpipe" 2>/dev/null || { echo "soak: ibpipe died"; fail=1; break; }
done
sleep 2
rss1=$(rss); fds1=$(fds)
health=$(redis-cli -p "$rport" hgetall ibpipe:health | paste -sd' ')
echo "soak: end rss ${rss1} kB, fds ${fds1}; ${drops} drops (worst time back to ready ${worst} ms), ${restarts} Redis restarts"
echo "soak: rss per minute (kB):${rsslog:+ }$rsslog"
echo "soak: drop -> ready (ms, drop / drop-mid alternating):$times"
echo "soak: health: $health"
dropped=$(redis-cli -p "$rport" hget ibpipe:health dropped)
[ "${dropped:-x}" = 0 ] || { echo "soak: account/order data dropped: $dropped"; fail=1; }
# memory: allow 8 MiB of noise (allocator, page cache of the log); fds must not grow
[ "$rss1" -le $((rss0 + 8192)) ] || { echo "soak: RSS grew from $rss0 to $rss1 kB"; fail=1; }
[ "$fds1" -le "$fds0" ] || { echo "soak: fds grew from $fds0 to $fds1"; fail=1; }
kill -TERM "$ibpipe"; wait "$ibpipe"; rc=$?
[ $rc -eq 0 ] || { echo "soak: ibpipe exit status $rc"; fail=1; }
stopped=$(grep -E "stopped:" "$work/ibpipe.log" | tail -1)
echo "$stopped"
n() { echo "$stopped" | grep -oE "$1 [0-9]+" | awk '{print $2}'; }
[ -n "$(n md_in)" ] && [ "$(n md_in)" -eq $(( $(n md_processed) + $(n md_coalesced_net) )) ] ||
	{ echo "soak: market-data counters do not balance"; fail=1; }
[ "$(n book_errors)" = 0 ] || { echo "soak: book errors: $(n book_errors)"; fail=1; }
[ $fail -eq 0 ] && echo "soak: PASS" || { echo "soak: FAIL"; tail -20 "$work/ibpipe.log"; }
exit $fail
