#!/bin/sh
# install-test.sh - `make install` and `make uninstall` into a temp DESTDIR, checked (CI).
#
#   - PREFIX=/usr: binaries in /usr/bin, the man page in /usr/share/man/man1, docs in
#     /usr/share/doc/ibpipe, units in /etc/systemd/system naming /usr/bin/ibpipe, the example
#     config and an empty 0600 redis.password in /etc/ibpipe; the SDK headers, ibpipe.pc and the
#     example plugins (also under a non-default PREFIX);
#   - UNITDIR overrides where the units go;
#   - the man page lists every setting `ibpipe run --help` lists, and groff renders it
#     without a warning;
#   - a second install keeps a live password; uninstall removes every file install put
#     there except that password, which it names.
# Needs bin/ibpipe built (make).  Exit 1 on the first broken expectation.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM
fail() {
	echo "install-test: $*" >&2
	exit 1
}
cd "$root"

make -s install DESTDIR="$stage/a" PREFIX=/usr >"$stage/log" 2>&1 || {
	cat "$stage/log" >&2
	fail "make install failed"
}
for f in usr/bin/ibpipe usr/bin/ibsim usr/share/man/man1/ibpipe.1 usr/share/doc/ibpipe/README.md \
	usr/share/doc/ibpipe/redis.conf.example usr/share/doc/ibpipe/sentinel.conf.example usr/share/doc/ibpipe/redis-acl.sh \
	etc/ibpipe/ibpipe.conf.example etc/ibpipe/redis.password \
	etc/systemd/system/ibpipe@.service etc/systemd/system/ibpipe-consumer@.service etc/systemd/system/ibpipe-web@.service \
	usr/include/ibpipe/sdk.h usr/include/ibpipe/strategy.h usr/lib/pkgconfig/ibpipe.pc \
	usr/share/ibpipe/examples/momentum.c usr/share/ibpipe/examples/twap.c usr/share/ibpipe/examples/imbalance.c; do
	[ -e "$stage/a/$f" ] || fail "make install did not create /$f"
done
[ "$(stat -c %a "$stage/a/etc/ibpipe/redis.password")" = 600 ] || fail "redis.password is not 0600"
grep -q '^ExecStart=/usr/bin/ibpipe web ' "$stage/a/etc/systemd/system/ibpipe-web@.service" ||
	fail "the dashboard unit does not name PREFIX's binary /usr/bin/ibpipe"
grep -q '^ExecStart=/usr/bin/ibpipe run' "$stage/a/etc/systemd/system/ibpipe@.service" ||
	fail "the unit does not name PREFIX's binary /usr/bin/ibpipe"
grep -rq /usr/local "$stage/a/etc/systemd/system" && fail "a unit still names /usr/local"

# The SDK's pkg-config file names PREFIX's headers, for a non-default PREFIX too (tools/sdk-test.sh
# builds the examples from such a stage).
grep -qx 'includedir=/usr/include' "$stage/a/usr/lib/pkgconfig/ibpipe.pc" || fail "ibpipe.pc does not name /usr/include"
make -s install DESTDIR="$stage/o" PREFIX=/opt/ibpipe >"$stage/log" 2>&1 || fail "make install PREFIX=/opt/ibpipe failed"
grep -qx 'includedir=/opt/ibpipe/include' "$stage/o/opt/ibpipe/lib/pkgconfig/ibpipe.pc" ||
	fail "PREFIX=/opt/ibpipe: ibpipe.pc does not name /opt/ibpipe/include"
[ -e "$stage/o/opt/ibpipe/include/ibpipe/sdk.h" ] || fail "PREFIX=/opt/ibpipe: no include/ibpipe/sdk.h"

# The man page and --help: the same settings.
man="$stage/a/usr/share/man/man1/ibpipe.1"
n=0
for flag in $(bin/ibpipe run --help | awk '/^  --[a-z]/ && $2 ~ /^IBPIPE_/ { print $1 }'); do
	n=$((n + 1))
	grep -q "^\\.BR $(printf '%s' "$flag" | sed 's/-/\\\\-/g') " "$man" || fail "the man page lacks $flag"
done
[ "$n" -gt 20 ] || fail "ibpipe run --help listed only $n settings"
if command -v groff >/dev/null 2>&1; then
	warn=$(groff -man -Tutf8 -ww -z "$man" 2>&1) || fail "groff: $warn"
	[ -z "$warn" ] || fail "groff warns: $warn"
fi

# UNITDIR overrides; a second install keeps a live password.
echo secret >"$stage/a/etc/ibpipe/redis.password"
make -s install DESTDIR="$stage/a" PREFIX=/usr UNITDIR=/lib/systemd/system >"$stage/log" 2>&1 ||
	fail "second make install failed"
[ -e "$stage/a/lib/systemd/system/ibpipe@.service" ] || fail "UNITDIR=/lib/systemd/system was not used"
[ "$(cat "$stage/a/etc/ibpipe/redis.password")" = secret ] || fail "install overwrote a live redis.password"

# uninstall (both unit directories): only the live password stays.
make -s uninstall DESTDIR="$stage/a" PREFIX=/usr >"$stage/log" 2>&1 || fail "make uninstall failed"
make -s uninstall DESTDIR="$stage/a" PREFIX=/usr UNITDIR=/lib/systemd/system >>"$stage/log" 2>&1 ||
	fail "make uninstall (UNITDIR) failed"
grep -q 'Kept in .*/etc/ibpipe.*redis.password' "$stage/log" || fail "uninstall did not name the kept password"
left=$(cd "$stage/a" && find . -type f | sort)
[ "$left" = "./etc/ibpipe/redis.password" ] || fail "uninstall left: $left"
echo "install-test: staged install (PREFIX=/usr, DESTDIR, UNITDIR), man page ($n settings) and uninstall ok"
