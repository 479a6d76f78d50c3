#!/bin/sh
# tools/redis-start.sh DIR: start a daemonized redis-server on a free loopback
# port with its files (pid, log) in DIR; print the port once it is listening.
# The port is not found by bind-close-reuse (someone may take it in between):
# redis-server binds a candidate itself, and on "Address already in use"
# (it exits) the next candidate is tried.  "Listening" is read from its own
# log, so a server that somebody else runs on that port is never mistaken
# for ours.  Stop it with: redis-cli -p PORT shutdown nosave, or kill $(cat DIR/redis.pid).
set -u
dir=${1:?usage: redis-start.sh DIR}
for _ in $(seq 20); do
	# below the kernel's ephemeral range (32768+), where outgoing connections take ports
	port=$(shuf -i 20000-32767 -n 1)
	rm -f "$dir/redis.log" "$dir/redis.pid"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" >/dev/null || continue
	i=0
	while [ $i -lt 200 ]; do
		if grep -qi "ready to accept connections" "$dir/redis.log" 2>/dev/null; then
			echo "$port"
			exit 0
		fi
		grep -q "Address already in use\|aborting" "$dir/redis.log" 2>/dev/null && break
		i=$((i + 1))
		sleep 0.05
	done
	[ $i -lt 200 ] && continue
	echo "redis-start: redis-server did not start" >&2
	cat "$dir/redis.log" >&2
	exit 1
done
echo "redis-start: no free port after 20 tries" >&2
exit 1
