#!/bin/sh
# dockerfile-check.sh [Dockerfile] - the Dockerfile checks CI runs (tools/image.sh), in place of
# hadolint, which Debian does not package.  Each rule names the hadolint rule it stands for, or
# the ibpipe-specific mistake it catches.  Exit 1 on any finding, naming the rule.
#
#   base     every FROM names one explicit debian:<point release>-slim tag (DL3006/DL3007: no
#            implicit or explicit "latest"), the same in every stage, so there is one base
#            to build in CI and to pin by digest in production;
#   apt      apt-get install has -y and --no-install-recommends (DL3014, DL3015), and the
#            same RUN removes /var/lib/apt/lists (DL3009);
#   add      COPY, never ADD (DL3020);
#   cd       no `cd` in RUN; WORKDIR instead (DL3003);
#   user     the last USER is set and is not root (DL3002);
#   json     ENTRYPOINT and CMD in exec (JSON) form, so SIGTERM reaches ibpipe (DL3025);
#   context  no `COPY . .`; .dockerignore keeps deploy/secrets/, deploy/.env and .git out of
#            the build context, and `git check-ignore` says git ignores the two secrets paths;
#   include  every file the Makefile includes is COPYed (the image once failed on mk/install.mk);
#   deps     every build package the Makefile's DEB_PKGS names (less redis-server/redis-tools,
#            which only the tests use) is installed in the build stage.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
df=${1:-$root/Dockerfile}
dir=$(dirname "$df")
rc=0
bad() {
	echo "dockerfile-check: $df: [$1] $2" >&2
	rc=1
}

# Instructions with their continuation lines joined, comments dropped.
flat=$(sed -e '/^[[:space:]]*#/d' "$df" | sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta')

# FROM <an earlier stage> is not a base.
stages=$(printf '%s\n' "$flat" | sed -n 's/^FROM[[:space:]].*[[:space:]][Aa][Ss][[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p')
bases=$(printf '%s\n' "$flat" | sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' |
	grep -vxF "$(printf '%s\n' $stages)" | sort -u)
[ "$(printf '%s\n' "$bases" | wc -l)" = 1 ] || bad base "stages use different bases: $(echo $bases)"
for b in $bases; do
	printf '%s\n' "$b" | grep -Eq '^debian:[0-9]+\.[0-9]+-slim(@sha256:[0-9a-f]{64})?$' ||
		bad base "FROM $b: want debian:<point release>-slim (e.g. debian:12.15-slim)"
done

printf '%s\n' "$flat" | grep '^RUN' | while IFS= read -r run; do
	case "$run" in *"apt-get install"*)
		case "$run" in *" -y"*) ;; *) echo "apt: apt-get install without -y: $run" ;; esac
		case "$run" in *--no-install-recommends*) ;; *) echo "apt: apt-get install without --no-install-recommends: $run" ;; esac
		case "$run" in *"rm -rf /var/lib/apt/lists/*"*) ;; *) echo "apt: apt lists not removed in the same RUN: $run" ;; esac
		;;
	esac
	printf '%s\n' "$run" | grep -Eq '(^RUN|&&|;)[[:space:]]*cd[[:space:]]' && echo "cd: use WORKDIR, not cd: $run"
	:
done >"${TMPDIR:-/tmp}/dockerfile-check.$$" || true
while IFS= read -r f; do bad "${f%%:*}" "${f#*: }"; done <"${TMPDIR:-/tmp}/dockerfile-check.$$"
rm -f "${TMPDIR:-/tmp}/dockerfile-check.$$"

printf '%s\n' "$flat" | grep -q '^ADD[[:space:]]' && bad add "ADD used; COPY copies without fetching or unpacking"

user=$(printf '%s\n' "$flat" | sed -n 's/^USER[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' | tail -n 1)
case "$user" in
"") bad user "no USER: the container would run as root" ;;
root | 0 | root:* | 0:*) bad user "the last USER is $user" ;;
esac

printf '%s\n' "$flat" | grep -E '^(ENTRYPOINT|CMD)[[:space:]]' | grep -Ev '^(ENTRYPOINT|CMD)[[:space:]]+\[' |
	while IFS= read -r l; do echo "$l"; done | grep -q . && bad json "ENTRYPOINT/CMD in shell form: signals would go to /bin/sh"

printf '%s\n' "$flat" | grep -Eq '^COPY[[:space:]]+(--[^[:space:]]+[[:space:]]+)*\.[[:space:]]' &&
	bad context "COPY . copies the whole context (secrets, build output)"
for p in deploy/secrets/ deploy/.env .git; do
	grep -qx "$p" "$dir/.dockerignore" 2>/dev/null || bad context ".dockerignore does not exclude $p"
done
# ... and git never commits them (deploy/README.md tells users to create both).
if git -C "$dir" rev-parse --git-dir >/dev/null 2>&1; then
	for p in deploy/secrets/x deploy/secrets/tws_password.txt deploy/.env; do
		git -C "$dir" check-ignore -q "$p" || bad context "git does not ignore $p"
	done
fi

# The files the Makefile includes must reach the build stage.
copied=$(printf '%s\n' "$flat" | grep '^COPY' | grep -v -- '--from=' | sed 's/^COPY[[:space:]]*//')
for inc in $(sed -n 's/^-\{0,1\}include[[:space:]]\{1,\}\([^$][^[:space:]]*\)$/\1/p' "$dir/Makefile"); do
	top=${inc%%/*}
	printf '%s\n' "$copied" | grep -Eq "(^|[[:space:]])($inc|$top/?)([[:space:]]|$)" ||
		bad include "the Makefile includes $inc, which no COPY brings in"
done

# The Makefile's build packages, as make itself expands DEB_PKGS.
pkgs=$(make -C "$dir" -pn -f Makefile deps-check 2>/dev/null | sed -n 's/^DEB_PKGS := //p' | head -n 1)
[ -n "$pkgs" ] || bad deps "could not read DEB_PKGS from the Makefile"
# The first stage installs the toolchain.
build_stage=$(printf '%s\n' "$flat" | awk '/^FROM/{n++} n==1')
for p in $pkgs; do
	case "$p" in redis-server | redis-tools) continue ;; esac
	printf '%s\n' "$build_stage" | grep -Eq "apt-get install[^&]*[[:space:]]$p([[:space:]]|$)" ||
		bad deps "the Makefile needs $p; the build stage does not install it"
done

[ $rc = 0 ] && echo "dockerfile-check: $df ok"
exit $rc
