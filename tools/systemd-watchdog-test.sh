#!/usr/bin/env bash
# systemd-watchdog-test.sh - deploy/systemd/ibpipe@.service under a real systemd (Debian's, as
# PID 1 of a private PID / mount / UTS / IPC / cgroup namespace), proving issue 19's two claims:
#
#   1. the gateway down for DOWN_SECONDS (default 600) -- ibsim's `restart`: every connection
#      dropped, the API port refusing -- and systemd never restarts ibpipe: same MainPID,
#      NRestarts=0, the unit active throughout, while ibpipe reconnects and the gate stays shut;
#      the gate re-opens when the gateway is back, still without a restart;
#   2. one thread stopped (ptrace: a SIGSTOP for a single thread; the others run on) and the
#      watchdog restarts ibpipe: STATUS= names the thread, systemd's WatchdogSec fires
#      (Result=watchdog), Restart=on-failure starts a new process, which syncs again.
#
# The unit is the real file: the only rewrite is /usr/local/bin/ibpipe -> a copy of this tree's
# binary (a copy: CI rebuilds beside the test must not change what runs).
# A drop-in sends its output to a file here (there is no journald in the namespace).  Its
# Type=notify, NotifyAccess, WatchdogSec, Restart=, RestartSec, StartLimit* and hardening are
# systemd's to enforce, unchanged.  /etc/ibpipe/test.{conf,env} and an empty redis.password
# are the admin's files: the gateway port, a 1 s connect timeout (a 5 s hang limit) and the
# test Redis.
#
# Isolation (this runs on shared machines): systemd sees only this script's unit directory
# (SYSTEMD_UNIT_PATH, no default paths: none of the host's units, so no tmpfiles cleaning, no
# udev), /run and /tmp are private tmpfs, /etc and /var are private too, so nothing
# it or the unit writes reaches the host (/etc is an overlay, /var/{lib,log,tmp,cache} tmpfs).  The network namespace is the host's: ibsim and
# redis-server run on host loopback.  Needs root.  Usage:
#
#   tools/systemd-watchdog-test.sh                   # 10 minutes down, then the hang
#   DOWN_SECONDS=30 tools/systemd-watchdog-test.sh   # a quick run
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
self="$root/tools/$(basename "$0")"

# ---- inside the namespaces: private mounts, then exec systemd as PID 1 ----
if [ "${1:-}" = "--inside" ]; then
	work=$2
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /run/ibtest
	mount --bind "$work" /run/ibtest
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mkdir -p /run/ov/upper /run/ov/work
	mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/ov/upper,workdir=/run/ov/work /etc
	for d in /var/lib /var/log /var/tmp /var/cache; do
		mount -t tmpfs -o mode=0755 tmpfs "$d"
	done
	mkdir -p /etc/ibpipe
	cp /run/ibtest/etc/* /etc/ibpipe/
	chmod 0600 /etc/ibpipe/redis.password
	export container=ibpipe-test SYSTEMD_UNIT_PATH=/run/ibtest/units SD_LOG_TARGET=${SD_LOG_TARGET:-console}
	exec /lib/systemd/systemd --system --unit=harness.target --log-target=${SD_LOG_TARGET:-console} --log-level=info \
		--show-status=no </dev/null >/run/ibtest/systemd.log 2>&1
fi

# The whole test is one function, parsed before it runs: editing this file during a
# 10-minute run cannot change what the run executes.
main() {
DOWN_SECONDS=${DOWN_SECONDS:-600}
bin=${IB_BIN:-$root/bin}
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
say() { printf '%s systemd-test: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() {
	say "FAIL: $*" >&2
	if [ -n "${sd_pid:-}" ]; then
		sd systemctl status --no-pager -l ibpipe@test.service >&2 || true
		tail -n 30 "$work/ibpipe.log" "$work/systemd.log" >&2 || true
		[ -n "${IB_HOLD:-}" ] && { say "holding $IB_HOLD s: nsenter -t $sd_pid -m -p"; sleep "$IB_HOLD"; }
	fi
	exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (namespaces, mounts, systemd as PID 1)"
[ -x /lib/systemd/systemd ] || fail "systemd is not installed (apt-get install systemd)"
for t in unshare nsenter python3 redis-server; do
	command -v "$t" >/dev/null || fail "$t not found"
done
[ -x "$bin/ibpipe" ] && [ -x "$bin/ibsim" ] || fail "$bin/ibpipe and $bin/ibsim not built (make)"

work=$(mktemp -d /tmp/ibpipe-systemd.XXXXXX)
chmod 0755 "$work"
mkdir "$work/bin"
cp "$bin/ibpipe" "$bin/ibsim" "$work/bin/"
bin=$work/bin
ns_pid="" sd_pid="" sim_pid="" redis_pid="" tracer_pid="" new_scopes=""
cleanup() {
	set +e
	[ -n "$tracer_pid" ] && kill "$tracer_pid" 2>/dev/null && wait "$tracer_pid" 2>/dev/null
	if [ -n "$sd_pid" ] && kill -0 "$sd_pid" 2>/dev/null; then
		sd systemctl stop ibpipe@test.service >/dev/null 2>&1
		# SIGRTMIN+14: immediate power-off; in a container systemd simply exits
		kill -s RTMIN+14 "$sd_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$sd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$sd_pid" 2>/dev/null
	fi
	[ -n "$ns_pid" ] && wait "$ns_pid" 2>/dev/null
	# systemd's own init.scope cgroups (it removes its slices itself); only those this run made
	for d in $new_scopes; do rmdir "$d" 2>/dev/null; done
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	if [ "${keep_logs:-0}" = 1 ]; then
		say "logs: $work/ibpipe.log $work/systemd.log (kept: IB_KEEP=1)"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
keep_logs=${IB_KEEP:-0}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# one line to ibsim's control port, one line back
ctl() {
	python3 - "$ctl_port" "$1" <<-'EOF'
	import socket, sys
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
	s.sendall((sys.argv[2] + "\n").encode())
	print(s.makefile().readline().strip())
	EOF
}
sd() { nsenter -t "$sd_pid" -m -p -- "$@"; }
prop() { sd systemctl show -p "$1" --value ibpipe@test.service; }
# The gate as ibpipe publishes it (P:sync), whatever the unit file says about it.
sync_state() { redis-cli -p "$rport" get ibpipe.test:sync 2>/dev/null; }
wait_gate() {
	local deadline=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		[ "$(sync_state)" = "$1" ] && return 0
		sleep 0.5
	done
	return 1
}
# until the unit's StatusText contains $1, at most $2 s; 0 or 1
wait_status() {
	local deadline=$(($(date +%s) + $2))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		case "$(prop StatusText)" in *"$1"*) return 0 ;; esac
		sleep 0.5
	done
	return 1
}

# ---- the gateway and Redis, on host loopback ----
port=$(free_port) ctl_port=$(free_port) rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
	>"$work/redis.log" 2>&1 &
redis_pid=$!
"$bin/ibsim" --port "$port" --control-port "$ctl_port" --symbols AAPL,MSFT,NVDA >"$work/ibsim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 100); do
	ctl stats >/dev/null 2>&1 && redis-cli -p "$rport" ping >/dev/null 2>&1 && break
	sleep 0.1
done

# ---- the unit directory: the real unit, a log drop-in, stub targets ----
mkdir -p "$work/units/ibpipe@.service.d" "$work/etc"
# IB_UNIT: another unit file to hold to the same test (the old Type=simple one fails it)
sed "s|/usr/local/bin/ibpipe|/run/ibtest/bin/ibpipe|g" "${IB_UNIT:-$root/deploy/systemd/ibpipe@.service}" \
	>"$work/units/ibpipe@.service"
cat >"$work/units/ibpipe@.service.d/harness.conf" <<EOF
# harness only: no journald in the namespace, so output goes to a file the test reads
[Service]
StandardOutput=append:/run/ibtest/ibpipe.log
StandardError=append:/run/ibtest/ibpipe.log
EOF
# The targets and slice a service's default dependencies name, empty: the host's would pull in
# its whole boot (tmpfiles, udev, journald, ...).
for u in sysinit.target basic.target shutdown.target network-online.target multi-user.target \
	local-fs.target paths.target sockets.target timers.target; do
	printf '[Unit]\nDescription=%s (stub)\nDefaultDependencies=no\n' "$u" >"$work/units/$u"
done
printf '[Unit]\nDescription=System Slice (stub)\nDefaultDependencies=no\n' >"$work/units/system.slice"
printf '[Unit]\nDescription=ibpipe systemd test\n' >"$work/units/harness.target"
cat >"$work/etc/test.conf" <<EOF
gateway = 127.0.0.1:$port
client_id = 7
readonly = true
symbols = AAPL,MSFT
connect_timeout_ms = 1000
reconnect_min_ms = 500
reconnect_max_ms = 5000
EOF
# The unit names the Redis user of deploy/redis/acl.sh; this test Redis has no users.  And
# LoadCredential= yields an empty, root-only directory under this namespace setup (systemd 252
# mounts the credential fs where the service does not see it), so ibpipe is pointed at no
# password file; the unit's credential line itself stays as shipped.
printf 'IBPIPE_REDIS_URL=redis://127.0.0.1:%s\nIBPIPE_REDIS_PASSWORD_FILE=\n' "$rport" >"$work/etc/test.env"
: >"$work/etc/redis.password"
chmod 0644 "$work/etc/test.conf" "$work/etc/test.env"

# ---- systemd as PID 1 ----
new_scopes=""
for d in /sys/fs/cgroup/*/; do
	[ -d "${d}init.scope" ] || new_scopes="$new_scopes ${d}init.scope"
done
unshare --pid --fork --mount --uts --ipc --cgroup --propagation private --mount-proc \
	"$self" --inside "$work" &
ns_pid=$!
for _ in $(seq 100); do
	sd_pid=$(pgrep -P "$ns_pid" -x systemd || true)
	[ -n "$sd_pid" ] && break
	sleep 0.1
done
[ -n "$sd_pid" ] || fail "systemd did not start (see $work/systemd.log)"
for _ in $(seq 200); do
	state=$(sd systemctl is-system-running 2>/dev/null || true)
	case "$state" in running | degraded) break ;; esac
	sleep 0.1
done
say "systemd $(/lib/systemd/systemd --version | head -1 | cut -d' ' -f2) is PID 1 of its namespace ($state)"

# ---- start: active on READY=1, before (and whatever) the gateway says ----
t0=$(date +%s%N)
sd systemctl start ibpipe@test.service || { cat "$work/ibpipe.log" "$work/systemd.log" >&2; fail "start failed"; }
say "started in $(( ($(date +%s%N) - t0) / 1000000 )) ms (READY=1): $(prop ActiveState)/$(prop SubState);" \
	"Type=$(prop Type) WatchdogUSec=$(prop WatchdogUSec) NotifyAccess=$(prop NotifyAccess)" \
	"Restart=$(prop Restart) RestartUSec=$(prop RestartUSec)"
wait_gate ready 60 || fail "the gate did not open: P:sync $(sync_state)"
if [ "$(prop Type)" = notify ]; then
	wait_status "gate open" 5 || fail "STATUS= does not say the gate is open: $(prop StatusText)"
fi
pid0=$(prop MainPID)
say "STATUS=$(prop StatusText) (MainPID $pid0)"

# ---- 1. the gateway down for DOWN_SECONDS ----
retries0=$(grep -c "retrying in" "$work/ibpipe.log" || true)
ctl "restart $((DOWN_SECONDS * 1000))" >/dev/null
down_start=$(date +%s)
wait_gate disconnected 10 || fail "the gate did not close when the gateway went away: P:sync $(sync_state)"
if [ "$(prop Type)" = notify ]; then
	wait_status "gate closed" 5 || fail "STATUS= does not say the gate is closed: $(prop StatusText)"
fi
say "gateway down for ${DOWN_SECONDS}s: STATUS=$(prop StatusText)"
# A start while the gateway is down (a reboot, a deploy, a crash during the outage) must
# succeed at once: the old unit's start waited for the gate, failed and restarted forever.
t0=$(date +%s%N)
timeout 60 nsenter -t "$sd_pid" -m -p -- systemctl restart ibpipe@test.service ||
	fail "systemctl restart with the gateway down did not succeed within 60 s"
[ "$(prop ActiveState)" = active ] || fail "not active after a restart with the gateway down"
pid0=$(prop MainPID)
say "restarted with the gateway down: active in $(( ($(date +%s%N) - t0) / 1000000 )) ms, MainPID $pid0"
next_report=$((down_start + 60))
while [ $(($(date +%s) - down_start)) -lt "$DOWN_SECONDS" ]; do
	a=$(prop ActiveState) s=$(prop SubState) p=$(prop MainPID) n=$(prop NRestarts) st=$(prop StatusText)
	[ "$a/$s" = active/running ] || fail "unit $a/$s while the gateway is down (STATUS=$st)"
	[ "$p" = "$pid0" ] || fail "MainPID changed $pid0 -> $p while the gateway is down: restarted"
	[ "$n" = 0 ] || fail "NRestarts=$n while the gateway is down"
	[ "$(sync_state)" != ready ] || fail "P:sync ready while the gateway is down"
	if [ "$(date +%s)" -ge "$next_report" ]; then
		say "$(($(date +%s) - down_start))s down: $a/$s, MainPID $p, NRestarts $n," \
			"$(( $(grep -c "retrying in" "$work/ibpipe.log") - retries0 )) reconnect attempts so far"
		next_report=$((next_report + 60))
	fi
	sleep 2
done
wait_gate ready 90 || fail "the gate did not re-open after the gateway came back: P:sync $(sync_state)"
retries=$(( $(grep -c "retrying in" "$work/ibpipe.log") - retries0 ))
[ "$(prop MainPID)" = "$pid0" ] && [ "$(prop NRestarts)" = 0 ] || fail "restarted across the outage"
[ "$retries" -ge $((DOWN_SECONDS / 10)) ] || fail "only $retries reconnect attempts in ${DOWN_SECONDS}s"
say "PASS 1: ${DOWN_SECONDS}s without a gateway, $retries reconnect attempts, no restart (MainPID $pid0," \
	"NRestarts 0); gate open again $(( $(date +%s) - down_start - DOWN_SECONDS ))s after the gateway returned"

# ---- 2. one hung thread: the watchdog restarts ibpipe ----
hpid=""
for p in $(pgrep -f "/run/ibtest/bin/ibpipe run --config /etc/ibpipe/test.conf"); do
	# this run's namespace (several runs may be going), and that namespace's MainPID
	[ "$(readlink "/proc/$p/ns/pid")" = "$(readlink "/proc/$sd_pid/ns/pid")" ] &&
		[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$p/status")" = "$pid0" ] && hpid=$p
done
[ -n "$hpid" ] || fail "cannot find MainPID $pid0 from outside the namespace"
python3 - "$hpid" ibpipe-mktdata >"$work/tracer.log" 2>&1 <<-'EOF' &
	# PTRACE_SEIZE + PTRACE_INTERRUPT: this one thread stops, the others run on; held until the
	# process dies (the watchdog's SIGABRT) or 300 s.
	import ctypes, os, sys, time
	libc = ctypes.CDLL(None, use_errno=True)
	libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
	pid, name = int(sys.argv[1]), sys.argv[2]
	tid = next(int(t) for t in os.listdir(f"/proc/{pid}/task")
	           if open(f"/proc/{pid}/task/{t}/comm").read().strip() == name)
	if libc.ptrace(0x4206, tid, None, None) or libc.ptrace(0x4207, tid, None, None):
	    sys.exit(f"ptrace: {os.strerror(ctypes.get_errno())}")
	os.waitpid(tid, 0x40000000)  # __WALL
	print(f"stopped thread {tid} ({name}) of {pid}", flush=True)
	# A traced thread that exits waits for its tracer to reap it, and holds the process until
	# then: reap it, or systemd would wait for a process that cannot finish dying.
	deadline = time.time() + 300
	while time.time() < deadline:
	    try:
	        r, st = os.waitpid(tid, os.WNOHANG | 0x40000000)
	    except ChildProcessError:
	        break
	    if r == tid and (os.WIFEXITED(st) or os.WIFSIGNALED(st)):
	        break
	    time.sleep(0.1)
	EOF
tracer_pid=$!
hang_start=$(date +%s%N)
wait_status "HUNG" 30 || fail "STATUS= never reported the hung thread: $(prop StatusText)"
hung_ms=$(( ($(date +%s%N) - hang_start) / 1000000 ))
say "hung: STATUS=$(prop StatusText)"
deadline=$(($(date +%s) + 90)) killed_ms="" result=""
while [ "$(date +%s)" -lt "$deadline" ]; do
	# between the kill and the restart (RestartSec) the unit says why it died
	r=$(prop Result)
	if [ -z "$killed_ms" ] && [ "$r" != success ]; then
		killed_ms=$(( ($(date +%s%N) - hang_start) / 1000000 )) result=$r
		say "killed: Result=$r, $(prop ExecMainCode | sed 's/^1$/exited/;s/^2$/killed/;s/^3$/dumped/') signal/status $(prop ExecMainStatus)"
	fi
	[ "$(prop NRestarts)" -ge 1 ] && [ "$(prop MainPID)" != "$pid0" ] && [ "$(prop MainPID)" != 0 ] &&
		[ "$(prop ActiveState)" = active ] && break
	sleep 0.2
done
restart_ms=$(( ($(date +%s%N) - hang_start) / 1000000 ))
pid1=$(prop MainPID)
[ "$(prop NRestarts)" -ge 1 ] && [ "$pid1" != "$pid0" ] || fail "no restart 90 s after the hang"
[ "$result" = watchdog ] || fail "the process died with Result=${result:-?}, not by the watchdog"
grep -q "market-data thread: no progress" "$work/ibpipe.log" || fail "ibpipe did not name the hung thread"
wait_gate ready 60 || fail "the restarted ibpipe did not sync: P:sync $(sync_state)"
say "PASS 2: market-data thread stopped -> STATUS HUNG after ${hung_ms} ms, watchdog kill after ${killed_ms} ms," \
	"running again after ${restart_ms} ms (MainPID $pid0 -> $pid1, NRestarts $(prop NRestarts)); synced again"

# ---- a clean stop is not a failure ----
sd systemctl stop ibpipe@test.service
[ "$(prop Result)" = success ] || fail "stop: Result=$(prop Result)"
say "stopped cleanly (Result=success); PASS"
}

main "$@"
