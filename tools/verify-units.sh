#!/bin/sh
# verify-units.sh - `systemd-analyze verify` over deploy/systemd/*.service; exit 1 on any finding.
#
# The units are checked as shipped, from a temporary copy.  Two rewrites are made first, so the
# check concerns the units and not this machine's install:
#   - /usr/local/bin/ibpipe becomes this tree's bin/ibpipe ($IBPIPE_BIN), which must exist;
#   - binaries that belong to other packages (IBC, Xvfb, redis-cli; the EXTERNAL list) become
#     /bin/true when they are not installed.  Every other Exec path must exist, so a typo such as
#     /bin/shh still fails.
# Template units are verified as an instance (ibpipe@paper.service).  systemd-analyze prints
# some problems ("Unknown key ..., ignoring") without failing, so any output counts as a failure.
# Finally every ibpipe unit's offline exposure score must be at most 2.0 (lower is better).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
ibpipe=${IBPIPE_BIN:-$root/bin/ibpipe}
case "$ibpipe" in /*) ;; *) ibpipe="$root/$ibpipe" ;; esac
EXTERNAL="/opt/ibc/gatewaystart.sh /usr/bin/Xvfb /usr/bin/redis-cli"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "verify-units: installing systemd (for systemd-analyze)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd >&2
	else
		echo "verify-units: systemd-analyze not found; run: apt-get install systemd" >&2
		exit 1
	fi
fi
if [ ! -x "$ibpipe" ]; then
	echo "verify-units: $ibpipe not built (make bin/ibpipe)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for f in "$root"/deploy/systemd/*.service; do
	sed "s|/usr/local/bin/ibpipe|$ibpipe|g" "$f" >"$tmp/$(basename "$f")"
done
for bin in $EXTERNAL; do
	[ -x "$bin" ] && continue
	echo "verify-units: $bin is not installed here; checking with /bin/true in its place" >&2
	sed -i "s|$bin|/bin/true|g" "$tmp"/*.service
done
# Units ours are ordered after but that this tree does not ship.  Stubs keep verify from
# reporting them missing on a build machine.
for dep in redis-server.service; do
	[ -e "/lib/systemd/system/$dep" ] || [ -e "$tmp/$dep" ] || printf '[Service]\nExecStart=/bin/true\n' >"$tmp/$dep"
done

rc=0
cd "$tmp"
for f in "$root"/deploy/systemd/*.service; do
	u=$(basename "$f")
	case "$u" in *@.service) u="${u%@.service}@paper.service" ;; esac
	# The units directory is the search path, so Requires=/After= between our units resolve.
	if out=$(SYSTEMD_UNIT_PATH="$tmp:" SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$u" 2>&1); then
		:
	else
		rc=1
	fi
	if [ -n "$out" ]; then
		printf 'FAIL %s:\n%s\n' "$u" "$out" >&2
		rc=1
	else
		echo "ok   $u"
	fi
done

# Exposure (systemd-analyze security --offline, 0 best .. 10 worst) of every ibpipe unit: at
# most MAX_EXPOSURE (2.0), or the check fails.  The gateway's units are not ours to harden
# that far (Java, X11).  systemd 252 (bookworm) has --offline; an older one only prints why.
MAX_EXPOSURE=${MAX_EXPOSURE:-2.0}
if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
	for f in "$root"/deploy/systemd/ibpipe*.service; do
		u=$(basename "$f")
		case "$u" in *@.service) u="${u%@.service}@paper.service" ;; esac
		score=$(SYSTEMD_UNIT_PATH="$tmp:" systemd-analyze security --offline=yes --no-pager "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\).*/\1/p')
		if [ -z "$score" ]; then
			echo "FAIL $u: systemd-analyze security gave no exposure score" >&2
			rc=1
		elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
			echo "ok   $u exposure $score (<= $MAX_EXPOSURE)"
		else
			echo "FAIL $u exposure $score > $MAX_EXPOSURE (systemd-analyze security --offline=yes $u)" >&2
			rc=1
		fi
	done
else
	echo "verify-units: this systemd-analyze has no --offline; exposure not checked" >&2
fi

if [ $rc -eq 0 ]; then
	echo "verify-units: all units ok"
else
	echo "verify-units: FAILED" >&2
fi
exit $rc
