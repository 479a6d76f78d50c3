#!/usr/bin/env bash
# tools/include-graph.sh: the folder-level include graph of src/, and its
# rules.  A node is a folder of src/ (core, codec, ...) or "ibpipe" for the
# public headers in include/ibpipe/; an edge A -> B means a file in A
# includes a header of B.  Prints one line per folder with what it includes,
# then checks:
#   - no cycle between folders (the graph runs one way: a change in a lower
#     box never needs a change in a higher one);
#   - a public header includes only public headers (include/ibpipe/ is what a
#     strategy or a tool builds against: it cannot reach into src/);
#   - a built-in strategy (src/strategies/) is written like a plugin: it
#     includes the SDK (<ibpipe/...>), the C library and at most its own
#     header next to it (bench.c: "bench.h"), which in turn includes only the
#     SDK and the C library.  Nothing of src/: no util/, no other folder.
#     (The loader that lists the built-ins, src/loader/, is not a strategy.)
# Exit status 1 on a violation, with the #include lines behind it.
# Run by `make lint`; by hand: tools/include-graph.sh [-v] (-v: every edge's files).
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=${1:-}

# One "from-folder to-folder file header" line per quoted #include.
edges=$(
	for f in src/*/*.[ch] include/ibpipe/*.h; do
		case $f in
		include/ibpipe/*) from=ibpipe ;;
		*) from=${f#src/}; from=${from%%/*} ;;
		esac
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
			while read -r h; do
				case $h in
				ibpipe/*) to=ibpipe ;;
				*/*) to=${h%%/*}
				     [ -d "src/$to" ] || to="?$to" ;;
				*) # a bare name: next to the includer
				   if [ "$from" = ibpipe ]; then to=ibpipe; else to=$from; fi ;;
				esac
				echo "$from $to $f $h"
			done
	done
)

echo "include graph (folder -> folders it includes; src/*/ and include/ibpipe = ibpipe):"
echo "$edges" | awk '$1 != $2 { e[$1] = e[$1] " " $2 } { n[$1] = 1 }
	END { for (k in n) print k }' | sort | while read -r node; do
	outs=$(echo "$edges" | awk -v n="$node" '$1 == n && $2 != n { print $2 }' | sort -u | tr '\n' ' ')
	printf '  %-11s -> %s\n' "$node" "${outs:-(nothing)}"
	if [ "$verbose" = -v ]; then
		echo "$edges" | awk -v n="$node" '$1 == n && $2 != n { printf "      %s: %s\n", $3, $4 }'
	fi
done

status=0

# public headers include public headers only
bad=$(echo "$edges" | awk '$1 == "ibpipe" && $2 != "ibpipe" { printf "  %s includes \"%s\"\n", $3, $4 }')
if [ -n "$bad" ]; then
	echo "include-graph: a public header includes an internal one:"
	echo "$bad"
	status=1
fi
# built-in strategies: every #include, quoted or angled, is the SDK, the C library or the file's own header
libc=' assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h locale.h math.h
	setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h stdint.h stdio.h stdlib.h
	stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h wchar.h wctype.h
	dirent.h fcntl.h poll.h pthread.h sched.h strings.h unistd.h sys/stat.h sys/time.h sys/types.h '
libc=$(echo $libc)
bad=$(
	for f in src/strategies/*.[ch]; do
		[ -e "$f" ] || continue
		own=$(basename "${f%.*}").h
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$f" |
			while read -r inc; do
				h=${inc:1:${#inc}-2}
				case $inc in
				[\<\"]ibpipe/*) continue ;;
				\<*) case " $libc " in *" $h "*) continue ;; esac ;;
				\"*) [ "${f##*.}" = c ] && [ "$h" = "$own" ] && [ -e "src/strategies/$h" ] && continue ;;
				esac
				echo "  $f includes $inc"
			done
	done
)
if [ -n "$bad" ]; then
	echo "include-graph: a built-in strategy includes more than a plugin may (the SDK <ibpipe/...>, the C library, its own header):"
	echo "$bad"
	status=1
fi
unknown=$(echo "$edges" | awk '$2 ~ /^\?/ { printf "  %s includes \"%s\" (no such folder)\n", $3, $4 }')
if [ -n "$unknown" ]; then
	echo "include-graph: includes that name no folder of src/ or ibpipe/:"
	echo "$unknown"
	status=1
fi

# cycles: tsort names the folders of a loop on stderr
loops=$(echo "$edges" | awk '$1 != $2 { print $1, $2 }' | sort -u | tsort 2>&1 >/dev/null || true)
if [ -n "$loops" ]; then
	members=$(echo "$loops" | sed -n 's/^tsort: //p' | grep -v 'input contains a loop' | sort -u | tr '\n' ' ')
	echo "include-graph: cycle between folders: $members"
	echo "  the #include lines between them:"
	echo "$edges" | awk -v m=" $members" '$1 != $2 && index(m, " " $1 " ") && index(m, " " $2 " ") {
		printf "    %s -> %s  %s: \"%s\"\n", $1, $2, $3, $4 }'
	status=1
fi

public=$(find include/ibpipe -maxdepth 1 -name '*.h' | wc -l)
[ $status -eq 0 ] && echo "include-graph: one way, no cycle; $public public headers, each including only public headers; the built-in strategies include only the SDK and libc"
exit $status
