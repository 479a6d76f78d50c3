#!/usr/bin/env python3
"""The README's performance tables, in Markdown, from make bench results files:

    tools/perf_table.py BEFORE.json [EARLIER.json ...] NOW.json

BEFORE is the run issue 20 quotes (bench/results/20261129-f153156.json); each EARLIER run gets a
column of its own, so a change shows beside the figures it changed; NOW is the run the README
describes.  A figure a file lacks is "-"."""
import json
import sys


def load(path):
    doc = json.load(open(path))
    return {(f["name"], f["unit"]): f["value"] for f in doc["figures"]}, doc


def fmt(v, kind):
    if v is None:
        return "–"
    if kind == "M":
        return f"{v / 1e6:.1f} M"
    if kind == "us":
        return f"{v:,.1f} us" if v < 100 else f"{v:,.0f} us"
    if kind == "cpu":  # CPU-ms per million messages -> us per message
        return f"{v / 1000:.2f} us"
    if kind == "ms":  # us -> ms
        return f"{v / 1000:.1f} ms"
    if kind == "x":
        return f"{v:.1f}x"
    if kind == "pct":
        return f"{v:.2f} %"
    return f"{v:g}"


FLAT = [
    ("decode, tick mix, one core (msgs/s)", "decode_tick_msgs_per_s", "msgs_per_s", "M", ">= 40 M"),
    ("e2e flat out, coalesced, 1 strategy / 10 instruments (msgs/s)", "e2e_s1_i10_r0", "msgs_per_s", "M", "no regression"),
    ("... CPU per message, all ibpipe threads", "e2e_s1_i10_r0", "cpu_ms_per_million", "cpu", "<= 0.15 us"),
    ("e2e flat out, lossless (every frame to the strategy)", "e2e_s1_i10_r0_lossless", "msgs_per_s", "M", ">= 9 M"),
    ("... CPU per message", "e2e_s1_i10_r0_lossless", "cpu_ms_per_million", "cpu", ""),
    ("... pinned (pipeline on CPU 1, ibsim on CPU 0)", "e2e_s1_i10_r0_pinned_lossless", "msgs_per_s", "M", ">= 9 M"),
    ("... CPU per message, pinned", "e2e_s1_i10_r0_pinned_lossless", "cpu_ms_per_million", "cpu", ""),
    ("e2e 2 strategies x 10 instruments", "e2e_s2_i10_r0", "msgs_per_s", "M", "no regression"),
    ("e2e 4 strategies x 10 instruments", "e2e_s4_i10_r0", "msgs_per_s", "M", "no regression"),
    ("e2e 1,000 instruments", "e2e_s1_i1000_r0", "msgs_per_s", "M", "no regression"),
    ("e2e 10,000 instruments", "e2e_s1_i10000_r0", "msgs_per_s", "M", "no regression"),
    ("idle, default configuration (Redis on, no market data), % of a core", "idle_default", "pct_of_core", "pct", "<= 1 %"),
    ("Redis staleness p99, 1,000 instruments flat out", "publish_n1000_max_staleness_p99", "us", "ms", "<= 5 ms"),
    ("Redis quote writes/s, 1,000 instruments flat out", "publish_n1000_max_quote_writes", "per_s", "M", "no regression"),
    ("Redis staleness p99 at 10k updates/s (1,000 instruments)", "publish_n1000_rate10000_staleness_p99", "us", "ms", ""),
    ("Redis staleness p99 at 100k updates/s (1,000 instruments)", "publish_n1000_rate100000_staleness_p99", "us", "ms", ""),
    ("decode, account mix, one core (msgs/s)", "decode_account_msgs_per_s", "msgs_per_s", "M", ""),
    ("decode, order mix, one core (msgs/s)", "decode_order_msgs_per_s", "msgs_per_s", "M", ""),
    ("decode, depth + tick-by-tick mix, one core (msgs/s)", "decode_depth_msgs_per_s", "msgs_per_s", "M", ""),
    ("ck_ring handoff, batch 1 (msgs/s)", "ring_spsc_batch_1", "msgs_per_s", "M", ""),
    ("ck_ring handoff, batch 256 (msgs/s)", "ring_spsc_batch_256", "msgs_per_s", "M", ""),
    ("@stoqey/ib on the same blast (ticks/s)", "peer_stoqey_ib", "ticks_per_s", "M", ""),
    ("ibpipe flat out / @stoqey/ib", "ibpipe_vs_stoqey_ib", "ratio", "x", ""),
]
PACED_MODES = [("block", ""), ("block, lossless", "_lossless"), ("block, pinned", "_pinned"),
               ("block, pinned, lossless", "_pinned_lossless")]
TARGET = {10000: "<= 10 / <= 50 / <= 5", 100000: "<= 10 / <= 50 / <= 2", 1000000: "<= 10 / < 1,000 / -"}
FLOOR = [("recv", "a thread blocked in recv(), fed one frame per send", "cpu_us_per_msg"),
         ("handoff", "a futex wake of a sleeping thread", "cpu_us_per_wake")]


def main(paths):
    runs = [load(p) for p in paths]
    heads = ["before (f153156)"] + [doc["git"][:7] for _, doc in runs[1:-1]] + ["now"]
    print("| figure | " + " | ".join(heads) + " | target |")
    print("|---|" + "---|" * len(heads) + "---|")
    for label, name, unit, kind, target in FLAT:
        vals = [fmt(f.get((name, unit)), kind) for f, _ in runs]
        if all(v == "–" for v in vals):
            continue
        print(f"| {label} | " + " | ".join(vals) + f" | {target} |")

    print("\nPaced (`--rate R`, 1 strategy, 10 instruments): read->strategy p50 / p99 in us, CPU in us per "
          "message (all ibpipe threads).\n")
    print("| rate | wait | " + " | ".join(heads) + " | target |")
    print("|---|---|" + "---|" * len(heads) + "---|")
    for rate in (10000, 100000, 1000000):
        for mode, tag in PACED_MODES:
            name = f"e2e_s1_i10_r{rate}{tag}"
            cells = []
            for f, _ in runs:
                p50, p99, cpu = (f.get((name, u)) for u in ("internal_p50_us", "internal_p99_us", "cpu_ms_per_million"))
                cells.append("–" if p50 is None else f"{p50:.1f} / {p99:,.0f} / {cpu / 1000:.1f}")
            if all(c == "–" for c in cells):
                continue
            print(f"| {rate // 1000}k/s | {mode} | " + " | ".join(cells) + f" | {TARGET[rate]} |")

    floor, _ = runs[-1]
    rows = []
    for rate in (10000, 100000):
        for kind, what, unit in FLOOR:
            for where in ("other_cpu", "same_cpu"):
                name = f"floor_{kind}_r{rate}_{where}"
                cpu = floor.get((name, unit))
                if cpu is None:
                    continue
                lat = floor.get((name, "latency_p50_us"))
                rows.append(f"| {rate // 1000}k/s | {what} | {where.replace('_', ' ')} | {cpu:.1f} us | "
                            + (f"{lat:.1f} us |" if lat is not None else "– |"))
    if rows:
        print("\nThe floor (`ibbench floor`: no pipeline, the cheapest possible reader; \"now\" run): CPU per "
              "message of the woken thread, and wake -> running p50.\n")
        print("| rate | what | paced side on | CPU per message | wake -> running p50 |")
        print("|---|---|---|---|---|")
        print("\n".join(rows))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
