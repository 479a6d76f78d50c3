#!/usr/bin/env bash
# haltpoll-ab.sh - the wake-up floor and the paced pipeline with the guest's cpuidle halt polling
# off and on, interleaved (docs/performance.md, "Halt polling").
#
#   tools/haltpoll-ab.sh [ROUNDS]        (root; default 3 rounds)
#
# On a KVM guest with the haltpoll cpuidle driver, an idle vCPU may poll for a while before it
# halts (guest_halt_poll_ns; the kernel's default is 200 us).  A halted vCPU costs a VM exit and
# an interrupt to wake.  This machine boots with haltpoll.guest_halt_poll_ns=0 (its kernel
# command line), so every wake-up across CPUs pays that.  Each round runs, with 0 and then with
# 200000: `ibbench floor`, and `ibbench e2e` at 10 k/s unpinned and pinned and at 100 k/s.  The
# setting is the whole machine's: it is put back as it was on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
P=/sys/module/haltpoll/parameters/guest_halt_poll_ns
[ -w "$P" ] || { echo "haltpoll-ab: $P is not writable (not a KVM guest with haltpoll, or not root)" >&2; exit 2; }
orig=$(cat "$P")
trap 'echo "$orig" > "$P"; echo "haltpoll-ab: $P back to $(cat "$P")"' EXIT
e2e() { bin/ibbench e2e --strategies 1 --instruments 10 "$@" 2>&1 | grep -E "cpu-ms|read->strategy p50"; }
for round in $(seq "${1:-3}"); do
	for ns in 0 200000; do
		echo "$ns" > "$P"
		echo "=== round $round: guest_halt_poll_ns $(cat "$P")"
		bin/ibbench floor 2>&1 | grep "^floor_"
		e2e --rate 10000 --msgs 30000
		e2e --rate 10000 --msgs 30000 --pin 1
		e2e --rate 100000 --msgs 300000
	done
done
