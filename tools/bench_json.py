#!/usr/bin/env python3
"""Bench results: assemble JSON lines into one results file, print a table,
compare two result files (ratio of every figure), extract plot data (extract: one
figure family; plotdata: the wait-mode charts' data files for bench/plot.sh), and
median: several runs of one benchmark as one line per figure."""
import json, os, platform, statistics, subprocess, sys, time

def machine():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # wake-ups across CPUs cost 4x more on a VM guest whose idle vCPUs halt at once
    # (docs/performance.md, "Halt polling"): say which this was
    for key, path in (("cpuidle", "/sys/devices/system/cpu/cpuidle/current_driver"),
                      ("guest_halt_poll_ns", "/sys/module/haltpoll/parameters/guest_halt_poll_ns")):
        try:
            info[key] = open(path).read().strip()
        except OSError:
            pass
    return info

def add_peer_ratio(figures):
    """ibpipe's unpaced 1-strategy/10-instrument rate over the peer's, on the same blast."""
    by = {(f["name"], f["unit"]): f["value"] for f in figures}
    ours, peer = by.get(("e2e_s1_i10_r0", "msgs_per_s")), by.get(("peer_stoqey_ib", "ticks_per_s"))
    figures[:] = [f for f in figures if f["name"] != "ibpipe_vs_stoqey_ib"]
    if ours and peer:
        figures.append({"bench": "peer", "name": "ibpipe_vs_stoqey_ib", "unit": "ratio", "value": ours / peer})

def read_lines(path):
    """The figures of a JSON-lines file (what ibbench --json appends), in order."""
    return [json.loads(line) for line in open(path) if line.strip()]

def assemble(lines_path, out):
    figures = read_lines(lines_path)
    add_peer_ratio(figures)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "git": sha,
           "machine": machine(), "quick": bool(os.environ.get("BENCH_QUICK")), "figures": figures}
    json.dump(doc, open(out, "w"), indent=1)

def median(out, runs):
    """Append to out, per figure (name, unit) in the order first seen, the median of its values over
    the runs' JSON-lines files, with every value kept in "runs" so the spread stays on record."""
    seen = {}
    for path in runs:
        for f in read_lines(path):
            seen.setdefault((f["name"], f["unit"]), (f, []))[1].append(f["value"])
    with open(out, "a") as fh:
        for first, values in seen.values():
            fig = dict(first, value=statistics.median(values), runs=values)
            fh.write(json.dumps(fig) + "\n")

def load(path):
    doc = json.load(open(path))
    return {(f["name"], f["unit"]): f["value"] for f in doc["figures"]}, doc

def table(path):
    figs, doc = load(path)
    print(f"{'figure':44} {'unit':30} {'value':>14}")
    for (name, unit), v in figs.items():
        print(f"{name:44} {unit:30} {v:14.6g}")
    wait_table(figs)

# Issue 20's targets, and the figures before it (bench/results/20261129-f153156.json), per paced rate:
# read->strategy p50 / p99 (us), CPU per message (us).
WAIT_TARGETS = {10000: ("<= 10", "<= 50", "<= 5"), 100000: ("<= 10", "<= 50", "<= 2"),
                1000000: ("<= 10", "< 1000", "-")}
CPU_TARGET_US = {10000: 5, 100000: 2}  # the same targets, as numbers for the chart
WAIT_BEFORE = {10000: (22.5, 491, 46), 100000: (29.7, 221, 9.1), 1000000: (29.7, 39846, 0.97)}

# The paced runs' wait modes, as make bench names them: block keeps the names without a suffix;
# lossless (md_lossless: every frame measured, none merged) adds _lossless.
WAIT_MODES = [(w + ("/lossless" if ll else ""), ("" if w == "block" else "_" + w) + ("_lossless" if ll else ""))
              for ll in (False, True) for w in ("block", "spin", "hybrid")]
# ... and --pin CPU (every pipeline thread on one CPU, ibsim on the other) adds _pinned before it.
WAIT_MODES += [("block/pinned", "_pinned"), ("block/pinned/lossless", "_pinned_lossless")]

def paced(figs, rate, tag):
    """The figures of one paced run (e2e_s1_i10_r<rate><tag>), or None if it is not in the file."""
    name = f"e2e_s1_i10_r{rate}{tag}"
    if figs.get((name, "msgs_per_s")) is None:
        return None
    return lambda unit: figs.get((name, unit))

def coverage(get, rate):
    """Send->strategy samples over the frames sent, as a fraction, and whether it is exact. Files
    from before latency_samples/frames_sent only had internal_samples (every quote that reached the
    strategy, ibsim's own ticks too) over the 3 s of the rate make bench sends: an estimate."""
    n, sent = get("latency_samples"), get("frames_sent")
    if n is not None and sent:
        return n / sent, True
    n = get("internal_samples")
    return (n / (rate * 3), False) if n else (None, False)

def wait_table(figs):
    """Paced e2e runs per wait strategy (ibbench e2e --wait MODE [--lossless]): latency and CPU per message."""
    rows = []
    for mode, tag in WAIT_MODES:
        for rate in sorted(WAIT_TARGETS):
            get = paced(figs, rate, tag)
            if get is None:
                continue
            cpu = get("cpu_ms_per_million")
            rows.append((mode, rate, get("internal_p50_us"), get("internal_p99_us"), get("internal_p999_us"),
                         get("latency_p99_us"), cpu / 1000 if cpu is not None else None,
                         coverage(get, rate), get("coalesced")))
    if not rows:
        return
    f = lambda v: f"{v:9.1f}" if v is not None else f"{'-':>9}"
    print("\nwait strategies, paced (read->strategy latency in us; CPU in us per message, all ibpipe threads;")
    print("measured = send->strategy samples / frames sent: frames coalescing merged are not measured, "
          "except in /lossless rows, where none is merged)")
    print(f"{'wait':15} {'rate':>8} {'p50':>9} {'p99':>9} {'p99.9':>9} {'send p99':>9} {'cpu/msg':>9} "
          f"{'measured':>9} {'coalesced':>10}   {'target p50/p99/cpu':22} {'before p50/p99/cpu':22}")
    for mode, rate, p50, p99, p999, sp99, cpu, (cov, exact), coal in rows:
        t, b = WAIT_TARGETS[rate], WAIT_BEFORE[rate]
        measured = f"{'' if exact else '~'}{100 * cov:.1f}%" if cov is not None else "-"
        coal = f"{coal:10.0f}" if coal is not None else f"{'-':>10}"
        print(f"{mode:15} {rate:8d} {f(p50)} {f(p99)} {f(p999)} {f(sp99)} {f(cpu)} {measured:>9} {coal}   "
              f"{' / '.join(t):22} {' / '.join(str(x) for x in b):22}")
    if any(not exact for *_, (cov, exact), _ in rows if cov is not None):
        print("~: an older results file: every quote delivered over 3 s of the rate, an estimate")

def write_table(path, header, rows):
    """A gnuplot data file: a header line, then rows of a quoted label and values (None: NaN).
    A row or a column without a single value is left out (gnuplot refuses a histogram column with
    no valid point); nothing is written if nothing is left."""
    keep = [j for j in range(len(header) - 1) if any(r[1][j] is not None for r in rows)]
    rows = [(label, [vals[j] for j in keep]) for label, vals in rows if any(vals[j] is not None for j in keep)]
    if not rows:
        return []
    with open(path, "w") as fh:
        fh.write(" ".join(f'"{h}"' for h in [header[0]] + [header[j + 1] for j in keep]) + "\n")
        for label, vals in rows:
            fh.write(f'"{label}" ' + " ".join("NaN" if v is None else f"{v:.6g}" for v in vals) + "\n")
    return [label for label, _ in rows]

def plotdata(path, out):
    """Data files for bench/plot.sh's wait-mode charts, in directory out; a figure a file lacks is
    left out (NaN, or its whole column or row when it has no value at all), a chart with no run
    is not written.
      lat-<rate>:  "wait" and p50 p99 p99.9 (read->strategy, us), a line per wait mode run at that rate
      cpu:         "rate" and a column per wait mode (us of CPU per message, all ibpipe threads)
      cpu-targets: x (the rate's line in cpu, the histogram's x) and issue 20's CPU target there, us"""
    figs, _ = load(path)
    label = lambda rate: f"{rate // 1000000}M/s" if rate >= 1000000 else f"{rate // 1000}k/s"
    cpu_us = lambda get: get("cpu_ms_per_million") / 1000 if get and get("cpu_ms_per_million") is not None else None
    for rate in sorted(WAIT_TARGETS):
        rows = [(mode, [get(u) for u in ("internal_p50_us", "internal_p99_us", "internal_p999_us")])
                for mode, get in ((m, paced(figs, rate, t)) for m, t in WAIT_MODES) if get is not None]
        write_table(os.path.join(out, f"lat-{rate}"), ["wait", "p50", "p99", "p99.9"], rows)
    rates = sorted(WAIT_TARGETS)
    rows = [(label(rate), [cpu_us(paced(figs, rate, t)) for _, t in WAIT_MODES]) for rate in rates]
    drawn = write_table(os.path.join(out, "cpu"), ["rate"] + [m for m, _ in WAIT_MODES], rows)
    targets = [f"{drawn.index(label(r))} {CPU_TARGET_US[r]}" for r in rates if r in CPU_TARGET_US and label(r) in drawn]
    if targets:
        with open(os.path.join(out, "cpu-targets"), "w") as fh:
            fh.write("\n".join(targets) + "\n")

def compare(a, b):
    fa, _ = load(a)
    fb, _ = load(b)
    print(f"{'figure':44} {'unit':30} {'A':>12} {'B':>12} {'B/A':>8}")
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        ratio = f"{vb / va:8.3f}" if va and vb is not None else "     n/a"
        print(f"{key[0]:44} {key[1]:30} {va if va is not None else float('nan'):12.5g} "
              f"{vb if vb is not None else float('nan'):12.5g} {ratio}")

def extract(path, prefix, unit):
    figs, _ = load(path)
    for (name, u), v in figs.items():
        if name.startswith(prefix) and u == unit:
            print(name, v)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "assemble":
        assemble(sys.argv[2], sys.argv[3])
    elif cmd == "median":
        median(sys.argv[2], sys.argv[3:])
    elif cmd == "table":
        table(sys.argv[2])
    elif cmd == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif cmd == "fix-ratio":
        doc = json.load(open(sys.argv[2]))
        add_peer_ratio(doc["figures"])
        json.dump(doc, open(sys.argv[2], "w"), indent=1)
    elif cmd == "extract":
        extract(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "plotdata":
        plotdata(sys.argv[2], sys.argv[3])
