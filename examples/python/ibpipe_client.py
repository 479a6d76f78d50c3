#!/usr/bin/python3
"""ibpipe from Python: wait until it is synced, read accounts, positions and quotes from Redis,
place an order through the command stream and wait for its fill.  Debian's python3-redis.

    examples/python/ibpipe_client.py --redis-url redis://127.0.0.1:6379 --prefix ibpipe \\
        --symbols AAPL,MSFT --buy AAPL 10            # MKT; add --limit 187.5 for LMT

ibpipe runs with `--commands`.  As an ACL user: --redis-url redis://trader@HOST:PORT and the
password in IBPIPE_REDIS_PASSWORD.  Exit status: 0 filled, 1 refused / not filled in time.
"""
import argparse
import json
import os
import sys
import time
import uuid

import redis

FINAL = {"Filled", "Cancelled", "ApiCancelled", "Inactive", "Rejected"}


def wait_ready(r, p, timeout):
    """Subscribe first, then GET: a change between the two cannot be missed.  `ready` counts
    only while P:health exists (a killed ibpipe leaves a stale `ready` for up to 5 s)."""
    events = r.pubsub(ignore_subscribe_messages=True)
    events.subscribe(f"{p}:events")
    deadline = time.monotonic() + timeout
    try:
        while not (r.get(f"{p}:sync") == "ready" and r.exists(f"{p}:health")):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"not ready: {r.get(f'{p}:sync:detail')}")
            events.get_message(timeout=min(left, 1.0))  # a sync change, or look again in 1 s
    finally:
        events.close()


def show_state(r, p, symbols):
    for a in sorted(r.smembers(f"{p}:accounts")):
        v = r.hgetall(f"{p}:account:{{{a}}}")  # {A}: the account id is a hash tag
        print(f"account {a}: NetLiquidation {v.get('NetLiquidation:USD')} "
              f"cash {v.get('TotalCashValue:USD')} buying power {v.get('BuyingPower:USD')}")
        for pos in r.hgetall(f"{p}:positions:{{{a}}}").values():
            d = json.loads(pos)
            print(f"position {a} {d['symbol']}: {d['position']} @ {d['avgCost']}")
    for s in symbols:
        q = r.hgetall(f"{p}:quote:{s}")
        print(f"quote {s}: bid {q.get('bid')} ask {q.get('ask')} last {q.get('last')}")


def place(r, p, timeout, **order):
    """Send one command and follow P:stream:orders until the order is final.  The cmd_id makes
    a resend safe: ibpipe answers a cmd_id it has seen with the first result, never twice."""
    cmd_id = f"py-{uuid.uuid4()}"
    stream = f"{p}:stream:orders"
    last = r.xrevrange(stream, count=1)
    cursor = last[0][0] if last else "0-0"  # read what comes after our command, nothing before
    r.xadd(f"{p}:stream:commands", {"cmd": "place", "cmd_id": cmd_id, **order})
    order_id, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        for _, entries in r.xread({stream: cursor}, count=100, block=1000) or []:
            for cursor, f in entries:
                if f.get("kind") == "cmd" and f.get("cmd_id") == cmd_id:
                    if f["result"] != "accepted":
                        raise RuntimeError(f"refused: {f['reason']}")
                    order_id = f["order_id"]
                    print(f"command {cmd_id}: accepted, order id {order_id}")
                elif order_id and f.get("kind") == "status" and f.get("order_id") == order_id:
                    print(f"order {order_id}: {f['status']} filled {f['filled']} @ {f['avg_fill_price']}")
                    if f["status"] in FINAL:
                        return f
    raise TimeoutError(f"order {order_id or cmd_id}: not final after {timeout} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    ap.add_argument("--prefix", default="ibpipe")
    ap.add_argument("--symbols", default="AAPL,MSFT")
    ap.add_argument("--buy", nargs=2, metavar=("SYMBOL", "QTY"))
    ap.add_argument("--limit", help="limit price (default: a market order)")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    r = redis.Redis.from_url(a.redis_url, password=os.environ.get("IBPIPE_REDIS_PASSWORD"),
                             decode_responses=True)
    wait_ready(r, a.prefix, a.timeout)
    print("sync: ready")
    show_state(r, a.prefix, [s for s in a.symbols.split(",") if s])
    if a.buy:
        order = {"symbol": a.buy[0], "action": "BUY", "qty": a.buy[1], "type": "MKT"}
        if a.limit:
            order.update(type="LMT", lmt=a.limit)
        try:
            done = place(r, a.prefix, a.timeout, **order)
        except (RuntimeError, TimeoutError) as e:
            print(e, file=sys.stderr)
            return 1
        return 0 if done["status"] == "Filled" else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
