#!/usr/bin/env bash
# The peer benchmark: the same ibsim blast (N tickPrice messages over 10 symbols)
# consumed by @stoqey/ib and by ibpipe; appends both rates and their ratio to $1 (JSON lines).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-/dev/stdout}
n=${PEER_TICKS:-1000000}
[ -n "${IBBENCH_QUICK:-}${BENCH_QUICK:-}" ] && n=200000
command -v node >/dev/null || { echo "peer: node not installed, skipped"; exit 0; }
[ -d "$here/node_modules" ] || (cd "$here" && npm ci --silent >/dev/null 2>&1) || { echo "peer: npm ci failed, skipped"; exit 0; }
syms=AAPL,MSFT,NVDA,TSLA,AMZN,GOOGL,META,AMD,INTC,NFLX
# ibsim binds a port itself and writes it down: no window for another process to take it
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${IB_BIN:-$root/bin}/ibsim" --port 0 --port-file "$tmp/port" --symbols "$syms" --blast "$n" >/dev/null 2>&1 &
sim=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] || ! kill -0 "$sim" 2>/dev/null && break; sleep 0.05; done
port=$(cat "$tmp/port" 2>/dev/null) || { echo "peer: ibsim did not start, skipped"; exit 0; }
peer=$(cd "$here" && node stoqey_ticks.mjs "$port" "$n" "$syms")
kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null
rate=$(printf '%s' "$peer" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("ticks_per_s",0))')
echo "peer: @stoqey/ib $rate ticks/s"
echo "{\"bench\":\"peer\",\"name\":\"peer_stoqey_ib\",\"unit\":\"ticks_per_s\",\"value\":$rate}" >> "$out"
