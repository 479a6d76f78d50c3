#!/usr/bin/env bash
# make run: the trader against the embedded simulated gateway (ibsim, with a
# realistic 2 s account-download delay) and a private redis-server, in
# readonly mode with the example strategy.  Stops everything it started after
# RUN_SECONDS (default 30) or Ctrl-C.
#   make run GATEWAY=127.0.0.1:4002 CLIENT_ID=7   -> a real gateway, a real local Redis
set -u
cd "$(dirname "$0")/.."
RUN_SECONDS=${RUN_SECONDS:-30}
SYMBOLS=${SYMBOLS:-AAPL,MSFT,NVDA,TSLA,AMZN,META}
CLIENT_ID=${CLIENT_ID:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-run.XXXXXX")
pids=()

cleanup() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
	[ -n "${REDIS_STARTED:-}" ] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Redis: a real local one when running against a real gateway and one answers, else a private one.
if [ -n "${GATEWAY:-}" ] && redis-cli -p 6379 ping >/dev/null 2>&1; then
	REDIS_PORT=6379
else
	# a port redis-server binds itself (another one tried if it was taken), not one found free earlier
	REDIS_PORT=$(tools/redis-start.sh "$work") || exit 1
	REDIS_STARTED=1
fi

if [ -n "${GATEWAY:-}" ]; then
	HOST=${GATEWAY%:*}
	PORT=${GATEWAY##*:}
	echo "make run: real gateway $HOST:$PORT, client id $CLIENT_ID, redis 127.0.0.1:$REDIS_PORT"
else
	HOST=127.0.0.1
	# ibsim binds ephemeral ports itself and writes the API port down once both listen
	bin/ibsim --port 0 --port-file "$work/ibsim.port" --control-port 0 --account-delay-ms 2000 \
		--symbols "$SYMBOLS" --tick-rate 400 >"$work/ibsim.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$work/ibsim.port" ] || ! kill -0 "${pids[-1]}" 2>/dev/null && break; sleep 0.05; done
	PORT=$(cat "$work/ibsim.port" 2>/dev/null) || { echo "make run: ibsim did not start:" >&2; cat "$work/ibsim.log" >&2; exit 1; }
	echo "make run: ibsim on 127.0.0.1:$PORT (account download delayed 2 s), redis on 127.0.0.1:$REDIS_PORT"
fi
echo "make run: ibpipe run for ${RUN_SECONDS}s (Ctrl-C to stop). Meanwhile, in another terminal:"
echo "    bin/ibpipe status --redis-url redis://127.0.0.1:$REDIS_PORT"
echo "    redis-cli -p $REDIS_PORT hgetall ibpipe:health"
echo

# a look at what ibpipe publishes, taken shortly before it stops
snap_at=$(awk -v s="$RUN_SECONDS" 'BEGIN { print (s > 4 ? s - 2 : s / 2) }')
( sleep "$snap_at"; bin/ibpipe status --redis-url "redis://127.0.0.1:$REDIS_PORT" >"$work/status.txt" 2>&1 ) &
pids+=($!)

bin/ibpipe run --host "$HOST" --port "$PORT" --client-id "$CLIENT_ID" --readonly --symbols "$SYMBOLS" \
	--strategy example --redis-url "redis://127.0.0.1:$REDIS_PORT" --state-dir "$work" --progress \
	--run-seconds "$RUN_SECONDS" &
ibpipe_pid=$!
pids+=("$ibpipe_pid")
wait "$ibpipe_pid"
rc=$?

echo
echo "make run: what ibpipe published to Redis, ${snap_at}s in (bin/ibpipe status):"
cat "$work/status.txt" 2>/dev/null
echo "make run: and after it stopped: sync = $(redis-cli -p "$REDIS_PORT" get ibpipe:sync 2>/dev/null)"
echo
echo "make run: ibpipe exited with $rc; stopping ibsim and redis-server."
echo "To keep looking, run it again and use 'bin/ibpipe status --redis-url ...' or"
echo "'redis-cli -p <port> --scan --pattern ibpipe:*' while it runs."
exit $rc
