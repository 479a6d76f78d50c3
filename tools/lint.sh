#!/usr/bin/env bash
# make lint: the include graph (tools/include-graph.sh: no cycle between
# the folders of src/, public headers include only public headers, built-in
# strategies only the SDK and libc, like a plugin), then cppcheck and clang-tidy over src/*/, tests/ (with
# tests/fuzz/) and bench/; the headers in include/ibpipe and next to the
# sources are checked through the files that include them.  Any finding
# makes the exit status 1 (2: a tool is missing).
#
# Rules: .clang-tidy (plus tests/.clang-tidy, bench/.clang-tidy) and, for
# cppcheck, the options below, tools/cppcheck-suppressions.txt and
# tools/cppcheck-ck.cfg -- each exception with its reason.
#
# The Makefile passes the build's flags (LINT_CFLAGS, LINT_TEST_CFLAGS for
# tests/) minus what is gcc-only or turns warnings into errors.  They are
# written once to build/lint/compile_commands.json, which both tools read
# (editors can too).  Both run LINT_JOBS wide (default: one per core) at the
# same time, the largest files first, so two cores finish in about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}
out=build/lint
cflags=${LINT_CFLAGS:?run me through make lint}
test_cflags=${LINT_TEST_CFLAGS:-}
for tool in cppcheck clang-tidy; do
	command -v "$tool" >/dev/null ||
		{ echo "lint: $tool is not installed (apt-get install cppcheck clang-tidy)" >&2; exit 2; }
done
mkdir -p "$out"
start=$(date +%s)

graph_status=0
tools/include-graph.sh > "$out/include-graph.txt" 2>&1 || graph_status=1

# largest first: the long analyses start early instead of ending the run alone
# shellcheck disable=SC2012
files=$(ls -S src/*/*.c tests/*.c tests/fuzz/*.c bench/*.c)

# One compile_commands.json entry per file, arguments JSON-escaped.
json_str() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
{
	echo '['
	sep=
	for f in $files; do
		# shellcheck disable=SC2086  # the flag lists are meant to be split
		set -- cc $cflags
		# shellcheck disable=SC2086
		case $f in tests/*) set -- "$@" $test_cflags ;; esac
		set -- "$@" -c "$f"
		printf '%s{"directory":%s,"file":%s,"arguments":[' "$sep" "$(json_str "$PWD")" "$(json_str "$f")"
		asep=
		for a in "$@"; do printf '%s%s' "$asep" "$(json_str "$a")"; asep=,; done
		printf ']}\n'
		sep=,
	done
	echo ']'
} > "$out/compile_commands.json.tmp"
mv "$out/compile_commands.json.tmp" "$out/compile_commands.json"

# cppcheck: warning, performance and portability; inconclusive findings off.
# ck is described to it by tools/cppcheck-ck.cfg (it does not read system headers).
cppcheck --quiet --project="$out/compile_commands.json" -j "$jobs" \
	--std=c11 --platform=unix64 --library=posix --library=tools/cppcheck-ck.cfg \
	--enable=warning,performance,portability \
	--suppressions-list=tools/cppcheck-suppressions.txt \
	--error-exitcode=1 \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]\n{code}' \
	> "$out/cppcheck.out" 2> "$out/cppcheck.txt" &
cppcheck_pid=$!

# clang-tidy: one process per file.  A header's finding is reported by every
# file that includes it; each is printed once.
rm -rf "$out/tidy" && mkdir -p "$out/tidy"
tidy_status=0
# shellcheck disable=SC2016,SC2086
printf '%s\n' $files | xargs -P "$jobs" -I{} sh -c \
	'clang-tidy --quiet -p "$1" "$2" > "$1/tidy/$(echo "$2" | tr / _).txt" 2> "$1/tidy/$(echo "$2" | tr / _).err"' \
	sh "$out" {} || tidy_status=1
cat "$out"/tidy/*.txt | awk '
	/^[^ ].*:[0-9]+:[0-9]+: (warning|error): / { show = !($0 in seen); seen[$0] = 1; n += show }
	show { print }
	END { if (n) printf "clang-tidy: %d finding(s)\n", n }' > "$out/clang-tidy.txt"
if [ $tidy_status -ne 0 ] && [ ! -s "$out/clang-tidy.txt" ]; then
	# failed without a diagnostic on stdout: show why
	cat "$out"/tidy/*.err >&2
fi

status=$graph_status
wait $cppcheck_pid || status=1
[ -s "$out/cppcheck.txt" ] && status=1
[ -s "$out/clang-tidy.txt" ] && status=1
[ $tidy_status -eq 0 ] || status=1

if [ $graph_status -ne 0 ]; then
	echo "== include graph"
	cat "$out/include-graph.txt"
fi
if [ -s "$out/cppcheck.txt" ]; then
	echo "== cppcheck"
	cat "$out/cppcheck.txt"
	echo "cppcheck: $(grep -c '^[^ ].*:[0-9]*:[0-9]*: ' "$out/cppcheck.txt") finding(s)"
fi
if [ -s "$out/clang-tidy.txt" ]; then
	echo "== clang-tidy"
	cat "$out/clang-tidy.txt"
fi
if [ $status -eq 0 ]; then
	echo "lint: clean ($(echo "$files" | wc -l) files, $(( $(date +%s) - start )) s)"
else
	echo "lint: FAILED ($(( $(date +%s) - start )) s; full output in $out/)" >&2
fi
exit $status
