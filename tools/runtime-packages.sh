#!/bin/sh
# runtime-packages.sh BINARY - the Debian packages that ship the shared libraries BINARY links,
# one per line, minus libc6 (every Debian base has it).  The Dockerfile's runtime stage installs
# exactly these, so a library added to the build can never be missing from the image.
# Exit 1 when a library belongs to no package (built by hand, say): the image could not run.
set -eu
bin=${1:?usage: runtime-packages.sh BINARY}
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
pkgs=""
for lib in $libs; do
	real=$(readlink -f "$lib")
	found=""
	# Merged /usr: the package database may know the file under /lib or under /usr/lib.
	for p in "$lib" "$real" "${real#/usr}" "/usr$lib"; do
		if pkg=$(dpkg-query -S "$p" 2>/dev/null); then
			found=${pkg%%:*}
			break
		fi
	done
	if [ -z "$found" ]; then
		echo "runtime-packages: $lib ($real) belongs to no Debian package" >&2
		exit 1
	fi
	[ "$found" = libc6 ] || pkgs="$pkgs $found"
done
printf '%s\n' $pkgs | sort -u
