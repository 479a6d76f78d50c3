#!/usr/bin/env bash
# make fuzz: build every libFuzzer target in tests/fuzz with clang + ASan + UBSan,
# seed them from the repository only -- every frame of tests/vectors (framed and
# unframed), deploy/ for the config parser, tests/corpus/<target>/ (kept
# inputs, e.g. the hand-made book sequences) -- and run each for
# FUZZ_SECONDS (default 60); FUZZ_TARGETS=config_args runs only the targets whose
# name holds one of its words.  A crash leaves its input in build/fuzz/crash-*;
# commit it under tests/corpus/<target>/ and add a regression test.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || tools/deps.sh clang libclang-rt-14-dev
out=build/fuzz
mkdir -p "$out/obj"
flags="-std=c11 -D_GNU_SOURCE -DIB_VERSION=\"fuzz\" -DIB_GIT_SHA=\"fuzz\" -g -O1 -Iinclude -Isrc $(pkg-config --cflags ck hiredis libmicrohttpd) -fsanitize=address,undefined -fno-sanitize-recover=all"
objs=()
for src in src/*/*.c; do
	case $src in src/cli/main.c | src/sim/*) continue ;; esac
	o=$out/obj/$(echo "${src#src/}" | tr / _ | sed 's/\.c$//').o
	# a built-in strategy's plugin entry is renamed as the Makefile does (ibpipe_builtin_NAME)
	entry=
	case $src in src/strategies/*) entry=-Dibpipe_strategy_plugin=ibpipe_builtin_$(basename "$src" .c) ;; esac
	clang $flags $entry -fsanitize=fuzzer-no-link -c "$src" -o "$o"
	objs+=("$o")
done
# seeds: every vector line as a frame payload (and framed), encoder output
seeds=$out/seeds
rm -rf "$seeds" && mkdir -p "$seeds/payload" "$seeds/stream"
i=0
for f in tests/vectors/*.txt; do
	grep -v '^#' "$f" | while IFS= read -r line; do
		i=$((i + 1))
		printf '%s' "$line" | tr '|' '\0' > "$seeds/payload/$(basename "$f" .txt)-$RANDOM$i"
	done
done
for p in "$seeds"/payload/*; do
	n=$(stat -c %s "$p")
	{ printf '\x05'; printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))"; cat "$p"; } > "$seeds/stream/$(basename "$p")"
done
status=0
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		want=0
		for w in $FUZZ_TARGETS; do case $name in *"$w"*) want=1 ;; esac; done
		[ $want = 1 ] || continue
	fi
	clang $flags -fsanitize=fuzzer "$t" "${objs[@]}" -o "$out/$name" $(pkg-config --libs ck hiredis libmicrohttpd) -lpthread -lm
	corpus=$out/corpus-$name
	mkdir -p "$corpus"
	case $name in
	fuzz_framer) seed=$seeds/stream ;;
	fuzz_config) seed=deploy ;;
	fuzz_config_args) seed=deploy ;; # and the hostile seeds in tests/corpus/fuzz_config_args
	fuzz_book) seed=tests/corpus/fuzz_book ;; # hand-made sequences: inserts on both sides, updates, deletes
	fuzz_sync) seed=tests/corpus/fuzz_sync ;; # a list that changes after a download; quiet period, then too many
	fuzz_spec) seed=tests/corpus/fuzz_spec ;; # the documented examples
	*) seed=$seeds/payload ;;
	esac
	extra=tests/corpus/$name
	[ -d "$extra" ] && [ "$extra" != "$seed" ] || extra=
	echo "== $name for ${secs}s"
	if ! (cd "$out" && ./"$name" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix=./crash-"$name"- \
		"$(basename "$corpus")" "$(cd ../.. && realpath "$seed")" ${extra:+"$(cd ../.. && realpath "$extra")"} 2>&1 |
		grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done"); then
		status=1
	fi
	# slow-unit-*: an input that took over 10 s, which on a loaded machine is load, not a bug: listed, not failed
	ls "$out"/crash-"$name"-slow-unit-* >/dev/null 2>&1 && echo "slow inputs in $name (rerun alone to time them): $(ls "$out"/crash-"$name"-slow-unit-*)"
	crashes=$(ls "$out"/crash-"$name"-* 2>/dev/null | grep -v -- -slow-unit- || true)
	[ -n "$crashes" ] && { echo "CRASH in $name: $crashes"; status=1; }
done
exit $status
