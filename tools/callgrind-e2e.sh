#!/bin/sh
# callgrind-e2e.sh - the plugin/built-in comparison counted in instructions, which a loaded
# machine does not change (wall-clock throughput on a shared machine varies by +-20 %).
#
#   tools/callgrind-e2e.sh [LINES]      (make bench runs it when valgrind is installed)
#
# Runs `ibbench e2e` under valgrind --tool=callgrind, the bench strategy built in and the same
# file as a plugin (build/release/bench-plugin.so), alternately CG_RUNS times each (default 3),
# each a tick blast of CG_MSGS messages (default 500000) into one strategy over 10 instruments,
# and reports per side (the median of its runs, and each run):
#   - instructions per message: every instruction the ibbench process ran (network, market-data
#     and strategy threads, start and stop included) over the messages blasted;
#   - instructions per on_quote: bench_on_quote's inclusive cost (its calls into the SDK and
#     libc included) over its calls, which is where a plugin could cost more (PLT calls into
#     the executable, -fPIC code, nothing inlined across the boundary).
# and the plugin/built-in ratio of each, plus the ratio if every message reached on_quote (the
# built-in's instructions per message against that plus the plugin's extra per call: the worst
# case, since in the blast most quotes coalesce before the strategy).  With LINES, the figures are appended to it as the
# JSON lines `ibbench --json` writes (bench "callgrind"), for tools/bench_json.py.
# The per-on_quote count repeats to 0.1 % from run to run.  The per-message count moves by a
# few per cent, on both sides alike: ibsim runs outside valgrind at full speed, so how much
# each socket read returns, and with it how many quotes coalesce before the strategy, varies
# (--fair-sched=yes, which hands the CPU round in a fixed order, narrows it from ~10 %); hence
# the medians.  Needs bin/ibbench, bin/ibsim and valgrind.
set -eu
cd "$(dirname "$0")/.."
lines=${1:-}
msgs=${CG_MSGS:-500000}
plugin=${CG_PLUGIN:-build/release/bench-plugin.so}
command -v valgrind >/dev/null || { echo "callgrind-e2e: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-callgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT

runs=${CG_RUNS:-3}
k=1
while [ "$k" -le "$runs" ]; do
	for side in builtin plugin; do
		set -- e2e --strategies 1 --instruments 10 --msgs "$msgs"
		[ "$side" = plugin ] && set -- "$@" --plugin "$plugin"
		valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file="$work/$side.$k.out" bin/ibbench "$@" \
			>"$work/$side.txt" 2>"$work/$side.err" || {
			cat "$work/$side.err" >&2
			echo "callgrind-e2e: ibbench $* failed under callgrind" >&2
			exit 1
		}
	done
	k=$((k + 1))
done

python3 - "$work" "$msgs" "$lines" "$runs" <<'PY'
import re, sys
work, msgs, lines, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])

def figures(path):
    """(total Ir, inclusive Ir of the calls to bench_on_quote, how many calls)."""
    total, names, cur, incl, calls = 0, {}, None, 0, 0
    pending = None
    with open(path) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.strip())
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
            elif line.startswith("cfn="):
                m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.strip())
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                cur = names.get(m.group(1))
            elif line.startswith("calls="):
                pending = int(line.split("=")[1].split()[0]) if cur == "bench_on_quote" else None
            elif pending is not None:
                incl += int(line.split()[-1])
                calls += pending
                pending = None
    return total, incl, calls

def median(v):
    v = sorted(v)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2

res, out = {}, []
for side in ("builtin", "plugin"):
    runs_fig = [figures(f"{work}/{side}.{k}.out") for k in range(1, runs + 1)]
    per_msg = [t / msgs for t, _, _ in runs_fig]
    per_call = [i / c for _, i, c in runs_fig if c]
    res[side] = (median(per_msg), median(per_call) if per_call else 0)
    print(f"callgrind e2e {side:8} {res[side][0]:7.1f} instructions/message (runs: "
          f"{', '.join(f'{x:.1f}' for x in per_msg)})   {res[side][1]:6.1f} instructions/on_quote (runs: "
          f"{', '.join(f'{x:.1f}' for x in per_call)})")
    out += [(f"callgrind_e2e_{side}", "instructions_per_message", res[side][0]),
            (f"callgrind_e2e_{side}", "instructions_per_on_quote", res[side][1])]
(bm, bc), (pm, pc) = res["builtin"], res["plugin"]
msg_ratio = bm / pm if pm else 0
call_ratio = bc / pc if pc else 0
# The worst case for the plugin: every message reaches on_quote (none coalesced), each paying the
# plugin's extra instructions per call on top of the built-in's per-message cost.
bound = bm / (bm + max(0.0, pc - bc)) if bm else 0
print(f"callgrind e2e plugin/built-in throughput from instructions (medians of {runs}): {msg_ratio:.4f} per message, "
      f"{call_ratio:.4f} per on_quote; {bound:.4f} if every message reached on_quote "
      f"(built-in instructions / plugin instructions; issue 16: >= 0.95)")
out += [("callgrind_e2e_plugin_vs_builtin", "throughput_ratio_per_message", msg_ratio),
        ("callgrind_e2e_plugin_vs_builtin", "throughput_ratio_per_on_quote", call_ratio),
        ("callgrind_e2e_plugin_vs_builtin", "throughput_ratio_all_delivered", bound)]
if lines:
    with open(lines, "a") as f:
        for name, unit, value in out:
            f.write('{"bench":"callgrind","name":"%s","unit":"%s","value":%.6g}\n' % (name, unit, value))
PY
