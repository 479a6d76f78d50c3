#!/bin/sh
# sdk-test.sh - the strategy SDK end to end, outside the source tree (CI; issue 16).
#
#   - bin/ibpipe exports exactly the SDK (mk/sdk.syms): nm -D --defined-only, glibc's
#     copy-relocated data (name@GLIBC_...) aside;
#   - `make install DESTDIR=stage PREFIX=/usr`, then each example of examples/ compiled with only
#     PKG_CONFIG_PATH / PKG_CONFIG_SYSROOT_DIR pointing into the stage (no -I into the tree), and so
#     is the README's example;
#   - refusals, each exit 2 with its message: a plugin of another ABI major, a file that is not a
#     shared object, a plugin without the entry symbol, a plugin whose create() fails, a missing
#     file, an unknown parameter (key and strategy), a malformed one, an unknown built-in, a newer
#     minor version's longer vtable; a plugin of an older minor version (shorter vtable) loads;
#   - against ibsim (not readonly) with a private redis-server: TWAP alone, its children summing
#     to the parent and filled in P:stream:orders; then momentum, two TWAP threads and a built-in
#     in one process, each on its own thread, both plugins' orders filled.
# Needs make (bin/ibpipe, bin/ibsim).  SDK_IBPIPE overrides bin/ibpipe (ibsim is taken from beside it),
# SDK_VARIANT the build variant make install stages (release) and SDK_CFLAGS adds flags to the
# plugins' builds: `make asan sdk-test` / `make tsan sdk-test` and make test's suite "sdk"
# (tests/test_sdk.c) set them.  Exit 1 on the first broken expectation.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ibpipe-sdk.XXXXXX")
sim_pid= ib_pid= rport=
cleanup() {
	[ -n "$ib_pid" ] && kill -TERM "$ib_pid" 2>/dev/null && wait "$ib_pid" 2>/dev/null
	[ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$rport" ] && redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
	echo "sdk-test: $*" >&2
	exit 1
}
cd "$root"
ibpipe=${SDK_IBPIPE:-$root/bin/ibpipe}
sancflags=${SDK_CFLAGS:-}   # the sanitizer of SDK_IBPIPE's build, for the plugins too

# 1. The executable exports the SDK and nothing else (a sanitizer build exports its runtime too).
want=$(sed -n 's/^[[:space:]]*\([a-z_][a-z0-9_]*\);$/\1/p' mk/sdk.syms | sort)
have=$(nm -D --defined-only "$ibpipe" | awk '$3 !~ /@/ && $3 !~ /^__(asan|ubsan|tsan|sanitizer|lsan)/ { print $3 }' | sort)
if [ -z "$sancflags" ]; then
	[ "$want" = "$have" ] || fail "nm -D bin/ibpipe is not exactly mk/sdk.syms: $(printf '%s\n' "$want" "$have" | sort | uniq -u | tr '\n' ' ')"
fi

# 2. Staged install; the examples built from it alone.
make -s install VARIANT="${SDK_VARIANT:-release}" DESTDIR="$work/stage" PREFIX=/usr >"$work/install.log" 2>&1 || {
	cat "$work/install.log" >&2
	fail "make install failed"
}
PKG_CONFIG_PATH=$work/stage/usr/lib/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$work/stage
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_LIBDIR 2>/dev/null || true
cflags=$(pkg-config --cflags ibpipe) || fail "pkg-config finds no ibpipe in the stage"
case "$cflags" in *"$work/stage/usr/include"*) ;; *) fail "pkg-config --cflags ibpipe: $cflags (not into the stage)" ;; esac
ex=$work/stage/usr/share/ibpipe/examples
n=0
for src in "$ex"/*.c; do
	# shellcheck disable=SC2086 # cflags is a list of flags
	cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $sancflags $cflags "$src" -o "$work/$(basename "$src" .c).so" ||
		fail "$(basename "$src") does not build out of tree"
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n examples installed"
# The README's "Write your own strategy" example, as a reader would copy it.
sed -n '/^## Write your own strategy/,/^## /p' README.md | sed -n '/^```c$/,/^```$/p' | sed '1d;$d' >"$work/mine.c"
[ -s "$work/mine.c" ] || fail "README has no C example under 'Write your own strategy'"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC $cflags "$work/mine.c" -o "$work/mine.so" || fail "the README's example does not build"

# 3. Refusals: exit 2 and a message naming the plugin and the reason.
cat >"$work/bad.c" <<'C'
#include <stdlib.h>
#include <ibpipe/sdk.h>
static void *mk(ib_strategy_ctx *ctx) { (void)ctx; return NULL; }
static const ib_strategy_vtable vt = { .name = "bad", .create = mk };
#if defined(WRONG_MAJOR)
const ib_sdk_plugin *ibpipe_strategy_plugin(void)
{
	static const ib_sdk_plugin d = { IB_SDK_ABI_MAJOR + 1, 0, sizeof(ib_strategy_vtable), sizeof(ib_quote_data),
					 sizeof(ib_book), sizeof(ib_order), sizeof(ib_contract), sizeof(ib_accounts), &vt };
	return &d;
}
#elif defined(OLD_MINOR) || defined(NEW_MINOR) || defined(ABI10)
#include <stddef.h>
static void *ok(ib_strategy_ctx *ctx) { (void)ctx; ib_log(IB_LL_INFO, "old", "created"); return malloc(1); }
static const ib_strategy_vtable vt_ok = { .name = "old", .create = ok, .destroy = free };
const ib_sdk_plugin *ibpipe_strategy_plugin(void)
{
#ifdef OLD_MINOR /* as built before on_timer was added: a shorter vtable, which must still load */
	static const ib_sdk_plugin d = { IB_SDK_ABI_MAJOR, 0, offsetof(ib_strategy_vtable, on_timer), sizeof(ib_quote_data),
#elif defined(ABI10) /* ABI 1.0 / 1.1, before on_bar (1.2): runs with bars configured, on_bar NULL */
	static const ib_sdk_plugin d = { IB_SDK_ABI_MAJOR, 0, offsetof(ib_strategy_vtable, on_bar), sizeof(ib_quote_data),
#else /* from a newer minor version than this ibpipe: a longer vtable, refused */
	static const ib_sdk_plugin d = { IB_SDK_ABI_MAJOR, 99, sizeof(ib_strategy_vtable) + 8, sizeof(ib_quote_data),
#endif
					 sizeof(ib_book), sizeof(ib_order), sizeof(ib_contract), sizeof(ib_accounts), &vt_ok };
	(void)vt;
	return &d;
}
#elif defined(NO_ENTRY)
const ib_strategy_vtable *the_strategy(void) { return &vt; }
#else
IB_SDK_PLUGIN(vt)
#endif
C
# shellcheck disable=SC2086
cc -shared -fPIC $cflags -DWRONG_MAJOR "$work/bad.c" -o "$work/major.so"
# shellcheck disable=SC2086
cc -shared -fPIC $cflags -DNO_ENTRY "$work/bad.c" -o "$work/noentry.so"
# shellcheck disable=SC2086
cc -shared -fPIC $cflags "$work/bad.c" -o "$work/nocreate.so"
# shellcheck disable=SC2086
cc -shared -fPIC $cflags -DOLD_MINOR "$work/bad.c" -o "$work/oldminor.so"
# shellcheck disable=SC2086
cc -shared -fPIC $cflags -DNEW_MINOR "$work/bad.c" -o "$work/newminor.so"
# shellcheck disable=SC2086
cc -shared -fPIC $cflags -DABI10 "$work/bad.c" -o "$work/abi10.so"
head -c 4096 /dev/zero | tr "\\0" x >"$work/text.so"   # long enough that dlopen reads a header
major=$(sed -n 's/^#define IB_SDK_ABI_MAJOR //p' include/ibpipe/sdk.h)
minor=$(sed -n 's/^#define IB_SDK_ABI_MINOR //p' include/ibpipe/sdk.h)
refuse() { # plugin expected-message-substring [more args]
	plugin=$1 msg=$2
	shift 2
	rc=0
	"$ibpipe" run --strategies "$plugin" --no-redis --port 1 --state-dir "$work" --run-seconds 1 "$@" \
		>"$work/out" 2>&1 || rc=$?
	[ "$rc" = 2 ] || fail "--strategy $plugin: exit $rc, not 2: $(cat "$work/out")"
	grep -qF -- "$msg" "$work/out" || fail "--strategy $plugin: no '$msg' in: $(cat "$work/out")"
}
refuse "$work/major.so" "plugin $work/major.so: built for SDK ABI $((major + 1)).0, this ibpipe has ABI $major.$minor"
refuse "$work/text.so" "plugin $work/text.so: cannot load: $work/text.so: invalid ELF header"
refuse "$work/noentry.so" "plugin $work/noentry.so: no entry symbol ibpipe_strategy_plugin"
refuse "$work/nocreate.so" "strategy bad #0: create() failed"
refuse "$work/missing.so" "plugin $work/missing.so: cannot load: $work/missing.so: cannot open shared object file"
refuse "$work/newminor.so" "plugin $work/newminor.so: struct sizes do not match this ibpipe (ABI $major.99"
refuse "$work/twap.so" "unknown parameter twap.slicez=3: that strategy reads no such key in create()" --param twap.slicez=3
refuse "$work/twap.so" "unknown parameter momentum.window=5: no strategy of that name runs" --param momentum.window=5
refuse "$work/twap.so" "strategy twap: parameter twap.slices = 'seven': expected an integer" --param twap.slices=seven
refuse "$work/twap.so, nosuch x2" "no built-in strategy named 'nosuch'"

# An older minor version's plugin (a shorter vtable) loads and runs: the callbacks it lacks are NULL.
rc=0
"$ibpipe" run --strategies "$work/oldminor.so x2" --no-redis --port 1 --state-dir "$work" --run-seconds 1 >"$work/out" 2>&1 || rc=$?
[ "$rc" = 0 ] && [ "$(grep -c 'old.*created' "$work/out")" = 2 ] || fail "a plugin of ABI $major.0 with a shorter vtable: exit $rc: $(tail -5 "$work/out")"

# 4. Against ibsim, not readonly: the orders fill and reach P:stream:orders.
rport=$(tools/redis-start.sh "$work") || fail "no redis-server"
"$(dirname "$ibpipe")/ibsim" --port 0 --port-file "$work/ibsim.port" --control-port 0 --tick-rate 400 >"$work/ibsim.log" 2>&1 &
sim_pid=$!
i=0
until [ -s "$work/ibsim.port" ]; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || fail "ibsim wrote no port"
	sleep 0.1
done
run_plugin() { # strategies what-to-wait-for (a line of its log) prefix [more flags]
	what=$1 line=$2 prefix=$3
	shift 3
	"$ibpipe" run --strategies "$what" --port "$(cat "$work/ibsim.port")" --symbols AAPL --state-dir "$work" \
		--redis-url "redis://127.0.0.1:$rport" --redis-prefix "$prefix" "$@" >"$work/$prefix.log" 2>&1 &
	set -- "$what" "$line" "$prefix"
	ib_pid=$!
	i=0
	until grep -q "$2" "$work/$3.log" 2>/dev/null; do
		i=$((i + 1))
		kill -0 "$ib_pid" 2>/dev/null || fail "ibpipe --strategy $1 exited early: $(cat "$work/$3.log")"
		[ "$i" -lt 600 ] || fail "ibpipe --strategy $1: no '$2' within 60 s: $(tail -20 "$work/$3.log")"
		sleep 0.1
	done
}
filled_in_stream() { # prefix: order ids with status Filled in P:stream:orders
	redis-cli -p "$rport" --raw xrange "$1:stream:orders" - + |
		awk '/^order_id$/ { getline; id = $0 } /^status$/ { getline; if ($0 == "Filled") print id }' | sort -u
}
wait_fills() { # prefix count
	i=0
	until [ "$(filled_in_stream "$1" | wc -l)" -ge "$2" ]; do
		i=$((i + 1))
		[ "$i" -lt 300 ] || fail "$1: $(filled_in_stream "$1" | wc -l) fills of $2 in P:stream:orders"
		sleep 0.1
	done
}
stop_ibpipe() {
	kill -TERM "$ib_pid"
	rc=0
	wait "$ib_pid" || rc=$?
	ib_pid=
	[ "$rc" = 0 ] || fail "ibpipe exited $rc on SIGTERM: $(tail -20 "$work/$1.log")"
}

# An ABI 1.0/1.1 plugin (no on_bar) with bar series configured: the warm-up holds the gate, then it opens
# and the bars flow past a callback the plugin does not have.
run_plugin "$work/abi10.so" "gate open" abi10 --bars "AAPL:1min:1800S,AAPL:5s"
grep -q "AAPL:1min: history in" "$work/abi10.log" || fail "abi10: no warm-up before the gate: $(tail "$work/abi10.log")"
stop_ibpipe abi10

# TWAP alone, its size from a parameter: the children sum to the parent, each is filled.
run_plugin "$work/twap.so" "parent done" twap --param twap.parent=120 --param twap.interval_ms=100
children=$(sed -n 's/.*child [0-9]*\/[0-9]*: order [0-9]* BUY \([0-9]*\) .*/\1/p' "$work/twap.log")
sum=0
for q in $children; do sum=$((sum + q)); done
grep -q "parent done: 7 children summing to 120 of 120" "$work/twap.log" || fail "twap: $(grep 'parent done' "$work/twap.log")"
[ "$sum" = 120 ] || fail "TWAP children $children sum to $sum, not the parent 120"
nchild=$(printf '%s\n' $children | wc -l)
[ "$nchild" = 7 ] || fail "TWAP sent $nchild children, not 7"
wait_fills twap 7
stop_ibpipe twap

# Two different plugins and a built-in in one process, each its own thread: both plugins' orders fill.
run_plugin "$work/momentum.so, $work/twap.so x2, example" "momentum.*Filled: position" both \
	--param momentum.window=5 --param twap.parent=30 --param twap.slices=3 --param twap.interval_ms=50
i=0
until [ "$(grep -c "parent done: 3 children summing to 30 of 30" "$work/both.log")" -ge 2 ]; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || fail "two twap threads beside momentum did not both finish: $(tail "$work/both.log")"
	sleep 0.1
done
wait_fills both 7   # 2 x 3 TWAP children and at least one momentum order
stop_ibpipe both
echo "sdk-test: nm -D = the SDK; $n examples built from the staged install; 10 refusals exit 2; an older minor loads; an ABI 1.1 plugin (no on_bar) runs with bars;" \
	"TWAP 7 children sum to 120, all filled in P:stream:orders; momentum + 2 x twap + example in one process, filled"
