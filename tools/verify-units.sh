#!/bin/sh
# verify-units.sh -- run `systemd-analyze verify` on deploy/systemd/*.service.
#
# The units are copied to a temp dir first: /usr/local/bin/ibpipe is rewritten to this
# checkout's bin/ibpipe, and any other Exec*= binary missing on this machine (IBC, Xvfb,
# redis-cli, ...) to /bin/true, so verify checks the unit syntax, not the host's install.
# Template units are verified as an instance (ibpipe@paper.service).  Exit 1 on any error.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
ibpipe="$root/bin/ibpipe"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "verify-units: installing systemd (for systemd-analyze)" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends systemd >&2
	else
		echo "verify-units: systemd-analyze not found (apt-get install systemd)" >&2
		exit 1
	fi
fi
[ -x "$ibpipe" ] || make -C "$root" bin/ibpipe >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for f in "$root"/deploy/systemd/*.service; do
	sed "s|/usr/local/bin/ibpipe|$ibpipe|g" "$f" >"$tmp/$(basename "$f")"
done
# Missing binaries -> /bin/true.  Covers "ExecX=[-@:+!]*/path" and "/bin/sh -c '... exec /path'".
for bin in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p; s/.*exec \(\/[^ ]*\).*/\1/p' "$tmp"/*.service | sort -u); do
	[ -x "$bin" ] && continue
	echo "verify-units: $bin not installed here, using /bin/true" >&2
	sed -i "s|$bin|/bin/true|g" "$tmp"/*.service
done

# Dependencies named by the units but not shipped here (so verify doesn't warn about them).
for dep in redis-server.service; do
	[ -e "$tmp/$dep" ] || printf '[Service]\nExecStart=/bin/true\n' >"$tmp/$dep"
done

rc=0
cd "$tmp"
for f in "$root"/deploy/systemd/*.service; do
	u=$(basename "$f")
	case "$u" in *@.service) u="${u%@.service}@paper.service"; cp "$(basename "$f")" "$u" 2>/dev/null || true ;; esac
	out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/$u" 2>&1) || { rc=1; }
	if [ -n "$out" ]; then
		# systemd-analyze reports some problems without a non-zero exit; treat any output as failure.
		printf '%s:\n%s\n' "$u" "$out" >&2
		rc=1
	else
		echo "ok   $u"
	fi
done
[ $rc -eq 0 ] && echo "verify-units: all units ok" || echo "verify-units: FAILED" >&2
exit $rc
