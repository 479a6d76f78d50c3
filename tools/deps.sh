#!/bin/sh
# Install the Debian packages ibpipe needs, or print the command when not root.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "ibpipe: missing packages:$missing" >&2
	echo "ibpipe: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "ibpipe: installing$missing" >&2
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
