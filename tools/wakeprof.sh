#!/usr/bin/env bash
# wakeprof.sh - where a paced e2e run spends its system calls and context
# switches, per message and per thread: counts, so the figures hold on a
# loaded machine where wall-clock latency does not.
#
#   tools/wakeprof.sh RATE MSGS [extra ibbench e2e options, e.g. --wait spin]
#
# Runs `ibbench e2e --rate RATE --msgs MSGS` (10 instruments, ibsim --blast
# --blast-rate --stamp, as make bench does) under `perf record` with kernel
# tracepoints only (no sampling, no ptrace: the threads run at full speed),
# then prints, per thread name: futex waits and wakes, poll/epoll calls,
# socket reads that returned data (and their mean size) or EAGAIN, and
# context switches (sleeps: the thread blocked; preempted: it was runnable),
# each divided by the messages of the run.  Needs perf with tracepoint access
# (root, or kernel.perf_event_paranoid <= -1).
set -eu
cd "$(dirname "$0")/.."
rate=${1:?usage: tools/wakeprof.sh RATE MSGS [ibbench e2e options]}
msgs=${2:?usage: tools/wakeprof.sh RATE MSGS [ibbench e2e options]}
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/wakeprof-XXXXXX")
trap 'rm -rf "$dir"' EXIT
events=syscalls:sys_enter_futex,syscalls:sys_exit_recvfrom,syscalls:sys_exit_read,syscalls:sys_enter_poll
events=$events,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_sendto,sched:sched_switch
perf record -q -o "$dir/perf.data" -e "$events" -- \
	"${IB_BIN:-bin}/ibbench" e2e --strategies 1 --instruments 10 --rate "$rate" --msgs "$msgs" "$@" 2>/dev/null |
	grep -E 'msgs/s|latency'
echo "per message ($msgs messages):"
printf '%-16s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n' thread fwait fwake poll reads B/read EAGAIN sends sleeps preempt
perf script -i "$dir/perf.data" -F comm,tid,event,trace 2>/dev/null | awk -v msgs="$msgs" '
function add(c, k, v) { n[c, k] += v; seen[c] = 1 }
function hex(s,    i, v) {  # mawk has no strtonum; a negative return (ffff...) comes out >= 2^63
	sub(/^0x/, "", s); sub(/,$/, "", s); v = 0
	for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
{
	c = $1
	if ($3 ~ /sys_enter_futex/) {
		op = hex($7) % 128  # FUTEX_PRIVATE_FLAG off: 0 wait, 1 wake, 9 wait_bitset ($7 is "0x...,")
		add(c, op == 1 ? "fwake" : "fwait", 1)
	} else if ($3 ~ /sys_exit_recvfrom|sys_exit_read/) {
		r = hex($4)
		if (r > 0 && r < 2^62) { add(c, "rd", 1); add(c, "rdb", r) } else add(c, "rdagain", 1)
	} else if ($3 ~ /sys_enter_poll|sys_enter_epoll_wait/) {
		add(c, "poll", 1)
	} else if ($3 ~ /sys_enter_sendto/) {
		add(c, "send", 1)
	} else if ($2 ~ /sched_switch/ || $3 ~ /sched_switch/) {
		st = $0; sub(/.*prev_state=/, "", st); sub(/ .*/, "", st)
		add(c, st ~ /^R/ ? "preempt" : "sleep", 1)
	}
}
END {
	for (c in seen) {
		if (c !~ /^ibpipe|^ibsim/) continue
		rd = n[c, "rd"]
		printf "%-16s %8.3f %8.3f %8.3f %8.3f %8.0f %8.3f %8.3f %8.3f %8.3f\n", c, n[c, "fwait"] / msgs,
		       n[c, "fwake"] / msgs, n[c, "poll"] / msgs, rd / msgs, rd ? n[c, "rdb"] / rd : 0,
		       n[c, "rdagain"] / msgs, n[c, "send"] / msgs, n[c, "sleep"] / msgs, n[c, "preempt"] / msgs
	}
}' | sort
