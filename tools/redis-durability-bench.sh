#!/bin/sh
# redis-durability-bench.sh - what appendfsync costs ibpipe, measured on loopback on this disk.
#
# For each setting (memory only; AOF everysec; AOF always) a private redis-server with its AOF in
# a temp directory under ${BENCH_DIR:-/var/tmp} (a real disk, as /var/lib/redis would be), then:
#   - redis-benchmark XADD, one request at a time (-P 1): the latency of one acknowledged
#     order-stream entry, ibpipe's worst case (a lone order status);
#   - redis-benchmark XADD, 32 pipelined (-P 32): a burst, as the publisher batches it;
#   - ibbench publish: ibpipe's own publisher (quotes, coalesced, pipelined), 3 s flat out
#     (the ceiling) and 3 s at 20,000 quote updates/s (a busy IB feed; staleness p99).
# Prints one table.  deploy/README.md ("Durability") quotes its result.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
n=${BENCH_N:-20000}
base=${BENCH_DIR:-/var/tmp}
tmp=$(mktemp -d "$base/ibpipe-durability.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
printf '%-10s %15s %8s %16s %32s %22s\n' setting "XADD -P1 req/s" "p50 ms" "XADD -P32 req/s" \
	"publish flat out cmd/s (p99)" "publish 20k/s p99 us"
for mode in memory everysec always; do
	case $mode in
	memory) aof="--appendonly no" ;;
	*) aof="--appendonly yes --appendfsync $mode" ;;
	esac
	rm -rf "${tmp:?}/$mode" && mkdir "$tmp/$mode"
	# shellcheck disable=SC2086
	redis-server --port "$port" --bind 127.0.0.1 --save '' $aof --dir "$tmp/$mode" \
		--logfile "$tmp/$mode/log" &
	pid=$!
	for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
	one=$(redis-benchmark -p "$port" -n "$n" -c 1 -P 1 --csv XADD bench:s '*' f v 2>/dev/null | tail -n 1)
	burst=$(redis-benchmark -p "$port" -n $((n * 5)) -c 1 -P 32 --csv XADD bench:s '*' f v 2>/dev/null | tail -n 1)
	pub=$(IB_REDIS_PORT="" "$root/bin/ibbench" publish --instruments 1000 --seconds 3 \
		--redis-url "redis://127.0.0.1:$port" 2>&1 | awk '/^publish_/ { print $4 " (p99 " $8 " us)"; exit }')
	paced=$(IB_REDIS_PORT="" "$root/bin/ibbench" publish --instruments 1000 --seconds 3 --rate 20000 \
		--redis-url "redis://127.0.0.1:$port" 2>&1 | awk '/^publish_/ { print $8; exit }')
	# csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
	printf '%-10s %15s %8s %16s %32s %22s\n' "$mode" \
		"$(echo "$one" | cut -d, -f2 | tr -d '"')" "$(echo "$one" | cut -d, -f5 | tr -d '"')" \
		"$(echo "$burst" | cut -d, -f2 | tr -d '"')" "${pub:-?}" "${paced:-?}"
	kill "$pid" && wait "$pid" 2>/dev/null || true
	pid=""
done
