#!/bin/sh
# Run a command with a private redis-server on a free loopback port, unless
# IB_REDIS_PORT already names a live one.  Exports IB_REDIS_PORT to the command.
set -u
if [ -n "${IB_REDIS_PORT:-}" ] && redis-cli -p "$IB_REDIS_PORT" ping >/dev/null 2>&1; then
	exec "$@"
fi
dir=$(mktemp -d)
port=$("$(dirname "$0")/redis-start.sh" "$dir") || { rm -rf "$dir"; exit 1; }
IB_REDIS_PORT=$port "$@"
rc=$?
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" 2>/dev/null
rm -rf "$dir"
exit $rc
