#!/bin/sh
# Run a command with a private redis-server on a free loopback port, unless
# IB_REDIS_PORT already names a live one.  Exports IB_REDIS_PORT to the command.
set -u
if [ -n "${IB_REDIS_PORT:-}" ] && redis-cli -p "$IB_REDIS_PORT" ping >/dev/null 2>&1; then
	exec "$@"
fi
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 26379)
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
	--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && { echo "with-redis: redis-server did not start" >&2; cat "$dir/redis.log" >&2; exit 1; }
	sleep 0.05
done
IB_REDIS_PORT=$port "$@"
rc=$?
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")" 2>/dev/null
rm -rf "$dir"
exit $rc
