#!/usr/bin/env python3
"""Bench results: assemble JSON lines into one results file, print a table,
compare two result files (ratio of every figure), extract plot data."""
import json, os, platform, subprocess, sys, time

def machine():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
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

def assemble(lines_path, out):
    figures = []
    for line in open(lines_path):
        line = line.strip()
        if line:
            figures.append(json.loads(line))
    add_peer_ratio(figures)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "git": sha,
           "machine": machine(), "quick": bool(os.environ.get("BENCH_QUICK")), "figures": figures}
    json.dump(doc, open(out, "w"), indent=1)

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
WAIT_BEFORE = {10000: (22.5, 491, 46), 100000: (29.7, 221, 9.1), 1000000: (29.7, 39846, 0.97)}

def wait_table(figs):
    """Paced e2e runs per wait strategy (ibbench e2e --wait MODE): latency and CPU per message."""
    rows = []
    for mode, tag in (("block", ""), ("spin", "_spin"), ("hybrid", "_hybrid")):
        for rate in sorted(WAIT_TARGETS):
            name = f"e2e_s1_i10_r{rate}{tag}"
            get = lambda unit: figs.get((name, unit))
            if get("msgs_per_s") is None:
                continue
            cpu = get("cpu_ms_per_million")
            rows.append((mode, rate, get("internal_p50_us"), get("internal_p99_us"), get("internal_p999_us"),
                         get("latency_p99_us"), cpu / 1000 if cpu is not None else None,
                         get("internal_samples")))
    if not rows:
        return
    f = lambda v: f"{v:9.1f}" if v is not None else f"{'-':>9}"
    print("\nwait strategies, paced (read->strategy latency in us; CPU in us per message, all ibpipe threads)")
    print(f"{'wait':7} {'rate':>8} {'p50':>9} {'p99':>9} {'p99.9':>9} {'send p99':>9} {'cpu/msg':>9} "
          f"{'measured':>9}   {'target p50/p99/cpu':22} {'before p50/p99/cpu':22}")
    for mode, rate, p50, p99, p999, sp99, cpu, n in rows:
        t, b = WAIT_TARGETS[rate], WAIT_BEFORE[rate]
        measured = f"{100 * n / (rate * 3):8.0f}%" if n else f"{'-':>9}"  # make bench sends 3 s of the rate
        print(f"{mode:7} {rate:8d} {f(p50)} {f(p99)} {f(p999)} {f(sp99)} {f(cpu)} {measured}   "
              f"{' / '.join(t):22} {' / '.join(str(x) for x in b):22}")

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
