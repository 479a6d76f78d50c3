#!/usr/bin/env bash
# Run the @stoqey/ib interop check against bin/ibsim. Builds nothing.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ibsim="${IBSIM:-$root/bin/ibsim}"   # IBSIM=bin/asan/ibsim for the sanitizer build

if [ ! -x "$ibsim" ]; then
  echo "run.sh: $ibsim not found; run 'make' in $root first" >&2
  exit 2
fi

if [ ! -d "$here/node_modules" ]; then
  (cd "$here" && npm ci --silent) || { echo "run.sh: npm ci failed" >&2; exit 2; }
fi

tmp="$(mktemp -d)"
portfile="$tmp/port"
simpid=""
cleanup() {
  if [ -n "$simpid" ] && kill -0 "$simpid" 2>/dev/null; then
    kill -TERM "$simpid" 2>/dev/null
    wait "$simpid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$ibsim" --port 0 --port-file "$portfile" --rtbar-ms 200 >"$tmp/ibsim.out" 2>&1 &
simpid=$!

for _ in $(seq 1 100); do
  [ -s "$portfile" ] && break
  if ! kill -0 "$simpid" 2>/dev/null; then
    echo "run.sh: ibsim exited early:" >&2; cat "$tmp/ibsim.out" >&2; exit 2
  fi
  sleep 0.05
done
if [ ! -s "$portfile" ]; then
  echo "run.sh: ibsim did not write its port file" >&2; cat "$tmp/ibsim.out" >&2; exit 2
fi
port="$(tr -d '[:space:]' <"$portfile")"

node "$here/stoqey.mjs" 127.0.0.1 "$port"
status=$?

if [ "$status" -ne 0 ]; then
  echo "run.sh: ibsim output:" >&2; cat "$tmp/ibsim.out" >&2
fi
exit "$status"
