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
