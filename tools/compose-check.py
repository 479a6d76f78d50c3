#!/usr/bin/env python3
"""compose-check.py [deploy/compose.yaml] - the rules deploy/compose.yaml must keep (CI runs it
from tools/image.sh; there is no Docker on CI machines to run the stack itself).

  every service: init, cap_drop [ALL], no-new-privileges, json-file logs with max-size;
  redis and ibpipe: read_only; redis: mem_limit, the ACL file from deploy/redis/acl.sh and
      no requirepass; ibpipe: the healthcheck asks /healthz (no second API session);
  ib-gateway: no published port (compose.api-port.yaml publishes it on request, on 127.0.0.1
      only) and a bounded restart (on-failure:N), since IBKR locks accounts after repeated
      failed logins;
  the commented TWS_COLD_RESTART example is HH:mm, 24-hour, as IBC's ColdRestartTime wants.
Exit 1 naming each broken rule.
"""
import os
import re
import sys

import yaml

here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "deploy", "compose.yaml")
text = open(path, encoding="utf-8").read()
doc = yaml.safe_load(text)
services = doc.get("services", {})
bad = []


def need(cond, what):
    if not cond:
        bad.append(what)


for name, s in services.items():
    need(s.get("init") is True, f"{name}: init: true")
    need(s.get("cap_drop") == ["ALL"], f"{name}: cap_drop: [ALL]")
    need("no-new-privileges:true" in (s.get("security_opt") or []), f"{name}: no-new-privileges")
    log = s.get("logging") or {}
    need(log.get("driver") == "json-file" and (log.get("options") or {}).get("max-size"),
         f"{name}: json-file logging with max-size")

for name in ("redis", "ibpipe"):
    need(services.get(name, {}).get("read_only") is True, f"{name}: read_only: true")

redis = services.get("redis", {})
need(bool(redis.get("mem_limit")), "redis: mem_limit")
cmd = " ".join(redis.get("command") or [])
need("acl.sh" in cmd and "--aclfile" in cmd, "redis: users from deploy/redis/acl.sh (--aclfile)")
need("requirepass" not in cmd, "redis: no requirepass (ACL users instead)")

hc = " ".join((services.get("ibpipe", {}).get("healthcheck") or {}).get("test") or [])
need("/healthz" in hc and "probe" not in hc, "ibpipe: healthcheck on /healthz, not ibpipe probe")

gw = services.get("ib-gateway", {})
need(not gw.get("ports"), "ib-gateway: no published ports (compose.api-port.yaml does that)")
need(re.fullmatch(r"on-failure:[1-5]", str(gw.get("restart", ""))) is not None,
     "ib-gateway: restart: on-failure:N with N <= 5")
for m in re.finditer(r"TWS_COLD_RESTART:\s*\"([^\"]*)\"", text):
    need(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", m.group(1)) is not None,
         f"TWS_COLD_RESTART \"{m.group(1)}\": IBC wants HH:mm, 24-hour")

override = os.path.join(os.path.dirname(path), "compose.api-port.yaml")
if os.path.exists(override):
    for p in (yaml.safe_load(open(override, encoding="utf-8"))["services"]["ib-gateway"].get("ports") or []):
        need(str(p).startswith("127.0.0.1:"), f"compose.api-port.yaml: {p} must bind 127.0.0.1 only")

for b in bad:
    print(f"compose-check: {path}: {b}", file=sys.stderr)
if not bad:
    print(f"compose-check: {path} ok")
sys.exit(1 if bad else 0)
