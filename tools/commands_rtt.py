#!/usr/bin/python3
"""commands_rtt.py URL PREFIX [N] - the command stream's round trip, measured from outside:
XADD a place to P:stream:commands, until its result (kind=cmd) is on P:stream:orders, N times
one after another (MKT orders of 1 share, or refusals once a risk limit says no), then the same
N cmd_ids again (answered from the journal).  Prints p50/p99/max in ms for both.  Against
ibsim only: every accepted command is a real order."""
import sys
import time
import uuid

import redis


def rtt(r, p, ids):
    out, stream = [], f"{p}:stream:orders"
    for cmd_id in ids:
        last = r.xrevrange(stream, count=1)
        cursor = last[0][0] if last else "0-0"
        t0 = time.perf_counter()
        r.xadd(f"{p}:stream:commands", {"cmd": "place", "cmd_id": cmd_id, "symbol": "AAPL",
                                         "action": "BUY", "qty": "1", "type": "MKT"})
        while True:
            got = r.xread({stream: cursor}, block=5000, count=100)
            if not got:
                raise TimeoutError(cmd_id)
            for cursor, f in got[0][1]:
                if f.get("kind") == "cmd" and f.get("cmd_id") == cmd_id:
                    break
            else:
                continue
            break
        out.append((time.perf_counter() - t0) * 1e3)
    out.sort()
    return out[len(out) // 2], out[int(len(out) * 0.99)], out[-1]


url, prefix = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
r = redis.Redis.from_url(url, decode_responses=True)
ids = [f"rtt-{uuid.uuid4()}" for _ in range(n)]
print("new commands:    p50 %.2f ms  p99 %.2f ms  max %.2f ms" % rtt(r, prefix, ids))
print("repeated cmd_id: p50 %.2f ms  p99 %.2f ms  max %.2f ms" % rtt(r, prefix, ids))
