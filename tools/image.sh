#!/bin/sh
# image.sh - build the container image from the real Dockerfile and smoke-test it, with no
# registry (CI runs it; so can anyone who is root on a Debian host).
#
#   1. tools/dockerfile-check.sh (hadolint is not packaged in Debian) and
#      tools/compose-check.py (the rules deploy/compose.yaml keeps; no Docker here to run it).
#   2. The base.  The Dockerfile's FROM tag (one for both stages, e.g. debian:12.15-slim) is
#      built here: `debootstrap --variant=minbase bookworm` from the Debian mirror this host's
#      apt uses, committed with buildah as that tag.  The point release inside must match the
#      tag, so the Dockerfile's pin always names what CI built and tested; when the archive has
#      moved on (a new point release), bump the FROM lines.  The bookworm suite changes only at
#      point releases, so the base is cached under the tag: the storage in $IBPIPE_CI_CACHE
#      keeps it, and debootstrap runs again only for a new tag.
#   3. `buildah bud --pull=never --layers` of the Dockerfile.  The toolchain stage (the slow
#      apt install of build-essential and the -dev packages) is tagged and kept; the other
#      layers are rebuilt each run and pruned after it (vfs stores each as a full copy).
#   4. Smoke test with `buildah run`: `ibpipe --version` names this commit, and `ibpipe probe`
#      inside the image syncs against bin/ibsim on the host's loopback; then `ibpipe run` in
#      the image answers compose's own healthcheck command on /healthz and /readyz, and exits
#      0 on SIGTERM.
#
# buildah: storage driver vfs, --isolation chroot (works as root with no user namespaces or
# overlay support).  Needs root, bin/ibsim (make) and the Debian archive.  Prints each phase's
# seconds and the base image's digest (for the production digest pin, see the Dockerfile).
#
# Environment: IBPIPE_CI_CACHE (default /var/cache/ibpipe-ci; its containers/ holds buildah's
# storage), IMAGE (default ibpipe:ci).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${IBPIPE_CI_CACHE:-/var/cache/ibpipe-ci}
image=${IMAGE:-ibpipe:ci}
t0=$(date +%s)
phase() { printf 'image: %-44s (%ss)\n' "$*" $(($(date +%s) - t0)); }

if [ "$(id -u)" != 0 ]; then
	echo "image: needs root (debootstrap, buildah with chroot isolation)" >&2
	exit 1
fi
for tool in debootstrap buildah; do
	command -v "$tool" >/dev/null 2>&1 && continue
	echo "image: installing $tool" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
done
if [ ! -x "$root/bin/ibsim" ]; then
	echo "image: $root/bin/ibsim not built (make)" >&2
	exit 1
fi

python3 -c 'import yaml' 2>/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null
"$root/tools/dockerfile-check.sh" "$root/Dockerfile"
"$root/tools/compose-check.py" "$root/deploy/compose.yaml"
phase "Dockerfile and compose checks passed"

# The one base (dockerfile-check.sh made sure there is one): FROM lines that name no earlier stage.
stages=$(sed -n 's/^FROM[[:space:]].*[[:space:]][Aa][Ss][[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$root/Dockerfile")
base=$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$root/Dockerfile" | grep -vxF "$stages" | sort -u)
# debian:12.15-slim -> 12.15: the point release the base must contain.
want=$(printf '%s\n' "$base" | sed -n 's/^debian:\([0-9]\{1,\}\.[0-9]\{1,\}\)-slim$/\1/p')
if [ -z "$want" ]; then
	echo "image: the Dockerfile's base '$base' is not one debian:<point release>-slim tag" >&2
	exit 1
fi
# The first Debian mirror this host's apt uses (deb822 or one-line sources).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p; s/^deb[[:space:]]\{1,\}\([^[:space:]]*\/debian\)[[:space:]].*/\1/p' |
	head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$cache/containers"
# One run at a time per cache: a second CI run or a developer's run on the same machine would
# otherwise prune layers or remove the working container under this one.
exec 9>"$cache/lock"
if ! flock -w 1200 9; then
	echo "image: $cache is locked by another image.sh for 20 minutes" >&2
	exit 1
fi
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
run_dir=$(mktemp -d /tmp/ibpipe-image.XXXXXX)
# 9>&-: no child keeps the lock past this script (a stray one would block the next run).
B() { buildah --root "$cache/containers/storage" --runroot "$run_dir/runroot" "$@" 9>&-; }
sim_pid=""
run_pid=""
ctr=""
# The processes under PID $1 (chroot isolation shares the host's PID namespace), with their
# command names: "pid comm" lines.
descendants() {
	ps -e -o pid=,ppid=,comm= | awk -v root="$1" '
		{ parent[$1] = $2; name[$1] = $3 }
		END { for (p in name) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p, name[p] } }'
}
# SIGTERM to PID $1 and everything under it (buildah run does not forward signals), SIGKILL
# after 10 s.
stop_tree() {
	kill -TERM $(descendants "$1" | cut -d ' ' -f 1) "$1" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL $(descendants "$1" | cut -d ' ' -f 1) "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	set +e
	[ -n "$run_pid" ] && stop_tree "$run_pid"
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$ctr" ] && B rm "$ctr" >/dev/null 2>&1
	rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Working containers a killed run left behind (this storage holds only ours).
B rm --all >/dev/null 2>&1 || true

# ---- the base -------------------------------------------------------------------------------
if B inspect --type image "$base" >/dev/null 2>&1; then
	phase "base $base cached"
else
	rootfs="$run_dir/rootfs"
	debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$run_dir/debootstrap.log" 2>&1 || {
		tail -n 20 "$run_dir/debootstrap.log" >&2
		echo "image: debootstrap from $mirror failed" >&2
		exit 1
	}
	got=$(cat "$rootfs/etc/debian_version")
	if [ "$got" != "$want" ]; then
		echo "image: the archive ($mirror) is at Debian $got, the Dockerfile pins $base." >&2
		echo "image: bump both FROM lines to debian:$got-slim (and the production digest pin)." >&2
		exit 1
	fi
	# What a slim image leaves out: package lists and caches.
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
	new=$(B from scratch)
	mnt=$(B mount "$new")
	tar -C "$rootfs" --numeric-owner -cf - . | tar -C "$mnt" --numeric-owner -xpf -
	B umount "$new" >/dev/null
	B config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
		--label "org.opencontainers.image.description=debootstrap --variant=minbase bookworm ($mirror), Debian $got" \
		"$new"
	B commit --quiet "$new" "$base" >/dev/null
	B rm "$new" >/dev/null
	rm -rf "$rootfs"
	phase "base $base built (debootstrap, Debian $got)"
fi
echo "image: base $base digest $(B inspect --type image --format '{{.FromImageDigest}}' "$base")"

# ---- the image ------------------------------------------------------------------------------
sha=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# The toolchain stage first, tagged, so the prune below keeps it: the apt layer (build-essential
# and the -dev packages, the slow part) is rebuilt only when that stage changes.  Every other
# intermediate layer is a full copy of the root filesystem under vfs, and is pruned.
if ! B bud --pull=never --layers --quiet --target toolchain -f "$root/Dockerfile" -t ibpipe-toolchain:ci \
	"$root" >"$run_dir/build.log" 2>&1; then
	cat "$run_dir/build.log" >&2
	echo "image: buildah bud --target toolchain failed" >&2
	exit 1
fi
phase "toolchain stage ready"
if ! B bud --pull=never --layers --quiet --build-arg GIT_SHA="$sha" -f "$root/Dockerfile" -t "$image" \
	"$root" >"$run_dir/build.log" 2>&1; then
	cat "$run_dir/build.log" >&2
	echo "image: buildah bud failed" >&2
	exit 1
fi
# Untagged layers (this build's intermediates, the previous image): vfs stores each as a full
# copy of the root filesystem, so they go; the base, the toolchain and the image stay.
B rmi --prune >/dev/null 2>&1 || true
phase "built $image from the Dockerfile"

# ---- smoke test -----------------------------------------------------------------------------
ctr=$(B from --pull-never "$image")
version=$(B run "$ctr" -- ibpipe --version 2>"$run_dir/version.err") || true
case "$version" in
*"($sha)"*) echo "image: $version" ;;
*)
	cat "$run_dir/version.err" >&2
	echo "image: 'ibpipe --version' in the image says '$version', expected ($sha)" >&2
	exit 1
	;;
esac
# The image's user must not be root.
user=$(B inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
case "$user" in "" | root | 0 | root:* | 0:*)
	echo "image: runs as '$user'; it must be an unprivileged user" >&2
	exit 1
	;;
esac

"$root/bin/ibsim" --port 0 --port-file "$run_dir/sim.port" --log-level warn >"$run_dir/sim.log" 2>&1 9>&- &
sim_pid=$!
for _ in $(seq 200); do
	[ -s "$run_dir/sim.port" ] && break
	kill -0 "$sim_pid" 2>/dev/null || break
	sleep 0.05
done
if [ ! -s "$run_dir/sim.port" ]; then
	cat "$run_dir/sim.log" >&2
	echo "image: ibsim did not start" >&2
	exit 1
fi
port=$(cat "$run_dir/sim.port")
# chroot isolation shares the host's network: the image's ibpipe reaches ibsim on 127.0.0.1.
# The image's own entrypoint user and config; --state-dir is the image's volume.
if ! verdict=$(B run "$ctr" -- ibpipe probe --host 127.0.0.1 --port "$port" --client-id 99 --sync-timeout 20 \
	2>"$run_dir/probe.err"); then
	cat "$run_dir/probe.err" >&2
	echo "image: 'ibpipe probe' in the image failed: $verdict" >&2
	exit 1
fi
case "$verdict" in
*'"ok":true'*) echo "image: probe $verdict" ;;
*)
	echo "image: unexpected probe verdict: $verdict" >&2
	exit 1
	;;
esac
phase "smoke test passed (--version, probe against ibsim)"

# The compose healthcheck, word for word from deploy/compose.yaml, run inside the image against
# `ibpipe run` in the image: /healthz answers 200 once the threads run, /readyz once the gate
# opened against ibsim.  Then SIGTERM (docker stop) must end ibpipe cleanly, exit status 0.
hc=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["services"]["ibpipe"]["healthcheck"]["test"][-1])' \
	"$root/deploy/compose.yaml")
mport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
B run "$ctr" -- ibpipe run --host 127.0.0.1 --port "$port" --client-id 98 --no-redis \
	--metrics-listen "127.0.0.1:$mport" >"$run_dir/run.log" 2>&1 &
run_pid=$!
ask() { B run "$ctr" -- bash -c "$(printf '%s' "$hc" | sed "s/9464/$mport/; s|/healthz|$1|")" >/dev/null 2>&1; }
for path in /healthz /readyz; do
	ok=0
	for _ in $(seq 60); do
		ask "$path" && ok=1 && break
		kill -0 "$run_pid" 2>/dev/null || break
		sleep 0.5
	done
	if [ $ok != 1 ]; then
		cat "$run_dir/run.log" >&2
		echo "image: the compose healthcheck on $path never answered 200" >&2
		exit 1
	fi
done
# Signal ibpipe itself, as docker stop would (buildah run does not forward signals).
ib_pid=$(descendants "$run_pid" | awk '$2 == "ibpipe" { print $1 }')
if [ -z "$ib_pid" ]; then
	echo "image: cannot find the image's ibpipe process under buildah run ($run_pid)" >&2
	exit 1
fi
kill -TERM $ib_pid
if ! wait "$run_pid"; then
	cat "$run_dir/run.log" >&2
	echo "image: ibpipe in the image did not exit 0 on SIGTERM" >&2
	exit 1
fi
run_pid=""
phase "compose healthcheck: /healthz, /readyz; SIGTERM exits 0"
echo "image: $(B images --format '{{.Name}}:{{.Tag}} {{.Size}}' | tr '\n' ' ')(cache: $(du -sh "$cache" | cut -f 1))"
